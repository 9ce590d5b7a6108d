"""Corpus scale: ingest + analyse + cluster all posts of ../shared/data/telegram-ru-news-channels into a fresh
SQLite database, stage by stage, with wall and CPU time and peak memory.

    python benchmarks/corpus_scale.py [--limit N] [--db /tmp/parallax-scale.sqlite] [--keep]

The three stages are the ones `parallax ingest` runs (store raw -> analyse new -> cluster new); they are
called here one after another so each is timed on its own. Articles/s "per core" is articles per
CPU-second of this process (the machine is shared, so wall time alone would undercount). Clustering time
at 5k/10k/22k and the synthetic 100k are measured by benchmarks/stories_scale.py (results/stories_scale.json).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RAW = ROOT.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"


def stage(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None, help="only the first N records (for a quick run)")
    ap.add_argument("--db", default="/tmp/parallax-scale.sqlite")
    ap.add_argument("--keep", action="store_true", help="keep an existing database (resume)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "corpus_scale.json"))
    args = ap.parse_args()
    if not RAW.is_dir():
        sys.exit(f"missing {RAW}")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
    from parallax.ingest.sources import iter_sources
    from parallax.pipeline import analyze_pending, cluster_pending, ingest_records
    from parallax.store import Store

    files = sorted(str(p) for p in RAW.glob("*_messages.json"))
    results: dict = {"files": len(files), "load_avg_start": os.getloadavg()[0], "cpus": os.cpu_count()}
    with Store(args.db) as store:
        def records():
            for n, rec in enumerate(iter_sources(files)):
                if args.limit is not None and n >= args.limit:
                    return
                yield rec
        summary, w, c = stage(lambda: ingest_records(store, records()))
        n_new = summary.new
        results["ingest"] = {**summary.as_dict(), "wall_s": round(w, 1), "cpu_s": round(c, 1),
                             "articles_per_s": round(summary.read / w, 1), "articles_per_cpu_s": round(summary.read / c, 1)}
        print("ingest", results["ingest"], flush=True)
        s2, w, c = stage(lambda: analyze_pending(store))
        done = s2.analysed if hasattr(s2, "analysed") else n_new
        results["analyse"] = {"articles": done, "wall_s": round(w, 1), "cpu_s": round(c, 1),
                              "articles_per_s": round(done / w, 1), "articles_per_cpu_s": round(done / c, 1)}
        print("analyse", results["analyse"], flush=True)
        s3, w, c = stage(lambda: cluster_pending(store))
        clustered = getattr(s3, "clustered", n_new)
        results["cluster"] = {"articles": clustered, "wall_s": round(w, 1), "cpu_s": round(c, 1),
                              "stories_new": getattr(s3, "stories_new", None),
                              "articles_per_s": round(clustered / w, 1) if w else None}
        print("cluster", results["cluster"], flush=True)
        stats = store.stats()
        results["store"] = stats
        both = store.list_stories(min_outlets=2, limit=100000)
        results["stories_with_2plus_outlets"] = len(both)
    total_w = sum(results[k]["wall_s"] for k in ("ingest", "analyse", "cluster"))
    total_c = sum(results[k]["cpu_s"] for k in ("ingest", "analyse", "cluster"))
    n = results["ingest"]["ingested"]
    results["end_to_end"] = {"articles": n, "wall_s": round(total_w, 1), "cpu_s": round(total_c, 1),
                             "articles_per_s": round(n / total_w, 1), "articles_per_cpu_s": round(n / total_c, 1)}
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["db_mb"] = round(Path(args.db).stat().st_size / 2**20, 1)
    results["load_avg_end"] = os.getloadavg()[0]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
