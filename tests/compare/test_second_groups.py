"""Session 10 of issue 11 (claim groups: purity outside the tune part): a claim joins a second group only
when it states something of that group, by its event (compare/events.py `states_another_event`) and by its
words (the soft word match). Sentences written for the test; how much each rule moved the labelled numbers
is in benchmarks/README.md ("Claim groups on real multi-outlet stories", session 10)."""
import numpy as np
import pytest

from parallax.compare import accounts
from parallax.compare.accounts import AccountFact
from parallax.compare.align import alignment_config
from parallax.compare.claims import split_claims
from parallax.compare.events import claim_events, event_tables, states_another_event
from parallax.model import Article
from parallax.nlp.pipeline import Analyzer


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


def _events(analyzer, text: str):
    doc = analyzer.analyze_many([Article(id="x", text=text, outlet="X")])[0]
    claim = split_claims(doc)[0]
    return claim_events(claim.core_tokens or claim.tokens)


def _fact(analyzer, outlet: str, text: str) -> AccountFact:
    doc = analyzer.analyze_many([Article(id=outlet, text=text, outlet=outlet)])[0]
    return AccountFact(outlet=outlet, claim=split_claims(doc)[0])


@pytest.mark.parametrize("claim, group, apart", [
    # one event against a group of other events: the vote is no fact of the command's statement
    ("Парламент проголосовал за отмену военного положения.",
     ["Командование заявило, что введение военного положения вызвано угрозой.",
      "Командование сообщило, что введение военного положения вызвано угрозой."], True),
    # the same event in the group: it may be a second fact there
    ("Парламент проголосовал за отмену военного положения.", ["Депутаты проголосовали за отмену положения."], False),
    # a verb that only says something took place names no event of its own
    ("Авария произошла на Ленинградском проспекте.", ["На проспекте столкнулись 16 машин и автобус."], False),
    # a claim of two events may state a second fact in other words
    ("Самолёт упал на жилой дом и загорелся.", ["Дом охвачен пламенем после крушения."], False),
    # a group claim that states no event: nothing to hold the claim apart by
    ("Парламент проголосовал за отмену военного положения.", ["Военное положение в Южной Корее."], False),
])
def test_a_claim_of_one_event_states_no_fact_of_a_group_of_other_events(analyzer, claim, group, apart):
    assert states_another_event(_events(analyzer, claim), [_events(analyzer, g) for g in group]) == apart


def test_light_verbs_and_speech_are_read_from_events_yaml():
    light = event_tables().light
    assert {"say", "произ", "прове"} <= light and "vote" not in light


@pytest.mark.parametrize("veto, joins", [(True, False), (False, True)])
def test_a_claim_of_another_event_joins_no_second_group(analyzer, monkeypatch, veto, joins):
    monkeypatch.setitem(alignment_config()["claims"], "second_event_veto", veto)
    facts = [_fact(analyzer, "A", "Командование заявило, что введение военного положения вызвано угрозой."),
             _fact(analyzer, "B", "Командование сообщило, что введение военного положения вызвано угрозой."),
             _fact(analyzer, "C", "Парламент проголосовал за отмену военного положения.")]
    members, outlets = {0: [0, 1], 2: [2]}, {0: {"A", "B"}, 2: {"C"}}
    score, strong = np.full((3, 3), 0.6), np.ones((3, 3), dtype=bool)
    accounts._add_second_facts(members, outlets, facts, score, strong, 0.30, 0.45)
    assert (2 in members[0]) == joins


class _Words:
    """A story's soft word match of fixed value (word_similarity.StoryWords.block's interface)."""

    def __init__(self, value: float):
        self.value = value

    def block(self, rows, cols):
        return np.full((len(rows), len(cols)), self.value)


@pytest.mark.parametrize("soft, joins", [(0.30, False), (0.40, True)])
def test_a_second_fact_needs_the_soft_word_match_of_the_group(analyzer, soft, joins):
    assert alignment_config()["claims"]["second_soft_floor"] == 0.35
    facts = [_fact(analyzer, "A", "Полиция задержала десятки человек у парламента."),
             _fact(analyzer, "B", "Десятки человек задержаны у парламента."),
             _fact(analyzer, "C", "Полиция задержала участников акции у парламента.")]
    members, outlets = {0: [0, 1], 2: [2]}, {0: {"A", "B"}, 2: {"C"}}
    score, strong = np.full((3, 3), 0.6), np.ones((3, 3), dtype=bool)
    accounts._add_second_facts(members, outlets, facts, score, strong, 0.30, 0.45, words=_Words(soft))
    assert (2 in members[0]) == joins


@pytest.mark.parametrize("shared_figure, joins", [(False, False), (True, True)])
def test_a_claim_giving_a_figure_of_the_group_is_not_held_apart_by_its_event(analyzer, shared_figure, joins):
    facts = [_fact(analyzer, "A", "Командование заявило, что введение военного положения вызвано угрозой."),
             _fact(analyzer, "B", "Командование сообщило, что введение военного положения вызвано угрозой."),
             _fact(analyzer, "C", "Парламент проголосовал за отмену военного положения.")]
    figure = frozenset({("n", 190.0)})
    figures = {id(facts[0].claim): figure, id(facts[2].claim): figure if shared_figure else frozenset()}
    members, outlets = {0: [0, 1], 2: [2]}, {0: {"A", "B"}, 2: {"C"}}
    score, strong = np.full((3, 3), 0.6), np.ones((3, 3), dtype=bool)
    accounts._add_second_facts(members, outlets, facts, score, strong, 0.30, 0.45, figures=figures)
    assert (2 in members[0]) == joins


def test_a_verb_inside_a_quote_is_the_speakers_not_the_claims_event(analyzer):
    from parallax.compare.events import own_voice_events
    doc = analyzer.analyze_many([Article(id="x", outlet="X", text=(
        '"Передайте мои пожелания друзьям, пока вы замышляете заговор против нас", - написал он.'))])[0]
    claim = split_claims(doc)[0]
    assert claim_events(claim.core_tokens or claim.tokens).kinds == {"замыш"}     # all words read
    assert own_voice_events([claim])[id(claim)].kinds == {"say"}                  # outside the quote: he wrote
