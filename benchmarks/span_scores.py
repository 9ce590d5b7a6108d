"""Exact-span precision / recall / F1 per entity type, the metric of the NER benchmarks (ner_en.py,
train_ner_uk.py and ner_uk.py): a predicted span counts only if its start, end and type equal a gold one's."""
from __future__ import annotations

from collections.abc import Iterable, Sequence


def exact_span_scores(gold: Sequence[set], pred: Sequence[set], types: Iterable[str], total: str) -> dict:
    """`gold`, `pred`: per document, sets of (start, end, type, ...) tuples. Per type and micro over all
    (under the key `total`): p, r, f1, the gold count, true positives and the predicted count."""
    out = {}
    for typ in (*types, total):
        tp = fp = fn = 0
        for g, p in zip(gold, pred):
            g = {s for s in g if typ in (total, s[2])}
            p = {s for s in p if typ in (total, s[2])}
            tp += len(g & p)
            fp += len(p - g)
            fn += len(g - p)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[typ] = {"p": round(prec, 3), "r": round(rec, 3), "f1": round(f1, 3), "gold": tp + fn, "tp": tp,
                    "pred": tp + fp}
    return out
