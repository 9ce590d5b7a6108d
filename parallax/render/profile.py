"""An outlet profile (:func:`parallax.outlets.profiles.outlet_profile`) as terminal text or as one
self-contained HTML page; the page carries its plots (:mod:`parallax.render.plots`) as inline SVG and
loads nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parallax.outlets.sourcing import KINDS
from parallax.render import plots
from parallax.render.page import escape, page_start

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
KIND_COLOURS = {"state_agency": "#b2182b", "agency": "#ef8a62", "official": "#d6604d", "foreign_gov": "#4393c3",
                "anonymous": "#999999", "media": "#92c5de", "social": "#8073ac", "correspondent": "#1b7837",
                "other": "#d9d9d9"}
TONE_COLOURS = {"negative": "#d6604d", "neutral": "#d9d9d9", "positive": "#4393c3"}


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


# ---- text -----------------------------------------------------------------------------------------------

def profile_text(profile: dict[str, Any], top: int = 15) -> str:
    """The profile as plain text for the terminal."""
    lines = [f"{profile['outlet']}",
             f"  {profile['articles']} articles in {profile['stories']} stories, "
             f"{(profile['first'] or '?')[:10]} .. {(profile['last'] or '?')[:10]}", ""]
    lines += _terms_text(profile["contested_terms"], top)
    lines += _sources_text(profile["sources"], top)
    lines += ["", "Tone toward the most mentioned entities"]
    if profile["tone"]:
        for t in profile["tone"]:
            lines.append(f"  {t['entity']:<28} +{t['positive']} ={t['neutral']} -{t['negative']}")
    else:
        lines.append("  (tone model not available)")
    lines += _omissions_text(profile)
    loaded = profile.get("loaded")
    if loaded:
        lines += ["", f"Loaded wording (per 1000 words: "
                  f"{', '.join(f'{k} {v}' for k, v in loaded['per_1000_words'].items()) or 'none'})"]
        for t in loaded["top"][:top]:
            lines.append(f"  {t['count']:5d}  {t['term']}  ({t['category']}, {t['label']})")
    return "\n".join(lines) + "\n"


def _terms_text(terms: list[dict[str, Any]], top: int) -> list[str]:
    lines = [f"Contested terms ({sum(t['count'] for t in terms)} uses)"]
    for t in terms[:top]:
        months = ", ".join(f"{m}: {n}" for m, n in t["by_month"].items())
        lines.append(f"  {t['count']:5d}  {t['term']:<32} {t['concept']} / {t['label']}   [{months}]")
    if not terms:
        lines.append("  (none)")
    return lines


def _sources_text(src: dict[str, Any], top: int) -> list[str]:
    total = sum(src["kinds"].values())
    lines = ["", f"Sources ({total} attributions)"]
    for kind, n in sorted(src["kinds"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {n:5d}  {_share(n, total):>4}  {kind}")
    if src["top"]:
        lines.append("  most cited:")
        for s in src["top"][:top]:
            lines.append(f"  {s['count']:5d}  {s['source']}  ({s['kind']})")
    return lines


def _omissions_text(profile: dict[str, Any]) -> list[str]:
    summary = profile.get("omission_summary")
    lines = ["", "Omissions"]
    if not summary:
        return lines + ["  (no story with >= 3 outlets, or omissions not computed)"]
    lines.append(f"  in {summary['stories']} stories with >= 3 outlets: reported {summary['reported']} of "
                 f"{summary['majority_facts']} majority facts, omitted {summary['omitted']}")
    for o in profile["omissions"]:
        lines.append(f"  {o['count']:5d}  {o['kind']}")
        for ex in o["examples"][:2]:
            lines.append(f"         e.g. {ex['text'][:110]}  [{', '.join(ex['reported_by'])}]")
    return lines


# ---- plots ----------------------------------------------------------------------------------------------

def plot_terms_over_time(profile: dict[str, Any], fmt: str = "svg", top: int = 8, by: str = "by_week"):
    """Stacked bars: uses of the outlet's most used contested terms per week (or month)."""
    terms = profile["contested_terms"][:top]
    periods = sorted({p for t in terms for p in t.get(by, t["by_month"])})
    series = {f"{t['term']} ({t['label']})": [t.get(by, t["by_month"]).get(p, 0) for p in periods] for t in terms}
    return plots.stacked_bars(periods, series, f"{profile['outlet']}: contested terms over time", "uses", fmt=fmt)


def plot_source_mix(profiles: Sequence[dict[str, Any]], fmt: str = "svg"):
    """Horizontal stacked bars: share of each source kind, one bar per outlet."""
    series = {}
    for kind in KINDS:
        series[kind] = [100 * p["sources"]["kinds"].get(kind, 0) / (sum(p["sources"]["kinds"].values()) or 1)
                        for p in profiles]
    return plots.stacked_horizontal_bars([p["outlet"] for p in profiles], series, "Source mix",
                                         "% of attributions", colors=KIND_COLOURS, xmax=100, fmt=fmt)


def plot_tone(profile: dict[str, Any], fmt: str = "svg"):
    """Diverging bars: the share of negative mentions of each entity to the left of zero, of positive ones to
    the right, each with its 95 % Wilson interval (:func:`parallax.render.plots.tone_shares`)."""
    rows = [(r["entity"], r["negative"], r["neutral"], r["positive"]) for r in profile["tone"]]
    return plots.tone_shares(rows, f"{profile['outlet']}: tone toward the most mentioned entities", "negative",
                             "positive", "← share of negative mentions · share of positive mentions →", fmt=fmt)


def plot_omissions(profile: dict[str, Any], fmt: str = "svg"):
    """Bars: omitted majority facts by kind."""
    return plots.horizontal_bars([(r["kind"], r["count"]) for r in profile["omissions"]],
                                 f"{profile['outlet']}: omissions by kind", "omitted majority facts", fmt=fmt)


# ---- HTML -----------------------------------------------------------------------------------------------

_STYLE = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}.meta{color:#666}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
th{background:#f4f4f4}.empty{color:#888}svg{max-width:100%;height:auto}
"""


def _svg(svg: str | None) -> str:
    return svg or '<p class="empty">(no plot: nothing to show)</p>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def profile_html(profile: dict[str, Any]) -> str:
    """A self-contained page: tables and inline SVG plots; loads nothing."""
    src = profile["sources"]
    total = sum(src["kinds"].values())
    parts = [
        page_start(f"Parallax — {profile['outlet']}", csp=CSP, css=_STYLE, lang="ru"),
        f"<h1>{escape(profile['outlet'])}</h1>\n",
        f"<p class=\"meta\">{profile['articles']} articles in {profile['stories']} stories · "
        f"{escape((profile['first'] or '?')[:10])} – {escape((profile['last'] or '?')[:10])}</p>\n",
        "<h2>Contested terms</h2>\n", _svg(plot_terms_over_time(profile)),
        _table(["term", "concept", "label", "uses", "articles", "by month"],
               [(t["term"], t["concept"], t["label"], t["count"], t.get("articles", ""),
                 ", ".join(f"{m}: {n}" for m, n in t["by_month"].items()))
                for t in profile["contested_terms"][:30]]),
        f"<h2>Sources ({total} attributions)</h2>\n", _svg(plot_source_mix([profile])),
        _table(["kind", "attributions", "share", "what it covers"],
               [(k, n, _share(n, total), src.get("labels", {}).get(k, ""))
                for k, n in sorted(src["kinds"].items(), key=lambda kv: -kv[1])]),
        _table(["most cited source", "kind", "attributions"],
               [(s["source"], s["kind"], s["count"]) for s in src["top"]]),
        "<h2>Tone toward the most mentioned entities</h2>\n",
        _svg(plot_tone(profile)) if profile["tone"] else '<p class="empty">(tone model not available)</p>',
        "<h2>Omissions</h2>\n", _omissions_html(profile), _loaded_html(profile.get("loaded")),
        "</body>\n</html>\n",
    ]
    return "".join(parts)


def _omissions_html(profile: dict[str, Any]) -> str:
    summary = profile.get("omission_summary")
    if not summary:
        return '<p class="empty">(no story with at least three outlets, or omissions not computed)</p>'
    return "".join([
        f"<p>In {summary['stories']} stories covered by at least three outlets, the majority "
        f"reported {summary['majority_facts']} facts; {escape(profile['outlet'])} reported "
        f"{summary['reported']} and omitted {summary['omitted']}.</p>\n",
        _svg(plot_omissions(profile)),
        _table(["kind", "omitted", "example", "reported by"],
               [(o["kind"], o["count"], o["examples"][0]["text"] if o["examples"] else "",
                 ", ".join(o["examples"][0]["reported_by"]) if o["examples"] else "")
                for o in profile["omissions"]]),
    ])


def _loaded_html(loaded: dict[str, Any] | None) -> str:
    if not loaded:
        return ""
    return "".join([
        "<h2>Loaded wording</h2>\n",
        _table(["category", "hits", "per 1000 words"],
               [(k, n, loaded["per_1000_words"].get(k, "")) for k, n in loaded["by_category"].items()]),
        _table(["term", "category", "label", "uses"],
               [(t["term"], t["category"], t["label"], t["count"]) for t in loaded["top"]]),
    ])
