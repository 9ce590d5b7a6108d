"""The `parallax` command line. Exit codes: 0 done, 1 failed, 2 usage error, 3 done but some inputs were
skipped, 130 interrupted, 141 output pipe closed (see parallax/cli/common.py and README "Exit codes")."""
from __future__ import annotations

import argparse
import os
import sys

from parallax import __version__
from parallax.cli.analyze import register as register_analyze
from parallax.cli.common import run_command
from parallax.cli.corpus import register as register_corpus
from parallax.cli.outlets import register as register_outlet
from parallax.cli.outlets import register_kinds as register_outlet_kinds
from parallax.cli.serve import register as register_web
from parallax.cli.threads import register as register_threads
from parallax.cli.tone import register as register_tone

OUTLET_KINDS_ENV = "PARALLAX_OUTLET_KINDS"    # parallax.outlet_kinds.ENV_VAR (not imported: keeps --help fast)


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare the coverage of one event fact by fact")
    p.add_argument("articles", nargs="*", metavar="ARTICLE", 
                   help="article files: text (UTF-8/cp1251/koi8-r) or saved web pages (.html)")
    p.add_argument("--outlet", action="append", default=[], metavar="NAME",
                   help="outlet name for each ARTICLE, in order (default: front matter or file name)")
    p.add_argument("--story", metavar="ID", help="compare a story stored in the corpus database")
    p.add_argument("--db", metavar="PATH_OR_URL", help="corpus database (with --story)")
    p.add_argument("--json", metavar="OUT.json", help="write the comparison as JSON (version 1)")
    p.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the terminal summary")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help="skip article files whose text is longer than N characters (default 500000, as ingest)")
    p.add_argument("--claim-head", action="store_true",
                   help="also match claims across outlets with the learned pair head (more shared facts found, "
                        "~10x slower on 20 articles; Russian stories)")
    p.set_defaults(func=_run_compare)


def _run_compare(args) -> int:
    # lazy: parallax.cli.compare imports parallax.api, i.e. every analysis module (~0.7 s); `--help` must not
    from parallax.cli.compare import run_compare
    return run_compare(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parallax", description="Compare how news outlets cover one event.",
        epilog="exit codes: 0 done, 1 failed, 2 usage error, 3 done but some inputs were skipped, "
               "130 interrupted, 141 output pipe closed")
    parser.add_argument("--version", action="version", version=f"parallax {__version__}")
    parser.add_argument("--outlet-kinds", metavar="FILE",
                        help="your outlet kinds YAML file, extending and overriding the shipped registry for every "
                             "command (default: $PARALLAX_OUTLET_KINDS)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_compare(sub)
    # each command family registers its own subcommands; their modules import the heavy parts (the store,
    # the analysis, the web app) only when a command runs
    for register in (register_corpus, register_outlet, register_outlet_kinds, register_tone, register_web,
                     register_threads, register_analyze):
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.outlet_kinds:
        if not os.path.isfile(args.outlet_kinds):
            parser.error(f"--outlet-kinds: no such file: {args.outlet_kinds}")
        # the environment carries it to every module that reads the registry, and to `serve` workers
        os.environ[OUTLET_KINDS_ENV] = os.path.abspath(args.outlet_kinds)
    if os.environ.get(OUTLET_KINDS_ENV):
        problem = _outlet_kinds_problem()
        if problem:
            print(f"parallax: {problem}", file=sys.stderr)
            return 2
    return run_command(args.func, args)


def _outlet_kinds_problem() -> str | None:
    """What is wrong with the user's outlet kinds file, checked once before any command uses it."""
    # lazy: the registry reads YAML; only runs with a user file, so `parallax --help` does not pay for it
    from parallax.outlet_kinds import load_outlet_kinds
    from parallax.resources import ResourceError
    try:
        load_outlet_kinds()
    except ResourceError as exc:
        return f"outlet kinds ({OUTLET_KINDS_ENV}): {exc}"
    return None


if __name__ == "__main__":
    sys.exit(main())
