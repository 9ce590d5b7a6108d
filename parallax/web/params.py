"""Query and path parameters, shared by pages and API so both filter alike: the list, search and profile queries as
FastAPI dependencies, each able to turn itself into store filters and back into a link."""
from __future__ import annotations

import datetime as dt
import inspect
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import HTTPException, Path, Query

from parallax.outlet_kinds import OutletKinds, outlet_kinds
from parallax.resources import ResourceError
from parallax.store.coverage import Coverage
from parallax.store.queries import Filters
from parallax.web.service import Corpus

Text = Annotated[str | None, Query(max_length=300,
                                   description="every word, in any inflection ('Путин' finds 'Путина')")]
OutletName = Annotated[str | None, Query(max_length=300, description="outlet name, or part of one (any case)")]
# Dates are read as text so that the empty value an HTML form sends for a blank date field means "no limit".
_DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"
Since = Annotated[str | None, Query(pattern=_DAY_PATTERN, description="on or after this day (YYYY-MM-DD, UTC)")]
Until = Annotated[str | None, Query(pattern=_DAY_PATTERN, description="on or before this day (YYYY-MM-DD, UTC)")]
PageNo = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
MinOutlets = Annotated[int, Query(ge=1, le=1000, description="stories covered by at least N outlets")]
MinArticles = Annotated[int, Query(ge=1, le=100_000, description="stories of at least N articles")]
Speaker = Annotated[str | None, Query(max_length=200,
                                      description="only quotes by this speaker ('who said X': give the words as q)")]
PerPage = Annotated[int, Query(ge=1, le=100, description="items per page")]
Outlets = Annotated[list[str] | None, Query(max_length=20, description="outlet name, or part of one (any case); "
                                            "repeat it for stories covered by every one of them")]
Kinds = Annotated[list[str] | None, Query(max_length=20, description="kind of outlet (see /api/outlets/kinds); "
                                          "repeat it for stories covered by an outlet of each kind")]
Sort = Annotated[Literal["recent", "outlets", "kinds", "articles"],
                 Query(description="latest first, or most outlets, most kinds of outlet, most articles first")]
BlindSpot = Annotated[bool, Query(description="only stories covered by outlets of one kind (and two or more "
                                              "articles)")]
StoryId = Annotated[str, Path(max_length=200)]
ArticleId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OutletPath = Annotated[str, Path(max_length=300)]


def parse_day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name}: not a day: {value!r} (use YYYY-MM-DD)") from None


def day_start(day: dt.date | None) -> float | None:
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def day_end(day: dt.date | None) -> float | None:
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=dt.timezone.utc).timestamp()


class StoryQuery:
    """The story list's query: `outlet` repeated means stories covered by every one of them (each an outlet
    name or part of one), `kind` repeated by an outlet of each kind, `blind_spot` stories covered by outlets
    of one kind only, `sort` the order."""

    def __init__(self, q: Text = None, outlet: Outlets = None, since: Since = None, until: Until = None,
                 min_outlets: MinOutlets = 1, min_articles: MinArticles = 1,
                 page: PageNo = 1, per_page: PerPage = 20, kind: Kinds = None, sort: Sort = "recent",
                 blind_spot: BlindSpot = False):
        self.q = (q or "").strip() or None
        self.outlets = list(dict.fromkeys(o.strip() for o in outlet or [] if o and o.strip()))
        self.outlet = self.outlets[0] if self.outlets else None
        self.kinds = list(dict.fromkeys(k.strip() for k in kind or [] if k and k.strip()))
        self.sort, self.blind_spot = sort or "recent", bool(blind_spot)
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.min_outlets, self.min_articles, self.page, self.per_page = min_outlets, min_articles, page, per_page
        registry = kinds_registry()
        unknown = [k for k in self.kinds if k not in registry.kinds()]
        if unknown:
            raise HTTPException(status_code=422, detail=f"kind: unknown {', '.join(unknown)} "
                                                        f"(use {', '.join(registry.kinds())})")

    def key(self) -> tuple:
        # the registry's version: a user kinds file edited while the server runs changes every list
        return (self.q, tuple(self.outlets), tuple(self.kinds), self.sort, self.blind_spot, self.since, self.until,
                self.min_outlets, self.min_articles, self.page, self.per_page, kinds_registry().version)

    def filters(self, corpus: Corpus) -> Filters:
        """The article-level filters: one outlet is matched on an article (with the period and the words);
        several go to `coverage` (each must have covered the story)."""
        single = corpus.resolve_outlets(self.outlets[0]) if len(self.outlets) == 1 else None
        return Filters(since=day_start(self.since), until=day_end(self.until), outlets=single, query=self.q)

    def coverage(self, corpus: Corpus) -> Coverage:
        groups = tuple(corpus.resolve_outlets(o) or () for o in self.outlets) if len(self.outlets) > 1 else ()
        return Coverage(outlet_groups=groups, kinds=tuple(self.kinds), blind_spot=self.blind_spot, sort=self.sort)

    def url(self, base: str, **change: Any) -> str:
        """This query (with `change`) as a link; defaults are left out. `outlet`/`kind` take a list."""
        values = {"q": self.q, "outlet": self.outlets, "kind": self.kinds, "sort": self.sort,
                  "blind_spot": 1 if self.blind_spot else None, "since": self.since, "until": self.until,
                  "min_outlets": self.min_outlets, "min_articles": self.min_articles, "per_page": self.per_page,
                  "page": self.page}
        if "outlets" in change:
            change["outlet"] = change.pop("outlets")
        if "kinds" in change:
            change["kind"] = change.pop("kinds")
        if "blind_spot" in change:
            change["blind_spot"] = 1 if change["blind_spot"] else None
        values.update(change)
        if isinstance(values["outlet"], str):
            values["outlet"] = [values["outlet"]]
        if isinstance(values["kind"], str):
            values["kind"] = [values["kind"]]
        defaults = {"min_outlets": 1, "min_articles": 1, "per_page": 20, "page": 1, "sort": "recent"}
        params = {k: v for k, v in values.items() if v not in (None, "", []) and defaults.get(k) != v}
        return base + ("?" + urlencode(params, doseq=True) if params else "")


def kinds_registry() -> OutletKinds:
    """The outlet kinds registry; a broken user file is the server's problem, shown as a 500 with its message."""
    try:
        return outlet_kinds()
    except ResourceError as exc:
        raise HTTPException(status_code=500, detail=f"outlet kinds: {exc}") from None


class ArticleQuery:
    def __init__(self, q: Text = None, outlet: OutletName = None, since: Since = None, until: Until = None,
                 story: Annotated[str | None, Query(max_length=200, description="only articles of this story")] = None,
                 page: PageNo = 1, per_page: PerPage = 20):
        self.q, self.outlet = (q or "").strip() or None, (outlet or "").strip() or None
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.story, self.page, self.per_page = story or None, page, per_page

    def filters(self, corpus: Corpus) -> Filters:
        return Filters(since=day_start(self.since), until=day_end(self.until),
                       outlets=corpus.resolve_outlets(self.outlet), query=self.q, story=self.story)


class SearchQuery:
    def __init__(self, q: Text = None,
                 speaker: Speaker = None,
                 outlet: OutletName = None, since: Since = None, until: Until = None, page: PageNo = 1,
                 per_page: PerPage = 20):
        self.q, self.speaker = (q or "").strip() or None, (speaker or "").strip() or None
        self.outlet = (outlet or "").strip() or None
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.page, self.per_page = page, per_page

    def key(self) -> tuple:
        return (self.q, self.speaker, self.outlet, self.since, self.until, self.page, self.per_page)

    def filters(self, corpus: Corpus) -> Filters:
        return Filters(since=day_start(self.since), until=day_end(self.until),
                       outlets=corpus.resolve_outlets(self.outlet))

    def url(self, base: str, **change: Any) -> str:
        values = {"q": self.q, "speaker": self.speaker, "outlet": self.outlet, "since": self.since,
                  "until": self.until, "page": self.page}
        values.update(change)
        params = {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}
        return base + ("?" + urlencode(params) if params else "")


class ProfileQuery:
    def __init__(self, since: Since = None, until: Until = None):
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")


def _async_dependency(cls):
    """`cls` as an async FastAPI dependency with the same query parameters: FastAPI runs a plain class in
    a worker thread, a hop that costs more than building these small objects."""
    async def make(**kwargs):
        return cls(**kwargs)

    signature = inspect.signature(cls.__init__)
    make.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    make.__name__ = cls.__name__
    return make


StoryParams = _async_dependency(StoryQuery)
ArticleParams = _async_dependency(ArticleQuery)
SearchParams = _async_dependency(SearchQuery)
ProfileParams = _async_dependency(ProfileQuery)
