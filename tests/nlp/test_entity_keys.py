"""The language-independent entity key: one key for a name's Russian, Ukrainian and English renderings."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from parallax.model import Mention
from parallax.nlp import entity_keys
from parallax.nlp.entity_keys import entity_key, mention_key, transliterate
from parallax.nlp.ner_uk import normalize_mention
from parallax.resources import ResourceError

REPO = Path(__file__).resolve().parents[2]
SLAVICNER = REPO.parent / "shared" / "data" / "slavicner-ru-uk"

# (names that must share a key, type); one line per entity, Russian / Ukrainian / English
SAME = [
    (["Путин", "Путін", "Putin", "Владимир Путин", "Володимир Путін", "Vladimir Putin", "В.В. Путин",
      "Владимир Владимирович Путин"], "PER"),
    (["Киев", "Київ", "Kyiv", "Kiev"], "LOC"),
    (["ВСУ", "ЗСУ", "Ukrainian armed forces", "Вооруженные силы Украины", "Збройні сили України"], "ORG"),
    (["Зеленский", "Зеленський", "Zelensky", "Владимир Зеленский", "Володимир Зеленський"], "PER"),
    (["Хиллари Клинтон", "Гілларі Клінтон", "Клинтон"], "PER"),
    (["Пенсильвания", "Пенсільванія"], "LOC"),
    (["Тереза Мэй", "Тереза Мей", "Мэй"], "PER"),
    (["Газпром", "Ґазпром", "Gazprom"], "ORG"),
    (["Евросоюз", "ЄС", "Європейський Союз", "European Union"], "ORG"),
    (["Харьков", "Харків", "Kharkiv"], "LOC"),
    (["Куп'янськ", "Купʼянськ", "Купянск"], "LOC"),
    (["Соединенные Штаты", "Сполучені Штати", "США", "United States"], "LOC"),
]
DIFFERENT = [("Россия", "Украина", "LOC"), ("Джо Байден", "Хантер Байден", None), ("Москва", "Киев", "LOC"),
             ("ВСУ", "ВС РФ", "ORG"), ("Ким Чен Ын", "Ким Ё Чжон", "PER")]


@pytest.mark.parametrize("names,type_", SAME, ids=[n[0][0] for n in SAME])
def test_renderings_across_languages_share_a_key(names, type_):
    keys = {name: entity_key(name, type_) for name in names}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize("a,b,type_", DIFFERENT)
def test_different_entities_get_different_keys(a, b, type_):
    assert entity_key(a, type_) != entity_key(b, type_)


def test_transliteration_folds_the_letters_ru_and_uk_write_differently():
    assert transliterate("Київ") == transliterate("Kyiv") == "kiv"
    assert transliterate("Єрмак") == transliterate("Ермак") == "ermak"
    assert transliterate("Ґудзь") == transliterate("Гудзь")
    assert transliterate("Подоляк") == "podoliak"
    assert transliterate("Білорусь") == transliterate("Былорусь")       # і and ы both i
    assert transliterate("  Нью-Йорк ") == "niu iork"


def test_a_persons_key_is_the_surname_unless_the_name_order_is_unknown():
    assert entity_key("Дональд Трамп", "PER") == entity_key("Трамп", "PER") == "tramp"
    assert entity_key("Ким Чен Ын", "PER") == "kim chen in"
    assert entity_key("Дональд Трамп", "ORG") == "donald tramp"     # only persons drop the given name


def test_mention_key_uses_the_canonical_name_and_gives_unnamed_roles_none():
    named = Mention(0, 6, "Москва", "LOC", "Москва", kind="alias", canonical="Россия")
    role = Mention(0, 16, "российский лидер", "PER", "российский лидер", kind="role")
    titled = Mention(0, 16, "российский лидер", "PER", "российский лидер", kind="role", canonical="Путин")
    assert mention_key(named) == "russia"
    assert mention_key(role) is None
    assert mention_key(titled) == "putin"


def test_every_alias_table_name_keys_to_its_entry():
    table = entity_keys.load_yaml_mapping(entity_keys.ALIASES_FILE)["entities"]
    for entry in table:
        for name in entry["names"]:
            assert entity_key(name, "LOC") == entry["key"], name


def test_a_name_in_two_entries_is_refused(monkeypatch):
    monkeypatch.setattr(entity_keys, "load_yaml_mapping", lambda _: {"entities": [
        {"key": "a", "names": ["Рада"]}, {"key": "b", "names": ["рада"]}]})
    entity_keys.alias_keys.cache_clear()
    try:
        with pytest.raises(ResourceError, match="both 'a' and 'b'"):
            entity_keys.alias_keys()
    finally:
        entity_keys.alias_keys.cache_clear()


@pytest.mark.skipif(not (SLAVICNER / "ner").is_dir(), reason="no ../shared/data/slavicner-ru-uk")
def test_slavicner_ru_uk_pairwise_f1_on_the_test_topics():
    sys.path.insert(0, str(REPO / "benchmarks"))
    import entity_keys_slavicner as bench  # noqa: E402 — a script of benchmarks/, not a package

    mentions = [(lang, name, type_, cid) for topic, lang, name, type_, cid in bench.read_mentions(SLAVICNER)
                if topic in bench.TEST_TOPICS and type_ in bench.MAIN_TYPES]
    score = bench.pairwise(mentions, distinct=False)
    assert score["f1"] >= 0.85, score


@pytest.mark.parametrize("text,type_,normal", [
    ("Києва", "LOC", "Київ"), ("Куп’янська", "LOC", "Куп’янськ"), ("Генштабі ЗСУ", "ORG", "Генштаб ЗСУ"),
    ("Збройних сил України", "ORG", "Збройні сили України"), ("Верховній Раді", "ORG", "Верховна Рада"),
    ("Білого дому", "ORG", "Білий дім"), ("Донецькій області", "LOC", "Донецька область"),
    ("Володимира Зеленського", "PER", "Володимир Зеленський"), ("Путіна", "PER", "Путін"),
    ("Pfizer", "ORG", "Pfizer"),
])
def test_ukrainian_names_are_normalized_to_the_nominative_before_keying(text, type_, normal):
    assert normalize_mention(text, type_) == normal
