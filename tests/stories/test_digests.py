"""Digest posts (stories/digests.py): several unrelated events in one post."""
from __future__ import annotations

import pytest

from parallax.model import AnalyzedArticle, Article
from parallax.stories import story_item
from parallax.stories.digests import digest_items, is_digest, items_overlap

BBC = """❗️Главное к вечеру вторника

👉Президент Южной Кореи Юн Сок Ёль объявил в стране военное положение, объяснив это защитой конституционного порядка.

👉Генсек НАТО Марк Рютте заявил, что ракета «Орешник» не изменит хода войны в Украине.

👉В Тбилиси шестой день подряд продолжаются протесты против решения правительства Грузии.

👉Суд в Москве арестовал заочно журналиста, обвиненного в распространении фейков об армии."""

SPEECH = """Главное из заявлений Путина на сессии ОДКБ:

▪️ Россия имеет несколько готовых к применению ракетных систем «Орешник»
▪️ Серийное производство системы «Орешник» началось
▪️ Температура поражающих элементов «Орешника» достигает 4 тысяч градусов"""

HABR = """⚡ Новости к этому часу

🖥 LG представила игровой OLED-монитор UltraGear с частотой 480 Гц
💻 Google работает над ноутбуком Pixel на базе Android
🐁 Крыс научили управлять маленькой машиной
#новости"""

ONE_EVENT = """Бензовоз загорелся в Дзержинском.

Пожар начался утром на территории промзоны.
Пострадавших нет, на месте работают четыре расчета.
Причины возгорания выясняются специалистами."""

ROUTES = """🚌С 23 ноября в Сколково изменится маршрут наземного транспорта.
• Sk2 — от станций метро «Филёвский парк» и «Славянский бульвар».
• Sk3 — от станций МЦД «Солнечная», метро «Говорово» и МЦД «Мещерская».
• Sk4 — от станции метро «Тропарёво» до технопарка."""

# post, is a digest
CASES = [
    (BBC, True),
    (HABR, True),
    (SPEECH, False),                        # the points of one speech
    (ONE_EVENT, False),                     # no round-up heading
    (ROUTES, False),                        # a list inside one report
    ("Главное — упорство\n#memes", False),  # no items
    ("❗️Главное к утру среды\n\n🔻Только один пункт новостей сегодня утром.", False),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_is_digest(text, expected):
    assert is_digest(text) is expected


def test_digest_items_drop_markers_and_hashtags():
    assert digest_items(HABR) == ["LG представила игровой OLED-монитор UltraGear с частотой 480 Гц",
                                  "Google работает над ноутбуком Pixel на базе Android",
                                  "Крыс научили управлять маленькой машиной"]


def test_items_of_one_statement_overlap_more_than_unrelated_items():
    assert items_overlap(digest_items(SPEECH)) > items_overlap(digest_items(BBC))


def test_a_separate_title_is_the_heading():
    body = BBC.split("\n", 1)[1]
    assert is_digest(body, title="Главное к вечеру вторника")
    assert not is_digest(body, title="Президент Южной Кореи объявил военное положение")


def test_story_item_carries_the_digest_flag():
    doc = AnalyzedArticle(article=Article(id="d", text=BBC, outlet="BBC"))
    assert story_item(doc, [1.0, 0.0]).digest
    doc = AnalyzedArticle(article=Article(id="e", text=ONE_EVENT, outlet="BBC"))
    assert not story_item(doc, [1.0, 0.0]).digest
