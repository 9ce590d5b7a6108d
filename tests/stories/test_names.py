"""Names of a title and whether another article names them (parallax/story_names.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from parallax.model import AnalyzedArticle, Article
from parallax.stories import (
    ClusterConfig,
    StoryClusterer,
    StoryItem,
    name_evidence,
)
from parallax.stories.names import default_matcher, missing_names, transliterate

CONFIG = ClusterConfig()
HAND = CONFIG.with_(decision="score")
T0 = dt.datetime(2024, 3, 5, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def matcher():
    return default_matcher(CONFIG.name_key_chars, CONFIG.name_common_words)


def names_found(matcher, title: str, other_text: str, body: str = "") -> list[bool]:
    keys = matcher.text_keys(other_text)
    return [bool(name & keys) for name in matcher.title_names(title, body)]


def test_title_names_are_names_not_common_words(matcher):
    assert len(matcher.title_names("Бензовоз загорелся в подмосковном Дзержинском")) == 1
    # a sentence-initial common noun, a common-noun abbreviation: not names
    assert matcher.title_names("Суд продлил арест виновнику ДТП") == ()
    # a sentence-initial proper name (pymorphy3 tags it) and one after a colon
    assert len(matcher.title_names("Вострецов заявил, что ПНС боится фильма")) == 2
    # after a colon a word starts a sentence: a name only if pymorphy3 knows it as one
    assert len(matcher.title_names("Источник сообщил: Лавров прибыл в Анкару")) == 2
    assert matcher.title_names("Хоккеист сказал: «Тампа» выросла как команда") == ()


def test_a_source_cited_at_the_end_of_the_title_is_not_a_name(matcher):
    assert len(matcher.title_names("Пожар в Подольске локализован — МЧС")) == 1
    assert len(matcher.title_names("Президент Южной Кореи объявил военное положение, передает агентство Рёнхап")) == 1
    assert len(matcher.title_names("Над Курской областью сбиты ракеты, — СМИ")) == 1


def test_a_word_the_body_writes_in_lower_case_is_not_a_name(matcher):
    title = "The 2020 Met Gala Theme & Hosts Have Been Announced"
    body = "The theme and the hosts of the Met Gala have been announced by the museum."
    names = matcher.title_names(title, body)
    assert len(names) == 1                         # Met Gala
    assert matcher.title_names("Delhi Air Pollution Levels To Drop On Tuesday", "") != ()
    assert len(matcher.title_names("Levels drop on Tuesday in Delhi", "")) == 1     # weekdays are not names


def test_latin_abbreviations_in_a_cyrillic_title_are_codes_not_names(matcher):
    assert matcher.title_names("Авиакомпания закупит 60 самолетов SSJ 100") == ()
    assert len(matcher.title_names("NATO expands to the north")) == 1


def test_names_match_inflected_derived_aliased_and_transliterated_forms(matcher):
    assert names_found(matcher, "Бензовоз загорелся в подмосковном Дзержинском",
                       "Пожар на территории промзоны в городе Дзержинский потушен.") == [True]
    assert names_found(matcher, "Власти Москвы предложили перевести меню",
                       "Московские власти рекомендовали рестораторам перевести меню.") == [True]
    assert names_found(matcher, "Посольство РФ оценило присуждение премии",
                       "В посольстве России назвали премию политической.") == [True]
    assert names_found(matcher, "В России произошел сбой в работе TikTok",
                       "В России пользователи жалуются на сбой в тиктоке.") == [True, True]
    assert names_found(matcher, "Вострецов заявил о похищении", "Боевики похитили чиновника в Триполи.") == [False]
    assert transliterate("Superjet") == "суперджет"
    # adjacent name words are one name, found when any of its words is
    assert names_found(matcher, "Carlsberg Group продает долю в «Балтике»",
                       "Компания Carlsberg продала российские активы представителям «Балтики».") == [True, True]
    assert names_found(matcher, "Сергей Вострецов заявил о похищении", "Депутат Вострецов прокомментировал.") == [True]
    # a common word before a name does not join it: 'Власти Москвы' is not found through 'власти'
    assert names_found(matcher, "Авиавласти Армении ожидают рейс", "Вывозной авиарейс прибыл в Петербург.") == [False]
    assert names_found(matcher, "Власти Москвы ввели ограничения", "Власти Казани ввели ограничения.",
                       body="Власти города и власти области ввели ограничения.") == [False]


def test_missing_names_counts_only_against_a_long_enough_text(matcher):
    names = matcher.title_names("Пожар в Дзержинском")
    assert missing_names(names, matcher.text_keys("Пожар в Люберцах потушен.")) == 1
    assert missing_names(names, None) == 0          # too short to tell
    assert missing_names((), matcher.text_keys("что угодно")) == 0


def _doc(text: str, title: str) -> AnalyzedArticle:
    return AnalyzedArticle(article=Article(id=title, text=text, outlet="o", title=title))


def test_name_evidence_of_an_article():
    long_text = " ".join(["Пожар на складе потушен, пострадавших нет."] * 20)       # 120 words
    evidence = name_evidence(_doc(long_text, "Склад загорелся в Дзержинском"))
    assert len(evidence["title_names"]) == 1 and evidence["text_keys"]
    short = name_evidence(_doc("Пожар потушен.", "Склад загорелся в Дзержинском"))
    assert short["text_keys"] is None               # a short post is never evidence of a missing name
    # a Telegram post: no title, the first line is the title
    post = name_evidence(AnalyzedArticle(article=Article(id="p", text="Пожар в Дзержинском\n" + long_text, outlet="o")))
    assert len(post["title_names"]) == 1
    # English gives no name evidence (Title Case headlines, no English NER; see stories_config.yaml)
    english = AnalyzedArticle(article=Article(id="e", text=" ".join(["The fire was put out."] * 30), outlet="o",
                                              title="Warehouse fire in Dzerzhinsky"), language="en")
    assert name_evidence(english) == {"title_names": (), "text_keys": None}


def test_a_missing_name_lowers_the_score_and_splits_a_story(matcher):
    fire_a = StoryItem(article_id="a", time=T0, embedding=np.array([1.0, 0.0], dtype=np.float32), entities=frozenset(),
                       outlet="o",
                       title="Бензовоз загорелся в Дзержинском",
                       title_names=matcher.title_names("Бензовоз загорелся в Дзержинском"),
                       text_keys=matcher.text_keys("Бензовоз загорелся в Дзержинском на территории промзоны."))
    # the hand-set score (decision: score), whose penalties come from the config; cosine 0.75: a join without the rule (0.75 + 0.5 * 0.3 for no entities + 0.2 * 0.5 title words = 1.0),
    # not with it (0.6)
    fire_b = replace(fire_a, article_id="b", outlet="p", title="Бензовоз загорелся в Люберцах",
                     embedding=np.array([0.75, np.sqrt(1 - 0.75 ** 2)], dtype=np.float32),
                     title_names=matcher.title_names("Бензовоз загорелся в Люберцах"),
                     text_keys=matcher.text_keys("Бензовоз загорелся в Люберцах у въезда на склад."))
    same_town = replace(fire_a, article_id="c", outlet="p")
    clusterer = StoryClusterer(HAND)
    no_rule = HAND.with_(name_missing_penalty=0.0)
    assert StoryClusterer(no_rule).pair_score(fire_a, fire_b) - clusterer.pair_score(fire_a, fire_b) == \
        pytest.approx(HAND.name_missing_penalty)
    assert StoryClusterer(no_rule).pair_score(fire_a, same_town) == clusterer.pair_score(fire_a, same_town)
    assert len(set(StoryClusterer(no_rule).add_many([fire_a, fire_b]))) == 1
    assert len(set(StoryClusterer(HAND).add_many([fire_a, fire_b]))) == 2
    assert len(set(StoryClusterer(HAND).add_many([fire_a, same_town]))) == 1
    # both too short: no evidence either way
    short_a, short_b = replace(fire_a, text_keys=None), replace(fire_b, text_keys=None)
    assert clusterer.pair_score(short_a, short_b) == StoryClusterer(no_rule).pair_score(fire_a, fire_b)


def test_name_evidence_survives_the_store(tmp_path, matcher):
    from parallax.store import Store
    article = Article(id="n1", text="Текст.", outlet="o", title="Т", date=dt.date(2024, 11, 7))
    names = matcher.title_names("Бензовоз загорелся в Дзержинском")
    keys = matcher.text_keys("Бензовоз загорелся в Дзержинском на территории промзоны.")
    item = StoryItem(article_id="x", time=T0, embedding=np.ones(2, np.float32), entities=frozenset(), title="Т",
                     outlet="o", title_names=names, text_keys=keys)
    short = replace(item, article_id="y", text_keys=None)
    with Store(str(tmp_path / "c.sqlite")) as store:
        pks = [r.pk for r in store.add_articles([article, replace(article, id="n2", text="Другой.")])]
        store.save_features([(pks[0], item), (pks[1], short)], "v")
        loaded = {pk: it for pk, it, _ in store.load_story_items(pks=pks)}
    first, second = loaded[pks[0]], loaded[pks[1]]
    assert first.title_names == names and first.text_keys == keys
    assert second.text_keys is None
