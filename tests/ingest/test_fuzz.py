"""Fuzzing every input path (issue 16): text in every encoding, HTML, JSONL, CSV, JSON arrays, RSS/Atom and
Telegram exports, made of random bytes, invalid UTF-8, zero-width and bidi characters, NUL bytes, deep
nesting, huge lines and dates out of range, plus fixed bombs (HTML, XML entities, YAML aliases).

For every input: nothing raises but InputError (yielded, never thrown), nothing takes longer than
TIME_LIMIT, every rejection names the file (and the line, where the format has lines), every accepted
article is storable, and the ingest summary adds up: read = ingested + duplicates + revisions + rejected.

The default run is short and repeatable (derandomized). A longer random run:
    PARALLAX_FUZZ_EXAMPLES=1000 PARALLAX_FUZZ_REPORT=fuzz.json pytest tests/ingest/test_fuzz.py
(the report counts the inputs tried per kind and the rejections by reason; benchmarks/RELIABILITY.md).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parallax.ingest.errors import InputError
from parallax.ingest.records import Limits
from parallax.ingest.sources import iter_source
from parallax.model import Article
from parallax.pipeline import IngestSummary, ingest_records, reason_of
from parallax.store import Store

BIG_RUN = int(os.environ.get("PARALLAX_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=BIG_RUN or 12, deadline=None, derandomize=not BIG_RUN, database=None,
                suppress_health_check=list(HealthCheck))
TIME_LIMIT = 30.0    # seconds for one file: generated files read in < 1 s, but CI machines can be loaded
LIMITS = Limits(max_text_chars=20_000)      # small, so that "too long" is reachable with small inputs
LINE_KINDS = {"jsonl", "csv", "json", "telegram"}
# Rejections of a whole file (nothing to point a line at): encoding, emptiness, unreadable container.
FILE_LEVEL = ("empty file", "binary data", "unknown text encoding", "invalid UTF-16", "UTF-16 JSON Lines",
              "cannot read file", "file too large", "not an RSS/Atom feed", "feed has no entries")

TRIED: Counter = Counter()
REASONS: dict[str, Counter] = defaultdict(Counter)
SLOWEST: dict[str, float] = defaultdict(float)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    out = os.environ.get("PARALLAX_FUZZ_REPORT")
    if out:
        Path(out).write_text(json.dumps({"inputs": TRIED, "slowest_seconds": SLOWEST,
                                         "rejections": REASONS}, ensure_ascii=False, indent=2, sort_keys=True))


# ---- reading with a time bound, and the checks every input must pass ------------------------------------

def read_bounded(path: Path, kind: str, limits: Limits = LIMITS, seconds: float = TIME_LIMIT) -> list:
    """Every item iter_source yields for `path`, read in a daemon thread so that a hang fails the test
    instead of stalling the suite."""
    box: dict = {}

    def run():
        try:
            box["items"] = list(iter_source(path, outlet=None, limits=limits))
        except BaseException as exc:   # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"reading {kind} input {path} took over {seconds} s"
    TRIED[kind] += 1
    SLOWEST[kind] = max(SLOWEST[kind], round(time.monotonic() - started, 3))
    if "error" in box:
        raise box["error"]
    return box["items"]


def check_items(items: list, path: Path, kind: str, data: bytes, limits: Limits = LIMITS) -> None:
    n_lines = max(data.count(b"\n"), len(data.splitlines())) + 1       # csv counts a lone \r as a line end
    for item in items:
        assert isinstance(item, (Article, InputError)), type(item)
        if isinstance(item, InputError):
            REASONS[kind][reason_of(item)[:60]] += 1
            assert item.source.startswith(str(path)), item
            assert str(item).startswith(str(path)), item
            if item.line is not None:
                assert 1 <= item.line <= n_lines, item
                assert str(item).startswith(f"{path}:{item.line}: "), item
            elif kind in LINE_KINDS:
                assert item.problem.startswith(FILE_LEVEL), f"no line in {item}"
            continue
        REASONS[kind]["accepted"] += 1
        assert item.text and re.search(r"[^\W\d_]", item.text), item
        assert len(item.text) <= limits.max_text_chars
        for value in (item.text, item.id, item.outlet, item.title or "", item.url or ""):
            assert "\x00" not in value
            value.encode("utf-8")          # no lone surrogates: the databases store UTF-8
        assert item.outlet.strip() and item.id.strip()
        assert item.text == item.text.strip(), "clean_text leaves no outer blanks"
        json.dumps(item.meta, ensure_ascii=False, sort_keys=True, default=str)   # as the store writes it


def check_summary(items: list, db: Path) -> None:
    """Every record read is counted once: ingested, duplicate, revision or rejected."""
    with Store(str(db)) as store:
        summary = ingest_records(store, items, summary=IngestSummary(), batch_size=7)
    assert summary.read == len(items)
    assert summary.read == summary.new + summary.duplicates + summary.revisions + summary.rejected, \
        summary.as_dict()
    assert summary.rejected >= sum(isinstance(i, InputError) for i in items)
    assert sum(summary.reasons.values()) == summary.rejected


def fuzz_file(tmp_path: Path, kind: str, suffix: str, data: bytes) -> list:
    path = tmp_path / f"fuzz-{TRIED[kind]}{suffix}"
    path.write_bytes(data)
    items = read_bounded(path, kind)
    check_items(items, path, kind, data)
    return items


# ---- strategies ---------------------------------------------------------------------------------------

NASTY = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066",
         "\u2069", "\x00", "\x1b[31m", "\r", "\r\n", "\u2028", "\u0085", "\t", "ё", "Ё", "е\u0301", "👍🏽",
         "\U0010ffff", "&amp;", "&#0;", "&#xD800;", "<b>", "</p>", "<script>x</script>", "]]>", "\\", '"', "'",
         "---\n", "~~a ", "||a ", "**", "__", "[a](http://x)", "`", "\u00a0", "\u3000", "\ufffd", "%s", "{}",
         " " * 50, "a" * 300]
RUSSIAN = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁ .,!?-—«»\n0123456789", min_size=1,
                  max_size=120)
hostile_text = st.lists(st.one_of(RUSSIAN, st.sampled_from(NASTY), st.text(max_size=20)), max_size=8).map("".join)
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80",
            b"\xef\xbb\xbf", b"\x00", b"\x1a", b"\r"]
hostile_bytes = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(BAD_UTF8),
                                   RUSSIAN.map(lambda t: t.encode("utf-8"))), max_size=10).map(b"".join)
SOMETIMES_RAW = st.integers(0, 3).flatmap(lambda i: hostile_bytes if i == 0 else st.none())   # a quarter
ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "koi8-r", "utf-16", "utf-16-le", "latin-1"]
DATES = st.one_of(
    st.none(), st.dates().map(str), st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.integers(min_value=-10**20, max_value=10**20), st.floats(), hostile_text,
    st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2024-02-30", "31.12.9999 23:59",
                     "00.00.0000", "Fri, 31 Dec 9999 23:59:59 -0500", "Mon, 01 Jan 0001 00:00:00 +0500",
                     "1700000000", "99999999999", "2024-12-03 25:61", "2024-12-03T20:00:00+99:00", "1e400",
                     "2024-12-03T20:00:00Z"]))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                          max_leaves=8)
FIELD_VALUES = {"id": st.one_of(json_scalar, st.sampled_from(["a1", "a1", "a2"])), "url": json_value,
                "outlet": st.one_of(json_value, st.sampled_from(["РИА Новости", "\u202eАИР", "\u200b", ""])),
                "title": json_value, "date": st.one_of(DATES, json_value),
                "text": st.one_of(hostile_text, RUSSIAN, json_value, st.just("слово " * 5000)),
                "language": json_scalar}


@st.composite
def records(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), unique=True))
    if draw(st.booleans()):
        keys.append("text")
    return {k: draw(FIELD_VALUES[k]) for k in keys}


def deep(n: int) -> str:
    return "[" * n + "]" * n


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace") if "utf" not in encoding else \
        text.encode(encoding, errors="surrogatepass")


# ---- one property test per input path ---------------------------------------------------------------------

@FUZZ
@given(head=st.lists(st.tuples(st.sampled_from(["outlet", "title", "date", "id", "url", "tags", "x"]),
                               st.one_of(hostile_text, DATES.map(str), st.sampled_from(["[a, {b: c}]", "&a [1]",
                                                                                       "*a", deep(60), "{1: a}"]))),
                     max_size=4),
       front=st.booleans(), body=hostile_text, encoding=st.sampled_from(ENCODINGS), raw=SOMETIMES_RAW)
def test_text_files(tmp_path, head, front, body, encoding, raw):
    meta = "".join(f"{k}: {v}\n" for k, v in head)
    text = (f"---\n{meta}---\n" if front else "") + body
    fuzz_file(tmp_path, "text", ".txt", raw if raw is not None else encode(text, encoding))


@FUZZ
@given(parts=st.lists(st.one_of(hostile_text, st.sampled_from(["<p>", "</p>", "<div>" * 50, "<h1>", "<title>",
                                                               "<meta charset=koi8-r>", "<meta charset=bogus>",
                                                               "<meta charset=idna>", "<meta charset=utf-7>",
                                                               "<meta charset=hex>", "<meta charset=undefined>",
                                                               '<meta property="og:site_name" content="\u202e">',
                                                               "<time datetime='9999-12-31T23:59:59-05:00'>",
                                                               "<!--", "<![CDATA[", "<?xml?>", "&#1;"])),
                      max_size=12),
       encoding=st.sampled_from(ENCODINGS), raw=SOMETIMES_RAW)
def test_html_pages(tmp_path, parts, encoding, raw):
    html = "<html><head></head><body>" + "".join(parts) + "</body></html>"
    fuzz_file(tmp_path, "html", ".html", raw if raw is not None else encode(html, encoding))


@FUZZ
@given(lines=st.lists(st.one_of(records().map(lambda r: ("json", r)), hostile_bytes.map(lambda b: ("raw", b)),
                                st.sampled_from([("raw", b""), ("raw", b"  "), ("raw", b'{"text": "\xff\xfe"}'),
                                                 ("raw", ('{"text": %s}' % deep(3000)).encode()),
                                                 ("raw", b'{"text": 1' + b"1" * 5000 + b"}"),
                                                 ("raw", b'{"text": "\\ud800 \\u0000 word"}'),
                                                 ("raw", b'{"text": "truncated')])),
                      max_size=8),
       ascii_only=st.booleans(), encoding=st.sampled_from(["utf-8", "cp1251", "utf-8-sig"]),
       newline=st.sampled_from([b"\n", b"\r\n"]))
def test_jsonl(tmp_path, lines, ascii_only, encoding, newline):
    out = []
    for tag, value in lines:
        out.append(encode(json.dumps(value, ensure_ascii=ascii_only), encoding) if tag == "json" else value)
    data = newline.join(b.replace(b"\n", b" ") for b in out)
    items = fuzz_file(tmp_path, "jsonl", ".jsonl", data)
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    file_level = [i for i in items if isinstance(i, InputError) and i.line is None]
    if not file_level:   # one item per non-blank line
        assert len(items) == sum(1 for line in body.split(b"\n") if line.strip()), items
    check_summary(items, tmp_path / "fuzz.sqlite")


@FUZZ
@given(columns=st.lists(st.sampled_from(["id", "outlet", "title", "date", "text", "url", "x", ""]), min_size=1,
                        max_size=6),
       rows=st.lists(st.lists(st.one_of(hostile_text, DATES.map(str)), max_size=7), max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), encoding=st.sampled_from(ENCODINGS),
       raw=SOMETIMES_RAW, suffix=st.sampled_from([".csv", ".tsv"]))
def test_csv(tmp_path, columns, rows, delimiter, encoding, raw, suffix):
    if len(rows) % 4:                     # mostly a usable header and rows of its width
        columns = ["text"] + columns
        rows = [(row + [""] * len(columns))[:len(columns)] if i % 3 else row for i, row in enumerate(rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    data = raw if raw is not None else encode(buffer.getvalue(), encoding)
    items = fuzz_file(tmp_path, "csv", suffix, data)
    check_summary(items, tmp_path / "fuzz.sqlite")


@FUZZ
@given(items=st.lists(st.one_of(records(), json_value), max_size=6),
       wrapper=st.sampled_from([None, "articles", "items", "other"]), cut=st.none() | st.integers(0, 400),
       deep_at=st.none() | st.integers(0, 5), indent=st.sampled_from([None, 1]))
def test_json_arrays(tmp_path, items, wrapper, cut, deep_at, indent):
    text = json.dumps(items, ensure_ascii=False, indent=indent)
    if deep_at is not None and deep_at <= len(items):
        text = json.dumps(items[:deep_at] + ["DEEP"] + items[deep_at:], ensure_ascii=False, indent=indent)
        text = text.replace('"DEEP"', deep(2000), 1)
    if wrapper:
        text = '{"meta": 1, "%s": %s}' % (wrapper, text)
    if cut is not None:
        text = text[:cut]
    result = fuzz_file(tmp_path, "json", ".json", text.encode("utf-8", errors="surrogatepass"))
    check_summary(result, tmp_path / "fuzz.sqlite")


ENTRY = st.fixed_dictionaries({"title": hostile_text, "body": hostile_text, "date": DATES.map(str),
                               "id": hostile_text, "escape": st.booleans()})
XML_BOMBS = ["", '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                 '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
             '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>']


@FUZZ
@given(entries=st.lists(ENTRY, max_size=5), atom=st.booleans(), doctype=st.sampled_from(XML_BOMBS),
       entity=st.sampled_from(["", "&a;", "&d;", "&x;"]), cut=st.none() | st.integers(0, 300),
       raw=SOMETIMES_RAW)
def test_feeds(tmp_path, entries, atom, doctype, entity, cut, raw):
    def esc(text, flag):
        text = text.replace("\x00", "")
        return text.replace("&", "&amp;").replace("<", "&lt;") if flag else text
    if atom:
        body = "".join(f"<entry><id>{esc(e['id'], True)}</id><title>{esc(e['title'], e['escape'])}</title>"
                       f"<updated>{esc(e['date'], True)}</updated><content type='html'>{esc(e['body'], e['escape'])}"
                       f"{entity}</content></entry>" for e in entries)
        xml = f'<?xml version="1.0"?>{doctype}<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{body}</feed>'
    else:
        body = "".join(f"<item><guid>{esc(e['id'], True)}</guid><title>{esc(e['title'], e['escape'])}</title>"
                       f"<pubDate>{esc(e['date'], True)}</pubDate><description>{esc(e['body'], e['escape'])}"
                       f"{entity}</description></item>" for e in entries)
        xml = f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>Лента</title>{body}</channel></rss>'
    data = raw if raw is not None else xml.encode("utf-8", errors="surrogatepass")[:cut]
    items = fuzz_file(tmp_path, "feed", ".xml", data)
    check_summary(items, tmp_path / "fuzz.sqlite")


MESSAGE = st.fixed_dictionaries(
    {"text": st.one_of(hostile_text, json_value, st.lists(st.one_of(hostile_text, st.fixed_dictionaries(
        {"type": st.sampled_from(["link", "bold", "text_link"]), "text": json_value, "href": json_value})),
        max_size=4))},
    optional={"message_id": json_scalar, "id": json_scalar, "date": DATES, "date_unixtime": DATES,
              "sender_id": st.one_of(json_scalar, st.sampled_from(["-100123", "²", "-"])),
              "channel": json_value, "type": st.sampled_from(["message", "service", 5]), "category": json_value})


@FUZZ
@given(messages=st.lists(MESSAGE, max_size=6), desktop=st.booleans(), name=json_value,
       cut=st.none() | st.integers(0, 500))
def test_telegram_exports(tmp_path, messages, desktop, name, cut):
    for i, msg in enumerate(messages):
        msg.setdefault("id" if desktop else "message_id", i)
    if desktop:
        text = json.dumps({"name": name, "type": "public_channel", "id": 123, "messages": messages},
                          ensure_ascii=False)
    else:
        text = json.dumps(messages, ensure_ascii=False)
        if '"message_id"' not in text[:4096]:
            text = text.replace("[", '[{"message_id": 0, "text": "x"}, ', 1) if messages else text
    if cut is not None:
        text = text[:cut]
    items = fuzz_file(tmp_path, "telegram", ".json", text.encode("utf-8", errors="surrogatepass"))
    check_summary(items, tmp_path / "fuzz.sqlite")


@FUZZ
@given(data=hostile_bytes, suffix=st.sampled_from([".txt", ".html", ".jsonl", ".json", ".csv", ".tsv", ".xml",
                                                   ".atom", ".dat", ""]),
       head=st.sampled_from([b"", b"<?xml version='1.0'?><rss>", b"<html>", b"{", b"[", b'[{"message_id": 1,',
                             b"\xef\xbb\xbf", b"\xff\xfe", b"---\n"]))
def test_random_bytes_in_every_format(tmp_path, data, suffix, head):
    """Random bytes under every suffix; a file named explicitly with an unknown suffix is sniffed."""
    fuzz_file(tmp_path, "random bytes", suffix, head + data)


# ---- fixed hostile inputs: bombs, huge lines, deep nesting, dates out of range -------------------------------

_LOL = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
BOMBS = [
    # kind, suffix, content, what must come out ("accepted", or a fragment of the rejection)
    ("json", ".jsonl", '{"text": %s}\n{"text": "слово", "outlet": "x"}\n' % deep(100_000), "nested too deeply"),
    ("json", ".jsonl", '{"text": "слово", "n": %s}\n' % ("1" * 5000), "number too long"),
    ("json", ".json", '[{"text": "слово"}, {"text": %s}]' % deep(100_000), "nested too deeply"),
    ("json", ".json", '{"articles": [{"text": "слово"}, %s]}' % deep(100_000), "nested too deeply"),
    ("json", ".json", '{"x": %s, "articles": []}' % deep(100_000), "nested too deeply"),
    ("telegram", ".json", '[{"message_id": 1, "text": "слово", "x": %s}]' % deep(100_000), "nested too deeply"),
    ("telegram", ".json", '{"type": "public_channel", "name": "К", "messages": [{"id": 1, "text": "слово"}, '
                          '{"id": 2, "x": %s}]}' % deep(100_000), "nested too deeply"),
    ("telegram", ".json", '[{"message_id": 1, "text": "%s"}]' % ("~~a " * 100_000), "accepted"),
    ("telegram", ".json", '[{"message_id": 1, "text": "%s"}]' % ("||a " * 100_000), "accepted"),
    ("telegram", ".json", '[{"message_id": 1, "text": "слово", "sender_id": "²", "category": {"a": [1]}}]',
     "accepted"),
    ("telegram", ".json", '[{"message_id": [1], "text": "слово"}, {"message_id": 2, "text": 5}]', "message id is"),
    ("text", ".txt", "---\n" + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
                                       for i in range(1, 10)).replace("*l0", "x") + "---\nТекст.", "aliases"),
    ("text", ".txt", "---\ntitle: %s\n---\nТекст." % deep(30_000)[:60_000], "nested too deeply"),
    ("text", ".txt", "---\ndate: 2024-13-45\n---\nТекст.", "month must be in"),
    ("text", ".txt", "---\ntitle: {a: 1}\n---\nТекст.", "must be a single value"),
    ("text", ".txt", "---\ntags: {1: a, b: [c, 2024-01-01]}\n---\nТекст.", "accepted"),
    ("text", ".txt", "\u200b\u200f\u202e\u2066\ufeff", "no words"),
    ("html", ".html", "<html><body>" + "<div>" * 50_000 + "Слово " * 10 + "</div>" * 50_000 + "</body></html>",
     ""),
    ("html", ".html", "<html><body>" + "<p>Слово слово слово слово слово.</p>" * 5_000 + "</body></html>", ""),
    ("feed", ".xml", f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{_LOL}]><rss version="2.0"><channel>'
                     "<title>&l9;</title><item><title>Новость</title><description>&l9; текст</description></item>"
                     "</channel></rss>", "entity-expansion bomb"),
    ("feed", ".xml", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss version="2.0"><channel>'
                     "<title>t</title><item><title>Новость</title><description>слово&nbsp;слово</description>"
                     "</item></channel></rss>", "accepted"),
    ("feed", ".xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "%s">]><rss version="2.0"><channel><title>t'
                     '</title><item><title>Новость</title><description>%s слово</description></item></channel></rss>'
                     % ("x" * 50_000, "&a;" * 50_000), ""),
    ("feed", ".xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Новость'
                     "</title><pubDate>Fri, 31 Dec 9999 23:59:59 -0500</pubDate><description>слово</description>"
                     "</item></channel></rss>", "accepted"),
    ("csv", ".csv", "text,outlet,date\nслово,x,9999-12-31T23:59:59-05:00\nслово,x,0001-01-01T00:00:00+05:00\n",
     "out of range"),
    ("csv", ".csv", "text,outlet\n\"" + "слово " * 2_000_000 + "\",x\nслово,x\n",
     ("malformed CSV row", "record too large")),     # which one depends on csv.field_size_limit, process-wide
    ("json", ".jsonl", '{"text": "слово", "outlet": "\u202e\u200b", "title": {"rendered": "x"}}\n', "title field"),
    ("json", ".jsonl", '{"text": "слово", "date": "9999-12-31T23:59:59-05:00"}\n', "out of range"),
    ("json", ".jsonl", '{"text": "слово", "date": [2024, 1, 1]}\n', "JSON array, not a date"),
    # found by the fuzzer: a UTF-16 CSV cut mid-character or with a lone surrogate raised UnicodeDecodeError
    ("csv", ".csv", codecs.BOM_UTF16_LE + "text,outlet\nслово,x\n".encode("utf-16-le") + b"\x00\xd8", "row has 1 fields"),
    ("csv", ".csv", b"text,outlet\r\xd1\x81\xd0\xbb\xd0\xbe\xd0\xb2\xd0\xbe,x\r!!,x\r", "no words"),
    # found by the fuzzer: a UTF-8 BOM before invalid UTF-8 raised UnicodeDecodeError
    ("html", ".html", codecs.BOM_UTF8 + b"<html><body>\x80\xff</body></html>", "invalid UTF-8 text after a"),
    ("text", ".txt", codecs.BOM_UTF8 + b"\xd0\xb0\x80", "invalid UTF-8 text after a"),
    # found by the fuzzer: &#xD800; (a surrogate) made feedparser raise UnicodeEncodeError
    ("feed", ".xml", b'<rss version="2.0"><channel><title>t</title><item><title>x&#xD800;&#x110000;&#99999999999;'
                     b"</title><description>\xd1\x81\xd0\xbb\xd0\xbe\xd0\xb2\xd0\xbe &#55296;</description></item>"
                     b"</channel></rss>", "accepted"),
    # found by the fuzzer: zero-width and line-separator characters mixed at the end of a text
    ("text", ".txt", "\u200b Текст.\u2028\u200b\u2029", "accepted"),
]


@pytest.mark.parametrize("kind,suffix,content,expect", BOMBS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BOMBS)])
def test_fixed_hostile_inputs(tmp_path, kind, suffix, content, expect):
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(data)
    items = read_bounded(path, "bombs", limits=Limits(), seconds=60)
    check_items(items, path, kind, data, Limits())
    errors = [str(i) for i in items if isinstance(i, InputError)]
    if expect == "accepted":
        assert any(isinstance(i, Article) for i in items) and not errors, errors
    elif expect:
        alternatives = expect if isinstance(expect, tuple) else (expect,)
        assert any(x in e for e in errors for x in alternatives), errors
    check_summary(items, tmp_path / "bomb.sqlite")


def test_huge_single_line_is_skipped_without_reading_it_whole(tmp_path):
    """A JSONL line far over the record limit is counted and skipped; the lines after it are read."""
    path = tmp_path / "huge.jsonl"
    limits = Limits(max_text_chars=1000)
    with open(path, "wb") as fh:
        fh.write(b'{"text": "' + b"a" * (30 * limits.max_record_bytes) + b'"}\n')
        fh.write(json.dumps({"text": "Короткая новость.", "outlet": "x"}).encode() + b"\n")
    items = read_bounded(path, "bombs", limits=limits)
    assert isinstance(items[0], InputError) and items[0].line == 1 and "record too large" in items[0].problem
    assert str(30 * limits.max_record_bytes + 13) in items[0].problem
    assert isinstance(items[1], Article) and items[1].source.endswith(":2")


@pytest.mark.parametrize("value,expect", [
    ("9999-12-31T23:59:59-05:00", "out of range"), ("0001-01-01T00:00:00+05:00", "out of range"),
    ("Fri, 31 Dec 9999 23:59:59 -0500", "out of range"), ({"y": 2024}, "a JSON object"), ([1], "a JSON array"),
    (10**20, "epoch seconds out of range"), ("9999-12-31T23:59:59+00:00", None), ("0001-01-01", None),
])
def test_dates_at_the_edge_of_the_calendar(value, expect):
    from parallax.ingest.records import parse_published
    if expect is None:
        assert parse_published(value, "f.jsonl", 3)[0] is not None
        return
    with pytest.raises(InputError) as err:
        parse_published(value, "f.jsonl", 3)
    assert expect in err.value.problem and str(err.value).startswith("f.jsonl:3: unreadable date")


@pytest.mark.parametrize("value,expect", [
    (" \u202eРИА Новости\u200b ", "РИА Новости"), ("\u200b\u202e\u2066", None), ("\u3000 x \u200f", "x"),
    ("a\u202eb", "a\u202eb"), (" " * 100_000 + "x" + " " * 100_000 + "y", "x" + " " * 100_000 + "y"),
])
def test_short_fields_lose_invisible_edges(value, expect):
    from parallax.ingest.records import build_article
    art = build_article({"text": "Слово.", "outlet": value, "title": value}, where="f", default_outlet="d")
    assert art.title == expect and art.outlet == (expect or "d")
