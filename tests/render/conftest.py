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
    ClaimOccurrence,
    Conflict,
    DateMention,
    Entity,
    EntityMentionRef,
    FramingDiff,
    FramingEntry,
    KeyDifference,
    NumberMention,
    QuoteGroup,
    QuoteRendering,
    Sentence,
    StoryComparison,
    StoryOutlet,
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


TEXT_A2 = "Мост через Волгу построят к 2027 году. Подрядчика выберут летом."
TEXT_A3 = "Совет Самары одобрил мост через Волгу. Работы начнутся осенью."


def build_multi_story() -> StoryComparison:
    """The bridge story as a v1.1 comparison of outlets: 'Вечерний город' adds two later posts, one of which
    repeats its first claim; three key differences point at a claim, a conflict and a quote."""
    story = build_story()
    a, b, c = story.articles
    a2 = analyzed("a1-2", "Вечерний город", TEXT_A2, title="Мост построят к 2027 году", date=dt.date(2025, 5, 15))
    a3 = analyzed("a1-3", "Вечерний город", TEXT_A3, title="Работы начнутся осенью", date=dt.date(2025, 5, 16))
    story.articles = [a, b, c, a2, a3]
    story.outlets = [StoryOutlet("Вечерний город", ["a1", "a1-2", "a1-3"], "independent"),
                     StoryOutlet("Городские вести", ["b2"]), StoryOutlet("Local Herald", ["c3"])]
    outlet_of = {"a1": "Вечерний город", "a1-2": "Вечерний город", "a1-3": "Вечерний город",
                 "b2": "Городские вести", "c3": "Local Herald"}
    for group in story.claims:
        for m in group.members:
            m.outlet = outlet_of[m.article]
    s = a3.sentences[0]
    story.claims[0].members[0].repeats.append(
        ClaimOccurrence("a1-3", TEXT_A3[s.start:s.end], s.start, s.end, 0, "2025-05-16T09:00:00+00:00"))
    story.claims.append(ClaimGroup("c6", "unique", [member(a2, 1, None)]))
    story.claims[-1].members[0].outlet = "Вечерний город"
    story.key_differences = [
        KeyDifference("conflict", "Outlets disagree on the cost: 12 or 15 bn roubles", 4.0, claims=["c3"],
                      outlets=["Вечерний город", "Городские вести"]),
        KeyDifference("only_some", "Only Local Herald reports: «Construction will employ about 2,000 workers.»",
                      3.0, claims=["c5"], outlets=["Local Herald"]),
        KeyDifference("quote", "Иван Петров's words are rendered differently (reworded) by Городские вести", 2.0,
                      quotes=["q1"], outlets=["Вечерний город", "Городские вести"]),
        KeyDifference("term", "the bridge project, named differently", 1.0,
                      outlets=["Вечерний город", "Городские вести"]),
    ]
    return story


@pytest.fixture
def multi_document():
    from parallax.render.jsonout import document_to_dict

    return document_to_dict([build_multi_story()], [])


def build_big_story() -> StoryComparison:
    """Nine Telegram-like posts of three outlets (5 + 3 + 1): the first post of each states the news, the later
    ones repeat it; 'Канал А' adds six facts of its own; one quote is rendered by two outlets."""
    def post(outlet: str, n: int, text: str) -> AnalyzedArticle:
        return analyzed(f"{outlet[-1]}{n}", outlet, text, title=text.split(".")[0], date=dt.date(2024, 12, 3))

    lead = "Президент объявил военное положение."
    facts = [f"Канал сообщил подробность номер {k}." for k in range(1, 7)]
    a = [post("Канал А", 1, f"{lead} Парламент собрался ночью. {' '.join(facts)} Он сказал: «Мы справимся»."),
         *[post("Канал А", n, f"{lead} Обновление {n}.") for n in range(2, 6)]]
    b = [post("Канал Б", 1, f"{lead} Парламент собрался ночью. Он сказал: «Мы обязательно справимся»."),
         *[post("Канал Б", n, f"{lead} Новость {n}.") for n in range(2, 4)]]
    c = [post("Канал В", 1, f"{lead} Подробности позже.")]
    story = StoryComparison("big", a + b + c, [], [], [], [], [])
    story.outlets = [StoryOutlet("Канал А", [d.id for d in a]), StoryOutlet("Канал Б", [d.id for d in b]),
                     StoryOutlet("Канал В", [d.id for d in c])]

    def with_repeats(first: AnalyzedArticle, later: list[AnalyzedArticle]) -> ClaimMember:
        m = member(first, 0, None)
        m.outlet = first.article.outlet
        s = later[0].sentences[0] if later else None
        m.repeats = [ClaimOccurrence(d.id, d.text[s.start:s.end], s.start, s.end, 0) for d in later]
        return m

    story.claims = [ClaimGroup("c1", "consensus", [with_repeats(a[0], a[1:]), with_repeats(b[0], b[1:]),
                                                   with_repeats(c[0], [])]),
                    ClaimGroup("c2", "partial", [member(a[0], 1, 1.0), member(b[0], 1, 0.9)])]
    story.claims += [ClaimGroup(f"c{k + 2}", "unique", [member(a[0], k + 1, None)]) for k in range(1, 7)]
    qa, qb = span(a[0].text, "Мы справимся"), span(b[0].text, "Мы обязательно справимся")
    story.quotes = [QuoteGroup("q1", None, "Президент", "trimmed", [
        QuoteRendering(a[0].id, a[0].text[qa[0]:qa[1]], *qa, "direct", "trimmed", 0.8, [], None),
        QuoteRendering(b[0].id, b[0].text[qb[0]:qb[1]], *qb, "direct", "verbatim", 1.0, [], None)])]
    story.key_differences = [
        KeyDifference("only_some", f"Only Канал А reports: «{facts[5]}»", 3.0, claims=["c8"], outlets=["Канал А"]),
        KeyDifference("quote", "Президент's words are rendered differently (trimmed) by Канал А", 2.0,
                      quotes=["q1"], outlets=["Канал А", "Канал Б"]),
    ]
    return story


@pytest.fixture
def big_document():
    from parallax.render.jsonout import document_to_dict

    return document_to_dict([build_big_story()], [])
