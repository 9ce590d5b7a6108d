"""`parallax compare`: two or more article files, or a stored story, compared and rendered."""
from __future__ import annotations

import json
import os
import sys

from parallax.api import (
    compare_articles,
    compare_stored_story,
    open_corpus,
    read_articles,
)
from parallax.cli.common import EXIT_FAILED, EXIT_USAGE, check_writable, checkpoint, done, write_text_atomic
from parallax.ingest.errors import InputError
from parallax.ingest.records import Limits
from parallax.nlp.pipeline import Analyzer
from parallax.outlet_kinds import original_link
from parallax.render.html import render_html
from parallax.render.terminal import render_text


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _original_links(store, story_id: str, doc: dict) -> dict[str, str]:
    """Article id of the document -> where the post came from (its URL, t.me/<channel>/<id> for Telegram)."""
    summary = store.story(story_id)
    stories = doc.get("stories") or []
    if summary is None or not stories:
        return {}
    by_id = {a.ext_id: a for a in summary.articles}
    out = {}
    for item in stories[0].get("articles", []):
        stored = by_id.get(item["id"])       # a document's article id is the stored article's input id
        link = original_link(stored.outlet, stored.url, stored.meta) if stored is not None else None
        if link:
            out[item["id"]] = link
    return out


# a comparison of texts this long takes long enough (seconds per 100 KB) to show that it is moving
PROGRESS_MIN_CHARS = 100_000


def _progress(total_chars: int, quiet: bool):
    """A bar in characters analysed, on standard error and only on a terminal, as `ingest` shows one."""
    from tqdm import tqdm  # lazy: ~50 ms, only long comparisons show progress
    return tqdm(total=total_chars, desc="parallax compare: analysing", unit=" chars", unit_scale=True,
                file=sys.stderr, dynamic_ncols=True, leave=False, mininterval=0.5,
                disable=quiet or total_chars < PROGRESS_MIN_CHARS or not sys.stderr.isatty())


class _AnalyzerWithProgress:
    """The Analyzer, moving a progress bar as it goes; the bar says 'comparing' once analysis is done."""

    def __init__(self, bar):
        self.bar = bar

    def analyze_many(self, articles, anchor_date=None):
        docs = Analyzer().analyze_many(articles, anchor_date=anchor_date, on_progress=self.bar.update)
        self.bar.set_description("parallax compare: comparing")
        self.bar.refresh()
        return docs


def run_compare(args) -> int:
    errors: list[dict] = []
    links: dict[str, str] = {}
    check_writable(args.json, args.html)
    if args.story:
        try:
            with open_corpus(args.db) as store:
                _, doc = compare_stored_story(store, args.story, claim_head=getattr(args, "claim_head", False))
                links = _original_links(store, args.story, doc)
        except InputError as exc:
            print(f"parallax compare: {exc}", file=sys.stderr)
            return EXIT_FAILED
    else:
        if not args.articles:
            print("parallax compare: give two or more ARTICLE files, or --story ID", file=sys.stderr)
            return EXIT_USAGE
        max_chars = getattr(args, "max_chars", None)
        articles, errors = read_articles(args.articles, args.outlet, Limits(max_chars) if max_chars else Limits())
        for e in errors:
            where = f"{e['file']}:{e['line']}" if e.get("line") else e["file"]
            hint = " (--max-chars N raises the limit)" if e["error"].startswith("text too long") else ""
            print(f"parallax: skipped {where}: {e['error']}{hint}", file=sys.stderr)
        if len(articles) < 2:
            print(f"parallax compare: need at least two readable articles, got {len(articles)}", file=sys.stderr)
            return EXIT_FAILED
        with _progress(sum(len(a.text) for a in articles), quiet=args.quiet) as bar:
            _, doc = compare_articles(articles, errors, analyzer=_AnalyzerWithProgress(bar),
                                      claim_head=getattr(args, "claim_head", False))
    checkpoint()        # a Ctrl-C swallowed inside the analysis writes no output file
    if args.json:
        write_text_atomic(args.json, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    if args.html:
        write_text_atomic(args.html, render_html(doc, links=links))
    if not args.quiet:
        print(render_text(doc, color=_use_color(args.color), links=links))
    if errors:
        print(f"parallax compare: compared {len(articles)} articles; skipped {len(errors)} unreadable "
              f"file{'s' if len(errors) != 1 else ''} (exit code 3)", file=sys.stderr)
    return done(len(errors))
