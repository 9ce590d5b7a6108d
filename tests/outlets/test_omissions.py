import datetime as dt

import pytest
from profile_docs import make_doc

from parallax.model import (
    ClaimGroup,
    ClaimMember,
    DateMention,
    NumberMention,
    Quote,
    StoryComparison,
)
from parallax.nlp.attribution import extract_attributions
from parallax.outlets.omissions import (
    OMISSION_KINDS,
    cache_path,
    corpus_omissions,
    fact_kind,
    majority_facts,
    member_kinds,
    omission_profiles,
    omission_rules,
    profiles_from_stories,
    story_omissions,
)


def _member(doc, sentence: str) -> ClaimMember:
    start = doc.text.index(sentence)
    return ClaimMember(article=doc.id, text=sentence, start=start, end=start + len(sentence), sentence=0)


def _number(doc, surface: str, value: float, unit: str) -> NumberMention:
    start = doc.text.index(surface)
    return NumberMention(start=start, end=start + len(surface), text=surface, value=value, approximate=False,
                         unit=unit)


def test_rule_file_defines_every_kind():
    rules = omission_rules()
    assert OMISSION_KINDS == ("casualties", "quotes", "sources", "numbers", "context", "other")
    assert set(rules.descriptions) == set(OMISSION_KINDS)
    assert "погибнуть" in rules.casualty_lemmas and "ранее" in rules.context_lemmas


def test_casualty_figure_needs_a_number_and_a_casualty_word():
    doc = make_doc("При обстреле погибли 12 человек. В городе 12 школ.")
    doc.numbers = [_number(doc, "12 человек", 12, "человек"), _number(doc, "12 школ", 12, "школа")]
    assert "casualties" in member_kinds(_member(doc, "При обстреле погибли 12 человек."), doc)
    kinds = member_kinds(_member(doc, "В городе 12 школ."), doc)
    assert "casualties" not in kinds and "numbers" in kinds


def test_quote_source_context_kinds():
    doc = make_doc("«Мы победим», — сказал он. По данным МЧС, пожар потушен. Ранее там уже горел склад.")
    q = doc.text.index("Мы победим")
    doc.quotes = [Quote(start=q, end=q + len("Мы победим"), text="Мы победим", kind="direct")]
    doc.attributions = extract_attributions(doc)
    assert "quotes" in member_kinds(_member(doc, "«Мы победим», — сказал он."), doc)
    assert "sources" in member_kinds(_member(doc, "По данным МЧС, пожар потушен."), doc)
    assert member_kinds(_member(doc, "Ранее там уже горел склад."), doc) == {"context", "other"}


def test_an_old_date_is_context():
    doc = make_doc("Склад горел в марте.", date="2024-12-01")
    s = doc.text.index("в марте")
    doc.dates = [DateMention(start=s, end=s + 7, text="в марте", value=dt.date(2024, 3, 1), granularity="month",
                             relative=False)]
    assert "context" in member_kinds(_member(doc, "Склад горел в марте."), doc)


def _story():
    a = make_doc("При обстреле погибли 12 человек. Мэр выразил соболезнования.", article_id="a", outlet="A")
    b = make_doc("При обстреле погибли 12 человек. Мэр выразил соболезнования.", article_id="b", outlet="B")
    c = make_doc("Мэр выразил соболезнования. Погода была ясной.", article_id="c", outlet="C")
    for d in (a, b):
        d.numbers = [_number(d, "12 человек", 12, "человек")]
    groups = [
        ClaimGroup(id="c1", status="partial", members=[_member(a, "При обстреле погибли 12 человек."),
                                                       _member(b, "При обстреле погибли 12 человек.")]),
        ClaimGroup(id="c2", status="consensus", members=[_member(x, "Мэр выразил соболезнования.")
                                                          for x in (a, b, c)]),
        ClaimGroup(id="c3", status="unique", members=[_member(c, "Погода была ясной.")]),
    ]
    return StoryComparison(id="s1", articles=[a, b, c], entities=[], claims=groups, quotes=[], framing=[],
                           attributions=[])


def test_majority_fact_missing_in_one_outlet_is_its_omission():
    story = _story()
    om = story_omissions(story)
    assert [(o.outlet, o.group, o.kind, o.reported_by) for o in om] == [("C", "c1", "casualties", ["A", "B"])]
    assert majority_facts(story) == 2
    assert fact_kind(story.claims[1], {d.id: d for d in story.articles}) == "other"


def test_stories_with_fewer_than_three_outlets_have_no_omissions():
    story = _story()
    story.articles = story.articles[:2]
    assert story_omissions(story) == []


def test_a_second_article_of_the_same_outlet_does_not_make_a_majority():
    story = _story()
    story.articles[1].article.outlet = "A"        # now outlets A and C only
    assert story_omissions(story) == []


def test_profiles_count_reported_and_omitted():
    story = _story()
    profiles = omission_profiles([(story, story_omissions(story))])
    c = profiles["C"]
    assert (c.stories, c.majority_facts, c.reported, c.omitted) == (1, 2, 1, 1)
    assert c.as_list() == [{"kind": "casualties", "count": 1, "examples": [
        {"story": "s1", "text": "При обстреле погибли 12 человек.", "reported_by": ["A", "B"]}]}]
    assert profiles["A"].omitted == 0 and profiles["A"].reported == 2


def test_corpus_omissions_are_cached_next_to_the_database(small_store, word_encoder):
    path = cache_path(small_store)
    assert path is not None and path.name.endswith(".omissions.json")
    first = corpus_omissions(small_store, encoder=word_encoder)
    assert [s.story for s in first] == ["kursk"]       # the only story with three outlets
    assert path.exists()
    again = corpus_omissions(small_store, encoder=object())   # from the cache: the encoder is never used
    assert [(s.story, s.majority_facts, len(s.omissions)) for s in again] == \
        [(s.story, s.majority_facts, len(s.omissions)) for s in first]
    profiles = profiles_from_stories(again)
    assert set(profiles) == {"РИА Новости", "BBC News | Русская служба", "Топор Live"}
    assert all(p.stories == 1 for p in profiles.values())


def test_cache_is_skipped_for_postgres_urls():
    class FakeStore:
        dialect = "postgresql"
        target = "postgresql://u@h/db"
    assert cache_path(FakeStore()) is None


@pytest.mark.parametrize("kind", OMISSION_KINDS)
def test_every_kind_has_a_description(kind):
    assert omission_rules().descriptions[kind]
