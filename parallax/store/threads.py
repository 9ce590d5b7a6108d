"""Threads and digest items in the store (schema migration 5): which thread each story is in, kept up to
date after clustering, and which story each item of a digest post reports.

Incremental: each story's signature (articles, sum of their keys, first and last time) is stored with its
thread. `update_threads` compares the signatures with the stories as they are now; from the earliest
story that changed (new, grown, merged away, re-clustered) at time t, it decides every story again with
the stories of [t - lookback, t) and their threads as context (stories/threads.py: a decision only reads
that window), so the outcome equals a rebuild from scratch (tests/store/test_threads_store.py). New posts
arrive at the end of the timeline, so t is recent and the work is a few days of stories.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from parallax.store.schema import now_iso
from parallax.stories import ClusterConfig, StoryClusterer, StoryItem
from parallax.stories.digests import digest_items
from parallax.stories.threads import (
    StoryAggregate,
    ThreadConfig,
    ThreadLink,
    aggregate_story,
    assign_threads,
    timeline,
)

_DAY = 86400.0
_CHUNK = 500
_BEFORE_ALL = -1e18      # a time before every story (both back ends take it as a plain number)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---- updating -----------------------------------------------------------------------------------------

def story_signatures(db) -> dict[str, tuple[int, int, float, float]]:
    """story id -> (articles, sum of article keys, first time, last time) of every dated story."""
    rows = db.query("SELECT a.story_id, COUNT(*), SUM(a.pk), MIN(f.time_ts), MAX(f.time_ts) FROM articles a "
                    "JOIN story_features f ON f.article_pk = a.pk WHERE a.story_id IS NOT NULL "
                    "GROUP BY a.story_id HAVING MIN(f.time_ts) IS NOT NULL")
    return {sid: (int(n), int(pks), float(first), float(last)) for sid, n, pks, first, last in rows}


def _stored_signatures(db) -> dict[str, tuple[int, int, float, float]]:
    return {sid: (int(n), int(pks), float(first), float(last)) for sid, n, pks, first, last in db.query(
        "SELECT story_id, articles, pk_sum, first_ts, last_ts FROM thread_stories")}


def _aggregates(store, story_ids: list[str], config: ThreadConfig) -> dict[str, StoryAggregate]:
    """The aggregates of these stories, read story by story: only the columns threads need (not the word
    keys of the evidence), so a rebuild of 100k articles holds one story's members at a time."""
    out: dict[str, StoryAggregate] = {}
    for chunk in _chunks(sorted(story_ids)):
        titles = dict(store.db.query(f"SELECT id, title FROM stories WHERE id IN ({_marks(chunk)})", chunk))
        members: dict[str, list[StoryItem]] = defaultdict(list)
        for pk, sid, ts, blob, entities, digest in store.db.iterate(
                "SELECT a.pk, a.story_id, f.time_ts, f.embedding, f.entities, "
                "CASE WHEN f.evidence LIKE '%\"digest\": true%' THEN 1 ELSE 0 END FROM articles a "
                f"JOIN story_features f ON f.article_pk = a.pk WHERE a.story_id IN ({_marks(chunk)}) "
                "ORDER BY a.story_id, f.time_ts, a.pk", chunk):
            time = None if ts is None else dt.datetime.fromtimestamp(float(ts), tz=dt.timezone.utc)
            members[sid].append(StoryItem(article_id=str(pk), time=time,
                                          embedding=np.frombuffer(bytes(blob), dtype=np.float32),
                                          entities=frozenset(json.loads(entities)), title="", outlet="",
                                          digest=bool(digest)))
        for sid, items in members.items():
            agg = aggregate_story(sid, items, config, title=titles.get(sid) or "")
            if agg is not None:
                out[sid] = agg
    return out


def update_threads(store, config: ThreadConfig | None = None, *, rebuild: bool = False) -> dict[str, int]:
    """Bring the stored threads up to date with the stories (all of them again with `rebuild`).
    Returns counts: stories decided, threads touched."""
    config = config or ThreadConfig.load()
    db = store.db
    current = story_signatures(db)
    stored = _stored_signatures(db)
    changed = [sid for sid in set(current) | set(stored) if current.get(sid) != stored.get(sid)]
    if not rebuild and not changed:
        return {"stories": 0, "threads": 0}
    if rebuild or not stored:
        since = _BEFORE_ALL
    else:
        since = min(sig[2] for sid in changed for sig in (current.get(sid), stored.get(sid)) if sig is not None)
    horizon = since - config.lookback_days * _DAY
    context_rows = [] if rebuild else db.query(
        "SELECT story_id, thread_id FROM thread_stories WHERE thread_id IS NOT NULL AND first_ts >= ? "
        "AND first_ts < ?", (horizon, since))
    decide = sorted(sid for sid, sig in current.items() if sig[2] >= since)
    aggregates = _aggregates(store, [sid for sid, _ in context_rows] + decide, config)
    context = [(aggregates[sid], tid) for sid, tid in context_rows if sid in aggregates]
    links = {link.story_id: link for link in
             assign_threads([aggregates[sid] for sid in decide if sid in aggregates], config, context)}
    with db.transaction():
        old_threads = {r[0] for r in db.query(
            "SELECT DISTINCT thread_id FROM thread_stories WHERE thread_id IS NOT NULL AND first_ts >= ?",
            (since,))}
        removed = [sid for sid in stored if sid not in current]
        db.execute("DELETE FROM thread_stories WHERE first_ts >= ?", (since,))
        for chunk in _chunks(removed):
            db.execute(f"DELETE FROM thread_stories WHERE story_id IN ({_marks(chunk)})", chunk)
        db.executemany(
            "INSERT INTO thread_stories (story_id, thread_id, articles, pk_sum, first_ts, last_ts, via, cosine, "
            "shared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_member_row(sid, current[sid], links.get(sid)) for sid in decide])
        touched = old_threads | {link.thread_id for link in links.values()}
        _refresh_threads(db, sorted(touched))
    return {"stories": len(decide), "threads": len(touched)}


def _member_row(sid: str, signature: tuple[int, int, float, float], link: ThreadLink | None) -> tuple:
    n, pks, first, last = signature
    if link is None:
        return (sid, None, n, pks, first, last, None, None, "[]")
    return (sid, link.thread_id, n, pks, first, last, link.via, link.cosine,
            json.dumps(list(link.shared), ensure_ascii=False))


def _refresh_threads(db, thread_ids: list[str]) -> None:
    """Recount each thread from its member stories; a thread left with none is dropped."""
    now = now_iso()
    for chunk in _chunks(thread_ids):
        db.execute(f"DELETE FROM threads WHERE id IN ({_marks(chunk)})", chunk)
        rows = db.query(
            f"SELECT t.thread_id, t.story_id, t.articles, t.first_ts, t.last_ts, s.title FROM thread_stories t "
            f"LEFT JOIN stories s ON s.id = t.story_id WHERE t.thread_id IN ({_marks(chunk)})", chunk)
        members: dict[str, list[tuple]] = defaultdict(list)
        for tid, sid, n, first, last, title in rows:
            members[tid].append((sid, int(n), float(first), float(last), title))
        out = []
        for tid, stories in members.items():
            # the title of the thread: the title of its largest story (earliest on a tie)
            lead = min(stories, key=lambda s: (-s[1], s[2], s[0]))
            out.append((tid, lead[4], min(s[2] for s in stories), max(s[3] for s in stories), len(stories),
                        sum(s[1] for s in stories), now))
        db.executemany("INSERT INTO threads (id, title, first_ts, last_ts, stories, articles, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", out)


def refresh_threads(store, encoder: Callable[[], Any] | Any, *, cluster_config: ClusterConfig | None = None,
                    config: ThreadConfig | None = None) -> dict[str, int]:
    """After clustering: link the items of new digest posts to their stories, then update the threads.
    `encoder` (or a function returning one) embeds digest items; it is only called when there are some."""
    digests = link_digest_items(store, encoder, cluster_config)
    counts = update_threads(store, config)
    return {"digests": digests, **counts}


def threads_stale(db) -> bool:
    """True when some story changed since the threads were last updated."""
    return story_signatures(db) != _stored_signatures(db)


# ---- reading ------------------------------------------------------------------------------------------

@dataclass
class ThreadSummary:
    id: str
    title: str | None
    first_ts: float
    last_ts: float
    stories: int
    articles: int
    members: list[dict[str, Any]] = field(default_factory=list)   # story dicts in time order

    @property
    def first(self) -> str | None:
        return _iso(self.first_ts)

    @property
    def last(self) -> str | None:
        """When the thread's latest article appeared (not when its latest story began)."""
        return _iso(self.last_ts)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "first": self.first, "last": self.last,
                "stories": self.members if self.members else self.stories, "articles": self.articles}


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(float(ts), tz=dt.timezone.utc).replace(microsecond=0).isoformat()


def list_threads(db, *, since: float | None = None, until: float | None = None, min_stories: int = 2,
                 limit: int | None = None, offset: int = 0) -> tuple[list[ThreadSummary], int]:
    """Threads with at least `min_stories` stories that overlap [since, until], latest first, each with
    its stories in time order; and how many there are in all."""
    where, params = ["stories >= ?"], [min_stories]
    if since is not None:
        where.append("last_ts >= ?")
        params.append(since)
    if until is not None:
        where.append("first_ts <= ?")
        params.append(until)
    sql = f"FROM threads WHERE {' AND '.join(where)}"
    total = int(db.scalar(f"SELECT COUNT(*) {sql}", params, default=0))
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit else ""
    rows = db.query(f"SELECT id, title, first_ts, last_ts, stories, articles {sql} "
                    f"ORDER BY last_ts DESC, id{page}", params)
    threads = [ThreadSummary(r[0], r[1], float(r[2]), float(r[3]), int(r[4]), int(r[5])) for r in rows]
    by_id = {t.id: t for t in threads}
    for chunk in _chunks(list(by_id)):
        for tid, member in _member_dicts(db, f"t.thread_id IN ({_marks(chunk)})", chunk):
            by_id[tid].members.append(member)
    return threads, total


def _member_dicts(db, condition: str, params: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = db.query(
        "SELECT t.thread_id, t.story_id, s.title, t.articles, t.first_ts, t.last_ts, t.via, t.cosine, t.shared "
        f"FROM thread_stories t LEFT JOIN stories s ON s.id = t.story_id WHERE {condition} "
        "ORDER BY t.first_ts, t.story_id", params)
    return [(tid, {"id": sid, "title": title, "articles": int(n), "first": _iso(first), "last": _iso(last),
                   "first_ts": float(first), "via": via, "cosine": cosine, "shared": json.loads(shared or "[]")})
            for tid, sid, title, n, first, last, via, cosine, shared in rows]


def thread_detail(db, thread_id: str) -> dict[str, Any] | None:
    """A thread with its stories in time order, each with its articles (`article_list`: pk, outlet, title,
    published), and the timeline: each day's stories and each outlet's coverage of each story. None: no such thread."""
    row = db.one("SELECT id, title, first_ts, last_ts, stories, articles FROM threads WHERE id = ?", (thread_id,))
    if row is None:
        return None
    members = [m for _, m in _member_dicts(db, "t.thread_id = ?", (thread_id,))]
    ids = [m["id"] for m in members]
    articles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for pk, sid, outlet, title, published, ts in db.query(
                f"SELECT pk, story_id, outlet, title, published, published_ts FROM articles "
                f"WHERE story_id IN ({_marks(chunk)}) ORDER BY published_ts, pk", chunk):
            articles[sid].append({"pk": int(pk), "outlet": outlet, "title": title, "published": published,
                                  "published_ts": ts})
    for m in members:
        m["article_list"] = articles.get(m["id"], [])
        m["outlets"] = sorted({a["outlet"] for a in m["article_list"]})
    line = timeline([{"id": m["id"], "first": m["first_ts"], "articles": m["article_list"]} for m in members])
    return {"id": row[0], "title": row[1], "first": _iso(row[2]), "last": _iso(row[3]), "stories": members,
            "story_count": int(row[4]), "articles": int(row[5]), "timeline": line}


def threads_of_stories(db, story_ids: Sequence[str]) -> dict[str, str]:
    """story id -> thread id, for the stories that are in a thread."""
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(set(story_ids))):
        out.update(db.query(f"SELECT story_id, thread_id FROM thread_stories WHERE thread_id IS NOT NULL "
                            f"AND story_id IN ({_marks(chunk)})", chunk))
    return out


# ---- digest items -------------------------------------------------------------------------------------

def pending_digests(db) -> list[tuple[int, int]]:
    """(article key, revision) of every digest post whose items are not linked for its current revision."""
    rows = db.query("SELECT a.pk, a.revision, f.evidence FROM articles a JOIN story_features f "
                    "ON f.article_pk = a.pk WHERE f.evidence LIKE '%digest%' AND NOT EXISTS "
                    "(SELECT 1 FROM digest_items d WHERE d.article_pk = a.pk AND d.revision = a.revision) "
                    "ORDER BY f.time_ts, a.pk")
    return [(int(pk), int(rev)) for pk, rev, evidence in rows if json.loads(evidence or "{}").get("digest")]


def link_digest_items(store, encoder: Callable[[], Any] | Any, config: ClusterConfig | None = None) -> int:
    """Link each item of every digest post not linked yet to the story it reports, where one exists
    (`StoryClusterer.find_story` on the item embedded on its own, at the digest's time). `encoder` is an
    encoder or a function returning one (called only when there is a digest to link). Returns the digests
    linked."""
    pending = pending_digests(store.db)
    if not pending:
        return 0
    encoder = encoder() if callable(encoder) and not hasattr(encoder, "encode") else encoder
    clusterer = StoryClusterer(config)
    window = (clusterer.config.window_days + 1.0) * _DAY
    revisions = dict(pending)
    loaded: set[str] = set()
    for pk, item, _ in store.load_story_items(pks=[pk for pk, _ in pending]):
        digest = store.get_articles([pk])[0]
        texts = digest_items(digest.text, title=digest.title)
        ts = item.time.timestamp() if item.time is not None else None
        near = set(store.stories_near(ts - window, ts + window)) if ts is not None else set(store.undated_story_ids())
        fresh = sorted(near - loaded)
        if fresh:
            context = [(it, sid) for _, it, sid in store.load_story_items(story_ids=fresh) if not it.digest]
            clusterer.load([it for it, _ in context], [sid for _, sid in context])
            loaded |= set(fresh)
        vectors = encoder.encode(texts) if texts else np.empty((0, 0), dtype=np.float32)
        rows = []
        for index, (text, vector) in enumerate(zip(texts, vectors)):
            probe = replace(item, article_id=f"{item.article_id}#{index}", embedding=np.asarray(vector, np.float32),
                            entities=frozenset(), title=text[:300], lead_dates=frozenset(), title_names=(),
                            text_keys=None, title_keys=(), short_text_keys=None, digest=False)
            rows.append((pk, index, revisions[pk], text, clusterer.find_story(probe)))
        with store.db.transaction():
            store.db.execute("DELETE FROM digest_items WHERE article_pk = ?", (pk,))
            store.db.executemany("INSERT INTO digest_items (article_pk, item, revision, text, story_id) "
                                 "VALUES (?, ?, ?, ?, ?)", rows)
    return len(pending)


def digest_mentions(db, story_id: str) -> list[dict[str, Any]]:
    """The digest posts that list this story as one of their items ("also in digest: …"), in time order:
    the post (pk, outlet, title, published) and the item's text."""
    rows = db.query("SELECT a.pk, a.outlet, a.title, a.published, d.text FROM digest_items d "
                    "JOIN articles a ON a.pk = d.article_pk WHERE d.story_id = ? AND d.revision = a.revision "
                    "ORDER BY a.published_ts, a.pk, d.item", (story_id,))
    return [{"pk": int(pk), "outlet": outlet, "title": title, "published": published, "item": text}
            for pk, outlet, title, published, text in rows]


def digest_items_of(db, article_pk: int) -> list[dict[str, Any]]:
    """The items of one digest post and the story each reports (None: no story)."""
    return [{"item": int(i), "text": text, "story_id": sid} for i, text, sid in db.query(
        "SELECT item, text, story_id FROM digest_items WHERE article_pk = ? ORDER BY item", (article_pk,))]


__all__ = ["ThreadSummary", "digest_items_of", "digest_mentions", "link_digest_items", "list_threads",
           "pending_digests", "refresh_threads", "story_signatures", "thread_detail", "threads_of_stories",
           "threads_stale", "update_threads"]
