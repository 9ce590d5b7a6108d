import datetime as dt

import pytest

from parallax.nlp.dates import extract_dates
from parallax.nlp.numbers import extract_numbers


def one(text, language="ru"):
    found = extract_numbers(text, language)
    assert len(found) == 1, found
    return found[0]


def triples(text, language="ru"):
    return [(n.value, n.qualifier, n.unit) for n in extract_numbers(text, language)]


def test_offsets_index_the_original_text():
    text = "Эвакуировали ОКОЛО 2 тысяч жителей, ещё 40 семей ждут."
    found = extract_numbers(text)
    for n in found:
        assert text[n.start:n.end] == n.text
    assert [n.text for n in found] == ["ОКОЛО 2 тысяч жителей", "40 семей"]


def test_about_thousands_of_servicemen():
    n = one("По данным разведки, на фронт отправили около 12 тысяч военнослужащих.")
    assert (n.value, n.approximate, n.qualifier, n.unit) == (12000, True, "about", "военнослужащий")
    assert n.text == "около 12 тысяч военнослужащих"


@pytest.mark.parametrize("text, value", [
    ("погибли 7 человек", 7), ("собрали 15 000 подписей", 15000), ("собрали 15\u00a0000 подписей", 15000),
    ("рост на 2,5 процента", 2.5), ("рост на 1.5 процента", 1.5), ("выделят 3 млн рублей", 3e6),
    ("долг достиг 1,2 млрд долларов", 1.2e9), ("штраф 300 тыс. рублей", 300000),
    ("в 2 раза больше", 2), ("за 48 часов", 48),
])
def test_values(text, value):
    assert one(text).value == pytest.approx(value)


@pytest.mark.parametrize("text, value, unit", [
    ("двух стран", 2, "страна"), ("трое детей", 3, "ребенок"), ("двадцать пять лет", 25, "год"),
    ("сто двадцать домов", 120, "дом"), ("полторы тысячи солдат", 1500, "солдат"),
    ("две сотни машин", 200, "машина"), ("двух тысяч жителей", 2000, "житель"),
    ("пятью кораблями", 5, "корабль"), ("три миллиона рублей", 3e6, "рубль"),
])
def test_number_words(text, value, unit):
    n = one(text)
    assert (n.value, n.unit) == (pytest.approx(value), unit)


def test_number_words_do_not_merge_out_of_order():
    assert [n.value for n in extract_numbers("пять двадцать")] == [5, 20]


def test_one_is_not_a_number():
    assert extract_numbers("один из лидеров и одна сторона") == []


@pytest.mark.parametrize("text, qualifier", [
    ("около 50 машин", "about"), ("примерно 50 машин", "about"), ("порядка 50 машин", "about"),
    ("почти 50 машин", "about"), ("более 50 машин", "more_than"), ("свыше 50 машин", "more_than"),
    ("больше 50 машин", "more_than"), ("менее 50 машин", "less_than"), ("меньше 50 машин", "less_than"),
    ("до 50 машин", "up_to"), ("не более 50 машин", "up_to"), ("не менее 50 машин", "at_least"),
    ("как минимум 50 машин", "at_least"), ("по меньшей мере 50 машин", "at_least"),
])
def test_qualifiers(text, qualifier):
    n = one(text)
    assert (n.qualifier, n.approximate, n.value, n.unit) == (qualifier, True, 50, "машина")
    assert n.text == text


def test_exact_number_is_not_approximate():
    n = one("задержаны 17 человек")
    assert (n.qualifier, n.approximate) == (None, False)


def test_unit_skips_adjectives():
    n = one("прибыли 300 северокорейских военных инженеров")
    assert (n.value, n.unit) == (300, "инженер")


def test_substantivized_adjective_is_the_unit():
    assert one("15 погибших и").unit == "погибший"
    assert one("40 раненых в больнице").unit == "раненый"


def test_unit_stops_at_a_preposition_or_verb():
    assert one("двух из них").unit is None
    assert one("12 погибли").unit is None


@pytest.mark.parametrize("text, unit", [
    ("30%", "процент"), ("30 %", "процент"), ("30 процентов", "процент"), ("$5 млрд", "доллар"),
    ("5 млрд долларов", "доллар"), ("100 тыс. рублей", "рубль"), ("7 км", "километр"),
    ("20 €", "евро"),
])
def test_units_from_signs_abbreviations_and_nouns(text, unit):
    assert one(text).unit == unit


def test_dollar_sign_is_in_the_span():
    n = one("Сделка на $5 млрд")
    assert (n.text, n.value) == ("$5 млрд", 5e9)


def test_vague_plurals_are_more_than_their_multiplier():
    assert triples("Десятки тысяч людей") == [(10000, "more_than", "человек")]
    assert triples("сотни беженцев") == [(100, "more_than", "беженец")]
    assert triples("несколько тысяч домов") == [(1000, "more_than", "дом")]
    assert triples("тысячи семей") == [(1000, "more_than", "семья")]
    assert triples("около тысячи семей") == [(1000, "about", "семья")]
    assert triples("тысяча рублей") == [(1000, None, "рубль")]


def test_several_alone_is_not_a_number():
    assert extract_numbers("несколько человек") == []


def test_ranges_give_two_bounds_and_share_the_multiplier():
    assert triples("от 10 до 15 тысяч человек") == [
        (10000, "at_least", "человек"), (15000, "up_to", "человек")]
    assert triples("2–3 млн долларов") == [(2e6, "at_least", "доллар"), (3e6, "up_to", "доллар")]
    assert triples("двух-трех стран") == [(2, "at_least", "страна"), (3, "up_to", "страна")]


def test_a_change_is_two_exact_values():
    assert triples("безработица выросла с 5 до 7 процентов") == [
        (5, None, "процент"), (7, None, "процент")]


def test_dates_are_not_numbers():
    text = "3 сентября 2025 года, в 2024 году и 6 июня прибыли 500 человек"
    assert triples(text) == [(500, None, "человек")]


def test_dates_can_be_passed_in():
    text = "15 мая прибыли 20 человек"
    dates = extract_dates(text, dt.date(2025, 9, 3))
    assert triples(text) == [(20, None, "человек")]
    assert [n.value for n in extract_numbers(text, dates=dates)] == [20]
    assert [n.value for n in extract_numbers(text, dates=[])][:1] == [15]


def test_identifiers_times_and_models_are_not_numbers():
    text = ("статья 51 Устава, резолюция 2231, самолет Су-57, COVID-19, встреча в 10:30, школа № 5, "
            "G20, 5G")
    assert extract_numbers(text) == []


def test_bare_year_is_not_a_number_but_a_count_near_2000_is():
    assert extract_numbers("планы до 2030") == []
    assert one("около 2000 человек").value == 2000


def test_ordinals_are_marked():
    found = extract_numbers("к 80-й годовщине Победы и 75-летию города")
    assert [(n.text, n.value, n.qualifier, n.unit, n.approximate) for n in found] == [
        ("80-й годовщине", 80, "ordinal", "годовщина", False),
        ("75-летию", 75, "ordinal", "годовщина", False)]
    assert extract_numbers("к 80-й годовщине Победы", ordinals=False) == []


def test_hyphenated_counts_are_not_ordinals():
    assert triples("30-летний мужчина") == [(30, None, "год")]
    assert triples("за 5-ти лет") == [(5, None, "год")]
    assert triples("для 2-х человек") == [(2, None, "человек")]
    assert triples("в 3-кратном размере") == [(3, None, "раз")]


def test_list_markers_are_skipped():
    assert triples("1. Пункт первый\n2. Пункт второй") == []


def test_yo_is_folded():
    assert one("трёх машин").value == 3


def test_english_numbers():
    assert triples("About 15,000 North Korean troops and more than 30 percent", "en") == [
        (15000, "about", "troops"), (30, "more_than", "percent")]
    assert triples("$5 billion, at least 12 soldiers, thousands of people", "en") == [
        (5e9, None, "dollar"), (12, "at_least", "soldier"), (1000, "more_than", "person")]


def test_english_dates_and_ordinals():
    assert triples("On September 3, 2025 the 80th anniversary", "en") == [(80, "ordinal", "anniversary")]


def test_versions_after_latin_names_are_not_counts():
    assert extract_numbers("вышли React 19 и iPhone 16 Pro") == []
    assert triples("купили 5 iPhone") == [(5, None, None)]


def test_emoji_keycaps_are_not_numbers():
    assert extract_numbers("1️⃣ Первое, 2️⃣ второе") == []


def test_abbreviation_as_unit_but_not_a_country():
    assert triples("сбиты 8 БПЛА") == [(8, None, "БПЛА")]
    assert triples("около 15 тысяч КНДР") == [(15000, "about", None)]
    assert triples("ПОГИБЛИ 15 ЧЕЛОВЕК") == [(15, None, "человек")]


def test_model_names_end_the_unit_search():
    assert triples("сбиты 17 украинских Су-25") == [(17, None, None)]


def test_compound_amounts_and_halves():
    assert triples("1 млрд 200 млн рублей") == [(1.2e9, None, "рубль")]
    assert triples("через два с половиной месяца") == [(2.5, None, "месяц")]
    assert triples("два с половиной миллиона рублей") == [(2.5e6, None, "рубль")]


def test_a_participles_agent_is_not_the_unit():
    assert triples("более 70 разрушенных паводком домов") == [(70, "more_than", "дом")]


def test_numbers_glued_by_a_hyphen_are_codes():
    assert extract_numbers("войсковой части 58661-49 и звезда K2-32") == []


def test_year_ordinals_are_not_counts():
    assert extract_numbers("по сравнению с 2017-м и в 1990-х годах") == []


# Ukrainian (nlp/data/numbers_uk.yaml, forms from pymorphy3's Ukrainian dictionaries): one line a case,
# (text, [(value, qualifier, unit, span)])
UKRAINIAN = [
    ("Загинули 5 тисяч військовослужбовців.", [(5000, None, "військовослужбовець", "5 тисяч військовослужбовців")]),
    ("Росія втратила два мільйони доларів.", [(2_000_000, None, "долар", "два мільйони доларів")]),
    ("Близько 15 тисяч людей вийшли на протест.", [(15000, "about", "людина", "Близько 15 тисяч людей")]),
    ("Понад 300 осіб евакуювали.", [(300, "more_than", "особа", "Понад 300 осіб")]),
    ("У п’ятницю загинули п’ятеро людей.", [(5, None, "людина", "п’ятеро людей")]),
    ("Загинули п'ятеро людей.", [(5, None, "людина", "п'ятеро людей")]),
    ("Бюджет становить 1,5 млрд грн.", [(1.5e9, None, "гривня", "1,5 млрд грн.")]),
    ("Щонайменше двоє загиблих і 12 поранених.", [(2, "at_least", "загиблий", "Щонайменше двоє загиблих"),
                                                 (12, None, "поранений", "12 поранених")]),
    ("Збили 40 російських дронів.", [(40, None, "дрон", "40 російських дронів")]),
    ("Стаття 51 Статуту ООН.", []),
]


@pytest.mark.parametrize("text, expected", UKRAINIAN, ids=[t for t, _ in UKRAINIAN])
def test_ukrainian_numbers(text, expected):
    found = [(n.value, n.qualifier, n.unit, text[n.start:n.end]) for n in extract_numbers(text, "uk")]
    assert found == expected
