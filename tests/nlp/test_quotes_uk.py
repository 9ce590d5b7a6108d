"""Ukrainian quotes, attribution and name normal forms (issue 14, item 2): the Ukrainian rule tables
(data/speech_verbs_uk.yaml, data/attribution_uk.yaml) chosen by the article's language.

The sentences are written for these tests in the style of Ukrainian news (the shared corpora may not be
copied into the project)."""
import pytest

from parallax.model import Article
from parallax.nlp import attribution, ner_uk, speech
from parallax.nlp.pipeline import Analyzer
from parallax.resources import load_yaml


def _analyze(text: str):
    doc = Analyzer().analyze(Article(id="uk", text=text, outlet="test"))
    assert doc.language == "uk"
    return doc


def _quotes(text: str) -> set[tuple[str, str, str | None, str | None]]:
    return {(q.kind, q.text, q.speaker_text, q.cue) for q in _analyze(text).quotes}


# one line per pattern: text, (kind, quoted words, speaker, cue lemma)
@pytest.mark.parametrize("text, quote", [
    ("«Ми не віддамо жодного сантиметра нашої землі», — заявив Володимир Зеленський.",
     ("direct", "Ми не віддамо жодного сантиметра нашої землі", "Володимир Зеленський", "заявити")),
    ("Президент Володимир Зеленський заявив: «Україна готова до переговорів».",
     ("direct", "Україна готова до переговорів", "Володимир Зеленський", "заявити")),
    ("«Ситуація на фронті складна», — сказала вона журналістам.",
     ("direct", "Ситуація на фронті складна", "вона", "сказати")),
    ("«Ціни на газ не зростуть до кінця опалювального сезону», — наголосив прем'єр-міністр Денис Шмигаль.",
     ("direct", "Ціни на газ не зростуть до кінця опалювального сезону", "Денис Шмигаль", "наголосити")),
    ("Юлія Тимошенко наголосила, що уряд має негайно знизити тарифи для населення.",
     ("indirect", "уряд має негайно знизити тарифи для населення", "Юлія Тимошенко", "наголосити")),
    ("Міністр охорони здоров'я Віктор Ляшко повідомив, що вакцинація триватиме до кінця року.",
     ("indirect", "вакцинація триватиме до кінця року", "Віктор Ляшко", "повідомити")),
])
def test_ukrainian_quote_patterns(text, quote):
    assert quote in _quotes(text)


def test_a_ukrainian_verb_form_is_no_cue_under_the_russian_rules():
    # 'заявив' is not a Russian word form: the rules of the article's language decide
    assert "заявити" not in speech.verb_lemmas("заявив")          # default rules: Russian
    with speech.rules_for("uk"):
        assert "заявити" in speech.verb_lemmas("заявив")
        assert speech.speech_lexicon().pronouns["вона"] == "femn"
    assert speech.rules_language() == "ru"


# one line per cue: text, (cue, source, kind)
@pytest.mark.parametrize("text, found", [
    ("За даними Генштабу ЗСУ, ворог втратив за добу 500 військових.", ("за даними", "Генштаб ЗСУ", "official")),
    ("Як повідомляє Укрінформ, засідання відбудеться у четвер.", ("як повідомляє", "Укрінформ", "agency")),
    ("За словами Юлії Тимошенко, тарифи треба знизити вже цієї зими.", ("за словами", "Юлія Тимошенко", None)),
    ("Експерти вважають, що ціни на пальне зростуть.", ("вважають", "Експерти", "anonymous")),
    ("У Кремлі заявили, що не планують переговорів.", ("заявили", "Кремль", "official")),
    ("За інформацією штабу Операції об'єднаних сил, бойовики 12 разів порушили режим тиші.",
     ("за інформацією", "штаб Операції об'єднаних сил", "official")),
    ("Видання пише про це з посиланням на джерела в Офісі президента.",
     ("з посиланням на", "джерело в Офісі президента", "anonymous")),
])
def test_ukrainian_attribution_cues(text, found):
    assert found in {(a.cue, a.source, a.kind) for a in _analyze(text).attributions}


def test_russian_articles_keep_the_russian_tables():
    table = attribution.attribution_table()
    assert table.prefix_re.match("по данным") and not table.prefix_re.match("за даними")
    assert attribution.ukrainian_attribution_table().prefix_re.match("за попередніми даними")
    doc = Analyzer().analyze(Article(id="ru", text="«Мы готовы», — заявил Дмитрий Песков.", outlet="test"))
    assert doc.language == "ru" and [(q.speaker_text, q.cue) for q in doc.quotes] == [("Дмитрий Песков", "заявить")]


def test_ukrainian_tables_are_well_formed():
    verbs = load_yaml("nlp/data/speech_verbs_uk.yaml")
    assert not set(verbs["speech"]) & set(verbs["opinion"])
    # every speech verb is a lemma of the Ukrainian dictionaries (so its word forms can reach it)
    unknown = [v for v in verbs["speech"] + verbs["opinion"]
               if not any(p.normal_form == v for p in ner_uk.uk_morph().parse(v))]
    assert unknown == []
    cues = load_yaml("nlp/data/attribution_uk.yaml")["prefix"]
    assert all(c["case"] in ("nomn", "gent", "datv", "accs", "loct") for c in cues)


# one line per name: mention as written, normal form
@pytest.mark.parametrize("mention, normal", [
    ("Юлії Тимошенко", "Юлія Тимошенко"),        # not the masculine 'Юлій'
    ("Юлію Тимошенко", "Юлія Тимошенко"),
    ("Юлія Тимошенко", "Юлія Тимошенко"),
    ("Володимира Зеленського", "Володимир Зеленський"),
    ("Петра Порошенка", "Петро Порошенко"),
    ("Марії Захарової", "Марія Захарова"),
    ("Андрієві Садовому", "Андрій Садовий"),
])
def test_person_normal_forms_agree_in_gender(mention, normal):
    assert ner_uk.normalize_mention(mention, "PER") == normal


def test_a_speaker_in_an_oblique_case_gets_its_nominative():
    doc = _analyze("За словами Юлії Тимошенко, тарифи треба знизити.")
    assert [(m.text, m.normal) for m in doc.mentions if m.type == "PER"] == [("Юлії Тимошенко", "Юлія Тимошенко")]
