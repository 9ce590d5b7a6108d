"""The HTML pages for people (stories, a story, an article, outlets, two outlets side by side, search, the
API documentation) and the files they load (CSS and JS from this server only; no third-party assets)."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from parallax.outlets.profiles import list_outlets
from parallax.render.html import render_html, report_asset
from parallax.web import views
from parallax.web.deps import CorpusDep, cached, not_found, profile_of, story_bundle
from parallax.web.items import page_count, search_result, stories_data
from parallax.web.params import (
    ArticleId,
    OutletPath,
    ProfileParams,
    ProfileQuery,
    SearchParams,
    SearchQuery,
    StoryId,
    StoryParams,
    StoryQuery,
)
from parallax.web.service import StoryBundle

HTML = "text/html; charset=utf-8"
STATIC = {"app.css": "text/css"}
REPORT_STATIC = {"report.css": "text/css", "report.js": "text/javascript"}
CACHE_AN_HOUR = {"cache-control": "public, max-age=3600"}

router = APIRouter()


# ---- static files ----

@router.get("/static/{name}", include_in_schema=False)
async def static(name: str):
    if name in STATIC:
        return Response(views.web_asset(name), media_type=STATIC[name] + "; charset=utf-8",
                        headers=CACHE_AN_HOUR)
    if name in REPORT_STATIC:
        return Response(report_asset(name), media_type=REPORT_STATIC[name] + "; charset=utf-8",
                        headers=CACHE_AN_HOUR)
    raise not_found("file")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon():
    return Response(status_code=204)


# ---- pages ----

@router.get("/", include_in_schema=False)
async def home():
    return RedirectResponse("/stories", status_code=307)


@router.get("/stories", tags=["pages"], response_class=HTMLResponse, summary="Stories page")
async def stories_page(corpus: CorpusDep, sq: StoryQuery = Depends(StoryParams)):
    def build():
        data = stories_data(corpus, sq)
        return views.page("stories.html", page="stories", sq=sq, data=data, outlets=corpus.outlet_names())
    return Response(await cached(corpus, ("stories-page", sq.key()), build), media_type=HTML)


@router.get("/stories/{story_id}", tags=["pages"], response_class=HTMLResponse, summary="Story page",
            responses={404: {"description": "no such story"}})
async def story_page(story_id: StoryId, request: Request, corpus: CorpusDep):
    bundle = await story_bundle(corpus, story_id)
    if request.headers.get("if-none-match") == bundle.etag:
        return Response(status_code=304, headers={"etag": bundle.etag})
    body = bundle.extra.get("page")
    if body is None:
        body = await run_in_threadpool(views.story_page, bundle)
    return Response(body, media_type=HTML, headers={"etag": bundle.etag})


def _report(bundle: StoryBundle) -> bytes:
    with bundle.lock:
        if "report" not in bundle.extra:
            bundle.extra["report"] = render_html(bundle.doc).encode("utf-8")
    return bundle.extra["report"]


@router.get("/stories/{story_id}/report.html", tags=["pages"], response_class=HTMLResponse,
            summary="The story as one self-contained HTML report file")
async def story_report(story_id: StoryId, corpus: CorpusDep):
    bundle = await story_bundle(corpus, story_id)
    body = bundle.extra.get("report") or await run_in_threadpool(_report, bundle)
    return Response(body, media_type=HTML, headers={
        "content-disposition": f'attachment; filename="parallax-{quote(bundle.story_id, safe="")}.html"'})


@router.get("/articles/{article_id}", tags=["pages"], response_class=HTMLResponse, summary="Article page",
            responses={404: {"description": "no such article"}})
async def article_page(article_id: ArticleId, corpus: CorpusDep):
    found = await run_in_threadpool(corpus.article_bundle, article_id)
    if found is None:
        raise not_found("article")
    stored, bundle = found
    key = ("article-page", stored.pk, stored.revision)
    body = bundle.extra.get(key)
    if body is None:
        body = await run_in_threadpool(views.article_page, bundle, stored, key)
    return Response(body, media_type=HTML)


@router.get("/outlets", tags=["pages"], response_class=HTMLResponse, summary="Outlets page")
async def outlets_page(corpus: CorpusDep):
    def build():
        return views.page("outlets.html", page="outlets", outlets=list_outlets(corpus.store()))
    return Response(await cached(corpus, ("outlets-page",), build), media_type=HTML)


@router.get("/outlets/compare", tags=["pages"], response_class=HTMLResponse,
            summary="Two outlet profiles side by side")
async def outlets_compare(a: Annotated[str, Query(max_length=300)], b: Annotated[str, Query(max_length=300)],
                          corpus: CorpusDep, pq: ProfileQuery = Depends(ProfileParams)):
    left, right = await profile_of(corpus, a, pq), await profile_of(corpus, b, pq)
    body = await cached(corpus, ("compare-page", a, b, pq.since, pq.until),
                        lambda: views.outlet_compare_page(left, right, pq))
    return Response(body, media_type=HTML)


@router.get("/outlets/{name:path}", tags=["pages"], response_class=HTMLResponse, summary="Outlet page",
            responses={404: {"description": "no such outlet"}})
async def outlet_page(name: OutletPath, corpus: CorpusDep, pq: ProfileQuery = Depends(ProfileParams)):
    profile = await profile_of(corpus, name, pq)

    def build():
        return views.page("outlet.html", page="outlets", p=profile, plots=views.profile_plots(profile), pq=pq,
                    others=[o for o in corpus.outlet_names() if o != name])
    return Response(await cached(corpus, ("outlet-page", name, pq.since, pq.until), build), media_type=HTML)


@router.get("/search", tags=["pages"], response_class=HTMLResponse, summary="Search page")
async def search_page(corpus: CorpusDep, sq: SearchQuery = Depends(SearchParams)):
    def build():
        result = corpus.pages.get_or_compute(("search", sq.key(), corpus.version()),
                                             lambda: search_result(corpus, sq))
        return views.page("search.html", page="search", sq=sq, r=result, outlets=corpus.outlet_names(),
                    pages=page_count(result["total"], sq.per_page))
    return Response(await cached(corpus, ("search-page", sq.key()), build), media_type=HTML)


@router.get("/docs", include_in_schema=False)
async def docs_page(request: Request, corpus: CorpusDep):
    body = views.render("docs.html", page="docs", api=request.app.openapi(), ingest=corpus.token is not None)
    return HTMLResponse(body)
