"""Near-duplicate ("reprint") detection with MinHash LSH.

An agency dispatch reprinted by several outlets - verbatim or lightly edited - is the same text, not
independent coverage. Each article gets a MinHash signature of its word 3-grams; the LSH index proposes
candidates and the estimated Jaccard similarity decides. Only articles of *other* outlets published within
`window_days` count; a group of reprints points at one original, the earliest of them.

Signatures are stored (table `minhashes`), so the in-memory index is rebuilt on open rather than recomputed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from parallax.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ReprintConfig:
    num_perm: int = 64
    threshold: float = 0.5          # estimated Jaccard of word 3-gram sets to call two texts one copy
    shingle_words: int = 3
    min_shingles: int = 8           # shorter texts (a one-line flash) match too easily to judge
    window_days: float = 7.0        # a reprint appears within days of the original, not months
    seed: int = 1


def shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(fold(text))
    if len(words) < size:
        return set()
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


class _Signature:
    """What MinHashLSH reads from a MinHash (building a real one per lookup costs more than the lookup)."""
    __slots__ = ("hashvalues", "scheme")

    def __init__(self, hashvalues: np.ndarray, scheme: str):
        self.hashvalues = hashvalues
        self.scheme = scheme

    def __len__(self) -> int:
        return len(self.hashvalues)


class _Entry:
    __slots__ = ("signature", "ts", "outlet", "root")

    def __init__(self, signature: np.ndarray, ts: float | None, outlet: str, root: int):
        self.signature = signature
        self.ts = ts
        self.outlet = outlet
        self.root = root


class ReprintIndex:
    def __init__(self, config: ReprintConfig | None = None):
        # lazy: datasketch takes ~0.5 s to import; only adding articles needs it, not reading a corpus
        from datasketch import MinHash, MinHashLSH

        self.config = config or ReprintConfig()
        template = MinHash(num_perm=self.config.num_perm, seed=self.config.seed)
        self._permutations = template.permutations
        self._scheme = template.scheme
        self._minhash = MinHash
        self._lsh = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm)
        self._entries: dict[int, _Entry] = {}
        self._groups: dict[int, set[int]] = {}      # root -> articles pointing at it (not the root)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, pk: int) -> bool:
        return pk in self._entries

    def signature(self, text: str) -> np.ndarray | None:
        grams = shingles(text, self.config.shingle_words)
        if len(grams) < self.config.min_shingles:
            return None
        mh = self._minhash(num_perm=self.config.num_perm, permutations=self._permutations, scheme=self._scheme)
        mh.update_batch(list(grams))
        return mh.hashvalues.astype(np.uint32)

    def _as_minhash(self, signature: np.ndarray):
        return _Signature(signature, self._scheme)

    def add(self, pk: int, signature: np.ndarray, ts: float | None, outlet: str, root: int | None = None) -> None:
        if pk in self._entries:
            self.remove(pk)
        self._entries[pk] = _Entry(signature, ts, outlet, pk)
        self._lsh.insert(pk, self._as_minhash(signature), check_duplication=False)
        if root is not None and root != pk:
            self.set_root(pk, root)

    def remove(self, pk: int) -> None:
        entry = self._entries.pop(pk, None)
        if entry is None:
            return
        self._lsh.remove(pk)
        self._groups.get(entry.root, set()).discard(pk)

    def root_of(self, pk: int) -> int:
        return self._entries[pk].root

    def set_root(self, pk: int, root: int) -> None:
        entry = self._entries.get(pk)
        if entry is None:
            return
        if entry.root != pk:
            self._groups.get(entry.root, set()).discard(pk)
        entry.root = root
        if root != pk:
            self._groups.setdefault(root, set()).add(pk)

    def members_of(self, root: int) -> list[int]:
        """Articles marked as reprints of `root`."""
        return sorted(self._groups.get(root, ()))

    def matches(self, signature: np.ndarray, ts: float | None, outlet: str) -> list[tuple[int, float]]:
        """(pk, estimated Jaccard) of indexed articles of other outlets, in the time window, over threshold."""
        window = self.config.window_days * 86400.0
        out = []
        for pk in self._lsh.query(self._as_minhash(signature)):
            entry = self._entries.get(pk)
            if entry is None or entry.outlet.casefold() == outlet.casefold():
                continue
            if ts is not None and entry.ts is not None and abs(entry.ts - ts) > window:
                continue
            similarity = float(np.mean(entry.signature == signature))
            if similarity >= self.config.threshold:
                out.append((pk, similarity))
        out.sort(key=lambda m: (-m[1], m[0]))
        return out

