"""Grouping facts across outlet accounts: fact signatures (figures by value, words rare in the story),
the one-to-one match that lets a shared figure count, a sentence of two or three facts standing in several
groups, groups that agree on every pair, and a lone fact joining a large group by its centroid."""
import numpy as np
import pytest

from parallax.compare import accounts
from parallax.compare.accounts import (
    AccountFact,
    FactScores,
    OutletAccount,
    _add_second_facts,
    _one_to_one,
    claim_figures,
    group_facts,
    rare_lemmas,
)
from parallax.compare.align import alignment_config
from parallax.compare.claims import Claim
from parallax.model import AnalyzedArticle, Article, NumberMention, Token


class _Usem3:
    name = "usem3"          # only its calibrated blend is read


def _claim(article: str, index: int, text: str, lemmas: tuple[str, ...] = ()) -> Claim:
    tokens = [Token(start=0, end=1, text=w, lemma=w, pos="NOUN", sentence=0) for w in lemmas]
    return Claim(article=article, index=index, start=0, end=len(text), text=text, sentence=index,
                 tokens=tokens, core_tokens=tokens, core_text=text)


def _doc(article: str, outlet: str, text: str = "") -> AnalyzedArticle:
    return AnalyzedArticle(article=Article(id=article, text=text, outlet=outlet))


def test_numbers_are_compared_by_value_whatever_they_count():
    a = _doc("a", "A", "Квартира площадью 430 кв. м продаётся.")
    a.numbers = [NumberMention(start=18, end=21, text="430", value=430.0, approximate=False, unit="кв")]
    b = _doc("b", "B", "На 430 квадратах расположились три спальни.")
    b.numbers = [NumberMention(start=3, end=6, text="430", value=430.0, approximate=False, unit="квадрат"),
                 NumberMention(start=31, end=35, text="три", value=3.0, approximate=False, unit="спальня")]
    fa = claim_figures(_claim("a", 0, a.text), a)
    fb = claim_figures(_claim("b", 0, b.text), b)
    assert fa & fb == {("n", 430.0)}


def test_a_rare_word_is_one_few_claims_and_not_every_outlet_use():
    docs = {k: _doc(k, k.upper()) for k in "abc"}
    claims = [_claim("a", 0, "x", ("труба", "пруд")), _claim("b", 0, "y", ("труба", "пруд")),
              _claim("c", 0, "z", ("пруд", "лёд"))]
    assert rare_lemmas(claims, docs) == {"труба", "лёд"}
    # with two outlets, a word both use is plain overlap, not a rare detail
    assert rare_lemmas(claims[:2], docs) == frozenset()


def test_one_to_one_matching_gives_the_second_best_to_the_next_fact():
    block = np.array([[0.55, 0.20],
                      [0.362, 0.359]])
    assert _one_to_one(block).tolist() == [[True, False], [False, True]]


def _two_outlets(score: np.ndarray, figures: dict[int, frozenset]):
    """Outlet A with facts a0, a1; outlet B with b0, b1; the blend scores given, no shared entity."""
    a = [_claim("a", k, f"a{k}") for k in range(2)]
    b = [_claim("b", k, f"b{k}") for k in range(2)]
    accs = [OutletAccount("A", ["a"], [AccountFact("A", c, position=k) for k, c in enumerate(a)]),
            OutletAccount("B", ["b"], [AccountFact("B", c, position=k) for k, c in enumerate(b)])]
    claims = a + b
    scores = FactScores(vectors={id(c): np.zeros(2) for c in claims}, entities={id(c): set() for c in claims},
                        figures={id(claims[k]): f for k, f in figures.items()})
    return accs, scores, claims


@pytest.mark.parametrize("shared_date, grouped", [(True, True), (False, False)])
def test_a_shared_figure_makes_a_one_to_one_match_one_fact(monkeypatch, shared_date, grouped):
    # a1 ('выведена из временного управления') is closest to b0 (the sale, already a0's paraphrase) and
    # next to b1 ('выведены из-под временного госуправления'): with the same date in both it is one fact
    full = np.array([[1.0, 0.2, 0.55, 0.20],
                     [0.2, 1.0, 0.362, 0.359],
                     [0.55, 0.362, 1.0, 0.2],
                     [0.20, 0.359, 0.2, 1.0]])
    date = frozenset({("d", "2024-12-02")})
    accs, scores, claims = _two_outlets(full, {1: date, 3: date if shared_date else frozenset()})

    def fake(xs, ys, _scores, _blend):
        idx = {id(c): k for k, c in enumerate(claims)}
        m = full[np.ix_([idx[id(c)] for c in xs], [idx[id(c)] for c in ys])]
        return m, m, np.zeros(m.shape), np.zeros(m.shape)

    monkeypatch.setattr(accounts, "_same_fact_matrix", fake)
    groups, _ = group_facts(accs, scores, _Usem3())
    texts = sorted(sorted(f.claim.text for f in g) for g in groups)
    assert (["a1", "b1"] in texts) is grouped
    assert ["a0", "b0"] in texts


def test_a_sentence_of_two_facts_also_joins_the_second_facts_group(monkeypatch):
    # the claims here are bare texts, with no tokens and so no events: the rule that a claim stating no event
    # joins no second group (test_claim_recall.py) is left out
    monkeypatch.setitem(alignment_config()["claims"], "second_needs_event", False)
    # facts: 0 = A 'pardoned his son in two cases' (home: group with 1), 1 = B 'pardoned his son',
    # 2 = C 'the cases were about guns and taxes', 3 = B 'about guns and taxes' (group with 2)
    score = np.array([[1.0, 0.60, 0.50, 0.48],
                      [0.60, 1.0, 0.1, 0.1],
                      [0.50, 0.1, 1.0, 0.70],
                      [0.48, 0.1, 0.70, 1.0]])
    strong = score >= 0.45
    facts = [AccountFact(o, _claim(o.lower(), k, str(k))) for k, o in enumerate("ABCB")]
    members = {0: [0, 1], 2: [2, 3]}
    outlets = {0: {"A", "B"}, 2: {"C", "B"}}
    _add_second_facts(members, outlets, facts, score, strong, floor=0.30, second_floor=0.4466)
    assert members == {0: [0, 1], 2: [0, 2, 3]}
    # never a second entry of one outlet, and below the floor nothing joins
    members = {0: [0, 1], 2: [2, 3]}
    outlets = {0: {"A", "B"}, 2: {"C", "B"}}
    _add_second_facts(members, outlets, facts, score, strong, floor=0.30, second_floor=0.6)
    assert members == {0: [0, 1], 2: [2, 3]}


def test_a_sentence_of_three_facts_joins_two_more_groups(monkeypatch):
    monkeypatch.setitem(alignment_config()["claims"], "second_needs_event", False)   # bare texts, as above
    # 0 = A 'a flat of 430 m² for 4.3 bn with a view of Muzeon' (home: with 1, B 'the flat is for sale');
    # 2/3 = C, D 'it is 430 m²'; 4/5 = E, F 'with a view of Muzeon': A's sentence states all three
    score = np.full((6, 6), 0.1)
    np.fill_diagonal(score, 1.0)
    for i, j, s in [(0, 1, 0.6), (2, 3, 0.7), (4, 5, 0.7), (0, 2, 0.5), (0, 3, 0.48), (0, 4, 0.5), (0, 5, 0.47)]:
        score[i, j] = score[j, i] = s
    facts = [AccountFact(o, _claim(o.lower(), k, str(k))) for k, o in enumerate("ABCDEF")]
    members = {0: [0, 1], 2: [2, 3], 4: [4, 5]}
    outlets = {0: {"A", "B"}, 2: {"C", "D"}, 4: {"E", "F"}}
    _add_second_facts(members, outlets, facts, score, score >= 0.45, floor=0.30, second_floor=0.4466)
    assert members == {0: [0, 1], 2: [0, 2, 3], 4: [0, 4, 5]}


def _outlet_facts(full: np.ndarray, monkeypatch):
    """One fact per outlet (A, B, C, ...), scored by the matrix given."""
    claims = [_claim(chr(97 + k), 0, chr(97 + k)) for k in range(len(full))]
    accs = [OutletAccount(chr(65 + k), [c.article], [AccountFact(chr(65 + k), c)]) for k, c in enumerate(claims)]
    scores = FactScores(vectors={id(c): np.zeros(2) for c in claims}, entities={id(c): set() for c in claims})

    def fake(xs, ys, _scores, _blend):
        idx = {id(c): k for k, c in enumerate(claims)}
        m = full[np.ix_([idx[id(c)] for c in xs], [idx[id(c)] for c in ys])]
        return m, m, np.zeros(m.shape), np.zeros(m.shape)

    monkeypatch.setattr(accounts, "_same_fact_matrix", fake)
    return accs, scores


@pytest.mark.parametrize("c_with_b, grouped", [(0.34, True), (0.31, False)])
def test_a_fact_agreeing_with_every_member_joins_without_a_strong_pair(monkeypatch, c_with_b, grouped):
    # a and b are paraphrases (0.50); c scores 0.36 with a, sharing no entity or figure with it, so no pair
    # of c passes the alignment rule; when it scores >= group_agreement_floor (0.33) with b too (and the
    # mean reaches the related floor, 0.347) it joins
    full = np.array([[1.0, 0.50, 0.36],
                     [0.50, 1.0, c_with_b],
                     [0.36, c_with_b, 1.0]])
    accs, scores = _outlet_facts(full, monkeypatch)
    groups, _ = group_facts(accs, scores, _Usem3())
    texts = sorted(sorted(f.claim.text for f in g) for g in groups)
    assert texts == ([["a", "b", "c"]] if grouped else [["a", "b"], ["c"]])


def test_two_single_facts_need_a_strong_pair_whatever_they_agree_on(monkeypatch):
    accs, scores = _outlet_facts(np.array([[1.0, 0.34], [0.34, 1.0]]), monkeypatch)
    groups, _ = group_facts(accs, scores, _Usem3())
    assert len(groups) == 2


def _centroid_case(outlet_of_lone: str, best_pair: float | None, group_outlets: int = 5):
    """Facts 0..n-1 of outlets A.. in one group, each vector e0 + 1.2 e_k; a lone fact with vector e0 (its
    cosine with the group's centroid is high, with each member only 0.64), scoring `best_pair` with fact 0."""
    n = group_outlets
    facts = [AccountFact(chr(65 + k), _claim(chr(97 + k), 0, str(k))) for k in range(n)]
    facts.append(AccountFact(outlet_of_lone, _claim("z", 0, "lone")))
    vectors = {}
    for k, f in enumerate(facts[:n]):
        v = np.zeros(n + 1)
        v[0], v[k + 1] = 1.0, 1.2
        vectors[id(f.claim)] = v
    vectors[id(facts[n].claim)] = np.eye(n + 1)[0]
    pairs = accounts.FactPairs([{} for _ in facts], [{} for _ in facts], [{} for _ in facts])
    if best_pair is not None:
        pairs.score[0][n] = pairs.score[n][0] = best_pair
    members = {0: list(range(n)), n: [n]}
    outlets = {0: {f.outlet for f in facts[:n]}, n: {outlet_of_lone}}
    scores = FactScores(vectors=vectors, entities={})
    accounts._attach_to_centroids(members, outlets, facts, accounts.FactGraph(pairs), scores,
                                  accounts.blend_config(_Usem3()))
    return members


def test_a_lone_fact_close_to_a_large_groups_centroid_joins_it():
    assert _centroid_case("Z", 0.31) == {0: [0, 1, 2, 3, 4, 5]}
    # no pair of it reaching the floor, its outlet already in the group, or a group of too few outlets: alone
    assert _centroid_case("Z", None) == {0: [0, 1, 2, 3, 4], 5: [5]}
    assert _centroid_case("A", 0.31) == {0: [0, 1, 2, 3, 4], 5: [5]}
    assert _centroid_case("Z", 0.31, group_outlets=3) == {0: [0, 1, 2], 3: [3]}
