"""Dispatch ingest SOURCEs (files, folders, feed URLs) to the reader for their format.

    for item in iter_sources(["corpus/", "feed.xml", "posts.jsonl"]):
        if isinstance(item, InputError): report(item)
        else: store(item)

Formats, by file suffix (a file named explicitly with another suffix is recognised by its content):

=====================  ==========================================================================
.txt                    one article (front matter / inline header; see textfile.py)
.html .htm              a saved web page (trafilatura)
.jsonl .ndjson          one JSON object per line
.json                   a JSON array of article objects, or a Telegram channel dump / Desktop export
.csv .tsv               a table with a header row
.xml .rss .atom .rdf    an RSS/Atom feed
http(s)://...           a feed (or a single page) fetched once, with timeout and size limit
=====================  ==========================================================================

Folders are walked recursively in name order; hidden files and files of other types are passed over.
A named pipe or /dev/stdin (`parallax ingest <(zcat dump.jsonl.gz)`) is read once into a private temporary
copy, because the readers look at the first bytes and then start again from the top.
Nothing here raises on bad input: every problem is yielded as an InputError and the walk goes on.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from parallax.ingest.csvfile import iter_csv
from parallax.ingest.encoding import decode_bytes
from parallax.ingest.errors import InputError
from parallax.ingest.feeds import fetch_url, iter_feed, looks_like_feed
from parallax.ingest.html import article_from_html, decode_html, read_html_file
from parallax.ingest.jsonl import iter_json_array, iter_jsonl
from parallax.ingest.records import DEFAULT_LIMITS, Limits, clean_text
from parallax.ingest.telegram import iter_telegram
from parallax.ingest.textfile import read_article_file
from parallax.model import Article

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
CSV_SUFFIXES = {".csv", ".tsv"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | CSV_SUFFIXES | FEED_SUFFIXES

MAX_JSON_BYTES = 1024 * 1024 * 1024
_HAS_LETTER = re.compile(r"[^\W\d_]")


def iter_sources(sources: Iterable[str | Path], *, outlet: str | None = None,
                 mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
                 ) -> Iterator[Article | InputError]:
    for source in sources:
        yield from iter_source(source, outlet=outlet, mapping=mapping, limits=limits)


def iter_source(source: str | Path, *, outlet: str | None = None, mapping: Mapping[str, str] | None = None,
                limits: Limits = DEFAULT_LIMITS) -> Iterator[Article | InputError]:
    text = str(source)
    if re.match(r"[a-z][a-z0-9+.-]*://", text, re.I):
        yield from _iter_url(text, outlet=outlet, limits=limits)
        return
    path = Path(source)
    if path.is_dir():
        for file in walk_folder(path):
            yield from iter_file(file, outlet=outlet, mapping=mapping, limits=limits)
        return
    if not path.exists():
        yield InputError(text, "no such file or folder")
        return
    if _is_stream(path):
        yield from _iter_stream(path, outlet=outlet, mapping=mapping, limits=limits)
        return
    yield from iter_file(path, outlet=outlet, mapping=mapping, limits=limits, sniff=True)


def _is_stream(path: Path) -> bool:
    """A named pipe, a terminal or another file that is not a regular one: it can be read only once."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _iter_stream(path: Path, **options) -> Iterator[Article | InputError]:
    """The articles of a pipe, read from a temporary copy of the same file name (so the format is known by
    suffix or content as for a file, and the default outlet is the same), with the pipe's name put back in
    every error and article source."""
    name = str(path)
    with tempfile.TemporaryDirectory(prefix="parallax-stream-") as folder:
        copy = Path(folder) / (path.name or "stream")
        try:
            with open(path, "rb") as pipe, open(copy, "wb") as out:
                shutil.copyfileobj(pipe, out, 1 << 20)
        except OSError as exc:
            yield InputError(name, f"cannot read file: {exc.strerror or exc}")
            return
        for item in iter_file(copy, sniff=True, **options):
            yield _named(item, str(copy), name)


def _named(item: Article | InputError, copy: str, name: str) -> Article | InputError:
    if isinstance(item, InputError):
        return InputError(name, item.problem, item.line) if item.source == copy else item
    if item.source and item.source.startswith(copy):
        item.source = name + item.source[len(copy):]
    return item


def walk_folder(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in KNOWN_SUFFIXES:
                yield Path(root) / name


def file_kind(path: Path, sniff: bool = False) -> str | None:
    suffix = path.suffix.lower()
    for kind, suffixes in (("text", TEXT_SUFFIXES), ("html", HTML_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
                           ("json", JSON_SUFFIXES), ("csv", CSV_SUFFIXES), ("feed", FEED_SUFFIXES)):
        if suffix in suffixes:
            return kind
    if not sniff:
        return None
    try:
        with open(path, "rb") as fh:
            sample = fh.read(8192)
    except OSError:
        return "text"          # let the text reader report the error
    head = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_feed(sample):
        return "feed"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"{") and b"\n{" in head:
        return "jsonl"
    if head.startswith((b"[", b"{")):
        return "json"
    return "text"


def iter_file(path: Path, *, outlet: str | None = None, mapping: Mapping[str, str] | None = None,
              limits: Limits = DEFAULT_LIMITS, sniff: bool = False) -> Iterator[Article | InputError]:
    kind = file_kind(path, sniff=sniff)
    name = str(path)
    if kind is None:
        return
    if kind == "text":
        try:
            article = read_article_file(path, outlet=outlet)
            if article.id == path.stem:
                article.meta["id_assigned"] = True
            yield check_article(article, limits)
        except InputError as exc:
            yield exc
    elif kind == "html":
        try:
            yield read_html_file(path, outlet=outlet, limits=limits)
        except InputError as exc:
            yield exc
    elif kind == "jsonl":
        yield from iter_jsonl(path, mapping=mapping, outlet=outlet, limits=limits)
    elif kind == "csv":
        yield from iter_csv(path, mapping=mapping, outlet=outlet, limits=limits)
    elif kind == "feed":
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield InputError(name, f"cannot read file: {exc.strerror or exc}")
            return
        yield from iter_feed(data, name=name, outlet=outlet, limits=limits)
    elif kind == "json":
        yield from _iter_json(path, outlet=outlet, mapping=mapping, limits=limits)


def _iter_json(path: Path, *, outlet, mapping, limits) -> Iterator[Article | InputError]:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            yield InputError(name, f"file too large ({size} bytes, limit {MAX_JSON_BYTES})")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(name, f"cannot read file: {exc.strerror or exc}")
        return
    try:
        text, encoding = decode_bytes(data, name)
    except InputError as exc:
        yield exc
        return
    head = text[:4096]
    telegram_dump = head.lstrip().startswith("[") and '"message_id"' in head
    desktop_export = head.lstrip().startswith("{") and re.search(r'"messages"\s*:', text[:1_000_000]) \
        and re.search(r'"type"\s*:\s*"(public_|private_)?(channel|supergroup|group)"', head)
    if telegram_dump or desktop_export:
        yield from iter_telegram(path, text, outlet=outlet, limits=limits, encoding=encoding)
    else:
        yield from iter_json_array(path, text, mapping=mapping, outlet=outlet, limits=limits, encoding=encoding)


def _iter_url(url: str, *, outlet: str | None, limits: Limits) -> Iterator[Article | InputError]:
    try:
        data = fetch_url(url)
    except InputError as exc:
        yield exc
        return
    if looks_like_feed(data):
        yield from iter_feed(data, name=url, outlet=outlet, limits=limits)
        return
    try:
        html, encoding = decode_html(data, url)
        yield article_from_html(html, name=url, url=url, outlet=outlet, limits=limits, encoding=encoding)
    except InputError as exc:
        yield exc


def check_article(article: Article, limits: Limits = DEFAULT_LIMITS) -> Article:
    """The per-record checks of records.build_article for readers that build Articles themselves."""
    where = article.source or article.id
    if len(article.text) > limits.max_text_chars:
        raise InputError(where, f"text too long ({len(article.text)} characters, limit {limits.max_text_chars})")
    cleaned = clean_text(article.text)
    if cleaned != article.text:
        article.text = cleaned
    if not _HAS_LETTER.search(article.text):
        raise InputError(where, "no words in text (markup or symbols only)")
    return article
