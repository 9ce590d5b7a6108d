"""RSS / Atom feeds, from a file or (only when the user names one) an http(s) URL.

Each entry becomes an article: the entry's full content when the feed carries it, else its summary (most
feeds carry only a summary; Parallax does not follow entry links). Network access is limited to the URL
given: http/https only (redirects too), a timeout and a size cap.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from parallax import __version__
from parallax.ingest.errors import InputError
from parallax.ingest.records import DEFAULT_LIMITS, Limits, build_article
from parallax.model import Article

FETCH_TIMEOUT = 20.0
FETCH_MAX_BYTES = 10 * 1024 * 1024
_ALLOWED_SCHEMES = ("http", "https")


class _SchemeCheckingRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() not in _ALLOWED_SCHEMES:
            raise urllib.error.URLError(f"redirect to a non-http(s) URL refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = FETCH_MAX_BYTES) -> bytes:
    """GET `url` (http/https only) with a timeout and a size cap. Raise InputError on any failure."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        raise InputError(url, f"only http and https URLs can be fetched, not {scheme or 'a bare path'}")
    opener = urllib.request.build_opener(_SchemeCheckingRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": f"parallax/{__version__} (feed reader)"})
    try:
        with opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, f"response too large ({declared} bytes, limit {max_bytes})")
            data = response.read(max_bytes + 1)
    except InputError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise InputError(url, f"fetch failed: {reason}") from None
    if len(data) > max_bytes:
        raise InputError(url, f"response too large (over {max_bytes} bytes)")
    return data


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
              "section", "article", "figure", "figcaption", "pre", "table"}
    _SKIP = {"script", "style", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_fragment_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary), one paragraph per line."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def looks_like_feed(sample: bytes) -> bool:
    head = sample[:2048].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) and \
        any(tag in sample[:8192].lower() for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))


def _entry_time(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                stamp = dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.timezone.utc)
            except (OverflowError, OSError, ValueError):
                continue      # feedparser normalised to UTC past year 9999: leave it to build_article
            return stamp.isoformat()
    return entry.get("published") or entry.get("updated")


# `<!ENTITY b "&a;&a;...">`: an entity whose text refers to another entity. Nine such levels are 10**9
# copies ("billion laughs"); expat stops at its amplification limit, but only after seconds of work, and then
# feedparser's loose parser starts over. Declaring `<!ENTITY nbsp "&#160;">` (a character reference) is fine.
_NESTED_ENTITY = re.compile(rb"""<!ENTITY\s+(?:%\s+)?[^\s>]+\s+(?:"[^"]*&[^#"][^"]*"|'[^']*&[^#'][^']*')""")
_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf|channel)[\s>]", re.I)


# feedparser's loose parser does chr(n).encode() for every &#n;: a surrogate (&#xD800;), a number past
# U+10FFFF or one of 30 digits raised out of parse(). Such a reference stands for no character: U+FFFD.
_CHARREF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,9}));|&#(?:[xX][0-9a-fA-F]+|[0-9]+);")


def _safe_charref(m: re.Match) -> bytes:
    if m.group(1) is None and m.group(2) is None:
        return b"&#xFFFD;"      # too many digits for any character
    value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return m.group(0) if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else b"&#xFFFD;"


def _entity_bomb(data: bytes) -> bool:
    head = data[:65536]
    root = _ROOT.search(head)
    return _NESTED_ENTITY.search(head[:root.start()] if root else head) is not None


def iter_feed(data: bytes, *, name: str, outlet: str | None = None,
              limits: Limits = DEFAULT_LIMITS) -> Iterator[Article | InputError]:
    import feedparser  # lazy: 0.1 s to import; only feeds need it

    if _entity_bomb(data):
        yield InputError(name, "XML entities defined by other entities (an entity-expansion bomb); not read")
        return
    try:
        parsed = feedparser.parse(_CHARREF.sub(_safe_charref, data), sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:   # noqa: BLE001 - feedparser's loose parser fails in odd ways on hostile markup
        yield InputError(name, f"feed could not be parsed ({type(exc).__name__}: {str(exc)[:80]})")
        return
    if not parsed.entries:
        problem = "not an RSS/Atom feed" if parsed.get("bozo") else "feed has no entries"
        exc = parsed.get("bozo_exception")
        yield InputError(name, f"{problem} ({exc})" if exc else problem)
        return
    feed_title = (parsed.feed.get("title") or "").strip() or None
    host = urllib.parse.urlsplit(parsed.feed.get("link") or "").hostname
    default_outlet = feed_title or outlet or host or Path(name).stem
    for index, entry in enumerate(parsed.entries, start=1):
        where = f"{name} entry {index}"
        contents = entry.get("content") or []
        body = contents[0].get("value", "") if contents else entry.get("summary", "")
        text = html_fragment_to_text(body or "")
        title = html_fragment_to_text(entry.get("title") or "") or None
        if not text and title:
            text = title      # headline-only feeds: the headline is all the outlet published there
        fields = {"id": entry.get("id") or entry.get("link"), "url": entry.get("link"), "title": title,
                  "date": _entry_time(entry), "text": text, "outlet": None}
        meta = {"summary_only": not contents}
        try:
            try:
                article = build_article(fields, where=where, default_outlet=default_outlet, limits=limits,
                                        meta=meta)
            except InputError as exc:
                if "unreadable date" not in exc.problem:
                    raise
                fields["date"] = None    # a feed's odd date format is no reason to lose the entry
                article = build_article(fields, where=where, default_outlet=default_outlet, limits=limits,
                                        meta=meta)
        except InputError as exc:
            yield exc
        else:
            yield article
