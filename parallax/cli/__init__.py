"""The `parallax` command: one module per command group, each a thin layer over `parallax.api`."""
from parallax.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
