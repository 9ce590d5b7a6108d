"""The JSON API under /api: stories, their comparisons (the parallax-v1 document), articles, outlets,
search, health, and the one writing endpoint (POST /api/articles, only with the server's token)."""
from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from parallax.outlets.profiles import list_outlets
from parallax.store import threads as stored_threads
from parallax.store.queries import Filters, list_articles, list_stories
from parallax.web import schemas
from parallax.web.deps import CorpusDep, cached, not_found, profile_of, story_bundle
from parallax.web.items import (
    article_detail,
    article_item,
    kinds_data,
    page_count,
    search_json,
    search_result,
    stories_data,
    story_item,
)
from parallax.web.params import (
    ArticleId,
    ArticleParams,
    ArticleQuery,
    OutletPath,
    ProfileParams,
    ProfileQuery,
    SearchParams,
    SearchQuery,
    StoryId,
    StoryParams,
    StoryQuery,
    kinds_registry,
)
from parallax.web.routes.pages import DateQuery, ThreadId, thread_period
from parallax.web.service import Corpus

V1_REF = "#/components/schemas/ParallaxDocumentV1"

router = APIRouter(tags=["api"])
bearer = HTTPBearer(auto_error=False, description="the token the server was started with (--token)")


def check_token(corpus: Corpus, credentials: HTTPAuthorizationCredentials | None) -> None:
    if corpus.token is None:
        raise HTTPException(status_code=403, detail="ingest is disabled: the server was started without --token")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode("utf-8"), corpus.token.encode("utf-8")):
        raise HTTPException(status_code=401, detail="missing or wrong token",
                            headers={"WWW-Authenticate": "Bearer"})


@router.get("/api/health", response_model=schemas.Health, summary="Server and database status")
def api_health(c: CorpusDep):
    stats = c.store().stats()
    return {"status": "ok", "database": c.location, "articles": stats["articles"], "stories": stats["stories"],
            "ingest": c.token is not None}


@router.get("/api/stories", response_model=schemas.StoryList, summary="Stories: latest first, or by coverage")
async def api_stories(corpus: CorpusDep, sq: StoryQuery = Depends(StoryParams)):
    def build():
        return json.dumps(stories_data(corpus, sq), ensure_ascii=False).encode("utf-8")
    return Response(await cached(corpus, ("api-stories", sq.key()), build), media_type="application/json")


@router.get("/api/stories/{story_id}", response_model=schemas.StoryDetail,
            summary="One story: its outlets and articles", responses={404: {"description": "no such story"}})
def api_story(story_id: StoryId, c: CorpusDep):
    rows, _ = list_stories(c.store().db, Filters(story=story_id), limit=1)
    if not rows:
        raise not_found("story")
    articles, _ = list_articles(c.store().db, Filters(story=story_id), limit=100_000)
    item = story_item(rows[0])
    articles.sort(key=lambda a: (a.published_ts is None, a.published_ts or 0, a.pk))
    return {"id": item["id"], "title": item["title"], "first": item["first"], "last": item["last"],
            "outlets": item["outlets"], "coverage": item["coverage"], "articles": [article_item(a) for a in articles],
            "comparison": item["comparison"]}


@router.get("/api/stories/{story_id}/comparison", summary="The story compared fact by fact",
            description="Exactly the JSON v1 document of `parallax compare --json` (schema: "
                        "parallax-v1.schema.json), computed once and cached until an article of the story "
                        "changes, joins or leaves it, or the analyzer version changes.",
            responses={200: {"content": {"application/json": {"schema": {"$ref": V1_REF}}},
                             "description": "the parallax-v1 document"},
                       304: {"description": "not modified (If-None-Match)"},
                       404: {"description": "no such story"}})
async def api_comparison(story_id: StoryId, request: Request, corpus: CorpusDep):
    bundle = await story_bundle(corpus, story_id)
    if request.headers.get("if-none-match") == bundle.etag:
        return Response(status_code=304, headers={"etag": bundle.etag})
    return Response(bundle.json_bytes, media_type="application/json", headers={"etag": bundle.etag})


@router.get("/api/articles", response_model=schemas.ArticleList, summary="Articles, latest first")
def api_articles(c: CorpusDep, aq: ArticleQuery = Depends(ArticleParams)):
    rows, total = list_articles(c.store().db, aq.filters(c), limit=aq.per_page, offset=(aq.page - 1) * aq.per_page)
    return {"articles": [article_item(a) for a in rows], "page": aq.page, "per_page": aq.per_page,
            "total": total, "pages": page_count(total, aq.per_page)}


@router.get("/api/articles/{article_id}", response_model=schemas.ArticleDetail,
            summary="One article with its text and analysis", responses={404: {"description": "no such article"}})
def api_article(article_id: ArticleId, c: CorpusDep):
    store = c.store()
    found = store.get_articles([article_id])
    if not found:
        raise not_found("article")
    return article_detail(store, found[0])


@router.post("/api/articles", response_model=schemas.IngestResponse,
             summary="Add articles (only when the server was started with a token)",
             description="Stores the articles (new ones, or new revisions of known ones), then analyses them and "
                         "groups them into stories unless `analyze=false`. URLs are stored, never fetched. "
                         f"At most {schemas.MAX_INGEST} articles per request.",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/IngestRequest"}}}}},
             responses={401: {"description": "missing or wrong token"},
                        403: {"description": "ingest is disabled (server started without --token)"},
                        413: {"description": "request body too large"},
                        422: {"description": "the body is not a valid ingest request"}})
async def api_ingest(request: Request, corpus: CorpusDep,
                     credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                     analyze: Annotated[bool, Query(description="analyse and cluster the new articles")] = True):
    check_token(corpus, credentials)
    raw = await request.body()
    try:
        body = schemas.IngestRequest.model_validate_json(raw)
    except ValidationError as exc:
        return JSONResponse({"detail": json.loads(exc.json(include_url=False, include_input=False))},
                            status_code=422)
    records = [a.model_dump(exclude_none=True) for a in body.articles]
    return await run_in_threadpool(corpus.ingest, records, analyze=analyze)


@router.get("/api/outlets", response_model=schemas.OutletList, summary="Every outlet with its counts")
async def api_outlets(corpus: CorpusDep):
    data = await cached(corpus, ("outlets",), lambda: list_outlets(corpus.store()))
    return {"outlets": data}


@router.get("/api/outlets/kinds", response_model=schemas.OutletKindsList,
            summary="Kinds of outlet: the registry, and every corpus outlet with its kind")
async def api_outlet_kinds(corpus: CorpusDep):
    return await cached(corpus, ("outlet-kinds", kinds_registry().version), lambda: kinds_data(corpus))


@router.get("/api/outlets/{name:path}", response_model=schemas.OutletProfile,
            summary="An outlet's profile", responses={404: {"description": "no such outlet"}})
async def api_outlet(name: OutletPath, corpus: CorpusDep, pq: ProfileQuery = Depends(ProfileParams)):
    return await profile_of(corpus, name, pq)


@router.get("/api/search", response_model=schemas.SearchResult,
            summary="Who said it, which outlets said it: quotes and articles containing the words")
async def api_search(corpus: CorpusDep, sq: SearchQuery = Depends(SearchParams)):
    result = await cached(corpus, ("search", sq.key()), lambda: search_result(corpus, sq))
    return search_json(sq, result)


# ---- threads: developing stories over days (engineer "threads") ----

@router.get("/api/threads", summary="Threads: stories of one developing matter over days, latest first")
async def api_threads(corpus: CorpusDep, since: DateQuery = None, until: DateQuery = None,
                      min_stories: Annotated[int, Query(ge=1, le=1000)] = 2,
                      limit: Annotated[int, Query(ge=1, le=500)] = 50,
                      offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    period = thread_period(since, until)

    def build():
        threads, total = stored_threads.list_threads(corpus.store().db, since=period[0], until=period[1],
                                                     min_stories=min_stories, limit=limit, offset=offset)
        return {"threads": [t.as_dict() for t in threads], "total": total, "limit": limit, "offset": offset}
    return await cached(corpus, ("threads", since, until, min_stories, limit, offset), build)


@router.get("/api/threads/{thread_id}", summary="One thread: its stories with articles and the timeline",
            responses={404: {"description": "no such thread"}})
async def api_thread(thread_id: ThreadId, corpus: CorpusDep):
    thread = await cached(corpus, ("thread", thread_id), lambda: stored_threads.thread_detail(corpus.store().db,
                                                                                               thread_id))
    if thread is None:
        raise not_found("thread")
    return thread


@router.get("/api/stories/{story_id}/digests", summary='Digest posts that list this story ("also in digest")')
async def api_story_digests(story_id: StoryId, corpus: CorpusDep):
    mentions = await cached(corpus, ("digests", story_id),
                            lambda: stored_threads.digest_mentions(corpus.store().db, story_id))
    threads = await cached(corpus, ("story-thread", story_id),
                           lambda: stored_threads.threads_of_stories(corpus.store().db, [story_id]))
    return {"story": story_id, "thread": threads.get(story_id), "digests": mentions}
