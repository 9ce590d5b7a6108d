"""What kind of outlet each news outlet is: state, independent, foreign public broadcaster, tabloid, ….

The registry ships as `parallax/data/outlet_kinds.yaml` (every entry with the sources that back its kind and
flags); a user's YAML file of the same shape (`load_outlet_kinds(extra)`, else $PARALLAX_OUTLET_KINDS)
adds outlets and overrides shipped ones field by field. An outlet the registry does not know is "unrated":
never guessed from its name.

Names are matched on `name_key`: `fold()` (ё as е, any case) with runs of whitespace collapsed. Nothing
else is normalised: other spellings (quotes, «.ru», a Latin transliteration) are aliases, each one seen in
data. `original_link` gives the address of an article's source (its URL, or its Telegram post).
"""
from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from parallax.resources import ResourceError, load_yaml
from parallax.text import fold

SHIPPED = "data/outlet_kinds.yaml"
ENV_VAR = "PARALLAX_OUTLET_KINDS"
UNRATED = "unrated"
# flags an entry may carry; each must be backed by one of its sources
FLAGS = ("foreign_agent_ru", "undesirable_ru", "blocked_ru")
_FIELDS = {"name", "kind", "owner", "country", "flags", "sources", "telegram", "aliases", "note"}
_TELEGRAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


@dataclass(frozen=True)
class OutletInfo:
    name: str
    kind: str
    owner: str | None = None
    country: str | None = None
    flags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()        # URLs backing the kind and the flags
    telegram: str | None = None          # public username: t.me/<telegram>
    aliases: tuple[str, ...] = ()
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "owner": self.owner, "country": self.country,
                "flags": list(self.flags), "sources": list(self.sources), "telegram": self.telegram,
                "aliases": list(self.aliases), "note": self.note}


def name_key(name: str) -> str:
    """The key names are matched on: folded (ё as е, lower case), inner whitespace collapsed."""
    return " ".join(fold(name).split())


@dataclass
class OutletKinds:
    """The registry: outlets by name and alias, and the kinds in display order with their labels."""
    entries: list[OutletInfo] = field(default_factory=list)
    kind_order: list[str] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)    # kind -> {lang: label}
    version: int = 0                     # a new number for every load: caches of derived data key on it
    _by_key: dict[str, OutletInfo] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_key = {}
        for entry in self.entries:
            for spelling in (entry.name, *entry.aliases):
                self._by_key[name_key(spelling)] = entry
            if entry.telegram:
                self._by_key.setdefault(name_key("@" + entry.telegram), entry)

    def info(self, name: str | None) -> OutletInfo | None:
        """The entry for an outlet name or alias (any case, ё or е); None when unknown."""
        if not name:
            return None
        return self._by_key.get(name_key(name))

    def kind_of(self, name: str | None) -> str:
        """The outlet's kind, "unrated" when the registry does not know it."""
        found = self.info(name)
        return found.kind if found else UNRATED

    def kinds(self) -> list[str]:
        """Every kind in display order, "unrated" last."""
        return list(self.kind_order)

    def label(self, kind: str, lang: str = "ru") -> str:
        """The kind's display label in `lang` (for the terminal; the web uses its message catalogue)."""
        labels = self.labels.get(kind) or {}
        return labels.get(lang) or labels.get("en") or kind

    def kinds_of(self, names: Iterable[str]) -> dict[str, str]:
        """name -> kind for each name."""
        return {name: self.kind_of(name) for name in names}

    def coverage(self, names: Iterable[str]) -> dict[str, int]:
        """kind -> how many of `names` (distinct outlets) are of that kind, in display order, zeros left out."""
        counts: dict[str, int] = {}
        for name in dict.fromkeys(names):
            kind = self.kind_of(name)
            counts[kind] = counts.get(kind, 0) + 1
        order = {k: i for i, k in enumerate(self.kind_order)}
        return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))

    def rated(self, names: Iterable[str]) -> dict[str, str]:
        """name -> kind for the names the registry knows (what `compare_story` takes: an outlet left out
        has kind null in the JSON, i.e. unrated)."""
        return {name: kind for name, kind in self.kinds_of(names).items() if kind != UNRATED}

    def outlets_of_kind(self, kind: str, names: Iterable[str]) -> list[str]:
        """The names among `names` whose kind is `kind`."""
        return [n for n in names if self.kind_of(n) == kind]


# ---- loading -------------------------------------------------------------------------------------------

def _text(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        raise ResourceError(f"{where}: `{key}` must be a non-empty string")
    return str(value).strip()


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ResourceError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _entry(raw: Any, where: str) -> dict[str, Any]:
    """One outlet mapping checked and normalised (only the keys it gives)."""
    if not isinstance(raw, dict):
        raise ResourceError(f"{where}: each outlet must be a mapping with at least `name`")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ResourceError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_FIELDS))})")
    name = _text(raw.get("name"), where, "name")
    if name is None:
        raise ResourceError(f"{where}: an outlet without `name`")
    out: dict[str, Any] = {"name": name}
    for key in ("kind", "owner", "country", "note"):
        if key in raw:
            out[key] = _text(raw[key], f"{where} ({name})", key)
    for key in ("flags", "sources", "aliases"):
        if key in raw:
            out[key] = _strings(raw[key], f"{where} ({name})", key)
    if "telegram" in raw:
        handle = _text(raw["telegram"], f"{where} ({name})", "telegram")
        handle = handle.lstrip("@") if handle else None
        if handle and not _TELEGRAM_NAME.match(handle):
            raise ResourceError(f"{where} ({name}): `telegram` {handle!r} is not a Telegram username")
        out["telegram"] = handle
    return out


def _check(info: OutletInfo, kinds: Mapping[str, Any], where: str) -> None:
    if info.kind not in kinds or info.kind == UNRATED:
        raise ResourceError(f"{where} ({info.name}): kind {info.kind!r} is not one of {', '.join(k for k in kinds if k != UNRATED)}")
    bad = [f for f in info.flags if f not in FLAGS]
    if bad:
        raise ResourceError(f"{where} ({info.name}): unknown flag(s) {', '.join(bad)} (known: {', '.join(FLAGS)})")
    if not info.sources:
        raise ResourceError(f"{where} ({info.name}): no `sources` backing its kind")
    for url in info.sources:
        if not url.startswith(("https://", "http://")):
            raise ResourceError(f"{where} ({info.name}): source {url!r} is not a URL")


def _kinds_table(data: dict, where: str) -> dict[str, dict[str, str]]:
    kinds = data.get("kinds") or {}
    if not isinstance(kinds, dict) or not all(isinstance(k, str) and re.fullmatch(r"[a-z_]+", k) for k in kinds):
        raise ResourceError(f"{where}: `kinds` must map ASCII ids (a-z, _) to {{ru: label, en: label}}")
    out = {}
    for kind, labels in kinds.items():
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise ResourceError(f"{where}: kind {kind!r}: labels must be a mapping like {{ru: …, en: …}}")
        out[kind] = dict(labels)
    return out


def _read(path: str | Path, shipped: bool = False) -> dict:
    """The parsed file: the shipped one through the package's cached loader, a user's read afresh (it may
    have been edited since)."""
    try:
        data = load_yaml(path) if shipped else yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResourceError(f"{path}: cannot read the outlet kinds file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ResourceError(f"{path}: the outlet kinds file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ResourceError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("outlets", []), list):
        raise ResourceError(f"{path}: expected a mapping with `outlets:` (a list of outlets) and optional `kinds:`")
    return data


def _merge(base: dict[str, dict[str, Any]], raw_outlets: list, where: str,
           alias_owner: dict[str, str], origin: dict[str, str], strict: bool) -> None:
    """Add the outlets of one file to `base` (name key -> fields); a known name or alias overrides its
    entry field by field. In the shipped file (`strict`) a name or alias may appear only once."""
    for i, raw in enumerate(raw_outlets):
        fields = _entry(raw, f"{where}: outlets[{i}]")
        key = alias_owner.get(name_key(fields["name"]))
        if key is not None and strict:
            raise ResourceError(f"{where}: outlets[{i}]: {fields['name']!r} is already an outlet or alias of "
                                f"{base[key]['name']!r}")
        spellings = (fields["name"], *fields.get("aliases", ()))
        if key is None:
            key = name_key(fields["name"])
            base[key] = {}
        else:
            # an override keeps the entry's name; its aliases add to the entry's
            fields["aliases"] = tuple(dict.fromkeys((*base[key].get("aliases", ()), *spellings)))
            fields["name"] = base[key]["name"]
        base[key].update(fields)
        origin[key] = f"{where}: outlets[{i}]"
        for spelling in spellings:
            other = alias_owner.get(name_key(spelling))
            if other is not None and other != key and strict:
                raise ResourceError(f"{where}: outlets[{i}] ({fields['name']}): alias {spelling!r} is already "
                                    f"used by {base[other]['name']!r}")
            alias_owner[name_key(spelling)] = key


def load_outlet_kinds(extra: str | Path | None = None) -> OutletKinds:
    """The shipped registry, extended and overridden by the user's YAML file `extra` (else the file named by
    $PARALLAX_OUTLET_KINDS, when set). ResourceError names the file and the problem."""
    extra = extra if extra is not None else (os.environ.get(ENV_VAR) or None)
    sources: list[tuple[str, dict]] = [(f"parallax/{SHIPPED}", _read(SHIPPED, shipped=True))]
    if extra is not None:
        path = Path(extra).expanduser().resolve()
        if not path.is_file():
            raise ResourceError(f"{extra}: no such outlet kinds file")
        sources.append((str(extra), _read(path)))
    labels: dict[str, dict[str, str]] = {}
    merged: dict[str, dict[str, Any]] = {}
    alias_owner: dict[str, str] = {}
    origin: dict[str, str] = {}
    for i, (where, data) in enumerate(sources):
        for kind, names in _kinds_table(data, where).items():
            labels.setdefault(kind, {}).update(names)
        _merge(merged, data.get("outlets") or [], where, alias_owner, origin, strict=i == 0)
    labels.setdefault(UNRATED, {"ru": "без оценки", "en": "unrated"})
    order = [k for k in labels if k != UNRATED] + [UNRATED]
    entries = []
    for key, fields in merged.items():
        if "kind" not in fields:
            raise ResourceError(f"{origin[key]}: outlet {fields['name']!r} has no `kind`")
        info = OutletInfo(**fields)
        _check(info, labels, origin[key])
        entries.append(replace(info, aliases=tuple(dict.fromkeys(info.aliases))))
    return OutletKinds(entries, order, labels, next(_LOADS))


_LOADS = itertools.count(1)
_CACHE: dict[tuple[str | None, float | None], OutletKinds] = {}


def outlet_kinds(extra: str | Path | None = None) -> OutletKinds:
    """`load_outlet_kinds`, cached per process for a file until it changes (the web app and the store call
    this on every list)."""
    chosen = extra if extra is not None else (os.environ.get(ENV_VAR) or None)
    mtime = None
    if chosen is not None:
        try:
            mtime = Path(chosen).expanduser().stat().st_mtime
        except OSError:
            mtime = None
    key = (str(chosen) if chosen is not None else None, mtime)
    found = _CACHE.get(key)
    if found is None:
        found = load_outlet_kinds(chosen)
        _CACHE.clear()
        _CACHE[key] = found
    return found


# ---- original links ------------------------------------------------------------------------------------

def _telegram_channel(value: Any) -> str | None:
    """A channel id as t.me/c/ wants it: without the -100 prefix of the Bot API form."""
    text = str(value).strip().lstrip("-") if value is not None else ""
    if not text.isdigit():
        return None
    if len(text) >= 13 and text.startswith("100"):
        text = text[3:]
    return text


def original_link(outlet: str | None, url: str | None, meta: Mapping[str, Any] | None,
                  kinds: OutletKinds | None = None) -> str | None:
    """Where an article came from: its own URL when it has an http(s) one; for a Telegram post,
    https://t.me/<username>/<message id> when the registry knows the channel's public username, else
    https://t.me/c/<channel id>/<message id> (opens for members of the channel); None otherwise."""
    if url and str(url).strip().lower().startswith(("https://", "http://")):
        return str(url).strip()
    meta = meta or {}
    message = meta.get("message_id")
    if message is None or not str(message).strip().isdigit():
        return None
    info = (kinds or outlet_kinds()).info(outlet)
    if info is not None and info.telegram:
        return f"https://t.me/{info.telegram}/{int(str(message).strip())}"
    channel = _telegram_channel(meta.get("channel_id"))
    if channel is None:
        return None
    return f"https://t.me/c/{channel}/{int(str(message).strip())}"


__all__ = ["ENV_VAR", "FLAGS", "UNRATED", "OutletInfo", "OutletKinds", "load_outlet_kinds", "name_key",
           "original_link", "outlet_kinds"]
