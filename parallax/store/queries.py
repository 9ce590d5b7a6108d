"""Read-only SQL for the web app: one page of stories or articles with its total, in one round trip each.

`Store.list_stories` loads every matching story with every article text, which is right for the CLI and
export but far too much for a paginated page; these queries aggregate in the database and fetch texts only
for the rows shown. Filters mean what they mean in `parallax stories`: a story matches when at least one of
its articles falls in the period, comes from the outlet and contains the words; its counts cover all of its
articles.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parallax.outlet_kinds import OutletKinds, outlet_kinds
from parallax.store.coverage import Coverage, KindCase, StoryTable, corpus_outlets, page_of_stories
from parallax.store.store import search_terms


@dataclass(frozen=True)
class Filters:
    since: float | None = None          # epoch seconds, inclusive
    until: float | None = None
    outlets: tuple[str, ...] | None = None   # exact names (already resolved); None = any, () = none match
    query: str | None = None            # full-text words
    story: str | None = None

    @property
    def impossible(self) -> bool:
        return self.outlets is not None and not self.outlets


@dataclass
class StoryRow:
    id: str
    title: str | None
    articles: int
    outlets_count: int
    first_ts: float | None
    last_ts: float | None
    outlets: list[tuple[str, int]] = field(default_factory=list)
    kinds: int = 0                       # distinct rated kinds among its outlets
    outlet_kinds: dict[str, str] = field(default_factory=dict)    # outlet -> kind
    coverage: dict[str, int] = field(default_factory=dict)        # kind -> outlets, in display order

    @property
    def first(self) -> str | None:
        return iso_utc(self.first_ts)

    @property
    def last(self) -> str | None:
        return iso_utc(self.last_ts)


@dataclass
class ArticleRow:
    pk: int
    ext_id: str
    url: str | None
    outlet: str
    title: str | None
    published: str | None
    published_ts: float | None
    story_id: str | None
    revision: int
    chars: int


def iso_utc(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat(timespec="minutes")


def fts_condition(dialect: str, query: str, column: str = "a.pk") -> tuple[str, list[Any]] | None:
    """SQL matching articles that contain every word of `query` in any inflection (see `Store.search`);
    None when the query has no words."""
    terms = search_terms(query)
    if not terms:
        return None
    if dialect == "sqlite":
        match = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
        return f"{column} IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", [match]
    tsquery = " & ".join("'" + t.replace("'", "''").replace("\\", "") + "':*" for t in terms)
    return "a.tsv @@ to_tsquery('simple', ?)", [tsquery]


def _conditions(db, f: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.since is not None:
        where.append("a.published_ts >= ?")
        params.append(f.since)
    if f.until is not None:
        where.append("a.published_ts <= ?")
        params.append(f.until)
    if f.outlets is not None:
        where.append(f"a.outlet IN ({','.join('?' * len(f.outlets))})")
        params.extend(f.outlets)
    if f.story is not None:
        where.append("a.story_id = ?")
        params.append(f.story)
    if f.query:
        cond = fts_condition(db.dialect, f.query)
        if cond is None:
            where.append("1 = 0")
        else:
            where.append(cond[0])
            params.extend(cond[1])
    return where, params


def list_stories(db, f: Filters, *, min_articles: int = 1, min_outlets: int = 1, limit: int = 20,
                 offset: int = 0, coverage: Coverage | None = None, registry: OutletKinds | None = None,
                 outlets: Sequence[str] | None = None, table: StoryTable | None = None
                 ) -> tuple[list[StoryRow], int]:
    """One page of stories and how many match in all: latest first (by their newest article), or in the
    order `coverage.sort` names; `coverage` also keeps only stories covered by every one of its outlet
    groups and kinds, or only blind spots. `registry` gives the outlets' kinds (default: the shipped one
    with the user's file); `outlets`, the corpus outlet names when the caller has them cached; `table`, the
    corpus's `StoryTable` when the caller keeps one (then only a full-text query touches the database)."""
    cov = coverage or Coverage()
    registry = table.registry if table is not None else (registry or outlet_kinds())
    cov.check(registry)
    if f.impossible or cov.impossible:
        return [], 0
    if table is not None:
        return _from_table(db, table, f, cov, min_articles=min_articles, min_outlets=min_outlets, limit=limit,
                           offset=offset)
    where, params = _conditions(db, f)
    if where:
        where = [f"a.story_id IN (SELECT DISTINCT a.story_id FROM articles a WHERE {' AND '.join(where)})"]
    where.insert(0, "a.story_id IS NOT NULL")
    kind_case = KindCase(registry, outlets if outlets is not None else corpus_outlets(db))
    rows, total = page_of_stories(db, kind_case, where, params, cov, min_articles=min_articles,
                                  min_outlets=min_outlets, limit=limit, offset=offset)
    stories = [StoryRow(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], kinds=int(r[6])) for r in rows]
    if stories:
        by_id = {s.id: s for s in stories}
        for sid, outlet, n in db.query(
                f"SELECT story_id, outlet, COUNT(*) FROM articles WHERE story_id IN ({','.join('?' * len(by_id))}) "
                "GROUP BY story_id, outlet ORDER BY story_id, COUNT(*) DESC, outlet", list(by_id)):
            by_id[sid].outlets.append((outlet, int(n)))
        for story in stories:
            story.outlet_kinds = registry.kinds_of(o for o, _ in story.outlets)
            story.coverage = registry.coverage(o for o, _ in story.outlets)
    return stories, total


def _from_table(db, table: StoryTable, f: Filters, cov: Coverage, *, min_articles: int, min_outlets: int,
                limit: int | None, offset: int) -> tuple[list[StoryRow], int]:
    pks = None
    if f.query:
        cond = fts_condition(db.dialect, f.query)
        pks = set() if cond is None else {r[0] for r in db.query(f"SELECT a.pk FROM articles a WHERE {cond[0]}",
                                                                 cond[1])}
    ids = table.stories_with_article(since=f.since, until=f.until, outlets=f.outlets, pks=pks)
    if f.story is not None:
        ids = {f.story} if ids is None or f.story in ids else set()
    entries, total = table.select(ids, cov, min_articles=min_articles, min_outlets=min_outlets, limit=limit,
                                  offset=offset)
    rows = []
    for e in entries:
        row = StoryRow(e.id, e.title, e.articles, len(e.outlets), e.first_ts, e.last_ts, list(e.outlets.items()),
                       kinds=e.kinds)
        row.outlet_kinds = table.registry.kinds_of(e.outlets)
        row.coverage = table.registry.coverage(e.outlets)
        rows.append(row)
    return rows, total


_ARTICLE_ROW = "a.pk, a.ext_id, a.url, a.outlet, a.title, a.published, a.published_ts, a.story_id, a.revision, " \
               "LENGTH(a.text)"


def list_articles(db, f: Filters, *, limit: int = 20, offset: int = 0) -> tuple[list[ArticleRow], int]:
    """One page of articles, latest first, and how many match in all."""
    if f.impossible:
        return [], 0
    where, params = _conditions(db, f)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = int(db.scalar(f"SELECT COUNT(*) FROM articles a{clause}", params, default=0))
    rows = db.query(f"SELECT {_ARTICLE_ROW} FROM articles a{clause} "
                    "ORDER BY COALESCE(a.published_ts, 0) DESC, a.pk DESC LIMIT ? OFFSET ?", params + [limit, offset])
    return [ArticleRow(*r) for r in rows], total


def article_rows(db, pks: list[int]) -> list[ArticleRow]:
    if not pks:
        return []
    rows = db.query(f"SELECT {_ARTICLE_ROW} FROM articles a WHERE a.pk IN ({','.join('?' * len(pks))})", pks)
    by_pk = {r[0]: ArticleRow(*r) for r in rows}
    return [by_pk[p] for p in pks if p in by_pk]


def matching_pks(db, f: Filters, *, limit: int) -> list[int]:
    """Newest `limit` articles matching the filters (for search)."""
    if f.impossible:
        return []
    where, params = _conditions(db, f)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return [r[0] for r in db.query(f"SELECT a.pk FROM articles a{clause} "
                                   "ORDER BY COALESCE(a.published_ts, 0) DESC, a.pk DESC LIMIT ?", params + [limit])]


def outlet_counts(db, f: Filters) -> list[tuple[str, int, float | None, float | None]]:
    """(outlet, matching articles, first, last) for the filters, most articles first."""
    if f.impossible:
        return []
    where, params = _conditions(db, f)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return [(r[0], int(r[1]), r[2], r[3]) for r in db.query(
        f"SELECT a.outlet, COUNT(*), MIN(a.published_ts), MAX(a.published_ts) FROM articles a{clause} "
        "GROUP BY a.outlet ORDER BY COUNT(*) DESC, a.outlet", params)]


def story_key_rows(db, story_id: str) -> list[tuple[int, int]]:
    """(pk, revision) of every article of the story: what a cached comparison depends on."""
    return [(int(p), int(r)) for p, r in db.query(
        "SELECT pk, revision FROM articles WHERE story_id = ? ORDER BY pk", (story_id,))]

