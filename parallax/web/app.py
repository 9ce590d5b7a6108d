"""The Parallax web app: pages for people, a JSON API for programs, one database.

    from parallax.web import create_app
    app = create_app("corpus.sqlite")                 # read-only
    app = create_app("corpus.sqlite", token="…")      # also accepts POST /api/articles with that token

Pages: /stories, /stories/{id}, /articles/{id}, /outlets, /outlets/{name}, /outlets/compare, /search, /docs.
API: /api/stories, /api/stories/{id}, /api/stories/{id}/comparison (the parallax-v1 document),
/api/articles, /api/articles/{id}, /api/outlets, /api/outlets/{name}, /api/search, /api/health;
OpenAPI at /openapi.json.

Safety: every piece of article data is escaped (Jinja autoescape; the report renderer escapes its own),
pages carry a Content-Security-Policy that allows scripts only from this server, links to article URLs
are only ever http(s) and never followed by the server, and the one writing endpoint needs the token
the server was started with (compared in constant time).
"""
from __future__ import annotations

import datetime as dt
import hmac
import inspect
import json
import logging
import math
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from markupsafe import Markup
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from parallax import __version__
from parallax.resources import read_text
from parallax.store.queries import Filters, iso_utc, list_articles, list_stories
from parallax.web import schemas
from parallax.web.cache import ResponseCache
from parallax.web.service import Corpus, StoryBundle

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
HTML = "text/html; charset=utf-8"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
STATIC = {"app.css": "text/css"}
REPORT_STATIC = {"report.css": "text/css", "report.js": "text/javascript"}
STATUSES = ("consensus", "partial", "unique", "conflict")
_MISS = object()


# ---- plumbing -----------------------------------------------------------------------------------------

class SecurityHeaders:
    """Adds the safety headers to every response (a CSP on pages) and refuses request bodies over
    MAX_BODY_BYTES before they are read."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            response = JSONResponse({"detail": f"request body over {MAX_BODY_BYTES} bytes"}, status_code=413)
            await response(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY")]
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@lru_cache(maxsize=1)
def templates():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("parallax.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"], default=True),
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = format_when
    env.filters["day"] = lambda s: (s or "")[:10]
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.globals.update(version=__version__, statuses=STATUSES, safe_href=_safe_href, path=_path)
    return env


def render(name: str, **context: Any) -> str:
    return templates().get_template(name).render(**context)


def _safe_href(url: str | None) -> str | None:
    from parallax.render.html import safe_href
    return safe_href(url)


def _path(*parts: Any) -> str:
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


def format_when(stamp: str | None) -> str:
    """'2024-12-03T13:40:00+00:00' -> '2024-12-03 13:40'; dates as they are."""
    if not stamp:
        return "no date"
    text = str(stamp)
    if len(text) <= 10:
        return text
    return text[:16].replace("T", " ")


def _day_start(day: dt.date | None) -> float | None:
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def _day_end(day: dt.date | None) -> float | None:
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=dt.timezone.utc).timestamp()


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page)) if per_page else 1


# ---- query parameters (shared by pages and API, so both filter alike) ---------------------------------

Text = Annotated[str | None, Query(max_length=300,
                                   description="every word, in any inflection ('Путин' finds 'Путина')")]
OutletName = Annotated[str | None, Query(max_length=300, description="outlet name, or part of one (any case)")]
# Dates are read as text so that the empty value an HTML form sends for a blank date field means "no limit".
_DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"
Since = Annotated[str | None, Query(pattern=_DAY_PATTERN, description="on or after this day (YYYY-MM-DD, UTC)")]
Until = Annotated[str | None, Query(pattern=_DAY_PATTERN, description="on or before this day (YYYY-MM-DD, UTC)")]


def parse_day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name}: not a day: {value!r} (use YYYY-MM-DD)") from None
PageNo = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
MinOutlets = Annotated[int, Query(ge=1, le=1000, description="stories covered by at least N outlets")]
MinArticles = Annotated[int, Query(ge=1, le=100_000, description="stories of at least N articles")]
Speaker = Annotated[str | None, Query(max_length=200,
                                      description="only quotes by this speaker ('who said X': give the words as q)")]
V1_REF = "#/components/schemas/ParallaxDocumentV1"
PerPage = Annotated[int, Query(ge=1, le=100, description="items per page")]


class StoryQuery:
    def __init__(self, q: Text = None, outlet: OutletName = None, since: Since = None, until: Until = None,
                 min_outlets: MinOutlets = 1, min_articles: MinArticles = 1,
                 page: PageNo = 1, per_page: PerPage = 20):
        self.q, self.outlet = (q or "").strip() or None, (outlet or "").strip() or None
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.min_outlets, self.min_articles, self.page, self.per_page = min_outlets, min_articles, page, per_page

    def key(self) -> tuple:
        return (self.q, self.outlet, self.since, self.until, self.min_outlets, self.min_articles, self.page,
                self.per_page)

    def filters(self, corpus: Corpus) -> Filters:
        return Filters(since=_day_start(self.since), until=_day_end(self.until),
                       outlets=corpus.resolve_outlets(self.outlet), query=self.q)

    def url(self, base: str, **change: Any) -> str:
        """This query (with `change`) as a link; defaults are left out."""
        values = {"q": self.q, "outlet": self.outlet, "since": self.since, "until": self.until,
                  "min_outlets": self.min_outlets, "min_articles": self.min_articles, "per_page": self.per_page,
                  "page": self.page}
        values.update(change)
        defaults = {"min_outlets": 1, "min_articles": 1, "per_page": 20, "page": 1}
        params = {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}
        return base + ("?" + urlencode(params) if params else "")


class ArticleQuery:
    def __init__(self, q: Text = None, outlet: OutletName = None, since: Since = None, until: Until = None,
                 story: Annotated[str | None, Query(max_length=200, description="only articles of this story")] = None,
                 page: PageNo = 1, per_page: PerPage = 20):
        self.q, self.outlet = (q or "").strip() or None, (outlet or "").strip() or None
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.story, self.page, self.per_page = story or None, page, per_page

    def filters(self, corpus: Corpus) -> Filters:
        return Filters(since=_day_start(self.since), until=_day_end(self.until),
                       outlets=corpus.resolve_outlets(self.outlet), query=self.q, story=self.story)


class SearchQuery:
    def __init__(self, q: Text = None,
                 speaker: Speaker = None,
                 outlet: OutletName = None, since: Since = None, until: Until = None, page: PageNo = 1,
                 per_page: PerPage = 20):
        self.q, self.speaker = (q or "").strip() or None, (speaker or "").strip() or None
        self.outlet = (outlet or "").strip() or None
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")
        self.page, self.per_page = page, per_page

    def key(self) -> tuple:
        return (self.q, self.speaker, self.outlet, self.since, self.until, self.page, self.per_page)

    def filters(self, corpus: Corpus) -> Filters:
        return Filters(since=_day_start(self.since), until=_day_end(self.until),
                       outlets=corpus.resolve_outlets(self.outlet))

    def url(self, base: str, **change: Any) -> str:
        values = {"q": self.q, "speaker": self.speaker, "outlet": self.outlet, "since": self.since,
                  "until": self.until, "page": self.page}
        values.update(change)
        params = {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}
        return base + ("?" + urlencode(params) if params else "")


class ProfileQuery:
    def __init__(self, since: Since = None, until: Until = None):
        self.since, self.until = parse_day(since, "since"), parse_day(until, "until")


def _async_dependency(cls):
    """`cls` as an async FastAPI dependency with the same query parameters: FastAPI runs a plain class in
    a worker thread, a hop that costs more than building these small objects."""
    async def make(**kwargs):
        return cls(**kwargs)

    signature = inspect.signature(cls.__init__)
    make.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    make.__name__ = cls.__name__
    return make


StoryParams = _async_dependency(StoryQuery)
ArticleParams = _async_dependency(ArticleQuery)
SearchParams = _async_dependency(SearchQuery)
ProfileParams = _async_dependency(ProfileQuery)


# ---- the app ------------------------------------------------------------------------------------------

def create_app(db: str | None = None, *, token: str | None = None, cache_size: int = 64,
               corpus: Corpus | None = None, response_cache: bool = True) -> FastAPI:
    corpus = corpus or Corpus(db, cache_size=cache_size, token=token)
    if token is not None:
        corpus.token = token or None

    @asynccontextmanager
    async def lifespan(_app):
        yield
        corpus.close()

    app = FastAPI(
        title="Parallax", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        description="One news event through every outlet that covered it. Read-only JSON API over the corpus "
                    "database; the story comparison is the parallax-v1 document of `parallax compare --json`.",
        openapi_tags=[{"name": "api", "description": "JSON endpoints"},
                      {"name": "pages", "description": "HTML pages for people"}],
    )
    app.state.corpus = corpus
    # the last added runs first: safety headers are added to cached responses too
    if response_cache:
        app.add_middleware(ResponseCache, corpus=corpus)
    app.add_middleware(SecurityHeaders)
    bearer = HTTPBearer(auto_error=False, description="the token the server was started with (--token)")

    async def get_corpus() -> Corpus:
        return corpus

    async def version() -> str:
        if corpus.is_postgres:
            return await run_in_threadpool(corpus.version)
        return corpus.version()

    async def cached(key: tuple, build) -> Any:
        full = (*key, await version())
        hit = corpus.pages.get(full, _MISS)
        if hit is not _MISS:
            return hit
        return await run_in_threadpool(corpus.pages.get_or_compute, full, build)

    def not_found(what: str) -> HTTPException:
        return HTTPException(status_code=404, detail=f"no such {what}")

    # ---- errors: JSON for the API, a page for people ----

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(("/api/", "/openapi"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if wants_html(request):
            body = render("error.html", status=exc.status_code, message=str(exc.detail), page="error")
            return HTMLResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'path', 'body'))}: "
                    f"{e.get('msg')}" for e in exc.errors()]
        if wants_html(request):
            body = render("error.html", status=400, message="; ".join(problems), page="error")
            return HTMLResponse(body, status_code=400)
        return JSONResponse({"detail": json.loads(json.dumps(exc.errors(), default=str))}, status_code=422)

    # ---- static files (CSS and JS; no third-party assets) ----

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str):
        if name in STATIC:
            text = _web_asset(name)
            return Response(text, media_type=STATIC[name] + "; charset=utf-8",
                            headers={"cache-control": "public, max-age=3600"})
        if name in REPORT_STATIC:
            from parallax.render.html import report_asset
            return Response(report_asset(name), media_type=REPORT_STATIC[name] + "; charset=utf-8",
                            headers={"cache-control": "public, max-age=3600"})
        raise not_found("file")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        return Response(status_code=204)

    # ==== API ===============================================================================================

    @app.get("/api/health", tags=["api"], response_model=schemas.Health, summary="Server and database status")
    def api_health(c: Corpus = Depends(get_corpus)):
        stats = c.store().stats()
        return {"status": "ok", "database": c.location, "articles": stats["articles"], "stories": stats["stories"],
                "ingest": c.token is not None}

    def stories_data(c: Corpus, sq: StoryQuery) -> dict:
        rows, total = list_stories(c.store().db, sq.filters(c), min_articles=sq.min_articles,
                                   min_outlets=sq.min_outlets, limit=sq.per_page,
                                   offset=(sq.page - 1) * sq.per_page)
        return {"stories": [_story_item(r) for r in rows], "page": sq.page, "per_page": sq.per_page,
                "total": total, "pages": _pages(total, sq.per_page), "rows": rows}

    @app.get("/api/stories", tags=["api"], response_model=schemas.StoryList, summary="Stories, latest first")
    async def api_stories(sq: StoryQuery = Depends(StoryParams)):
        def build():
            data = dict(stories_data(corpus, sq))
            data.pop("rows")
            return json.dumps(data, ensure_ascii=False).encode("utf-8")
        return Response(await cached(("api-stories", sq.key()), build), media_type="application/json")

    @app.get("/api/stories/{story_id}", tags=["api"], response_model=schemas.StoryDetail,
             summary="One story: its outlets and articles", responses={404: {"description": "no such story"}})
    def api_story(story_id: Annotated[str, Path(max_length=200)], c: Corpus = Depends(get_corpus)):
        rows, _ = list_stories(c.store().db, Filters(story=story_id), limit=1)
        if not rows:
            raise not_found("story")
        articles, _ = list_articles(c.store().db, Filters(story=story_id), limit=100_000)
        item = _story_item(rows[0])
        articles.sort(key=lambda a: (a.published_ts is None, a.published_ts or 0, a.pk))
        return {"id": item["id"], "title": item["title"], "first": item["first"], "last": item["last"],
                "outlets": item["outlets"], "articles": [_article_item(a) for a in articles],
                "comparison": item["comparison"]}

    @app.get("/api/stories/{story_id}/comparison", tags=["api"], summary="The story compared fact by fact",
             description="Exactly the JSON v1 document of `parallax compare --json` (schema: "
                         "parallax-v1.schema.json), computed once and cached until an article of the story "
                         "changes, joins or leaves it, or the analyzer version changes.",
             responses={200: {"content": {"application/json": {"schema": {"$ref": V1_REF}}},
                              "description": "the parallax-v1 document"},
                        304: {"description": "not modified (If-None-Match)"},
                        404: {"description": "no such story"}})
    async def api_comparison(story_id: Annotated[str, Path(max_length=200)], request: Request):
        bundle = await story_bundle(story_id)
        if request.headers.get("if-none-match") == bundle.etag:
            return Response(status_code=304, headers={"etag": bundle.etag})
        return Response(bundle.json_bytes, media_type="application/json", headers={"etag": bundle.etag})

    @app.get("/api/articles", tags=["api"], response_model=schemas.ArticleList, summary="Articles, latest first")
    def api_articles(aq: ArticleQuery = Depends(ArticleParams), c: Corpus = Depends(get_corpus)):
        rows, total = list_articles(c.store().db, aq.filters(c), limit=aq.per_page, offset=(aq.page - 1) * aq.per_page)
        return {"articles": [_article_item(a) for a in rows], "page": aq.page, "per_page": aq.per_page,
                "total": total, "pages": _pages(total, aq.per_page)}

    @app.get("/api/articles/{article_id}", tags=["api"], response_model=schemas.ArticleDetail,
             summary="One article with its text and analysis", responses={404: {"description": "no such article"}})
    def api_article(article_id: Annotated[int, Path(ge=1, le=2**63 - 1)], c: Corpus = Depends(get_corpus)):
        store = c.store()
        found = store.get_articles([article_id])
        if not found:
            raise not_found("article")
        return _article_detail(store, found[0])

    @app.post("/api/articles", tags=["api"], response_model=schemas.IngestResponse,
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
    async def api_ingest(request: Request,
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

    @app.get("/api/outlets", tags=["api"], response_model=schemas.OutletList, summary="Every outlet with its counts")
    async def api_outlets():
        from parallax.web.profiles import list_outlets
        data = await cached(("outlets",), lambda: list_outlets(corpus.store()))
        return {"outlets": data}

    @app.get("/api/outlets/{name:path}", tags=["api"], response_model=schemas.OutletProfile,
             summary="An outlet's profile", responses={404: {"description": "no such outlet"}})
    async def api_outlet(name: Annotated[str, Path(max_length=300)], pq: ProfileQuery = Depends(ProfileParams)):
        return await profile_of(name, pq)

    @app.get("/api/search", tags=["api"], response_model=schemas.SearchResult,
             summary="Who said it, which outlets said it: quotes and articles containing the words")
    async def api_search(sq: SearchQuery = Depends(SearchParams)):
        result = await cached(("search", sq.key()), lambda: _search(corpus, sq))
        return _search_json(sq, result)

    # ---- shared loaders ----

    async def story_bundle(story_id: str) -> StoryBundle:
        key = corpus.keys.get((story_id, await version()))
        bundle = corpus.stories.get(key) if key is not None else None
        if bundle is None:
            bundle = await run_in_threadpool(corpus.story_bundle, story_id)
        if bundle is None:
            raise not_found("story")
        return bundle

    async def profile_of(name: str, pq: ProfileQuery) -> dict:
        if name not in await run_in_threadpool(corpus.outlet_names):
            raise not_found("outlet")
        from parallax.web.profiles import outlet_profile
        return await cached(("profile", name, pq.since, pq.until),
                            lambda: outlet_profile(corpus.store(), name, since=_day_start(pq.since),
                                                   until=_day_end(pq.until)))

    # ==== pages =============================================================================================

    def page(name: str, **context: Any) -> bytes:
        return render(name, **context).encode("utf-8")

    @app.get("/", include_in_schema=False)
    async def home():
        return RedirectResponse("/stories", status_code=307)

    @app.get("/stories", tags=["pages"], response_class=HTMLResponse, summary="Stories page")
    async def stories_page(sq: StoryQuery = Depends(StoryParams)):
        def build():
            data = stories_data(corpus, sq)
            return page("stories.html", page="stories", sq=sq, data=data, outlets=corpus.outlet_names())
        return Response(await cached(("stories-page", sq.key()), build), media_type=HTML)

    @app.get("/stories/{story_id}", tags=["pages"], response_class=HTMLResponse, summary="Story page",
             responses={404: {"description": "no such story"}})
    async def story_page(story_id: Annotated[str, Path(max_length=200)], request: Request):
        bundle = await story_bundle(story_id)
        if request.headers.get("if-none-match") == bundle.etag:
            return Response(status_code=304, headers={"etag": bundle.etag})
        body = bundle.extra.get("page")
        if body is None:
            body = await run_in_threadpool(_story_page, bundle)
        return Response(body, media_type=HTML, headers={"etag": bundle.etag})

    @app.get("/stories/{story_id}/report.html", tags=["pages"], response_class=HTMLResponse,
             summary="The story as one self-contained HTML report file")
    async def story_report(story_id: Annotated[str, Path(max_length=200)]):
        bundle = await story_bundle(story_id)

        def build():
            from parallax.render.html import render_html
            with bundle.lock:
                if "report" not in bundle.extra:
                    bundle.extra["report"] = render_html(bundle.doc).encode("utf-8")
            return bundle.extra["report"]
        body = bundle.extra.get("report") or await run_in_threadpool(build)
        return Response(body, media_type=HTML, headers={
            "content-disposition": f'attachment; filename="parallax-{quote(bundle.story_id, safe="")}.html"'})

    @app.get("/articles/{article_id}", tags=["pages"], response_class=HTMLResponse, summary="Article page",
             responses={404: {"description": "no such article"}})
    async def article_page(article_id: Annotated[int, Path(ge=1, le=2**63 - 1)]):
        found = await run_in_threadpool(corpus.article_bundle, article_id)
        if found is None:
            raise not_found("article")
        article, bundle = found
        key = ("article-page", article.pk, article.revision)
        body = bundle.extra.get(key)
        if body is None:
            body = await run_in_threadpool(_article_page, corpus, bundle, article, key)
        return Response(body, media_type=HTML)

    @app.get("/outlets", tags=["pages"], response_class=HTMLResponse, summary="Outlets page")
    async def outlets_page():
        from parallax.web.profiles import list_outlets

        def build():
            return page("outlets.html", page="outlets", outlets=list_outlets(corpus.store()))
        return Response(await cached(("outlets-page",), build), media_type=HTML)

    @app.get("/outlets/compare", tags=["pages"], response_class=HTMLResponse,
             summary="Two outlet profiles side by side")
    async def outlets_compare(a: Annotated[str, Query(max_length=300)], b: Annotated[str, Query(max_length=300)],
                              pq: ProfileQuery = Depends(ProfileParams)):
        left, right = await profile_of(a, pq), await profile_of(b, pq)

        def build():
            return page("compare.html", page="outlets", a=left, b=right, rows=_compare_terms(left, right),
                        kinds=_compare_kinds(left, right), pq=pq,
                        loaded=_compare_maps(_loaded_rates(left), _loaded_rates(right)),
                        omitted=_compare_maps(_omission_counts(left), _omission_counts(right)))
        return Response(await cached(("compare-page", a, b, pq.since, pq.until), build), media_type=HTML)

    @app.get("/outlets/{name:path}", tags=["pages"], response_class=HTMLResponse, summary="Outlet page",
             responses={404: {"description": "no such outlet"}})
    async def outlet_page(name: Annotated[str, Path(max_length=300)], pq: ProfileQuery = Depends(ProfileParams)):
        profile = await profile_of(name, pq)

        def build():
            return page("outlet.html", page="outlets", p=profile, plots=_profile_plots(profile), pq=pq,
                        others=[o for o in corpus.outlet_names() if o != name])
        return Response(await cached(("outlet-page", name, pq.since, pq.until), build), media_type=HTML)

    @app.get("/search", tags=["pages"], response_class=HTMLResponse, summary="Search page")
    async def search_page(sq: SearchQuery = Depends(SearchParams)):
        def build():
            result = corpus.pages.get_or_compute(("search", sq.key(), corpus.version()), lambda: _search(corpus, sq))
            return page("search.html", page="search", sq=sq, r=result, outlets=corpus.outlet_names(),
                        pages=_pages(result["total"], sq.per_page))
        return Response(await cached(("search-page", sq.key()), build), media_type=HTML)

    @app.get("/docs", include_in_schema=False)
    async def docs_page():
        body = render("docs.html", page="docs", api=app.openapi(), ingest=corpus.token is not None)
        return HTMLResponse(body)

    def openapi_with_v1():
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                             tags=app.openapi_tags)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(_v1_components())
        for model in (schemas.IngestRequest, schemas.IngestArticle):
            spec = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in spec.pop("$defs", {}).items():
                components.setdefault(name, sub)
            components[model.__name__] = spec
        app.openapi_schema = schema
        return schema

    app.openapi = openapi_with_v1
    return app


def check_token(corpus: Corpus, credentials: HTTPAuthorizationCredentials | None) -> None:
    if corpus.token is None:
        raise HTTPException(status_code=403, detail="ingest is disabled: the server was started without --token")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode("utf-8"), corpus.token.encode("utf-8")):
        raise HTTPException(status_code=401, detail="missing or wrong token",
                            headers={"WWW-Authenticate": "Bearer"})


# ---- data for responses --------------------------------------------------------------------------------

def _story_item(row) -> dict:
    return {"id": row.id, "title": row.title, "articles": row.articles,
            "outlets": [{"outlet": o, "articles": n} for o, n in row.outlets],
            "first": row.first, "last": row.last, "url": _path("stories", row.id),
            "comparison": _path("api", "stories", row.id) + "/comparison"}


def _article_item(row) -> dict:
    return {"id": row.pk, "ext_id": row.ext_id, "outlet": row.outlet, "title": row.title,
            "published": row.published or iso_utc(row.published_ts), "url": row.url, "story": row.story_id,
            "revision": row.revision, "chars": int(row.chars or 0)}


def _article_detail(store, article) -> dict:
    from parallax.store.search import speaker_name

    item = {"id": article.pk, "ext_id": article.ext_id, "outlet": article.outlet, "title": article.title,
            "published": article.published or iso_utc(article.published_ts), "url": article.url,
            "story": article.story_id, "revision": article.revision, "chars": len(article.text),
            "text": article.text, "reprint_of": article.reprint_of, "analysis": None}
    found = store.raw_analyses([article.pk]).get(article.pk)
    if found is not None and found[1] == article.revision:
        version, _, data = found
        mentions = data.get("mentions") or []
        item["analysis"] = {
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
    return item


def _search(corpus: Corpus, sq: SearchQuery) -> dict:
    from parallax.store.search import search
    return search(corpus.store(), sq.filters(corpus), sq.q, sq.speaker, limit=sq.per_page,
                  offset=(sq.page - 1) * sq.per_page)


def _search_json(sq: SearchQuery, r: dict) -> dict:
    return {
        "q": sq.q, "speaker": sq.speaker, "page": sq.page, "per_page": sq.per_page, "total": r["total"],
        "pages": _pages(r["total"], sq.per_page),
        "quotes": [q.as_dict() for q in r["quotes"]],
        "speakers": [{"name": n, "count": c} for n, c in r["speakers"]],
        "quote_outlets": [{"name": n, "count": c} for n, c in r["quote_outlets"]],
        "outlets": r["outlets"],
        "articles": [{**_article_item(row), "snippet": "".join(text for text, _ in segs)}
                     for row, segs in r["articles"]],
    }


@lru_cache(maxsize=1)
def _v1_components() -> dict:
    """The parallax-v1 JSON Schema as OpenAPI components: its `$defs` hoisted next to it, refs rewritten."""
    from parallax.render.jsonout import load_schema

    prefix = "ParallaxV1_"

    def rewrite(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                    out[k] = "#/components/schemas/" + prefix + v[len("#/$defs/"):]
                elif k in ("$schema", "$id"):
                    continue
                else:
                    out[k] = rewrite(v)
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    schema = json.loads(json.dumps(load_schema()))
    defs = schema.pop("$defs", {})
    out = {prefix + name: rewrite(sub) for name, sub in defs.items()}
    out["ParallaxDocumentV1"] = rewrite(schema)
    return out


@lru_cache(maxsize=None)
def _web_asset(name: str) -> str:
    return read_text(f"web/static/{name}")


# ---- page builders (run in worker threads) -------------------------------------------------------------

def _story_page(bundle: StoryBundle) -> bytes:
    from parallax.render.html import render_legend, render_story

    with bundle.lock:
        if "page" not in bundle.extra:
            story = bundle.story
            claims = story.get("claims", [])
            counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
            position = {a["id"]: j for j, a in enumerate(story["articles"])}
            stamps = [a["published_ts"] for a in bundle.articles if a["published_ts"] is not None]
            first, last = (iso_utc(min(stamps)), iso_utc(max(stamps))) if stamps else (None, None)
            bundle.extra["page"] = render(
                "story.html", page="story", b=bundle, story=story, counts=counts, position=position,
                first=first, last=last,
                legend=Markup(render_legend()), section=Markup(render_story(story, 0)),
                timeline=Markup(bundle.timeline_svg or ""),
            ).encode("utf-8")
        return bundle.extra["page"]


def _only_article(story: dict, article_id: str) -> dict:
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


def _article_page(corpus: Corpus, bundle: StoryBundle, article, key) -> bytes:
    from parallax.render.html import article_anchors, render_article_text, render_legend

    with bundle.lock:
        if key in bundle.extra:
            return bundle.extra[key]
        item = next(a for a in bundle.articles if a["pk"] == article.pk)
        story = bundle.story
        own = _only_article(story, item["id"])
        outlet_of = {a["id"]: a["outlet"] for a in bundle.articles}
        pk_of = {a["id"]: a["pk"] for a in bundle.articles}
        doc_article = own["articles"][0]
        body = render(
            "article.html", page="article", a=article, item=item, b=bundle, story=own,
            doc_article=doc_article, in_story=not bundle.story_id.startswith("article-"),
            text=Markup(render_article_text(own, item["id"], 0)), legend=Markup(render_legend()),
            anchors=article_anchors(own, item["id"], 0), outlet_of=outlet_of, pk_of=pk_of,
        ).encode("utf-8")
        bundle.extra[key] = body
        return body


def _profile_plots(p: dict) -> dict[str, Markup]:
    from parallax.render import plots

    out: dict[str, Markup] = {}
    by_day = p.get("by_day") or {}
    if by_day:
        days = sorted(by_day)
        out["days"] = Markup(plots.daily_counts([dt.date.fromisoformat(d) for d in days], [by_day[d] for d in days],
                                                "Articles per day") or "")
    terms = p.get("contested_terms") or []
    if terms:
        # by week when the months are too few to show a change
        months = sorted({m for t in terms for m in t.get("by_month", {})})
        weekly = len(months) < 3 and any(t.get("by_week") for t in terms)
        key, unit = ("by_week", "week") if weekly else ("by_month", "month")
        periods = sorted({m for t in terms for m in t.get(key, {})})
        series: dict[str, list[int]] = {}
        for t in terms[:8]:
            name = f"{t['term']}" + (f" [{t['label']}]" if t.get("label") else "")
            series[name] = [int(t.get(key, {}).get(m, 0)) for m in periods]
        out["terms"] = Markup(plots.stacked_bars(periods, series, f"Contested terms by {unit}", "uses") or "")
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


def _compare_terms(a: dict, b: dict) -> list[dict]:
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


def _compare_maps(fa: dict, fb: dict) -> list[tuple[str, Any, Any]]:
    """Rows (name, value in a, value in b) of two {name: number} mappings, largest first."""
    names = sorted(set(fa) | set(fb), key=lambda k: -((fa.get(k) or 0) + (fb.get(k) or 0)))
    return [(k, fa.get(k, 0), fb.get(k, 0)) for k in names]


def _loaded_rates(p: dict) -> dict:
    return dict(((p.get("loaded") or {}).get("per_1000_words")) or {})


def _omission_counts(p: dict) -> dict:
    return {o.get("kind", "?"): o.get("count", 0) for o in p.get("omissions") or []}


def _compare_kinds(a: dict, b: dict) -> list[tuple[str, int, int, float, float]]:
    ka = (a.get("sources") or {}).get("kinds") or {}
    kb = (b.get("sources") or {}).get("kinds") or {}
    ta, tb = sum(ka.values()) or 1, sum(kb.values()) or 1
    kinds = sorted(set(ka) | set(kb), key=lambda k: -(ka.get(k, 0) / ta + kb.get(k, 0) / tb))
    return [(k, ka.get(k, 0), kb.get(k, 0), ka.get(k, 0) / ta, kb.get(k, 0) / tb) for k in kinds]
