"""The language and the time zone of a page: message catalogues, the reader's choice, times with their zone.

Catalogues are YAML files `parallax/web/locales/<lang>/<area>.yaml` of flat keys (`stories.title: Сюжеты`),
merged across the files of one language and with the labels of ids the report and the terminal share
(`render/data/words/<lang>.yaml`: `kind.state`, `frame.preposition-na`, …); a key defined twice is an error
naming both files. A value is a
string with `{name}` fields, or, for words that agree with a number, a mapping of plural forms
(`one`/`few`/`many` in Russian, `one`/`other` in English) chosen by the `n` argument. Russian is the default
and English is complete; a test checks both have the same keys.

The reader chooses with `?lang=en` / `?tz=Europe/Berlin` (remembered in cookies), else the cookie, else the
language from Accept-Language; nothing chosen is Russian and Europe/Moscow. `LocaleMiddleware` decides once
per request and puts the choice in a context variable, so templates (the Jinja global `_()`) and page
builders in worker threads read it with `current()`; `scope["parallax.locale"]` carries it to the response
cache, whose key it is part of.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parallax.render.page import fill, kind_label, words
from parallax.resources import ResourceError, load_yaml, resource_path

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"
DEFAULT_TZ = "Europe/Moscow"
# the zones offered in the menu (any IANA name works with ?tz=)
TZ_CHOICES = ("Europe/Moscow", "UTC", "Europe/Kaliningrad", "Europe/Samara", "Asia/Yekaterinburg",
              "Asia/Novosibirsk", "Asia/Vladivostok", "Europe/Kyiv", "Europe/Minsk", "Europe/Berlin",
              "Europe/London", "America/New_York")
LOCALES_DIR = "web/locales"
COOKIE_AGE = 365 * 24 * 3600
_TZ_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


@dataclass(frozen=True)
class Locale:
    lang: str = DEFAULT_LANG
    tz: str = DEFAULT_TZ

    def key(self) -> tuple[str, str]:
        return (self.lang, self.tz)


_current: ContextVar[Locale] = ContextVar("parallax_locale", default=Locale())


def current() -> Locale:
    """The locale of the request being served (the default outside a request)."""
    return _current.get()


def use(locale: Locale):
    """Make `locale` current (in this context); returns the token for `reset`."""
    return _current.set(locale)


def reset(token) -> None:
    _current.reset(token)


# ---- catalogues ----------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, Any]:
    """Every key of the language `lang`, merged over its files."""
    folder = resource_path(f"{LOCALES_DIR}/{lang}")
    if not folder.is_dir():
        raise ResourceError(f"{folder}: no message catalogue for the language {lang!r}")
    merged: dict[str, Any] = dict(words(lang))      # labels of ids, shared with the report and the terminal
    where: dict[str, str] = dict.fromkeys(merged, f"render/data/words/{lang}.yaml")
    for path in sorted(folder.glob("*.yaml")):
        data = load_yaml(path)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ResourceError(f"{path}: expected a mapping of message keys")
        for key, value in data.items():
            if not isinstance(value, (str, dict)):
                raise ResourceError(f"{path}: {key}: a message is a string or a mapping of plural forms")
            if key in merged:
                raise ResourceError(f"{path}: {key} is already defined in {where[key]}")
            merged[str(key)], where[str(key)] = value, path.name
    return merged


def has(key: str, lang: str | None = None) -> bool:
    return key in catalogue(lang or current().lang)


def translate(key: str, /, lang: str | None = None, **fields: Any) -> str:
    """The message `key` in `lang` (default: the current one), falling back to Russian, then to the key
    itself; `{name}` fields filled from `fields`; plural forms chosen by `fields["n"]`."""
    lang = lang or current().lang
    value = catalogue(lang).get(key)
    if value is None:
        value = catalogue(DEFAULT_LANG).get(key, key)
    return fill(value, lang, key, fields)


def gettext(key: str, /, **fields: Any) -> str:
    """`_()` of the templates."""
    return translate(key, **fields)


def label(group: str, value: Any, lang: str | None = None) -> str:
    """The display label of an id (`label("kind", "state")`); an id without a label shows as itself with
    underscores as spaces, never as a raw key."""
    if value is None or value == "":
        return ""
    key = f"{group}.{value}"
    lang = lang or current().lang
    if group == "kind" and kind_label(lang, str(value)):
        return kind_label(lang, str(value))
    if key in catalogue(lang) or key in catalogue(DEFAULT_LANG):
        return translate(key, lang=lang)
    return str(value).replace("_", " ")


# ---- time zones ----------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo | None:
    """The zone named `name`, or None when there is none of that name."""
    if not name or not _TZ_PATTERN.match(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def offset_label(offset: dt.timedelta | None) -> str:
    """UTC+3, UTC−3:30, UTC."""
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def zone_label(name: str, moment: dt.datetime | None = None, lang: str | None = None) -> str:
    """How a time in the zone is marked: the catalogue's name for it ('МСК'), else its offset ('UTC+3')."""
    key = f"tz.{name}"
    if has(key, lang):
        return translate(key, lang=lang)
    tz = zone(name)
    moment = moment or dt.datetime.now(dt.timezone.utc)
    return offset_label(moment.astimezone(tz).utcoffset() if tz else None)


def to_datetime(stamp: Any) -> dt.datetime | None:
    """An ISO time or a POSIX timestamp as an aware datetime (naive ISO times are UTC); None otherwise."""
    if stamp is None or stamp == "":
        return None
    if isinstance(stamp, dt.datetime):
        moment = stamp
    elif isinstance(stamp, (int, float)):
        moment = dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def format_time(stamp: Any, locale: Locale | None = None, *, zone_mark: bool = True) -> str:
    """'2024-12-04T08:55:00+00:00' -> '04.12.2024 11:55 МСК' (Russian, Moscow) or '2024-12-04 11:55 UTC+1';
    a date alone stays a date; no time is the catalogue's 'no date'."""
    locale = locale or current()
    if stamp is None or stamp == "":
        return translate("time.none", lang=locale.lang)
    text = str(stamp)
    if not isinstance(stamp, (int, float, dt.datetime)) and len(text) <= 10:
        return format_day(text, locale)
    moment = to_datetime(stamp)
    if moment is None:
        return text
    tz = zone(locale.tz) or zone(DEFAULT_TZ)
    local = moment.astimezone(tz) if tz else moment
    pattern = "%d.%m.%Y %H:%M" if locale.lang == "ru" else "%Y-%m-%d %H:%M"
    out = local.strftime(pattern)
    return f"{out} {zone_label(locale.tz, moment, locale.lang)}" if zone_mark else out


def format_day(stamp: Any, locale: Locale | None = None) -> str:
    """The day of a time (in the reader's zone) or of a date: '04.12.2024' / '2024-12-04'."""
    locale = locale or current()
    text = "" if stamp is None else str(stamp)
    if not text:
        return ""
    if len(text) > 10 or isinstance(stamp, (int, float)):
        moment = to_datetime(stamp)
        tz = zone(locale.tz)
        if moment is not None and tz is not None:
            text = moment.astimezone(tz).date().isoformat()
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return day.strftime("%d.%m.%Y") if locale.lang == "ru" else day.isoformat()


# ---- the reader's choice ---------------------------------------------------------------------------------------

def from_accept_language(header: str | None) -> str | None:
    """The first of LANGS the Accept-Language header asks for, by weight."""
    best: tuple[float, int, str] | None = None
    for i, part in enumerate((header or "").split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        weight = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    weight = float(b[2:])
                except ValueError:
                    weight = 0.0
        if tag in LANGS and weight > 0 and (best is None or (weight, -i) > (best[0], best[1])):
            best = (weight, -i, tag)
    return best[2] if best else None


def choose(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str | None) -> Locale:
    """The locale the request asks for: query, else cookie, else Accept-Language, else the defaults."""
    lang = next((v for v in (query.get("lang"), cookies.get("lang")) if v in LANGS), None)
    lang = lang or from_accept_language(accept_language) or DEFAULT_LANG
    tz = next((v for v in (query.get("tz"), cookies.get("tz")) if v and zone(v) is not None), DEFAULT_TZ)
    return Locale(lang, tz)


def switch_url(path: str, query_string: str, **change: str) -> str:
    """The current page's link with some query parameters changed (the language switch, the zone menu)."""
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k not in change]
    pairs += [(k, v) for k, v in change.items() if v]
    return path + ("?" + urlencode(pairs) if pairs else "")


_here: ContextVar[tuple[str, str]] = ContextVar("parallax_here", default=("/", ""))


def here() -> tuple[str, str]:
    """(path, query string) of the request being served."""
    return _here.get()


class LocaleMiddleware:
    """ASGI middleware: decides the locale of each HTTP request (see the module doc), makes it current, puts it
    in `scope["parallax.locale"]`, remembers a choice made in the query in cookies, and marks the response
    with Content-Language and Vary."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query_string = scope.get("query_string", b"").decode("latin-1")
        query = dict(parse_qsl(query_string))
        cookie_header = accept = None
        for k, v in scope.get("headers") or []:
            if k == b"cookie":
                cookie_header = v.decode("latin-1")
            elif k == b"accept-language":
                accept = v.decode("latin-1")
        cookies: dict[str, str] = {}
        if cookie_header:
            try:
                parsed = SimpleCookie()
                parsed.load(cookie_header)
                cookies = {k: m.value for k, m in parsed.items()}
            except Exception:      # a malformed Cookie header chooses nothing
                cookies = {}
        locale = choose(query, cookies, accept)
        scope["parallax.locale"] = locale.key()
        remember = [(name, value) for name, value in (("lang", locale.lang), ("tz", locale.tz))
                    if query.get(name) == value and cookies.get(name) != value]
        token, here_token = use(locale), _here.set((scope.get("path") or "/", query_string))

        async def send_marked(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"content-language", locale.lang.encode()))
                headers.append((b"vary", b"Cookie, Accept-Language"))
                for name, value in remember:
                    headers.append((b"set-cookie", f"{name}={value}; Path=/; Max-Age={COOKIE_AGE}; "
                                                   f"SameSite=Lax".encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_marked)
        finally:
            reset(token)
            _here.reset(here_token)
