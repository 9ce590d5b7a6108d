"""`parallax threads`: stories linked into developing stories over days (parallax/stories/threads.py).

    parallax threads [--since DATE] [--until DATE] [--min-stories 2] [--limit N] [--json] [--rebuild]
    parallax threads show ID [--json]

Ingest keeps the threads up to date after clustering; a store clustered before threads existed is
threaded here first (when it can be written).
"""
from __future__ import annotations

import json
import sys
from typing import Any

from parallax.cli.common import DB_HELP, EXIT_FAILED, fail
from parallax.periods import parse_period


def register(sub) -> None:
    p = sub.add_parser("threads", help="developing stories: stories linked over days, with a timeline",
                       description="List threads (stories of one developing matter over days, linked by shared "
                                   "people, organisations and places, topic and time) with their stories in time "
                                   "order; `parallax threads show ID` prints one thread's timeline and which "
                                   "outlet covered which step.")
    p.add_argument("action", nargs="*", metavar="show ID", help="show one thread")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--since", metavar="DATE", help="threads with a story on/after DATE")
    p.add_argument("--until", metavar="DATE", help="threads with a story on/before DATE")
    p.add_argument("--min-stories", type=int, default=2, metavar="N", help="at least N stories (default 2)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="show at most N threads")
    p.add_argument("--json", action="store_true",
                   help='print {"threads": [{"id", "title", "first", "last", "articles", "stories": [...]}], '
                        '"total"} (with show: the thread, its stories with articles, and the timeline)')
    p.add_argument("--rebuild", action="store_true", help="decide every story's thread again first")
    p.set_defaults(func=run_threads)


def run_threads(args) -> int:
    import parallax.api as px  # lazy: the API imports the store and the analysis (~0.7 s); --help must not

    if args.action and (len(args.action) != 2 or args.action[0] != "show"):
        return fail("threads: expected `parallax threads show ID` or no argument")
    if args.min_stories < 1 or (args.limit is not None and args.limit < 1):
        return fail("threads: --min-stories and --limit take a number >= 1")
    try:
        since, until = parse_period(args.since, args.until)
    except ValueError as exc:
        return fail(f"threads: bad date ({exc}); use YYYY-MM-DD or an ISO timestamp")
    with px.open_corpus(args.db) as store:
        _bring_up_to_date(px, store, args.rebuild)
        if args.action:
            thread = px.thread(store, args.action[1])
            if thread is None:
                return fail(f"threads: no thread with id {args.action[1]!r} (list them with `parallax threads`)",
                            EXIT_FAILED)
            print(json.dumps(thread, ensure_ascii=False, indent=2) if args.json else format_thread(thread))
            return 0
        threads, total = px.list_threads(store, since=since, until=until, min_stories=args.min_stories,
                                         limit=args.limit)
    if args.json:
        print(json.dumps({"threads": [t.as_dict() for t in threads], "total": total}, ensure_ascii=False, indent=2))
        return 0
    if not threads:
        print("no threads match" if (args.since or args.until) else
              "no threads yet (run `parallax ingest SOURCE...` first)")
        return 0
    for thread in threads:
        print(format_summary(thread))
    if args.limit and total > len(threads):
        print(f"({len(threads)} of {total} threads; --limit)")
    return 0


def _bring_up_to_date(px, store, rebuild: bool) -> None:
    try:
        counts = px.update_threads(store, rebuild=rebuild)
    except Exception as exc:  # noqa: BLE001 - a read-only database still lists the threads it has
        print(f"parallax: threads: could not update the stored threads ({exc}); listing what is stored",
              file=sys.stderr)
        return
    if counts["stories"]:
        print(f"threads: {counts['stories']} stories threaded", file=sys.stderr)


def _when(stamp: str | None) -> str:
    return (stamp or "?")[:16].replace("T", " ")


def format_summary(thread) -> str:
    n = len(thread.members)
    lines = [f"{thread.id}  {thread.title or '(untitled)'}",
             f"    {_when(thread.first)} – {_when(thread.last)} · {n} stories · "
             f"{thread.articles} articles"]
    for m in thread.members:
        lines.append(f"    {_when(m['first'])}  {m['id']}  {m['title'] or '(untitled)'} ({m['articles']})")
    return "\n".join(lines)


def format_thread(thread: dict[str, Any]) -> str:
    """The timeline of a thread: each day's stories with their outlets, then which outlet covered which
    story (one column per story, in time order)."""
    stories = {s["id"]: s for s in thread["stories"]}
    lines = [f"{thread['id']}  {thread['title'] or '(untitled)'}",
             f"    {_when(thread['first'])} – {_when(thread['last'])} · {thread['story_count']} stories · "
             f"{thread['articles']} articles", ""]
    order = [s["id"] for s in thread["stories"]]
    for day in thread["timeline"]["days"]:
        lines.append(day["day"])
        for sid in day["stories"]:
            s = stories[sid]
            why = f" ← {', '.join(s['shared'][:4])}" if s["via"] else ""
            lines.append(f"  {order.index(sid) + 1:>3}. {_when(s['first'])[11:]}  {s['title'] or '(untitled)'}  "
                         f"[{sid}, {s['articles']} art.]{why}")
            lines.append(f"       {', '.join(s['outlets'])}")
    lines += ["", "coverage (articles per story, stories numbered as above):"]
    width = max((len(o["outlet"]) for o in thread["timeline"]["outlets"]), default=6)
    lines.append(" " * (width + 2) + " ".join(f"{i + 1:>3}" for i in range(len(order))))
    for o in thread["timeline"]["outlets"]:
        cells = " ".join(f"{o['stories'].get(sid, 0) or '·':>3}" for sid in order)
        lines.append(f"  {o['outlet']:<{width}}{cells}")
    return "\n".join(lines)
