"""English quotes, speakers, attributions, dates and numbers, through the Analyzer (real English NER), and
the English rule tables (data/speech_verbs_en.yaml, data/attribution_en.yaml), one line per case."""
import datetime as dt

import pytest

from parallax.model import Article
from parallax.nlp import attribution_en, dates, numbers
from parallax.nlp.pipeline import Analyzer
from parallax.nlp.speech import rules_for, speech_lexicon
from parallax.resources import load_yaml

FRIDAY = dt.date(2019, 11, 8)


@pytest.fixture(scope="module")
def analyze():
    analyzer = Analyzer()

    def run(text: str):
        doc = analyzer.analyze(Article(id="en", outlet="o", text=text, date=FRIDAY))
        assert doc.language == "en", text
        return doc
    return run


def _speaker(doc, q):
    return doc.mentions[q.speaker_mention].text if q.speaker_mention is not None else q.speaker_text


# ---- the tables -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("form, lemma", [
    ("said", "say"), ("says", "say"), ("told", "tell"), ("added", "add"), ("tweeted", "tweet"),
    ("denied", "deny"), ("emphasised", "emphasize"), ("believes", "believe"),
])
def test_speech_verb_forms(form, lemma):
    with rules_for("en"):
        assert speech_lexicon().english[form] == lemma


def test_speech_table_is_consistent():
    data = load_yaml("nlp/data/speech_verbs_en.yaml")
    assert set(data["english_opinion"]) <= set(data["english"])
    assert data["complementizers"] == ["that"]
    assert set(data["pronouns"].values()) <= {"masc", "femn", "plur"}
    forms = [f for fs in data["english"].values() for f in fs]
    assert len(forms) == len(set(forms))            # a form belongs to one verb
    assert all(isinstance(w, str) for w in data["abbreviations"] + data["clause_joiners"])   # YAML 'No


@pytest.mark.parametrize("source, kind", [
    ("Reuters", "agency"), ("the Associated Press", "agency"), ("AP", "agency"), ("ap", None),
    ("CIA", "intelligence"), ("Ukrainian intelligence", "intelligence"),
    ("sources", "anonymous"), ("people familiar with the matter", "anonymous"),
    ("officials", "official"), ("Kremlin", "official"), ("a ministry spokesman", "official"),
    ("New York Times", "media"), ("the newspaper", "media"),
    ("Twitter", "social"), ("X", "social"),
    ("Gazprom", None), ("the weather", None),
])
def test_source_kinds(source, kind):
    assert attribution_en.classify(source) == kind


def test_attribution_table_kinds_are_known():
    data = load_yaml("nlp/data/attribution_en.yaml")
    assert set(data["kinds"]) <= set(attribution_en.KINDS)
    assert all(isinstance(w, str) for key in ("prefix", "report_verbs", "stop_words", "determiners")
               for w in data[key])                  # YAML 1.1 reads a bare 'on' / 'or' as a boolean


# ---- quotes and speakers --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, quote, speaker, kind", [
    ('“We are ready to talk,” Vladimir Putin said on Tuesday.', "We are ready to talk", "Vladimir Putin", "direct"),
    ('"The United States must stop," Putin told reporters in Moscow.', "The United States must stop", "Putin",
     "direct"),
    ('"We will not give up," Zelensky told Reuters.', "We will not give up", "Zelensky", "direct"),
    ('"It is over," said Angela Merkel.', "It is over", "Angela Merkel", "direct"),
    ('Emmanuel Macron said: "Europe must act."', "Europe must act.", "Emmanuel Macron", "direct"),
    ("Dmitry Peskov told reporters that the Kremlin would respond.", "the Kremlin would respond",
     "Dmitry Peskov", "indirect"),
    ("Boris Johnson said that the deal was done.", "the deal was done", "Boris Johnson", "indirect"),
    ("Reuters reported that the talks had failed.", "the talks had failed", "Reuters", "indirect"),
    ('"We have no plans," a Pentagon spokesman told AFP.', "We have no plans", "Pentagon", "direct"),
    ('“It was clear,” Lt. Col. Alexander Vindman said, referring to Gordon Sondland.', "It was clear",
     "Alexander Vindman", "direct"),                                   # abbreviations do not end the clause
    ('"We are ready," Russian Foreign Minister Sergei Lavrov told reporters.', "We are ready", "Sergei Lavrov",
     "direct"),
])
def test_quote_patterns(analyze, text, quote, speaker, kind):
    doc = analyze(text)
    assert [(q.text, _speaker(doc, q), q.kind) for q in doc.quotes] == [(quote, speaker, kind)]


def test_a_pronoun_speaker_resolves_to_the_person_before_it(analyze):
    doc = analyze("Angela Merkel met Emmanuel Macron in Paris. “It is over,” she said.")
    (q,) = doc.quotes
    assert q.speaker_text == "she" and doc.mentions[q.speaker_mention].text == "Angela Merkel"


def test_a_scare_quote_is_not_a_quote(analyze):
    assert analyze('The so-called "peace plan" was published on Monday.').quotes == []


# ---- attributions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("The meeting took place in Paris, according to the French Foreign Ministry.",
     [("according to", "French Foreign Ministry", "official")]),
    ("According to Reuters, the talks failed.", [("according to", "Reuters", "agency")]),
    ("Fifteen people were killed, officials said.", [("said", "officials", "official")]),
    ("The talks failed, citing unnamed sources.", [("citing", "unnamed sources", "anonymous")]),
    ('"We will not give up," Zelensky told Reuters.', [("told", "Reuters", "agency")]),
    ("Peskov told reporters the Kremlin was ready.", []),                # reporters: whom he spoke to
    ("Boris Johnson said the deal was done.", []),                       # a person speaking is a quote
    ("Ukraine's foreign minister Dmytro Kuleba told Reuters that troops had gathered.",
     [("told", "Reuters", "agency")]),
    ('He said "according to plan" twice.', []),                          # inside quotation marks
])
def test_attribution_patterns(analyze, text, expected):
    doc = analyze(text)
    assert [(a.cue, a.source, a.kind) for a in doc.attributions] == expected
    for a in doc.attributions:
        assert doc.text[a.start:a.end] == a.text and a.source_start is not None


# ---- dates and numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found, value, granularity", [
    ("The talks began on Tuesday.", "Tuesday", "2019-11-05", "weekday"),
    ("It happened on Nov. 8.", "Nov. 8", "2019-11-08", "day"),
    ("It was signed on 8 November 2019.", "8 November 2019", "2019-11-08", "day"),
    ("It was signed on November 8, 2019.", "November 8, 2019", "2019-11-08", "day"),
    ("He arrived yesterday.", "yesterday", "2019-11-07", "relative_day"),
    ("The vote was held in April.", "April", "2019-04-01", "month"),
    ("They met last week.", "last week", "2019-10-28", "week"),
    ("It ended on Oct. 30.", "Oct. 30", "2019-10-30", "day"),
    ("It has grown since May 2018.", "May 2018", "2018-05-01", "month"),
])
def test_english_dates(text, found, value, granularity):
    (d,) = dates.extract_dates(text, FRIDAY, "en")
    assert (d.text, str(d.value), d.granularity) == (found, value, granularity)


def test_may_the_verb_is_not_a_date():
    assert dates.extract_dates("Talks may resume soon.", FRIDAY, "en") == []


@pytest.mark.parametrize("text, value, approximate, unit, qualifier", [
    ("about 15,000 troops gathered", 15000, True, "troops", "about"),
    ("more than 200 people died", 200, True, "person", "more_than"),
    ("two million people voted", 2_000_000, False, "person", None),
    ("3.5 million barrels a day", 3_500_000, False, "barrel", None),
    ("nearly 1,000 job cuts", 1000, True, "cut", "about"),
    ("five deaths were reported", 5, False, "death", None),
    ("a 17.38% stake", 17.38, False, "percent", None),
])
def test_english_numbers(text, value, approximate, unit, qualifier):
    found = numbers.extract_numbers(text, "en", dates=dates.extract_dates(text, FRIDAY, "en"))
    assert [(n.value, bool(n.approximate), n.unit, n.qualifier) for n in found] == [
        (value, approximate, unit, qualifier)]


def test_an_english_article_has_every_layer(analyze):
    doc = analyze("MOSCOW (Reuters) - Russian President Vladimir Putin said on Tuesday that about 15,000 "
                  "troops had left, according to the Kremlin.\n“We are ready,” he said.")
    assert {m.text for m in doc.mentions} >= {"MOSCOW", "Reuters", "Vladimir Putin", "Kremlin"}
    assert [d.text for d in doc.dates] == ["Tuesday"]
    assert [n.value for n in doc.numbers] == [15000]
    assert [(q.kind, _speaker(doc, q)) for q in doc.quotes] == [("indirect", "Vladimir Putin"),
                                                                 ("direct", "Vladimir Putin")]
    assert [(a.cue, a.source) for a in doc.attributions] == [("according to", "Kremlin")]
