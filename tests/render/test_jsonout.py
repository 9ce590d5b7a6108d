import copy
import datetime as dt
import json

import pytest
from jsonschema import Draft202012Validator

from parallax.model import StoryComparison
from parallax.render.jsonout import (
    DocumentError,
    article_labels,
    check_offsets,
    comparison_to_dict,
    document_to_dict,
    document_to_json,
    load_schema,
    shorten,
    validate_document,
)


def test_schema_is_valid_draft_2020_12():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_built_document_validates_and_offsets_match(document):
    validate_document(document)
    assert check_offsets(document) == []
    assert document["version"] == 1
    assert document["generator"].startswith("parallax ")
    assert "created" not in document


def test_output_is_deterministic_and_round_trips(make_story):
    first = document_to_json(document_to_dict([make_story()], []))
    second = document_to_json(document_to_dict([make_story()], []))
    assert first == second
    assert json.loads(first) == document_to_dict([make_story()], [])
    assert "\\u04" not in first          # Cyrillic written as is


def test_story_fields(document):
    story = document["stories"][0]
    assert story["id"] == "story-1"
    assert story["title"] == "Самара построит мост через Волгу"
    assert story["date"] == "2025-05-15"      # earliest article date
    assert [a["id"] for a in story["articles"]] == ["a1", "b2", "c3"]
    b2 = story["articles"][1]
    assert b2["date"] == "2025-05-16" and b2["title"] is None and b2["encoding"] == "cp1251"
    assert story["articles"][2]["date"] is None


def test_floats_are_rounded_and_whole_numbers_are_ints(document):
    story = document["stories"][0]
    sims = [m["similarity"] for c in story["claims"] for m in c["members"]]
    assert sims[:5] == [1.0, 0.912, 0.877, 1.0, 0.778]
    assert sims[-1] is None
    assert story["quotes"][0]["renderings"][1]["similarity"] == 0.833
    assert story["articles"][0]["language_confidence"] == 0.988
    numbers = story["articles"][0]["numbers"]
    assert numbers[0]["value"] == 12000000000 and isinstance(numbers[0]["value"], int)


def test_dates_are_iso(document):
    dates = document["stories"][0]["articles"][0]["dates"]
    assert [(d["text"], d["value"], d["granularity"], d["relative"]) for d in dates] == [
        ("в четверг", "2025-05-15", "weekday", True),
        ("2027 году", "2027-01-01", "year", False),
    ]


def test_keyed_by_article_follows_article_order(document):
    story = document["stories"][0]
    conflict = story["claims"][2]["conflicts"][0]
    assert list(conflict["values"]) == ["a1", "b2"]       # given as b2, a1
    assert conflict["spans"]["a1"] == [177, 191]
    assert list(story["claims"][0]["framing"]["terms"]) == ["a1", "b2"]
    assert [a["article"] for a in story["attributions"]] == ["a1", "b2"]
    samara = story["entities"][1]["mentions"]
    assert [m["article"] for m in samara] == ["a1", "b2", "c3"]


def test_errors_are_pooled_without_duplicates(make_story):
    story = make_story()
    doc = document_to_dict([story], [{"file": "broken.txt", "error": "empty file"},
                                     {"file": "x.txt", "error": "bad date", "line": "7"}])
    assert doc["errors"] == [{"file": "broken.txt", "error": "empty file"},
                             {"file": "x.txt", "error": "bad date", "line": 7}]
    validate_document(doc)


def test_created_is_optional_and_iso():
    doc = document_to_dict([], [], created=dt.datetime(2025, 9, 3, 12, 30, 5, 999))
    assert doc["created"] == "2025-09-03T12:30:05"
    assert doc["stories"] == [] and doc["errors"] == []
    validate_document(doc)


def test_title_falls_back_to_first_sentence_shortened(make_story):
    story = make_story()
    for analyzed in story.articles:
        analyzed.article.title = None
    long = "Очень " * 40 + "длинное предложение."
    story.articles[0].article.text = long
    story.articles[0].sentences[0].start, story.articles[0].sentences[0].end = 0, len(long)
    title = comparison_to_dict(story)["title"]
    assert title.endswith("…") and len(title) <= 120
    assert title.startswith("Очень Очень")


def test_empty_story_gets_a_title():
    assert comparison_to_dict(StoryComparison("s9", [], [], [], [], [], []))["title"] == "s9"


def test_shorten():
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("alpha beta gamma delta", 12) == "alpha beta…"


def test_article_labels_disambiguate_same_outlet(document):
    story = copy.deepcopy(document["stories"][0])
    story["articles"][1]["outlet"] = story["articles"][0]["outlet"]
    labels = article_labels(story)
    assert labels["a1"] == "Вечерний город (a1)"
    assert labels["b2"] == "Вечерний город (b2)"
    assert labels["c3"] == "Local Herald"


@pytest.mark.parametrize("breakage, expected", [
    (lambda s: s["claims"][0].__setitem__("status", "agreed"), "status"),
    (lambda s: s["claims"][0]["members"][0].pop("start"), "start"),
    (lambda s: s["entities"][0]["mentions"][0].__setitem__("start", -1), "start"),
    (lambda s: s["quotes"][0].__setitem__("relation", "paraphrase"), "relation"),
    (lambda s: s["quotes"][0]["renderings"][1]["diff"][1].__setitem__("op", "replace"), "op"),
    (lambda s: s["articles"][0].__setitem__("date", "03.09.2025"), "date"),
    (lambda s: s["articles"][0]["sentences"][0].__setitem__("end", 1.5), "end"),
    (lambda s: s["claims"][2]["conflicts"][0]["spans"].__setitem__("a1", [3]), "spans"),
    (lambda s: s["claims"][0].__setitem__("score", 1), "score"),
    (lambda s: s["attributions"][0].pop("article"), "article"),
])
def test_broken_documents_fail_with_a_clear_message(document, breakage, expected):
    broken = copy.deepcopy(document)
    breakage(broken["stories"][0])
    with pytest.raises(DocumentError) as info:
        validate_document(broken)
    message = str(info.value)
    assert "$.stories[0]" in message and expected in message
    assert info.value.problems


def test_missing_top_level_field_fails(document):
    broken = dict(document)
    del broken["errors"]
    with pytest.raises(DocumentError, match="errors"):
        validate_document(broken)


def test_check_offsets_finds_mismatches(document):
    doc = copy.deepcopy(document)
    story = doc["stories"][0]
    story["claims"][0]["members"][1]["start"] += 1                 # text no longer matches
    story["entities"][0]["mentions"][0]["end"] = 10_000            # past the end
    story["quotes"][0]["renderings"][0]["article"] = "zz"           # unknown article
    story["claims"][2]["conflicts"][0]["spans"]["b2"] = [20, 10]   # reversed
    story["attributions"][1]["text"] = "Как сообщает РИА"
    problems = check_offsets(doc)
    assert len(problems) == 5
    joined = "\n".join(problems)
    assert "claims[0].members[1] (article b2): text" in joined
    assert "entities[0].mentions[0] (article a1): bad offsets" in joined
    assert "quotes[0].renderings[0]: unknown article 'zz'" in joined
    assert "conflicts[0].spans.b2 (article b2): bad offsets [20, 10]" in joined
    assert "attributions[1] (article b2): text 'Как сообщает РИА'" in joined


def test_check_offsets_covers_sentences_and_number_layers(document):
    doc = copy.deepcopy(document)
    doc["stories"][0]["articles"][0]["numbers"][0]["text"] = "13 млрд рублей"
    doc["stories"][0]["articles"][2]["sentences"][1]["end"] = 999
    assert len(check_offsets(doc)) == 2
