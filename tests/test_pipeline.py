"""The ingest -> analyse -> cluster pipeline with a fake analyzer and encoder (no models)."""
import datetime as dt

import pytest

import parallax
import store_fixtures
from corpus_fakes import make_article
from parallax.ingest.errors import InputError
from parallax.periods import parse_when
from parallax.pipeline import (
    analyze_pending,
    cluster_pending,
    ingest_records,
    reason_of,
    recluster_period,
    story_documents,
    story_furniture,
)
from parallax.store.furniture import MIN_POSTS, outlet_lines

# the fixtures of tests/store, by name (test parameters named like them must not read as redefined imports)
db_target, store = store_fixtures.db_target, store_fixtures.store
fake_analyzer, fake_encoder = store_fixtures.fake_analyzer, store_fixtures.fake_encoder

KOREA = [
    ("k1", "РИА Новости", "2024-12-03T14:00:00+00:00",
     "Президент Южной Кореи Юн Сок Ёль ввел военное положение в стране. Оппозиция осудила решение Юна."),
    ("k2", "BBC", "2024-12-03T14:20:00+00:00",
     "Юн Сок Ёль объявил военное положение в Южной Корее. Оппозиция назвала решение Юна незаконным."),
    ("k3", "ТАСС", "2024-12-03T15:00:00+00:00",
     "В Южной Корее введено военное положение, заявил президент Юн Сок Ёль. Оппозиция против решения Юна."),
]
WEATHER = [
    ("w1", "Москва Live", "2024-12-03T08:00:00+00:00",
     "Синоптики обещают снегопад в Москве. Температура опустится до минус десяти градусов."),
    ("w2", "Новости Москвы", "2024-12-03T09:00:00+00:00",
     "В Москве ожидается снегопад и похолодание до минус десяти градусов, сообщили синоптики."),
]


def _articles(rows):
    return [make_article(i, text, outlet, when=when, title=text.split(".")[0]) for i, outlet, when, text in rows]


def _run(store, analyzer, encoder, records):
    summary = ingest_records(store, records, batch_size=2)
    analyze_pending(store, analyzer=analyzer, encoder=encoder, summary=summary)
    cluster_pending(store, summary=summary)
    return summary


def test_pipeline_groups_by_event_and_is_idempotent(store, fake_analyzer, fake_encoder):
    records = _articles(KOREA + WEATHER) + [InputError("bad.jsonl", "empty text", 4)]
    summary = _run(store, fake_analyzer, fake_encoder, records)
    assert (summary.read, summary.new, summary.rejected) == (6, 5, 1)
    assert summary.reasons == {"empty text": 1}
    assert summary.analysed == 5 and summary.clustered == 5
    stories = store.list_stories()
    groups = sorted(sorted(a.ext_id for a in s.articles) for s in stories)
    assert groups == [["k1", "k2", "k3"], ["w1", "w2"]]
    assert all(s.title for s in stories)

    # the same input again: nothing new stored, analysed or clustered
    analysed_before = list(fake_analyzer.analysed)
    again = _run(store, fake_analyzer, fake_encoder, _articles(KOREA + WEATHER))
    assert (again.new, again.duplicates, again.analysed, again.clustered) == (0, 5, 0, 0)
    assert fake_analyzer.analysed == analysed_before


def test_new_articles_join_stored_stories_after_restart(db_target, fake_analyzer, fake_encoder):
    from parallax.store import Store
    with Store(db_target) as store:
        _run(store, fake_analyzer, fake_encoder, _articles(KOREA[:2] + WEATHER))
        ids_before = {s.id: sorted(a.ext_id for a in s.articles) for s in store.list_stories()}
    with Store(db_target) as store:       # a new process: the clusterer is rebuilt from stored features
        summary = _run(store, fake_analyzer, fake_encoder, _articles(KOREA[2:]))
        assert summary.stories_new == 0 and summary.stories_joined == 1
        after = {s.id: sorted(a.ext_id for a in s.articles) for s in store.list_stories()}
    korea_id = next(sid for sid, members in ids_before.items() if "k1" in members)
    assert after[korea_id] == ["k1", "k2", "k3"]                 # story id stable, article joined it
    assert set(after) == set(ids_before)


def test_story_documents_reanalyse_only_on_version_change(store, fake_analyzer, fake_encoder, monkeypatch):
    _run(store, fake_analyzer, fake_encoder, _articles(KOREA))
    [story] = store.list_stories()
    fake_analyzer.analysed.clear()
    docs = story_documents(store, story.id, analyzer=fake_analyzer)
    assert [d.id for d in docs] == ["k1", "k2", "k3"] and fake_analyzer.analysed == []
    assert docs[0].sentences and docs[0].article.outlet == "РИА Новости"
    monkeypatch.setattr(parallax, "ANALYZER_VERSION", "test-next")
    docs = story_documents(store, story.id, analyzer=fake_analyzer)
    assert sorted(fake_analyzer.analysed) == ["k1", "k2", "k3"]
    fake_analyzer.analysed.clear()
    story_documents(store, story.id, analyzer=fake_analyzer)
    assert fake_analyzer.analysed == []                           # stored under the new version


def test_story_documents_unknown_story(store):
    with pytest.raises(InputError) as info:
        story_documents(store, "s-missing")
    assert "no story" in info.value.problem


def test_story_documents_mark_reprints_and_unique_ids(store, fake_analyzer, fake_encoder):
    text = KOREA[0][3] + " Подробности уточняются корреспондентами агентства на месте событий."
    arts = [make_article("same", text, "ТАСС", when="2024-12-03T14:00:00+00:00", title="Военное положение"),
            make_article("same", text, "РИА Новости", when="2024-12-03T14:05:00+00:00", title="Военное положение")]
    _run(store, fake_analyzer, fake_encoder, arts)
    [story] = store.list_stories()
    docs = story_documents(store, story.id, analyzer=fake_analyzer)
    assert [d.id for d in docs] == ["same", "same#2"]
    assert docs[1].article.meta["reprint_of"] == "same" and "reprint_of" not in docs[0].article.meta


def test_recluster_keeps_ids_and_reports(store, fake_analyzer, fake_encoder):
    _run(store, fake_analyzer, fake_encoder, _articles(KOREA + WEATHER))
    before = {s.id for s in store.list_stories()}
    report = recluster_period(store, since_ts=parse_when("2024-12-03"), until_ts=parse_when("2024-12-03", end=True))
    assert report["articles"] == 5 and sorted(report["unchanged"]) == sorted(before)
    assert {s.id for s in store.list_stories()} == before
    assert store.db.scalar("SELECT COUNT(*) FROM recluster_runs") == 1


def test_parse_when_and_reason_of():
    day = dt.datetime(2024, 12, 3, tzinfo=dt.timezone.utc).timestamp()
    assert parse_when("2024-12-03") == day
    assert parse_when("2024-12-03", end=True) == pytest.approx(day + 86400, abs=0.01)
    assert parse_when("2024-12-03T05:00:00+03:00") == day + 2 * 3600
    assert parse_when(None) is None
    assert reason_of(InputError("f", "text too long (12 characters, limit 10)")) == "text too long"
    assert reason_of(InputError("f", "invalid JSON (Expecting value at column 3)")) == "invalid JSON"


# ---- channel furniture: each outlet's repeated lines, counted as articles are stored --------------------

SIGN = "⚡ Вестник: главное без цензуры"
SIGN_KEY = "вестник главное без цензуры"


def _signed(outlet, n):
    """n posts of one outlet on unrelated days and topics, each ending with the outlet's SIGN line."""
    words = ["метро", "парк", "мост", "театр", "завод", "порт", "рынок", "музей", "стадион", "вокзал"]
    return [make_article(f"sig{i}", f"Открыт {words[i % 10]} {words[i // 10 % 10]} {words[i // 100]}.\n{SIGN}",
                         outlet, when=f"2024-{i % 9 + 1:02d}-{i % 27 + 1:02d}T08:00:00+00:00") for i in range(n)]


def test_ingest_and_analysis_count_each_outlets_lines(store, fake_analyzer, fake_encoder):
    ingest_records(store, _articles(KOREA), batch_size=2)
    assert store.outlet_lines_counted()
    assert outlet_lines(store.db, "BBC") == {"юн сок ель объявил военное положение в южной корее оппозиция "
                                             "назвала решение юна незаконным": 1}
    # stored some other way (the web app's ingest): counted when analysed
    [added] = store.add_articles(_articles(WEATHER[:1]))
    analyze_pending(store, analyzer=fake_analyzer, encoder=fake_encoder, pending=[added.pk])
    assert len(outlet_lines(store.db, "Москва Live")) == 1


def test_story_furniture_counts_an_uncounted_store_first(store, fake_analyzer):
    store.add_articles(_signed("Вестник", MIN_POSTS) + _articles(KOREA))      # stored, never counted
    assert not store.outlet_lines_counted()
    docs = fake_analyzer.analyze_many([make_article("x", "Текст.", "Вестник"), make_article("y", "Текст.", "ТАСС")])
    assert story_furniture(store, docs) == {"Вестник": frozenset({SIGN_KEY}), "ТАСС": frozenset()}


def test_compare_stored_story_passes_each_outlets_furniture(store, fake_analyzer, fake_encoder, monkeypatch):
    import parallax.api as api
    import parallax.pipeline as pipeline
    _run(store, fake_analyzer, fake_encoder, _signed("РИА Новости", MIN_POSTS) + _articles(KOREA))
    korea = next(s for s in store.list_stories() if "k1" in {a.ext_id for a in s.articles})
    seen = {}

    def compare_story(docs, **kwargs):          # the comparison itself needs the models: stop before it
        seen.update(kwargs)
        raise LookupError("compared")

    monkeypatch.setattr(pipeline, "compare_story", compare_story)
    with pytest.raises(LookupError):
        api.compare_stored_story(store, korea.id)
    assert seen["furniture"] == {"РИА Новости": frozenset({SIGN_KEY}), "BBC": frozenset(), "ТАСС": frozenset()}
