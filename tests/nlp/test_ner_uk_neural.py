"""The numpy BiLSTM of parallax/nlp/ner_uk_neural.py: batching, reversal, decoding, the shipped weights."""
import numpy as np
import pytest

from parallax.nlp import ner_uk, ner_uk_neural

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")


def _random_model(path, buckets=64, dim=5, hidden=3, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {"emb": rng.normal(size=(buckets, dim)).astype(np.float16), "labels": np.array(LABELS),
              "w_out": rng.normal(size=(len(LABELS), 2 * hidden)).astype(np.float32),
              "b_out": rng.normal(size=len(LABELS)).astype(np.float32)}
    for tag in ("f", "b"):
        arrays[f"w_ih_{tag}"] = rng.normal(size=(4 * hidden, dim)).astype(np.float32)
        arrays[f"w_hh_{tag}"] = rng.normal(size=(4 * hidden, hidden)).astype(np.float32)
        arrays[f"b_{tag}"] = rng.normal(size=4 * hidden).astype(np.float32)
    np.savez(path, **arrays)
    return {k: (v.astype(np.float64) if v.dtype.kind == "f" else v) for k, v in arrays.items()}


def _reference(units, w):
    """One unit and one token at a time, float64: what the batched code must equal."""
    def sig(x):
        return 1 / (1 + np.exp(-x))

    def run(xs, tag):
        h = np.zeros(w[f"w_hh_{tag}"].shape[1])
        c = np.zeros_like(h)
        out = []
        for x in xs:
            i, f, g, o = np.split(w[f"w_ih_{tag}"] @ x + w[f"w_hh_{tag}"] @ h + w[f"b_{tag}"], 4)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            out.append(h)
        return out

    result = []
    for rows in units:
        xs = [sum(w["emb"][k] for k in ner_uk_neural.token_ids(row, w["emb"].shape[0])) for row in rows]
        fwd, bwd = run(xs, "f"), run(xs[::-1], "b")[::-1]
        logits = np.array([w["w_out"] @ np.concatenate([a, b]) + w["b_out"] for a, b in zip(fwd, bwd)])
        result.append(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))
    return result


@pytest.fixture
def random_model(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    weights = _random_model(path)
    monkeypatch.setattr(ner_uk_neural, "MODEL_PATH", path)
    ner_uk_neural.weights.cache_clear()
    yield weights
    ner_uk_neural.weights.cache_clear()


def test_batched_numpy_equals_one_unit_at_a_time(random_model):
    # units of different lengths in one padded batch: the backward direction must start at each unit's
    # own last token, not at the padding
    units = [[["w=київ", "sh=Xx", "-1:w=у"], ["w=.", "sh=."]],
             [["w=а"], ["w=б", "title"], ["w=в"], ["w=г", "gz=B-LOC"], ["w=ґ"]],
             [["w=одне"]]]
    got = ner_uk_neural.unit_log_probs(units)
    for mine, ref in zip(got, _reference(units, random_model)):
        assert mine.shape == ref.shape
        assert np.abs(mine - ref).max() < 1e-4


def test_neighbour_attributes_are_left_to_the_lstm():
    row = ["bias", "w=київ", "sh=Xx", "gz=B-LOC", "-1:w=у", "1:pad", "-2:title", "-1|0:у|києві", "0|1:києві|.",
           "doc:midcap=True", "-1:l=у"]
    assert ner_uk_neural.own_features(row) == ["w=київ", "sh=Xx", "gz=B-LOC", "doc:midcap=True"]
    assert len(ner_uk_neural.token_ids(row, 1 << 15)) == 8          # two hashed rows per attribute
    assert ner_uk_neural.feature_ids("w=київ", 1 << 15) == ner_uk_neural.feature_ids("w=київ", 1 << 15)


def test_viterbi_keeps_bio_valid():
    names = LABELS
    # token-wise best would be O, I-LOC, I-LOC: an I-LOC after O is not allowed, so B-LOC wins
    scores = np.log(np.array([[0.9, 0, 0, 0.05, 0.05, 0, 0],
                              [0.1, 0, 0, 0.4, 0.5, 0, 0],
                              [0.2, 0, 0, 0, 0.8, 0, 0]]) + 1e-9)
    assert ner_uk_neural.viterbi(scores, names) == ["O", "B-LOC", "I-LOC"]
    # I-PER after B-LOC is not allowed either
    scores = np.log(np.array([[0, 0, 0, 1, 0, 0, 0], [0.3, 0, 0.7, 0, 0, 0, 0]]) + 1e-9)
    assert ner_uk_neural.viterbi(scores, names) == ["B-LOC", "O"]
    assert ner_uk_neural.viterbi(np.zeros((0, 7)), names) == []


def test_a_file_that_is_not_a_model_is_named(tmp_path, monkeypatch):
    path = tmp_path / "other.npz"
    np.savez(path, emb=np.zeros((4, 2)))
    monkeypatch.setattr(ner_uk_neural, "MODEL_PATH", path)
    ner_uk_neural.weights.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"other\.npz.*w_ih_f"):
            ner_uk_neural.weights()
    finally:
        ner_uk_neural.weights.cache_clear()


def test_without_the_neural_weights_every_labeler_is_the_crf(tmp_path, monkeypatch):
    text = "У Львові виступив Андрій Садовий, мер міста."
    monkeypatch.setattr(ner_uk, "LABELER", "crf")
    crf = ner_uk.tag_text(text)
    monkeypatch.setattr(ner_uk_neural, "MODEL_PATH", tmp_path / "absent.npz")
    for labeler in ("neural", "ensemble"):
        monkeypatch.setattr(ner_uk, "LABELER", labeler)
        assert ner_uk.tag_text(text) == crf
