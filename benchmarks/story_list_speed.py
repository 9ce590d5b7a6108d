"""The story list with coverage filters on the 22k Telegram corpus: per query, the grouped SQL over the
articles table against the in-memory story table the web app keeps per corpus version, side by side.

    python benchmarks/story_list_speed.py [--db /tmp/s5/kinds/corpus.sqlite] [--repeat 15]

1. Building the story table (what the first list after a corpus change pays): wall and CPU seconds.
2. Each query of QUERIES (the default list, two outlets that must both have covered the story, kinds, blind
   spots, each sort, a period, words) three ways, interleaved so machine load hits them alike:
   `sql` = `queries.list_stories` without the table (one grouped query), `table` = with it, and `request` =
   GET /api/stories through the app in-process (TestClient; response cache off, a distinct `per_page` per
   request so no cached list is reused). Medians of wall and CPU milliseconds; ratio sql/table.
Writes benchmarks/results/story_list_speed.json. CPU times are the process's (time.process_time), so other
load on the machine changes wall times, not them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from parallax.outlet_kinds import outlet_kinds
from parallax.store import Store
from parallax.store.coverage import Coverage, StoryTable
from parallax.store.queries import Filters, list_stories

RESULTS = Path(__file__).resolve().parent / "results" / "story_list_speed.json"
RIA, BBC = "РИА Новости", "BBC News | Русская служба"
DEC1 = 1733011200.0          # 2024-12-01 UTC
# name -> (article filters, coverage, API query parameters)
QUERIES = {
    "default (recent)": (Filters(), Coverage(), {}),
    "min_outlets=2": (Filters(), Coverage(), {"min_outlets": 2}),
    "RIA and BBC": (Filters(), Coverage(outlet_groups=((RIA,), (BBC,))), {"outlet": [RIA, BBC]}),
    "kind state + foreign_public": (Filters(), Coverage(kinds=("state", "foreign_public")),
                                    {"kind": ["state", "foreign_public"]}),
    "blind spots": (Filters(), Coverage(blind_spot=True), {"blind_spot": 1}),
    "sort outlets": (Filters(), Coverage(sort="outlets"), {"sort": "outlets"}),
    "sort kinds": (Filters(), Coverage(sort="kinds"), {"sort": "kinds"}),
    "sort articles": (Filters(), Coverage(sort="articles"), {"sort": "articles"}),
    "since Dec 1, sort outlets": (Filters(since=DEC1), Coverage(sort="outlets"),
                                  {"since": "2024-12-01", "sort": "outlets"}),
    "words 'Сирия', sort kinds": (Filters(query="Сирия"), Coverage(sort="kinds"), {"q": "Сирия", "sort": "kinds"}),
}


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="/tmp/s5/kinds/corpus.sqlite")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    from fastapi.testclient import TestClient  # the web extra

    from parallax.web import create_app

    registry = outlet_kinds()
    store = Store(args.db)
    stats = store.stats()
    build = [timed(lambda: StoryTable.load(store.db, registry)) for _ in range(3)]
    table = StoryTable.load(store.db, registry)
    out = {"db": args.db, "articles": stats["articles"], "stories": stats["stories"],
           "table_build_ms": {"wall_median": statistics.median(b[0] for b in build),
                              "cpu_median": statistics.median(b[1] for b in build)},
           "queries": {}}
    per_page = iter(range(20, 100_000))
    with TestClient(create_app(args.db, response_cache=False)) as client:
        client.get("/api/stories")                       # the app's own story table, built once
        for name, (f, cov, params) in QUERIES.items():
            runs = {"sql": [], "table": [], "request": []}
            total = None
            for _ in range(args.repeat):
                runs["sql"].append(timed(lambda: list_stories(store.db, f, coverage=cov, limit=20)))
                runs["table"].append(timed(lambda: list_stories(store.db, f, coverage=cov, limit=20, table=table)))

                def request():
                    nonlocal total
                    response = client.get("/api/stories", params={**params, "per_page": next(per_page) % 100 + 1})
                    assert response.status_code == 200, response.text
                    total = response.json()["total"]
                runs["request"].append(timed(request))
            row = {way: {"wall_ms": round(statistics.median(r[0] for r in rs), 2),
                         "cpu_ms": round(statistics.median(r[1] for r in rs), 2)} for way, rs in runs.items()}
            row["total"] = total
            row["sql_over_table_cpu"] = round(row["sql"]["cpu_ms"] / max(row["table"]["cpu_ms"], 0.01), 1)
            out["queries"][name] = row
            print(f"{name:<30} total {total:>6}  sql {row['sql']['wall_ms']:7.1f} ms  table "
                  f"{row['table']['wall_ms']:6.1f} ms  request {row['request']['wall_ms']:6.1f} ms  "
                  f"(cpu {row['request']['cpu_ms']:.1f})", file=sys.stderr)
    store.close()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out["table_build_ms"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
