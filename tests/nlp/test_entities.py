import pytest

from parallax.nlp import entities
from parallax.nlp.entities import normalize_person, normalize_place


@pytest.mark.parametrize("surface,normal", [
    ("Владимиру Путину", "Владимир Путин"),
    ("Сергея Лаврова", "Сергей Лавров"),
    ("Марии Захаровой", "Мария Захарова"),
    ("Трампа", "Трамп"),
])
def test_person_names_to_nominative(surface, normal):
    assert normalize_person(surface) == normal


@pytest.mark.parametrize("surface,normal", [
    ("Северной Кореи", "Северная Корея"),
    ("Курской области", "Курская область"),
    ("Соединенных Штатов Америки", "Соединенные Штаты Америки"),
    ("Министерства обороны России", "Министерство обороны России"),
    ("Пхеньяну", "Пхеньян"),
    ("КНДР", "КНДР"),
])
def test_places_and_organisations_to_nominative(surface, normal):
    assert normalize_place(surface).replace("ё", "е") == normal


def test_unknown_foreign_name_kept_as_written_for_the_linker():
    assert normalize_person("Ыныхтару") == "Ыныхтару"


def test_aliases_resolve_to_canonical_entity(make_doc):
    doc = make_doc("Делегация КНДР прибыла в Москву. Власти РФ её встретили.")
    canon = {m.text: m.canonical for m in doc.mentions}
    assert canon.get("КНДР") == "Северная Корея"
    assert canon.get("РФ") == "Россия"


def test_capital_as_actor_is_the_country_but_after_preposition_the_city(make_doc):
    doc = make_doc("Вашингтон ввел новые санкции. Переговоры прошли в Вашингтоне.")
    first, second = [m for m in doc.mentions if m.text.startswith("Вашингтон")]
    assert first.canonical == "США"
    assert second.canonical is None and second.normal == "Вашингтон"


def test_role_phrase_with_qualifier_becomes_role_mention(make_doc):
    doc = make_doc("Американский лидер не пояснил свои слова. Глава Франции промолчал.")
    roles = [m for m in doc.mentions if m.kind == "role"]
    assert {m.role for m in roles} == {"head@США", "head@Франция"}


def test_role_before_a_name_titles_the_person(make_doc):
    doc = make_doc("Президент Франции Эммануэль Макрон прибыл в Берлин.")
    person = next(m for m in doc.mentions if m.type == "PER")
    assert person.role == "head@Франция"
    assert not [m for m in doc.mentions if m.kind == "role"]


def test_plural_roles_are_not_one_person(make_doc):
    doc = make_doc("Лидеры России и Китая провели встречу.")
    assert not [m for m in doc.mentions if m.kind == "role"]


def test_merged_names_with_disjoint_cases_are_split():
    m = entities.Mention(start=0, end=17, text="Сергей Лаврову", type="PER", normal="")
    # 'Сергей' is nominative only, 'Лаврову' dative only
    parts = entities.split_merged_person(m)
    assert [p.text for p in parts] == ["Сергей", "Лаврову"]


def test_a_full_name_in_one_case_is_not_split():
    m = entities.Mention(start=0, end=16, text="Сергея Лаврова", type="PER", normal="")
    assert len(entities.split_merged_person(m)) == 1


def test_alias_table_data_is_consistent():
    table = entities.alias_table()
    # every alias key maps to a known type; metonyms never shadow aliases
    assert all(t in ("LOC", "ORG", "PER") for _, t in table.canonical.values())
    assert not set(table.metonyms) & set(table.canonical)
    assert table.adjectives["российский"] == "Россия"


def test_role_table_loads_classes():
    roles = entities.role_table()
    assert roles.nouns[("президент",)] == "head"
    assert roles.nouns[("премьер-министр",)] == "government"
