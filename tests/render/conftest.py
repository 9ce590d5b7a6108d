"""A small hand-made story (three outlets, a local bridge project) with every comparison layer filled in.

Offsets are computed from the texts, so the fixture itself is correct by construction; the tests check that
the renderers keep them correct.
"""
from __future__ import annotations

import datetime as dt

import pytest

from parallax.model import (
    AnalyzedArticle,
    Article,
    Attribution,
    ClaimGroup,
    ClaimMember,
    Conflict,
    DateMention,
    Entity,
    EntityMentionRef,
    FramingDiff,
    FramingEntry,
    NumberMention,
    QuoteGroup,
    QuoteRendering,
    Sentence,
    StoryComparison,
)

TEXT_A = (
    "Городской совет Самары в четверг одобрил строительство нового моста через Волгу. "
    "Мэр Иван Петров заявил: «Мост откроют к 2027 году». "
    "По данным мэрии, стоимость проекта составит 12 млрд рублей.\n"
    "Оппозиция назвала проект «дорогостоящей авантюрой»."
)
TEXT_B = (
    "В четверг депутаты Самары утвердили проект нового моста через Волгу.\n\n"
    "«Мост откроют уже к 2027 году», — сказал глава города Иван Петров. "
    "Как сообщает ТАСС, проект обойдётся в 15 млрд рублей."
)
TEXT_C = (
    "Samara city council approved a new bridge over the Volga on Thursday. "
    "Construction will employ about 2,000 workers."
)


def span(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def sentences(text: str) -> list[Sentence]:
    """Naive split at '. ' / '.\\n' — enough for these fixed texts."""
    out, start, paragraph = [], 0, 0
    i = 0
    while i < len(text):
        if text[i] == "." and (i + 1 == len(text) or text[i + 1] in " \n"):
            out.append(Sentence(len(out), start, i + 1, text[start:i + 1], paragraph))
            j = i + 1
            while j < len(text) and text[j] in " \n":
                if text[j] == "\n":
                    paragraph += 1 if text[j - 1] != "\n" else 0
                j += 1
            start = i = j
            continue
        i += 1
    return out


def analyzed(article_id: str, outlet: str, text: str, **kw) -> AnalyzedArticle:
    language = kw.pop("language", "ru")
    art = Article(id=article_id, text=text, outlet=outlet, **kw)
    return AnalyzedArticle(article=art, language=language, language_confidence=0.98765,
                           sentences=sentences(text))


def member(a: AnalyzedArticle, sentence: int, similarity: float | None) -> ClaimMember:
    s = a.sentences[sentence]
    return ClaimMember(a.id, a.text[s.start:s.end], s.start, s.end, sentence, similarity)


def mention(a: AnalyzedArticle, needle: str, kind: str = "name", occurrence: int = 1) -> EntityMentionRef:
    start, end = span(a.text, needle, occurrence)
    return EntityMentionRef(a.id, needle, start, end, kind)


def build_story() -> StoryComparison:
    a = analyzed("a1", "Вечерний город", TEXT_A, title="Самара построит мост через Волгу",
                 date=dt.date(2025, 5, 15), url="https://vecher.example/most", source="a1.txt")
    b = analyzed("b2", "Городские вести", TEXT_B, date=dt.date(2025, 5, 16), source="b2.txt", encoding="cp1251")
    c = analyzed("c3", "Local Herald", TEXT_C, language="en", source="c3.txt")

    s, e = span(TEXT_A, "в четверг")
    a.dates.append(DateMention(s, e, "в четверг", dt.date(2025, 5, 15), "weekday", True, 0))
    s, e = span(TEXT_A, "2027 году")
    a.dates.append(DateMention(s, e, "2027 году", dt.date(2027, 1, 1), "year", False, 1))
    s, e = span(TEXT_A, "12 млрд рублей")
    a.numbers.append(NumberMention(s, e, "12 млрд рублей", 12e9, False, "рубль", 2))
    s, e = span(TEXT_B, "15 млрд рублей")
    b.numbers.append(NumberMention(s, e, "15 млрд рублей", 15e9, False, "рубль", 2))
    s, e = span(TEXT_C, "about 2,000")
    c.numbers.append(NumberMention(s, e, "about 2,000", 2000.0, True, "worker", 1, "about"))

    entities = [
        Entity("e1", "Иван Петров", "PER", [mention(a, "Иван Петров"), mention(b, "глава города", "role"),
                                             mention(b, "Иван Петров")], aliases=["глава города", "мэр"]),
        Entity("e2", "Самара", "LOC", [mention(c, "Samara"), mention(a, "Самары"), mention(b, "Самары")],
               aliases=["Samara"]),
        Entity("e3", "Волга", "LOC", [mention(a, "Волгу"), mention(b, "Волгу"), mention(c, "Volga")]),
        Entity("e4", "ТАСС", "ORG", [mention(b, "ТАСС")]),
    ]

    cost_a, cost_b = span(TEXT_A, "12 млрд рублей"), span(TEXT_B, "15 млрд рублей")
    claims = [
        ClaimGroup("c1", "consensus", [member(a, 0, 1.0), member(b, 0, 0.91234), member(c, 0, 0.8766)],
                   framing=FramingDiff({"b2": ["депутаты", "утвердили проект"],
                                        "a1": ["Городской совет", "одобрил строительство"]})),
        ClaimGroup("c2", "partial", [member(a, 1, 1.0), member(b, 1, 0.7777777)]),
        ClaimGroup("c3", "conflict", [member(a, 2, 1.0), member(b, 2, 0.6)], conflicts=[
            Conflict("number", {"b2": "15 млрд рублей", "a1": "12 млрд рублей"},
                     "the cost of the project differs", {"a1": list(cost_a), "b2": list(cost_b)}),
        ]),
        ClaimGroup("c4", "unique", [member(a, 3, None)]),
        ClaimGroup("c5", "unique", [member(c, 1, None)]),
    ]

    qa, qb = span(TEXT_A, "Мост откроют к 2027 году"), span(TEXT_B, "Мост откроют уже к 2027 году")
    qo = span(TEXT_A, "дорогостоящей авантюрой")
    quotes = [
        QuoteGroup("q1", "e1", "Иван Петров", "reworded", [
            QuoteRendering("a1", TEXT_A[qa[0]:qa[1]], *qa, "direct", "verbatim", 1.0,
                           [{"op": "equal", "text": TEXT_A[qa[0]:qa[1]]}], "Мэр Иван Петров"),
            QuoteRendering("b2", TEXT_B[qb[0]:qb[1]], *qb, "direct", "reworded", 0.83333,
                           [{"op": "equal", "text": "Мост откроют "}, {"op": "insert", "text": "уже "},
                            {"op": "equal", "text": "к 2027 году"}], "глава города Иван Петров"),
        ]),
        QuoteGroup("q2", None, "Оппозиция", "single", [
            QuoteRendering("a1", TEXT_A[qo[0]:qo[1]], *qo, "direct", "single", 1.0, [], "Оппозиция"),
        ]),
    ]

    framing = [
        FramingEntry("evaluation", "the bridge project", {
            "a1": [{"term": "авантюра", "label": "loaded", "start": qo[0] + 14, "end": qo[1]}],
            "b2": [{"term": "проект", "label": None, **dict(zip(("start", "end"), span(TEXT_B, "проект")))}],
        }, note="only one outlet quotes a judgement"),
        FramingEntry("actors", "city council", {
            "a1": [{"term": "Городской совет", "label": "neutral", "start": 0, "end": 15}],
            "b2": [{"term": "депутаты", "label": "neutral",
                    **dict(zip(("start", "end"), span(TEXT_B, "депутаты")))}],
            "c3": [{"term": "city council", "label": "neutral",
                    **dict(zip(("start", "end"), span(TEXT_C, "city council")))}],
        }),
    ]

    att_a, src_a = span(TEXT_A, "По данным мэрии"), span(TEXT_A, "мэрии")
    att_b, src_b = span(TEXT_B, "Как сообщает ТАСС"), span(TEXT_B, "ТАСС")
    attributions = [
        Attribution(*att_b, TEXT_B[att_b[0]:att_b[1]], "ТАСС", "сообщать", 2, *src_b, "agency", "e4", "b2"),
        Attribution(*att_a, TEXT_A[att_a[0]:att_a[1]], "мэрия", "по данным", 2, *src_a, "official", None, "a1"),
    ]
    return StoryComparison("story-1", [a, b, c], entities, claims, quotes, framing, attributions,
                           errors=[{"file": "broken.txt", "error": "empty file"}])


@pytest.fixture
def make_story():
    """The builder itself, for tests that need fresh copies or want to alter the story first."""
    return build_story


@pytest.fixture
def story() -> StoryComparison:
    return build_story()


@pytest.fixture
def document(story):
    from parallax.render.jsonout import document_to_dict

    return document_to_dict([story], [{"file": "missing.txt", "error": "no such file", "line": 3}])
