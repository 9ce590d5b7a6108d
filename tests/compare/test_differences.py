"""Key differences: which points come first, and what they say."""
from __future__ import annotations

import pytest

from parallax.compare.differences import key_differences
from parallax.model import (
    AnalyzedArticle,
    Article,
    ClaimGroup,
    ClaimMember,
    Conflict,
    FramingEntry,
    NumberMention,
    QuoteGroup,
    QuoteRendering,
    StoryComparison,
)

TEXT = "Взрыв на заводе: погибли 5 человек, сообщили спасатели. Завод закрыт на неделю. Директор уволен."


def doc(article_id: str, outlet: str, numbers=()) -> AnalyzedArticle:
    return AnalyzedArticle(article=Article(id=article_id, text=TEXT, outlet=outlet), numbers=list(numbers))


def claim(group_id: str, status: str, *members: tuple[str, str, int, int], conflicts=()) -> ClaimGroup:
    return ClaimGroup(id=group_id, status=status, conflicts=list(conflicts),
                      members=[ClaimMember(article=a, text=TEXT[s:e], start=s, end=e, sentence=0, outlet=o)
                               for a, o, s, e in members])


def term(label: str, voice: str = "own") -> dict:
    return {"term": label + "-word", "label": label, "start": 0, "end": 5, "voice": voice, "speaker": None}


def story(claims=(), quotes=(), framing=(), outlets=("A", "B")) -> StoryComparison:
    casualties = NumberMention(start=24, end=25, text="5", value=5, approximate=False, unit="человек")
    docs = [doc(f"a{k}", o, [casualties]) for k, o in enumerate(outlets)]
    return StoryComparison(id="s", articles=docs, entities=[], claims=list(claims), quotes=list(quotes),
                           framing=list(framing), attributions=[])


def test_one_outlet_has_no_differences():
    assert key_differences(story(claims=[claim("c1", "unique", ("a0", "A", 0, 54))], outlets=("A",))) == []


def test_a_fact_only_one_outlet_reports_names_the_outlet_and_links_the_claim():
    points = key_differences(story(claims=[claim("c1", "unique", ("a0", "A", 0, 54))]))
    assert [(p.kind, p.claims, p.outlets) for p in points] == [("only_some", ["c1"], ["A"])]
    assert points[0].text.startswith("Only A reports: «Взрыв на заводе")


def test_casualty_figures_outweigh_a_plain_fact():
    points = key_differences(story(claims=[claim("c1", "unique", ("a0", "A", 55, 80)),       # Завод закрыт …
                                           claim("c2", "unique", ("a1", "B", 0, 54))]))      # … погибли 5 человек
    assert [p.claims[0] for p in points] == ["c2", "c1"]


def test_a_conflict_outweighs_an_omission_and_names_both_values():
    disagree = Conflict(kind="number", values={"a0": "5 человек", "a1": "7 человек"}, description="человек: 5 vs 7")
    points = key_differences(story(claims=[
        claim("c1", "unique", ("a0", "A", 0, 54)),
        claim("c2", "conflict", ("a0", "A", 0, 54), ("a1", "B", 0, 54), conflicts=[disagree])]))
    assert points[0].kind == "conflict" and "A: 5 человек" in points[0].text and "B: 7 человек" in points[0].text


@pytest.mark.parametrize("labels_a,labels_b,expected", [
    (["war-explicit"], ["special-operation"], "named differently"),       # a contrast of labels
    (["war-explicit"], [], "B does not name it"),                           # one side silent
    (["war-explicit"], ["war-explicit"], None),                            # the same label: nothing to say
])
def test_contested_terms(labels_a, labels_b, expected):
    entry = FramingEntry(category="war", concept="the war",
                         terms={"a0": [term(x) for x in labels_a], "a1": [term(x) for x in labels_b]})
    points = [p for p in key_differences(story(framing=[entry])) if p.kind == "term"]
    assert (points[0].text if points else None) == expected or expected in points[0].text


def test_a_quoted_term_is_not_the_outlets_label():
    entry = FramingEntry(category="war", concept="the war",
                         terms={"a0": [term("war-explicit")], "a1": [term("special-operation", voice="quoted")]})
    points = [p for p in key_differences(story(framing=[entry])) if p.kind == "term"]
    assert len(points) == 1 and "B does not name it" in points[0].text


def test_neutral_naming_against_silence_is_weak():
    entry = FramingEntry(category="army", concept="Ukrainian armed forces", terms={"a0": [term("neutral")], "a1": []})
    points = [p for p in key_differences(story(framing=[entry])) if p.kind == "term"]
    assert points and points[0].weight < 1.5


def test_at_most_two_points_of_a_kind_crowd_out_facts():
    entries = [FramingEntry(category="c", concept=f"k{k}", terms={"a0": [term("x")], "a1": [term("y")]})
               for k in range(5)]
    quotes = [QuoteGroup(id=f"q{k}", speaker=None, speaker_name="X", relation="reworded", renderings=[
        QuoteRendering(article="a0", text="слова", start=0, end=5, kind="direct", relation="verbatim"),
        QuoteRendering(article="a1", text="другие слова", start=0, end=5, kind="direct", relation="reworded")])
        for k in range(4)]
    facts = [claim(f"c{k}", "unique", ("a0", "A", 0, 54)) for k in range(6)]
    points = key_differences(story(claims=facts, quotes=quotes, framing=entries))
    kinds = [p.kind for p in points]
    assert len(points) == 7 and kinds.count("term") == 2 and kinds.count("quote") == 2
    assert kinds.count("only_some") == 3


def test_a_conflict_among_many_outlets_names_each_outlet_once_and_counts_the_rest():
    from itertools import combinations

    from parallax.compare.differences import MAX_CONFLICT_OUTLETS, _conflict_values

    outlets = [f"O{k}" for k in range(6)]
    values = {f"a{k}": str(100 + k % 2) for k in range(6)}        # two camps: 100 and 101
    conflicts = [Conflict(kind="number", values={x: values[x], y: values[y]}, description="")
                 for x, y in combinations(values, 2) if values[x] != values[y]]
    group = claim("c1", "conflict", *[(f"a{k}", outlets[k], 0, 10) for k in range(6)], conflicts=conflicts)
    text = _conflict_values(group, {f"a{k}": outlets[k] for k in range(6)})
    assert text.startswith("number — ") and text.count("O") == MAX_CONFLICT_OUTLETS
    assert text.endswith(f"; {6 - MAX_CONFLICT_OUTLETS} more")
    assert [part.split(": ")[0] for part in text[len("number — "):].split("; ")[:2]] == ["O0", "O1"]
