"""Recurring report kinds: posts published every day in the same words (the calendar rubric «Сегодня
отмечается …», the weather), which are different events on different days however alike they read.

:func:`recurring_stamp` reads a title (and the post's time) into (kind, local day, observance words) by the
patterns of ``stories/data/recurring_reports.yaml``; :func:`stamps_clash` says when two stamped posts cannot
be one event: the same kind on different local days, or, for a kind with template words, the same day with
no word in common outside the template (two observances of one morning). stories/clustering.py keeps a
stamped post out of every story that holds a clashing post (the pairwise score never sees these posts apart:
23 hours between two mornings is inside the time grace). The data file says why and on what.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from parallax.resources import load_yaml_mapping
from parallax.text import fold

RECURRING_RULES = "stories/data/recurring_reports.yaml"
_WORD = re.compile(r"[^\W\d_]{3,}")
_CYRILLIC = re.compile(r"[а-яё]")
_MIXED = re.compile(r"[а-яё][a-z]|[a-z][а-яё]")
_STEM_CHARS = 5


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: re.Pattern
    template: tuple[str, ...]         # word beginnings of the rubric itself (empty: any two posts of a day agree)


@dataclass(frozen=True)
class RecurringRules:
    utc_offset: dt.timedelta
    homoglyphs: dict[str, str]
    kinds: tuple[ReportKind, ...]


@lru_cache(maxsize=1)
def recurring_rules() -> RecurringRules:
    data = load_yaml_mapping(RECURRING_RULES)
    try:
        homoglyphs = {}
        for pair in data["homoglyphs"]:
            pair = str(pair)
            if len(pair) != 2 or not ("a" <= pair[0] <= "z") or not _CYRILLIC.match(pair[1]):
                raise ValueError(f"homoglyph {pair!r} is not one Latin and one Cyrillic letter")
            homoglyphs[pair[0]] = pair[1]
        kinds = tuple(ReportKind(str(name), re.compile("|".join(f"(?:{p})" for p in spec["title"])),
                                 tuple(fold(str(w)) for w in spec.get("template") or ()))
                      for name, spec in data["kinds"].items())
        return RecurringRules(dt.timedelta(hours=float(data["utc_offset_hours"])), homoglyphs, kinds)
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
        raise ValueError(f"{RECURRING_RULES}: {error}") from None


def _cyrillic_letters(text: str, homoglyphs: dict[str, str]) -> str:
    """Latin look-alike letters inside words that have a Cyrillic letter, read as Cyrillic («дeнь» → «день»)."""
    if not _MIXED.search(text):
        return text                    # most titles: no word mixes the alphabets (the callback below is slow)

    def word(match: re.Match) -> str:
        w = match.group(0)
        return "".join(homoglyphs.get(ch, ch) for ch in w) if _CYRILLIC.search(w) else w
    return re.sub(r"\w+", word, text)


@lru_cache(maxsize=4096)        # the titles of a batch's candidates; small: it keeps retired titles alive (1M/30d peak memory)
def recurring_stamp(title: str | None, timestamp: float) -> tuple[str, int, frozenset[str]] | None:
    """(kind, local day ordinal, observance stems) of a recurring report, or None (no kind, or no time:
    `timestamp` NaN). The stems are the title's 5-letter word beginnings outside the kind's template (empty
    for a kind without one)."""
    if not title or timestamp != timestamp:
        return None
    rules = recurring_rules()
    text = _cyrillic_letters(fold(title), rules.homoglyphs)
    for kind in rules.kinds:
        if kind.title.search(text):
            moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc) + rules.utc_offset
            words = frozenset(w[:_STEM_CHARS] for w in _WORD.findall(text)
                              if not w.startswith(kind.template)) if kind.template else frozenset()
            return kind.name, moment.date().toordinal(), words
    return None


def stamps_clash(a: tuple | None, b: tuple | None) -> bool:
    """Two stamped posts of one kind that are not one event: other local days, or (a kind with a template)
    the same day and no observance word in common."""
    if a is None or b is None or a[0] != b[0]:
        return False
    if a[1] != b[1]:
        return True
    return bool(a[2] or b[2]) and not (a[2] & b[2])


def clashes_with_any(stamp: tuple | None, stamps: Sequence[tuple | None]) -> bool:
    return stamp is not None and any(stamps_clash(stamp, other) for other in stamps)
