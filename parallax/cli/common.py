"""What the command modules share: the `--db` help text and how a command reports a usage error."""
from __future__ import annotations

import sys

DB_HELP = "corpus database: SQLite file or postgresql:// URL (default: $PARALLAX_DB or ./parallax.sqlite)"


def fail(message: str, code: int = 2) -> int:
    """Print `parallax: message` on stderr; returns `code` for the command to return."""
    print(f"parallax: {message}", file=sys.stderr)
    return code
