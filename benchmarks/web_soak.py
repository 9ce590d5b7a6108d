"""A bounded soak of the web app on loopback (issue 16, item 3): many readers while articles are POSTed.

    python benchmarks/web_soak.py [--db DB] [--duration 60] [--clients 50] [--window 10] [--write-every 0.5]

It starts `parallax serve` on 127.0.0.1 and a free port with a token, over a copy of --db or, without it, of
the small web test corpus (tests/web/web_corpus.py, built in a temporary folder: no shared data needed). Then,
for --duration seconds (it stops by itself), --clients reader threads, each on its own keep-alive connection,
loop over the story list, a story page, the story JSON, its comparison, the search page and the search API,
while one writer POSTs a small article with the token every --write-every seconds (analysed and grouped, so
every write changes the corpus and the response caches start over). --writes bridge (default): the articles
join the bridge story the readers read, which grows all run; --writes other: they are on other topics, so the
work of a read stays the same and what memory does is the server's own. Per --window seconds it records requests,
5xx answers, connection errors, p50/p95/max latency and the server's resident memory (VmRSS of the server
process, sampled every second). Nothing leaves 127.0.0.1; the server is stopped at the end.
Results: benchmarks/results/web_soak.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "web_soak.json"
TOKEN = "soak-token-0123456789abcdef"
HOST = "127.0.0.1"
OUTLETS = ("Вечерний вестник", "Утренняя газета", "Обозреватель")
SENTENCES = ("В Омске открыли новый мост через Иртыш.", "Длина моста {n} метров.",
             "Министр Иван Петров заявил, что движение откроют через {n} дней.",
             "По словам мэра, стройка обошлась в {n} миллионов рублей.", "Горожане встретили открытие с радостью.")
# --writes other: articles on topics no reader asks for, so the stories read do not grow (memory control run)
OTHER = ("Синоптики обещают в Томске {n} мм осадков.", "В Казани прошёл фестиваль, его посетили {n} человек.",
         "Футбольный клуб из Самары выиграл со счётом {n}:0.", "В Перми открыли выставку из {n} картин.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def build_test_corpus(path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    from web_corpus import build_corpus  # lazy: a test helper, only when no --db is given
    build_corpus(path)


class Server:
    """`parallax serve` on 127.0.0.1 with the token, its output in a log file."""

    def __init__(self, db: Path, log: Path):
        self.port = free_port()
        self.log = open(log, "wb")
        env = {**os.environ, "PARALLAX_TOKEN": TOKEN}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parallax.cli.main", "serve", "--db", str(db), "--host", HOST,
             "--port", str(self.port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                if request(HOST, self.port, "GET", "/api/health")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def request(host: str, port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def reader_paths(port: int) -> list[str]:
    status, body = request(HOST, port, "GET", "/api/stories")
    stories = json.loads(body)["stories"] if status == 200 else []
    paths = ["/stories", "/search?q=" + urllib.parse.quote("мост"), "/api/search?q=" + urllib.parse.quote("мост")]
    for story in stories[:3]:
        sid = urllib.parse.quote(str(story["id"]))
        paths += [f"/stories/{sid}", f"/api/stories/{sid}", f"/api/stories/{sid}/comparison"]
    return paths


def soak(db: Path, *, duration: float = 60, clients: int = 50, window: float = 10, write_every: float = 0.5,
         log: Path | None = None, writes: str = "bridge") -> dict:
    """Run the soak on a copy of `db`; returns the result document (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="parallax-soak-") as tmp:
        copy = Path(tmp) / "corpus.sqlite"
        shutil.copy(db, copy)
        server = Server(copy, log or Path(tmp) / "serve.log")
        try:
            return _drive(server, duration=duration, clients=clients, window=window, write_every=write_every,
                          topic=writes)
        finally:
            server.stop()


def _drive(server: Server, *, duration: float, clients: int, window: float, write_every: float,
           topic: str) -> dict:
    port, pid = server.port, server.process.pid
    paths = reader_paths(port)
    # one write before the clock starts: the analyser and the encoder load on the first write (~100 MB), and
    # the soak is about what memory does afterwards, not about that one-time load
    warm = json.dumps({"articles": [{"id": "soak-warm-up", "outlet": OUTLETS[0], "title": "Разогрев",
                                     "date": "2024-11-25", "text": OTHER[0].format(n=1)}]}).encode("utf-8")
    request(HOST, port, "POST", "/api/articles", warm,
            {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    for path in paths:                            # first views: comparisons computed, as after a first visitor
        request(HOST, port, "GET", path)
    samples: list[tuple[float, float, int]] = []  # (seconds since start, latency s, status; 0 = connection error)
    writes: list[tuple[float, float, int]] = []
    memory: list[tuple[float, float]] = []
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + duration

    def reader(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        i = k
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.monotonic()
            try:
                status, _ = request(HOST, port, "GET", path, conn=conn)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
            with lock:
                samples.append((t0 - start, time.monotonic() - t0, status))
        conn.close()

    def writer() -> None:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            text = (" ".join(s.format(n=100 + n) for s in SENTENCES[: 2 + n % 4]) if topic == "bridge"
                    else OTHER[n % len(OTHER)].format(n=n) + " " + OTHER[(n + 1) % len(OTHER)].format(n=n + 7))
            body = json.dumps({"articles": [{"id": f"soak-{n}", "outlet": OUTLETS[n % len(OUTLETS)],
                                             "title": f"Сообщение {n}",
                                             "date": "2024-11-26", "text": text}]}).encode("utf-8")
            t0 = time.monotonic()
            try:
                status, _ = request(HOST, port, "POST", "/api/articles", body,
                                    {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
            except (OSError, http.client.HTTPException):
                status = 0
            writes.append((t0 - start, time.monotonic() - t0, status))
            time.sleep(max(0.0, write_every - (time.monotonic() - t0)))

    def sampler() -> None:
        while time.monotonic() < stop_at:
            value = rss_mb(pid)
            if value is not None:
                memory.append((time.monotonic() - start, value))
            time.sleep(1.0)

    rss_before = rss_mb(pid)
    threads = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(clients)]
    threads += [threading.Thread(target=writer, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 120)
    return summarize(samples, writes, memory, duration=duration, clients=clients, window=window,
                     write_every=write_every, paths=paths, rss_before=rss_before, rss_after=rss_mb(pid))


def summarize(samples, writes, memory, *, duration, clients, window, write_every, paths, rss_before,
              rss_after) -> dict:
    windows = []
    n_windows = max(1, round(duration / window))
    for w in range(n_windows):
        lo, hi = w * window, (w + 1) * window
        inside = [s for s in samples if lo <= s[0] < hi or (w == n_windows - 1 and s[0] >= hi)]
        lat = [s[1] * 1000 for s in inside if s[2]]
        mem = [m for t, m in memory if lo <= t < hi]
        wrote = [s for s in writes if lo <= s[0] < hi]
        windows.append({"start_s": lo, "requests": len(inside), "5xx": sum(1 for s in inside if s[2] >= 500),
                        "errors": sum(1 for s in inside if s[2] == 0),
                        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
                        "max_ms": round(max(lat, default=0.0), 1),
                        "writes": len(wrote), "writes_ok": sum(1 for s in wrote if s[2] == 200),
                        "rss_mb": round(max(mem), 1) if mem else None})
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s[2])] = statuses.get(str(s[2]), 0) + 1
    write_lat = [s[1] * 1000 for s in writes]
    return {"duration_s": duration, "clients": clients, "window_s": window, "write_every_s": write_every,
            "paths": paths, "requests": len(samples), "requests_per_s": round(len(samples) / duration, 1),
            "statuses": statuses, "5xx": sum(1 for s in samples if s[2] >= 500),
            "errors": sum(1 for s in samples if s[2] == 0),
            "writes": len(writes), "writes_ok": sum(1 for s in writes if s[2] == 200),
            "write_5xx": sum(1 for s in writes if s[2] >= 500),
            "write_p50_ms": round(statistics.median(write_lat), 1) if write_lat else None,
            "write_max_ms": round(max(write_lat, default=0.0), 1),
            "rss_before_mb": rss_before, "rss_after_mb": rss_after, "windows": windows}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, help="corpus database (default: the web test corpus, built afresh)")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--window", type=float, default=10.0)
    p.add_argument("--write-every", type=float, default=0.5)
    p.add_argument("--writes", choices=["bridge", "other"], default="bridge",
                   help="bridge: the articles join a story the readers read (it grows); other: they do not")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="parallax-soak-db-") as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "corpus.sqlite"
            build_test_corpus(db)
        result = soak(db, duration=args.duration, clients=args.clients, window=args.window,
                      write_every=args.write_every, writes=args.writes)
    result["writes_topic"] = args.writes
    result["db"] = str(args.db) if args.db else "tests/web/web_corpus.py"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "windows"}, ensure_ascii=False))
    for w in result["windows"]:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
