"""Candidate claim pairs of a long story, found without scoring every pair (issue 15, item 4).

The claim grouping keeps the pairs whose blend score reaches the lowest floor of alignment.yaml or whose
content lemmas overlap most (`accounts.FactPairs`). Scoring every pair is claims x claims (~100 ns a pair:
3.4·10⁹ pairs for two 5 MB files), so above `EXACT_UP_TO` claims only these candidates are scored:

- claims sharing a figure (number or date) or a rare word, all of them: the bonus alone nearly reaches
  the floor, so these pairs are kept anyway (the postings of these keys are the output, not a search).
  Both are rare by rule, so their postings are short: a rare word is used by at most `rare_word_claims`
  claims, a figure counts only when at most `figure_claims_per_outlet` claims per outlet state it
  (`accounts.story_figures`; a '2' of hundreds of claims made 40 % of the kept pairs at 2 MB);
- claims whose lemma sets may overlap by `LEXICAL_FLOOR` or more (Jaccard), by prefix filtering: each
  claim is indexed by its rarest lemmas only, as many as a set that overlaps that much must share;
- claims whose embeddings are close (cosine at least `COSINE_FLOOR`), among the claims of nearby cells:
  the vectors are clustered (spherical k-means, ~2·√n cells) and each claim is compared with the claims
  of its `PROBES` nearest cells. This part is approximate.

A pair left out shares only common words or entities, overlaps little and has a middling cosine: it
scores near the lowest floor if at all. What the candidates miss against every pair scored is measured in
benchmarks/README.md ("Long inputs") and checked by tests/compare/test_compare_linear.py. At 1 MB, 140 of
193,530 kept pairs are missed, all of them below the paraphrase threshold, and the comparison is
byte-identical. Only pairs one score can decide a rule by are kept (`accounts.pair_floor`, the related
threshold); the every-pair minimum of a merge scores the few others it needs when it tests them
(`accounts.FactGraph`). Only pairs of two parts are candidates when the caller names the parts (the
outlets when grouping, the posts when finding repeats: no rule reads a pair within one), and each claim
keeps only its `KEPT_PER_CLAIM` best pairs above the floor (`best_per_claim`): at a fixed floor the pairs
that pass grow with the text (two texts of real posts, cross-outlet: 4.3 a claim at 1 MB, 8.4 at 2 MB),
while a fact joins one group per outlet. What still grows faster than the text is the search itself (the
claims that share a common lemma of their prefixes or sit in the probed cells; benchmarks/README.md,
"Long inputs").
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy import sparse

# below this many claims every pair is scored (exactly the pairs it always kept); above it, candidates
EXACT_UP_TO = 4000
# lemma sets overlapping this much (Jaccard) are always candidates (prefix filtering finds them all)
LEXICAL_FLOOR = 0.25
# the cosine a pair needs to be a candidate by its embedding alone, and how it is searched
COSINE_FLOOR = 0.35
PROBES = 8
CELLS_PER_ROOT = 2.0
_TRAIN_SAMPLE = 20_000
_KMEANS_ROUNDS = 6
_ROWS = 4096          # rows of a block of vector products (bounded memory)
# a claim keeps at most this many of the pairs that pass the floor: its best by score (and its best pair
# with each other part: an outlet's mutual best is decided by it). At a fixed floor the pairs that pass
# grow with the text (cross-outlet, two texts of real posts: 4.3 a claim at 1 MB, 8.4 at 2 MB), but a
# fact joins one group per outlet, so its pairs far below its best decide nothing (measured against
# every pair scored: benchmarks/README.md, "Long inputs")
KEPT_PER_CLAIM = 32


def candidate_pairs(keys: dict[str, list], postings: dict[str, dict], vectors: np.ndarray,
                    parts: np.ndarray | None = None) -> np.ndarray:
    """(m, 2) int32 array of candidate pairs (i < j), sorted, each once. `keys[kind][i]` is claim i's set
    of keys of a kind (lemma, entity, number, date, rare), `postings[kind]` key -> ascending claim indices.
    With `parts` (an int label per claim) only pairs of two parts (outlets, posts) are candidates."""
    n = len(vectors)
    codes = []
    for kind in ("number", "date", "rare"):
        codes += _posting_pairs(postings[kind].values(), n, None, parts)
    codes += _posting_pairs(_prefix_postings(keys["lemma"], postings["lemma"], LEXICAL_FLOOR).values(), n, None,
                            parts)
    codes += _cosine_pairs(vectors, COSINE_FLOOR, parts)
    if not codes:
        return np.zeros((0, 2), dtype=np.int32)
    # tens of millions of codes on two 5 MB texts: one array at a time (the parts freed, sorted in place,
    # the pairs written into their final array), not four copies alive at once
    flat = np.concatenate(codes)
    codes.clear()
    flat.sort()
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    flat = flat[first]                          # each pair once (np.unique hashes them: slower)
    del first
    pairs = np.empty((len(flat), 2), dtype=np.int32)     # claim indices: half the memory of int64
    np.floor_divide(flat, n, out=pairs[:, 0])
    np.remainder(flat, n, out=pairs[:, 1])
    return pairs


def best_per_claim(pairs: np.ndarray, score: np.ndarray, parts: np.ndarray | None, most: int) -> np.ndarray:
    """Mask of the pairs (i, j) that are among the `most` best-scoring pairs of i or of j (a tie: the
    lower other index first), or the best pair of i with the claims of j's part, or of j with i's part."""
    m = len(pairs)
    ends, others = np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]])
    both, at = np.concatenate([score, score]), np.concatenate([np.arange(m), np.arange(m)])
    keep = np.zeros(m, dtype=bool)
    if not m:
        return keep
    order = np.lexsort((others, -both, ends))          # each claim's pairs, best first
    ranked = ends[order]
    keep[at[order][np.arange(2 * m) - np.searchsorted(ranked, ranked) < most]] = True
    if parts is not None:
        other_part = parts[others]
        order = np.lexsort((others, -both, other_part, ends))
        e, p = ends[order], other_part[order]
        keep[at[order][np.r_[True, (e[1:] != e[:-1]) | (p[1:] != p[:-1])]]] = True
    return keep


@functools.lru_cache(maxsize=256)
def _upper_pairs(m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(m, 1)


def _posting_pairs(posting_lists, n: int, most: int | None, parts: np.ndarray | None = None) -> list[np.ndarray]:
    """Every pair of claims within each posting list (ascending indices) of at most `most` claims, coded
    as i * n + j with i < j (with `parts`: of two parts only)."""
    out = []
    for ks in posting_lists:
        m = len(ks)
        if m < 2 or (most is not None and m > most):
            continue
        a, b = _upper_pairs(m) if m <= 256 else np.triu_indices(m, 1)
        i, j = ks[a], ks[b]
        if parts is not None:
            across = parts[i] != parts[j]
            i, j = i[across], j[across]
        out.append(i * n + j)
    return out


def _prefix_postings(sets: list, postings: dict, floor: float) -> dict:
    """Prefix filtering: two sets with Jaccard >= floor share one of the first |s| - ceil(floor·|s|) + 1
    keys of each, keys ordered rarest first (then by the key, so the order is the same every run)."""
    rank = {key: r for r, key in enumerate(sorted(postings, key=lambda k: (len(postings[k]), k)))}
    out: dict = {}
    for i, keys in enumerate(sets):
        if not keys:
            continue
        ordered = sorted(keys, key=rank.__getitem__)
        for key in ordered[:len(ordered) - math.ceil(floor * len(ordered)) + 1]:
            out.setdefault(key, []).append(i)
    return {key: np.array(ks, dtype=np.int64) for key, ks in out.items()}


def _cosine_pairs(vectors: np.ndarray, floor: float, parts: np.ndarray | None = None) -> list[np.ndarray]:
    """Pairs with cosine >= floor among the claims of each claim's `PROBES` nearest cells (approximate)."""
    n = len(vectors)
    if n < 2:
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    unit = unit.astype(np.float32, copy=False)
    centroids = _spherical_kmeans(unit, max(1, round(CELLS_PER_ROOT * math.sqrt(n))))
    probes = min(PROBES, len(centroids))
    home = np.empty(n, dtype=np.int64)
    near = np.empty((n, probes), dtype=np.int64)
    for r0 in range(0, n, _ROWS):
        sims = unit[r0:r0 + _ROWS] @ centroids.T
        home[r0:r0 + _ROWS] = sims.argmax(axis=1)
        near[r0:r0 + _ROWS] = np.argpartition(-sims, probes - 1, axis=1)[:, :probes] if probes < len(centroids) \
            else np.arange(len(centroids))[None, :]
    members = _groups(home, len(centroids))
    askers = _groups(near.ravel(), len(centroids), np.repeat(np.arange(n), probes))
    out = []
    for cell in range(len(centroids)):
        cols, rows = members[cell], askers[cell]
        if not len(cols) or not len(rows):
            continue
        for r0 in range(0, len(rows), _ROWS):
            part = rows[r0:r0 + _ROWS]
            r, c = np.nonzero(unit[part] @ unit[cols].T >= floor)
            i, j = part[r], cols[c]
            i, j = np.minimum(i, j), np.maximum(i, j)
            out.append((i * n + j)[(i != j) if parts is None else parts[i] != parts[j]])
    return out


def _groups(labels: np.ndarray, k: int, values: np.ndarray | None = None) -> list[np.ndarray]:
    """values (default: positions) grouped by label, each group ascending."""
    values = np.arange(len(labels)) if values is None else values
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return [np.sort(values[order[bounds[c]:bounds[c + 1]]]) for c in range(k)]


def _spherical_kmeans(unit: np.ndarray, k: int) -> np.ndarray:
    """k unit centroids of the rows of `unit` (Lloyd rounds on a fixed sample; the same seed every run)."""
    rng = np.random.default_rng(0)
    sample = unit if len(unit) <= _TRAIN_SAMPLE else unit[np.sort(rng.choice(len(unit), _TRAIN_SAMPLE, replace=False))]
    centroids = sample[np.sort(rng.choice(len(sample), min(k, len(sample)), replace=False))].copy()
    for _ in range(_KMEANS_ROUNDS):
        label = np.concatenate([(sample[r0:r0 + _ROWS] @ centroids.T).argmax(axis=1)
                                for r0 in range(0, len(sample), _ROWS)])
        order = np.argsort(label, kind="stable")
        present, starts = np.unique(label[order], return_index=True)
        sums = centroids.copy()                 # a cell nobody chose keeps its centroid
        sums[present] = np.add.reduceat(sample[order], starts, axis=0)
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    return centroids.astype(np.float32)


def row_dots(vectors: np.ndarray, pairs: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """The dot product of vectors i and j for each pair (i, j), a small chunk of pairs at a time: the rows
    gathered stay in the cache (65,536 pairs a chunk took 2.6x as long; all at once, gigabytes)."""
    out = np.empty(len(pairs), dtype=vectors.dtype)
    for p0 in range(0, len(pairs), chunk):
        part = pairs[p0:p0 + chunk]
        out[p0:p0 + chunk] = np.einsum("ij,ij->i", vectors[part[:, 0]], vectors[part[:, 1]])
    return out


class KeyIncidence:
    """Which keys of each kind every claim holds, as one sparse claims x keys matrix: the keys two claims
    share are counted for a list of pairs by row-wise products, not a set intersection per pair in Python.
    A key of the k-th kind weighs 2^(5k), so a product weighs 2^(10k) and each kind's count (< 1024) is its
    own 10 bits of the sum."""

    def __init__(self, keys: dict[str, list]):
        self.kinds = list(keys)
        assert len(self.kinds) <= 6, "six kinds of keys fit the 60 bits of an int64 sum"
        n = len(next(iter(keys.values()), []))
        ids: dict = {}
        indptr, indices, weights = [0], [], []
        for i in range(n):
            for k, kind in enumerate(self.kinds):
                row = [ids.setdefault((k, key), len(ids)) for key in keys[kind][i]]
                indices += row
                weights += [1 << (5 * k)] * len(row)
            indptr.append(len(indices))
        self.matrix = sparse.csr_matrix((np.array(weights, dtype=np.int64), np.array(indices, dtype=np.int64),
                                         np.array(indptr, dtype=np.int64)), shape=(n, max(len(ids), 1)))

    def shared(self, pairs: np.ndarray) -> dict[str, np.ndarray]:
        """kind -> how many keys of that kind claims i and j share, for each pair (i, j) of `pairs`."""
        total = np.zeros(len(pairs), dtype=np.int64)
        for p0 in range(0, len(pairs), 1 << 17):     # a chunk of pairs at a time: the gathered rows stay small
            part = pairs[p0:p0 + (1 << 17)]
            total[p0:p0 + len(part)] = np.asarray(
                self.matrix[part[:, 0]].multiply(self.matrix[part[:, 1]]).sum(axis=1)).ravel()
        return {kind: (total >> (10 * k)) & 1023 for k, kind in enumerate(self.kinds)}


def shared_counts(keys: dict[str, list], pairs: np.ndarray) -> dict[str, np.ndarray]:
    """`KeyIncidence(keys).shared(pairs)`: for one list of pairs."""
    return KeyIncidence(keys).shared(pairs)
