"""Periods a user names on the command line or in a URL (`--since 2024-11-26 --until 2024-12-04`)."""
from __future__ import annotations

import datetime as dt


def parse_when(value: str | None, *, end: bool = False) -> float | None:
    """Epoch seconds for a --since/--until value (YYYY-MM-DD or ISO timestamp; dates are UTC days;
    `end` makes a bare date mean the end of that day)."""
    if not value:
        return None
    text = value.strip()
    if len(text) <= 10:
        day = dt.date.fromisoformat(text)
        stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        if end:
            stamp += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        return stamp.timestamp()
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.timestamp()


def parse_period(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    """`--since` / `--until` as epoch seconds (`until` a whole day when only a date is given);
    ValueError names the unreadable one."""
    return parse_when(since), parse_when(until, end=True)
