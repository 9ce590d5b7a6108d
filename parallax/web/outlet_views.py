"""The outlet pages: the list of outlets, one outlet's profile, two outlets side by side, and the page shown
while a profile is still being computed. They run in worker threads; every label comes from the message
catalogue (`locales/<lang>/profile.yaml`), and counts are shown as rates per 1,000 of the outlet's posts with
the raw count beside them (an outlet with 3,000 posts and one with 300 are then comparable)."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from parallax.outlet_kinds import outlet_kinds
from parallax.outlets.sourcing import KINDS
from parallax.render import plots
from parallax.web import i18n
from parallax.web.params import ProfileQuery
from parallax.web.views import page

TERM_PLOT_TOP = 8
TONE_PLOT_TOP = 10
TABLE_TOP = 30          # rows of the terms table (the JSON API has them all)


def _(key: str, **fields: Any) -> str:
    return i18n.translate(key, **fields)


def posts_of(p: dict) -> int:
    """The base of the rates: the posts examined (analysed), else all posts of the period."""
    return int(p.get("analysed") or p.get("articles") or 0)


def per_1000(n: float, posts: int) -> float:
    return round(1000.0 * n / posts, 1) if posts else 0.0


def source_kind_label(kind: str) -> str:
    return i18n.label("profile.source_kind", kind)


def outlet_info(name: str) -> dict[str, Any] | None:
    """What the outlet registry says of the outlet, with display labels; None when it is not listed."""
    try:
        registry = outlet_kinds()
    except Exception:  # noqa: BLE001 - a broken user registry: the page still shows the profile
        return None
    info = registry.info(name)
    if info is None:
        return None
    lang = i18n.current().lang
    return {"kind": info.kind, "kind_label": registry.label(info.kind, lang), "owner": info.owner,
            "country": info.country, "flags": [i18n.label("profile.flag", f) for f in info.flags],
            "sources": list(info.sources), "telegram": info.telegram}


def kind_of(name: str) -> tuple[str, str]:
    try:
        registry = outlet_kinds()
        kind = registry.kind_of(name)
        return kind, registry.label(kind, i18n.current().lang)
    except Exception:  # noqa: BLE001 - as in outlet_info
        return "unrated", "unrated"


# ---- one outlet ----------------------------------------------------------------------------------------

def _term_plot(terms: list[dict]) -> str | None:
    # by week when the months are too few to show a change
    months = sorted({m for t in terms for m in t.get("by_month", {})})
    weekly = len(months) < 3 and any(t.get("by_week") for t in terms)
    key, title = ("by_week", _("profile.terms_plot")) if weekly else ("by_month", _("profile.terms_plot_month"))
    periods = sorted({m for t in terms for m in t.get(key, {})})
    series: dict[str, list[int]] = {}
    for t in terms[:TERM_PLOT_TOP]:
        series[t["term"]] = [int(t.get(key, {}).get(m, 0)) for m in periods]
    return plots.light_columns(periods, series, title, _("profile.uses"))


def tone_rows(p: dict) -> list[dict[str, Any]]:
    """Per entity: mentions, shares of negative and positive with their 95 % Wilson intervals."""
    out = []
    for t in p.get("tone") or []:
        n = t.get("negative", 0) + t.get("neutral", 0) + t.get("positive", 0)
        if not n:
            continue
        neg, pos = plots.wilson_interval(t["negative"], n), plots.wilson_interval(t["positive"], n)
        out.append({"entity": t["entity"], "n": n, "negative": t["negative"], "neutral": t["neutral"],
                    "positive": t["positive"], "neg_share": t["negative"] / n, "pos_share": t["positive"] / n,
                    "neg_ci": neg, "pos_ci": pos})
    return out


def profile_plots(p: dict) -> dict[str, Markup]:
    """The SVG plots of an outlet page, by name: terms, kinds, tone, omissions (those with data)."""
    out: dict[str, Markup] = {}
    posts = posts_of(p)
    terms = p.get("contested_terms") or []
    if terms:
        out["terms"] = Markup(_term_plot(terms) or "")
    kinds = (p.get("sources") or {}).get("kinds") or {}
    if kinds:
        items = [(source_kind_label(k), per_1000(n, posts), _("profile.raw", n=n))
                 for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])]
        out["kinds"] = Markup(plots.light_hbars(items, _("profile.kinds_plot"), _("profile.per_1000")) or "")
    tone = tone_rows(p)
    if tone:
        rows = [(t["entity"], t["negative"], t["neutral"], t["positive"]) for t in tone[:TONE_PLOT_TOP]]
        out["tone"] = Markup(plots.light_tone(rows, _("profile.tone_plot"), _("profile.tone_negative"),
                                              _("profile.tone_positive"), _("profile.tone_axis")) or "")
    omissions = p.get("omissions") or []
    if omissions:
        items = [(i18n.label("profile.omission_kind", o.get("kind", "other")), o.get("count", 0),
                  _("profile.raw", n=o.get("count", 0))) for o in omissions]
        out["omissions"] = Markup(plots.light_hbars(items, _("profile.omissions_plot"), _("profile.times")) or "")
    return {k: v for k, v in out.items() if v}


def kind_rows(p: dict) -> list[dict[str, Any]]:
    kinds = (p.get("sources") or {}).get("kinds") or {}
    total, posts = sum(kinds.values()), posts_of(p)
    return [{"kind": k, "label": source_kind_label(k), "n": n, "rate": per_1000(n, posts),
             "share": n / total if total else 0.0}
            for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]


def outlet_page(profile: dict, pq: ProfileQuery, others: list[str]) -> bytes:
    """One outlet's profile page."""
    posts = posts_of(profile)
    terms = [{**t, "rate": per_1000(t["count"], posts)} for t in (profile.get("contested_terms") or [])[:TABLE_TOP]]
    omissions = [{**o, "label": i18n.label("profile.omission_kind", o.get("kind", "other")),
                  "rate": per_1000(o.get("count", 0), posts)} for o in profile.get("omissions") or []]
    loaded = profile.get("loaded") or {}
    loaded_rows = [{"label": i18n.label("profile.loaded_category", k), "n": n,
                    "rate": (loaded.get("per_1000_words") or {}).get(k, 0)}
                   for k, n in (loaded.get("by_category") or {}).items()]
    return page("outlet.html", page="outlets", p=profile, pq=pq, others=others, info=outlet_info(profile["outlet"]),
                posts=posts, terms=terms, kinds=kind_rows(profile), tone=tone_rows(profile), omissions=omissions,
                loaded_rows=loaded_rows, plots=profile_plots(profile))


def loading_page(name: str, pq: ProfileQuery) -> bytes:
    """What a reader sees while the profile is computed (it reloads itself): never a blank wait."""
    return page("outlet_loading.html", page="outlets", outlet=name, pq=pq)


# ---- the list of outlets -------------------------------------------------------------------------------

def outlets_page(outlets: list[dict]) -> bytes:
    rows = []
    for o in outlets:
        kind, label = kind_of(o["outlet"])
        rows.append({**o, "kind": kind, "kind_label": label})
    return page("outlets.html", page="outlets", outlets=rows)


# ---- two outlets side by side --------------------------------------------------------------------------

def compare_terms(a: dict, b: dict) -> list[dict]:
    """Per contested concept: the terms each of the two outlets uses, with counts and rates per 1,000 posts."""
    rows: dict[tuple, dict] = {}
    for side, profile in (("a", a), ("b", b)):
        posts = posts_of(profile)
        for t in profile.get("contested_terms") or []:
            row = rows.setdefault((t["category"], t["concept"]), {"category": t["category"], "concept": t["concept"],
                                                                  "a": [], "b": [], "weight": 0.0})
            rate = per_1000(t["count"], posts)
            row[side].append({**t, "rate": rate})
            row["weight"] += rate
    out = list(rows.values())
    out.sort(key=lambda r: (-r["weight"], r["category"], r["concept"]))
    return out


def compare_counts(a: dict[str, int], b: dict[str, int], posts_a: int, posts_b: int, label) -> list[dict]:
    """Rows of two {name: count} mappings as rates per 1,000 posts (raw counts kept), largest first."""
    names = sorted(set(a) | set(b), key=lambda k: (-(per_1000(a.get(k, 0), posts_a) + per_1000(b.get(k, 0), posts_b)), k))
    return [{"name": k, "label": label(k), "a": a.get(k, 0), "b": b.get(k, 0),
             "rate_a": per_1000(a.get(k, 0), posts_a), "rate_b": per_1000(b.get(k, 0), posts_b)} for k in names]


def _mix_plot(a: dict, b: dict) -> Markup:
    series = {}
    for kind in KINDS:
        series[source_kind_label(kind)] = [
            100 * (p["sources"].get("kinds") or {}).get(kind, 0) / (sum((p["sources"].get("kinds") or {}).values()) or 1)
            for p in (a, b)]
    return Markup(plots.light_stacked_hbars([a["outlet"], b["outlet"]], series, _("profile.compare_mix_plot"),
                                            _("profile.share_of_attributions"), xmax=100) or "")


def outlet_compare_page(left: dict, right: dict, pq: ProfileQuery) -> bytes:
    """Two outlet profiles side by side, counts as rates per 1,000 posts."""
    pa, pb = posts_of(left), posts_of(right)
    kinds = compare_counts((left.get("sources") or {}).get("kinds") or {},
                           (right.get("sources") or {}).get("kinds") or {}, pa, pb, source_kind_label)
    omitted = compare_counts({o["kind"]: o["count"] for o in left.get("omissions") or []},
                             {o["kind"]: o["count"] for o in right.get("omissions") or []}, pa, pb,
                             lambda k: i18n.label("profile.omission_kind", k))
    loaded = []
    la, lb = (left.get("loaded") or {}).get("per_1000_words") or {}, (right.get("loaded") or {}).get("per_1000_words") or {}
    for k in sorted(set(la) | set(lb), key=lambda k: -(la.get(k, 0) + lb.get(k, 0))):
        loaded.append({"label": i18n.label("profile.loaded_category", k), "a": la.get(k, 0), "b": lb.get(k, 0)})
    return page("outlet_compare.html", page="outlets", a=left, b=right, pq=pq, posts_a=pa, posts_b=pb,
                info_a=outlet_info(left["outlet"]), info_b=outlet_info(right["outlet"]),
                rows=compare_terms(left, right), kinds=kinds, omitted=omitted, loaded=loaded,
                mix_plot=_mix_plot(left, right))
