"""First view of an outlet page on the 22k Telegram corpus, and what keeping the profile counts costs at ingest.

    python benchmarks/profiles_first_view.py [--db /tmp/s5/profiles/corpus.sqlite] [--sample-files 3]

1. The corpus: `--db` (built with `parallax ingest ../shared/data/telegram-ru-news-channels/data/raw` when
   missing). Its profile cache is brought up to date with `parallax profiles` (CPU and wall time recorded:
   what an existing corpus pays once).
2. First view: for RIA Novosti and BBC News Russian, a fresh Python process opens the web app (no page cache),
   then times `GET /outlets/<name>` (the request only, wall and CPU of the process; interpreter start and
   imports apart, also recorded)
   and the profile computed without the cache (`outlet_profile(..., cached=False)`, the path of before) in
   another fresh process.
3. Ingest overhead, side by side: the posts of `--sample-files` channel files ingested into a new database
   with `--no-profiles` (CPU time A), then `parallax profiles` on it (CPU time B: the per-article counts and
   the omissions of the stories with three or more outlets, measured apart). Overhead = (A + B) / A.

CPU times are of the child processes (user + system), so other load on the machine changes wall times, not
them. Writes benchmarks/results/profiles_first_view.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / ".." / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
RESULTS = ROOT / "benchmarks" / "results" / "profiles_first_view.json"
PARALLAX = [sys.executable, "-m", "parallax.cli"]
OUTLETS = ("РИА Новости", "BBC News | Русская служба")

FIRST_VIEW = r"""
import json, sys, time
t0 = time.perf_counter()
from fastapi.testclient import TestClient
from parallax.web.app import create_app
app = create_app(sys.argv[1])
client = TestClient(app)
t1 = time.perf_counter()
url = "/outlets/" + sys.argv[2]
t2 = time.perf_counter(); c2 = time.process_time()
r = client.get(url)
t3 = time.perf_counter(); c3 = time.process_time()
r2 = client.get(url)
t4 = time.perf_counter()
print(json.dumps({"status": r.status_code, "loading_page": "profile-loading" in r.text, "bytes": len(r.content),
                  "startup_s": round(t1 - t0, 3), "first_view_s": round(t3 - t2, 3),
                  "first_view_cpu_s": round(c3 - c2, 3),
                  "second_view_s": round(t4 - t3, 4)}))
"""

UNCACHED = r"""
import json, sys, time
from parallax.outlets.profiles import outlet_profile
from parallax.store import Store
store = Store(sys.argv[1])
t0 = time.perf_counter(); c0 = time.process_time()
outlet_profile(store, sys.argv[2], cached=True)
t1 = time.perf_counter(); c1 = time.process_time()
outlet_profile(store, sys.argv[2], cached=False, omissions=False)
t2 = time.perf_counter(); c2 = time.process_time()
print(json.dumps({"cached_s": round(t1 - t0, 3), "cached_cpu_s": round(c1 - c0, 3),
                  "uncached_no_omissions_s": round(t2 - t1, 2), "uncached_no_omissions_cpu_s": round(c2 - c1, 2)}))
"""


def run(args: list[str], **kw) -> tuple[subprocess.CompletedProcess, float, float]:
    """(result, wall s, CPU s of the child: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(args[:6])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result, wall, cpu


def first_views(db: str) -> dict:
    out = {}
    for outlet in OUTLETS:
        view, _, _ = run([sys.executable, "-c", FIRST_VIEW, db, quote(outlet, safe="")])
        direct, _, _ = run([sys.executable, "-c", UNCACHED, db, outlet])
        out[outlet] = {**json.loads(view.stdout.strip().splitlines()[-1]),
                       **json.loads(direct.stdout.strip().splitlines()[-1])}
        print(outlet, out[outlet], flush=True)
    return out


def ingest_overhead(files: int, workdir: Path) -> dict:
    sample = sorted(RAW.glob("*.json"), key=lambda p: p.stat().st_size)[:files]
    db = workdir / "sample.sqlite"
    _, wall_a, cpu_a = run([*PARALLAX, "ingest", *map(str, sample), "--db", str(db), "--quiet", "--workers", "1",
                            "--no-profiles"])
    _, wall_b1, cpu_b1 = run([*PARALLAX, "profiles", "--db", str(db), "--no-omissions"])
    _, wall_b2, cpu_b2 = run([*PARALLAX, "profiles", "--db", str(db)])
    articles = int(subprocess.run(["sqlite3", str(db), "SELECT COUNT(*) FROM articles"], capture_output=True,
                                  text=True).stdout.strip() or 0)
    stories = int(subprocess.run(["sqlite3", str(db), "SELECT COUNT(*) FROM profile_story_omissions"],
                                 capture_output=True, text=True).stdout.strip() or 0)
    return {"files": [p.name for p in sample], "articles": articles, "stories_with_3_outlets": stories,
            "ingest_cpu_s": round(cpu_a, 1), "ingest_wall_s": round(wall_a, 1),
            "profile_counts_cpu_s": round(cpu_b1, 1), "omissions_cpu_s": round(cpu_b2, 1),
            "ratio_counts": round((cpu_a + cpu_b1) / cpu_a, 3),
            "ratio_counts_and_omissions": round((cpu_a + cpu_b1 + cpu_b2) / cpu_a, 3),
            "note": "each `parallax` process loads its models (~5-10 CPU s), which inflates B; see the README"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="/tmp/s5/profiles/corpus.sqlite")
    ap.add_argument("--sample-files", type=int, default=3)
    ap.add_argument("--skip-overhead", action="store_true", help="only the first views")
    ap.add_argument("--overhead-only", action="store_true", help="only the ingest overhead")
    args = ap.parse_args()
    if not RAW.exists():
        print(f"no data at {RAW}", file=sys.stderr)
        return 1
    # parts measured in separate runs are merged into one results file
    result: dict = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if args.overhead_only:
        return _overhead(result, args.sample_files)
    result["db"] = args.db
    if not os.path.exists(args.db):
        _, wall, cpu = run([*PARALLAX, "ingest", str(RAW), "--db", args.db, "--quiet"])
        result["build"] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
    _, wall, cpu = run([*PARALLAX, "profiles", "--db", args.db])
    result["profiles_refresh"] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
    print("profiles refresh", result["profiles_refresh"], flush=True)
    result["first_view"] = first_views(args.db)
    if not args.skip_overhead:
        return _overhead(result, args.sample_files)
    return _write(result)


def _overhead(result: dict, files: int) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="profiles_bench_"))
    try:
        result["ingest_overhead"] = ingest_overhead(files, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("ingest overhead", result["ingest_overhead"], flush=True)
    return _write(result)


def _write(result: dict) -> int:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
