"""Outlet profiles for the web app.

The full profile (tone toward entities, typical omissions, classified sources) comes from
`parallax.profiles` when that module is installed. Without it, `basic_profile` computes what the stored
analyses already give: stories covered, contested-term usage over time (the framing lexicon) and the
sources each article names. Both return the same shape:

    {"outlet", "articles", "stories", "first", "last",
     "contested_terms": [{"category", "concept", "label", "term", "count", "by_month": {"2024-11": n}}],
     "sources": {"kinds": {kind: n}, "top": [{"source", "kind", "count"}]},
     "tone": [{"entity", "positive", "neutral", "negative"}], "omissions": [{"kind", "count", "examples"}]}
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from typing import Any

from .queries import iso_utc, outlets_overview

log = logging.getLogger(__name__)

TOP_SOURCES = 15
UNCLASSIFIED = "unclassified"


def _full_module():
    try:
        from .. import profiles  # noqa: PLC0415 - optional module of another part of Parallax
    except ImportError:
        return None
    if not all(hasattr(profiles, name) for name in ("list_outlets", "outlet_profile")):
        return None
    return profiles


def list_outlets(store) -> list[dict[str, Any]]:
    module = _full_module()
    if module is not None:
        try:
            return list(module.list_outlets(store))
        except Exception:  # noqa: BLE001 - the basic overview still works
            log.exception("parallax.profiles.list_outlets failed; using the basic overview")
    return outlets_overview(store.db)


def outlet_profile(store, outlet: str, since: float | None = None, until: float | None = None) -> dict[str, Any]:
    """The profile of `outlet` (exact name) over articles published in [since, until] (epoch seconds)."""
    module = _full_module()
    if module is not None:
        try:
            profile = dict(module.outlet_profile(store, outlet, since=since, until=until))
            profile.setdefault("complete", True)
            return profile
        except Exception:  # noqa: BLE001
            log.exception("parallax.profiles.outlet_profile failed; using the basic profile")
    return basic_profile(store, outlet, since=since, until=until)


def _month(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).strftime("%Y-%m")


def basic_profile(store, outlet: str, since: float | None = None, until: float | None = None) -> dict[str, Any]:
    from ..compare.framing import find_contested_terms, load_lexicon

    where, params = ["outlet = ?"], [outlet]
    if since is not None:
        where.append("published_ts >= ?")
        params.append(since)
    if until is not None:
        where.append("published_ts <= ?")
        params.append(until)
    rows = store.db.query(f"SELECT pk, story_id, published_ts FROM articles WHERE {' AND '.join(where)} "
                          "ORDER BY published_ts, pk", params)
    stories = {r[1] for r in rows if r[1] is not None}
    shared = 0
    if stories:
        ids = sorted(stories)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            shared += int(store.db.scalar(
                f"SELECT COUNT(DISTINCT story_id) FROM articles WHERE story_id IN ({','.join('?' * len(chunk))}) "
                "AND outlet <> ?", chunk + [outlet], default=0))
    stamps = [r[2] for r in rows if r[2] is not None]
    month_of = {r[0]: _month(r[2]) for r in rows}

    lexicon = load_lexicon()
    terms: dict[tuple, Counter] = defaultdict(Counter)
    kinds: Counter = Counter()
    sources: Counter = Counter()
    days: Counter = Counter()
    analysed = 0
    for r in rows:
        if r[2] is not None:
            days[dt.datetime.fromtimestamp(r[2], tz=dt.timezone.utc).date().isoformat()] += 1
    pks = [r[0] for r in rows]
    for start in range(0, len(pks), 200):
        stored = store.get_articles(pks[start:start + 200])
        docs = store.load_analyses(stored, None)
        for pk, doc in docs.items():
            analysed += 1
            month = month_of.get(pk) or "undated"
            for hit in find_contested_terms(doc, lexicon):
                terms[(hit.category, hit.concept, hit.label, hit.entry or hit.term.lower())][month] += 1
            for att in doc.attributions:
                kind = att.kind or UNCLASSIFIED
                kinds[kind] += 1
                sources[(att.source, kind)] += 1
    contested = [
        {"category": cat, "concept": concept, "label": label, "term": term, "count": sum(by_month.values()),
         "by_month": dict(sorted(by_month.items()))}
        for (cat, concept, label, term), by_month in terms.items()]
    contested.sort(key=lambda t: (-t["count"], t["category"], t["concept"], t["term"]))
    return {
        "outlet": outlet,
        "articles": len(rows),
        "analysed": analysed,
        "stories": len(stories),
        "stories_shared": shared,
        "first": iso_utc(min(stamps)) if stamps else None,
        "last": iso_utc(max(stamps)) if stamps else None,
        "by_day": dict(sorted(days.items())),
        "contested_terms": contested,
        "sources": {"kinds": dict(kinds.most_common()),
                    "top": [{"source": s, "kind": k, "count": n} for (s, k), n in sources.most_common(TOP_SOURCES)]},
        "tone": [],
        "omissions": [],
        "complete": False,
    }
