"""benchmarks/claim_groups.py scores a comparison and says why each cross-outlet match was missed; the reasons
split a two-fact sentence held in its other fact's group from a slot taken by a wrong match. Comparisons are
built by hand here (plain namespaces with the fields the scorer reads), so nothing is analysed or compared.
benchmarks/claim_groups_ceiling.py's AUC (paraphrase.roc_auc, reused) and sentence pieces, as small tables."""
from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest

from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def ceiling():
    return load_benchmark("claim_groups_ceiling")


def _comparison(groups: dict[str, list[tuple[str, int]]]):
    """groups: id -> [(article, start)]; article 'A/1' is outlet A"""
    articles = [NS(id=a, article=NS(outlet=a.split("/")[0])) for a in ("A/1", "B/1")]
    claims = [NS(id=gid, status="partial", members=[NS(article=a, start=s, text=f"{a}:{s}", outlet=a.split("/")[0], repeats=[])
                                  for a, s in members])
              for gid, members in groups.items()]
    return NS(articles=articles, claims=claims)


# units of A: one sentence of two facts (f1, f2), one of f3; of B: f1, f2, and f3 in two sentences
UNITS = {"A/1": [(0, 10, frozenset({"f1", "f2"}), False), (20, 30, frozenset({"f3"}), False)],
         "B/1": [(0, 10, frozenset({"f1"}), False), (20, 30, frozenset({"f2"}), False),
                 (40, 50, frozenset({"f3"}), False)]}

# groups | (found, gold, pure, mapped) | the reason given per missed fact
CASES = [
    # all found: A's two-fact sentence stands in both groups
    ({"c1": [("A/1", 0), ("B/1", 0)], "c2": [("A/1", 0), ("B/1", 20)], "c3": [("A/1", 20), ("B/1", 40)]},
     (3, 3, 6, 6), {}),
    # A's two-fact sentence only in f1's group: f2 missed, its second group missing
    ({"c1": [("A/1", 0), ("B/1", 0)], "c2": [("B/1", 20)], "c3": [("A/1", 20), ("B/1", 40)]},
     (2, 3, 4, 4), {"f2": "two facts, held by the other"}),
    # A's f3 sentence grouped with B's f2 sentence: a wrong match takes the slot of B's f3 (and f2 is still
    # missing its second group: that reason comes first)
    ({"c1": [("A/1", 0), ("B/1", 0)], "c2": [("A/1", 20), ("B/1", 20)], "c3": [("B/1", 40)]},
     (1, 3, 3, 4), {"f2": "two facts, held by the other", "f3": "slot taken"}),
    # nothing grouped across the outlets
    ({"c1": [("A/1", 0)], "c2": [("A/1", 20)], "c3": [("B/1", 0)], "c4": [("B/1", 20)], "c5": [("B/1", 40)]},
     (0, 3, 0, 0), {"f1": "apart", "f2": "apart", "f3": "apart"}),
]


@pytest.mark.parametrize("groups, counts, reasons", CASES)
def test_missed_matches_are_scored_and_explained(groups, counts, reasons):
    scorer = load_benchmark("claim_groups")
    errors: list[str] = []
    row = scorer.score_story(_comparison(groups), UNITS, errors)
    assert (row["found_pairs"], row["gold_pairs"], row["pure"], row["mapped_in_multi_outlet_groups"]) == counts
    missed = {line.split()[1]: line.split(": ", 1)[1].split(";")[0] for line in errors if line.startswith("missed")}
    assert missed == reasons


@pytest.mark.parametrize("positive, score, expected", [
    ([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1], 1.0),
    ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9], 0.0),
    ([1, 0], [0.5, 0.5], 0.5),
    ([1, 0, 1, 0], [0.9, 0.7, 0.6, 0.1], 0.75),
])
def test_auc_table(ceiling, positive, score, expected):
    assert ceiling.roc_auc(np.array(score), np.array(positive, dtype=bool)) == pytest.approx(expected)


def test_a_claim_is_cut_into_comma_pieces_and_neighbouring_pairs(ceiling):
    pieces = ceiling._pieces("Силовики пришли в клуб Arma, который раньше назывался «Мутабор», и задержали гостей")
    assert pieces[0].startswith("Силовики") and "Силовики пришли в клуб Arma" in pieces
    assert "который раньше назывался «Мутабор»" in pieces
    assert "Силовики пришли в клуб Arma который раньше назывался «Мутабор»" in pieces
    assert all(len(p.split()) >= 3 for p in pieces)


def test_no_corpus_is_a_clear_error(ceiling, tmp_path, capsys):
    assert ceiling.main(["variants", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no corpus" in capsys.readouterr().err


@pytest.mark.parametrize("items, expected", [
    ([("A", frozenset({"f2"})), ("B", frozenset({"f1"}))], "f1"),                  # a tie: the first id in order
    ([("A", frozenset({"f1"})), ("B", frozenset({"f2"}))], "f1"),                  # ... whichever comes first
    ([("A", frozenset({"f2", "f10"})), ("B", frozenset({"f2"}))], "f2"),           # most votes win
    ([("A", frozenset()), ("B", frozenset())], None),
])
def test_a_groups_majority_fact_does_not_depend_on_order(items, expected):
    assert load_benchmark("claim_groups").majority_fact(items) == expected
