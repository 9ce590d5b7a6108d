"""Outlet profiles for the pages and the API: one implementation, `parallax.profiles`, shared with
`parallax outlet`. Errors surface (HTTP 500 and the log) instead of a silently thinner profile."""
from __future__ import annotations

from typing import Any

from parallax.outlets import profiles as _profiles


def list_outlets(store) -> list[dict[str, Any]]:
    return list(_profiles.list_outlets(store))


def outlet_profile(store, outlet: str, since: float | None = None, until: float | None = None) -> dict[str, Any]:
    """The profile of `outlet` (exact name) over articles published in [since, until] (epoch seconds)."""
    return dict(_profiles.outlet_profile(store, outlet, since=since, until=until))
