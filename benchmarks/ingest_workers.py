"""`parallax ingest --workers N` (and `--scheduler`) measured side by side in one run, on Telegram posts.

    python benchmarks/ingest_workers.py [--posts 1000] [--repeats 3] [--workers 1 2]
    python benchmarks/ingest_workers.py --posts 1000 --dask        # also a local Dask cluster (+ PostgreSQL)

The corpus: every k-th post (text of 200+ characters) of the channel dumps in
../shared/data/telegram-ru-news-channels/data/raw, k chosen to give --posts posts, written as one Telegram
dump. It is stored once (`ingest --no-analyze`); each run copies that database and analyses it with N
worker processes, in a fresh Python process, alternating N within every repeat (so the machine's load hits
all of them alike). The models are loaded before the clock in every run (N workers are forked from the
process that loaded them). Reported per run: wall seconds of the analysis, CPU seconds of the process and
its children and CPU per post (with N workers: the workers' own CPU on their chunks and the parent's), the
model load, and the machine load average; then the speedup of each N against one worker, repeat by repeat, and a check that every run
stored the same analyses (the serialized JSON) and the same stories (clustered after analysis).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
PY = sys.executable

# runs in a fresh interpreter: load the models (before the clock: one worker uses them here, N workers are
# forked from this process and inherit them), analyse the copied store with N workers, then cluster; print
# one JSON line
RUN = r"""
import json, resource, sys, time
from parallax.store import Store
from parallax.parallel.workers import WorkerCPU, _init_worker, analyze_pending_parallel
from parallax.pipeline import cluster_pending
db, workers = sys.argv[1], int(sys.argv[2])
def own_cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime
def cpu():
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own_cpu() + kids.ru_utime + kids.ru_stime
with Store(db) as store:
    t0, c0 = time.perf_counter(), cpu()
    _init_worker()
    load, load_cpu = time.perf_counter() - t0, cpu() - c0
    t0, c0, p0 = time.perf_counter(), cpu(), own_cpu()
    worker_cpu = WorkerCPU()
    summary = analyze_pending_parallel(store, workers, worker_cpu=worker_cpu)
    wall, used, parent = time.perf_counter() - t0, cpu() - c0, own_cpu() - p0
    cluster_pending(store)
    print(json.dumps({"workers": workers, "wall": wall, "cpu": used, "parent_cpu": parent,
                      "worker_chunk_cpu": worker_cpu.seconds if workers > 1 else None,
                      "load_models": load, "load_cpu": load_cpu,
                      "analysed": summary.analysed, "failed": summary.analysis_failed}))
"""


def make_corpus(path: Path, posts: int) -> int:
    candidates = []
    for file in sorted(RAW.glob("*_messages.json")):
        for message in json.loads(file.read_text(encoding="utf-8")):
            if len(message.get("text") or "") >= 200:
                candidates.append(message)
    step = max(1, len(candidates) // posts)
    chosen = candidates[::step][:posts]
    path.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
    return len(chosen)


def fingerprint(db: str) -> dict:
    """Hashes of the stored analyses (decompressed JSON, without the creation time) and of the stories (sets
    of article identities with their story id)."""
    from parallax.store import Store
    with Store(db) as store:
        rows = store.db.query("SELECT a.ident, n.data, a.story_id FROM articles a JOIN analyses n "
                              "ON n.article_pk = a.pk ORDER BY a.ident")
        import zlib
        analyses = hashlib.sha256()
        stories = hashlib.sha256()
        for ident, blob, story in rows:
            analyses.update(ident.encode() + zlib.decompress(bytes(blob)))
            stories.update(f"{ident}\t{story}\n".encode())
        n_stories = store.db.scalar("SELECT COUNT(DISTINCT story_id) FROM articles WHERE story_id IS NOT NULL")
    return {"analyses": analyses.hexdigest()[:16], "stories": stories.hexdigest()[:16], "n_stories": n_stories,
            "articles": len(rows)}


def run_once(base: Path, workdir: Path, workers: int, tag: str) -> dict:
    db = workdir / f"run-{tag}-w{workers}.sqlite"
    shutil.copy(base, db)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([PY, "-c", RUN, str(db), str(workers)], capture_output=True, text=True, env=env,
                         cwd=REPO, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["loadavg"] = os.getloadavg()[0]
    result.update(fingerprint(str(db)))
    db.unlink()
    return result


def start_dask(workdir: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and `workers` one-thread worker processes on loopback, random ports."""
    dask = str(Path(PY).with_name("dask"))
    info = workdir / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not (info.exists() and info.stat().st_size):
        time.sleep(0.2)
    for i in range(workers):
        procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                                       "--memory-limit", "1.5GiB", "--no-dashboard", "--name", f"w{i}",
                                       "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return json.loads(info.read_text())["address"], procs


def run_dask(corpus: Path, workdir: Path, workers: int, pg: str) -> dict:
    """The whole ingest (read, store, analyse, embed, cluster) on a local Dask cluster into a fresh schema."""
    import psycopg
    from distributed import Client

    from parallax.parallel.dask_cluster import ClusterRun, ingest_on_cluster
    from parallax.store import Store

    schema = f"bench_{os.getpid()}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    url = pg + ("&" if "?" in pg else "?") + f"options=-csearch_path%3D{schema}"
    address, procs = start_dask(workdir, workers)
    try:
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        run = ClusterRun()
        started = time.perf_counter()
        with Store(url) as store:
            summary = ingest_on_cluster(store, [str(corpus)], address, run=run)
        wall = time.perf_counter() - started
        result = {"wall": wall, "run": run, "summary": summary.as_dict(), "loadavg": os.getloadavg()[0]}
        result.update(fingerprint(url))
        return result
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def report_dask(result: dict, reference: dict) -> None:
    run, tasks = result["run"], sorted(result["run"].task_seconds)
    print(f"dask: {run.workers} workers, {run.read_tasks} reading task(s), {run.analysis_tasks} analysis tasks "
          f"({run.failed_tasks} failed), wall {result['wall']:.1f} s; stages "
          + ", ".join(f"{k} {v:.1f} s (client CPU {run.cpu_seconds[k]:.1f} s)" for k, v in run.seconds.items())
          + f"; load avg {result['loadavg']:.2f}")
    warm = tasks[:-run.workers] or tasks          # the slowest task of each worker also loaded its models
    print(f"dask: analysis task CPU seconds (64 articles): median {warm[len(warm) // 2]:.2f}, "
          f"max {tasks[-1]:.2f}; {sum(warm) / max(1, len(warm)) / 64 * 1000:.1f} ms per article on a warm worker")
    print(f"dask: same analyses and stories as one process: "
          f"{(result['analyses'], result['stories']) == (reference['analyses'], reference['stories'])} "
          f"({result['n_stories']} stories, {result['articles']} articles)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dask", action="store_true", help="also ingest on a local Dask cluster of 2 workers")
    ap.add_argument("--pg", default=os.environ.get("PARALLAX_TEST_PG"), help="PostgreSQL URL for --dask")
    args = ap.parse_args()
    if args.dask and not args.pg:
        print("--dask needs --pg URL (or PARALLAX_TEST_PG)", file=sys.stderr)
        return 2
    if not RAW.is_dir():
        print(f"no corpus at {RAW}", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="parallax-workers-"))
    try:
        corpus = workdir / "posts.json"
        n = make_corpus(corpus, args.posts)
        base = workdir / "base.sqlite"
        stored = subprocess.run([PY, "-m", "parallax.cli", "ingest", str(corpus), "--db", str(base), "--no-analyze",
                                 "--quiet"], cwd=REPO, capture_output=True, text=True)
        if stored.returncode not in (0, 3):         # 3: some records rejected (too short, empty)
            print(stored.stderr, file=sys.stderr)
            return 1
        print(f"{n} posts, mean {sum(len(m['text']) for m in json.loads(corpus.read_text())) / n:.0f} chars; "
              f"{os.cpu_count()} cores")
        rows = []
        for repeat in range(args.repeats):
            for workers in args.workers:
                row = run_once(base, workdir, workers, str(repeat))
                row["repeat"] = repeat
                rows.append(row)
                ms = 1000 / row["analysed"]
                split = (f"workers' chunks {row['worker_chunk_cpu'] * ms:.1f} + this process "
                         f"{row['parent_cpu'] * ms:.1f} ms/post" if row["worker_chunk_cpu"] is not None else
                         "all in this process")
                print(f"repeat {repeat} workers {workers}: wall {row['wall']:.1f} s, cpu {row['cpu']:.1f} s "
                      f"({row['cpu'] * ms:.1f} ms/post: {split}), models {row['load_models']:.1f} s "
                      f"({row['load_cpu']:.1f} CPU-s), load avg {row['loadavg']:.2f}, analyses {row['analyses']}, "
                      f"stories {row['stories']} ({row['n_stories']})", flush=True)
        for repeat in range(args.repeats):
            one = next(r for r in rows if r["repeat"] == repeat and r["workers"] == 1)
            for r in rows:
                if r["repeat"] == repeat and r["workers"] != 1:
                    # CPU per post with N workers against one (models loaded before the clock in both): the
                    # share of the ideal N-fold speed-up that a machine with N idle cores would see
                    efficiency = (one["cpu"] / one["analysed"]) / (r["cpu"] / r["analysed"])
                    # a whole `ingest --workers N` loads the models once either way: the wall ratio with one
                    # model load on each side is what a user sees
                    load = (one["load_models"] + r["load_models"]) / 2
                    print(f"repeat {repeat}: {r['workers']} workers {one['wall'] / r['wall']:.2f}x one worker "
                          f"(wall, analysis), {(one['wall'] + load) / (r['wall'] + load):.2f}x with the model load; "
                          f"CPU per post {efficiency:.2f} of one worker's -> {r['workers'] * efficiency:.2f}x "
                          f"on {r['workers']} idle cores")
        # side by side: N workers against one worker of the same repeat (across repeats too, unless the code
        # changed while the benchmark ran)
        same = all(len({(r["analyses"], r["stories"]) for r in rows if r["repeat"] == repeat}) == 1
                   for repeat in range(args.repeats))
        print("same analyses and stories as one worker in every repeat:", same,
              "- and across repeats:", len({(r["analyses"], r["stories"]) for r in rows}) == 1)
        if args.dask:
            result = run_dask(corpus, workdir, 2, args.pg)
            report_dask(result, rows[0])
            same = same and (result["analyses"], result["stories"]) == (rows[0]["analyses"], rows[0]["stories"])
        return 0 if same else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
