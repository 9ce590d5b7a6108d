"""Everything the web app reads from (and, with a token, writes to) the corpus, with its caches.

Each server thread gets its own database connection (SQLite in WAL mode serves concurrent readers; a
PostgreSQL connection must not be shared between threads). Story comparisons are cached under a key made
of the story id, the (article, revision) pairs it is made of and ANALYZER_VERSION, so a comparison is
recomputed exactly when one of its inputs changed: an article added to or leaving the story, a new
revision of an article, or a new analyzer. Lists and profiles are cached under the corpus version, a cheap
token that changes whenever the database does.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from parallax import ANALYZER_VERSION, __version__
from parallax.compare import compare_story
from parallax.ingest.errors import InputError
from parallax.ingest.records import Limits, build_article
from parallax.model import AnalyzedArticle, StoryComparison
from parallax.outlet_kinds import original_link
from parallax.outlets.aggregates import refresh_profiles
from parallax.pipeline import analyze_pending, article_document, cluster_pending, story_comparison, story_furniture
from parallax.render import plots
from parallax.render.jsonout import document_to_dict
from parallax.store import Store, StoredArticle
from parallax.store.db import ChangeStamp, is_postgres_url, redact, resolve_db
from parallax.store.queries import iso_utc, story_key_rows
from parallax.web.cache import LRUCache

log = logging.getLogger(__name__)

PG_VERSION_TTL = 1.0      # seconds between corpus-version queries on PostgreSQL


class NoDatabase(RuntimeError):
    pass


@dataclass
class StoryBundle:
    """A story's comparison with everything derived from it, computed once per cache key."""
    key: tuple
    story_id: str
    title: str
    doc: dict                               # the JSON v1 document (one story)
    json_bytes: bytes
    etag: str
    articles: list[dict]                    # per article in story order: pk, id, outlet, title, published, url
    by_outlet: list[dict]
    timeline_svg: str | None
    extra: dict[str, Any] = field(default_factory=dict)    # rendered pieces, filled lazily by the app
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def story(self) -> dict:
        return self.doc["stories"][0]

    def pk_of(self, article_id: str) -> int | None:
        for a in self.articles:
            if a["id"] == article_id:
                return a["pk"]
        return None


class Corpus:
    def __init__(self, target: str | None = None, *, cache_size: int = 64, must_exist: bool = True,
                 token: str | None = None):
        self.target = resolve_db(target)
        self.is_postgres = is_postgres_url(self.target)
        if must_exist and not self.is_postgres and not os.path.exists(self.target):
            raise NoDatabase(f"no database at {self.target} (create one with `parallax ingest SOURCE --db "
                             f"{self.target}`)")
        self.token = token or None
        self._local = threading.local()
        self._stores: list[Store] = []
        self._stores_lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stamp = ChangeStamp(self.target, ttl=PG_VERSION_TTL)
        self.stories = LRUCache(cache_size)          # comparison key -> StoryBundle
        self.keys = LRUCache(4096)                   # (story id, corpus version) -> comparison key
        self.pages = LRUCache(512)                   # (what, params, corpus version) -> rendered bytes/data
        self.profiles = LRUCache(32)
        self.compare_calls = 0
        self.store()                                 # open (and migrate) now: fail at start, not on first view

    @property
    def location(self) -> str:
        return redact(self.target)

    # ---- connections ----

    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.target)
            self._local.store = store
            with self._stores_lock:
                self._stores.append(store)
        return store

    def close(self) -> None:
        self._stamp.close()
        with self._stores_lock:
            stores, self._stores = self._stores, []
        for store in stores:
            try:
                store.close()
            except Exception:  # noqa: BLE001 - closing from another thread; the process is ending anyway
                pass

    # ---- corpus version ----

    def version(self) -> str:
        """A token that changes whenever the database does (see `parallax.store.db.ChangeStamp`)."""
        return self._stamp.current()

    # ---- outlets ----

    def outlet_names(self) -> list[str]:
        return self.pages.get_or_compute(("outlet-names", self.version()), lambda: self.store().outlets())

    def resolve_outlets(self, name: str | None) -> tuple[str, ...] | None:
        """None for no filter; the exact outlet when `name` is one (any case); else every outlet whose
        name contains it (as `parallax stories --outlet`); () when none does."""
        if not name or not name.strip():
            return None
        wanted = name.strip().casefold()
        names = self.outlet_names()
        exact = tuple(n for n in names if n.casefold() == wanted)
        if exact:
            return exact
        return tuple(n for n in names if wanted in n.casefold())

    # ---- story comparisons ----

    def story_key(self, story_id: str) -> tuple | None:
        def compute():
            rows = story_key_rows(self.store().db, story_id)
            return (story_id, tuple(rows), ANALYZER_VERSION) if rows else None
        return self.keys.get_or_compute((story_id, self.version()), compute)

    def story_bundle(self, story_id: str) -> StoryBundle | None:
        key = self.story_key(story_id)
        if key is None:
            return None
        return self.stories.get_or_compute(key, lambda: self._compute_story(story_id, key))

    def _compute_story(self, story_id: str, key: tuple) -> StoryBundle | None:
        store = self.store()
        summary = store.story(story_id)
        if summary is None or not summary.articles:
            return None
        with self._compute_lock:
            self.compare_calls += 1
            comparison = story_comparison(store, story_id)
        return self._bundle(key, story_id, comparison, summary.articles, summary.title)

    def article_bundle(self, pk: int) -> tuple[StoredArticle, StoryBundle] | None:
        """The article and the comparison it is shown with: its story's, or its own when it has no story."""
        store = self.store()
        found = store.get_articles([pk])
        if not found:
            return None
        article = found[0]
        if article.story_id:
            bundle = self.story_bundle(article.story_id)
            if bundle is not None and any(a["pk"] == article.pk for a in bundle.articles):
                return article, bundle
        key = ("article", article.pk, article.revision, ANALYZER_VERSION)
        bundle = self.stories.get_or_compute(key, lambda: self._compute_single(article, key))
        return article, bundle

    def _compute_single(self, article: StoredArticle, key: tuple) -> StoryBundle:
        with self._compute_lock:
            doc = article_document(self.store(), article)
            comparison = self._compare([doc], f"article-{article.pk}")
        return self._bundle(key, comparison.id, comparison, [article], article.title)

    def _compare(self, docs: list[AnalyzedArticle], story_id: str) -> StoryComparison:
        self.compare_calls += 1
        return compare_story(docs, story_id=story_id, furniture=story_furniture(self.store(), docs))

    def _bundle(self, key: tuple, story_id: str, comparison: StoryComparison, stored: list[StoredArticle],
                title: str | None) -> StoryBundle:
        doc = document_to_dict([comparison], [])
        story = doc["stories"][0]
        articles = []
        for a, item in zip(stored, story["articles"]):
            articles.append({"pk": a.pk, "id": item["id"], "outlet": a.outlet, "title": a.title,
                             "published": a.published, "published_ts": a.published_ts, "url": a.url,
                             "reprint_of": a.reprint_of, "link": original_link(a.outlet, a.url, a.meta)})
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        etag = '"' + hashlib.sha1(f"{__version__}|{key!r}".encode("utf-8")).hexdigest()[:20] + '"'
        timeline = plots.coverage_timeline(
            [(a["outlet"], _as_datetime(a["published_ts"])) for a in articles])
        return StoryBundle(key=key, story_id=story_id, title=title or story.get("title") or story_id, doc=doc,
                           json_bytes=raw, etag=etag, articles=articles, by_outlet=outlet_summary(story, articles),
                           timeline_svg=timeline)

    # ---- ingest (token only) ----

    def ingest(self, records: list[dict], *, analyze: bool = True) -> dict[str, Any]:
        limits = Limits()
        articles, problems = [], []
        for i, record in enumerate(records):
            try:
                articles.append((i, build_article(record, where="http", line=i + 1, limits=limits)))
            except InputError as exc:
                problems.append({"index": i, "status": "error", "error": exc.problem})
        results = list(problems)
        with self._write_lock:
            store = self.store()
            added = store.add_articles([a for _, a in articles])
            touched = []
            for (i, _), res in zip(articles, added):
                results.append({"index": i, "id": res.ext_id, "status": res.status, "pk": res.pk,
                                "reprint_of": res.reprint_of, "error": res.error})
                if res.status in ("new", "revision") and res.pk is not None:
                    touched.append(res.pk)
            summary = {"analysed": 0, "clustered": 0}
            if analyze and touched:
                with self._compute_lock:
                    s = analyze_pending(store, pending=touched)
                    s = cluster_pending(store, summary=s)
                    # the posted articles' profile counts; omissions of the stories they changed are
                    # compared (and stored) when an outlet page first needs them
                    refresh_profiles(store, omissions=False)
                summary = {"analysed": s.analysed, "clustered": s.clustered}
        self._stamp.touched()
        results.sort(key=lambda r: r["index"])
        return {"results": results, **summary}


def _as_datetime(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)


def outlet_summary(story: dict, articles: list[dict]) -> list[dict]:
    """Per outlet: its articles, the claims it shares by status, what it alone reports, its quotes, the
    sources it cites and the contested terms it uses."""
    outlet_of = {a["id"]: a["outlet"] for a in articles}
    order = list(dict.fromkeys(a["outlet"] for a in articles))
    out = {o: {"outlet": o, "articles": 0, "claims": Counter(), "quotes": 0, "sources": Counter(),
               "source_kinds": {}, "terms": Counter(), "first": None, "last": None} for o in order}
    for a in articles:
        row = out[a["outlet"]]
        row["articles"] += 1
        stamp = iso_utc(a.get("published_ts"))
        if stamp:
            row["first"] = min(filter(None, [row["first"], stamp]))
            row["last"] = max(filter(None, [row["last"], stamp]))
    for claim in story.get("claims", []):
        for outlet in {outlet_of.get(m["article"]) for m in claim["members"]} - {None}:
            out[outlet]["claims"][claim["status"]] += 1
    for group in story.get("quotes", []):
        for r in group["renderings"]:
            if r["article"] in outlet_of:
                out[outlet_of[r["article"]]]["quotes"] += 1
    for att in story.get("attributions", []):
        outlet = outlet_of.get(att["article"])
        if outlet:
            out[outlet]["sources"][att["source"]] += 1
            out[outlet]["source_kinds"].setdefault(att["source"], att.get("kind"))
    for entry in story.get("framing", []):
        for article, terms in entry.get("terms", {}).items():
            outlet = outlet_of.get(article)
            for t in terms if outlet else []:
                out[outlet]["terms"][(entry["concept"], t["term"], t.get("label") or "")] += 1
    result = []
    for o in order:
        row = out[o]
        result.append({
            "outlet": o, "articles": row["articles"], "first": row["first"], "last": row["last"],
            "claims": {s: row["claims"].get(s, 0) for s in ("consensus", "partial", "unique", "conflict")},
            "quotes": row["quotes"],
            "sources": [{"source": s, "kind": row["source_kinds"].get(s), "count": n}
                        for s, n in row["sources"].most_common()],
            "terms": [{"concept": c, "term": t, "label": lb, "count": n} for (c, t, lb), n in row["terms"].most_common()],
        })
    return result
