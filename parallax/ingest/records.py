"""Turn one input record (a JSON object, a CSV row, a feed entry, a Telegram post) into an Article.

Every reader funnels through :func:`build_article`, so the limits and the normalisation are the same for
all formats: a record with no text, no letters, or a text over the size limit is rejected with its file
and line, and the batch goes on.

Timestamps: `Article.date` is a calendar date; when the input also gives a time of day, the full
timestamp is kept as ISO 8601 in ``Article.meta["published"]`` (UTC when the input had an offset), which
the store and story clustering use to tell events hours apart.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from parallax.ingest.encoding import decode_bytes
from parallax.ingest.errors import InputError
from parallax.ingest.textfile import normalize_text
from parallax.model import Article

# Longer than any news article (War and Peace, vol. 1, is ~700k characters); a text this long is a dump,
# a book or a broken record, and would stall sentence analysis.
MAX_TEXT_CHARS = 500_000
# Raw size of one JSONL line / CSV row / JSON record before any parsing.
MAX_RECORD_BYTES = 8 * MAX_TEXT_CHARS

# Fields an input record can carry, in the names Parallax uses; `--map ours=theirs` renames them.
FIELDS = ("id", "url", "outlet", "title", "date", "text", "language")

# Lone surrogates (from "\ud800" in JSON) cannot be stored as UTF-8; NUL is refused by PostgreSQL.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_HAS_LETTER = re.compile(r"[^\W\d_]")


class Limits:
    """Per-record limits; one instance is shared by the readers of one ingest run."""

    def __init__(self, max_text_chars: int = MAX_TEXT_CHARS, max_record_bytes: int | None = None):
        self.max_text_chars = max_text_chars
        self.max_record_bytes = max_record_bytes or max(MAX_RECORD_BYTES, 8 * max_text_chars)

    def check_text_length(self, text: str, where: str, line: int | None = None) -> None:
        """InputError for a text over the limit: one message for `ingest` and `compare`."""
        if len(text) > self.max_text_chars:
            raise InputError(where, f"text too long ({len(text)} characters, limit {self.max_text_chars})", line)


DEFAULT_LIMITS = Limits()


def detect_stream_encoding(sample: bytes, name: str) -> str:
    """Encoding of a record file (CSV, JSONL) judged from its first bytes: a BOM; else UTF-8 when most
    non-ASCII lines decode as UTF-8; else cp1251/koi8-r by letter statistics. Records that then fail to decode
    are rejected one by one, so a few bad lines in a UTF-8 file do not change the file's encoding."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    lines = sample.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]                   # the last line may be cut by the sample boundary
    utf8 = legacy = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            legacy += 1
    if utf8 >= legacy:
        return "utf-8"
    try:
        return decode_bytes(sample, name)[1]
    except InputError:
        return "utf-8"


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`["text=body", "outlet=source.name"]` -> {"text": "body", "outlet": "source.name"}."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        ours, sep, theirs = pair.partition("=")
        ours, theirs = ours.strip().lower(), theirs.strip()
        if not sep or not theirs:
            raise ValueError(f"column mapping {pair!r} must look like FIELD=NAME (e.g. text=body)")
        if ours not in FIELDS:
            raise ValueError(f"column mapping {pair!r}: unknown field {ours!r} (one of {', '.join(FIELDS)})")
        mapping[ours] = theirs
    return mapping


def lookup(record: Mapping[str, Any], name: str) -> Any:
    """Value of `name` in a record; dotted names reach into nested objects (`source.name`)."""
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def mapped_fields(record: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    return {f: lookup(record, mapping.get(f, f)) for f in FIELDS}


_INVISIBLE_EDGES = "\u200b\u200c\u200d\u2060\ufeff \t\n"
# Direction marks and overrides: at the edge of a name or an id they only hide or reorder what follows.
_BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def clean_text(text: str) -> str:
    text = _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
    return _strip_blank_edges(normalize_text(text), _INVISIBLE_EDGES)


def _strip_blank_edges(text: str, invisible: str) -> str:
    r"""Strip white space and `invisible` characters, in any mix, from both ends ("Ё\u2028\u200b" -> "Ё").
    str.strip in a loop, not a regex: `\s+$` is quadratic on a long run of spaces."""
    before = None
    while text != before:
        before, text = text, text.strip().strip(invisible)
    return text


_JSON_KIND = {dict: "object", list: "array"}


def _as_str(value: Any, field: str, where: str, line: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise InputError(where, f"{field} field is a JSON {_JSON_KIND[type(value)]}, not a string "
                                f"(--map {field}=KEY.SUBKEY reads a value inside it)", line)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _strip_blank_edges(_UNSTORABLE.sub("", str(value)), _INVISIBLE_EDGES + _BIDI_CONTROLS) or None


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_published(value: Any, where: str, line: int | None = None) -> tuple[dt.date | None, str | None]:
    """(calendar date, ISO timestamp or None). Accepts ISO 8601 dates and timestamps, DD.MM.YYYY[ HH:MM],
    RFC 2822 (feeds, e-mail) and Unix epoch seconds. Aware timestamps are converted to UTC."""
    if value is None or value == "":
        return None, None
    if isinstance(value, (dict, list)):
        raise InputError(where, f"unreadable date (a JSON {_JSON_KIND[type(value)]}, not a date)", line)
    try:
        return _parse_published(value, where, line)
    except OverflowError:
        # an aware time at the edge of the calendar (9999-12-31T23:59-05:00) has no UTC equivalent
        raise InputError(where, f"unreadable date {str(value)[:60]!r} (out of range)", line) from None


def _parse_published(value: Any, where: str, line: int | None) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return _from_datetime(value)
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(value, where, line)
    text = str(value).strip()
    if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
        return _from_epoch(float(text), where, line)
    iso = text.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", text) else text
    if iso.endswith(("Z", "z")):
        iso = iso[:-1] + "+00:00"
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)     # +0300 -> +03:00
    try:
        if len(iso) <= 10:
            return dt.date.fromisoformat(iso), None
        return _from_datetime(dt.datetime.fromisoformat(iso))
    except ValueError:
        pass
    m = _DMY.match(text)
    if m:
        try:
            day = dt.date(int(m[3]), int(m[2]), int(m[1]))
            if m[4] is None:
                return day, None
            stamp = dt.datetime(day.year, day.month, day.day, int(m[4]), int(m[5]), int(m[6] or 0))
            return _from_datetime(stamp)
        except ValueError:
            pass
    try:
        return _from_datetime(email.utils.parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    raise InputError(where, f"unreadable date {text[:60]!r} (expected ISO 8601, DD.MM.YYYY or RFC 2822)", line)


def _from_epoch(value: float, where: str, line: int | None) -> tuple[dt.date, str]:
    try:
        return _from_datetime(dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc))
    except (OverflowError, OSError, ValueError):
        raise InputError(where, f"unreadable date {value!r} (epoch seconds out of range)", line) from None


def _from_datetime(stamp: dt.datetime) -> tuple[dt.date, str]:
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc)
    return stamp.date(), stamp.replace(microsecond=0).isoformat()


def derive_title(text: str, limit: int = 160) -> str | None:
    """A headline for untitled posts (Telegram, feeds without titles): the first line, cut to a sentence
    or a word boundary when long. Leading emoji and bullets are dropped; they carry no words."""
    for line in text.split("\n"):
        line = re.sub(r"^[^\w«\"'(]+", "", line.strip())
        if line:
            break
    else:
        return None
    if len(line) <= limit:
        return line
    cut = re.search(r"^.{20,%d}?[.!?…](?=\s)" % limit, line)
    if cut:
        return cut.group(0)
    head = line[:limit].rsplit(" ", 1)[0]
    return head.rstrip(",;:—–- ") + "…"


def assigned_id(text: str) -> str:
    return "h" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:15]


def build_article(fields: Mapping[str, Any], *, where: str, line: int | None = None,
                  default_outlet: str | None = None, limits: Limits = DEFAULT_LIMITS,
                  encoding: str = "utf-8", meta: dict | None = None,
                  title_from_text: bool = False) -> Article:
    """Validate and normalise one record. Raise InputError (with `line`) when it cannot be used."""
    raw = fields.get("text")
    if raw is None:
        raise InputError(where, "no text field", line)
    if not isinstance(raw, str):
        if isinstance(raw, (dict, list)):
            raise InputError(where, f"text field is a JSON {type(raw).__name__}, not a string", line)
        raw = str(raw)
    if len(raw) > limits.max_text_chars:
        raise InputError(where, f"text too long ({len(raw)} characters, limit {limits.max_text_chars})", line)
    text = clean_text(raw)
    if not text:
        raise InputError(where, "empty text", line)
    if not _HAS_LETTER.search(text):
        raise InputError(where, "no words in text (markup or symbols only)", line)
    date, published = parse_published(fields.get("date"), where, line)
    outlet = _as_str(fields.get("outlet"), "outlet", where, line) or default_outlet
    if not outlet:
        raise InputError(where, "no outlet (add an outlet field, --map outlet=NAME or --outlet)", line)
    title = _as_str(fields.get("title"), "title", where, line)
    extra = dict(meta or {})
    if title is None and title_from_text:
        title = derive_title(text)
        if title:
            extra["title_derived"] = True
    ext_id = _as_str(fields.get("id"), "id", where, line)
    if ext_id is None:
        ext_id = assigned_id(text)
        extra["id_assigned"] = True
    if published:
        extra["published"] = published
    language = _as_str(fields.get("language"), "language", where, line)
    url = _as_str(fields.get("url"), "url", where, line)
    if language:
        extra["language"] = language
    return Article(
        id=ext_id, text=text, outlet=outlet, title=title, date=date, url=url,
        source=f"{where}:{line}" if line is not None else where, encoding=encoding, meta=extra,
    )
