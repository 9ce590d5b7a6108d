"""The logic of the session-11 pair-head benchmark (benchmarks/claim_pair_head.py, claim_pair_models.py,
claim_pair_grouping.py) on made-up pairs: the band the grouping is undecided in, the pair features, a head
that can learn a direction of the vectors, and the choice of (w, c) that never looks at the held-out part."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def models():
    return load_benchmark("claim_pair_models")


@pytest.fixture(scope="module")
def grouping():
    return load_benchmark("claim_pair_grouping")


def _story(rng, part: str, claims: int = 40, dims: int = 8) -> dict:
    """A made-up story: claims whose first vector dimension is a fact sign; same sign = same fact."""
    vectors = rng.normal(size=(claims, dims)).astype(np.float32)
    i, j = np.triu_indices(claims, 1)
    label = np.sign(vectors[i, 0]) == np.sign(vectors[j, 0])
    return {"part": part, "i": i, "j": j, "label": label, "usem3": vectors,
            "score": rng.uniform(0, 1, len(i)), "components": rng.uniform(0, 1, (len(i), 11)).astype(np.float32)}


def test_band_holds_only_pairs_between_the_related_floor_and_the_paraphrase_threshold(models):
    label = np.array([True, False, True, False, True, False])
    blend = np.array([0.10, 0.30, 0.35, 0.40, 0.45, 0.90])   # two inside [0.3473, 0.4466)
    out = models.metrics(label, blend, blend)
    assert (out["pairs"], out["band_pairs"], out["band_positives"]) == (6, 2, 1)
    assert out["band_auc"] == 0.0        # inside the band the one positive scores below the one negative


def test_pair_vectors_are_symmetric_in_the_two_claims(models):
    rng = np.random.default_rng(1)
    s = _story(rng, "tune", claims=6)
    swapped = {**s, "i": s["j"], "j": s["i"]}
    assert np.allclose(models.pair_vectors(s, "usem3"), models.pair_vectors(swapped, "usem3"))



def test_centring_removes_the_topic_every_claim_of_the_story_shares(models):
    rng = np.random.default_rng(2)
    topic = np.zeros(8)
    topic[3] = 10.0
    vectors = topic + rng.normal(size=(30, 8))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    centred = models.story_centred(vectors)
    off_diagonal = ~np.eye(30, dtype=bool)
    assert (unit @ unit.T)[off_diagonal].mean() > 0.9
    assert abs((centred @ centred.T)[off_diagonal].mean()) < 0.1
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0)


def test_a_vector_head_learns_a_direction_the_cosine_does_not_show(models):
    rng = np.random.default_rng(0)
    train = [_story(rng, "tune") for _ in range(3)]
    test = _story(rng, "test")
    head = models.VectorLR("usem3", C=1.0).fit(train)
    learned = models.metrics(test["label"], head.score(test), test["score"])["auc"]
    blend = models.metrics(test["label"], models.Blend().score(test), test["score"])["auc"]
    assert learned > 0.9 and blend < 0.65


def test_held_out_choice_is_made_on_the_other_parts_only(grouping):
    parts = grouping.PARTS

    def numbers(good_parts, value):
        return {p: {"purity": value if p in good_parts else 0.5, "cross_outlet_recall": value if p in good_parts
                    else 0.5} for p in parts}
    grid = {"0.0/0.0": numbers(parts, 0.7),
            "0.1/0.0": numbers(("tune",), 1.0),                       # best on tune alone
            "0.2/0.0": numbers(tuple(p for p in parts if p != "tune"), 0.8)}
    chosen = grouping.choose(grid)
    assert chosen["tune"]["w/c"] == "0.2/0.0"      # tune's own numbers never pick tune's setting
    assert chosen["tune"]["purity"] == 0.5 and chosen["tune"]["shipped_purity"] == 0.7
    assert chosen["test"]["w/c"] == "0.2/0.0"
