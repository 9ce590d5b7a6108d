import datetime as dt

import pytest

from parallax.nlp.dates import extract_dates, infer_year, normalize, trie_regex

WED = dt.date(2025, 9, 3)          # a Wednesday


def one(text, anchor=WED, language="ru"):
    found = extract_dates(text, anchor, language)
    assert len(found) == 1, found
    return found[0]


def values(text, anchor=WED, language="ru"):
    return [(d.text, d.value) for d in extract_dates(text, anchor, language)]


def test_offsets_index_the_original_text():
    text = "Саммит открылся 1 октября 2024 года, а ВЧЕРА Ёлкин уехал."
    for d in extract_dates(text, WED):
        assert text[d.start:d.end] == d.text
    assert [d.text for d in extract_dates(text, WED)] == ["1 октября 2024 года", "ВЧЕРА"]


@pytest.mark.parametrize("text, expected", [
    ("Договор подписали 12 марта 2021 года.", dt.date(2021, 3, 12)),
    ("Выборы назначены на 17 декабря 2023 г. по всей стране", dt.date(2023, 12, 17)),
    ("Он родился 2 февраля 1990.", dt.date(1990, 2, 2)),
    ("Запись от 05.11.2019 удалили", dt.date(2019, 11, 5)),
    ("Отчёт от 07.01.22 опубликован", dt.date(2022, 1, 7)),
    ("Дата публикации: 2024-02-29", dt.date(2024, 2, 29)),
    ("Это произошло 3-го мая 2010 года", dt.date(2010, 5, 3)),
])
def test_absolute_day(text, expected):
    d = one(text)
    assert (d.value, d.granularity, d.relative) == (expected, "day", False)


def test_absolute_dates_resolve_without_anchor():
    d = one("Переговоры прошли 14 июля 2015 года в Вене.", anchor=None)
    assert d.value == dt.date(2015, 7, 14) and not d.relative


def test_invalid_calendar_days_are_not_days():
    found = extract_dates("31 февраля 2025 года и 30.02.2024", WED)
    assert [(d.text, d.granularity) for d in found] == [("февраля 2025 года", "month")]


@pytest.mark.parametrize("text, expected_text, expected", [
    ("Закон вступил в силу в 2019 году.", "2019 году", dt.date(2019, 1, 1)),
    ("Бюджет на 2026 год утвердили", "2026 год", dt.date(2026, 1, 1)),
    ("Так было и в 2008-м году", "2008-м году", dt.date(2008, 1, 1)),
    ("Как и в 2014, санкции ввели быстро", "2014", dt.date(2014, 1, 1)),
])
def test_years(text, expected_text, expected):
    d = one(text)
    assert (d.text, d.value, d.granularity, d.relative) == (expected_text, expected, "year", False)


def test_year_ranges_give_both_ends():
    assert [d.value.year for d in extract_dates("в 2014–2016 годах и с 2018 по 2020 год", WED)] \
        == [2014, 2016, 2018, 2020]


def test_month_with_year_in_any_case():
    for text in ("в октябре 2022 года", "октябрь 2022 г.", "с октября 2022 года"):
        d = one(text)
        assert (d.value, d.granularity, d.relative) == (dt.date(2022, 10, 1), "month", False), text


def test_partial_day_takes_anchor_year():
    d = one("Парад прошел 1 августа в столице.")
    assert (d.value, d.granularity, d.relative) == (dt.date(2025, 8, 1), "day", True)


def test_partial_day_far_in_the_future_is_last_year():
    # in a March article, '20 декабря' of the same year would be 9 months ahead
    d = one("Встреча состоялась 20 декабря.", anchor=dt.date(2025, 3, 10))
    assert d.value == dt.date(2024, 12, 20)


def test_partial_day_soon_after_a_december_anchor_is_next_year():
    assert infer_year(dt.date(2025, 12, 28), 1, 10) == 2026
    assert infer_year(dt.date(2025, 9, 3), 10, 1) == 2025


def test_month_alone_before_and_after_the_anchor():
    assert one("Он признал это только в апреле").value == dt.date(2025, 4, 1)
    assert one("Решение примут в ноябре").value == dt.date(2025, 11, 1)
    assert one("Об этом стало известно в декабре", anchor=dt.date(2025, 2, 1)).value \
        == dt.date(2024, 12, 1)


def test_month_with_previous_year():
    d = one("Соглашение заключили в июне прошлого года.")
    assert (d.text, d.value, d.granularity, d.relative) == \
        ("июне прошлого года", dt.date(2024, 6, 1), "month", True)


def test_day_with_previous_year():
    assert one("Это было 3 марта прошлого года").value == dt.date(2024, 3, 3)


def test_bare_nominative_month_is_not_a_date():
    assert extract_dates("Апрель выдался холодным", WED) == []


def test_may_inside_words_and_names():
    assert extract_dates("майский указ, Мая Плисецкая, смайлик", WED) == []
    assert one("к 9 мая готовились").value == dt.date(2025, 5, 9)


def test_anniversaries_are_not_dates():
    assert extract_dates("по случаю 80-й годовщины Победы и 80-летия города", WED) == []


@pytest.mark.parametrize("text, expected", [
    ("Стороны провели в среду переговоры", dt.date(2025, 9, 3)),       # the anchor itself
    ("Во вторник он прилетел", dt.date(2025, 9, 2)),
    ("В пятницу министр заявил", dt.date(2025, 8, 29)),
    ("В минувшую среду начались учения", dt.date(2025, 8, 27)),
    ("в прошлое воскресенье", dt.date(2025, 8, 31)),
    ("в следующий понедельник", dt.date(2025, 9, 8)),
])
def test_weekdays(text, expected):
    d = one(text)
    assert (d.value, d.granularity, d.relative) == (expected, "weekday", True)


def test_weekday_needs_a_preposition():
    assert extract_dates("Среда обитания меняется, пятница — выходной", WED) == []


def test_weekday_next_to_a_date_takes_that_date():
    found = extract_dates("В понедельник, 1 сентября, школы открылись", WED)
    assert [(d.text, d.value) for d in found] == [
        ("понедельник", dt.date(2025, 9, 1)), ("1 сентября", dt.date(2025, 9, 1))]
    found = extract_dates("3 июня 2024 года, в понедельник", WED)
    assert found[-1].granularity == "weekday" and found[-1].value == dt.date(2024, 6, 3)


@pytest.mark.parametrize("text, days", [
    ("Вчера пришли новости", -1), ("сегодня утром", 0), ("Завтра начнется", 1),
    ("позавчера объявили", -2), ("накануне вечером он заявил", -1), ("Накануне, в среду", -1),
])
def test_relative_days(text, days):
    d = extract_dates(text, WED)[0]
    assert (d.value, d.granularity, d.relative) == (WED + dt.timedelta(days=days), "relative_day", True)


def test_nakanune_as_a_preposition_is_not_a_date():
    assert extract_dates("накануне визита президента", WED) == []


def test_weeks_months_years_relative():
    assert one("на прошлой неделе").value == dt.date(2025, 8, 25)
    assert one("на прошлой неделе").granularity == "week"
    assert one("на этой неделе").value == dt.date(2025, 9, 1)
    assert one("на следующей неделе").value == dt.date(2025, 9, 8)
    assert one("в прошлом месяце").value == dt.date(2025, 8, 1)
    assert one("в прошлом году").value == dt.date(2024, 1, 1)
    assert one("в этом году").value == dt.date(2025, 1, 1)
    assert one("до конца текущего года").value == dt.date(2025, 1, 1)
    assert one("летом позапрошлого года").value == dt.date(2023, 1, 1)


def test_this_is_a_year_of_change_is_not_a_relative_year():
    assert extract_dates("2025 — это год перемен", WED) == []


def test_ago():
    assert values("три дня назад и неделю назад") == [
        ("три дня назад", dt.date(2025, 8, 31)), ("неделю назад", dt.date(2025, 8, 27))]
    assert one("два года назад").value == dt.date(2023, 1, 1)
    assert extract_dates("несколько лет назад", WED) == []


def test_relative_without_anchor_has_no_value():
    found = extract_dates("вчера, в среду, в апреле, в прошлом году, 5 мая", None)
    assert [d.value for d in found] == [None] * 5
    assert all(d.relative for d in found)


def test_ranges_share_the_year_of_their_end():
    found = extract_dates("с 30 декабря по 2 января 2024 года", WED)
    assert [d.value for d in found] == [dt.date(2023, 12, 30), dt.date(2024, 1, 2)]
    assert not found[0].relative


def test_day_lists():
    assert [d.value.day for d in extract_dates("1–3 сентября 2025 года", WED)] == [1, 3]
    assert [d.value.day for d in extract_dates("10, 11 и 12 мая", WED)] == [10, 11, 12]
    # a comma alone does not make a list: '15' here is a count
    assert [d.text for d in extract_dates("погибли 15, 3 сентября", WED)] == ["3 сентября"]


def test_yo_and_case_are_folded():
    assert one("В ИЮНЕ 2020 ГОДА").value == dt.date(2020, 6, 1)
    assert normalize("Ёлка Ё") == "елка е"


def test_ukrainian_falls_back_to_russian_tables():
    assert one("2025-09-03", language="uk").value == WED


def test_english_absolute():
    assert values("On September 3, 2025 and 4 September 2025.", language="en") == [
        ("September 3, 2025", dt.date(2025, 9, 3)), ("4 September 2025", dt.date(2025, 9, 4))]
    assert one("Sept. 1", language="en").value == dt.date(2025, 9, 1)


def test_english_relative():
    assert values("on Wednesday, last year, in April, yesterday, last week", language="en") == [
        ("Wednesday", dt.date(2025, 9, 3)), ("last year", dt.date(2024, 1, 1)),
        ("April", dt.date(2025, 4, 1)), ("yesterday", dt.date(2025, 9, 2)),
        ("last week", dt.date(2025, 8, 25))]


def test_english_may_the_verb_is_not_a_month():
    assert extract_dates("It may rain in may.", WED, "en") == []
    assert one("in May", language="en").value == dt.date(2025, 5, 1)


def test_trie_regex_matches_exactly_its_words():
    import re
    rx = re.compile("^" + trie_regex(["год", "года", "году", "годом"]) + "$")
    assert all(rx.match(w) for w in ("год", "года", "году", "годом"))
    assert not rx.match("го") and not rx.match("годов")


def test_abbreviated_month_after_a_day_number():
    assert one("МОСКВА, 10 авг - РИА Новости", anchor=dt.date(2019, 8, 10)).value == dt.date(2019, 8, 10)
    assert extract_dates("в авг", WED) == []


def test_a_range_across_new_year_ends_after_it_starts():
    found = extract_dates("С 28 декабря по 8 января будут выходные", dt.date(2024, 11, 2))
    assert [d.value for d in found] == [dt.date(2024, 12, 28), dt.date(2025, 1, 8)]


def test_ago_needs_a_count_for_plural_units():
    assert extract_dates("более 3 миллиардов лет назад", WED) == []
    assert one("около месяца назад").value == dt.date(2025, 8, 3)
    assert one("более двух лет назад").value == dt.date(2023, 1, 1)


def test_dates_inside_urls_are_skipped():
    assert extract_dates("https://example.com/news/2024-10-01_story", WED) == []
