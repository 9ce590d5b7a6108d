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
from parallax.cli.common import EXIT_FAILED, EXIT_USAGE, check_writable, done, write_text_atomic
from parallax.ingest.errors import InputError
from parallax.render.html import render_html
from parallax.render.terminal import render_text


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def run_compare(args) -> int:
    errors: list[dict] = []
    check_writable(args.json, args.html)
    if args.story:
        try:
            with open_corpus(args.db) as store:
                _, doc = compare_stored_story(store, args.story)
        except InputError as exc:
            print(f"parallax compare: {exc}", file=sys.stderr)
            return EXIT_FAILED
    else:
        if not args.articles:
            print("parallax compare: give two or more ARTICLE files, or --story ID", file=sys.stderr)
            return EXIT_USAGE
        articles, errors = read_articles(args.articles, args.outlet)
        for e in errors:
            where = f"{e['file']}:{e['line']}" if e.get("line") else e["file"]
            print(f"parallax: skipped {where}: {e['error']}", file=sys.stderr)
        if len(articles) < 2:
            print(f"parallax compare: need at least two readable articles, got {len(articles)}", file=sys.stderr)
            return EXIT_FAILED
        _, doc = compare_articles(articles, errors)
    if args.json:
        write_text_atomic(args.json, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    if args.html:
        write_text_atomic(args.html, render_html(doc))
    if not args.quiet:
        print(render_text(doc, color=_use_color(args.color)))
    if errors:
        print(f"parallax compare: compared {len(articles)} articles; skipped {len(errors)} unreadable "
              f"file{'s' if len(errors) != 1 else ''} (exit code 3)", file=sys.stderr)
    return done(len(errors))
