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
the server was started with (compared in constant time). guard.py adds the safety headers to every
response, caps request bodies at MAX_BODY_BYTES and rate-limits writes without the token per client address.
"""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from functools import lru_cache, partial

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from parallax import __version__
from parallax.render.jsonout import load_schema
from parallax.web import schemas
from parallax.web.cache import ResponseCache
from parallax.web.guard import CSP, MAX_BODY_BYTES, WRITE_BURST, WRITE_RATE, Guard
from parallax.web.i18n import LocaleMiddleware
from parallax.web.routes import api, pages
from parallax.web.service import Corpus
from parallax.web.views import render

__all__ = ["CSP", "MAX_BODY_BYTES", "create_app", "openapi_with_v1"]

DESCRIPTION = ("One news event through every outlet that covered it. Read-only JSON API over the corpus database; "
               "the story comparison is the parallax-v1 document of `parallax compare --json`.")
TAGS = [{"name": "api", "description": "JSON endpoints"}, {"name": "pages", "description": "HTML pages for people"}]


def create_app(db: str | None = None, *, token: str | None = None, cache_size: int = 64,
               corpus: Corpus | None = None, response_cache: bool = True,
               write_limit: tuple[float, int] | None = (WRITE_RATE, WRITE_BURST)) -> FastAPI:
    """The app over the database `db` (or over `corpus`, which it then closes when it stops); with a token,
    POST /api/articles accepts articles sent with it. `write_limit`: (requests a second, burst) per client
    address for writes without the token (guard.py), None for no limit."""
    corpus = corpus or Corpus(db, cache_size=cache_size, token=token)
    if token is not None:
        corpus.token = token or None
    app = FastAPI(title="Parallax", version=__version__, lifespan=_lifespan, docs_url=None, redoc_url=None,
                  description=DESCRIPTION, openapi_tags=TAGS)
    app.state.corpus = corpus
    # the last added runs first: safety headers are added to cached responses too
    if response_cache:
        app.add_middleware(ResponseCache, corpus=corpus)
    app.add_middleware(Guard, write_limit=write_limit, corpus=corpus)
    # outermost: the language and time zone of the request are known to everything inside
    app.add_middleware(LocaleMiddleware)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.openapi = partial(openapi_with_v1, app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    app.state.corpus.close()


# ---- errors: JSON for the API, a page for people ----

def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/openapi"))


async def _http_error(request: Request, exc: StarletteHTTPException):
    if _wants_html(request):
        body = render("error.html", status=exc.status_code, message=str(exc.detail), page="error")
        return HTMLResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _bad_request(request: Request, exc: RequestValidationError):
    problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'path', 'body'))}: "
                f"{e.get('msg')}" for e in exc.errors()]
    if _wants_html(request):
        body = render("error.html", status=400, message="; ".join(problems), page="error")
        return HTMLResponse(body, status_code=400)
    return JSONResponse({"detail": json.loads(json.dumps(exc.errors(), default=str))}, status_code=422)


# ---- the OpenAPI document, with the parallax-v1 schema and the ingest request body ----

def openapi_with_v1(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
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


@lru_cache(maxsize=1)
def _v1_components() -> dict:
    """The parallax-v1 JSON Schema as OpenAPI components: its `$defs` hoisted next to it, refs rewritten."""
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
