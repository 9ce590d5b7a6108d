"""`parallax ingest`, `parallax stories`, `parallax export`: the corpus commands.

The database is `--db PATH_OR_URL`, else $PARALLAX_DB, else ./parallax.sqlite (created on first use);
`postgresql://user:pass@host/db` selects PostgreSQL.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from parallax.cli.common import (
    DB_HELP,
    EXIT_FAILED,
    atomic_output,
    atomic_path,
    check_writable,
    checkpoint,
    done,
    fail,
)
from parallax.ingest.errors import InputError
from parallax.periods import parse_period

# The commands import the store and the pipeline when they run: those pull numpy, the analysis modules and
# their data (~0.3 s), which `parallax --help` and the other commands must not pay.

MAX_PRINTED_ERRORS = 20


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add articles to the corpus, analyse them and group them into stories",
                       description="Read articles from files, folders or feed URLs into the corpus database. "
                                   "Formats: .txt, .html, .jsonl, .json (article array or Telegram export), "
                                   ".csv/.tsv, RSS/Atom (.xml/.rss/.atom or an http(s) URL). Re-running is safe: "
                                   "known articles are skipped, changed ones stored as revisions.")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="file, folder or http(s) feed URL")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--outlet", metavar="NAME", help="outlet for records that do not name one")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=NAME", dest="mapping",
                   help="JSONL/CSV: read FIELD (id, url, outlet, title, date, text, language) from column or key "
                        "NAME; dotted names reach into nested JSON (e.g. --map outlet=source.name)")
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help="reject texts longer than N characters (default 500000)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="articles per database transaction (default 200)")
    p.add_argument("--no-analyze", action="store_true", help="only store the articles (no analysis, no stories)")
    p.add_argument("--no-cluster", action="store_true", help="store and analyse, but do not group into stories")
    p.add_argument("--no-profiles", action="store_true",
                   help="do not update the outlet-profile counts and story omissions (run `parallax profiles` later)")
    p.add_argument("--reanalyze", action="store_true",
                   help="also re-analyse articles analysed by an older analyzer version (may be slow)")
    p.add_argument("--errors", metavar="OUT.jsonl", help="write every rejected record to this file")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="analyse in N processes (default: one per core, at most one per 250 articles; 1 = in this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="read, analyse and embed on this dask.distributed cluster (default $PARALLAX_SCHEDULER); "
                        "needs a PostgreSQL --db")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no per-record messages")
    p.set_defaults(func=run_ingest)

    p = sub.add_parser("stories", help="list the stories in the corpus",
                       description="List stories, latest first: title, time span, outlets, article count.")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--since", metavar="DATE", help="stories with an article on/after DATE (YYYY-MM-DD or ISO time)")
    p.add_argument("--until", metavar="DATE", help="stories with an article on/before DATE")
    p.add_argument("--outlet", metavar="NAME", action="append", default=[],
                   help="stories with an article from this outlet (substring, any case); repeated: stories "
                        "covered by every one of them")
    p.add_argument("--kind", metavar="KIND", action="append", default=[],
                   help="stories covered by an outlet of this kind (repeatable: of each kind); kinds: "
                        "`parallax outlets kinds`")
    p.add_argument("--blind-spots", action="store_true",
                   help="only blind spots: stories covered by outlets of one kind only (two or more articles)")
    p.add_argument("--sort", choices=["recent", "outlets", "kinds", "articles"], default="recent",
                   help="latest first (default), or most outlets, most kinds of outlet, most articles first")
    p.add_argument("--query", metavar="TEXT", help="stories with an article containing every word of TEXT "
                                                   "(word prefixes: 'Путин' matches 'Путина')")
    p.add_argument("--min-articles", type=int, default=1, metavar="N", help="at least N articles (default 1)")
    p.add_argument("--min-outlets", type=int, default=1, metavar="N", help="at least N outlets (default 1)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="show at most N stories")
    p.add_argument("--json", action="store_true",
                   help='print {"stories": [{"id", "title", "thread", "coverage", "outlet_kinds", "articles": [{"id", '
                        '"url", "outlet", "kind", "title", "date"}]}]}')
    p.add_argument("--recluster", action="store_true",
                   help="first re-cluster the --since/--until period from scratch and print how stories changed")
    p.set_defaults(func=run_stories)

    p = sub.add_parser("export", help="export stories, articles and analyses for research (JSONL or Parquet)",
                       description="One row per article: story id and title, the article, its reprint link, "
                                   "its analysis (JSON) and story embedding.")
    p.add_argument("out", metavar="OUT", help="output file (.jsonl or .parquet)")
    p.add_argument("--format", choices=["jsonl", "parquet"], help="default: from the OUT suffix, else jsonl")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--outlet", metavar="NAME")
    p.add_argument("--story", metavar="ID", help="only this story")
    p.add_argument("--no-text", action="store_true", help="leave article texts out")
    p.add_argument("--no-analysis", action="store_true", help="leave analyses and embeddings out")
    p.add_argument("--profiles", metavar="OUT.json",
                   help="also write every outlet's profile (contested terms, sources, tone, omissions) as JSON")
    p.set_defaults(func=run_export)


# ---- helpers ------------------------------------------------------------------------------------------

def _open_store(db: str | None):
    from parallax.store import Store  # lazy: see the top of the module
    return Store(db)


def _progress(total: int | None, desc: str, quiet: bool):
    from tqdm import tqdm  # lazy: ~50 ms, only ingest shows progress
    return tqdm(total=total, desc=desc, unit=" art", file=sys.stderr, dynamic_ncols=True, leave=False,
                disable=quiet or not sys.stderr.isatty(), mininterval=0.5)


def _advance(bar, n: int) -> None:
    checkpoint()        # a Ctrl-C lost inside the store stops the run here, after a committed batch
    bar.update(n)


# ---- ingest -------------------------------------------------------------------------------------------

def run_ingest(args) -> int:
    # lazy: see the top of the module
    from parallax.ingest.records import Limits, parse_mapping
    from parallax.pipeline import IngestSummary

    if not args.sources and not args.reanalyze:
        return fail("ingest: give at least one SOURCE (file, folder or feed URL)")
    try:
        mapping = parse_mapping(args.mapping)
    except ValueError as exc:
        return fail(f"ingest: {exc}")
    limits = Limits(args.max_chars) if args.max_chars else Limits()
    if args.workers is not None and args.workers < 1:
        return fail("ingest: --workers must be 1 or more")
    args.scheduler = args.scheduler or os.environ.get("PARALLAX_SCHEDULER") or None
    if args.scheduler:
        from parallax.store.db import is_postgres_url, redact, resolve_db  # lazy: see the top of the module
        if not is_postgres_url(resolve_db(args.db)):
            return fail(f"ingest: --scheduler needs a PostgreSQL database (--db postgresql://user:pass@host/db), "
                        f"not {redact(resolve_db(args.db))}: Dask workers store the analyses themselves and cannot "
                        f"open a SQLite file on this machine; on one machine use --workers N instead", EXIT_FAILED)
    missing = [s for s in args.sources if "://" not in s and not Path(s).exists()]
    if missing and len(missing) == len(args.sources):
        return fail(f"ingest: no such file or folder: {', '.join(missing)}")

    summary = IngestSummary()
    # --errors is written to a temporary file renamed at the end: a run stopped by Ctrl-C leaves none
    with atomic_output(args.errors) if args.errors else contextlib.nullcontext() as errors_out:
        result = _ingest(args, mapping, limits, summary, errors_out)
    if isinstance(result, int):
        return result
    totals, location = result
    if args.json:
        print(json.dumps({"db": location, "summary": summary.as_dict(), "totals": totals}, ensure_ascii=False,
                         indent=2))
    else:
        print(_format_summary(summary, totals, location))
    # rejected records and failed analyses are skipped inputs: exit 3 (1 when nothing could be read at all)
    nothing_read = summary.read == 0 or (summary.rejected == summary.read and summary.read > 0)
    if nothing_read and args.sources:
        return EXIT_FAILED
    return done(summary.rejected + summary.analysis_failed)


def _ingest(args, mapping, limits, summary, errors_out) -> int | tuple[dict, str]:
    """Read, store, analyse and cluster: the corpus totals and location, or an exit code when the database
    failed."""
    # lazy: see the top of the module
    from parallax.ingest.sources import iter_sources
    from parallax.pipeline import INGEST_BATCH, ingest_records
    from parallax.store.db import redact, resolve_db
    from parallax.store.schema import SchemaError

    printed = 0
    bar = _progress(None, "reading", args.quiet)

    def on_error(error: InputError) -> None:
        nonlocal printed
        checkpoint()
        if errors_out is not None:
            errors_out.write(json.dumps(error.as_dict(), ensure_ascii=False) + "\n")
        if args.quiet:
            return
        printed += 1
        if printed <= MAX_PRINTED_ERRORS:
            bar.write(f"parallax: skipped {error}", file=sys.stderr)
        elif printed == MAX_PRINTED_ERRORS + 1:
            bar.write("parallax: further skipped records are only counted"
                      + (f" (all are in {args.errors})" if args.errors else " (use --errors FILE to list them)"),
                      file=sys.stderr)

    try:
        with _open_store(args.db) as store:
            reprints_before = store.stats()["reprints"]
            if args.scheduler:
                code = _ingest_on_cluster(store, args, mapping, limits, summary, on_error)
                if code is not None:
                    return code
            else:
                records = iter_sources(args.sources, outlet=args.outlet, mapping=mapping, limits=limits)
                ingest_records(store, records, batch_size=args.batch_size or INGEST_BATCH, summary=summary,
                               on_error=on_error, on_progress=lambda n: _advance(bar, n))
            bar.close()
            # originals can turn into reprints when an earlier copy arrives later: count the net change
            summary.reprints = store.stats()["reprints"] - reprints_before
            if not args.no_analyze and not args.scheduler:
                _analyze_and_cluster(store, args, summary)
            totals = store.stats()
            location = store.location
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # noqa: BLE001 - the database itself failed: say so plainly
        if isinstance(exc, (SchemaError, OSError)) or type(exc).__module__.startswith(("sqlite3", "psycopg")):
            return fail(f"ingest: database {redact(resolve_db(args.db))}: {exc}", 1)
        raise
    finally:
        bar.close()
    return totals, location


def _ingest_on_cluster(store, args, mapping, limits, summary, on_error) -> int | None:
    """Read, analyse and embed on the Dask cluster, cluster here; an exit code when the cluster cannot run."""
    from parallax.parallel.dask_cluster import ClusterError, ingest_on_cluster  # lazy: see the top
    from parallax.pipeline import INGEST_BATCH  # lazy: see the top

    bars: dict[str, Any] = {}

    def on_progress(stage: str, n: int) -> None:
        if stage not in bars:
            bars[stage] = _progress(None, stage, args.quiet)
        _advance(bars[stage], n)

    try:
        ingest_on_cluster(store, args.sources, args.scheduler, outlet=args.outlet, mapping=mapping, limits=limits,
                          analyze=not args.no_analyze, cluster=not args.no_cluster, outdated=args.reanalyze,
                          batch_size=args.batch_size or INGEST_BATCH, summary=summary, on_error=on_error,
                          on_progress=on_progress)
    except ClusterError as exc:
        return fail(f"ingest: {exc}", EXIT_FAILED)
    finally:
        for bar in bars.values():
            bar.close()
    return None


def _analyze_and_cluster(store, args, summary) -> None:
    from parallax.pipeline import analyze_pending, analyzer_version, cluster_pending  # lazy: see the top

    pending = store.pending_analysis(analyzer_version(), outdated=args.reanalyze)
    if pending:
        bar = _progress(len(pending), "analysing", args.quiet)
        try:
            if args.workers == 1:
                analyze_pending(store, pending=pending, summary=summary, on_progress=lambda n: _advance(bar, n))
            else:
                from parallax.parallel.workers import analyze_pending_parallel, default_workers  # lazy: the top
                analyze_pending_parallel(store, args.workers or default_workers(len(pending)), pending=pending,
                                         summary=summary,
                                         on_progress=lambda n: _advance(bar, n))
        finally:
            bar.close()
    if args.no_cluster:
        _refresh_profiles(store, args, omissions=False)
        return
    waiting = len(store.pending_clustering())
    if waiting:
        bar = _progress(waiting, "clustering", args.quiet)
        try:
            cluster_pending(store, summary=summary, on_progress=lambda n: _advance(bar, n))
        finally:
            bar.close()
    _refresh_profiles(store, args, omissions=True)


def _refresh_profiles(store, args, *, omissions: bool) -> None:
    """Keep the outlet-profile counts (and the omissions of changed stories) up to date: outlet pages sum them."""
    if getattr(args, "no_profiles", False):
        return
    from parallax.outlets.aggregates import refresh_profiles  # lazy: see the top

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = _progress(total, stage, args.quiet)
        _advance(bars[stage], done - bars[stage].n)
    try:
        refresh_profiles(store, omissions=omissions, progress=progress)
    finally:
        for bar in bars.values():
            bar.close()


def _format_summary(s, totals: dict, location: str) -> str:
    lines = [f"read {s.read} records: {s.new} new articles ({s.reprints} reprints), {s.revisions} revisions, "
             f"{s.duplicates} duplicates skipped, {s.rejected} rejected"]
    for reason, count in s.reasons.most_common():
        lines.append(f"  rejected {count:>6}  {reason}")
    if s.analysed or s.analysis_failed:
        lines.append(f"analysed {s.analysed} articles" + (f" ({s.analysis_failed} failed)" if s.analysis_failed else ""))
    if s.clustered:
        lines.append(f"clustered {s.clustered} articles: {s.stories_new} new stories, "
                     f"{s.stories_joined} existing stories grew")
    lines.append(f"{location}: {totals['articles']} articles from {totals['outlets']} outlets, "
                 f"{totals['stories']} stories, {totals['reprints']} reprints, {totals['revisions']} earlier revisions")
    return "\n".join(lines)


# ---- stories ------------------------------------------------------------------------------------------

def run_stories(args) -> int:
    from parallax.pipeline import recluster_period  # lazy: see the top of the module

    try:
        since, until = parse_period(args.since, args.until)
    except ValueError as exc:
        return fail(f"stories: bad date ({exc}); use YYYY-MM-DD or an ISO timestamp")
    with _open_store(args.db) as store:
        if args.recluster:
            report = recluster_period(store, since_ts=since, until_ts=until, since_label=args.since,
                                      until_label=args.until)
            print(_format_recluster(report), file=sys.stderr if args.json else sys.stdout)
        try:
            stories = store.list_stories(since=since, until=until, query=args.query, min_articles=args.min_articles,
                                         min_outlets=args.min_outlets, limit=args.limit, **_coverage_options(args))
        except ValueError as exc:           # an unknown kind, a broken outlet kinds file
            return fail(f"stories: {exc}")
        threads = _story_threads(store, stories) if args.json else {}
    if args.json:
        print(json.dumps(stories_to_dict(stories, threads), ensure_ascii=False, indent=2))
        return 0
    if not stories:
        print("no stories match" if any((args.since, args.until, args.outlet, args.query, args.kind,
                                         args.blind_spots)) else
              "no stories yet (run `parallax ingest SOURCE...` first)")
        return 0
    for story in stories:
        print(_format_story(story))
    return 0


def _coverage_options(args) -> dict[str, Any]:
    """One --outlet keeps its meaning (an article from it, in the period, with the words); several mean
    stories covered by every one of them."""
    outlets = list(dict.fromkeys(args.outlet))
    return {"outlet": outlets[0] if len(outlets) == 1 else None, "outlets": outlets if len(outlets) > 1 else (),
            "kinds": args.kind, "blind_spot": args.blind_spots, "sort": args.sort}


def _story_threads(store, stories) -> dict[str, str]:
    from parallax.store.threads import threads_of_stories  # lazy: see the top of the module
    return threads_of_stories(store.db, [s.id for s in stories])


def stories_to_dict(stories, threads: dict[str, str] | None = None) -> dict[str, Any]:
    """`threads`: story id -> the id of its thread (`parallax threads show ID`), given as `thread` (null when
    the story is in none: a digest, or not threaded yet)."""
    threads = threads or {}
    return {"stories": [
        {"id": s.id, "title": s.title, "thread": threads.get(s.id), "coverage": s.coverage,
         "outlet_kinds": s.outlet_kinds,
         "articles": [{"id": a.ext_id, "url": a.url, "outlet": a.outlet, "kind": s.outlet_kinds.get(a.outlet),
                       "title": a.title, "date": a.published}
                      for a in s.articles]}
        for s in stories]}


def _format_coverage(coverage: dict[str, int]) -> str:
    """`state 1, foreign_public 1, unrated 2`: the kind ids `--kind` takes, in display order."""
    return ", ".join(f"{kind} {n}" for kind, n in coverage.items())


def _short_time(stamp: str | None) -> str:
    if not stamp:
        return "?"
    return stamp[:16].replace("T", " ")


def _format_story(story) -> str:
    first, last = _short_time(story.first), _short_time(story.last)
    span = first if first == last else (f"{first} – {last[11:]}" if first[:10] == last[:10] else f"{first} – {last}")
    outlets = ", ".join(story.outlets)
    n = len(story.articles)
    kinds = f"by kind: {_format_coverage(story.coverage)} · " if story.coverage else ""
    return f"{story.id}  {story.title or '(untitled)'}\n    {span} · {n} article{'s' if n != 1 else ''} · {kinds}{outlets}"


def _format_recluster(report: dict) -> str:
    counts = report.get("counts", {})
    if not report.get("articles"):
        return "re-clustered nothing: no analysed articles in that period"
    parts = [f"{counts.get(k, 0)} {k}" for k in ("unchanged", "changed", "new", "merged", "split", "removed")]
    return f"re-clustered {report['articles']} articles: " + ", ".join(parts)


# ---- export -------------------------------------------------------------------------------------------

def run_export(args) -> int:
    # lazy: see the top of the module
    from parallax.outlets.profiles import list_outlets, outlet_profile
    from parallax.store.export import export_corpus

    fmt = args.format or ("parquet" if args.out.lower().endswith(".parquet") else "jsonl")
    try:
        since, until = parse_period(args.since, args.until)
    except ValueError as exc:
        return fail(f"export: bad date ({exc})")
    check_writable(args.out, args.profiles)
    with _open_store(args.db) as store:
        with atomic_path(args.out) as tmp:
            n = export_corpus(store, tmp, fmt=fmt, since=since, until=until, outlet=args.outlet, story_id=args.story,
                              with_text=not args.no_text, with_analysis=not args.no_analysis)
        print(f"wrote {n} articles to {args.out} ({fmt})")
        if args.profiles:
            outlets = [o["outlet"] for o in list_outlets(store)
                       if args.outlet is None or args.outlet.lower() in o["outlet"].lower()]
            doc = {"profiles": [outlet_profile(store, name, since=since, until=until) for name in outlets]}
            with atomic_output(args.profiles) as f:
                json.dump(doc, f, ensure_ascii=False, indent=2, default=str)
            print(f"wrote {len(outlets)} outlet profiles to {args.profiles}")
    return 0


__all__ = ["register", "stories_to_dict"]
