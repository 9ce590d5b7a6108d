"""Names on wire-style posts (issue 11, item 6): ё spellings, emoji and markup glued to names, agency
name variants, surname and full name across a story, a role never resolved to its country, words
misread as a source or a number."""
import pytest
from hand_doc import hand_doc

from parallax.model import Article
from parallax.nlp.attribution import extract_attributions
from parallax.nlp.linking import foreign_name_forms, full_name, link_entities, surname_index
from parallax.nlp.numbers import extract_numbers
from parallax.nlp.pipeline import Analyzer
from parallax.nlp.segment import mask_symbols, split_sentences, split_tokens
from parallax.nlp.sources import canonical_source


@pytest.fixture(scope="module")
def analyze():
    analyzer = Analyzer()
    return lambda *texts: analyzer.analyze_many(
        [Article(id=f"a{i}", text=t, outlet=f"o{i}") for i, t in enumerate(texts)])


def _entity_of(entities, text):
    for e in entities:
        if any(m.text == text for m in e.mentions):
            return e
    raise AssertionError(f"no entity has mention {text!r}")


# ---- ё-folding ------------------------------------------------------------------------------------------

def test_yo_and_ye_spellings_of_a_name_are_one_person(analyze):
    docs = analyze("Президент Южной Кореи Юн Сок Ёль объявил военное положение.",
                   "Юн Сок Ель отменил военное положение.",
                   "Оппозиция потребовала отставки Юн Сок Ёля. Ёль не комментировал. Вопрос о Юн Сок Ёле обсудят.")
    ents = link_entities(docs)
    persons = [e for e in ents if e.type == "PER"]
    assert [e.name for e in persons] == ["Юн Сок Ель"]
    assert {"Юн Сок Ёль", "Юн Сок Ель", "Юн Сок Ёля", "Ёль", "Юн Сок Ёле"} <= {m.text for m in persons[0].mentions}


@pytest.mark.parametrize("forms,nominative", [
    (["Ель", "Еле"], "Ель"),              # soft-stem name: the form with the soft sign is the nominative
    (["Еля", "Ель", "Елем"], "Ель"),
    (["Ыныхтара", "Ыныхтар"], "Ыныхтар"),
])
def test_soft_stem_forms_reconciled(forms, nominative):
    assert set(foreign_name_forms(forms).values()) == {nominative}


# ---- emoji and markup --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,tokens", [
    ("❗️Президент Южной Кореи", ["❗️", "Президент", "Южной", "Кореи"]),
    ("🇰🇷Сеул заявил", ["🇰🇷", "Сеул", "заявил"]),
    ("⚡️Юн Сок Ёль", ["⚡️", "Юн", "Сок", "Ёль"]),
    ("положение❗️", ["положение", "❗️"]),
    ("👨‍👩‍👧Семья", ["👨‍👩‍👧", "Семья"]),
    ("Юн Сок Ёль", ["Юн", "Сок", "Ёль"]),
])
def test_emoji_are_tokens_of_their_own(text, tokens):
    got = split_tokens(text, split_sentences(text))
    assert [t.text for t in got] == tokens
    assert all(text[t.start:t.end] == t.text for t in got)


def test_masking_symbols_keeps_offsets():
    text = "❗️Юн Сок Ёль 🇰🇷 заявил"
    masked = mask_symbols(text)
    assert len(masked) == len(text) and masked.index("Юн") == text.index("Юн")
    assert masked.split() == ["Юн", "Сок", "Ёль", "заявил"]


@pytest.mark.parametrize("text,mention,kind", [
    ("❗️Президент Южной Кореи Юн Сок Ёль объявил военное положение.", "Юн Сок Ёль", "name"),
    ("❗️Юн Сок Ёль заявил, что это необходимо.", "Юн Сок Ёль", "name"),
    ("⚡️Президент Южной Кореи объявил военное положение.", "Президент Южной Кореи", "role"),
    ("**Юн Сок Ёль** выступил по телевидению.", "Юн Сок Ёль", "name"),
])
def test_emoji_and_markup_stay_out_of_mentions(make_doc, text, mention, kind):
    doc = make_doc(text)
    persons = [m for m in doc.mentions if m.type == "PER"]
    assert [(m.text, m.kind) for m in persons] == [(mention, kind)]
    m = persons[0]
    assert text[m.start:m.end] == m.text and "❗" not in m.normal and "*" not in m.normal


def test_emoji_before_a_title_keeps_the_title(make_doc):
    doc = make_doc("❗️Президент Южной Кореи Юн Сок Ёль объявил военное положение.")
    person = next(m for m in doc.mentions if m.type == "PER")
    assert person.role == "head@Южная Корея"


def test_emoji_before_a_speaker(analyze):
    (doc,) = analyze("🇰🇷Сеул заявил, что ответит. ❗️Юн Сок Ёль заявил, что это необходимо.")
    assert [q.speaker_text for q in doc.quotes] == ["Сеул", "Юн Сок Ёль"]


# ---- agency and platform names ------------------------------------------------------------------------

@pytest.mark.parametrize("text,source,kind", [
    ("Об этом сообщает Рёнхап.", "Ренхап", "agency"),
    ("Военное положение отменено, передает Ренхап.", "Ренхап", "agency"),
    ("По данным Yonhap, парламент проголосовал.", "Ренхап", "agency"),
    ("По данным агентства Йонхап, войска отведены.", "Ренхап", "agency"),
    ("Yonhap reported the vote.", "Ренхап", "agency"),
    ("По данным Truth Social, аудитория сети выросла.", "Truth Social", "social"),
    ("По данным TruthSocial, аудитория сети выросла.", "Truth Social", "social"),
    ("Сделка сорвалась, сообщает агентство Блумберг.", "Bloomberg", "agency"),
])
def test_agency_name_variants_are_one_source(analyze, text, source, kind):
    (doc,) = analyze(text)
    assert [(a.source, a.kind) for a in doc.attributions] == [(source, kind)]


@pytest.mark.parametrize("source,canonical", [
    ("Рёнхап", "Ренхап"), ("Yonhap", "Ренхап"), ("агентство Yonhap", "Ренхап"),
    ("TruthSocial", "Truth Social"), ("соцсеть TruthSocial", "Truth Social"),
    ("власти КНДР", "власти КНДР"), ("Россия", "Россия"), ("эксперты", "эксперты"),
])
def test_canonical_source(source, canonical):
    assert canonical_source(source) == canonical


def test_agency_and_platform_variants_are_one_entity(analyze):
    docs = analyze("Об этом сообщает Рёнхап. Трамп написал в TruthSocial, что это позор.",
                   "Военное положение отменено, передает Ренхап. По данным Yonhap, парламент проголосовал.",
                   "Трамп написал в Truth Social о ситуации.")
    ents = link_entities(docs)
    assert _entity_of(ents, "Yonhap").name == "Ренхап"
    assert {"Рёнхап", "Ренхап", "Yonhap"} <= {m.text for m in _entity_of(ents, "Yonhap").mentions}
    assert _entity_of(ents, "TruthSocial") is _entity_of(ents, "Truth Social")
    assert _entity_of(ents, "TruthSocial").name == "Truth Social"


# ---- surname and full name across a story --------------------------------------------------------------

def test_surname_joins_the_full_name_from_another_article(analyze):
    docs = analyze("Песков заявил, что Кремль следит за ситуацией. По словам Пескова, контактов не было.",
                   "Пресс-секретарь президента России Дмитрий Песков заявил журналистам, что Москва обеспокоена.")
    ents = link_entities(docs)
    e = _entity_of(ents, "Песков")
    assert e.name == "Дмитрий Песков"
    assert {"Песков", "Пескова", "Дмитрий Песков"} <= {m.text for m in e.mentions}
    speakers = {q.speaker_text: q.speaker_entity for d in docs for q in d.quotes}
    assert speakers["Песков"] == speakers["Дмитрий Песков"] == e.id


# ---- roles are people, not their country -----------------------------------------------------------------

@pytest.mark.parametrize("text,speaker", [
    ("Спикер парламента Южной Кореи заявил, что военное положение незаконно.", "Спикер парламента Южной Кореи"),
    ("Депутат парламента Южной Кореи заявил, что военное положение незаконно.", "Депутат парламента Южной Кореи"),
])
def test_role_speaker_is_not_the_country(analyze, text, speaker):
    (doc,) = analyze(text)
    ents = {e.id: e for e in link_entities([doc])}
    (q,) = doc.quotes
    assert q.speaker_text == speaker
    assert q.speaker_entity is None or ents[q.speaker_entity].type == "PER"
    assert all(e.name != "Южная Корея" or all(m.start >= q.speaker_end or m.end <= q.speaker_start
                                                  for m in e.mentions if m.kind == "role")
               for e in ents.values())


def test_parliament_speaker_role_resolves_to_the_person(analyze):
    docs = analyze("Спикер Национального собрания Южной Кореи У Вон Сик созвал депутатов.",
                   "Спикер парламента Южной Кореи заявил, что военное положение незаконно.")
    ents = link_entities(docs)
    assert _entity_of(ents, "Спикер парламента Южной Кореи").name == "У Вон Сик"
    (q,) = docs[1].quotes
    assert q.speaker_entity == _entity_of(ents, "У Вон Сик").id


def test_source_headed_by_a_person_noun_is_not_the_country():
    text = "По словам депутата парламента Южной Кореи, заседание продлится до утра."
    doc = hand_doc(text, ("Южной Кореи", "LOC"))
    doc.attributions = extract_attributions(doc)
    ents = link_entities([doc])
    (a,) = doc.attributions
    assert [e.name for e in ents] == ["Южная Корея"]
    assert a.source == "депутат парламента Южной Кореи" and a.entity is None


# ---- words that are not a source or a number ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Лидер оппозиции заявил об угрозе паралича власти.",
    "Оппозиция заявила об угрозе паралича власти.",
    "Ли Чжэ Мён заявил об угрозе паралича власти в стране.",
])
def test_genitive_after_a_topic_is_not_a_source(text):
    assert [a.source for a in extract_attributions(hand_doc(text))] == []


@pytest.mark.parametrize("text,source", [
    ("Об этом сообщили в пятницу власти Сеула.", "власти Сеула"),
    ("Об этом сообщил в пятницу источник.", "источник"),
])
def test_subject_after_an_adverbial_still_a_source(text, source):
    assert [a.source for a in extract_attributions(hand_doc(text))] == [source]


@pytest.mark.parametrize("text,language,numbers", [
    ("Отношения между двумя странами ухудшились.", "ru", []),
    ("Переговоры между тремя сторонами сорвались.", "ru", []),
    ("Talks between the two countries stalled.", "en", []),
    ("Две страны подписали соглашение.", "ru", [2]),
    ("Между 10 и 15 военными произошла драка.", "ru", [10, 15]),
    ("Между пятью тысячами участников разделили призы.", "ru", [5000]),
])
def test_parties_are_not_numbers(text, language, numbers):
    assert [n.value for n in extract_numbers(text, language)] == numbers


@pytest.mark.parametrize("name,full", [
    ("Песков", "Дмитрий Песков"),
    ("Ёль", "Юн Сок Ель"),
    ("Дмитрий Песков", "Дмитрий Песков"),
    ("Лавров", "Лавров"),            # no full name in the story
    ("Ким", "Ким"),                 # two full names end with it: ambiguous, kept
])
def test_surname_to_full_name_outside_a_linked_story(name, full):
    index = surname_index(["Дмитрий Песков", "Песков", "Юн Сок Ёль", "Ким Чен Ын", "Ким Ё Чжон", "Ли Ким",
                           "Пак Ким"])
    assert full_name(name, index) == full
