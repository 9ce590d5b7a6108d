"""Stories by who covered them, in SQL: coverage by kind of outlet (`parallax.outlet_kinds`), stories
covered by every one of several outlets, by an outlet of each of several kinds, blind spots, and the
story-list orders.

The registry maps outlet names to kinds in Python; here it becomes one `CASE` over the outlets of the
corpus (`KindCase`), so that a page of stories is filtered, counted and ordered by the database in one
grouped query over the articles, whatever the size of the corpus.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parallax.outlet_kinds import UNRATED, OutletKinds, outlet_kinds

SORTS = ("recent", "outlets", "kinds", "articles")
# ORDER BY of each sort over the grouped columns (x.n articles, x.k outlets, x.kk rated kinds)
_ORDER = {
    "recent": "COALESCE(x.last_ts, 0) DESC, x.story_id DESC",
    "outlets": "x.k DESC, x.kk DESC, x.n DESC, COALESCE(x.last_ts, 0) DESC, x.story_id DESC",
    "kinds": "x.kk DESC, x.k DESC, x.n DESC, COALESCE(x.last_ts, 0) DESC, x.story_id DESC",
    "articles": "x.n DESC, x.k DESC, COALESCE(x.last_ts, 0) DESC, x.story_id DESC",
}
# a blind spot: a story told by outlets of one (rated) kind only, with at least this many articles
BLIND_SPOT_MIN_ARTICLES = 2


class CoverageError(ValueError):
    """A sort or kind the registry does not know (the CLI and the web turn it into a usage error)."""


@dataclass(frozen=True)
class Coverage:
    """Story-level conditions on who covered a story (on top of the article-level filters)."""
    outlet_groups: tuple[tuple[str, ...], ...] = ()   # the story has an article from each group (exact names)
    kinds: tuple[str, ...] = ()                       # ... and an outlet of each kind
    blind_spot: bool = False
    sort: str = "recent"

    def check(self, registry: OutletKinds) -> None:
        if self.sort not in SORTS:
            raise CoverageError(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        unknown = [k for k in self.kinds if k not in registry.kinds()]
        if unknown:
            raise CoverageError(f"unknown kind(s) {', '.join(unknown)}: use one of {', '.join(registry.kinds())}")

    @property
    def impossible(self) -> bool:
        return any(not group for group in self.outlet_groups)


class KindCase:
    """The kinds of the corpus outlets as SQL: `expr()` is the kind's index in display order, NULL for an
    unrated outlet."""

    def __init__(self, registry: OutletKinds, outlets: Sequence[str]):
        self.registry = registry
        self.order = registry.kinds()
        self.by_kind: dict[str, list[str]] = {}
        for name in outlets:
            kind = registry.kind_of(name)
            if kind != UNRATED:
                self.by_kind.setdefault(kind, []).append(name)

    def expr(self, column: str = "a.outlet") -> tuple[str, list[Any]]:
        if not self.by_kind:
            return "CAST(NULL AS INTEGER)", []
        parts, params = [], []
        for kind, names in self.by_kind.items():
            parts.append(f"WHEN {column} IN ({','.join('?' * len(names))}) THEN {self.order.index(kind)}")
            params.extend(names)
        return f"CASE {' '.join(parts)} END", params


def _group_sum(names: Sequence[str]) -> tuple[str, list[Any]]:
    return f"SUM(CASE WHEN a.outlet IN ({','.join('?' * len(names))}) THEN 1 ELSE 0 END)", list(names)


def grouped_stories(db, kind_case: KindCase, where: list[str], params: list[Any], cov: Coverage, *,
                    min_articles: int = 1, min_outlets: int = 1) -> tuple[str, list[Any], str, list[Any]] | None:
    """(SQL of the matching stories as rows x(story_id, n, k, first_ts, last_ts, kk), its params, the outer
    WHERE over x, its params); None when nothing can match. `where`/`params` select the stories' articles."""
    kind_sql, kind_params = kind_case.expr()
    columns = ["a.story_id AS story_id", "COUNT(*) AS n", "COUNT(DISTINCT a.outlet) AS k",
               "MIN(a.published_ts) AS first_ts", "MAX(a.published_ts) AS last_ts",
               f"COUNT(DISTINCT {kind_sql}) AS kk", f"SUM(CASE WHEN {kind_sql} IS NULL THEN 1 ELSE 0 END) AS unrated"]
    column_params = kind_params + kind_params
    outer = ["x.n >= ?", "x.k >= ?"]
    outer_params: list[Any] = [min_articles, min_outlets]
    groups = list(cov.outlet_groups)
    for kind in cov.kinds:
        if kind == UNRATED:
            outer.append("x.unrated > 0")
        elif kind_case.by_kind.get(kind):
            groups.append(tuple(kind_case.by_kind[kind]))
        else:
            return None             # no outlet of the corpus is of that kind
    for i, group in enumerate(groups):
        if not group:
            return None
        sql, group_params = _group_sum(group)
        columns.append(f"{sql} AS g{i}")
        column_params.extend(group_params)
        outer.append(f"x.g{i} > 0")
    if cov.blind_spot:
        outer.extend(["x.kk = 1", "x.unrated = 0", "x.n >= ?"])
        outer_params.append(BLIND_SPOT_MIN_ARTICLES)
    sql = f"SELECT {', '.join(columns)} FROM articles a WHERE {' AND '.join(where)} GROUP BY a.story_id"
    return sql, column_params + list(params), " AND ".join(outer), outer_params


def page_of_stories(db, kind_case: KindCase, where: list[str], params: list[Any], cov: Coverage, *,
                    min_articles: int = 1, min_outlets: int = 1, limit: int | None = 20,
                    offset: int = 0) -> tuple[list[tuple], int]:
    """One page of (story_id, title, n, k, first_ts, last_ts, kk) in the coverage's order, and how many
    stories match in all (one query: the total rides along as a window count)."""
    built = grouped_stories(db, kind_case, where, params, cov, min_articles=min_articles, min_outlets=min_outlets)
    if built is None or cov.impossible:
        return [], 0
    grouped, grouped_params, outer, outer_params = built
    page = "" if limit is None else " LIMIT ? OFFSET ?"
    page_params = [] if limit is None else [limit, offset]
    rows = db.query(
        f"SELECT x.story_id, s.title, x.n, x.k, x.first_ts, x.last_ts, x.kk, COUNT(*) OVER () FROM ({grouped}) x "
        f"LEFT JOIN stories s ON s.id = x.story_id WHERE {outer} ORDER BY {_ORDER[cov.sort]}{page}",
        grouped_params + outer_params + page_params)
    if rows:
        return [tuple(r[:7]) for r in rows], int(rows[0][7])
    if not offset:
        return [], 0
    total = int(db.scalar(f"SELECT COUNT(*) FROM ({grouped}) x WHERE {outer}", grouped_params + outer_params,
                          default=0))
    return [], total


@dataclass
class StoryEntry:
    id: str
    title: str | None
    articles: int
    outlets: dict[str, int]            # outlet -> articles, most first
    first_ts: float | None
    last_ts: float | None
    kinds: int                         # distinct rated kinds
    kind_set: frozenset[str]
    unrated: int                       # articles from unrated outlets


class StoryTable:
    """Every article's story, outlet and time, and every story's counts and kinds, read once (per corpus
    version: the web app keeps one per version) so that a filtered, sorted page of stories takes
    milliseconds where a grouped query over the articles table takes a scan of it."""

    def __init__(self, rows: Sequence[tuple[int, str, str, float | None]], titles: dict[str, str | None],
                 registry: OutletKinds):
        self.registry = registry
        self.article: dict[int, tuple[str, str, float | None]] = {}      # pk -> (story, outlet, time)
        self.times: dict[tuple[str, str], list[float | None]] = {}     # (story, outlet) -> times
        per_story: dict[str, dict[str, int]] = {}
        for pk, story_id, outlet, ts in rows:
            self.article[pk] = (story_id, outlet, ts)
            self.times.setdefault((story_id, outlet), []).append(ts)
            counts = per_story.setdefault(story_id, {})
            counts[outlet] = counts.get(outlet, 0) + 1
        dated = sorted((ts, sid, outlet) for sid, outlet, ts in self.article.values() if ts is not None)
        self._stamps = [ts for ts, _, _ in dated]
        self._by_time = [(sid, outlet) for _, sid, outlet in dated]
        self.stories: dict[str, StoryEntry] = {}
        self._ordered: dict[str, list[StoryEntry]] = {}
        for sid, counts in per_story.items():
            stamps = [t for o in counts for t in self.times[(sid, o)] if t is not None]
            kinds = {o: registry.kind_of(o) for o in counts}
            rated = frozenset(k for k in kinds.values() if k != UNRATED)
            ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            self.stories[sid] = StoryEntry(sid, titles.get(sid), sum(counts.values()), ordered,
                                           min(stamps) if stamps else None, max(stamps) if stamps else None,
                                           len(rated), rated,
                                           sum(n for o, n in counts.items() if kinds[o] == UNRATED))

    @classmethod
    def load(cls, db, registry: OutletKinds) -> "StoryTable":
        rows = db.query("SELECT pk, story_id, outlet, published_ts FROM articles WHERE story_id IS NOT NULL")
        titles = dict(db.query("SELECT id, title FROM stories"))
        return cls(rows, titles, registry)

    def stories_with_article(self, *, since: float | None, until: float | None,
                             outlets: Sequence[str] | None, pks: set[int] | None) -> set[str] | None:
        """Stories with one article that matches every article-level filter: in the period, from one of
        `outlets`, among `pks` (full-text hits). None when no such filter is given."""
        if since is None and until is None and outlets is None and pks is None:
            return None
        wanted = None if outlets is None else set(outlets)
        if pks is not None:
            return {row[0] for row in (self.article.get(pk) for pk in pks)
                    if row is not None and (wanted is None or row[1] in wanted) and _in_period(row[2], since, until)}
        if since is None and until is None:
            return {sid for sid, outlet in self.times if outlet in wanted}
        # the articles of the period are one slice of the articles in time order
        lo = 0 if since is None else bisect.bisect_left(self._stamps, since)
        hi = len(self._stamps) if until is None else bisect.bisect_right(self._stamps, until)
        return {sid for sid, outlet in self._by_time[lo:hi] if wanted is None or outlet in wanted}

    def ordered(self, sort: str) -> list[StoryEntry]:
        """Every story in the order of `sort`, sorted once per table."""
        found = self._ordered.get(sort)
        if found is None:
            found = self._ordered[sort] = sorted(self.stories.values(), key=_SORT_KEYS[sort], reverse=True)
        return found

    def select(self, story_ids: set[str] | None, cov: Coverage, *, min_articles: int = 1, min_outlets: int = 1,
               limit: int | None = 20, offset: int = 0) -> tuple[list[StoryEntry], int]:
        """One page of the stories among `story_ids` (None: all) that pass `cov`, in its order, and the total."""
        if cov.impossible:
            return [], 0
        # one-outlet groups and the kinds are subset tests (done in C); groups of several outlets, any-of tests
        required = frozenset(g[0] for g in cov.outlet_groups if len(set(g)) == 1)
        groups = [tuple(set(g)) for g in cov.outlet_groups if len(set(g)) > 1]
        want_unrated = UNRATED in cov.kinds
        want_kinds = frozenset(k for k in cov.kinds if k != UNRATED)
        hits = []
        for e in self.ordered(cov.sort):
            if story_ids is not None and e.id not in story_ids:
                continue
            if e.articles < min_articles or len(e.outlets) < min_outlets:
                continue
            if required and not required <= e.outlets.keys():
                continue
            if groups and not all(any(o in e.outlets for o in g) for g in groups):
                continue
            if want_kinds and not want_kinds <= e.kind_set:
                continue
            if want_unrated and not e.unrated:
                continue
            if cov.blind_spot and not (e.kinds == 1 and not e.unrated and e.articles >= BLIND_SPOT_MIN_ARTICLES):
                continue
            hits.append(e)
        end = None if limit is None else offset + limit
        return hits[offset:end], len(hits)


def _in_period(ts: float | None, since: float | None, until: float | None) -> bool:
    if since is None and until is None:
        return True
    if ts is None:
        return False
    return (since is None or ts >= since) and (until is None or ts <= until)


_SORT_KEYS = {
    "recent": lambda e: (e.last_ts or 0.0, e.id),
    "outlets": lambda e: (len(e.outlets), e.kinds, e.articles, e.last_ts or 0.0, e.id),
    "kinds": lambda e: (e.kinds, len(e.outlets), e.articles, e.last_ts or 0.0, e.id),
    "articles": lambda e: (e.articles, len(e.outlets), e.last_ts or 0.0, e.id),
}


def corpus_outlets(db) -> list[str]:
    return [r[0] for r in db.query("SELECT DISTINCT outlet FROM articles")]


__all__ = ["BLIND_SPOT_MIN_ARTICLES", "Coverage", "CoverageError", "KindCase", "SORTS", "StoryEntry", "StoryTable",
           "corpus_outlets", "grouped_stories", "page_of_stories", "rank_story_ids", "resolve_outlet"]


def resolve_outlet(name: str, names: Sequence[str]) -> tuple[str, ...]:
    """The outlets a user's NAME means (as `--outlet`): the outlet of that name in any case, else every
    outlet whose name contains it."""
    wanted = name.strip().casefold()
    exact = tuple(n for n in names if n.casefold() == wanted)
    return exact or tuple(n for n in names if wanted and wanted in n.casefold())


def rank_story_ids(db, selected: set[str] | None, *, outlets: Sequence[str] = (), kinds: Sequence[str] = (),
                   blind_spot: bool = False, sort: str = "recent", min_articles: int = 1, min_outlets: int = 1,
                   limit: int | None = None, registry: OutletKinds | None = None) -> list[str]:
    """The ids of the stories among `selected` (None: all) covered by every outlet in `outlets` (each a
    name or part of one) and by an outlet of every kind in `kinds`, blind spots only if asked, in `sort`
    order: what `Store.list_stories` loads."""
    registry = registry or outlet_kinds()
    table = StoryTable.load(db, registry)
    names = sorted({o for _, o, _ in table.article.values()})
    cov = Coverage(tuple(resolve_outlet(o, names) for o in outlets), tuple(kinds), blind_spot, sort)
    cov.check(registry)
    entries, _ = table.select(selected, cov, min_articles=min_articles, min_outlets=min_outlets, limit=limit)
    return [e.id for e in entries]
