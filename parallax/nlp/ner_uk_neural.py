"""Ukrainian NER, the neural half: a BiLSTM over the CRF's own per-token features, in plain numpy.

The CRF of `ner_uk.py` sees a window of ±2 words; this network reads the whole tagging unit (a sentence,
joined across razdel's false breaks) in both directions. Its input per token is the CRF's attribute list
(`ner_uk.sentence_features`) without the neighbours' attributes (`own_features`): each attribute string is
hashed twice (crc32 with two seeds) into a table of embeddings, and a token is the sum of its attributes'
embeddings. A one-layer BiLSTM reads those vectors; a linear layer gives per-token scores of the BIO
labels. `benchmarks/train_ner_uk_neural.py` trains it with PyTorch (training only) on NER-UK 2.0 and
exports the weights to `models/ner_uk_neural.npz` (CC BY-NC-SA 4.0 like the CRF: models/LICENSE-ner-uk.md);
this module runs it with numpy alone and decodes with a BIO-constrained Viterbi, optionally over the
average of its probabilities and the CRF's marginals (`label_units`).

All units of an article go through the network as one padded batch: the recurrence costs one small
matrix product per position, not per token. The arrays are tiny (hidden size 64), so one BLAS thread.
"""
from __future__ import annotations

import functools
import threading
import zlib
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "models" / "ner_uk_neural.npz"
HASH_SEEDS = (0, 0x9E3779B9)          # two hashes per attribute: a collision in one table row is not in both
_lock = threading.Lock()


def available() -> bool:
    """Whether the weights ship (CC BY-NC-SA: a redistribution may leave them out)."""
    return MODEL_PATH.exists()


@functools.lru_cache(maxsize=1)
def weights() -> dict[str, np.ndarray]:
    """The exported arrays, float32 (the embedding table is stored as float16 to stay small)."""
    with _lock, np.load(MODEL_PATH, allow_pickle=False) as data:
        out = {k: (data[k].astype(np.float32) if data[k].dtype.kind == "f" else data[k]) for k in data.files}
    for key in ("emb", "w_ih_f", "w_hh_f", "b_f", "w_ih_b", "w_hh_b", "b_b", "w_out", "b_out", "labels"):
        if key not in out:
            raise ValueError(f"{MODEL_PATH}: no array {key!r} (not a model written by train_ner_uk_neural.py)")
    out["w_hh_joint"] = _joint(out)
    return out


_NOT_OWN = frozenset("-0123456789")      # '-1:w=…', '2:pad', '-1|0:…', '0|1:…': the BiLSTM sees the neighbours


def own_features(row: list[str]) -> list[str]:
    """A CRF attribute list without the neighbours' attributes (the only ones that start with a digit or
    '-') and the constant 'bias'."""
    return [f for f in row if f[0] not in _NOT_OWN and f != "bias"]


_ids: dict[int, dict[str, tuple[int, ...]]] = {}       # buckets -> attribute -> rows, memoized (Zipfian)


def feature_ids(feature: str, buckets: int) -> tuple[int, ...]:
    """The embedding rows of one attribute."""
    data = feature.encode("utf-8")
    return tuple(zlib.crc32(data, seed) % buckets for seed in HASH_SEEDS)


def _rows_of(rows: list[list[str]], buckets: int) -> tuple[list[int], list[int]]:
    """The embedding rows of each token's own attributes, flat, and where each token's start: two per
    attribute, row 0 for a token without any (which the Analyzer's tokens never are: every word has w=
    and sh=). One loop, no call per attribute: this is most of the network's time."""
    cache = _ids.setdefault(buckets, {})
    if len(cache) > 1_000_000:
        cache.clear()
    ids: list[int] = []
    starts = []
    for row in rows:
        start = len(ids)
        starts.append(start)
        for f in row:
            if f[0] in _NOT_OWN or f == "bias":
                continue
            got = cache.get(f)
            if got is None:
                got = cache[f] = feature_ids(f, buckets)
            ids += got
        if len(ids) == start:
            ids.append(0)
    return ids, starts


def token_ids(row: list[str], buckets: int) -> list[int]:
    """The embedding rows one token sums (training builds its batches with this)."""
    return _rows_of([row], buckets)[0]


def token_vectors(rows: list[list[str]], emb: np.ndarray) -> np.ndarray:
    """(tokens, dim): each token's attribute embeddings summed."""
    ids, starts = _rows_of(rows, emb.shape[0])
    return np.add.reduceat(emb[np.asarray(ids, dtype=np.int64)], np.asarray(starts, dtype=np.int64), axis=0)


def _joint(w: dict[str, np.ndarray]) -> np.ndarray:
    """Both directions' recurrent weights as one (2H, 8H) block matrix, gates grouped by kind (i_f i_b
    f_f f_b g_f g_b o_f o_b): one matrix product per position serves both directions."""
    hidden = w["w_hh_f"].shape[1]
    block = np.zeros((2 * hidden, 4, 2, hidden), dtype=np.float32)
    block[:hidden, :, 0] = w["w_hh_f"].T.reshape(hidden, 4, hidden)
    block[hidden:, :, 1] = w["w_hh_b"].T.reshape(hidden, 4, hidden)
    return block.reshape(2 * hidden, 8 * hidden)


def _bilstm(x: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """Both LSTM directions over a padded batch (units, time, dim) -> (units, time, 2 * hidden), PyTorch's
    gate order (input, forget, cell, output); `reverse` indexes each unit's tokens from its own end."""
    w = weights()
    w_hh, hidden = w["w_hh_joint"], w["w_hh_f"].shape[1]
    units, steps, _ = x.shape
    rows = np.arange(units)[:, None]
    fwd = (x @ w["w_ih_f"].T + w["b_f"]).reshape(units, steps, 4, 1, hidden)
    bwd = (x[rows, reverse] @ w["w_ih_b"].T + w["b_b"]).reshape(units, steps, 4, 1, hidden)
    projected = np.concatenate([fwd, bwd], axis=3).reshape(units, steps, 8 * hidden)
    h = np.zeros((units, 2 * hidden), dtype=np.float32)
    c = np.zeros((units, 2 * hidden), dtype=np.float32)
    out = np.empty((units, steps, 2 * hidden), dtype=np.float32)
    for t in range(steps):
        gates = projected[:, t] + h @ w_hh
        sig = 0.5 * (np.tanh(0.5 * gates) + 1.0)      # = 1 / (1 + exp(-x)), without overflow warnings
        c = sig[:, 2 * hidden:4 * hidden] * c + sig[:, :2 * hidden] * np.tanh(gates[:, 4 * hidden:6 * hidden])
        h = sig[:, 6 * hidden:] * np.tanh(c)
        out[:, t] = h
    out[:, :, hidden:] = out[rows, reverse, hidden:]
    return out


def _padded_log_probs(units: list[list[list[str]]]) -> tuple[np.ndarray, list[int]]:
    """(units, longest, labels) log-probabilities and the units' lengths."""
    w = weights()
    lengths = [len(u) for u in units]
    steps = max(lengths, default=0)
    if steps == 0:
        return np.zeros((len(units), 0, len(w["labels"])), dtype=np.float32), lengths
    x = np.zeros((len(units), steps, w["emb"].shape[1]), dtype=np.float32)
    flat = token_vectors([row for u in units for row in u], w["emb"])
    reverse = np.tile(np.arange(steps), (len(units), 1))
    start = 0
    for b, n in enumerate(lengths):
        x[b, :n] = flat[start:start + n]
        reverse[b, :n] = np.arange(n)[::-1]        # the backward direction reads each unit from its own end
        start += n
    logits = _bilstm(x, reverse) @ w["w_out"].T + w["b_out"]
    logits -= logits.max(axis=2, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=2, keepdims=True)), lengths


def unit_log_probs(units: list[list[list[str]]]) -> list[np.ndarray]:
    """Per unit (its tokens' CRF attribute lists), (tokens, labels) log-probabilities of `labels()`. A
    model trained on whole articles (its `context` array says 'article') reads the units as one sequence."""
    if str(weights().get("context", "unit")) == "article" and len(units) > 1:
        whole = unit_log_probs([[row for u in units for row in u]])[0]
        bounds = np.cumsum([0, *(len(u) for u in units)])
        return [whole[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    logp, lengths = _padded_log_probs(units)
    return [logp[b, :n] for b, n in enumerate(lengths)]


def labels() -> list[str]:
    return [str(x) for x in weights()["labels"]]


@functools.lru_cache(maxsize=8)
def _allowed(names: tuple[str, ...]) -> np.ndarray:
    """(previous, next) -> 0 or -inf: I-X only after B-X or I-X (or first in a unit, where it continues
    the span that closed the previous unit, as the CRF may say)."""
    out = np.zeros((len(names), len(names)), dtype=np.float32)
    for j, nxt in enumerate(names):
        if nxt.startswith("I-"):
            for i, prev in enumerate(names):
                if prev[2:] != nxt[2:]:
                    out[i, j] = -np.inf
    return out


def viterbi(scores: np.ndarray, names: tuple[str, ...]) -> list[str]:
    """The best BIO-valid label sequence for one unit's (tokens, labels) scores."""
    return viterbi_batch(scores[None], [len(scores)], names)[0]


def viterbi_batch(scores: np.ndarray, lengths: list[int], names: tuple[str, ...]) -> list[list[str]]:
    """`viterbi` for a padded batch (units, time, labels), all units a position at a time."""
    units, steps, _ = scores.shape
    if steps == 0:
        return [[] for _ in lengths]
    allowed = _allowed(names)
    best = scores[:, 0].copy()
    back = np.zeros(scores.shape, dtype=np.int64)
    alive = np.asarray(lengths)[:, None]
    for t in range(1, steps):
        total = best[:, :, None] + allowed
        back[:, t] = total.argmax(axis=1)
        best = np.where(t < alive, total.max(axis=1) + scores[:, t], best)
    out = []
    for b, n in enumerate(lengths):
        if n == 0:
            out.append([])
            continue
        pointers = back[b, :n].tolist()
        path = [int(best[b].argmax())]
        for t in range(n - 1, 0, -1):
            path.append(pointers[t][path[-1]])
        out.append([names[k] for k in reversed(path)])
    return out


def crf_marginals(tagger, rows: list[list[str]], names: tuple[str, ...]) -> np.ndarray:
    """(tokens, labels) marginal probabilities of `names` from a pycrfsuite Tagger for one unit."""
    if not rows:
        return np.zeros((0, len(names)), dtype=np.float32)
    tagger.set(rows)
    known = set(tagger.labels())
    return np.array([[tagger.marginal(y, t) if y in known else 0.0 for y in names] for t in range(len(rows))],
                    dtype=np.float32)


def label_units(units: list[list[list[str]]], crf_tagger=None, crf_weight: float = 0.5) -> list[list[str]]:
    """BIO labels per unit (its tokens' CRF attribute lists). With `crf_tagger` (a pycrfsuite Tagger; the
    caller holds its lock) the decoded scores are the log of the weighted mean of the CRF's marginals
    and the network's probabilities."""
    names = tuple(labels())
    per_unit = unit_log_probs(units)
    lengths = [len(u) for u in units]
    logp = np.zeros((len(units), max(lengths, default=0), len(names)), dtype=np.float32)
    for b, scores in enumerate(per_unit):
        logp[b, :len(scores)] = scores
    if crf_tagger is not None:
        crf = np.zeros_like(logp)
        for b, rows in enumerate(units):
            crf[b, :len(rows)] = crf_marginals(crf_tagger, rows, names)
        logp = np.log(crf_weight * crf + (1.0 - crf_weight) * np.exp(logp) + 1e-9)
    return viterbi_batch(logp, lengths, names)
