"""A key difference said in the reader's language: the compare stage writes each point's English `text` and
the same content as data (`params`); this module says it again from the catalogue (render/data/words), with the
labels of concepts, framing labels, conflict kinds and quote relations. English, or a point without params (a
document from an older Parallax), keeps its `text`."""
from __future__ import annotations

from typing import Any

from parallax.render.page import label, say

MAX_NAMES = 3      # outlets named in a list before "and N more", as compare/differences.py does


def key_difference_text(point: dict[str, Any], lang: str) -> str:
    params = point.get("params") or {}
    template = params.get("template")
    if lang == "en" or not template:
        return point.get("text", "")
    quote = params.get("quote", "")
    if template == "only_one":
        return say(lang, "kd_text.only_one", outlet=(params.get("reporting") or [""])[0], quote=quote)
    if template == "only_some":
        return say(lang, "kd_text.only_some", reporting=names(lang, params.get("reporting", [])),
                   silent=names(lang, params.get("silent", [])), quote=quote)
    if template == "conflict":
        return say(lang, "kd_text.conflict", values=_conflict_values(lang, params.get("values", [])), quote=quote)
    if template == "quote":
        speaker = params.get("speaker") or say(lang, "kd_text.someone")
        return say(lang, "kd_text.quote", speaker=speaker, relation=label(lang, "relation", params.get("relation")),
                   changed=names(lang, params.get("changed", [])), quote=quote)
    if template in ("term_differ", "term_silent"):
        shown = "; ".join(f"{outlet}: " + ", ".join(f"«{term}» ({label(lang, 'frame', frame)})" for term, frame in terms)
                          for outlet, terms in params.get("shown", []))
        return say(lang, f"kd_text.{template}", concept=label(lang, "concept", params.get("concept")), shown=shown,
                   silent=names(lang, params.get("silent", [])))
    return point.get("text", "")


def names(lang: str, outlets: list[str]) -> str:
    """'A', 'A и B', 'A, B и C', 'A, B и ещё 3' (the English text's rule)."""
    if not outlets:
        return ""
    if len(outlets) > MAX_NAMES:
        return say(lang, "kd_text.more", names=", ".join(outlets[:2]), n=len(outlets) - 2)
    if len(outlets) == 1:
        return outlets[0]
    return say(lang, "kd_text.and", first=", ".join(outlets[:-1]), last=outlets[-1])


def _conflict_values(lang: str, rows: list[dict[str, Any]]) -> str:
    parts = []
    for row in rows:
        shown = "; ".join(f"{outlet}: {', '.join(values)}" for outlet, values in row.get("outlets", []))
        more = say(lang, "kd_text.more_outlets", n=row["more"]) if row.get("more") else ""
        parts.append(f"{label(lang, 'conflict', row.get('kind'))} — {shown}" + (f"; {more}" if more else ""))
    return ", ".join(parts)
