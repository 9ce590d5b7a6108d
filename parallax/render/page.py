"""What every self-contained HTML page of parallax shares: escaping and the document head.

A page loads nothing: its CSS (and JS, if any) is inlined, and its Content-Security-Policy forbids every
fetch, so a page opened from disk cannot leak that it was opened. Text taken from articles is untrusted
and goes through :func:`escape`.
"""
from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from parallax.outlet_kinds import outlet_kinds
from parallax.resources import ResourceError, load_yaml


def escape(value: Any) -> str:
    """`value` as HTML text or attribute value (quotes escaped); None is the empty string."""
    return "" if value is None else html.escape(str(value), quote=True)


def page_start(title: str, *, csp: str, css: str, lang: str = "ru") -> str:
    """Everything up to and including `<body>`: charset, the Content-Security-Policy `csp`, no referrer,
    the viewport, the escaped `title` and the inline stylesheet `css`."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n")


# ---- words: labels of ids and the report's own text, in Russian and English ------------------------------

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"


@lru_cache(maxsize=None)
def words(lang: str) -> dict[str, Any]:
    """`render/data/words/<lang>.yaml`: flat keys -> a text with `{name}` fields, or plural forms."""
    if lang not in LANGS:
        raise ResourceError(f"render/data/words: no language {lang!r} (known: {', '.join(LANGS)})")
    data = load_yaml(f"render/data/words/{lang}.yaml")
    if not isinstance(data, dict):
        raise ResourceError(f"render/data/words/{lang}.yaml: expected a mapping of keys to texts")
    return data


def plural_form(lang: str, n: int) -> str:
    """one / few / many (Russian), one / other (English)."""
    n = abs(int(n))
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    return "one" if n == 1 else "other"


def fill(value: Any, lang: str, key: str, fields: dict[str, Any]) -> str:
    """A catalogue value as text: the plural form for `fields["n"]`, `{name}` fields filled."""
    if isinstance(value, dict):
        value = value.get(plural_form(lang, fields.get("n", 1))) or value.get("other") or value.get("many") or key
    return str(value).format(**fields) if fields else str(value)


def say(lang: str, key: str, /, **fields: Any) -> str:
    """The text of `key` in `lang` (else English, else the key itself)."""
    value = words(lang).get(key)
    if value is None:
        value = words("en").get(key, key)
    return fill(value, lang, key, fields)


def label(lang: str, group: str, value: Any) -> str:
    """The display label of an id (`label("ru", "frame", "preposition-na")`); an unknown id as itself,
    underscores as spaces."""
    if value is None or value == "":
        return ""
    if group == "kind":
        registered = kind_label(lang, str(value))
        if registered:
            return registered
    key = f"{group}.{value}"
    if key in words(lang) or key in words("en"):
        return say(lang, key)
    return str(value).replace("_", " ")


def kind_label(lang: str, kind: str) -> str | None:
    """The label the outlet kinds registry gives a kind (a user's file may add kinds), None without one."""
    try:
        labels = outlet_kinds().labels.get(kind) or {}
    except ResourceError:
        return None
    return labels.get(lang) or None
