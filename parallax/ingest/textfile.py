"""Read one article from a text file.

Accepted layout (all parts optional but the text):

    ---                      front matter: `key: value` lines (outlet, title, url, date, id, language)
    outlet: Example
    ---
     date 2025-09-03 url https://...   inline header: `key value` pairs before the text
    Text of the article...

The outlet otherwise comes from the caller (`--outlet`) or from the file name. Neither header ever
reaches `Article.text`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import yaml

from parallax.ingest.encoding import decode_bytes
from parallax.ingest.errors import InputError
from parallax.model import Article

MAX_BYTES = 20 * 1024 * 1024
MAX_FRONT_MATTER = 64 * 1024
MAX_FRONT_MATTER_DEPTH = 50

_FRONT_MATTER = re.compile(r"\A\ufeff?[ \t]*---[ \t]*\r?\n(.*?)\r?\n[ \t]*---[ \t]*(?:\r?\n|\Z)", re.S)
# Single-token header keys only: a title with spaces has no unambiguous end without front matter.
_HEADER_ITEM = re.compile(r"\A\s*(date|url|lang|language|id)\s+(\S+)(?=\s)", re.I)
_FRONT_KEYS = {"outlet", "title", "url", "date", "id", "language", "lang", "source"}


def parse_date(value, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    m = re.match(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        try:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            pass
    raise InputError(where, f"unreadable date {text!r} (expected YYYY-MM-DD)")


class _FrontMatterLoader(yaml.SafeLoader):
    """safe_load without anchors and aliases: nine nested aliases of nine items are 9**9 values once
    expanded (the "billion laughs"); an article's metadata has no use for them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in front matter")
        return super().compose_node(parent, index)


def _front_matter(block: str, where: str) -> dict:
    if len(block) > MAX_FRONT_MATTER:
        raise InputError(where, f"front matter too long ({len(block)} characters, limit {MAX_FRONT_MATTER})", 2)
    if _flow_depth(block) > MAX_FRONT_MATTER_DEPTH:
        raise InputError(where, f"front matter nested too deeply (over {MAX_FRONT_MATTER_DEPTH} levels of [ or {{)")
    try:
        data = yaml.load(block, Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None    # +1 for 1-based, +1 for the opening ---
        raise InputError(where, f"front matter is not valid YAML: {exc}".splitlines()[0], line) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # the YAML parses, but a value cannot be built: 2024-13-45 as a date, nesting too deep
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:80]
        raise InputError(where, f"front matter is not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise InputError(where, "front matter must be `key: value` lines")
    meta = {}
    for key, value in data.items():
        key = str(key).lower()
        if key in _FRONT_KEYS and isinstance(value, (dict, list)):
            raise InputError(where, f"front matter {key} must be a single value, not a list or a mapping")
        meta[key] = value if key in _FRONT_KEYS else _plain(value)
    return meta


def _flow_depth(block: str) -> int:
    """Deepest nesting of [ and { outside quotes. PyYAML takes seconds to fail on a thousand levels."""
    depth = deepest = 0
    for token in re.findall(r"[\[\]{}]", re.sub(r'"[^"\n]*"|\'[^\'\n]*\'', "", block)):
        depth = depth + 1 if token in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def _plain(value):
    """A front-matter value as the JSON the store will keep (dates as text, mapping keys as strings)."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, default=str))
    except (ValueError, TypeError, RecursionError):
        return str(value)[:200]


def split_metadata(raw: str, where: str) -> tuple[dict, str]:
    """Separate front matter and the inline header from the text."""
    meta: dict = {}
    m = _FRONT_MATTER.match(raw)
    if m:
        meta.update(_front_matter(m.group(1), where))
        raw = raw[m.end():]
    while True:
        h = _HEADER_ITEM.match(raw)
        if not h:
            break
        key = h.group(1).lower()
        if key == "date" and not re.match(r"\d{4}-\d{1,2}-\d{1,2}$|\d{1,2}\.\d{1,2}\.\d{4}$", h.group(2)):
            break
        meta.setdefault(key, h.group(2))
        raw = raw[h.end():]
    return meta, raw


def normalize_text(text: str) -> str:
    """Line endings to \\n, trailing spaces off each line, outer blank lines off. Nothing else changes,
    so offsets stay meaningful to a reader comparing with the file."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def article_from_text(raw: str, *, name: str, outlet: str | None = None, encoding: str = "utf-8",
                      article_id: str | None = None) -> Article:
    meta, body = split_metadata(raw, name)
    text = normalize_text(body)
    if not text:
        raise InputError(name, "no article text after the metadata header")
    stem = Path(name).stem
    out = meta.get("outlet") or outlet or stem
    return Article(
        id=str(meta.get("id") or article_id or stem),
        text=text,
        outlet=str(out),
        title=str(meta["title"]) if meta.get("title") else None,
        date=parse_date(meta.get("date"), name),
        url=str(meta["url"]) if meta.get("url") else None,
        source=name,
        encoding=encoding,
        meta={k: v for k, v in meta.items() if k not in _FRONT_KEYS},
    )


def read_article_file(path: str | Path, outlet: str | None = None) -> Article:
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror or exc}") from None
    if path.is_dir():
        raise InputError(name, "is a directory, not an article file")
    if size > MAX_BYTES:
        raise InputError(name, f"file too large ({size} bytes, limit {MAX_BYTES})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror or exc}") from None
    text, encoding = decode_bytes(data, name)
    return article_from_text(text, name=name, outlet=outlet, encoding=encoding)


def text_hash(text: str) -> str:
    norm = re.sub(r"\s+", " ", text.lower()).strip()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()
