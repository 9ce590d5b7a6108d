"""The corpus store: articles (with revisions and reprint links), analyses, clustering features, stories.

    with Store("corpus.sqlite") as store:                 # or "postgresql://user@host/db"
        results = store.add_articles(articles)           # one transaction; idempotent
        store.save_analyses([(pk, revision, doc)], ANALYZER_VERSION)

Identity of an article (``articles.ident``): its URL (normalised) when it has one; else the outlet plus the
id the input gave (a Telegram message, a JSON `id`); else the hash of its normalised text. The same identity
with the same text is a duplicate; with a new text it is a new revision (the old text moves to
`article_revisions`; re-reading an old text later is still a duplicate). An identical text already stored
for the same outlet under another identity is a duplicate too.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import urllib.parse
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parallax.ingest.textfile import text_hash
from parallax.model import AnalyzedArticle, Article
from parallax.outlet_kinds import OutletKinds, outlet_kinds
from parallax.store.coverage import rank_story_ids
from parallax.store.db import Database, redact, resolve_db
from parallax.store.furniture import any_counted, count_lines, learned_furniture
from parallax.store.reprints import ReprintConfig, ReprintIndex
from parallax.store.schema import migrate, now_iso
from parallax.store.serialize import dumps_analysis, loads_analysis
from parallax.stories import StoryItem
from parallax.text import fold

# Query parameters that only track the reader; the same page with and without them is one article.
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|ysclid|_openstat|from|ref|rss|mc_cid|mc_eid)$", re.I)

_ARTICLE_COLUMNS = ("pk, ext_id, ident, url, outlet, title, published, published_ts, text, text_hash, revision, "
                    "source, encoding, meta, reprint_of, reprint_similarity, story_id, ingested_at")


def _marks(values: Sequence[Any]) -> str:
    """SQL placeholders for an IN list: '?,?,?' (the driver layer adapts '?' to PostgreSQL)."""
    return ",".join("?" * len(values))


def _where_in(where: list[str], params: list[Any], column: str, values: Sequence[Any]) -> bool:
    """Adds the filter `column IN (values)`; False when `values` is empty, so nothing can match."""
    if not values:
        return False
    where.append(f"{column} IN ({_marks(values)})")
    params.extend(values)
    return True


def normalize_url(url: str) -> str:
    """A URL reduced to what identifies the page: scheme and `www.` ignored, host lower-cased, fragment,
    default port, tracking parameters and trailing slash dropped."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.netloc:
        return url.strip()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port if parts.port not in (None, 80, 443) else None
    query = urllib.parse.urlencode([(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                                    if not _TRACKING_PARAMS.match(k)])
    path = parts.path.rstrip("/") or "/"
    return f"//{host}{':' + str(port) if port else ''}{path}{'?' + query if query else ''}"


# Russian and Ukrainian inflection lives mostly in word-final vowels ('Сирия/Сирии/Сирию'); dropping them,
# down to a 4-letter stem, turns a prefix query into a cheap inflection-aware search.
_FINAL_VOWELS = set("аеёиоуыэюяйьіїєaeiouy")
_MIN_STEM = 4


def search_terms(query: str) -> list[str]:
    terms = []
    for word in re.findall(r"\w+", fold(query)):
        while len(word) > _MIN_STEM and word[-1] in _FINAL_VOWELS:
            word = word[:-1]
        terms.append(word)
    return terms


def identity_key(article: Article) -> str:
    if article.url:
        return "url:" + normalize_url(article.url)
    if not article.meta.get("id_assigned"):
        return f"id:{article.outlet.casefold()}\x1f{article.id}"
    return "text:" + text_hash(article.text)


def published_of(article: Article) -> tuple[str | None, float | None]:
    """(ISO string, epoch seconds UTC) of the article's publication; a bare date counts as midnight UTC."""
    stamp = article.meta.get("published") if article.meta else None
    if stamp:
        try:
            when = dt.datetime.fromisoformat(str(stamp))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            return str(stamp), when.timestamp()
        except ValueError:
            pass
    if article.date:
        d = article.date
        return d.isoformat(), dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp()
    return None, None


@dataclass
class AddResult:
    status: str                      # new | duplicate | revision | error
    ext_id: str
    pk: int | None = None
    reprint_of: int | None = None    # pk of the original, when this article is a reprint
    source: str | None = None
    error: str | None = None


@dataclass
class StoredArticle:
    pk: int
    ext_id: str
    ident: str
    url: str | None
    outlet: str
    title: str | None
    published: str | None
    published_ts: float | None
    text: str
    text_hash: str
    revision: int
    source: str | None
    encoding: str | None
    meta: dict[str, Any]
    reprint_of: int | None
    reprint_similarity: float | None
    story_id: str | None
    ingested_at: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredArticle":
        values = list(row)
        values[13] = json.loads(values[13] or "{}")
        return cls(*values)

    def to_article(self) -> Article:
        date = None
        if self.published:
            try:
                date = dt.date.fromisoformat(self.published[:10])
            except ValueError:
                date = None
        return Article(id=self.ext_id, text=self.text, outlet=self.outlet, title=self.title, date=date,
                       url=self.url, source=self.source, encoding=self.encoding or "utf-8", meta=dict(self.meta))


@dataclass
class StorySummary:
    id: str
    title: str | None
    articles: list[StoredArticle] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)        # kind -> number of its outlets (outlet_kinds)
    outlet_kinds: dict[str, str] = field(default_factory=dict)    # outlet -> kind ("unrated" when unknown)

    def with_kinds(self, registry: OutletKinds | None = None) -> "StorySummary":
        """Fills `coverage` and `outlet_kinds` from the registry (default: shipped + the user's file)."""
        registry = registry or outlet_kinds()
        self.outlet_kinds, self.coverage = registry.kinds_of(self.outlets), registry.coverage(self.outlets)
        return self

    @property
    def outlets(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in self.articles:
            seen.setdefault(a.outlet)
        return list(seen)

    @property
    def first(self) -> str | None:
        dated = [a for a in self.articles if a.published_ts is not None]
        return min(dated, key=lambda a: a.published_ts).published if dated else None

    @property
    def last(self) -> str | None:
        dated = [a for a in self.articles if a.published_ts is not None]
        return max(dated, key=lambda a: a.published_ts).published if dated else None


class Store:
    def __init__(self, target: str | None = None, *, reprint_config: ReprintConfig | None = None):
        self.target = resolve_db(target)
        self.db = Database(self.target)
        try:
            migrate(self.db)
            self.reprint_config = self._settled_reprint_config(reprint_config or ReprintConfig())
        except BaseException:
            self.db.close()
            raise
        self._reprints: ReprintIndex | None = None

    @property
    def location(self) -> str:
        return redact(self.target)

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- settings ----

    def _settled_reprint_config(self, wanted: ReprintConfig) -> ReprintConfig:
        """Signatures are only comparable when made with one configuration: the first one a store sees wins."""
        stored = self.db.scalar("SELECT value FROM store_settings WHERE key = 'reprints'")
        if stored:
            return ReprintConfig(**json.loads(stored))
        with self.db.transaction():
            self.db.execute("INSERT INTO store_settings (key, value) VALUES ('reprints', ?) ON CONFLICT (key) DO NOTHING",
                            (json.dumps(wanted.__dict__),))
        return ReprintConfig(**json.loads(self.db.scalar("SELECT value FROM store_settings WHERE key = 'reprints'")))

    # ---- ingestion ----

    @property
    def reprints(self) -> ReprintIndex:
        if self._reprints is None:
            index = ReprintIndex(self.reprint_config)
            rows = self.db.iterate("SELECT m.article_pk, m.signature, a.published_ts, a.outlet, a.reprint_of "
                                   "FROM minhashes m JOIN articles a ON a.pk = m.article_pk ORDER BY m.article_pk")
            for pk, blob, ts, outlet, root in rows:
                index.add(pk, np.frombuffer(bytes(blob), dtype=np.uint32), ts, outlet, root)
            self._reprints = index
        return self._reprints

    def add_articles(self, articles: Iterable[Article]) -> list[AddResult]:
        """Store a batch in one transaction. A record that fails inside the database is undone alone
        (savepoint) and reported as an error; the rest of the batch commits."""
        results: list[AddResult] = []
        reprints = self.reprints
        try:
            with self.db.transaction():
                for article in articles:
                    try:
                        with self.db.transaction():
                            results.append(self._add_one(article, reprints))
                    except Exception as exc:  # noqa: BLE001 - one record must not sink the batch
                        if self.db.dialect == "postgresql" and _connection_broken(exc):
                            raise
                        self._reprints = None     # index may hold this record's changes: rebuild lazily
                        reprints = self.reprints
                        results.append(AddResult("error", article.id, source=article.source,
                                                 error=f"database refused the record ({type(exc).__name__}: {exc})"))
        except BaseException:
            self._reprints = None
            raise
        return results

    def _add_one(self, article: Article, reprints: ReprintIndex) -> AddResult:
        db = self.db
        ident = identity_key(article)
        digest = text_hash(article.text)
        published, ts = published_of(article)
        now = now_iso()
        row = db.one("SELECT pk, text_hash, revision, reprint_of FROM articles WHERE ident = ?", (ident,))
        if row is not None:
            pk, current_hash, revision, reprint_of = row
            if current_hash == digest or db.one(
                    "SELECT 1 FROM article_revisions WHERE article_pk = ? AND text_hash = ?", (pk, digest)):
                return AddResult("duplicate", article.id, pk=pk, source=article.source)
            db.execute("INSERT INTO article_revisions (article_pk, revision, title, published, text, text_hash, "
                       "source, ingested_at) SELECT pk, revision, title, published, text, text_hash, source, "
                       "updated_at FROM articles WHERE pk = ?", (pk,))
            db.execute("UPDATE articles SET text = ?, text_hash = ?, title = ?, published = COALESCE(?, published), "
                       "published_ts = COALESCE(?, published_ts), revision = ?, source = ?, encoding = ?, meta = ?, "
                       "updated_at = ? WHERE pk = ?",
                       (article.text, digest, article.title, published, ts, revision + 1, article.source,
                        article.encoding, _meta_json(article), now, pk))
            signature = reprints.signature(article.text)
            db.execute("DELETE FROM minhashes WHERE article_pk = ?", (pk,))
            if signature is not None:
                db.execute("INSERT INTO minhashes (article_pk, signature) VALUES (?, ?)", (pk, signature.tobytes()))
                reprints.add(pk, signature, ts, article.outlet, reprint_of if reprint_of is not None else pk)
            else:
                reprints.remove(pk)
            return AddResult("revision", article.id, pk=pk, source=article.source)

        same_text = db.query("SELECT pk, outlet, published_ts, reprint_of FROM articles WHERE text_hash = ?",
                             (digest,))
        for other_pk, other_outlet, _, _ in same_text:
            if other_outlet.casefold() == article.outlet.casefold():
                return AddResult("duplicate", article.id, pk=other_pk, source=article.source)

        inserted = db.one(
            "INSERT INTO articles (ext_id, ident, url, outlet, title, published, published_ts, text, text_hash, "
            "revision, source, encoding, meta, ingested_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT (ident) DO NOTHING RETURNING pk",
            (article.id, ident, article.url, article.outlet, article.title, published, ts, article.text, digest,
             article.source, article.encoding, _meta_json(article), now, now))
        if inserted is None:
            # another process stored this identity between our lookup and the insert (PostgreSQL only;
            # SQLite writers are serialised)
            other = db.one("SELECT pk FROM articles WHERE ident = ?", (ident,))
            return AddResult("duplicate", article.id, pk=other[0] if other else None, source=article.source)
        pk = int(inserted[0])
        signature = reprints.signature(article.text)
        if signature is not None:
            db.execute("INSERT INTO minhashes (article_pk, signature) VALUES (?, ?)", (pk, signature.tobytes()))
        original = self._mark_reprint(pk, signature, ts, article.outlet, same_text, reprints)
        return AddResult("new", article.id, pk=pk, reprint_of=original, source=article.source)

    def _mark_reprint(self, pk: int, signature: np.ndarray | None, ts: float | None, outlet: str,
                      same_text: list[tuple], reprints: ReprintIndex) -> int | None:
        """Link `pk` into a reprint group and keep every group pointing at its earliest article.
        Returns the original's pk when `pk` is a reprint."""
        window = self.reprint_config.window_days * 86400.0
        matches: list[tuple[int, float]] = []
        if signature is not None:
            matches = reprints.matches(signature, ts, outlet)
        # identical texts too short for a signature still are one copy
        for other_pk, other_outlet, other_ts, _ in same_text:
            if other_outlet.casefold() != outlet.casefold() and \
                    (ts is None or other_ts is None or abs(other_ts - ts) <= window):
                matches.append((other_pk, 1.0))
        roots: dict[int, float | None] = {}
        if matches:
            root_rows = self.db.query(
                f"SELECT a.pk, a.reprint_of FROM articles a WHERE a.pk IN ({_marks(matches)})",
                [m[0] for m in matches])
            root_of = {other_pk: (root if root is not None else other_pk) for other_pk, root in root_rows}
            roots = dict.fromkeys(root_of.values())
            for root, root_ts in self.db.query(
                    f"SELECT pk, published_ts FROM articles WHERE pk IN ({_marks(roots)})", list(roots)):
                roots[root] = root_ts
            # Groups grow by pairwise links; a weekly template would chain one group across months.
            # Join a group only while its original is within the window of this article.
            roots = {r: r_ts for r, r_ts in roots.items()
                     if ts is None or r_ts is None or abs(r_ts - ts) <= window}
            matches = [(p, sim) for p, sim in matches if root_of.get(p) in roots]

        def order(key_pk: int, key_ts: float | None) -> tuple:
            return (key_ts is None, key_ts or 0.0, key_pk)

        original = pk
        if roots:
            earliest = min(roots, key=lambda r: order(r, roots[r]))
            if order(earliest, roots[earliest]) < order(pk, ts):
                original = earliest
        for root in roots:
            if root == original:
                continue
            # a group whose original turns out to be later than another group's: fold it in
            self.db.execute("UPDATE articles SET reprint_of = ? WHERE pk = ? OR reprint_of = ?",
                            (original, root, root))
            self.db.execute("UPDATE articles SET reprint_similarity = COALESCE(reprint_similarity, ?) WHERE pk = ?",
                            (max((s for p, s in matches if p == root), default=None), root))
            for member in [root] + reprints.members_of(root):
                reprints.set_root(member, original)
        if original != pk:
            best = max(s for _, s in matches)
            self.db.execute("UPDATE articles SET reprint_of = ?, reprint_similarity = ? WHERE pk = ?",
                            (original, best, pk))
        if signature is not None:
            reprints.add(pk, signature, ts, outlet, original)
        return original if original != pk else None

    # ---- reading articles ----

    def get_articles(self, pks: Sequence[int]) -> list[StoredArticle]:
        out: dict[int, StoredArticle] = {}
        for chunk in _chunks(list(pks), 500):
            for row in self.db.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE pk IN "
                                     f"({_marks(chunk)})", chunk):
                article = StoredArticle.from_row(row)
                out[article.pk] = article
        return [out[pk] for pk in pks if pk in out]


    def revisions(self, pk: int) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT revision, title, published, text, text_hash, source, ingested_at "
                             "FROM article_revisions WHERE article_pk = ? ORDER BY revision", (pk,))
        keys = ("revision", "title", "published", "text", "text_hash", "source", "ingested_at")
        return [dict(zip(keys, r)) for r in rows]

    def stats(self) -> dict[str, int]:
        q = self.db.scalar
        return {
            "articles": q("SELECT COUNT(*) FROM articles", default=0),
            "revisions": q("SELECT COUNT(*) FROM article_revisions", default=0),
            "reprints": q("SELECT COUNT(*) FROM articles WHERE reprint_of IS NOT NULL", default=0),
            "outlets": q("SELECT COUNT(DISTINCT outlet) FROM articles", default=0),
            "analysed": q("SELECT COUNT(*) FROM analyses", default=0),
            "stories": q("SELECT COUNT(*) FROM stories", default=0),
            "unclustered": q("SELECT COUNT(*) FROM articles WHERE story_id IS NULL", default=0),
        }

    def outlets(self) -> list[str]:
        return [r[0] for r in self.db.query("SELECT DISTINCT outlet FROM articles ORDER BY outlet")]

    # ---- analyses ----

    def pending_analysis(self, analyzer_version: str, *, outdated: bool = False) -> list[int]:
        """Articles never analysed, or analysed before their latest revision; with `outdated`, also those
        analysed by another analyzer version."""
        sql = ("SELECT a.pk FROM articles a LEFT JOIN analyses n ON n.article_pk = a.pk "
               "WHERE n.article_pk IS NULL OR n.revision <> a.revision")
        params: tuple = ()
        if outdated:
            sql += " OR n.analyzer_version <> ?"
            params = (analyzer_version,)
        return [r[0] for r in self.db.query(sql + " ORDER BY a.published_ts, a.pk", params)]

    def save_analyses(self, items: Sequence[tuple[int, int, AnalyzedArticle | bytes]], analyzer_version: str) -> None:
        """`items`: (pk, revision, analysis), the analysis also as `dumps_analysis` bytes (made in a worker)."""
        now = now_iso()
        rows = [(pk, revision, analyzer_version, bytes(doc) if isinstance(doc, bytes) else dumps_analysis(doc), now)
                for pk, revision, doc in items]
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO analyses (article_pk, revision, analyzer_version, data, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (article_pk) DO UPDATE SET revision = excluded.revision, "
                "analyzer_version = excluded.analyzer_version, data = excluded.data, created_at = excluded.created_at",
                rows)

    def load_analyses(self, articles: Sequence[StoredArticle], analyzer_version: str | None) -> dict[int, AnalyzedArticle]:
        """Stored analyses of these articles that are current: same revision and (unless None) same version."""
        by_pk = {a.pk: a for a in articles}
        out: dict[int, AnalyzedArticle] = {}
        for chunk in _chunks(list(by_pk), 500):
            rows = self.db.query(f"SELECT article_pk, revision, analyzer_version, data FROM analyses "
                                 f"WHERE article_pk IN ({_marks(chunk)})", chunk)
            for pk, revision, version, blob in rows:
                stored = by_pk[pk]
                if revision != stored.revision or (analyzer_version is not None and version != analyzer_version):
                    continue
                out[pk] = loads_analysis(blob, stored.to_article())
        return out

    def raw_analyses(self, pks: Sequence[int]) -> dict[int, tuple[str, int, dict]]:
        """(analyzer version, revision, analysis as plain JSON data) for export."""
        out = {}
        for chunk in _chunks(list(pks), 500):
            for pk, version, revision, blob in self.db.query(
                    f"SELECT article_pk, analyzer_version, revision, data FROM analyses WHERE article_pk IN "
                    f"({_marks(chunk)})", chunk):
                out[pk] = (version, revision, json.loads(zlib.decompress(bytes(blob)).decode("utf-8")))
        return out


    # ---- clustering features ----

    def save_features(self, items: Sequence[tuple[int, StoryItem]], analyzer_version: str) -> None:
        """`items`: (pk, StoryItem). The embedding is stored as float32 bytes."""
        rows = []
        for pk, item in items:
            vec = np.ascontiguousarray(item.embedding, dtype=np.float32)
            ts = _to_ts(item.time)
            evidence = {"lead_dates": sorted(getattr(item, "lead_dates", ()) or ()),
                        "title_years": sorted(getattr(item, "title_years", ()) or ()),
                        "title_names": [sorted(name) for name in getattr(item, "title_names", ()) or ()]}
            for field_name in ("text_keys", "short_text_keys"):
                keys = getattr(item, field_name, None)
                if keys is not None:
                    # CRC32 keys of every word: base64 of uint32, a third of the size of a JSON list
                    evidence[field_name] = base64.b64encode(np.array(sorted(keys), dtype="<u4").tobytes()).decode()
            if getattr(item, "title_keys", ()):
                evidence["title_keys"] = [sorted(keys) for keys in item.title_keys]
            if getattr(item, "digest", False):
                evidence["digest"] = True
            rows.append((pk, analyzer_version, ts, vec.tobytes(), json.dumps(sorted(item.entities), ensure_ascii=False),
                         item.title or "", json.dumps(evidence)))
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO story_features (article_pk, analyzer_version, time_ts, embedding, entities, title, "
                "evidence) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_pk) DO UPDATE SET "
                "analyzer_version = excluded.analyzer_version, time_ts = excluded.time_ts, "
                "embedding = excluded.embedding, entities = excluded.entities, title = excluded.title, "
                "evidence = excluded.evidence", rows)

    def pending_clustering(self) -> list[int]:
        return [r[0] for r in self.db.query(
            "SELECT a.pk FROM articles a JOIN story_features f ON f.article_pk = a.pk "
            "WHERE a.story_id IS NULL ORDER BY f.time_ts, a.pk")]

    def load_story_items(self, *, pks: Sequence[int] | None = None, since_ts: float | None = None,
                         until_ts: float | None = None, story_ids: Sequence[str] | None = None,
                         clustered_only: bool = False) -> list[tuple[int, StoryItem, str | None]]:
        """(pk, StoryItem, story id) in time order. StoryItem.article_id is the article's identity key,
        which is unique and stable, so story ids derived from it are stable too."""
        where, params = [], []
        if pks is not None:
            if not _where_in(where, params, "a.pk", pks):
                return []
        if story_ids is not None:
            if not _where_in(where, params, "a.story_id", story_ids):
                return []
        if since_ts is not None:
            where.append("f.time_ts >= ?")
            params.append(since_ts)
        if until_ts is not None:
            where.append("f.time_ts <= ?")
            params.append(until_ts)
        if clustered_only:
            where.append("a.story_id IS NOT NULL")
        sql = ("SELECT a.pk, a.ident, a.outlet, a.story_id, f.time_ts, f.embedding, f.entities, f.title, "
               "f.evidence FROM articles a JOIN story_features f ON f.article_pk = a.pk")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY f.time_ts, a.pk"
        out = []
        for pk, ident, outlet, story_id, ts, blob, entities, title, evidence in self.db.iterate(sql, params):
            time = None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)
            evidence = json.loads(evidence or "{}")
            item = StoryItem(article_id=ident, time=time, embedding=np.frombuffer(bytes(blob), dtype=np.float32),
                             entities=frozenset(json.loads(entities)), title=title, outlet=outlet,
                             lead_dates=frozenset(evidence.get("lead_dates", ())),
                             title_years=frozenset(int(y) for y in evidence.get("title_years", ())),
                             title_names=tuple(frozenset(name) for name in evidence.get("title_names", ())),
                             text_keys=_text_keys(evidence.get("text_keys")),
                             title_keys=tuple(frozenset(keys) for keys in evidence.get("title_keys", ())),
                             short_text_keys=_text_keys(evidence.get("short_text_keys")),
                             digest=bool(evidence.get("digest", False)))
            out.append((pk, item, story_id))
        return out

    def stories_near(self, since_ts: float, until_ts: float) -> list[str]:
        return [r[0] for r in self.db.query(
            "SELECT DISTINCT a.story_id FROM articles a JOIN story_features f ON f.article_pk = a.pk "
            "WHERE a.story_id IS NOT NULL AND f.time_ts >= ? AND f.time_ts <= ?", (since_ts, until_ts))]

    def undated_story_ids(self) -> list[str]:
        return [r[0] for r in self.db.query(
            "SELECT DISTINCT a.story_id FROM articles a JOIN story_features f ON f.article_pk = a.pk "
            "WHERE a.story_id IS NOT NULL AND f.time_ts IS NULL")]

    # ---- stories ----

    def assign_stories(self, assignments: dict[int, str], titles: dict[str, str]) -> None:
        """Set each article's story and each touched story's title; empty stories are dropped."""
        now = now_iso()
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO stories (id, title, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at",
                [(sid, title, now, now) for sid, title in titles.items()])
            missing = {sid for sid in assignments.values()} - set(titles)
            self.db.executemany("INSERT INTO stories (id, title, created_at, updated_at) VALUES (?, NULL, ?, ?) "
                                "ON CONFLICT (id) DO NOTHING", [(sid, now, now) for sid in sorted(missing)])
            self.db.executemany("UPDATE articles SET story_id = ? WHERE pk = ?",
                                [(sid, pk) for pk, sid in assignments.items()])
            self.db.execute("DELETE FROM stories WHERE NOT EXISTS "
                            "(SELECT 1 FROM articles a WHERE a.story_id = stories.id)")

    def record_recluster(self, since: str | None, until: str | None, report: dict) -> None:
        with self.db.transaction():
            self.db.execute("INSERT INTO recluster_runs (ran_at, since, until, report) VALUES (?, ?, ?, ?)",
                            (now_iso(), since, until, json.dumps(report, ensure_ascii=False)))

    def search(self, query: str) -> list[int]:
        """Articles containing every word of `query`, any inflection: each word is cut to its stem
        (trailing vowels dropped, so 'Сирия' finds 'Сирии', 'Путин' finds 'Путина') and matched as a prefix."""
        terms = search_terms(query)
        if not terms:
            return []
        if self.db.dialect == "sqlite":
            match = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
            return [r[0] for r in self.db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (match,))]
        tsquery = " & ".join(t + ":*" for t in terms)
        return [r[0] for r in self.db.query("SELECT pk FROM articles WHERE tsv @@ to_tsquery('simple', ?)",
                                            (tsquery,))]

    def list_stories(self, *, since: float | None = None, until: float | None = None,
                     outlet: str | None = None, query: str | None = None, min_articles: int = 1,
                     min_outlets: int = 1, limit: int | None = None,
                     story_ids: Sequence[str] | None = None, outlets: Sequence[str] = (),
                     kinds: Sequence[str] = (), blind_spot: bool = False, sort: str = "recent") -> list[StorySummary]:
        """Stories, latest first. `since`/`until` (epoch s) keep stories with an article in the period;
        `outlet` (case-insensitive substring) stories with an article from a matching outlet; `query` stories
        with an article matching the full-text query. `outlets`: stories covered by every one of them (each
        as `outlet`); `kinds`: by an outlet of each kind; `blind_spot`: covered by outlets of one kind only;
        `sort`: recent | outlets | kinds | articles (see store/coverage.py). Each story has its `coverage`."""
        where, params = ["a.story_id IS NOT NULL"], []
        if since is not None:
            where.append("a.published_ts >= ?")
            params.append(since)
        if until is not None:
            where.append("a.published_ts <= ?")
            params.append(until)
        if outlet:
            wanted = outlet.casefold()
            names = [o for o in self.outlets() if wanted in o.casefold()]
            if not _where_in(where, params, "a.outlet", names):
                return []
        if story_ids is not None:
            if not _where_in(where, params, "a.story_id", story_ids):
                return []
        matched: set[int] | None = None
        if query:
            matched = set(self.search(query))
            if not matched:
                return []
        rows = self.db.query(f"SELECT a.pk, a.story_id FROM articles a WHERE {' AND '.join(where)}", params)
        selected = {sid for pk, sid in rows if matched is None or pk in matched}
        ranked = None
        if selected and (outlets or kinds or blind_spot or sort != "recent"):
            ranked = rank_story_ids(self.db, selected, outlets=outlets, kinds=kinds, blind_spot=blind_spot, sort=sort,
                                    min_articles=min_articles, min_outlets=min_outlets, limit=limit)
            selected = set(ranked)
        if not selected:
            return []
        stories: dict[str, StorySummary] = {}
        for chunk in _chunks(sorted(selected), 500):
            for sid, title in self.db.query(
                    f"SELECT id, title FROM stories WHERE id IN ({_marks(chunk)})", chunk):
                stories[sid] = StorySummary(sid, title)
            for row in self.db.query(
                    f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story_id IN ({_marks(chunk)}) "
                    f"ORDER BY published_ts, pk", chunk):
                article = StoredArticle.from_row(row)
                stories.setdefault(article.story_id, StorySummary(article.story_id, None)).articles.append(article)
        if ranked is not None:
            return [stories[sid].with_kinds() for sid in ranked if sid in stories]
        out = [s for s in stories.values()
               if len(s.articles) >= min_articles and len(s.outlets) >= min_outlets]
        out.sort(key=lambda s: (max((a.published_ts or 0.0) for a in s.articles), s.id), reverse=True)
        return [s.with_kinds() for s in (out[:limit] if limit else out)]

    def story(self, story_id: str) -> StorySummary | None:
        title = self.db.one("SELECT title FROM stories WHERE id = ?", (story_id,))
        if title is None:
            return None
        rows = self.db.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story_id = ? ORDER BY published_ts, pk",
                             (story_id,))
        return StorySummary(story_id, title[0], [StoredArticle.from_row(r) for r in rows]).with_kinds()


    def story_titles(self) -> dict[str, str | None]:
        return dict(self.db.query("SELECT id, title FROM stories"))

    def iter_articles(self, *, since: float | None = None, until: float | None = None,
                      story_id: str | None = None, outlet: str | None = None):
        where, params = [], []
        if since is not None:
            where.append("published_ts >= ?")
            params.append(since)
        if until is not None:
            where.append("published_ts <= ?")
            params.append(until)
        if story_id is not None:
            where.append("story_id = ?")
            params.append(story_id)
        if outlet:
            names = [o for o in self.outlets() if outlet.casefold() in o.casefold()]
            if not _where_in(where, params, "outlet", names):
                return
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY story_id, published_ts, pk"
        for row in self.db.iterate(sql, params):
            yield StoredArticle.from_row(row)

    def features_of(self, pks: Sequence[int]) -> dict[int, tuple[np.ndarray, list[str]]]:
        out = {}
        for chunk in _chunks(list(pks), 500):
            for pk, blob, entities in self.db.query(
                    f"SELECT article_pk, embedding, entities FROM story_features WHERE article_pk IN "
                    f"({_marks(chunk)})", chunk):
                out[pk] = (np.frombuffer(bytes(blob), dtype=np.float32), json.loads(entities))
        return out

    # ---- channel furniture (store/furniture.py) ----

    def count_outlet_lines(self, pks: Sequence[int] | None = None) -> int:
        """Count the short lines of these articles per outlet (default: of every article not counted at its
        current revision); returns how many were counted now."""
        return count_lines(self.db, pks)

    def outlet_lines_counted(self) -> bool:
        """Whether any article's lines are counted (False in a store migrated from before the counts)."""
        return any_counted(self.db)

    def outlet_furniture(self, outlets: Iterable[str]) -> dict[str, frozenset[str]]:
        """outlet -> the line keys it repeats across its posts: its channel furniture."""
        return learned_furniture(self.db, outlets)


def _meta_json(article: Article) -> str:
    return json.dumps(article.meta or {}, ensure_ascii=False, default=str, sort_keys=True)


def _to_ts(time: Any) -> float | None:
    if time is None:
        return None
    if isinstance(time, dt.datetime):
        return (time if time.tzinfo else time.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(time, dt.date):
        return dt.datetime(time.year, time.month, time.day, tzinfo=dt.timezone.utc).timestamp()
    return float(time)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _connection_broken(exc: Exception) -> bool:
    try:
        import psycopg  # lazy: optional (the postgres extra); SQLite corpora never load it
    except ImportError:
        return False
    return isinstance(exc, psycopg.OperationalError)


def _text_keys(encoded: str | None) -> frozenset[int] | None:
    if encoded is None:
        return None
    return frozenset(np.frombuffer(base64.b64decode(encoded), dtype="<u4").tolist())
