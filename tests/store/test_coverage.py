"""Stories by who covered them (parallax/store/coverage.py): several outlets meaning all of them, kinds, blind
spots and the orders, through `Store.list_stories`, the web's SQL query and the web's in-memory story table,
which must agree on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from corpus_fakes import make_article
from parallax.outlet_kinds import load_outlet_kinds
from parallax.store.coverage import Coverage, CoverageError, StoryTable
from parallax.store.queries import Filters, list_stories

RIA, BBC, MASH, SHOT, ODD = "РИА Новости", "BBC News | Русская служба", "Mash", "SHOT", "Неизвестный канал"
# story -> (outlet, day of December 2024) per article
STORIES = {
    "s-both": [(RIA, 1), (BBC, 1), (MASH, 2)],          # state + foreign_public + tabloid
    "s-ria": [(RIA, 2), (RIA, 3)],                       # one outlet: a blind spot of kind state
    "s-tabloids": [(MASH, 3), (SHOT, 3), (SHOT, 4)],     # tabloids only: a blind spot
    "s-odd": [(ODD, 4), (MASH, 4)],                      # an unrated outlet: never a blind spot
    "s-single": [(BBC, 5)],                              # one article: too small for a blind spot
}


@pytest.fixture
def corpus(store):
    articles, plan = [], []
    for sid, rows in STORIES.items():
        for i, (outlet, day) in enumerate(rows):
            ext = f"{sid}-{i}"
            articles.append(make_article(ext, f"Текст {ext} о событии {sid}.", outlet,
                                         when=f"2024-12-0{day}T1{i}:00:00+00:00", title=f"{sid} {i}"))
            plan.append(sid)
    results = store.add_articles(articles)
    store.assign_stories({r.pk: sid for r, sid in zip(results, plan)}, {sid: sid.upper() for sid in STORIES})
    return store


def sql_ids(store, cov=Coverage(), f=Filters(), **kw) -> list[str]:
    return [r.id for r in list_stories(store.db, f, coverage=cov, limit=100, **kw)[0]]


def table_ids(store, cov=Coverage(), f=Filters(), **kw) -> list[str]:
    table = StoryTable.load(store.db, load_outlet_kinds())
    return [r.id for r in list_stories(store.db, f, coverage=cov, limit=100, table=table, **kw)[0]]


def store_ids(store, **kw) -> list[str]:
    return [s.id for s in store.list_stories(**kw)]


CASES = [
    (Coverage(outlet_groups=((RIA,), (BBC,))), ["s-both"]),
    (Coverage(outlet_groups=((RIA,), (SHOT,))), []),
    (Coverage(outlet_groups=((MASH, SHOT),)), ["s-tabloids", "s-odd", "s-both"]),
    (Coverage(kinds=("state", "foreign_public")), ["s-both"]),
    (Coverage(kinds=("tabloid",)), ["s-tabloids", "s-odd", "s-both"]),
    (Coverage(kinds=("unrated",)), ["s-odd"]),
    (Coverage(kinds=("milblogger",)), []),
    (Coverage(blind_spot=True), ["s-tabloids", "s-ria"]),
    (Coverage(blind_spot=True, kinds=("state",)), ["s-ria"]),
    # ties: more kinds, then more articles, then the latest
    (Coverage(sort="outlets"), ["s-both", "s-tabloids", "s-odd", "s-ria", "s-single"]),
    (Coverage(sort="kinds"), ["s-both", "s-tabloids", "s-odd", "s-ria", "s-single"]),
    (Coverage(sort="articles"), ["s-both", "s-tabloids", "s-odd", "s-ria", "s-single"]),
    (Coverage(), ["s-single", "s-tabloids", "s-odd", "s-ria", "s-both"]),
]


@pytest.mark.parametrize("cov,expected", CASES, ids=[str(c) for c, _ in CASES])
def test_the_sql_query_and_the_story_table_agree_on_filters_and_order(corpus, cov, expected):
    assert sql_ids(corpus, cov) == expected
    assert table_ids(corpus, cov) == expected


def test_pages_and_totals_agree(corpus):
    for kw in ({}, {"table": StoryTable.load(corpus.db, load_outlet_kinds())}):
        rows, total = list_stories(corpus.db, Filters(), coverage=Coverage(sort="outlets"), limit=2, offset=1, **kw)
        assert [r.id for r in rows] == ["s-tabloids", "s-odd"] and total == 5
        rows, total = list_stories(corpus.db, Filters(), limit=2, offset=10, **kw)
        assert rows == [] and total == 5


def test_rows_carry_their_coverage_by_kind(corpus):
    for rows in (list_stories(corpus.db, Filters(story="s-both"))[0],
                 list_stories(corpus.db, Filters(story="s-both"), table=StoryTable.load(corpus.db, load_outlet_kinds()))[0]):
        row = rows[0]
        assert row.coverage == {"state": 1, "foreign_public": 1, "tabloid": 1}
        assert row.outlet_kinds[BBC] == "foreign_public" and row.kinds == 3


def test_article_filters_still_apply_to_one_article(corpus):
    """A period and one outlet: the story needs an article of that outlet in the period."""
    since = 1733097600.0           # 2024-12-02
    f = Filters(since=since, outlets=(RIA,))
    assert sql_ids(corpus, f=f) == table_ids(corpus, f=f) == ["s-ria"]
    f = Filters(since=since)
    cov = Coverage(outlet_groups=((RIA,), (BBC,)))
    # s-both has an article on Dec 2 (Mash): it is in the period, and covered by RIA and BBC
    assert sql_ids(corpus, cov, f) == table_ids(corpus, cov, f) == ["s-both"]


def test_full_text_and_min_filters_combine_with_coverage(corpus):
    f = Filters(query="событии")
    assert sql_ids(corpus, Coverage(blind_spot=True), f) == table_ids(corpus, Coverage(blind_spot=True), f) \
        == ["s-tabloids", "s-ria"]
    assert sql_ids(corpus, Coverage(blind_spot=True), min_outlets=2) == ["s-tabloids"]
    assert table_ids(corpus, Coverage(kinds=("tabloid",)), min_articles=3) == ["s-tabloids", "s-both"]


def test_store_list_stories_takes_outlets_kinds_blind_spots_and_sort(corpus):
    assert store_ids(corpus, outlets=["риа", "bbc"]) == ["s-both"]
    assert store_ids(corpus, outlets=["риа", "shot"]) == []
    assert store_ids(corpus, kinds=["tabloid"], sort="articles") == ["s-both", "s-tabloids", "s-odd"]
    assert store_ids(corpus, blind_spot=True) == ["s-tabloids", "s-ria"]
    assert store_ids(corpus, sort="outlets", limit=2) == ["s-both", "s-tabloids"]
    assert store_ids(corpus, outlet="mash", sort="recent") == ["s-tabloids", "s-odd", "s-both"]
    stories = corpus.list_stories(outlets=["риа", "bbc"])
    assert stories[0].coverage == {"state": 1, "foreign_public": 1, "tabloid": 1}
    assert stories[0].outlet_kinds == {RIA: "state", BBC: "foreign_public", MASH: "tabloid"}
    assert corpus.story("s-odd").coverage == {"tabloid": 1, "unrated": 1}


def test_unknown_sorts_and_kinds_are_refused(corpus):
    with pytest.raises(CoverageError, match="unknown sort"):
        list_stories(corpus.db, Filters(), coverage=Coverage(sort="random"))
    with pytest.raises(CoverageError, match="unknown kind"):
        corpus.list_stories(kinds=["heroic"])


def test_an_outlet_that_matches_nothing_matches_no_story(corpus):
    assert store_ids(corpus, outlets=["риа", "нет такого"]) == []
    assert sql_ids(corpus, Coverage(outlet_groups=((RIA,), ()))) == []
