"""JSON Lines (one article object per line) and JSON arrays of article objects.

Default fields: id, url, outlet, title, date, text (see `records.FIELDS`); `mapping` renames them.
A bad line (invalid JSON, wrong encoding, no text, too long) becomes an InputError with its line number
and the file goes on.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from parallax.ingest.errors import InputError
from parallax.ingest.records import (
    DEFAULT_LIMITS,
    Limits,
    build_article,
    detect_stream_encoding,
    mapped_fields,
)
from parallax.model import Article

_SAMPLE = 64 * 1024
# What the json module raises on hostile input: JSONDecodeError (a ValueError), ValueError for an integer of
# more than 4300 digits, RecursionError for arrays or objects nested about a thousand deep.
JSON_ERRORS = (ValueError, RecursionError)


def json_problem(exc: Exception, suffix: str = "") -> str:
    """The InputError problem for one of JSON_ERRORS."""
    if isinstance(exc, json.JSONDecodeError):
        detail = f"{exc.msg} at column {exc.colno}" if not suffix else exc.msg
    elif isinstance(exc, RecursionError):
        detail = "nested too deeply"
    else:
        detail = "number too long" if "digits" in str(exc) else str(exc)[:80]
    return f"invalid JSON ({detail}){suffix}"


def iter_jsonl(path: str | Path, *, mapping: Mapping[str, str] | None = None, outlet: str | None = None,
               limits: Limits = DEFAULT_LIMITS) -> Iterator[Article | InputError]:
    name = str(path)
    default_outlet = outlet or Path(name).stem
    try:
        handle = open(path, "rb")
    except OSError as exc:
        yield InputError(name, f"cannot read file: {exc.strerror or exc}")
        return
    with handle:
        encoding = detect_stream_encoding(handle.read(_SAMPLE), name)
        if encoding == "utf-16":
            yield InputError(name, "UTF-16 JSON Lines are not supported; convert the file to UTF-8")
            return
        handle.seek(0)
        for lineno, raw, size in _bounded_lines(handle, limits.max_record_bytes):
            if raw is None:
                yield InputError(name, f"record too large ({size} bytes, limit {limits.max_record_bytes})", lineno)
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                line = raw.decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                yield InputError(name, f"bytes that are not valid {encoding} text (at byte {exc.start})", lineno)
                continue
            if "\x00" in line:
                yield InputError(name, "binary data, not text (NUL characters)", lineno)
                continue
            try:
                record = json.loads(line)
            except JSON_ERRORS as exc:
                yield InputError(name, json_problem(exc), lineno)
                continue
            yield _record_article(record, name, lineno, mapping or {}, default_outlet, limits, encoding)


def _bounded_lines(handle, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes, size) for each line; bytes is None for a line over `limit`, which is counted
    and skipped in chunks rather than read whole (a single 4 GB line must not need 4 GB)."""
    lineno = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) <= limit:
            yield lineno, raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(1 << 20)
            if not raw:
                break
            size += len(raw)
        yield lineno, None, size


def iter_json_array(path: str | Path, text: str, *, mapping: Mapping[str, str] | None = None,
                    outlet: str | None = None, limits: Limits = DEFAULT_LIMITS,
                    encoding: str = "utf-8") -> Iterator[Article | InputError]:
    """Articles from a JSON array (or an object holding one under `articles`/`items`/`data`)."""
    name = str(path)
    default_outlet = outlet or Path(name).stem
    for lineno, record in iter_array_records(name, text, keys=("articles", "items", "data", "records")):
        if isinstance(record, InputError):
            yield record
            continue
        yield _record_article(record, name, lineno, mapping or {}, default_outlet, limits, encoding)


def _record_article(record: Any, name: str, lineno: int, mapping: Mapping[str, str], default_outlet: str,
                    limits: Limits, encoding: str) -> Article | InputError:
    if not isinstance(record, dict):
        return InputError(name, f"expected a JSON object, got {type(record).__name__}", lineno)
    try:
        return build_article(mapped_fields(record, mapping), where=name, line=lineno,
                             default_outlet=default_outlet, limits=limits, encoding=encoding,
                             title_from_text=True)
    except InputError as exc:
        return exc


def iter_array_records(name: str, text: str, keys: tuple[str, ...]) -> Iterator[tuple[int, Any | InputError]]:
    """(line, element) for each element of the top-level array (or of the array under one of `keys` in a
    top-level object), parsed one element at a time so that each record keeps its line number. If the
    array itself is broken, the records before the break are kept and the break is reported; the rest of
    the file cannot be resynchronised safely."""
    pos = _skip_ws(text, 0)
    if text.startswith("{", pos):
        try:
            wrapper = json.loads(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, InputError(name, f"invalid JSON ({exc.msg})", exc.lineno)
            return
        except JSON_ERRORS:
            # too deep or a huge number somewhere: read the records up to the bad one, one at a time
            key = next((k for k in keys if _top_level_key(text, k) is not None), None)
            if key is None:
                yield 1, InputError(name, "invalid JSON (nested too deeply or a number too long)", 1)
                return
            wrapper = {}
        else:
            key = next((k for k in keys if isinstance(wrapper.get(k), list)), None) \
                if isinstance(wrapper, dict) else None
        if key is None:
            yield 1, InputError(name, f"JSON object without an array of records (looked for: {', '.join(keys)})", 1)
            return
        # The file parsed, so the first `"key": [` at nesting depth 1 is the array; find it by scanning.
        pos = _top_level_key(text, key)
        if pos is None:   # unusual escaping of the key: fall back to record indexes
            for i, item in enumerate(wrapper[key]):
                yield i + 1, item
            return
    elif not text.startswith("[", pos):
        yield 1, InputError(name, "not a JSON array or object", 1)
        return
    yield from _array_elements(name, text, pos + 1)


def _array_elements(name: str, text: str, pos: int) -> Iterator[tuple[int, Any | InputError]]:
    decoder = json.JSONDecoder()
    line, counted = 1, 0
    while True:
        pos = _skip_ws(text, pos)
        if text.startswith("]", pos):
            return
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            item, end = decoder.raw_decode(text, pos)
        except JSON_ERRORS as exc:
            where = exc.lineno if isinstance(exc, json.JSONDecodeError) else line
            yield where, InputError(name, json_problem(exc, "; rest of the file skipped"), where)
            return
        yield line, item
        pos = _skip_ws(text, end)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            where = text.count("\n", 0, pos) + 1
            yield where, InputError(name, "invalid JSON (expected ',' or ']'); rest of the file skipped", where)
            return


def _top_level_key(text: str, key: str) -> int | None:
    """Offset of the `[` that opens the value of `key` in the top-level object, or None."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0) + 1
    while True:
        pos = _skip_ws(text, pos)
        if not text.startswith('"', pos):
            return None
        try:
            name, pos = decoder.raw_decode(text, pos)
        except JSON_ERRORS:
            return None
        pos = _skip_ws(text, pos)
        if not text.startswith(":", pos):
            return None
        pos = _skip_ws(text, pos + 1)
        if name == key and text.startswith("[", pos):
            return pos
        try:
            _, pos = decoder.raw_decode(text, pos)
        except JSON_ERRORS:
            return None
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1
        else:
            return None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos
