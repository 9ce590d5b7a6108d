"""The HTML of the pages: the Jinja environment and the page builders that turn a story comparison or an
outlet profile into a page (they run in worker threads; a story's pages are kept with its bundle)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote

import jinja2
from markupsafe import Markup

from parallax import __version__
from parallax.outlet_kinds import outlet_kinds
from parallax.render import plots
from parallax.render.html import (
    article_anchors,
    render_article_text,
    render_key_differences,
    render_legend,
    render_story,
    safe_href,
)
from parallax.resources import ResourceError, read_text
from parallax.store import StoredArticle
from parallax.store.queries import iso_utc
from parallax.web import i18n
from parallax.web.service import StoryBundle

STATUSES = ("consensus", "partial", "unique", "conflict")


def url_path(*parts: Any) -> str:
    """A site path of `parts`, each quoted: url_path("stories", id) -> "/stories/<id>"."""
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


def format_when(stamp: str | None) -> str:
    """'2024-12-03T13:40:00+00:00' -> '03.12.2024 16:40 МСК': in the reader's language and time zone."""
    return i18n.format_time(stamp)


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The one Jinja environment of the process (it depends on no app setting)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("parallax.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"], default=True),
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = format_when
    env.filters["day"] = i18n.format_day
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["label"] = lambda value, group: i18n.label(group, value)
    env.globals.update(version=__version__, statuses=STATUSES, safe_href=safe_href, path=url_path,
                       _=i18n.gettext, label=i18n.label)
    return env


def locale_context() -> dict[str, Any]:
    """What every page knows of its reader: `lang`, `tz` (name and mark), the language switch and zone menu."""
    locale = i18n.current()
    path, query = i18n.here()
    other = "en" if locale.lang == "ru" else "ru"
    return {"lang": locale.lang, "tz": locale.tz, "tz_mark": i18n.zone_label(locale.tz),
            "tz_choices": [(z, i18n.zone_label(z)) for z in i18n.TZ_CHOICES], "other_lang": other,
            "switch_lang_url": i18n.switch_url(path, query, lang=other), "here_path": path,
            "here_query": [(k, v) for k, v in parse_qsl(query) if k not in ("tz", "lang")]}


def render(name: str, **context: Any) -> str:
    return templates().get_template(name).render(**{**locale_context(), **context})


def page(name: str, **context: Any) -> bytes:
    return render(name, **context).encode("utf-8")


@lru_cache(maxsize=None)
def web_asset(name: str) -> str:
    return read_text(f"web/static/{name}")


# ---- story and article pages ---------------------------------------------------------------------------

def page_key(name: str = "page") -> tuple:
    """Where a page of a story is kept in its bundle: per language and time zone."""
    return (name, *i18n.current().key())


def localized_etag(etag: str) -> str:
    """The bundle's ETag for the reader's language and time zone (a page in another is another entity)."""
    lang, tz = i18n.current().key()
    return etag[:-1] + "-" + lang + "-" + quote(tz, safe="") + '"' if etag.endswith('"') else etag


def story_coverage(bundle: StoryBundle) -> tuple[list[dict], dict[str, str]]:
    """The story's coverage by kind, and the kind of each of its outlets."""
    card = {"outlets": [{"outlet": o["outlet"], "articles": o["articles"]} for o in bundle.by_outlet]}
    coverage = card_coverage(card)
    return coverage, {o["outlet"]: o["kind"] for o in card["outlets"]}


def compact_svg(svg: str | None) -> str:
    """An SVG of matplotlib without its indentation and line breaks (a quarter of its bytes)."""
    if not svg:
        return ""
    return re.sub(r">\s+<", "><", re.sub(r"\s*\n\s*", " ", svg))


def story_timeline(bundle: StoryBundle) -> str:
    """When each outlet published, on the clock of the reader's zone, titled in their language."""
    tz = i18n.zone(i18n.current().tz)
    rows = []
    for a in bundle.articles:
        moment = i18n.to_datetime(a["published_ts"]) if a["published_ts"] is not None else None
        rows.append((a["outlet"], moment.astimezone(tz).replace(tzinfo=None) if moment and tz else moment))
    title = i18n.translate("story.timeline", zone=i18n.zone_label(i18n.current().tz))
    return compact_svg(plots.coverage_timeline(rows, title=title))


def story_page(bundle: StoryBundle) -> bytes:
    key = page_key()
    with bundle.lock:
        if key not in bundle.extra:
            lang = i18n.current().lang
            links = {a["id"]: a["link"] for a in bundle.articles if a.get("link")}
            coverage, kind_of = story_coverage(bundle)
            story = bundle.story
            claims = story.get("claims", [])
            counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
            position = {a["id"]: j for j, a in enumerate(story["articles"])}
            stamps = [a["published_ts"] for a in bundle.articles if a["published_ts"] is not None]
            first, last = (iso_utc(min(stamps)), iso_utc(max(stamps))) if stamps else (None, None)
            bundle.extra[key] = page(
                "story.html", page="story", b=bundle, story=story, counts=counts, position=position,
                first=first, last=last, coverage=coverage, kind_of=kind_of,
                legend=Markup(render_legend(lang)),
                section=Markup(render_story(story, 0, key_differences=False, lang=lang, links=links)),
                key_differences=Markup(render_key_differences(story, 0, lang=lang)),
                timeline=Markup(story_timeline(bundle)),
            )
        return bundle.extra[key]


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
        lang = i18n.current().lang
        body = page(
            "article.html", page="article", a=article, item=item, b=bundle, story=own,
            doc_article=own["articles"][0], in_story=not bundle.story_id.startswith("article-"),
            text=Markup(render_article_text(own, item["id"], 0, lang=lang)), legend=Markup(render_legend(lang)),
            anchors=article_anchors(own, item["id"], 0), outlet_of=outlet_of, pk_of=pk_of,
        )
        bundle.extra[key] = body
        return body


# ---- outlet pages: parallax/web/outlet_views.py -------------------------------------------------------------


# ---- the story list and blind spots ----------------------------------------------------------------------

SORTS = ("outlets", "kinds", "articles", "recent")
PAGE_MIN_OUTLETS = 2       # the stories page shows stories of two or more outlets unless asked otherwise


def _kinds_registry():
    try:
        return outlet_kinds()
    except ResourceError:       # no registry readable: every outlet is unrated, the page still works
        return None


def card_coverage(card: dict) -> list[dict]:
    """A story card's coverage by kind: the card's own (items.stories_data) or one made from its outlets."""
    if card.get("coverage") is not None:
        return card["coverage"]
    registry = _kinds_registry()
    order = registry.kinds() if registry else []
    groups: dict[str, list[str]] = {}
    for o in card.get("outlets", []):
        kind = o.get("kind") or (registry.kind_of(o["outlet"]) if registry else "unrated")
        o.setdefault("kind", kind)
        groups.setdefault(kind, []).append(o["outlet"])
    rank = {k: i for i, k in enumerate(order)}
    return [{"kind": k, "outlets": len(v), "names": v}
            for k, v in sorted(groups.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))]


def chosen_filters(sq: Any) -> dict[str, Any]:
    """The outlets (all required), kinds and sort the list query asks for."""
    outlets = list(getattr(sq, "outlets", None) or ([sq.outlet] if getattr(sq, "outlet", None) else []))
    kinds = list(getattr(sq, "kinds", None) or [])
    return {"outlets": outlets, "kinds": kinds, "sort": getattr(sq, "sort", None) or "recent"}


def list_link(sq: Any, base: str, **change: Any) -> str:
    """`sq.url` that always says min_outlets (the page's default is not the API's)."""
    url = sq.url(base, **change)
    n = change.get("min_outlets", sq.min_outlets)
    if "min_outlets=" not in url:
        url += ("&" if "?" in url else "?") + f"min_outlets={n}"
    return url


def stories_page(sq: Any, data: dict, outlets: list[str]) -> bytes:
    for card in data["stories"]:
        card["coverage"] = card_coverage(card)
    chosen = chosen_filters(sq)
    registry = _kinds_registry()
    filtered = bool(sq.q or chosen["outlets"] or chosen["kinds"] or sq.since or sq.until)
    links = {"all": list_link(sq, "/stories", min_outlets=1, page=1),
             "multi": list_link(sq, "/stories", min_outlets=PAGE_MIN_OUTLETS, page=1),
             "prev": list_link(sq, "/stories", page=data["page"] - 1),
             "next": list_link(sq, "/stories", page=data["page"] + 1)}
    return page("stories.html", page="stories", sq=sq, data=data, outlets=outlets, chosen=chosen, links=links,
                kinds=registry.kinds() if registry else [], sorts=SORTS, filtered=filtered)


def blindspots_page(sq: Any, data: dict) -> bytes:
    """Stories covered by outlets of one kind only, grouped by that kind (in display order)."""
    groups: dict[str, list[dict]] = {}
    for card in data["stories"]:
        card["coverage"] = card_coverage(card)
        kinds = [c["kind"] for c in card["coverage"]]
        groups.setdefault(kinds[0] if len(kinds) == 1 else "mixed", []).append(card)
    registry = _kinds_registry()
    order = registry.kinds() if registry else sorted(groups)
    ordered = [(k, groups[k]) for k in order if k in groups] + [(k, v) for k, v in groups.items() if k not in order]
    links = {"all": list_link(sq, "/blindspots", min_outlets=1, page=1, blind_spot=False),
             "multi": list_link(sq, "/blindspots", min_outlets=PAGE_MIN_OUTLETS, page=1, blind_spot=False),
             "prev": list_link(sq, "/blindspots", page=data["page"] - 1, blind_spot=False),
             "next": list_link(sq, "/blindspots", page=data["page"] + 1, blind_spot=False)}
    return page("blindspots.html", page="blindspots", sq=sq, data=data, groups=ordered, kinds=order, links=links)
