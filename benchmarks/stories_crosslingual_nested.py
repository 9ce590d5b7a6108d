"""An honest held-out F1 of the cross-lingual same-event decision (issue 14, item 5; session 9).

`stories_crosslingual.py --fit` chooses its model (evidence set x C x threshold rule x threshold mode) by
held-out F1 on all the dev pairs and then reports the leave-one-out and leave-one-window-out F1 of the model
it chose: the choice saw every pair it is scored on. Here the whole of `fit()` is redone inside each outer
fold on the other folds' pairs only: the model choice (inner leave-one-out + leave-one-window-out), the refit,
the thresholds, and the per-language-pair shifts (from the unrelated cosines of a window other than the
held-out one; with 10 folds every fold holds pairs of all windows: window 2019-11-01 12h, no labels read). Then the held-out pairs are predicted; the predictions of all folds are pooled.

Outer folds: the three one-hour windows (`window`), and a 10-fold split stratified by language pair and
label (`kfold`, seed 14). Dev parts only (tune + test + test2); `test3` is never read.

`--legacy-cache DIR` also runs the same on the analyses an older run left in DIR under the content-only key
of `stories_common.analyze` (read only; a missing one is an error): side by side with the current tree's
analyses, to show what stale analyses changed (session 9: English pages analysed before the English NER).

    python benchmarks/stories_crosslingual_nested.py [--legacy-cache /tmp/parallax-stories-cache] [--no-save]

Writes benchmarks/results/stories_crosslingual_nested.json.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import stories_crosslingual as xl  # noqa: E402
from stories_common import _key, write_result  # noqa: E402

from parallax.stories.crosslingual import default_config  # noqa: E402

# the window whose unrelated cosines give the shifts (as shipped), and the one used when it is held out
MEDIANS_WINDOW, MEDIANS_WINDOW_ELSE = "20191108/18", "20191101/12"
KFOLDS, SEED = 10, 14


def kfold_groups(gold: np.ndarray, lps: np.ndarray, k: int = KFOLDS, seed: int = SEED) -> np.ndarray:
    """A fold number per pair, each (language pair, label) stratum dealt round-robin in a seeded order."""
    rng = np.random.default_rng(seed)
    groups = np.zeros(len(gold), dtype=int)
    for lp in np.unique(lps):
        for label in (False, True):
            idx = np.flatnonzero((lps == lp) & (gold == label))
            groups[rng.permutation(idx)] = np.arange(len(idx)) % k
    return groups


def nested(values: np.ndarray, gold: np.ndarray, lps: np.ndarray, usem3: np.ndarray, windows: np.ndarray,
           outer: np.ndarray, medians_for) -> dict:
    """Pooled held-out predictions of fit() redone on each outer fold's complement (`outer`: a fold per
    pair; `medians_for(held-out windows)`: the unrelated medians to shift by), with what each fold chose."""
    pred = np.zeros(len(gold), dtype=bool)
    folds = []
    for fold in np.unique(outer):
        out = outer == fold
        keep = ~out
        held_windows = sorted(set(windows[out]))
        medians_window, medians = medians_for(held_windows)
        weights, offset, thresholds, chosen = xl.fit(values[keep], gold[keep], lps[keep], usem3[keep],
                                                     windows[keep], medians)
        pred[out] = xl._predict(values[out] @ weights + offset, lps[out], thresholds)
        folds.append({"held_out": str(fold), "pairs": int(out.sum()), "same_event": int(gold[out].sum()),
                      "selected": {k: chosen[k] for k in ("evidence", "C", "threshold_rule", "thresholds")},
                      "inner_loo_f1": chosen["loo_f1"], "inner_window_f1": chosen["window_f1"],
                      "weights": {name: round(float(w), 3) for name, w in zip(xl.EVIDENCE, weights) if w},
                      "offset": round(offset, 3), "thresholds": {k or "": round(v, 3) for k, v in thresholds.items()},
                      "medians_window": medians_window,
                      "held_out_f1": xl._by_pair_lp(lps[out], pred[out], gold[out])})
    return {"pooled": xl._by_pair_lp(lps, pred, gold), "folds": folds,
            "selections": dict(Counter(_selection_name(f["selected"]) for f in folds))}


def _selection_name(selected: dict) -> str:
    return f"{'+'.join(selected['evidence'])} C={selected['C']} {selected['threshold_rule']} {selected['thresholds']}"


def evaluate(label: str) -> dict:
    """The chosen model's in-sample-selected LOO / leave-one-window-out F1 (what --fit reports) and the nested
    estimates, on the analyses robust_analyze gives (the current tree's, or the legacy ones when patched)."""
    pairs = xl.read_pairs()
    corpus = xl.parts_corpus(pairs)
    config = default_config()
    gold = np.array([p["label"] == "1" for p in pairs])
    lps = np.array([p["languages"] for p in pairs])
    windows = np.array([p["window"] for p in pairs])
    values, usem3 = xl.pair_values(pairs, corpus, config), xl._usem3(pairs, corpus)
    medians_cache: dict[str, dict] = {}

    def medians_for(held: list[str]) -> tuple[str, dict]:
        window = MEDIANS_WINDOW if MEDIANS_WINDOW not in held else MEDIANS_WINDOW_ELSE
        if window not in medians_cache:
            medians_cache[window] = xl.unrelated_medians(window)
        return window, medians_cache[window]

    _, shipped_medians = medians_for([])
    _, _, _, chosen = xl.fit(values, gold, lps, usem3, windows, shipped_medians)
    out = {"analyses": label, "pairs": len(pairs), "same_event": int(gold.sum()),
           "english_pages": _english_names(corpus),
           "selected_on_all": {"selection": _selection_name({**chosen, "threshold_rule": chosen["threshold_rule"]}),
                               "loo": chosen["loo"], "leave_one_window_out": chosen["leave_one_window_out"]},
           "unrelated_medians": medians_cache}
    for name, outer in (("nested_by_window", windows), ("nested_10_fold", kfold_groups(gold, lps))):
        out[name] = nested(values, gold, lps, usem3, windows, outer, medians_for)
        print(label, name, _row(out[name]["pooled"]), out[name]["selections"], flush=True)
    print(label, "selected on all: LOO", _row(chosen["loo"]), "LOWO", _row(chosen["leave_one_window_out"]),
          flush=True)
    return out


def _english_names(corpus) -> dict:
    """How many English pages of the pair corpus carry names from the analysis (NER mentions)."""
    english = [d for d in corpus.docs if d.language == "en"]
    def ner(d) -> int:
        return sum(m.kind == "name" and m.type in ("PER", "LOC", "ORG") for m in d.mentions)
    return {"pages": len(english), "with_ner_names": sum(ner(d) > 0 for d in english),
            "ner_names": sum(ner(d) for d in english)}


def _row(res: dict) -> str:
    return f"F1 {res['all']['f1']:.3f} (P {res['all']['precision']:.3f} R {res['all']['recall']:.3f}) " + \
        " ".join(f"{lp} {res[lp]['f1']:.3f}" for lp in xl.LANGUAGE_PAIRS)


def legacy_analyses(folder: Path, current, fell_back: list[str]):
    """robust_analyze as it was before session 9: analyses found in `folder` under the content-only keys
    (stories_common.analyze for the pair corpora, the old robust key for windows); never computes. A pair
    corpus it lacks is an error; a window it lacks (only its page languages are read, for the unrelated
    medians) is analysed by `current`, and named in `fell_back`."""
    def load(articles, name: str, robust: bool = True) -> list:
        if robust:
            path = folder / f"{name}-{_key(*(a.id + a.text for a in articles))}.robust.pkl"
        else:
            key = _key(name, *(a.id + "\1" + (a.title or "") + "\1" + a.text for a in articles))
            path = folder / f"{name}-{key}.analysis.pkl"
        if not path.exists() and robust:
            fell_back.append(name)
            return current(articles, name, robust)
        if not path.exists():
            raise SystemExit(f"{path}: no legacy analysis of {name} ({len(articles)} articles)")
        return pickle.loads(path.read_bytes())
    return load


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--legacy-cache", type=Path, help="also evaluate on the content-keyed analyses in this folder")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    if not xl.PAGES.exists():
        sys.exit(f"{xl.PAGES} not found")
    result = {"protocol": __doc__.split("\n\n")[1:3]}
    result["current"] = evaluate("current tree")
    if args.legacy_cache:
        current = xl.robust_analyze
        fell_back: list[str] = []
        xl.robust_analyze = legacy_analyses(args.legacy_cache, current, fell_back)
        try:
            result["legacy"] = evaluate(f"legacy cache {args.legacy_cache}")
            result["legacy"]["analysed_by_the_current_tree"] = fell_back
        finally:
            xl.robust_analyze = current
    if not args.no_save:
        write_result("stories_crosslingual", result, "nested")


if __name__ == "__main__":
    main()
