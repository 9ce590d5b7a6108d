"""What every self-contained HTML page of parallax shares: escaping and the document head.

A page loads nothing: its CSS (and JS, if any) is inlined, and its Content-Security-Policy forbids every
fetch, so a page opened from disk cannot leak that it was opened. Text taken from articles is untrusted
and goes through :func:`escape`.
"""
from __future__ import annotations

import html
from typing import Any


def escape(value: Any) -> str:
    """`value` as HTML text or attribute value (quotes escaped); None is the empty string."""
    return "" if value is None else html.escape(str(value), quote=True)


def page_start(title: str, *, csp: str, css: str, lang: str = "en") -> str:
    """Everything up to and including `<body>`: charset, the Content-Security-Policy `csp`, no referrer,
    the viewport, the escaped `title` and the inline stylesheet `css`."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n")
