"""What the CLI commands do, kept apart from argument parsing so tests and the web app can call them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .ingest.errors import InputError
from .ingest.textfile import read_article_file
from .model import Article, StoryComparison


def read_articles(paths: list[str], outlets: list[str]) -> tuple[list[Article], list[dict]]:
    """Read every file it can; a broken file becomes an error entry and the rest go on."""
    articles, errors = [], []
    seen_ids: dict[str, int] = {}
    for i, path in enumerate(paths):
        outlet = outlets[i] if i < len(outlets) else None
        try:
            art = read_article_file(path, outlet=outlet)
        except InputError as exc:
            errors.append(exc.as_dict())
            continue
        # two files with one stem (a/x.txt, b/x.txt) must not share an id
        if art.id in seen_ids:
            seen_ids[art.id] += 1
            art.id = f"{art.id}-{seen_ids[art.id]}"
        else:
            seen_ids[art.id] = 1
        articles.append(art)
    return articles, errors


def compare_articles(articles: list[Article], errors: list[dict] | None = None) -> tuple[StoryComparison, dict]:
    from .compare import compare_story
    from .nlp.pipeline import Analyzer
    from .report.jsonout import document_to_dict
    # relative dates in undated articles resolve against the story's date: the latest known article date
    dated = [a.date for a in articles if a.date]
    story_date = max(dated) if dated else None
    docs = Analyzer().analyze_many(articles, anchor_date=story_date)
    comparison = compare_story(docs)
    return comparison, document_to_dict([comparison], errors or [])


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def run_compare(args) -> int:
    from .report.html import render_html
    from .report.text import render_text
    errors: list[dict] = []
    if args.story:
        from .corpus_cli import load_story_docs
        from .compare import compare_story
        from .report.jsonout import document_to_dict
        try:
            docs = load_story_docs(args.db, args.story)
        except InputError as exc:
            print(f"parallax compare: {exc}", file=sys.stderr)
            return 1
        doc = document_to_dict([compare_story(docs, story_id=args.story)], [])
    else:
        if not args.articles:
            print("parallax compare: give two or more ARTICLE files, or --story ID", file=sys.stderr)
            return 2
        articles, errors = read_articles(args.articles, args.outlet)
        for e in errors:
            where = f"{e['file']}:{e['line']}" if e.get("line") else e["file"]
            print(f"parallax: skipped {where}: {e['error']}", file=sys.stderr)
        if len(articles) < 2:
            print(f"parallax compare: need at least two readable articles, got {len(articles)}", file=sys.stderr)
            return 1
        _, doc = compare_articles(articles, errors)
    if args.json:
        import json
        Path(args.json).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.html:
        Path(args.html).write_text(render_html(doc), encoding="utf-8")
    if not args.quiet:
        print(render_text(doc, color=_use_color(args.color)))
    return 0
