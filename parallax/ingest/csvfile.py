"""CSV / TSV with a header row. Default columns: id, url, outlet, title, date, text (`mapping` renames).

The file is streamed, not loaded whole. The encoding is chosen from the first 64 KiB (UTF-8, else
cp1251/koi8-r by letter statistics); a row whose bytes do not decode in that encoding is rejected on its own
with its line number, the others go on.
"""
from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

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
_DELIMITERS = ",;\t|"


def iter_csv(path: str | Path, *, mapping: Mapping[str, str] | None = None, outlet: str | None = None,
             limits: Limits = DEFAULT_LIMITS, delimiter: str | None = None) -> Iterator[Article | InputError]:
    name = str(path)
    mapping = mapping or {}
    try:
        with open(path, "rb") as fh:
            sample = fh.read(_SAMPLE)
    except OSError as exc:
        yield InputError(name, f"cannot read file: {exc.strerror or exc}")
        return
    if not sample.strip():
        yield InputError(name, "empty file")
        return
    encoding = detect_stream_encoding(sample, name)
    if delimiter is None:
        if name.lower().endswith(".tsv"):
            delimiter = "\t"
        else:
            head = sample.decode(encoding, errors="replace").split("\n", 1)[0]
            delimiter = max(_DELIMITERS, key=head.count) if any(c in head for c in _DELIMITERS) else ","
    # csv refuses fields over its limit by raising mid-file; raise the limit and apply ours per row.
    csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, limits.max_record_bytes * 2)))
    # surrogateescape keeps a bad byte visible so that its row alone is refused; in UTF-16 a bad unit (a lone
    # surrogate, an odd last byte) is not a byte it can escape, and becomes U+FFFD as in JSON.
    errors = "replace" if encoding == "utf-16" else "surrogateescape"
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except (StopIteration, csv.Error) as exc:
            yield InputError(name, f"no CSV header row ({exc})" if str(exc) else "no CSV header row", 1)
            return
        except UnicodeError:
            yield InputError(name, f"bytes that are not valid {encoding} text", 1)
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        text_column = mapping.get("text", "text")
        if text_column not in header:
            yield InputError(name, f"no {text_column!r} column (columns: {', '.join(header)}); "
                                   f"use --map text=COLUMN", 1)
            return
        default_outlet = outlet or Path(name).stem
        start_line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield InputError(name, f"malformed CSV row ({exc})", reader.line_num)
                start_line = reader.line_num + 1
                continue
            except UnicodeError:
                # (not expected after the choice of `errors` above; kept so that a decoder surprise is a rejection)
                yield InputError(name, f"bytes that are not valid {encoding} text; rest of the file skipped",
                                 start_line)
                return
            line, start_line = start_line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            size = sum(len(cell) for cell in row)
            if size > limits.max_record_bytes:
                yield InputError(name, f"record too large ({size} characters)", line)
                continue
            if any(_has_undecodable(cell) for cell in row):
                yield InputError(name, f"bytes that are not valid {encoding} text", line)
                continue
            if len(row) != len(header):
                yield InputError(name, f"row has {len(row)} fields, header has {len(header)}", line)
                continue
            record = dict(zip(header, row))
            try:
                yield build_article(mapped_fields(record, mapping), where=name, line=line,
                                    default_outlet=default_outlet, limits=limits, encoding=encoding,
                                    title_from_text=True)
            except InputError as exc:
                yield exc


# surrogateescape maps each undecodable byte to U+DC80..U+DCFF.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _has_undecodable(cell: str) -> bool:
    return _UNDECODABLE.search(cell) is not None

