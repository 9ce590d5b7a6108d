"""The guide/roundup title patterns (parallax/stories/data/crosslingual_guides.yaml): every pattern matches
a title it is meant for, and news titles that share the words do not match."""
from __future__ import annotations

import pytest

from parallax.stories.crosslingual import guide_patterns, is_guide
from parallax.text import fold

GUIDES = {
    "en": ["Apple TV+ Guide: Here’s all the Apple TV shows and movies available now",
           "Here’s how to get your free year of Apple TV+", "How to watch the Champions League final",
           "What to watch on Disney+ this weekend", "Everything you need to know about the PS5",
           "Best 10 phones of 2019", "7 Reasons Why We Fall for Fake News",
           "The best noise-cancelling headphones for travel", "Black Friday roundup: the deals so far",
           "Deal of the day: a Kindle for $50"],
    "ru": ["Гид по сериалам Apple TV+", "Путеводитель по новым фильмам ноября", "Подборка игр на выходные",
           "Что посмотреть в кино на этой неделе", "Лучшие смартфоны до 20 тысяч рублей",
           "Топ-10 приложений для iPhone", "7 способов сэкономить на такси",
           "Всё, что нужно знать о запуске Disney+", "Как получить бесплатный год Apple TV+"],
    "uk": ["Гід по серіалах Netflix", "Добірка фільмів на вихідні", "Що подивитися на вихідних",
           "Кращі бездротові навушники до 1500 грн прямо зараз", "Топ-5 смартфонів листопада",
           "5 порад, як зберегти тепло", "Все, що потрібно знати про запуск Disney+",
           "Як отримати безкоштовний рік Apple TV+"],
}
NEWS = {
    "en": ["England, France, Others Qualify For Euro 2020 (Full List)", "Disney+ launches in the US and Canada",
           "Sony’s 1000X M3 headphones are $70 off ahead of Black Friday",
           "Microsoft xCloud to Launch in 2020 Including PS4 Controller Support, Now Has 50+ Games"],
    "ru": ["Больше 50 игр уже доступно на стадии тестирования Project XCloud", "Как Трамп ответил на обвинения",
           "В рейтинге лучших городов Ульяновск занял 73 место", "Apple TV+ запустился в России"],
    "uk": ["Apple TV+ запрацював з українськими субтитрами", "Як Зеленський відповів журналістам",
           "Туреччина та Росія проводять перше спільне патрулювання у Сирії"],
}


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_every_pattern_has_a_guide_it_matches(language):
    titles = [fold(t.lower()) for t in GUIDES[language]]
    for pattern in guide_patterns()[language]:
        assert any(pattern.search(t) for t in titles), pattern.pattern
    assert all(is_guide(t, language) for t in GUIDES[language])


@pytest.mark.parametrize("language", sorted(NEWS))
def test_news_titles_are_not_guides(language):
    assert not [t for t in NEWS[language] if is_guide(t, language)]


def test_guide_patterns_of_another_language_do_not_apply():
    assert not is_guide("Here’s how to get your free year of Apple TV+", "ru")
    assert not is_guide("anything", "other")
