"""Saved web pages: main text, title, date, canonical URL and site name extracted with trafilatura.

The outlet is the page's site name (og:site_name), else `--outlet`, else the URL's host, else the file name.
A page with no recognisable main text (navigation only, broken markup) is rejected, not guessed at.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parallax.ingest.encoding import decode_bytes
from parallax.ingest.errors import InputError
from parallax.ingest.records import DEFAULT_LIMITS, Limits, build_article
from parallax.model import Article

MAX_HTML_BYTES = 20 * 1024 * 1024
# trafilatura's fallbacks return *something* for any page; fewer words than this is a menu or a stub.
MIN_WORDS = 5
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": False}


def article_from_html(html: str | bytes, *, name: str, outlet: str | None = None, url: str | None = None,
                      limits: Limits = DEFAULT_LIMITS, encoding: str = "utf-8") -> Article:
    import trafilatura  # lazy: 0.35 s to import; `parallax compare` of text files must not pay it

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                          include_tables=False, date_extraction_params=_DATE_PARAMS)
    except Exception as exc:   # lxml raises a variety of errors on hostile markup
        raise InputError(name, f"HTML could not be parsed ({type(exc).__name__}: {exc})") from None
    if doc is None or not (doc.text or "").strip():
        raise InputError(name, "no main text found in the HTML page")
    text = doc.text
    words = len(re.findall(r"[^\W\d_]{2,}", text))
    if words < MIN_WORDS:
        raise InputError(name, f"no main text found in the HTML page (only {words} words)")
    title = (doc.title or "").strip() or None
    if title:
        # trafilatura keeps the <h1> as the first line of the text; the title is stored apart.
        first, _, rest = text.partition("\n")
        if first.strip() == title and rest.strip():
            text = rest
    page_url = url or doc.url
    date = doc.date
    if date and date.endswith("T00:00:00"):
        date = date[:10]          # htmldate pads a date-only page with midnight; that time is not real
    fields: dict[str, Any] = {
        "id": Path(name).stem, "text": text, "title": title, "url": page_url, "date": date,
        "outlet": (doc.sitename or "").strip() or outlet or doc.hostname or Path(name).stem,
    }
    meta: dict[str, Any] = {"id_assigned": True}
    if doc.author:
        meta["author"] = doc.author
    try:
        article = build_article(fields, where=name, limits=limits, encoding=encoding, meta=meta)
    except InputError as exc:
        if "unreadable date" not in exc.problem:
            raise
        fields["date"] = None     # a page's date comes from heuristics; a bad guess is not a bad page
        article = build_article(fields, where=name, limits=limits, encoding=encoding, meta=meta)
    return article


def read_html_file(path: str | Path, *, outlet: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Article:
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_HTML_BYTES:
            raise InputError(name, f"file too large ({size} bytes, limit {MAX_HTML_BYTES})")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror or exc}") from None
    text, encoding = decode_html(data, name)
    return article_from_html(text, name=name, outlet=outlet, limits=limits, encoding=encoding)


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """Honour a declared charset; otherwise detect like a text file."""
    head = data[:4096].decode("ascii", errors="replace").lower()
    m = re.search(r"""charset\s*=\s*["']?([a-z0-9_-]+)""", head)
    if m:
        declared = m.group(1)
        try:
            return data.decode(declared), declared
        except (LookupError, UnicodeError, ValueError):
            pass     # wrong or exotic declaration (idna, utf-7, a bytes codec): fall through to detection
    return decode_bytes(data, name)
