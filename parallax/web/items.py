"""Store rows as the JSON items of the API; the story list and search results the pages show too."""
from __future__ import annotations

import math

from parallax.outlet_kinds import OutletKinds
from parallax.store import Store, StoredArticle
from parallax.store.coverage import StoryTable
from parallax.store.queries import ArticleRow, StoryRow, iso_utc, list_stories
from parallax.store.search import search, speaker_name
from parallax.web.params import SearchQuery, StoryQuery, kinds_registry
from parallax.web.service import Corpus
from parallax.web.views import url_path


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page)) if per_page else 1


def coverage_item(outlets: list[tuple[str, int]], registry: OutletKinds) -> list[dict]:
    """[{"kind", "outlets": n, "names": [...]}] in the registry's display order: a story's coverage bar."""
    names: dict[str, list[str]] = {}
    for outlet, _ in outlets:
        names.setdefault(registry.kind_of(outlet), []).append(outlet)
    return [{"kind": kind, "outlets": len(names[kind]), "names": names[kind]} for kind in registry.kinds()
            if kind in names]


def story_item(row: StoryRow, registry: OutletKinds | None = None) -> dict:
    registry = registry or kinds_registry()
    return {"id": row.id, "title": row.title, "articles": row.articles,
            "outlets": [{"outlet": o, "articles": n, "kind": registry.kind_of(o)} for o, n in row.outlets],
            "coverage": coverage_item(row.outlets, registry),
            "first": row.first, "last": row.last, "url": url_path("stories", row.id),
            "comparison": url_path("api", "stories", row.id) + "/comparison"}


def story_table(corpus: Corpus, registry: OutletKinds) -> StoryTable:
    """Every story's outlets and counts, read once per corpus version (and registry): the story list filters
    and sorts these rows instead of grouping the articles table on every request."""
    return corpus.pages.get_or_compute(("story-table", registry.version, corpus.version()),
                                       lambda: StoryTable.load(corpus.store().db, registry))


def article_item(row: ArticleRow) -> dict:
    return {"id": row.pk, "ext_id": row.ext_id, "outlet": row.outlet, "title": row.title,
            "published": row.published or iso_utc(row.published_ts), "url": row.url, "story": row.story_id,
            "revision": row.revision, "chars": int(row.chars or 0)}


def _analysis_item(version: str, data: dict) -> dict:
    """A stored analysis as the API shows it: entities, quotes (with their speakers) and attributions."""
    mentions = data.get("mentions") or []
    return {
        "analyzer_version": version, "language": data.get("language") or "",
        "sentences": len(data.get("sentences") or []),
        "entities": [{"start": m["start"], "end": m["end"], "text": m["text"], "type": m["type"],
                      "name": m.get("canonical") or m.get("normal") or m["text"], "kind": m.get("kind", "name")}
                     for m in mentions],
        "quotes": [{"start": q["start"], "end": q["end"], "text": q["text"], "kind": q.get("kind", "direct"),
                    "speaker": speaker_name(q, mentions)} for q in data.get("quotes") or []],
        "attributions": [{"start": a["start"], "end": a["end"], "text": a["text"], "source": a["source"],
                          "kind": a.get("kind"), "cue": a.get("cue", "")} for a in data.get("attributions") or []],
    }


def article_detail(store: Store, article: StoredArticle) -> dict:
    """One article with its text and, when it is of the current revision, its stored analysis."""
    item = {"id": article.pk, "ext_id": article.ext_id, "outlet": article.outlet, "title": article.title,
            "published": article.published or iso_utc(article.published_ts), "url": article.url,
            "story": article.story_id, "revision": article.revision, "chars": len(article.text),
            "text": article.text, "reprint_of": article.reprint_of, "analysis": None}
    found = store.raw_analyses([article.pk]).get(article.pk)
    if found is not None and found[1] == article.revision:
        version, _, data = found
        item["analysis"] = _analysis_item(version, data)
    return item


def stories_data(corpus: Corpus, sq: StoryQuery) -> dict:
    """One page of the story list: the JSON of /api/stories, which the stories page shows too."""
    registry = kinds_registry()
    rows, total = list_stories(corpus.store().db, sq.filters(corpus), min_articles=sq.min_articles,
                               min_outlets=sq.min_outlets, limit=sq.per_page, offset=(sq.page - 1) * sq.per_page,
                               coverage=sq.coverage(corpus), table=story_table(corpus, registry))
    return {"stories": [story_item(r, registry) for r in rows], "page": sq.page, "per_page": sq.per_page,
            "total": total, "pages": page_count(total, sq.per_page)}


def kinds_data(corpus: Corpus | None = None) -> dict:
    """The outlet kinds registry as /api/outlets/kinds shows it: the kinds with their labels, every entry,
    and (with a corpus) each corpus outlet with its kind, unrated ones included."""
    registry = kinds_registry()
    data = {"kinds": [{"kind": k, "labels": registry.labels.get(k, {})} for k in registry.kinds()],
            "outlets": [e.as_dict() for e in registry.entries]}
    if corpus is not None:
        data["corpus"] = [{"outlet": o, "kind": registry.kind_of(o),
                           "registry_name": (registry.info(o).name if registry.info(o) else None)}
                          for o in corpus.outlet_names()]
    return data


def search_result(corpus: Corpus, sq: SearchQuery) -> dict:
    return search(corpus.store(), sq.filters(corpus), sq.q, sq.speaker, limit=sq.per_page,
                  offset=(sq.page - 1) * sq.per_page)


def search_json(sq: SearchQuery, r: dict) -> dict:
    return {
        "q": sq.q, "speaker": sq.speaker, "page": sq.page, "per_page": sq.per_page, "total": r["total"],
        "pages": page_count(r["total"], sq.per_page),
        "quotes": [q.as_dict() for q in r["quotes"]],
        "speakers": [{"name": n, "count": c} for n, c in r["speakers"]],
        "quote_outlets": [{"name": n, "count": c} for n, c in r["quote_outlets"]],
        "outlets": r["outlets"],
        "articles": [{**article_item(row), "snippet": "".join(text for text, _ in segs)}
                     for row, segs in r["articles"]],
    }
