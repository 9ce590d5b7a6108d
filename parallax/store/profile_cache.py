"""The SQL of the outlet-profile cache (schema migration 4): what an outlet page sums instead of reading and
re-analysing every article of the outlet.

profile_articles  one row per analysed article: its outlet, its UTC day (of published_ts; '' when undated),
                  the revision and analyzer version it was computed from, and its counts (zlib JSON: the
                  contested terms, sources, tone and loaded words of that one article)
profile_days      (outlet, day) -> the sum of the counts of its articles, kept in step as articles are added,
                  re-analysed or revised: a period's profile is the sum of a few day rows
profile_story_omissions  story -> the fingerprint of its articles and its omissions (JSON)

The counts themselves (what they hold, how they add up) are :mod:`parallax.outlets.aggregates`; this module
only stores and fetches them. Counts are plain nested dicts of ints; `add_counts` adds one into another
with a sign (a replaced article is subtracted from its day), dropping what reaches zero.
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parallax.store.db import Database

UNDATED = ""                     # the day of an article without published_ts
_CHUNK = 500
_PG_LOCK = 7270618               # advisory lock: one refresher updates the day rows at a time


def encode(counts: dict) -> bytes:
    return zlib.compress(json.dumps(counts, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)


def decode(blob: Any) -> dict:
    return json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))


def add_counts(into: dict, other: dict, sign: int = 1) -> dict:
    """`into` += sign * `other`, recursively over nested dicts of ints; entries that reach 0 (and dicts left
    empty) are removed, so a sum equals the counts computed from the remaining articles alone."""
    for key, value in other.items():
        if isinstance(value, dict):
            inner = into.get(key)
            if not isinstance(inner, dict):
                inner = into[key] = {}
            add_counts(inner, value, sign)
            if not inner:
                del into[key]
        else:
            total = into.get(key, 0) + sign * value
            if total:
                into[key] = total
            else:
                into.pop(key, None)
    return into


@dataclass(frozen=True)
class ArticleRow:
    pk: int
    outlet: str
    day: str
    published_ts: float | None
    revision: int
    analyzer_version: str
    counts: dict


# ---- what needs (re)computing ------------------------------------------------------------------------

def pending(db: Database, profile_version: int) -> list[int]:
    """Articles with a current analysis (its revision is the article's) whose cached counts are missing or
    were made from another revision, analyzer version or profile version, or under another outlet or day."""
    rows = db.query(
        "SELECT a.pk, a.outlet, a.published_ts, p.outlet, p.published_ts, p.revision, p.analyzer_version, "
        "p.profile_version, an.analyzer_version, a.revision FROM articles a "
        "JOIN analyses an ON an.article_pk = a.pk AND an.revision = a.revision "
        "LEFT JOIN profile_articles p ON p.article_pk = a.pk ORDER BY a.pk")
    out = []
    for pk, outlet, ts, p_outlet, p_ts, p_rev, p_version, p_profile, version, revision in rows:
        if (p_outlet is None or p_outlet != outlet or p_ts != ts or p_rev != revision or p_version != version
                or p_profile != profile_version):
            out.append(pk)
    return out


def orphans(db: Database) -> list[int]:
    """Cached articles that no longer have a current analysis (a new revision not analysed yet)."""
    return [pk for (pk,) in db.query(
        "SELECT p.article_pk FROM profile_articles p JOIN articles a ON a.pk = p.article_pk "
        "LEFT JOIN analyses an ON an.article_pk = a.pk AND an.revision = a.revision "
        "WHERE an.article_pk IS NULL ORDER BY p.article_pk")]


# ---- writing -----------------------------------------------------------------------------------------

def _lock(db: Database) -> None:
    if db.dialect == "postgresql":
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK,))


def _old_rows(db: Database, pks: Sequence[int]) -> dict[int, tuple[str, str, dict]]:
    out = {}
    for start in range(0, len(pks), _CHUNK):
        chunk = list(pks[start:start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        for pk, outlet, day, blob in db.query(
                f"SELECT article_pk, outlet, day, counts FROM profile_articles WHERE article_pk IN ({marks})", chunk):
            out[pk] = (outlet, day, decode(blob))
    return out


def save_articles(db: Database, rows: Sequence[ArticleRow], profile_version: int,
                  remove: Sequence[int] = ()) -> None:
    """Store the counts of `rows` (replacing what an article had) and drop the articles in `remove`, with
    the day rows updated by the difference, in one transaction."""
    if not rows and not remove:
        return
    with db.transaction():
        _lock(db)
        old = _old_rows(db, [r.pk for r in rows] + list(remove))
        deltas: dict[tuple[str, str], tuple[int, dict]] = {}

        def delta(outlet: str, day: str, counts: dict, sign: int) -> None:
            n, acc = deltas.get((outlet, day), (0, {}))
            deltas[(outlet, day)] = (n + sign, add_counts(acc, counts, sign))

        for outlet, day, counts in old.values():
            delta(outlet, day, counts, -1)
        for r in rows:
            delta(r.outlet, r.day, r.counts, +1)
        db.executemany("DELETE FROM profile_articles WHERE article_pk = ?", [(pk,) for pk in old])
        db.executemany(
            "INSERT INTO profile_articles (article_pk, outlet, day, published_ts, revision, analyzer_version, "
            "profile_version, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.pk, r.outlet, r.day, r.published_ts, r.revision, r.analyzer_version, profile_version,
              encode(r.counts)) for r in rows])
        _apply_days(db, deltas)


def _apply_days(db: Database, deltas: dict[tuple[str, str], tuple[int, dict]]) -> None:
    for (outlet, day), (n, counts) in sorted(deltas.items()):
        row = db.one("SELECT articles, counts FROM profile_days WHERE outlet = ? AND day = ?", (outlet, day))
        articles, total = (row[0], decode(row[1])) if row else (0, {})
        articles += n
        add_counts(total, counts)
        if articles <= 0:
            db.execute("DELETE FROM profile_days WHERE outlet = ? AND day = ?", (outlet, day))
        elif row:
            db.execute("UPDATE profile_days SET articles = ?, counts = ? WHERE outlet = ? AND day = ?",
                       (articles, encode(total), outlet, day))
        else:
            db.execute("INSERT INTO profile_days (outlet, day, articles, counts) VALUES (?, ?, ?, ?)",
                       (outlet, day, articles, encode(total)))


def clear(db: Database) -> None:
    """Forget every cached profile count and omission (before a rebuild)."""
    with db.transaction():
        _lock(db)
        for table in ("profile_articles", "profile_days", "profile_story_omissions"):
            db.execute(f"DELETE FROM {table}")


# ---- reading -----------------------------------------------------------------------------------------

def cached_days(db: Database, outlet: str, first_day: str | None = None, last_day: str | None = None
                ) -> tuple[int, dict]:
    """(articles, summed counts) of the outlet's day rows from `first_day` to `last_day` (ISO days, both
    included); with neither, every row including the undated one."""
    where, params = ["outlet = ?"], [outlet]
    if first_day is not None or last_day is not None:
        where.append("day <> ?")
        params.append(UNDATED)
    if first_day is not None:
        where.append("day >= ?")
        params.append(first_day)
    if last_day is not None:
        where.append("day <= ?")
        params.append(last_day)
    total: dict = {}
    articles = 0
    for n, blob in db.query(f"SELECT articles, counts FROM profile_days WHERE {' AND '.join(where)} ORDER BY day",
                            params):
        articles += n
        add_counts(total, decode(blob))
    return articles, total


def _outlet_period(outlet: str, since: float | None, until: float | None, prefix: str = ""
                   ) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (and parameters) for one outlet's articles published in [since, until]."""
    where, params = [f"{prefix}outlet = ?"], [outlet]
    if since is not None:
        where.append(f"{prefix}published_ts >= ?")
        params.append(since)
    if until is not None:
        where.append(f"{prefix}published_ts <= ?")
        params.append(until)
    return where, params


def cached_articles(db: Database, outlet: str, since: float | None, until: float | None) -> tuple[int, dict]:
    """(articles, summed counts) of the outlet's cached articles published in [since, until] (epoch s)."""
    where, params = _outlet_period(outlet, since, until)
    total: dict = {}
    articles = 0
    for (blob,) in db.iterate(f"SELECT counts FROM profile_articles WHERE {' AND '.join(where)}", params):
        articles += 1
        add_counts(total, decode(blob))
    return articles, total


def analysed_count(db: Database, outlet: str, since: float | None, until: float | None) -> int:
    """How many of the outlet's articles in the period have a current analysis (what the cache must hold)."""
    where, params = _outlet_period(outlet, since, until, prefix="a.")
    return int(db.scalar("SELECT COUNT(*) FROM articles a JOIN analyses an ON an.article_pk = a.pk AND "
                         f"an.revision = a.revision WHERE {' AND '.join(where)}", params, default=0))


def outlet_summary(db: Database, outlet: str, since: float | None, until: float | None) -> dict[str, Any]:
    """{"articles", "stories", "first", "last"} of the outlet in the period, from the articles table."""
    where, params = _outlet_period(outlet, since, until)
    cond = " AND ".join(where)
    n, stories, first, last = db.one(f"SELECT COUNT(*), COUNT(DISTINCT story_id), MIN(NULLIF(published, '')), "
                                     f"MAX(NULLIF(published, '')) "
                                     f"FROM articles WHERE {cond}", params)
    return {"articles": int(n), "stories": int(stories), "first": first, "last": last}


# ---- story omissions -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoryArticle:
    pk: int
    revision: int
    outlet: str
    published_ts: float | None


def story_articles(db: Database, story_ids: Sequence[str] | None = None) -> dict[str, list[StoryArticle]]:
    """story id -> its articles (pk, revision, outlet, published_ts); every clustered story without ids."""
    sql = "SELECT story_id, pk, revision, outlet, published_ts FROM articles WHERE story_id IS NOT NULL"
    out: dict[str, list[StoryArticle]] = {}
    batches: Iterable[Sequence[str] | None] = [None] if story_ids is None else [
        story_ids[i:i + _CHUNK] for i in range(0, len(story_ids), _CHUNK)]
    for chunk in batches:
        query, params = sql, []
        if chunk is not None:
            query += f" AND story_id IN ({','.join('?' * len(chunk))})"
            params = list(chunk)
        for sid, pk, revision, outlet, ts in db.query(query + " ORDER BY story_id, pk", params):
            out.setdefault(sid, []).append(StoryArticle(pk, revision, outlet, ts))
    return out


def stories_of(db: Database, outlet: str, since: float | None, until: float | None) -> list[str]:
    """Stories with an article of the outlet published in the period."""
    where, params = _outlet_period(outlet, since, until)
    where.append("story_id IS NOT NULL")
    return [sid for (sid,) in db.query(f"SELECT DISTINCT story_id FROM articles WHERE {' AND '.join(where)}",
                                       params)]


def load_omissions(db: Database, story_ids: Sequence[str]) -> dict[str, tuple[str, dict]]:
    """story id -> (fingerprint, {"outlets", "majority_facts", "omissions"}) of the stored ones."""
    out = {}
    for start in range(0, len(story_ids), _CHUNK):
        chunk = list(story_ids[start:start + _CHUNK])
        for sid, fp, data in db.query("SELECT story_id, fingerprint, data FROM profile_story_omissions WHERE "
                                      f"story_id IN ({','.join('?' * len(chunk))})", chunk):
            out[sid] = (fp, json.loads(data))
    return out


def all_omission_fingerprints(db: Database) -> dict[str, str]:
    return dict(db.query("SELECT story_id, fingerprint FROM profile_story_omissions"))


def save_omissions(db: Database, entries: Iterable[tuple[str, str, dict]]) -> None:
    """Store (story id, fingerprint, data) entries, replacing what a story had."""
    rows = [(sid, fp, json.dumps(data, ensure_ascii=False)) for sid, fp, data in entries]
    if not rows:
        return
    with db.transaction():
        db.executemany("DELETE FROM profile_story_omissions WHERE story_id = ?", [(r[0],) for r in rows])
        db.executemany("INSERT INTO profile_story_omissions (story_id, fingerprint, data) VALUES (?, ?, ?)", rows)
