"""Load on the web app, on loopback only: p50/p95/p99 latency and requests/s with 50 concurrent clients.

    python benchmarks/web_load.py [--db DB] [--duration 10] [--connections 50] [--workers 1] [--tool wrk|python]

Without --db it builds (once, then reuses) a corpus of the RIA Novosti and BBC News Russian Telegram posts
of 2024-12-02..03 from ../shared/data with `parallax ingest`. It starts `parallax serve` on 127.0.0.1 and a
free port, views each target once (so the story comparison is computed and cached, as after a first
visitor), then drives each target for --duration seconds with `wrk` (Debian package) or, without wrk, a
small asyncio HTTP/1.1 client. Targets: the stories page, the page of the story whose article count is
nearest 20 (at least 20 when there is one), its JSON v1 comparison, and the stories API. Every request
goes to 127.0.0.1; runs are bounded in time; the server is stopped at the end.
Also measured: the first (uncached) view of that story, and first renders of distinct stories-page queries.
Results: benchmarks/results/web_load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
CHANNELS = ("РИА Новости", "BBC News | Русская служба")
DAYS = ("2024-12-02", "2024-12-03")
DEFAULT_DB = Path(tempfile.gettempdir()) / "parallax-web-bench.sqlite"
STORY_SIZE = 20

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "bytes": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, summary.bytes))
end
"""


def build_corpus(db: Path) -> None:
    posts = []
    for path in sorted(RAW.glob("*_messages.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        if items and items[0].get("channel") in CHANNELS:
            posts += [m for m in items if m.get("text") and str(m.get("date", ""))[:10] in DAYS]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(posts, f, ensure_ascii=False)
    try:
        subprocess.run([sys.executable, "-m", "parallax.cli.main", "ingest", f.name, "--db", str(db), "--quiet"],
                       check=True, cwd=ROOT)
    finally:
        os.unlink(f.name)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for proc in [pid] + _children(pid):
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 300) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = response.read()
    return time.perf_counter() - start, body


def wait_up(base: str, proc: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited at start")
        try:
            get(base + "/api/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def run_wrk(url: str, duration: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                              "-s", f.name, url], capture_output=True, text=True, timeout=duration + 60, check=True)
    finally:
        os.unlink(f.name)
    line = next(row for row in out.stdout.splitlines() if row.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON "):])
    seconds = raw["duration_us"] / 1e6
    return {"tool": "wrk", "requests": raw["requests"], "errors": raw["errors"] + raw["status_errors"],
            "rps": round(raw["requests"] / seconds, 1), "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "mb_per_s": round(raw["bytes"] / seconds / 1e6, 1)}


async def _client(host: str, port: int, path: str, deadline: float, latencies: list[float], errors: list[int]):
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status >= 400:
                errors.append(status)
    finally:
        writer.close()


def run_python(url: str, duration: int, connections: int) -> dict:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors: list[int] = []

    async def main():
        deadline = time.perf_counter() + duration
        await asyncio.gather(*[_client(parts.hostname, parts.port, path, deadline, latencies, errors)
                               for _ in range(connections)])

    start = time.perf_counter()
    asyncio.run(main())
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)

    return {"tool": "python-asyncio", "requests": len(ordered), "errors": len(errors),
            "rps": round(len(ordered) / seconds, 1), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "max_ms": round(ordered[-1] * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="corpus database (default: build one from ../shared/data)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per target (default 10)")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leaves a core to the server)")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--no-response-cache", action="store_true",
                    help="serve with the response cache off: every request is routed and rendered "
                         "(the story comparison itself stays cached)")
    ap.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "web_load.json"))
    args = ap.parse_args()

    db = Path(args.db) if args.db else DEFAULT_DB
    if not db.exists():
        if args.db:
            raise SystemExit(f"no database at {db}")
        if not RAW.is_dir():
            raise SystemExit(f"missing {RAW}")
        print(f"building {db} from the RIA Novosti and BBC posts of {DAYS[0]}..{DAYS[-1]} ...", flush=True)
        build_corpus(db)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "parallax.cli.main", "serve", "--db", str(db), "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(args.workers), "--log-level", "warning"]
                              + (["--no-response-cache"] if args.no_response_cache else []),
                              cwd=ROOT)
    results: dict = {"db": str(db), "connections": args.connections, "duration_s": args.duration,
                     "workers": args.workers, "tool": args.tool, "cpus": os.cpu_count(),
                     "response_cache": not args.no_response_cache,
                     "load_avg_start": round(os.getloadavg()[0], 2)}
    try:
        wait_up(base, server)
        stories = json.loads(get(base + "/api/stories?per_page=100&min_outlets=1")[1])
        total = stories["total"]
        candidates = json.loads(get(base + "/api/stories?per_page=100&min_articles=2")[1])["stories"]
        big = [s for s in candidates if s["articles"] >= STORY_SIZE]
        story = min(big, key=lambda s: s["articles"]) if big else max(candidates, key=lambda s: s["articles"])
        story_path = "/stories/" + urllib.parse.quote(story["id"], safe="")
        results["story"] = {"id": story["id"], "articles": story["articles"],
                            "outlets": [o["outlet"] for o in story["outlets"]]}
        results["corpus"] = {"stories": total}

        cold, body = get(base + story_path)
        results["first_view_story_s"] = round(cold, 2)
        results["story_page_kb"] = round(len(body) / 1024, 1)
        first_renders = []
        for query in ({}, {"min_outlets": 2}, {"outlet": "BBC"}, {"q": "Путин"}, {"since": "2024-12-03"},
                      {"page": 2}, {"per_page": 50}, {"q": "Сирия", "min_outlets": 2}, {"outlet": "РИА", "page": 3},
                      {"until": "2024-12-02"}):
            suffix = "?" + urllib.parse.urlencode(query) if query else ""
            first_renders.append(get(base + "/stories" + suffix)[0] * 1000)
        results["stories_page_first_render_ms"] = {"p50": round(statistics.median(first_renders), 1),
                                                   "max": round(max(first_renders), 1)}
        targets = {"stories page": "/stories", f"story page ({story['articles']} articles)": story_path,
                   "story comparison JSON v1": f"/api/stories/{urllib.parse.quote(story['id'], safe='')}/comparison",
                   "stories API": "/api/stories"}
        results["targets"] = {}
        for name, path in targets.items():
            get(base + path)
            cpu_before = cpu_seconds(server.pid)
            if args.tool == "wrk":
                row = run_wrk(base + path, args.duration, args.connections, args.threads)
            else:
                row = run_python(base + path, args.duration, args.connections)
            row["path"] = path
            # server CPU per request: what the server needs, whatever else the machine is doing
            row["server_cpu_ms_per_request"] = round((cpu_seconds(server.pid) - cpu_before) * 1000
                                                     / max(1, row["requests"]), 3)
            results["targets"][name] = row
            print(f"{name:40s} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                  f"p99 {row['p99_ms']:7.1f} ms  server CPU {row['server_cpu_ms_per_request']:.2f} ms/req  "
                  f"errors {row['errors']}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    results["load_avg_end"] = round(os.getloadavg()[0], 2)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "targets"}, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
