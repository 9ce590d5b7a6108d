"""`parallax analyze FILE...`: each article's analysis layers (language, sentences, entities with their
language-independent keys, dates, numbers, quotes, attributions), as JSON or a short listing."""
from __future__ import annotations

import json
import sys

from parallax.cli.common import EXIT_FAILED, EXIT_USAGE, check_writable, done, fail, write_text_atomic

SHOWN_PER_LAYER = 12      # the terminal listing shows this many items of a layer, then "… and N more"


def register(sub) -> None:
    p = sub.add_parser("analyze", help="each article's layers: language, entities with keys, dates, numbers, "
                                       "quotes, attributions",
                       description="Analyse each article on its own and show its layers; --json writes them "
                                   "all, with character offsets into the stored text.")
    p.add_argument("files", nargs="*", metavar="FILE", 
                   help="article files: text (UTF-8/cp1251/koi8-r) or saved web pages (.html)")
    p.add_argument("--json", metavar="OUT.json",
                   help='write {"version", "generator", "articles": [...], "errors": [...]} ("-": standard output)')
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help="skip files whose text is longer than N characters (default 500000, as ingest)")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the listing")
    p.set_defaults(func=run_analyze)


def run_analyze(args) -> int:
    # lazy: the API imports every analysis module (~0.7 s); `parallax --help` must not pay for it
    from parallax import __version__
    from parallax.api import analyze_files
    from parallax.ingest.records import Limits

    if not args.files:
        return fail("analyze: give one or more FILE arguments", EXIT_USAGE)
    if args.max_chars is not None and args.max_chars < 1:
        return fail("analyze: --max-chars takes a number >= 1", EXIT_USAGE)
    if args.json and args.json != "-":
        check_writable(args.json)
    errors: list[dict] = []
    limits = Limits(args.max_chars) if args.max_chars else Limits()
    articles = analyze_files(args.files, limits=limits, errors=errors)
    for e in errors:
        where = f"{e['file']}:{e['line']}" if e.get("line") else e["file"]
        print(f"parallax: skipped {where}: {e['error']}", file=sys.stderr)
    if not articles:
        return fail("analyze: no readable article", EXIT_FAILED)
    doc = {"version": 1, "generator": f"parallax {__version__}", "articles": articles, "errors": errors}
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    elif args.json:
        write_text_atomic(args.json, text)
    if not args.quiet and args.json != "-":
        print("\n\n".join(listing(a) for a in articles))
    return done(len(errors))


def listing(article: dict) -> str:
    """A few lines per layer for reading in a terminal."""
    lines = [f"{article['source'] or article['id']}: {article['language']} "
             f"({article['language_confidence']:.2f}), {len(article['sentences'])} sentences, "
             f"NER: {article['ner'] or 'none for this language (entities: alias names only)'}"]
    layers = [
        ("entities", [f"{e['text']} [{e['type']}] {e['normal']} -> {e['key']}" for e in article["entities"]]),
        ("dates", [f"{d['text']} = {d['value']}" for d in article["dates"]]),
        ("numbers", [f"{n['text']} = {n['value']}{' ' + n['unit'] if n['unit'] else ''}" for n in article["numbers"]]),
        ("quotes", [f"{q['speaker'] or '?'}: {_short(q['text'])}" for q in article["quotes"]]),
        ("attributions", [f"{t['cue']}: {t['source']}" for t in article["attributions"]]),
    ]
    for name, items in layers:
        lines.append(f"  {name} ({len(items)})")
        lines.extend(f"    {item}" for item in items[:SHOWN_PER_LAYER])
        if len(items) > SHOWN_PER_LAYER:
            lines.append(f"    … and {len(items) - SHOWN_PER_LAYER} more")
    return "\n".join(lines)


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
