"""Outlet profiles: how one outlet tells the stories of the corpus.

    list_outlets(store)                        every outlet with its article and story counts
    outlet_profile(store, outlet, since, until)

A profile holds the outlet's contested-term usage over time (the curated lexicon of
``compare/data/contested_terms.yaml``), its source mix (attributions classified by
:mod:`parallax.sourcing`), its tone toward the entities it mentions most (when the tone package is
installed), its typical omissions (:mod:`parallax.omissions`) and its loaded wording
(:mod:`parallax.loaded`). :func:`profile_text` and :func:`profile_html` render one; the HTML page carries
its plots as inline SVG (matplotlib), so it is one self-contained file.
"""
from __future__ import annotations

import datetime as dt
import html
import importlib
import importlib.util
import io
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from parallax.model import AnalyzedArticle

log = logging.getLogger(__name__)

TOP_SOURCES = 20
TOP_ENTITIES = 12
TOP_LOADED = 20
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


class UnknownOutlet(LookupError):
    """No outlet, or more than one, matches the name; the message lists candidates."""


# ---- outlets ----------------------------------------------------------------------------------------------

def list_outlets(store) -> list[dict[str, Any]]:
    """Every outlet: {"outlet", "articles", "stories", "first", "last"}, most articles first."""
    rows = store.db.query("SELECT outlet, COUNT(*), COUNT(DISTINCT story_id), MIN(published), MAX(published) "
                          "FROM articles GROUP BY outlet")
    out = [{"outlet": o, "articles": int(n), "stories": int(s), "first": first, "last": last}
           for o, n, s, first, last in rows]
    out.sort(key=lambda r: (-r["articles"], r["outlet"]))
    return out


def resolve_outlet(store, name: str) -> str:
    """The stored outlet named `name`: exact, else case-insensitive, else the one containing it."""
    outlets = store.outlets()
    if name in outlets:
        return name
    folded = name.casefold()
    exact = [o for o in outlets if o.casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    partial = [o for o in outlets if folded in o.casefold()]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise UnknownOutlet(f"no outlet matches {name!r}; outlets: {', '.join(outlets) or '(none)'}")
    raise UnknownOutlet(f"{name!r} matches several outlets: {', '.join(partial)}")


# ---- the profile ----------------------------------------------------------------------------------------

def _month(published: str | None) -> str | None:
    return published[:7] if published and len(published) >= 7 else None


def _week(published: str | None) -> str | None:
    if not published:
        return None
    try:
        day = dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def contested_term_usage(docs: Sequence[tuple[AnalyzedArticle, str | None]]) -> list[dict[str, Any]]:
    """Lexicon terms over (doc, published) pairs: one row per lexicon entry with its count by month
    and by ISO week, most used first."""
    from parallax.compare.framing import find_contested_terms, load_lexicon
    lex = load_lexicon()
    rows: dict[tuple, dict[str, Any]] = {}
    for doc, published in docs:
        month, week = _month(published), _week(published)
        for hit in find_contested_terms(doc, lex):
            key = (hit.category, hit.concept, hit.label, hit.entry)
            row = rows.setdefault(key, {"category": hit.category, "concept": hit.concept, "label": hit.label,
                                        "term": hit.entry, "count": 0, "by_month": Counter(),
                                        "by_week": Counter(), "articles": set()})
            row["count"] += 1
            row["articles"].add(doc.id)
            if month:
                row["by_month"][month] += 1
            if week:
                row["by_week"][week] += 1
    out = []
    for row in rows.values():
        row["by_month"] = dict(sorted(row["by_month"].items()))
        row["by_week"] = dict(sorted(row["by_week"].items()))
        row["articles"] = len(row["articles"])
        out.append(row)
    out.sort(key=lambda r: (-r["count"], r["category"], r["concept"], r["term"]))
    return out


def _attributions(doc: AnalyzedArticle):
    """Attributions re-extracted with the current rules (stored analyses may predate them)."""
    from parallax.nlp.attribution import extract_attributions
    try:
        return extract_attributions(doc)
    except Exception:  # noqa: BLE001 - an old analysis the extractor cannot read: use what was stored
        return doc.attributions


def tone_function():
    """`parallax.tone.tone_for_mentions` when the tone package provides it, else None."""
    if importlib.util.find_spec("parallax.tone") is None:
        return None
    try:
        module = importlib.import_module("parallax.tone")
    except Exception:  # noqa: BLE001 - a half-installed tone package must not break profiles
        return None
    return getattr(module, "tone_for_mentions", None)


_LABELS = {-1: "negative", 0: "neutral", 1: "positive", "-1": "negative", "0": "neutral", "1": "positive",
           "negative": "negative", "neutral": "neutral", "positive": "positive", "neg": "negative",
           "neu": "neutral", "pos": "positive"}


def _field(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _tone_items(item: Any) -> tuple[Any, Any]:
    """(entity name, label) from what a tone function returns: `parallax.tone.tone_for_mentions` gives
    (Mention, label) pairs; dicts or objects with entity/label fields are accepted too."""
    if isinstance(item, tuple) and len(item) == 2:
        mention, label = item
        name = getattr(mention, "canonical", None) or getattr(mention, "normal", None) or getattr(mention, "text", None)
        return name, label
    return _field(item, "entity_name", "entity", "name", "normal", "text"), _field(item, "label", "tone", "polarity")


def tone_by_entity(docs: Sequence[AnalyzedArticle], top: int = TOP_ENTITIES, tone=None,
                   published: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Tone toward the `top` most mentioned entities: [{"entity", "positive", "neutral", "negative",
    "by_month": {"2024-11": {"positive", "neutral", "negative"}}}] (months from `published`, by doc id)."""
    tone = tone or tone_function()
    if tone is None:
        return []
    counts: dict[str, Counter] = defaultdict(Counter)
    months: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for doc in docs:
        try:
            items = tone(doc) or []
        except Exception:  # noqa: BLE001 - one unreadable article must not sink the profile
            log.warning("tone failed for %s", doc.id, exc_info=True)
            continue
        month = _month((published or {}).get(doc.id)) or (doc.article.date.isoformat()[:7] if doc.article.date else None)
        for item in items:
            name, raw = _tone_items(item)
            label = _LABELS.get(raw)
            if name and label:
                counts[str(name)][label] += 1
                if month:
                    months[str(name)][month][label] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return [{"entity": name, "positive": c["positive"], "neutral": c["neutral"], "negative": c["negative"],
             "by_month": {m: {k: v[k] for k in ("positive", "neutral", "negative")}
                          for m, v in sorted(months[name].items())}}
            for name, c in ranked]


def loaded_usage(docs: Sequence[AnalyzedArticle], top: int = TOP_LOADED) -> dict[str, Any]:
    """Loaded wording: hits per 1000 words by category and the most used lexicon terms."""
    from parallax.outlets.loaded import (
        find_loaded_language,
        load_evaluative_model,
        load_loaded_lexicon,
    )
    lex, model = load_loaded_lexicon(), load_evaluative_model()
    categories: Counter = Counter()
    terms: Counter = Counter()
    words = 0
    for doc in docs:
        words += sum(1 for t in doc.tokens if t.pos is not None)
        for hit in find_loaded_language(doc, lex, model):
            categories[hit.category] += 1
            terms[(hit.category, hit.label, hit.term)] += 1
    per_k = {k: round(1000 * n / words, 2) for k, n in categories.most_common()} if words else {}
    return {"words": words, "by_category": dict(categories.most_common()), "per_1000_words": per_k,
            "top": [{"category": c, "label": lab, "term": t, "count": n}
                    for (c, lab, t), n in terms.most_common(top)]}


def outlet_profile(store, outlet: str, since=None, until=None, *, omissions: bool = True,
                   tone: bool = True, loaded: bool = True) -> dict[str, Any]:
    """The profile of one outlet (exact name, or a unique part of it) over the period.

    {"outlet", "articles", "stories", "first", "last",
     "contested_terms": [{"category", "concept", "label", "term", "count", "by_month": {"2024-11": n}}],
     "sources": {"kinds": {kind: n}, "top": [{"source", "kind", "count"}]},
     "tone": [{"entity", "positive", "neutral", "negative"}],
     "omissions": [{"kind", "count", "examples": [{"story", "text", "reported_by"}]}]}

    plus "omission_summary" (stories with >= 3 outlets, majority facts, reported, omitted), "loaded"
    (see :func:`loaded_usage`) and "period". `since`/`until`: epoch seconds or 'YYYY-MM-DD'.
    `omissions=False` skips the story comparisons omissions need (slow the first time on a corpus).
    """
    from parallax.outlets.sourcing import source_kinds, source_mix
    from parallax.periods import parse_when
    name = resolve_outlet(store, outlet)
    since_ts = parse_when(since) if isinstance(since, str) else since
    until_ts = parse_when(until, end=True) if isinstance(until, str) else until
    stored = [a for a in store.iter_articles(since=since_ts, until=until_ts, outlet=name) if a.outlet == name]
    dated = sorted(a.published for a in stored if a.published)
    analyses = store.load_analyses(stored, None)
    docs = [analyses[a.pk] for a in stored if a.pk in analyses]
    published = {analyses[a.pk].id: a.published for a in stored if a.pk in analyses}

    mix = source_mix(docs, _attributions)
    profile: dict[str, Any] = {
        "outlet": name,
        "articles": len(stored),
        "stories": len({a.story_id for a in stored if a.story_id}),
        "first": dated[0] if dated else None,
        "last": dated[-1] if dated else None,
        "period": {"since": since if not isinstance(since, float) else _iso(since),
                   "until": until if not isinstance(until, float) else _iso(until)},
        "analysed": len(docs),
        "contested_terms": contested_term_usage([(d, published.get(d.id)) for d in docs]),
        "sources": {**mix.as_dict(TOP_SOURCES), "attributions": mix.attributions,
                    "labels": source_kinds()},
        "tone": tone_by_entity(docs, published=published) if tone else [],
        "omissions": [],
        "omission_summary": None,
    }
    if loaded:
        profile["loaded"] = loaded_usage(docs)
    if omissions:
        from parallax.outlets.omissions import corpus_omissions, profiles_from_stories
        stories = corpus_omissions(store, since=since_ts, until=until_ts, outlet=name)
        p = profiles_from_stories(stories).get(name)
        if p is not None:
            profile["omissions"] = p.as_list()
            profile["omission_summary"] = {"stories": p.stories, "majority_facts": p.majority_facts,
                                           "reported": p.reported, "omitted": p.omitted}
    return profile


def _iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat()


# ---- text -----------------------------------------------------------------------------------------------

def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def profile_text(profile: dict[str, Any], top: int = 15) -> str:
    """The profile as plain text for the terminal."""
    lines = [f"{profile['outlet']}",
             f"  {profile['articles']} articles in {profile['stories']} stories, "
             f"{(profile['first'] or '?')[:10]} .. {(profile['last'] or '?')[:10]}", ""]
    terms = profile["contested_terms"]
    lines.append(f"Contested terms ({sum(t['count'] for t in terms)} uses)")
    for t in terms[:top]:
        months = ", ".join(f"{m}: {n}" for m, n in t["by_month"].items())
        lines.append(f"  {t['count']:5d}  {t['term']:<32} {t['concept']} / {t['label']}   [{months}]")
    if not terms:
        lines.append("  (none)")
    src = profile["sources"]
    total = sum(src["kinds"].values())
    lines += ["", f"Sources ({total} attributions)"]
    for kind, n in sorted(src["kinds"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {n:5d}  {_share(n, total):>4}  {kind}")
    if src["top"]:
        lines.append("  most cited:")
        for s in src["top"][:top]:
            lines.append(f"  {s['count']:5d}  {s['source']}  ({s['kind']})")
    lines += ["", "Tone toward the most mentioned entities"]
    if profile["tone"]:
        for t in profile["tone"]:
            lines.append(f"  {t['entity']:<28} +{t['positive']} ={t['neutral']} -{t['negative']}")
    else:
        lines.append("  (tone model not available)")
    summary = profile.get("omission_summary")
    lines += ["", "Omissions"]
    if summary:
        lines.append(f"  in {summary['stories']} stories with >= 3 outlets: reported {summary['reported']} of "
                     f"{summary['majority_facts']} majority facts, omitted {summary['omitted']}")
        for o in profile["omissions"]:
            lines.append(f"  {o['count']:5d}  {o['kind']}")
            for ex in o["examples"][:2]:
                lines.append(f"         e.g. {ex['text'][:110]}  [{', '.join(ex['reported_by'])}]")
    else:
        lines.append("  (no story with >= 3 outlets, or omissions not computed)")
    loaded = profile.get("loaded")
    if loaded:
        lines += ["", f"Loaded wording (per 1000 words: "
                  f"{', '.join(f'{k} {v}' for k, v in loaded['per_1000_words'].items()) or 'none'})"]
        for t in loaded["top"][:top]:
            lines.append(f"  {t['count']:5d}  {t['term']}  ({t['category']}, {t['label']})")
    return "\n".join(lines) + "\n"


# ---- plots and HTML ---------------------------------------------------------------------------------------

KIND_COLOURS = {"state_agency": "#b2182b", "agency": "#ef8a62", "official": "#d6604d", "foreign_gov": "#4393c3",
                "anonymous": "#999999", "media": "#92c5de", "social": "#8073ac", "correspondent": "#1b7837",
                "other": "#d9d9d9"}


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _figure_bytes(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=110)
    _pyplot().close(fig)
    return buf.getvalue()


def plot_terms_over_time(profile: dict[str, Any], fmt: str = "svg", top: int = 8, by: str = "by_week"):
    """Stacked bars: uses of the outlet's most used contested terms per week (or month)."""
    plt = _pyplot()
    terms = profile["contested_terms"][:top]
    if plt is None or not terms:
        return None
    periods = sorted({p for t in terms for p in t.get(by, t["by_month"])})
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bottom = [0] * len(periods)
    for t in terms:
        vals = [t.get(by, t["by_month"]).get(p, 0) for p in periods]
        ax.bar(periods, vals, bottom=bottom, label=f"{t['term']} ({t['label']})")
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("uses")
    ax.set_title(f"{profile['outlet']}: contested terms over time")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _figure_bytes(fig, fmt)


def plot_source_mix(profiles: Sequence[dict[str, Any]], fmt: str = "svg"):
    """Horizontal stacked bars: share of each source kind, one bar per outlet."""
    plt = _pyplot()
    if plt is None or not profiles:
        return None
    from parallax.outlets.sourcing import KINDS
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.55 * len(profiles)))
    names = [p["outlet"] for p in profiles]
    left = [0.0] * len(profiles)
    for kind in KINDS:
        vals = []
        for p in profiles:
            total = sum(p["sources"]["kinds"].values()) or 1
            vals.append(100 * p["sources"]["kinds"].get(kind, 0) / total)
        if any(vals):
            ax.barh(names, vals, left=left, label=kind, color=KIND_COLOURS.get(kind))
            left = [a + b for a, b in zip(left, vals)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of attributions")
    ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(profiles) < 3 else -0.15))
    ax.set_title("Source mix")
    return _figure_bytes(fig, fmt)


def plot_tone(profile: dict[str, Any], fmt: str = "svg"):
    plt = _pyplot()
    rows = profile["tone"]
    if plt is None or not rows:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.35 * len(rows)))
    names = [r["entity"] for r in rows][::-1]
    left = [0] * len(rows)
    for label, colour in (("negative", "#d6604d"), ("neutral", "#d9d9d9"), ("positive", "#4393c3")):
        vals = [r[label] for r in rows][::-1]
        ax.barh(names, vals, left=left, label=label, color=colour)
        left = [a + b for a, b in zip(left, vals)]
    ax.set_xlabel("mentions")
    ax.legend(fontsize=7)
    ax.set_title(f"{profile['outlet']}: tone toward the most mentioned entities")
    return _figure_bytes(fig, fmt)


def plot_omissions(profile: dict[str, Any], fmt: str = "svg"):
    plt = _pyplot()
    rows = profile["omissions"]
    if plt is None or not rows:
        return None
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar([r["kind"] for r in rows], [r["count"] for r in rows], color="#8c6bb1")
    ax.set_ylabel("omitted majority facts")
    ax.set_title(f"{profile['outlet']}: omissions by kind")
    return _figure_bytes(fig, fmt)


def _svg(data: bytes | None) -> str:
    if not data:
        return '<p class="empty">(no plot: nothing to show, or matplotlib is not installed)</p>'
    text = data.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}.meta{color:#666}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
th{background:#f4f4f4}.empty{color:#888}svg{max-width:100%;height:auto}"""


def profile_html(profile: dict[str, Any]) -> str:
    """A self-contained page: tables and inline SVG plots; loads nothing."""
    src = profile["sources"]
    total = sum(src["kinds"].values())
    parts = [
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        f"<title>Parallax — {_e(profile['outlet'])}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        f"<h1>{_e(profile['outlet'])}</h1>\n",
        f"<p class=\"meta\">{profile['articles']} articles in {profile['stories']} stories · "
        f"{_e((profile['first'] or '?')[:10])} – {_e((profile['last'] or '?')[:10])}</p>\n",
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
        "<h2>Omissions</h2>\n",
    ]
    summary = profile.get("omission_summary")
    if summary:
        parts.append(f"<p>In {summary['stories']} stories covered by at least three outlets, the majority "
                     f"reported {summary['majority_facts']} facts; {_e(profile['outlet'])} reported "
                     f"{summary['reported']} and omitted {summary['omitted']}.</p>\n")
        parts.append(_svg(plot_omissions(profile)))
        parts.append(_table(["kind", "omitted", "example", "reported by"],
                            [(o["kind"], o["count"], o["examples"][0]["text"] if o["examples"] else "",
                              ", ".join(o["examples"][0]["reported_by"]) if o["examples"] else "")
                             for o in profile["omissions"]]))
    else:
        parts.append('<p class="empty">(no story with at least three outlets, or omissions not computed)</p>')
    loaded = profile.get("loaded")
    if loaded:
        parts.append("<h2>Loaded wording</h2>\n")
        parts.append(_table(["category", "hits", "per 1000 words"],
                            [(k, n, loaded["per_1000_words"].get(k, "")) for k, n in loaded["by_category"].items()]))
        parts.append(_table(["term", "category", "label", "uses"],
                            [(t["term"], t["category"], t["label"], t["count"]) for t in loaded["top"]]))
    parts.append("</body>\n</html>\n")
    return "".join(parts)
