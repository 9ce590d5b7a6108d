"""Contested-terms lexicon and wording differences between aligned claims."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from parallax.compare.framing import (
    LEXICON_PATH,
    LexiconError,
    Voices,
    differing_phrases,
    find_contested_terms,
    framing_by_article,
    load_lexicon,
    load_stopwords,
    parse_lexicon,
    phrase_differences,
)
from parallax.model import AnalyzedArticle, Article, Mention, Quote
from parallax.nlp.morph import is_dictionary_parse, match_case, parses
from parallax.nlp.quotes import extract_quotes
from parallax.nlp.segment import split_sentences, split_tokens

REPO = Path(__file__).resolve().parents[2]
LEXICON = load_lexicon()
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_INFLECTABLE = {"NOUN", "ADJF", "PRTF"}


def analyze(text: str, language: str = "ru", article_id: str = "a", outlet: str | None = None
            ) -> AnalyzedArticle:
    """Sentences, tokens and lemmas only: all framing needs (no NER)."""
    sentences = split_sentences(text)
    return AnalyzedArticle(article=Article(id=article_id, text=text, outlet=outlet or article_id),
                           language=language, sentences=sentences,
                           tokens=split_tokens(text, sentences, language))


def hits_of(text: str, language: str = "ru"):
    return find_contested_terms(analyze(text, language))


def tokens(text: str, language: str = "ru"):
    return analyze(text, language).tokens


def inflect_term(term: str, case: str = "loct") -> str:
    """Put the nominative words of a Russian term into `case`, leaving dependents as they are:
    'специальная военная операция' -> 'специальной военной операции', 'участники СВО' ->
    'участниках СВО'."""
    out = []
    for word in term.split():
        form = word
        if _CYRILLIC.search(word) and not (word.isupper() and len(word) > 1):
            low = word.lower()
            nominative = [p for p in parses(low) if is_dictionary_parse(p) and p.tag.case == "nomn"
                          and p.tag.POS in _INFLECTABLE]
            if nominative:
                inflected = nominative[0].inflect({case})
                if inflected is not None:
                    form = match_case(word, inflected.word)
        out.append(form)
    return " ".join(out)


def sentence_with(phrase: str, language: str) -> str:
    return {"ru": f"По словам автора, речь шла о {phrase}, и не только.",
            "uk": f"За словами автора, йшлося про {phrase}, і не тільки.",
            "en": f"The author said it was about {phrase}, and more."}[language]


# ---- the lexicon file ---------------------------------------------------------------------------------

def test_lexicon_is_broad_enough():
    assert len(LEXICON.concepts) >= 15
    assert len(LEXICON.terms) >= 100
    assert sum(t.language == "ru" for t in LEXICON.terms) >= 100
    assert {"ru", "en", "uk"} <= LEXICON.languages


def test_every_term_has_category_concept_and_defined_label():
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    count = 0
    for cat in raw["categories"]:
        assert cat["category"] and cat["description"]
        for con in cat["concepts"]:
            assert con["concept"] and con["description"]
            for term in con["terms"]:
                assert term["term"].strip() and term["label"] in raw["labels"], term
                count += 1
    assert count == len(LEXICON.terms)
    for t in LEXICON.terms:
        assert t.category in LEXICON.categories and t.concept and t.label in LEXICON.labels


def test_no_term_is_listed_twice_with_conflicting_labels():
    by_signature = defaultdict(set)
    for t in LEXICON.terms:
        by_signature[t.signature].add((t.concept, t.label))
    conflicting = {sig: uses for sig, uses in by_signature.items() if len(uses) > 1}
    assert not conflicting


def test_every_label_is_used_and_documented():
    used = {t.label for t in LEXICON.terms}
    assert used == set(LEXICON.labels)
    doc = (REPO / "docs" / "lexicon.md").read_text(encoding="utf-8")
    missing = [label for label in LEXICON.labels if f"`{label}`" not in doc]
    assert not missing


def test_concepts_and_categories_are_unique_and_documented():
    names = [c.name for c in LEXICON.concepts]
    assert len(names) == len(set(names))
    doc = (REPO / "docs" / "lexicon.md").read_text(encoding="utf-8")
    for category in LEXICON.categories:
        assert f"`{category}`" in doc


def test_prefix_terms_carry_their_own_examples():
    for t in LEXICON.terms:
        if any(w.prefix is not None for w in t.words):
            assert t.examples, t.term


def _lexicon(terms, labels=None):
    return {"version": 1, "labels": labels or {"x": "an x", "y": "a y"},
            "categories": [{"category": "c", "description": "d",
                            "concepts": [{"concept": "k", "description": "d", "terms": terms}]}]}


@pytest.mark.parametrize("terms, message", [
    ([{"term": "война", "label": "nope"}], "label"),
    ([{"label": "x"}], "missing 'term'"),
    ([{"term": "война", "label": "x", "colour": "red"}], "unknown field"),
    ([{"term": "войн*", "label": "x"}], "match: surface"),
    ([{"term": "война", "label": "x", "language": "de"}], "language"),
    ([{"term": "война", "label": "x", "window": 0}], "window"),
    ([{"term": "война", "label": "x"}, {"term": "войны", "label": "y"}], "duplicates"),
    ([], "no terms"),
])
def test_malformed_lexicons_are_rejected(terms, message):
    with pytest.raises(LexiconError, match=message):
        parse_lexicon(_lexicon(terms))


def test_malformed_file_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("labels: [unclosed", encoding="utf-8")
    with pytest.raises(LexiconError, match="broken.yaml"):
        load_lexicon(path)


def test_custom_lexicon_file_is_used(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(_lexicon([{"term": "зеленый чай", "label": "x"}]),
                                   allow_unicode=True), encoding="utf-8")
    lex = load_lexicon(path)
    hits = find_contested_terms(analyze("Он пил зеленого чая много."), lex)
    assert [(h.term, h.label) for h in hits] == [("зеленого чая", "x")]


# ---- every term is found, inflected where Russian -----------------------------------------------------

def _term_id(t):
    return f"{t.concept}:{t.term}"


GENERIC_TERMS = [t for t in LEXICON.terms if not t.followed_by
                 and not any(w.prefix is not None for w in t.words)]


@pytest.mark.parametrize("term", GENERIC_TERMS, ids=_term_id)
def test_each_term_is_found_inflected(term):
    phrase = inflect_term(term.term) if term.match == "lemma" else term.term
    text = sentence_with(phrase, term.language)
    start = text.index(phrase)
    hits = hits_of(text, term.language)
    assert any(h.entry == term.term and h.concept == term.concept and h.label == term.label
               and h.start == start and h.end == start + len(phrase) for h in hits), \
        (phrase, [(h.term, h.entry) for h in hits])


def test_inflection_in_the_generic_test_really_changes_most_terms():
    russian = [t for t in GENERIC_TERMS if t.match == "lemma"]
    changed = [t for t in russian if inflect_term(t.term) != t.term]
    assert len(changed) >= 0.75 * len(russian)


EXAMPLES = [(t, s) for t in LEXICON.terms for s in t.examples]
NOT_EXAMPLES = [(t, s) for t in LEXICON.terms for s in t.not_examples]


@pytest.mark.parametrize("term, sentence", EXAMPLES, ids=[f"{t.term}|{s}" for t, s in EXAMPLES])
def test_lexicon_examples_match(term, sentence):
    assert any(h.entry == term.term and h.label == term.label
               for h in hits_of(sentence, term.language))


@pytest.mark.parametrize("term, sentence", NOT_EXAMPLES,
                         ids=[f"{t.term}|{s}" for t, s in NOT_EXAMPLES])
def test_lexicon_counterexamples_do_not_match(term, sentence):
    assert not any(h.entry == term.term for h in hits_of(sentence, term.language))


def test_every_concept_is_covered_by_a_test_sentence():
    generic = {t.concept for t in GENERIC_TERMS} | {t.concept for t, _ in EXAMPLES}
    assert generic == {c.name for c in LEXICON.concepts}


# ---- matching behaviour -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, entry", [
    ("Путин поблагодарил Кима за отправку войск на войну против Украины.", "война против Украины"),
    ("Он высоко оценил помощь в войне против Украины.", "война против Украины"),
    ("Корейцы участвовали в освобождении Курской области.", "освобождение Курской области"),
    ("Об этом сообщили участники специальной военной операции.", "участники специальной военной операции"),
    ("Наших бойцов встречали цветами.", "наши бойцы"),
    ("Ракеты запустили по освобождённым территориям.", "освобожденные территории"),
])
def test_inflected_forms_match(text, entry):
    assert entry in [h.entry for h in hits_of(text)]


def test_hit_offsets_index_the_text_and_sentences():
    text = "Первое предложение.\nВ Кремле говорили о СВО. Потом — о «коллективном Западе»."
    doc = analyze(text)
    hits = find_contested_terms(doc)
    assert [(h.term, h.label) for h in hits] == [("СВО", "euphemism-official"),
                                                  ("коллективном Западе", "adversarial-bloc")]
    for h in hits:
        assert text[h.start:h.end] == h.term
        assert doc.sentences[h.sentence].start <= h.start < doc.sentences[h.sentence].end
    assert [h.sentence for h in hits] == [1, 2]


@pytest.mark.parametrize("text", [
    "Он говорит на украинском языке.",
    "Она выступила на украинском телевидении.",
    "Переговоры с Украиной продолжатся.",
    "Россия напала на Украину в феврале.",
    "Давление Запада на Украину усилилось.",
    "Инвестиции в Украину выросли.",
])
def test_no_preposition_framing_without_the_marked_form(text):
    assert not [h for h in hits_of(text) if h.category == "preposition"]


@pytest.mark.parametrize("text, label", [
    ("Он живет на Украине.", "preposition-na"),
    ("Он живет в Украине.", "preposition-v"),
    ("Гуманитарный груз отправили на Украину.", "preposition-na"),
    ("Гуманитарный груз отправили в Украину.", "preposition-v"),
    ("Беженцы с Украины получили жилье.", "preposition-na"),
    ("Журналисты работают на Донбассе.", "preposition-na"),
])
def test_preposition_labels(text, label):
    assert [h.label for h in hits_of(text) if h.category == "preposition"] == [label]


@pytest.mark.parametrize("text", [
    "Вторая мировая война закончилась в 1945 году.",
    "Колонна двинулась на запад.",
    "В Киеве прогремели взрывы.",
    "Мэр Киева сообщил о пожаре.",
    "Военная операция Израиля в секторе Газа продолжается.",
    "День победы над нацизмом отмечают 9 мая.",
    "Город пережил немецкую оккупацию в 1941 году.",
    "Совет директоров обсудил операцию по слиянию.",
    "Фермеры собрали хороший урожай пшеницы.",
    "Мы мобилизовали все силы на помощь пострадавшим.",
    "Количество погибших при террористической атаке на концертный зал возросло.",
    "Россия и Казахстан помнят о борьбе против нацизма.",
    "Настоятель храма в Хохлах выступил с проповедью.",
])
def test_ordinary_sentences_have_no_contested_terms(text):
    assert hits_of(text) == []


def test_longest_term_wins_within_a_category_but_others_nest():
    hits = hits_of("Началось вторжение ВСУ в Курскую область.")
    assert {(h.concept, h.term, h.label) for h in hits} == {
        ("Kursk region events", "вторжение ВСУ в Курскую область", "invasion-by-ukraine"),
        ("Ukrainian armed forces", "ВСУ", "neutral")}
    hits = hits_of("Награды вручили участникам СВО.")
    assert {(h.concept, h.term) for h in hits} == {("Russian armed forces", "участникам СВО"),
                                                  ("the war", "СВО")}
    hits = hits_of("Удар нанесли боевики киевского режима.")
    assert [(h.concept, h.label) for h in hits] == [("Ukrainian armed forces", "militant-labeling")]


def test_case_sensitive_terms():
    assert [h.label for h in hits_of("Так считают на Западе.")] == ["neutral"]
    assert hits_of("Так считают на западе области.") == []


def test_capital_as_metonym_only_before_a_decision_verb():
    assert [h.label for h in hits_of("Киев отверг предложение.")] == ["metonym-capital"]
    assert [h.term for h in hits_of("Это признал официальный Киев.")] == ["официальный Киев"]
    assert hits_of("Дроны атаковали Киев ночью.") == []


def test_language_selects_the_terms():
    en = hits_of("Since the full-scale invasion, Russian troops occupied the region.", "en")
    assert [(h.term, h.label, h.language) for h in en] == [
        ("full-scale invasion", "invasion", "en"), ("Russian troops", "neutral", "en")]
    uk = hits_of("Окупанти обстріляли місто в Україні.", "uk")
    assert [(h.term, h.label) for h in uk] == [("Окупанти", "occupier-labeling"),
                                               ("в Україні", "preposition-v")]
    # A language the lexicon does not cover falls back to every term.
    assert [h.entry for h in hits_of("Говорили о СВО.", "kk")] == ["СВО"]


def test_english_article_and_possessive():
    assert [h.label for h in hits_of("He moved to the Ukraine in 1990.", "en")] == ["definite-article"]
    assert hits_of("He was killed in the Ukraine war.", "en") == []
    assert [h.entry for h in hits_of("Russia’s war goes on.", "en")] == ["russia's war"]


def test_article_without_tokens_has_no_hits():
    doc = AnalyzedArticle(article=Article(id="x", text="", outlet="x"))
    assert find_contested_terms(doc) == []


# ---- per-article framing -------------------------------------------------------------------------------

def test_framing_by_article_groups_by_concept_and_notes_differences():
    a = analyze("Армия продолжает войну против Украины. ВСУ отступили.", article_id="a", outlet="Indie")
    b = analyze("Армия продолжает СВО. Об этом сообщили на Украине. ВСУ отступили.",
                article_id="b", outlet="State")
    entries = framing_by_article([a, b])
    by_concept = {e.concept: e for e in entries}
    assert list(by_concept) == ["the war", "Ukrainian armed forces", "в/на Украине"]

    war = by_concept["the war"]
    assert war.category == "war"
    assert [t["term"] for t in war.terms["a"]] == ["войну против Украины"]
    assert [t["label"] for t in war.terms["b"]] == ["euphemism-official"]
    assert war.note == "labels differ: Indie: war-explicit; State: euphemism-official"
    t = war.terms["b"][0]
    assert b.text[t["start"]:t["end"]] == t["term"] and t["entry"] == "СВО" and t["sentence"] == 0

    assert by_concept["Ukrainian armed forces"].note is None      # both say 'ВСУ'
    prep = by_concept["в/на Украине"]
    assert prep.terms["a"] == [] and len(prep.terms["b"]) == 1
    assert prep.note is None                                       # only one article names it


# one concept named by three outlets, each in its own language (issue 14, item 6)
ACROSS_LANGUAGES = [
    # (language, text, the term found, its label)
    ("ru", "Армия продолжает специальную военную операцию.", "специальную военную операцию",
     "euphemism-official"),
    ("uk", "Після повномасштабного вторгнення Росії все змінилося.", "повномасштабного вторгнення",
     "invasion"),
    ("en", "Kyiv marked a thousand days of the full-scale invasion.", "full-scale invasion", "invasion"),
    ("uk", "Війна в Україні триває вже третій рік.", "Війна в Україні", "war-explicit"),
    ("en", "Moscow calls it a special military operation.", "special military operation",
     "euphemism-official"),
    ("uk", "Окупаційні війська обстріляли село.", "Окупаційні війська", "occupier-labeling"),
    ("en", "Russian troops advanced near the town.", "Russian troops", "neutral"),
]


def test_framing_compares_one_concept_across_languages():
    docs = [analyze(text, language, article_id=f"{language}{k}", outlet=f"{language}{k}")
            for k, (language, text, _, _) in enumerate(ACROSS_LANGUAGES)]
    by_concept = {e.concept: e for e in framing_by_article(docs)}
    war = by_concept["the war"]
    for k, (language, text, term, label) in enumerate(ACROSS_LANGUAGES):
        found = [t for e in by_concept.values() if e.category != "preposition"
                 for t in e.terms.get(f"{language}{k}", [])]
        assert [(t["term"], t["label"]) for t in found] == [(term, label)], text
    assert "ru0: euphemism-official" in war.note and "uk1: invasion" in war.note
    assert by_concept["Russian armed forces"].note is not None     # occupiers vs troops


def test_framing_by_article_is_empty_without_terms():
    docs = [analyze("Погода была хорошей.", article_id="a"),
            analyze("Шел дождь.", article_id="b")]
    assert framing_by_article(docs) == []


def test_framing_note_separates_outlets_with_the_same_name():
    a = analyze("Началось российское вторжение.", article_id="1", outlet="Same")
    b = analyze("Началась спецоперация.", article_id="2", outlet="Same")
    (entry,) = framing_by_article([a, b])
    assert entry.note == "labels differ: Same (1): invasion; Same (2): euphemism-official"


# ---- whose words -----------------------------------------------------------------------------------------

SPEAKERS = {"Захарова": "Мария Захарова", "Захаровой": "Мария Захарова", "Песков": "Дмитрий Песков",
            "Путин": "Владимир Путин", "Минобороны России": "Минобороны России"}


def quoted_doc(text: str, article_id: str = "a", outlet: str | None = None) -> AnalyzedArticle:
    """`analyze` plus the known speakers as hand-placed mentions and the quotes the real extractor finds."""
    doc = analyze(text, article_id=article_id, outlet=outlet)
    for surface, normal in SPEAKERS.items():
        for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text):
            sent = doc.sentence_at(m.start())
            doc.mentions.append(Mention(start=m.start(), end=m.end(), text=surface, normal=normal,
                                        type="ORG" if surface.startswith("Минобороны") else "PER",
                                        sentence=sent.index if sent else 0))
    doc.mentions.sort(key=lambda m: m.start)
    doc.quotes = extract_quotes(doc)
    return doc


@pytest.mark.parametrize("text,term,voice,speaker", [
    # the issue's cases: a politician's word inside a quote, the authorities' word in reported speech
    ("«Это русофобская резолюция», — заявила Захарова.", "русофобская", "quoted", "Мария Захарова"),
    ("Захарова назвала резолюцию «откровенно русофобской».", "русофобской", "quoted", "Мария Захарова"),
    ("По словам Захаровой, это русофобия.", "русофобия", "quoted", "Мария Захарова"),
    ("Песков заявил, что Запад ведет «русофобскую кампанию».", "русофобскую", "quoted", "Дмитрий Песков"),
    ("Как заявили в Минобороны России, это был ответный удар по объектам.", "ответный удар", "quoted",
     "Минобороны России"),
    ("Российские власти заявили, что нанесли ответный удар.", "ответный удар", "quoted", None),
    # quotation marks no speech cue claims: a word the outlet holds at arm's length
    ("Захарова назвала решение ПАСЕ «русофобским».", "русофобским", "marked", None),
    ("Так называемая «ДНР» провела выборы.", "ДНР", "marked", None),
    # the outlet's own voice
    ("Депутаты приняли русофобскую резолюцию.", "русофобскую", "own", None),
    ("Армия нанесла ответный удар.", "ответный удар", "own", None),
    ("Удар был ответным, заявили в Кремле. Армия нанесла ответный удар.", "ответный удар", "own", None),
])
def test_whose_words_a_term_is(text, term, voice, speaker):
    hits = {h.term: h for h in find_contested_terms(quoted_doc(text))}
    assert (hits[term].voice, hits[term].speaker) == (voice, speaker)


def test_a_span_only_overlapping_a_quote_is_the_outlets_own():
    text = "Он сказал «да» и ушел."
    doc = analyze(text)
    doc.quotes = [Quote(start=11, end=13, text="да", kind="direct", speaker_text="Он")]
    voices = Voices(doc)
    assert voices.at(11, 13).voice == "quoted" and voices.at(11, 13).speaker == "Он"
    assert voices.at(3, 13).voice == "own" and voices.own(0, 2)


def test_the_innermost_quote_speaks():
    doc = analyze("Иван сказал, что Петр сказал «нет».")
    outer = Quote(start=17, end=34, text="", kind="indirect", speaker_text="Иван")
    inner = Quote(start=30, end=33, text="нет", kind="direct", speaker_text="Петр")
    doc.quotes = [outer, inner]
    assert Voices(doc).at(30, 33).speaker == "Петр" and Voices(doc).at(17, 21).speaker == "Иван"


def test_a_linked_speaker_takes_the_story_name():
    doc = quoted_doc("«Это русофобская резолюция», — заявила Захарова.")
    doc.quotes[0].speaker_entity = "e7"
    [hit] = find_contested_terms(doc, names={"e7": "М. В. Захарова"})
    assert hit.speaker == "М. В. Захарова"


def test_quoted_terms_are_listed_but_are_not_the_outlets_label():
    bbc = quoted_doc("«Идет освобождение Курской области», — сказал Путин. Продолжаются бои в Курской области.",
                     article_id="b", outlet="BBC")
    ria = analyze("Продолжаются бои в Курской области.", article_id="r", outlet="RIA")
    (entry,) = framing_by_article([bbc, ria])
    assert [(t["term"], t["voice"], t["speaker"]) for t in entry.terms["b"]] == [
        ("освобождение Курской области", "quoted", "Владимир Путин"), ("бои в Курской области", "own", None)]
    assert entry.note is None                     # both outlets say 'бои' themselves
    own = analyze("Идет освобождение Курской области.", article_id="o", outlet="Own")
    (entry,) = framing_by_article([own, ria])
    assert entry.note == "labels differ: Own: liberation; RIA: fighting-neutral"


def test_an_outlet_that_only_quotes_a_concept_has_no_label_for_it():
    bbc = quoted_doc("«Идет освобождение Курской области», — сказал Путин.", article_id="b", outlet="BBC")
    ria = analyze("Продолжаются бои в Курской области.", article_id="r", outlet="RIA")
    (entry,) = framing_by_article([bbc, ria])
    assert entry.terms["b"][0]["voice"] == "quoted" and entry.note is None


# ---- phrase differences --------------------------------------------------------------------------------

def test_phrase_differences_on_aligned_claims():
    a = tokens("Путин поблагодарил Кима за отправку войск на войну против Украины")
    b = tokens("Путин поблагодарил Кима за участие спецподразделений в освобождении Курской области")
    assert phrase_differences(a, b) == (["отправку войск", "на войну против Украины"],
                                        ["участие спецподразделений", "в освобождении Курской области"])


def test_inflection_word_order_and_function_words_are_not_differences():
    a = tokens("Президент провел встречу с премьером в столице.")
    b = tokens("В столице с премьером президентом была проведена встреча")
    assert phrase_differences(a, b) == ([], [])
    assert phrase_differences(tokens("Это же так и есть, не правда ли?"), tokens("Так есть, правда?")) == ([], [])


def test_adjacent_differences_merge_and_shared_words_split():
    a = tokens("Министр поблагодарил партнеров за оказанную военную поддержку.")
    b = tokens("Министр поблагодарил партнеров за помощь.")
    assert phrase_differences(a, b) == (["оказанную военную поддержку"], ["помощь"])
    a = tokens("Суд оштрафовал блогера, а полиция задержала активиста.")
    b = tokens("Суд арестовал блогера, а полиция отпустила активиста.")
    assert phrase_differences(a, b) == (["оштрафовал", "задержала"], ["арестовал", "отпустила"])


def test_same_word_with_another_preposition_is_a_difference():
    assert phrase_differences(tokens("Солдаты служили на Украине."),
                              tokens("Солдаты служили в Украине.")) == (["на Украине"], ["в Украине"])


def test_distancing_particles_count_as_wording():
    a = tokens("Дроны якобы атаковали завод.")
    b = tokens("Дроны атаковали завод.")
    assert phrase_differences(a, b) == (["якобы"], [])


def test_phrase_differences_in_english():
    a = tokens("Russia launched a full-scale invasion of Ukraine", "en")
    b = tokens("Russia began a special military operation in Ukraine", "en")
    # 'Ukraine' is shared, governed by different prepositions
    assert phrase_differences(a, b, "en") == (["launched a full-scale invasion", "of Ukraine"],
                                              ["began a special military operation", "in Ukraine"])


def test_differing_phrases_carry_offsets():
    text_a = "Утром армия начала наступление на город."
    text_b = "Утром армия отступила от города."
    only_a, only_b = differing_phrases(tokens(text_a), tokens(text_b))
    assert [p.text for p in only_a] == ["начала наступление", "на город"]
    assert [p.text for p in only_b] == ["отступила", "от города"]
    assert all(text_a[p.start:p.end] == p.text for p in only_a)
    assert all(text_b[p.start:p.end] == p.text for p in only_b)


def test_stopword_lists_load_with_prepositions():
    ru = load_stopwords("ru")
    assert ru["на"] is True and ru["и"] is False and "наш" not in ru and "якобы" not in ru
    en = load_stopwords("en")
    assert en["of"] is True and en["the"] is False
    assert set(ru) | set(en) == set(load_stopwords())
