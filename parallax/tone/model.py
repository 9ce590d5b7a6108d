"""The shipped tone classifier: feature groups -> one linear layer -> -1/0/1.

Everything the model needs is in one JSON file (vocabularies, idf, weights, class biases), written by
`python -m parallax.tone.train`; prediction needs numpy, scipy and the navec vectors of the natasha
wheel, not scikit-learn."""
from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from parallax.nlp.models import news_embedding
from parallax.resources import resource_path
from parallax.tone import features as F
from parallax.tone.data import LABELS, ToneItem
from parallax.tone.vectorize import FeatureVectorizer

MODEL_PATH = resource_path("tone/tone_model.json")
FORMAT_VERSION = 1


@dataclass
class FeatureSpec:
    """Which feature groups and how strongly each is weighted before the linear layer."""
    sparse: dict[str, float]          # group name (features.SPARSE_GROUPS) -> weight
    embeddings: float                 # weight of the navec block (0 = not used)
    min_df: int = 2


def prepare_items(items: Sequence[ToneItem]) -> list[F.Prepared]:
    return [F.prepare(it.sentence, it.start, it.end, it.entity_tag) for it in items]


def sparse_docs(prepared: Sequence[F.Prepared], group: str) -> list[list[str]]:
    fn = F.SPARSE_GROUPS[group]
    return [fn(p) for p in prepared]


def embedding_block(prepared: Sequence[F.Prepared]) -> np.ndarray:
    emb = news_embedding()
    if not prepared:
        return np.zeros((0, 2 * F.EMBEDDING_DIM), dtype=np.float32)
    return np.vstack([F.embedding_features(p, emb) for p in prepared])


def design_matrix(prepared: Sequence[F.Prepared], spec: FeatureSpec,
                  vectorizers: dict[str, FeatureVectorizer]) -> sparse.csr_matrix:
    blocks = [vectorizers[g].transform(sparse_docs(prepared, g)) * w for g, w in spec.sparse.items()]
    if spec.embeddings:
        blocks.append(sparse.csr_matrix(embedding_block(prepared) * spec.embeddings))
    return sparse.hstack(blocks, format="csr")


class ToneModel:
    def __init__(self, spec: FeatureSpec, vectorizers: dict[str, FeatureVectorizer], coef: np.ndarray,
                 intercept: np.ndarray, class_bias: np.ndarray, classes: Sequence[int] = LABELS,
                 info: dict | None = None):
        self.spec = spec
        self.vectorizers = vectorizers
        self.coef = np.asarray(coef, dtype=np.float64)          # (n_classes, n_features)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        # added to the scores after training, tuned by cross-validation for the RuSentNE metric
        self.class_bias = np.asarray(class_bias, dtype=np.float64)
        self.classes = np.asarray(classes)
        self.info = info or {}

    def scores(self, items: Sequence[ToneItem]) -> np.ndarray:
        """(len(items), 3) linear scores, class order -1, 0, 1, biases included."""
        if not items:
            return np.zeros((0, len(self.classes)))
        X = design_matrix(prepare_items(items), self.spec, self.vectorizers)
        return np.asarray(X @ self.coef.T) + self.intercept + self.class_bias

    def predict(self, items: Sequence[ToneItem]) -> list[int]:
        if not items:
            return []
        return [int(c) for c in self.classes[np.argmax(self.scores(items), axis=1)]]

    # ---- file format ------------------------------------------------------------------------------

    def to_dict(self, digits: int = 6) -> dict:
        def rounded(a):
            return [float(f"{x:.{digits}g}") for x in np.ravel(a)]
        return {
            "format": FORMAT_VERSION,
            "classes": [int(c) for c in self.classes],
            # a list, not a mapping: the order of the groups is the order of the weight columns
            "spec": {"sparse": [[g, w] for g, w in self.spec.sparse.items()],
                     "embeddings": self.spec.embeddings, "min_df": self.spec.min_df},
            "vectorizers": {g: v.to_dict(digits) for g, v in self.vectorizers.items()},
            "coef_shape": list(self.coef.shape),
            "coef": rounded(self.coef),
            "intercept": rounded(self.intercept),
            "class_bias": rounded(self.class_bias),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ToneModel:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"tone model format {data.get('format')!r}, expected {FORMAT_VERSION}")
        spec = FeatureSpec(sparse={g: float(w) for g, w in data["spec"]["sparse"]}, embeddings=float(data["spec"]["embeddings"]),
                           min_df=int(data["spec"]["min_df"]))
        vectorizers = {g: FeatureVectorizer.from_dict(v) for g, v in data["vectorizers"].items()}
        coef = np.asarray(data["coef"], dtype=np.float64).reshape(data["coef_shape"])
        return cls(spec, vectorizers, coef, data["intercept"], data["class_bias"], data["classes"],
                   data.get("info"))

    def save(self, path: str | Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> ToneModel:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


_default: ToneModel | None = None
_lock = threading.Lock()


def default_model() -> ToneModel:
    """The shipped model, loaded once per process."""
    global _default
    with _lock:
        if _default is None:
            if not MODEL_PATH.exists():
                raise FileNotFoundError(f"{MODEL_PATH} is missing: build it with `python -m parallax.tone.train`")
            _default = ToneModel.load(MODEL_PATH)
        return _default
