"""The HTML of the pages: the Jinja environment and the page builders that turn a story comparison or an
outlet profile into a page (they run in worker threads; a story's pages are kept with its bundle)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from parallax import __version__
from parallax.render import plots
from parallax.render.html import (
    article_anchors,
    render_article_text,
    render_key_differences,
    render_legend,
    render_story,
    safe_href,
)
from parallax.resources import read_text
from parallax.store import StoredArticle
from parallax.store.queries import iso_utc
from parallax.web.params import ProfileQuery
from parallax.web.service import StoryBundle

STATUSES = ("consensus", "partial", "unique", "conflict")


def url_path(*parts: Any) -> str:
    """A site path of `parts`, each quoted: url_path("stories", id) -> "/stories/<id>"."""
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


def format_when(stamp: str | None) -> str:
    """'2024-12-03T13:40:00+00:00' -> '2024-12-03 13:40'; dates as they are."""
    if not stamp:
        return "no date"
    text = str(stamp)
    if len(text) <= 10:
        return text
    return text[:16].replace("T", " ")


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The one Jinja environment of the process (it depends on no app setting)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("parallax.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"], default=True),
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = format_when
    env.filters["day"] = lambda s: (s or "")[:10]
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.globals.update(version=__version__, statuses=STATUSES, safe_href=safe_href, path=url_path)
    return env


def render(name: str, **context: Any) -> str:
    return templates().get_template(name).render(**context)


def page(name: str, **context: Any) -> bytes:
    return render(name, **context).encode("utf-8")


@lru_cache(maxsize=None)
def web_asset(name: str) -> str:
    return read_text(f"web/static/{name}")


# ---- story and article pages ---------------------------------------------------------------------------

def story_page(bundle: StoryBundle) -> bytes:
    with bundle.lock:
        if "page" not in bundle.extra:
            story = bundle.story
            claims = story.get("claims", [])
            counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
            position = {a["id"]: j for j, a in enumerate(story["articles"])}
            stamps = [a["published_ts"] for a in bundle.articles if a["published_ts"] is not None]
            first, last = (iso_utc(min(stamps)), iso_utc(max(stamps))) if stamps else (None, None)
            bundle.extra["page"] = page(
                "story.html", page="story", b=bundle, story=story, counts=counts, position=position,
                first=first, last=last,
                legend=Markup(render_legend()), section=Markup(render_story(story, 0, key_differences=False)),
                key_differences=Markup(render_key_differences(story, 0)),
                timeline=Markup(bundle.timeline_svg or ""),
            )
        return bundle.extra["page"]


def only_article(story: dict, article_id: str) -> dict:
    """The story reduced to one article: its spans, with every group's status and id kept."""
    out = {k: v for k, v in story.items() if k not in ("articles", "entities", "claims", "quotes", "framing",
                                                       "attributions")}
    out["articles"] = [a for a in story["articles"] if a["id"] == article_id]
    out["entities"] = [{**e, "mentions": [m for m in e["mentions"] if m["article"] == article_id]}
                       for e in story.get("entities", [])]
    out["entities"] = [e for e in out["entities"] if e["mentions"]]
    claims = []
    for c in story.get("claims", []):
        mine = [m for m in c["members"] if m["article"] == article_id]
        if mine:
            claims.append({**c, "members": mine, "all_members": c["members"],
                           "conflicts": [{**x, "spans": {k: v for k, v in x.get("spans", {}).items()
                                                         if k == article_id}}
                                         for x in c.get("conflicts", [])]})
    out["claims"] = claims
    quotes = []
    for q in story.get("quotes", []):
        mine = [r for r in q["renderings"] if r["article"] == article_id]
        if mine:
            quotes.append({**q, "renderings": mine, "all_renderings": q["renderings"]})
    out["quotes"] = quotes
    out["framing"] = [{**f, "terms": {article_id: f["terms"].get(article_id, [])}} for f in story.get("framing", [])
                      if f["terms"].get(article_id)]
    out["attributions"] = [a for a in story.get("attributions", []) if a["article"] == article_id]
    return out


def article_page(bundle: StoryBundle, article: StoredArticle, key: tuple) -> bytes:
    """The article page, with the spans of the comparison in `bundle`; kept in the bundle under `key`."""
    with bundle.lock:
        if key in bundle.extra:
            return bundle.extra[key]
        item = next(a for a in bundle.articles if a["pk"] == article.pk)
        own = only_article(bundle.story, item["id"])
        outlet_of = {a["id"]: a["outlet"] for a in bundle.articles}
        pk_of = {a["id"]: a["pk"] for a in bundle.articles}
        body = page(
            "article.html", page="article", a=article, item=item, b=bundle, story=own,
            doc_article=own["articles"][0], in_story=not bundle.story_id.startswith("article-"),
            text=Markup(render_article_text(own, item["id"], 0)), legend=Markup(render_legend()),
            anchors=article_anchors(own, item["id"], 0), outlet_of=outlet_of, pk_of=pk_of,
        )
        bundle.extra[key] = body
        return body


# ---- outlet pages ----------------------------------------------------------------------------------------

def _term_plot(terms: list[dict]) -> Markup:
    # by week when the months are too few to show a change
    months = sorted({m for t in terms for m in t.get("by_month", {})})
    weekly = len(months) < 3 and any(t.get("by_week") for t in terms)
    key, unit = ("by_week", "week") if weekly else ("by_month", "month")
    periods = sorted({m for t in terms for m in t.get(key, {})})
    series: dict[str, list[int]] = {}
    for t in terms[:8]:
        name = f"{t['term']}" + (f" [{t['label']}]" if t.get("label") else "")
        series[name] = [int(t.get(key, {}).get(m, 0)) for m in periods]
    return Markup(plots.stacked_bars(periods, series, f"Contested terms by {unit}", "uses") or "")


def profile_plots(p: dict) -> dict[str, Markup]:
    """The SVG plots of an outlet page, by name: days, terms, kinds, omissions, tone (those with data)."""
    out: dict[str, Markup] = {}
    by_day = p.get("by_day") or {}
    if by_day:
        days = sorted(by_day)
        out["days"] = Markup(plots.daily_counts([dt.date.fromisoformat(d) for d in days], [by_day[d] for d in days],
                                                "Articles per day") or "")
    terms = p.get("contested_terms") or []
    if terms:
        out["terms"] = _term_plot(terms)
    kinds = (p.get("sources") or {}).get("kinds") or {}
    if kinds:
        out["kinds"] = Markup(plots.horizontal_bars(sorted(kinds.items(), key=lambda kv: -kv[1]),
                                                    "Kinds of sources cited", "attributions") or "")
    omissions = p.get("omissions") or []
    if omissions:
        out["omissions"] = Markup(plots.horizontal_bars([(o.get("kind", "?"), o.get("count", 0)) for o in omissions],
                                                        "Facts others report that it leaves out", "times") or "")
    tone = p.get("tone") or []
    if tone:
        items = [(t.get("entity", "?"), (t.get("negative", 0) or 0) - (t.get("positive", 0) or 0)) for t in tone[:12]]
        out["tone"] = Markup(plots.horizontal_bars(items, "Tone: negative minus positive mentions") or "")
    return out


def compare_terms(a: dict, b: dict) -> list[dict]:
    """Per contested concept: the terms each of the two outlets uses, with counts."""
    rows: dict[tuple, dict] = {}
    for side, profile in (("a", a), ("b", b)):
        for t in profile.get("contested_terms") or []:
            row = rows.setdefault((t["category"], t["concept"]), {"category": t["category"], "concept": t["concept"],
                                                                  "a": [], "b": []})
            row[side].append(t)
    out = list(rows.values())
    out.sort(key=lambda r: -sum(t["count"] for t in r["a"] + r["b"]))
    return out


def compare_maps(fa: dict, fb: dict) -> list[tuple[str, Any, Any]]:
    """Rows (name, value in a, value in b) of two {name: number} mappings, largest first."""
    names = sorted(set(fa) | set(fb), key=lambda k: -((fa.get(k) or 0) + (fb.get(k) or 0)))
    return [(k, fa.get(k, 0), fb.get(k, 0)) for k in names]


def loaded_rates(p: dict) -> dict:
    return dict(((p.get("loaded") or {}).get("per_1000_words")) or {})


def omission_counts(p: dict) -> dict:
    return {o.get("kind", "?"): o.get("count", 0) for o in p.get("omissions") or []}


def compare_kinds(a: dict, b: dict) -> list[tuple[str, int, int, float, float]]:
    ka = (a.get("sources") or {}).get("kinds") or {}
    kb = (b.get("sources") or {}).get("kinds") or {}
    ta, tb = sum(ka.values()) or 1, sum(kb.values()) or 1
    kinds = sorted(set(ka) | set(kb), key=lambda k: -(ka.get(k, 0) / ta + kb.get(k, 0) / tb))
    return [(k, ka.get(k, 0), kb.get(k, 0), ka.get(k, 0) / ta, kb.get(k, 0) / tb) for k in kinds]


def outlet_compare_page(left: dict, right: dict, pq: ProfileQuery) -> bytes:
    """Two outlet profiles side by side."""
    return page("compare.html", page="outlets", a=left, b=right, rows=compare_terms(left, right),
                kinds=compare_kinds(left, right), pq=pq,
                loaded=compare_maps(loaded_rates(left), loaded_rates(right)),
                omitted=compare_maps(omission_counts(left), omission_counts(right)))
