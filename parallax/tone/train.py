"""Train the tone model on RuSentNE-2023 and write parallax/tone/tone_model.json.

    python -m parallax.tone.train                    # ~1 min on 2 cores; needs scikit-learn
    python -m parallax.tone.train --data PATH --out PATH

Trains on the development part of train_data.csv (80% of the sentences, see data.heldout_split), so that
the held-out 20% stays unseen and its score describes the shipped model. The class biases are chosen by
5-fold cross-validation on the development part only; the held-out score is printed at the end and is
never used to choose anything. Same data, same library versions -> the same file."""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from parallax.tone import features as F
from parallax.tone.data import (
    LABELS,
    LabelledItem,
    heldout_split,
    macro_f1_pn,
    prf,
    read_rusentne,
    sentence_folds,
)
from parallax.tone.model import (
    MODEL_PATH,
    FeatureSpec,
    ToneModel,
    embedding_block,
    sparse_docs,
)
from parallax.tone.vectorize import FeatureVectorizer

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "rusentne-2023" / "train_data.csv"

# Chosen by cross-validation on the development part (benchmarks/TONE.md lists the variants tried).
DEFAULT_SPEC = FeatureSpec(sparse={"sentence": 1.0, "window": 1.0, "entity": 1.0, "lexicon": 1.0},
                           embeddings=1.0, min_df=2)
DEFAULT_C = 0.5
CV_FOLDS = 5
CV_SEED = "cv"
BIAS_GRID = np.arange(-1.5, 1.5001, 0.25)


class _Features:
    """Features computed once per item; vectorizers are fitted per training subset."""

    def __init__(self, items: Sequence[LabelledItem], spec: FeatureSpec):
        self.spec = spec
        self.prepared = [F.prepare(i.item.sentence, i.item.start, i.item.end, i.item.entity_tag)
                         for i in items]
        self.docs = {g: sparse_docs(self.prepared, g) for g in spec.sparse}
        self.dense = embedding_block(self.prepared) if spec.embeddings else None

    def fit_vectorizers(self, rows: np.ndarray) -> dict[str, FeatureVectorizer]:
        return {g: FeatureVectorizer(min_df=self.spec.min_df).fit([self.docs[g][i] for i in rows])
                for g in self.spec.sparse}

    def matrix(self, rows: np.ndarray, vectorizers: dict[str, FeatureVectorizer]):
        blocks = [vectorizers[g].transform([self.docs[g][i] for i in rows]) * w
                  for g, w in self.spec.sparse.items()]
        if self.spec.embeddings:
            blocks.append(sparse.csr_matrix(self.dense[rows] * self.spec.embeddings))
        return sparse.hstack(blocks, format="csr")


def _classifier(C: float):
    # Balanced class weights: positive and negative are 13-15% of the rows each, and the metric
    # ignores the neutral class's F1.
    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000)


def _fit(feats: _Features, y: np.ndarray, rows: np.ndarray, C: float):
    vectorizers = feats.fit_vectorizers(rows)
    clf = _classifier(C).fit(feats.matrix(rows, vectorizers), y[rows])
    assert list(clf.classes_) == list(LABELS)
    return vectorizers, clf


def tune_class_bias(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Biases for (-1, 0, 1) maximizing the RuSentNE score of argmax(scores + bias); neutral stays 0.
    Ties go to the smallest change (the grid is walked from 0 outwards)."""
    classes = np.asarray(LABELS)
    best_bias, best = np.zeros(3), macro_f1_pn(y, classes[np.argmax(scores, axis=1)])
    grid = sorted(BIAS_GRID, key=lambda b: (abs(b), b))
    for bn in grid:
        for bp in grid:
            bias = np.array([bn, 0.0, bp])
            s = macro_f1_pn(y, classes[np.argmax(scores + bias, axis=1)])
            if s > best + 1e-12:
                best_bias, best = bias, s
    return best_bias, best


def cross_validate(feats: _Features, y: np.ndarray, folds: np.ndarray, C: float) -> np.ndarray:
    """Out-of-fold linear scores (n, 3)."""
    scores = np.zeros((len(y), 3))
    for k in range(CV_FOLDS):
        train_rows, test_rows = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        vectorizers, clf = _fit(feats, y, train_rows, C)
        scores[test_rows] = clf.decision_function(feats.matrix(test_rows, vectorizers))
    return scores


def train(items: Sequence[LabelledItem], spec: FeatureSpec = DEFAULT_SPEC, C: float = DEFAULT_C,
          tune_bias: bool = True, log=print) -> ToneModel:
    t0 = time.time()
    feats = _Features(items, spec)
    y = np.array([i.label for i in items])
    info: dict = {"rows": len(items), "C": C, "class_weight": "balanced"}
    bias = np.zeros(3)
    if tune_bias:
        folds = np.array(sentence_folds(items, CV_FOLDS, seed=CV_SEED))
        oof = cross_validate(feats, y, folds, C)
        raw = macro_f1_pn(y, np.asarray(LABELS)[np.argmax(oof, axis=1)])
        bias, tuned = tune_class_bias(oof, y)
        info.update(cv_macro_f1_pn=round(raw, 4), cv_macro_f1_pn_with_bias=round(tuned, 4))
        log(f"{CV_FOLDS}-fold CV on {len(items)} rows: macro-F1(pos,neg) {raw:.4f}, "
            f"{tuned:.4f} with class bias {bias.tolist()}")
    vectorizers, clf = _fit(feats, y, np.arange(len(items)), C)
    info["features"] = int(clf.coef_.shape[1])
    log(f"trained on {len(items)} rows, {clf.coef_.shape[1]} features, {time.time() - t0:.0f} s")
    return ToneModel(spec, vectorizers, clf.coef_, clf.intercept_, bias, LABELS, info)


def evaluate(model: ToneModel, items: Sequence[LabelledItem]) -> dict:
    gold = [i.label for i in items]
    pred = model.predict([i.item for i in items])
    out = {"rows": len(items), "macro_f1_pn": round(macro_f1_pn(gold, pred), 4)}
    for label, name in ((-1, "negative"), (0, "neutral"), (1, "positive")):
        p, r, f = prf(gold, pred, label)
        out[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                     "support": gold.count(label)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m parallax.tone.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="RuSentNE train_data.csv")
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="model file to write")
    ap.add_argument("--C", type=float, default=DEFAULT_C, help="inverse L2 strength of the logistic regression")
    ap.add_argument("--all", action="store_true",
                    help="train on every row, the held-out part included (its score is then meaningless)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no training data at {args.data}", file=sys.stderr)
        return 2
    items = read_rusentne(args.data)
    dev, held = heldout_split(items)
    model = train(items if args.all else dev, C=args.C)
    model.info["training_rows"] = "all" if args.all else "development split (80% of sentences)"
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    if not args.all:
        print("held-out:", evaluate(model, held))
    return 0


if __name__ == "__main__":
    sys.exit(main())
