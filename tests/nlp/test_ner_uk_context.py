"""The Ukrainian NER's address/building context features, sentence joining and word classes
(parallax/nlp/ner_uk.py; data/ner_uk_context.yaml, data/word_clusters_uk.yaml)."""
import pytest

from parallax.nlp import ner_uk
from parallax.nlp.segment import split_sentences, split_tokens
from parallax.resources import load_yaml


def _flags(words: str) -> list[tuple[str, str]]:
    ws = words.split()
    return [(w, " ".join(sorted(f))) for w, f in zip(ws, ner_uk.context_flags(ws))]


@pytest.mark.parametrize("words, word, flag", [
    # one line each: the words (as the tokenizer splits them), a word, a flag it must carry
    ("на вул . Богдана Хмельницького , 58-А", "вул", "addr:kw"),
    ("на вул . Богдана Хмельницького , 58-А", "Богдана", "addr:in"),
    ("на вул . Богдана Хмельницького , 58-А", "Хмельницького", "addr:in"),
    ("на вул . Богдана Хмельницького , 58-А", "58-А", "addr:num"),
    ("на вулиці Чумацької сталося", "Чумацької", "addr:in"),
    ("на проспекті Перемоги 22", "22", "addr:num"),
    ("вул . Т . Шевченка", "Шевченка", "addr:in"),
    ("біля Гостинного двору", "Гостинного", "fac:pre"),
    ("у палаці « Україна » виступив", "Україна", "fac:post"),
    ("у палаці « Україна » виступив", "»", "fac:post"),
    ("собор Святої Софії", "Софії", "fac:post"),
    ("ТОВ « Омокс » уклало", "Омокс", "q:in"),
])
def test_context_flags(words, word, flag):
    assert flag in dict(_flags(words))[word].split()


@pytest.mark.parametrize("words, word, flag", [
    ("на вулиці було холодно", "холодно", "addr:in"),       # no capitalised name after the street word
    ("на вулиці було холодно", "було", "addr:num"),
    ("Палац був порожній", "Палац", "fac:pre"),             # nothing before the building word
    ("ТОВ « Омокс » уклало", "уклало", "q:in"),             # the quote is closed
    ("Зеленський заявив", "Зеленський", "addr:in"),
])
def test_context_flags_absent(words, word, flag):
    assert flag not in dict(_flags(words))[word].split()


def test_the_context_file_lists_words_in_lower_case_without_full_stops():
    data = load_yaml("nlp/data/ner_uk_context.yaml")
    for key in ("street", "building", "join_after", "region"):
        assert data[key], key
        for word in data[key]:
            assert str(word) == str(word).lower() and not str(word).endswith("."), (key, word)


def _units(text: str) -> list[str]:
    sentences = split_sentences(text)
    return [" ".join(t.text for t in unit) for unit in ner_uk.tagging_units(text, split_tokens(text, sentences, "uk"))]


def test_a_sentence_razdel_ends_after_an_abbreviation_is_tagged_with_the_next():
    assert _units("Офіс на вул. Богдана Хмельницького, 58-А.") == ["Офіс на вул . Богдана Хмельницького , 58-А ."]
    assert len(split_sentences("Офіс на вул. Богдана Хмельницького, 58-А.")) == 2     # what razdel does
    assert _units("Погруддя Т. Шевченку відкрили у м. Києві.") == [
        "Погруддя Т . Шевченку відкрили у м . Києві ."]


def test_real_sentence_ends_and_line_breaks_still_split():
    assert _units("Це сталося у Києві. Потім був суд.") == ["Це сталося у Києві .", "Потім був суд ."]
    assert _units("Це сказав Іван Франко. А. Потім пішов.")[0] == "Це сказав Іван Франко ."
    assert len(_units("Адреса: вул.\nКиїв")) == 2


def test_word_classes_group_names_and_key_by_lemma():
    classes = ner_uk.word_clusters()
    assert len(classes) > 3000
    assert all(len(c) == 3 for c in classes.values())
    # given names fall together at the middle level: the table learned something
    names = [classes[w][1] for w in ("андрій", "володимир", "олександр", "сергій") if w in classes]
    assert len(names) >= 3 and len(set(names)) <= 2
    assert ner_uk.cluster_key("Києва") == "київ" and ner_uk.cluster_key("COVID") == "covid"


def test_word_class_features_reach_the_crf():
    own, near, _ = ner_uk.word_features("Андрій")
    assert any(f.startswith("c2=") for f in own) and any(f.startswith("c1=") for f in near)


def _tokens(text: str):
    return split_tokens(text, split_sentences(text), "uk")


@pytest.mark.parametrize("text, tagged, added", [
    # a LOC tagged once is also the untagged repetition in another case
    ("У Хелмі відкрили школу. Хелм радіє.", [("Хелмі", "LOC")], {("LOC", "Хелм")}),
    # a name tagged with two types in the article is left alone
    ("Одеса і Одеса. Одеса.", [("Одеса", "LOC"), ("Одеса", "ORG")], set()),
    # a repetition inside a longer capitalised name is not a repetition
    ("У Бобринці тихо. Бобринець Сіті відкрився.", [("Бобринці", "LOC")], set()),
    # lower case: not a name
    ("Озеряни і озеряни.", [("Озеряни", "LOC")], set()),
])
def test_repeat_names(text, tagged, added):
    tokens = _tokens(text)
    spans, used = [], set()
    for surface, typ in tagged:
        start = next(i for i in range(len(text)) if text.startswith(surface, i) and (i, typ) not in used
                     and all(i != s for s, _, _ in spans))
        used.add((start, typ))
        spans.append((start, start + len(surface), typ))
    found = {(t, text[s:e]) for s, e, t in ner_uk.repeat_names(tokens, spans)} - {(t, text[s:e]) for s, e, t in spans}
    assert found == added


def _span_words(words: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    ws = words.split()
    return [(" ".join(ws[a:b]), t) for a, b, t in spans]


@pytest.mark.parametrize("words, spans, expected", [
    # an ORG and the region after it are one ORG (NER-UK's convention)
    ("депутат Хмільницької райради Вінницької області від", [(1, 3, "ORG"), (3, 5, "LOC")],
     [("Хмільницької райради Вінницької області", "ORG")]),
    ("суд Харківської обл . вирішив", [(0, 1, "ORG"), (1, 4, "LOC")], [("суд Харківської обл .", "ORG")]),
    # a gap between them, a one-word place, or a place that is not a region: left apart
    ("ДСНС України у Закарпатській області", [(0, 2, "ORG"), (3, 5, "LOC")],
     [("ДСНС України", "ORG"), ("Закарпатській області", "LOC")]),
    ("уряд Польщі Києва", [(0, 2, "ORG"), (2, 3, "LOC")], [("уряд Польщі", "ORG"), ("Києва", "LOC")]),
    ("мерія Києва Дніпровського району", [(1, 2, "LOC"), (2, 4, "LOC")],
     [("Києва", "LOC"), ("Дніпровського району", "LOC")]),
])
def test_join_region_to_org(words, spans, expected):
    assert _span_words(words, ner_uk.join_region_to_org(words.split(), spans)) == expected


@pytest.mark.parametrize("words, spans, expected", [
    # a list of places is one LOC per item
    ("на Поштовій площі , Подолі , Святошині", [(1, 7, "LOC")],
     [("Поштовій площі", "LOC"), ("Подолі", "LOC"), ("Святошині", "LOC")]),
    # a house number after the comma stays in the address
    ("на вул . Богдана Хмельницького , 58-А", [(1, 7, "LOC")], [("вул . Богдана Хмельницького , 58-А", "LOC")]),
    # other types are left as they are
    ("ТОВ « Омокс » , Київ", [(0, 6, "ORG")], [("ТОВ « Омокс » , Київ", "ORG")]),
])
def test_split_place_lists(words, spans, expected):
    assert _span_words(words, ner_uk.split_place_lists(words.split(), spans)) == expected


def _spans_of(text: str, tagged: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """(surface, type) in order of appearance -> character spans, each surface found after the last."""
    spans, pos = [], 0
    for surface, typ in tagged:
        start = text.index(surface, pos)
        spans.append((start, start + len(surface), typ))
        pos = start + len(surface)
    return spans


@pytest.mark.parametrize("text, tagged, expected", [
    # the minority type of a name in the article gives way to the majority
    ("Одарка прийшла. У Одарки син. Одарку кличуть.", [("Одарка", "PER"), ("Одарки", "LOC"), ("Одарку", "PER")],
     ["PER", "PER", "PER"]),
    # a tie is left alone
    ("Одеса і Одеса.", [("Одеса", "LOC"), ("Одеса", "ORG")], ["LOC", "ORG"]),
    # a longer name is another name: 'Київ' does not vote for 'Київ Сіті'
    ("Київ , Київ Сіті , Київ Сіті.", [("Київ", "LOC"), ("Київ Сіті", "ORG"), ("Київ Сіті", "ORG")],
     ["LOC", "ORG", "ORG"]),
])
def test_vote_types(text, tagged, expected):
    spans = _spans_of(text, tagged)
    assert [t for _, _, t in sorted(ner_uk.vote_types(_tokens(text), spans))] == expected


@pytest.mark.parametrize("words, spans, expected", [
    # (session 9) two places joined by a conjunction are two LOCs
    ("у Києві та Київській області", [(1, 5, "LOC")], [("Києві", "LOC"), ("Київській області", "LOC")]),
    ("вул . Арнаутської та вул . Катерининської", [(0, 7, "LOC")],
     [("вул . Арнаутської", "LOC"), ("вул . Катерининської", "LOC")]),
    # adjectives sharing one noun stay one place; a lower-case word after the conjunction is no new name
    ("у Донецькій і Луганській областях", [(1, 5, "LOC")], [("Донецькій і Луганській областях", "LOC")]),
    ("у Києві та області", [(1, 4, "LOC")], [("Києві та області", "LOC")]),
    # an ORG is not split
    ("Міністерство доходів і Зборів", [(0, 4, "ORG")], [("Міністерство доходів і Зборів", "ORG")]),
])
def test_split_place_lists_at_conjunctions(words, spans, expected):
    assert _span_words(words, ner_uk.split_place_lists(words.split(), spans)) == expected


@pytest.mark.parametrize("text, tagged, added", [
    # a village after 'с.' (across the line break razdel and the text put there) is a LOC, without 'с.'
    ("Ремонт вул. Леніна в с.\nЯсногородка.", [], {("LOC", "Ясногородка")}),
    ("Школа у смт Димер.", [], {("LOC", "Димер")}),
    # metres, a function word, a name already tagged, a paragraph break: nothing added
    ("Квартира 100 кв. м. Власником є він.", [], set()),
    ("Ділянка 2 м. Загалом добре.", [], set()),
    ("Це 5 м. Про це пише він.", [], set()),
    ("Суд м. Києва ухвалив.", [("Суд м. Києва", "ORG")], set()),
    ("Сторінка 5 с.\n\nТакож відомо.", [], set()),
])
def test_settlement_names(text, tagged, added):
    spans = _spans_of(text, tagged)
    found = {(t, text[s:e]) for s, e, t in ner_uk.settlement_names(text, _tokens(text), spans)}
    assert found - {(t, text[s:e]) for s, e, t in spans} == added


def test_state_abbreviations_are_places():
    text = "Колишній СРСР і ДНР; ТОВ «СРСР-Плюс»; НДР."
    spans = _spans_of(text, [("СРСР", "ORG"), ("ДНР", "ORG"), ("ТОВ «СРСР-Плюс»", "ORG"), ("НДР", "ORG")])
    assert [t for _, _, t in ner_uk.state_abbreviations(text, spans)] == ["LOC", "LOC", "ORG", "ORG"]


def test_session9_context_lists():
    data = load_yaml("nlp/data/ner_uk_context.yaml")
    assert {"та", "і"} <= set(map(str, data["conjunctions"]))
    assert {"с", "м", "смт"} <= set(map(str, data["settlement"]))
    assert all(str(w).isupper() and " " not in str(w) for w in data["state_abbreviations"])
    assert {"PREP", "CONJ", "NPRO"} <= set(map(str, data["not_a_name_pos"]))
