"""Story pages of big stories: bytes of the HTML and, in Chromium at 375×812 (a phone), the page's height in
screens and any sideways overflow.

    python benchmarks/story_page_size.py --db corpus.sqlite [--min-posts 40] [--out benchmarks/results/story_page_size.json]

The corpus is any `parallax ingest` database (the 22k Telegram posts of ../shared/data for the numbers in
WEB.md). Pages are rendered by the app itself (TestClient, Russian, Moscow time) for every story of at least
--min-posts articles; Chromium (/usr/bin/chromium) loads each page served by a local server to measure it.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 375, "height": 812}


def big_stories(db: str, min_posts: int) -> list[tuple[str, int, int]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT story_id, COUNT(*), COUNT(DISTINCT outlet) FROM articles WHERE story_id IS NOT "
                           "NULL GROUP BY story_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC",
                           (min_posts,)).fetchall()
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--min-posts", type=int, default=40)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "story_page_size.json"))
    args = ap.parse_args()
    import uvicorn
    from playwright.sync_api import sync_playwright

    from parallax.web import create_app
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    from web_support import free_port

    app = create_app(args.db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
            page = context.new_page()
            for story, posts, outlets in big_stories(args.db, args.min_posts):
                started = time.perf_counter()
                response = page.goto(f"http://127.0.0.1:{port}/stories/{story}", wait_until="load")
                first_s = time.perf_counter() - started
                body = response.body()
                width, height = page.evaluate("[document.documentElement.scrollWidth, "
                                              "document.documentElement.scrollHeight]")
                rows.append({"story": story, "posts": posts, "outlets": outlets, "bytes": len(body),
                             "kb": round(len(body) / 1024, 1), "phone_height_px": height,
                             "phone_screens": round(height / PHONE["height"], 1),
                             "phone_overflow_px": max(0, width - PHONE["width"]), "first_view_s": round(first_s, 2)})
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
            browser.close()
    finally:
        server.should_exit = True
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"db": args.db, "stories": rows}, ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
