"""The profile cache (outlets/aggregates.py + store/profile_cache.py) gives exactly the profile computed from
the articles, on SQLite and on PostgreSQL (PARALLAX_TEST_PG), and stays exact as articles are added, revised
and re-analysed."""
from __future__ import annotations

import datetime as dt

import pytest
from profile_docs import make_doc

from parallax.compare import embed
from parallax.model import Article
from parallax.nlp.attribution import extract_attributions
from parallax.nlp.quotes import extract_quotes
from parallax.outlets import aggregates
from parallax.outlets.profiles import outlet_profile
from parallax.pipeline import analyzer_version
from parallax.store import Store
from parallax.store import profile_cache as pc
from store_fixtures import db_target  # noqa: F401

RIA, BBC, TOPOR = "РИА Новости", "BBC News | Русская служба", "Топор Live"

# (ext id, outlet, published, story, text, mentions)
POSTS = [
    ("r1", RIA, "2024-11-27T10:00:00+00:00", "kursk",
     "По данным Минобороны России, освобождение Курской области продолжается. Погибли 12 человек. "
     "ВСУ потеряли 300 военнослужащих на Украине. Зеленский назвал это «провокацией».", [("Зеленский", "PER")]),
    ("b1", BBC, "2024-11-27T11:00:00+00:00", "kursk",
     "Бои в Курской области продолжаются, сообщает Reuters. По словам Зеленского, война в Украине не "
     "закончится. Погибли 12 человек. «Это позорный режим», — заявил Песков.", [("Зеленского", "PER"), ("Песков", "PER")]),
    ("t1", TOPOR, "2024-11-27T12:00:00+00:00", "kursk",
     "Бои в Курской области продолжаются. Погибли 12 человек. Киевский режим снова ударил по мирным.", []),
    ("r2", RIA, "2024-12-02T09:00:00+00:00", "korea",
     "Президент Южной Кореи объявил военное положение, передает агентство Ренхап. СВО продолжается, "
     "сообщили РИА Новости в Минобороны. Юн Сок Ёль выступил с обращением.", [("Юн Сок Ёль", "PER"), ("РИА Новости", "ORG")]),
    ("b2", BBC, "2024-12-02T09:30:00+00:00", "korea",
     "Президент Южной Кореи ввел военное положение, сообщают источники. Юн Сок Ёль назвал оппозицию "
     "«антигосударственными силами». Би-би-си связалась с посольством.", [("Юн Сок Ёль", "PER"), ("Би-би-си", "ORG")]),
    ("r3", RIA, "2024-12-02T23:30:00+00:00", "korea",
     "Военное положение в Южной Корее отменено, сообщил корреспондент РИА Новости. Юн Сок Ёль уступил.",
     [("Юн Сок Ёль", "PER")]),
    ("r4", RIA, None, None, "Спецоперация на Украине продолжается, заявил Песков.", [("Песков", "PER")]),
]


def _doc(article: Article, mentions):
    doc = make_doc(article.text, *mentions, article_id=article.id, outlet=article.outlet,
                   date=str(article.date) if article.date else None)
    doc.article = article
    doc.quotes = extract_quotes(doc)
    doc.attributions = extract_attributions(doc)
    return doc


def _article(ext, outlet, when, text):
    meta = {"published": when} if when else {}
    return Article(id=ext, text=text, outlet=outlet, date=dt.date.fromisoformat(when[:10]) if when else None,
                   source=f"test:{ext}", meta=meta)


def _add(store, posts):
    articles = [_article(ext, outlet, when, text) for ext, outlet, when, _, text, _ in posts]
    results = store.add_articles(articles)
    revision = {a.pk: a.revision for a in store.get_articles([r.pk for r in results])}
    store.save_analyses([(r.pk, revision[r.pk], _doc(a, p[5])) for r, a, p in zip(results, articles, posts)],
                        analyzer_version())
    stories = {r.pk: p[3] for r, p in zip(results, posts) if p[3]}
    store.assign_stories(stories, {sid: sid for sid in set(stories.values())})
    return results


@pytest.fixture
def corpus(db_target, word_encoder, monkeypatch):  # noqa: F811
    monkeypatch.setattr(embed, "get_encoder", lambda *a, **k: word_encoder)
    with Store(db_target) as store:
        _add(store, POSTS)
        yield store


PERIODS = [(None, None), ("2024-12-01", None), (None, "2024-11-30"), ("2024-12-02", "2024-12-02"),
           (dt.datetime(2024, 12, 2, 9, 15, tzinfo=dt.timezone.utc).timestamp(), None)]


def _assert_same(store, outlets=(RIA, BBC, TOPOR), omissions=True):
    for outlet in outlets:
        for since, until in PERIODS:
            cached = outlet_profile(store, outlet, since, until, omissions=omissions)
            computed = outlet_profile(store, outlet, since, until, omissions=omissions, cached=False)
            assert cached == computed, (outlet, since, until)


def test_cached_profile_equals_the_computed_one(corpus):
    done = aggregates.refresh_profiles(corpus)
    assert done == {"articles": len(POSTS), "removed": 0, "stories": 1}    # only 'kursk' has 3 outlets
    assert aggregates.cached_parts(corpus, RIA, None, None)["n"] == 4
    _assert_same(corpus)
    ria = outlet_profile(corpus, RIA)
    assert ria["contested_terms"] and ria["sources"]["kinds"] and ria["omission_summary"]["stories"] == 1
    assert aggregates.refresh_profiles(corpus) == {"articles": 0, "removed": 0, "stories": 0}


def test_the_cache_follows_new_articles_revisions_and_reanalysis(corpus):
    aggregates.refresh_profiles(corpus)
    days_before = corpus.db.scalar("SELECT COUNT(*) FROM profile_days")
    new = [("b3", BBC, "2024-11-28T08:00:00+00:00", "kursk", "На Украине и в Украине идут бои, сообщает ТАСС.",
            []),
           ("t2", TOPOR, "2024-11-27T18:00:00+00:00", "kursk", "Погибли 12 человек, сообщили очевидцы.", [])]
    _add(corpus, new)
    assert aggregates.cached_parts(corpus, BBC, None, None) is None          # behind: computed from articles
    _assert_same(corpus, (BBC,))
    # the page view above compared the changed story and stored its omissions: nothing left to compare
    assert aggregates.refresh_profiles(corpus) == {"articles": 2, "removed": 0, "stories": 0}
    assert aggregates.cached_omissions(corpus, BBC, None, None) is not None
    assert corpus.db.scalar("SELECT COUNT(*) FROM profile_days") == days_before + 1      # BBC on 11-28; Топор joins its 11-27 row
    _assert_same(corpus)
    # a new revision without an analysis leaves the cache; its analysis brings it back (omissions apart: the
    # comparison they need would analyse the revision on the spot)
    revised = _article("r1", RIA, "2024-11-27T10:00:00+00:00", "Военная операция на Украине, сообщил Песков.")
    result = corpus.add_articles([revised])[0]
    assert result.status == "revision"
    assert aggregates.refresh_profiles(corpus, omissions=False)["removed"] == 1
    _assert_same(corpus, (RIA,), omissions=False)
    assert outlet_profile(corpus, RIA, omissions=False)["analysed"] == 3
    corpus.save_analyses([(result.pk, corpus.get_articles([result.pk])[0].revision, _doc(revised, [("Песков", "PER")]))], analyzer_version())
    assert aggregates.refresh_profiles(corpus)["articles"] == 1
    _assert_same(corpus)
    # a day whose only article left is gone, not a row of zeros
    assert corpus.db.scalar("SELECT COUNT(*) FROM profile_days WHERE articles <= 0") == 0


def test_rebuild_gives_the_same_rows(corpus):
    aggregates.refresh_profiles(corpus)
    before = sorted((o, d, n, str(pc.decode(c))) for o, d, n, c in
                    corpus.db.query("SELECT outlet, day, articles, counts FROM profile_days"))
    done = aggregates.rebuild_profiles(corpus)
    assert done["articles"] == len(POSTS)
    after = sorted((o, d, n, str(pc.decode(c))) for o, d, n, c in
                   corpus.db.query("SELECT outlet, day, articles, counts FROM profile_days"))
    assert after == before


def test_the_outlet_is_not_in_its_own_tone_list(corpus):
    aggregates.refresh_profiles(corpus, omissions=False)
    for outlet in (RIA, BBC):
        names = {t["entity"] for t in outlet_profile(corpus, outlet, omissions=False)["tone"]}
        computed = {t["entity"] for t in outlet_profile(corpus, outlet, omissions=False, cached=False)["tone"]}
        assert names == computed
        assert not any(aggregates.is_own_name(n, outlet) for n in names)
    assert aggregates.is_own_name("РИА Новости", RIA) and aggregates.is_own_name("Би-би-си", BBC)
    assert aggregates.is_own_name("BBC", BBC) and not aggregates.is_own_name("Москва", "Москва Live")
    assert not aggregates.is_own_name("Юн Сок Ёль", RIA)


def test_add_counts_drops_zeros():
    total = pc.add_counts({}, {"a": 1, "b": {"x": 2}})
    pc.add_counts(total, {"a": 1, "b": {"x": 2}}, -1)
    assert total == {}
    assert pc.add_counts({"a": 1}, {"a": 2, "c": {"d": 1}}) == {"a": 3, "c": {"d": 1}}


def test_day_of_is_the_utc_day():
    assert aggregates.day_of(None) == pc.UNDATED
    assert aggregates.day_of(dt.datetime(2024, 12, 2, 23, 30, tzinfo=dt.timezone.utc).timestamp()) == "2024-12-02"
