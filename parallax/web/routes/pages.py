"""The HTML pages for people (stories, a story, an article, outlets, two outlets side by side, search, the
API documentation) and the files they load (CSS and JS from this server only; no third-party assets)."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from parallax.outlets.profiles import list_outlets
from parallax.periods import parse_period
from parallax.render.html import render_html, report_asset
from parallax.store import threads as stored_threads
from parallax.web import i18n, outlet_views, views
from parallax.web.deps import CorpusDep, cached, not_found, profile_within, story_bundle
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
async def stories_page(request: Request, corpus: CorpusDep, sq: StoryQuery = Depends(StoryParams)):
    if "min_outlets" not in request.query_params:       # one-outlet stories only when asked for
        sq.min_outlets = views.PAGE_MIN_OUTLETS

    def build():
        return views.stories_page(sq, stories_data(corpus, sq), corpus.outlet_names())
    return Response(await cached(corpus, ("stories-page", sq.key()), build), media_type=HTML)


@router.get("/blindspots", tags=["pages"], response_class=HTMLResponse,
            summary="Blind spots: stories covered by outlets of one kind only")
async def blindspots_page(request: Request, corpus: CorpusDep, sq: StoryQuery = Depends(StoryParams)):
    sq.blind_spot = True
    sq.per_page = max(sq.per_page, 50)
    if "min_outlets" not in request.query_params:       # several outlets, all of one kind, unless asked
        sq.min_outlets = views.PAGE_MIN_OUTLETS

    def build():
        return views.blindspots_page(sq, stories_data(corpus, sq))
    return Response(await cached(corpus, ("blindspots-page", sq.key()), build), media_type=HTML)


@router.get("/stories/{story_id}", tags=["pages"], response_class=HTMLResponse, summary="Story page",
            responses={404: {"description": "no such story"}})
async def story_page(story_id: StoryId, request: Request, corpus: CorpusDep):
    bundle = await story_bundle(corpus, story_id)
    etag = views.localized_etag(bundle.etag)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"etag": etag})
    body = bundle.extra.get(views.page_key())
    if body is None:
        body = await run_in_threadpool(views.story_page, bundle)
    return Response(body, media_type=HTML, headers={"etag": etag})


def _report(bundle: StoryBundle) -> bytes:
    key = views.page_key("report")
    with bundle.lock:
        if key not in bundle.extra:
            links = {a["id"]: a["link"] for a in bundle.articles if a.get("link")}
            bundle.extra[key] = render_html(bundle.doc, lang=i18n.current().lang, links=links).encode("utf-8")
    return bundle.extra[key]


@router.get("/stories/{story_id}/report.html", tags=["pages"], response_class=HTMLResponse,
            summary="The story as one self-contained HTML report file")
async def story_report(story_id: StoryId, corpus: CorpusDep):
    bundle = await story_bundle(corpus, story_id)
    body = bundle.extra.get(views.page_key("report")) or await run_in_threadpool(_report, bundle)
    return Response(body, media_type=HTML, headers={
        "content-disposition": f'attachment; filename="parallax-{quote(bundle.story_id, safe="")}.html"'})


@router.get("/articles/{article_id}", tags=["pages"], response_class=HTMLResponse, summary="Article page",
            responses={404: {"description": "no such article"}})
async def article_page(article_id: ArticleId, corpus: CorpusDep):
    found = await run_in_threadpool(corpus.article_bundle, article_id)
    if found is None:
        raise not_found("article")
    stored, bundle = found
    key = ("article-page", stored.pk, stored.revision, *i18n.current().key())
    body = bundle.extra.get(key)
    if body is None:
        body = await run_in_threadpool(views.article_page, bundle, stored, key)
    return Response(body, media_type=HTML)


@router.get("/outlets", tags=["pages"], response_class=HTMLResponse, summary="Outlets page")
async def outlets_page(corpus: CorpusDep):
    def build():
        return outlet_views.outlets_page(list_outlets(corpus.store()))
    return Response(await cached(corpus, ("outlets-page",), build), media_type=HTML)


def _loading(name: str, pq: ProfileQuery) -> Response:
    # not kept by the response cache (no-store): the next request shows the profile once it is computed
    return Response(outlet_views.loading_page(name, pq), media_type=HTML, headers={"cache-control": "no-store"})


@router.get("/outlets/compare", tags=["pages"], response_class=HTMLResponse,
            summary="Two outlet profiles side by side")
async def outlets_compare(a: Annotated[str, Query(max_length=300)], b: Annotated[str, Query(max_length=300)],
                          corpus: CorpusDep, pq: ProfileQuery = Depends(ProfileParams)):
    left, right = await profile_within(corpus, a, pq), await profile_within(corpus, b, pq)
    if left is None or right is None:
        return _loading(a if left is None else b, pq)
    body = await cached(corpus, ("compare-page", a, b, pq.since, pq.until),
                        lambda: outlet_views.outlet_compare_page(left, right, pq))
    return Response(body, media_type=HTML)


@router.get("/outlets/{name:path}", tags=["pages"], response_class=HTMLResponse, summary="Outlet page",
            responses={404: {"description": "no such outlet"}})
async def outlet_page(name: OutletPath, corpus: CorpusDep, pq: ProfileQuery = Depends(ProfileParams)):
    profile = await profile_within(corpus, name, pq)
    if profile is None:
        return _loading(name, pq)

    def build():
        return outlet_views.outlet_page(profile, pq, [o for o in corpus.outlet_names() if o != name])
    return Response(await cached(corpus, ("outlet-page", name, pq.since, pq.until), build), media_type=HTML)


@router.get("/search", tags=["pages"], response_class=HTMLResponse, summary="Search page")
async def search_page(corpus: CorpusDep, sq: SearchQuery = Depends(SearchParams)):
    def build():
        result = corpus.pages.get_or_compute(("search", sq.key(), corpus.version()),
                                             lambda: search_result(corpus, sq))
        return views.page("search.html", page="search", sq=sq, r=result, outlets=corpus.outlet_names(),
                    pages=page_count(result["total"], sq.per_page))
    return Response(await cached(corpus, ("search-page", sq.key()), build), media_type=HTML)


# ---- threads: developing stories over days (engineer "threads") ----

THREADS_PER_PAGE = 20
ThreadId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[\w-]+$")]
DateQuery = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or an ISO timestamp")]


def thread_period(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    try:
        return parse_period(since or None, until or None)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"bad date: {exc}") from None


@router.get("/threads", tags=["pages"], response_class=HTMLResponse, summary="Threads page: developing stories")
async def threads_page(corpus: CorpusDep, since: DateQuery = None, until: DateQuery = None,
                       min_stories: Annotated[int, Query(ge=1, le=1000)] = 2,
                       page: Annotated[int, Query(ge=1, le=100000)] = 1):
    period = thread_period(since, until)

    def build():
        threads, total = stored_threads.list_threads(corpus.store().db, since=period[0], until=period[1],
                                                     min_stories=min_stories, limit=THREADS_PER_PAGE,
                                                     offset=(page - 1) * THREADS_PER_PAGE)
        query = f"/threads?since={quote(since or '')}&until={quote(until or '')}&min_stories={min_stories}&page="
        return views.page("threads.html", page="threads", threads=threads, total=total, since=since, until=until,
                          min_stories=min_stories, page_no=page, pages=page_count(total, THREADS_PER_PAGE),
                          prev_url=f"{query}{page - 1}", next_url=f"{query}{page + 1}")
    return Response(await cached(corpus, ("threads-page", since, until, min_stories, page), build), media_type=HTML)


@router.get("/threads/{thread_id}", tags=["pages"], response_class=HTMLResponse,
            summary="Thread page: the timeline and each outlet's coverage", responses={404: {"description": "no such thread"}})
async def thread_page(thread_id: ThreadId, corpus: CorpusDep):
    def build():
        db = corpus.store().db
        thread = stored_threads.thread_detail(db, thread_id)
        if thread is None:
            return None
        digests = {s["id"]: stored_threads.digest_mentions(db, s["id"]) for s in thread["stories"]}
        return views.page("thread.html", page="threads", thread=thread, digests=digests,
                          stories={s["id"]: s for s in thread["stories"]},
                          number={s["id"]: i + 1 for i, s in enumerate(thread["stories"])})
    body = await cached(corpus, ("thread-page", thread_id), build)
    if body is None:
        raise not_found("thread")
    return Response(body, media_type=HTML)


@router.get("/docs", include_in_schema=False)
async def docs_page(request: Request, corpus: CorpusDep):
    body = views.render("docs.html", page="docs", api=request.app.openapi(), ingest=corpus.token is not None)
    return HTMLResponse(body)
