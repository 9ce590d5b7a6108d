"""The `parallax` command line. Exit codes: 0 done, 1 failed, 2 usage error, 3 done but some inputs were
skipped, 130 interrupted, 141 output pipe closed (see parallax/cli/common.py and README "Exit codes")."""
from __future__ import annotations

import argparse
import sys

from parallax import __version__
from parallax.cli.common import run_command
from parallax.cli.corpus import register as register_corpus
from parallax.cli.outlets import register as register_outlet
from parallax.cli.serve import register as register_web
from parallax.cli.tone import register as register_tone


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare the coverage of one event fact by fact")
    p.add_argument("articles", nargs="*", metavar="ARTICLE", help="article files (text, UTF-8/cp1251/koi8-r)")
    p.add_argument("--outlet", action="append", default=[], metavar="NAME",
                   help="outlet name for each ARTICLE, in order (default: front matter or file name)")
    p.add_argument("--story", metavar="ID", help="compare a story stored in the corpus database")
    p.add_argument("--db", metavar="PATH_OR_URL", help="corpus database (with --story)")
    p.add_argument("--json", metavar="OUT.json", help="write the comparison as JSON (version 1)")
    p.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the terminal summary")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
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
    sub = parser.add_subparsers(dest="command", required=True)
    _add_compare(sub)
    # each command family registers its own subcommands; their modules import the heavy parts (the store,
    # the analysis, the web app) only when a command runs
    for register in (register_corpus, register_outlet, register_tone, register_web):
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
