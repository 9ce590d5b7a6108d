"""`parallax serve`: run the web app and JSON API on a corpus database."""
from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress
import os
import sys

from parallax.cli.common import DB_HELP

ENV_TOKEN = "PARALLAX_TOKEN"
ENV_SERVE_DB = "PARALLAX_SERVE_DB"
MIN_TOKEN_CHARS = 16
GRACEFUL_SHUTDOWN_S = 10      # then requests still running (a long first comparison) are cut
MALLOC_ARENAS = 2             # glibc malloc arenas for the server process (see limit_malloc_arenas)
M_ARENA_MAX = -8              # mallopt parameter number, from glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas before the server starts its threads. glibc gives each new thread an arena of
    its own (up to 8 per core); the thread pool's 40 threads then spread the short-lived objects of every write
    over many arenas that are never handed back, and the server's memory grew by ~3 MB a write in the soak
    (benchmarks/RELIABILITY.md). With 2 arenas it stays flat, and the soak's latency is unchanged. A user's own
    MALLOC_ARENA_MAX wins; not glibc (musl, macOS): nothing to do. True when the cap was set."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="browse stories, comparisons, outlets and search in a web browser; JSON API",
        description="Serve the web app and the JSON API (OpenAPI at /openapi.json, documentation at /docs) over "
                    "the corpus database. Read-only unless a token is given: then POST /api/articles accepts "
                    "articles sent with 'Authorization: Bearer TOKEN'.")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--token", metavar="TOKEN",
                   help=f"enable ingest over HTTP with this token (or set ${ENV_TOKEN}, which keeps it out of the "
                        "process list)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes (default 1; each keeps its own comparison cache)")
    p.add_argument("--cache-size", type=int, default=64, metavar="N",
                   help="story comparisons kept in memory per process (default 64)")
    p.add_argument("--no-response-cache", action="store_true",
                   help="render every request (comparisons stay cached); for measuring, not for use")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run_serve)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args) -> int:
    try:
        import uvicorn
    except ImportError:
        print("parallax serve: uvicorn is missing; reinstall Parallax (pip install -e .)", file=sys.stderr)
        return 2
    # lazy: the web service pulls in fastapi, jinja2 and the analysis stack (~0.8 s); `parallax --help` must not
    from parallax.store.db import resolve_db  # lazy: see above
    from parallax.web.service import Corpus, NoDatabase  # lazy: see above

    limit_malloc_arenas()
    token = args.token or os.environ.get(ENV_TOKEN) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        print(f"parallax serve: the token must have at least {MIN_TOKEN_CHARS} characters", file=sys.stderr)
        return 2
    target = resolve_db(args.db)
    try:
        corpus = Corpus(target, cache_size=args.cache_size, token=token)
    except NoDatabase as exc:
        print(f"parallax serve: {exc}", file=sys.stderr)
        return 1
    if token is not None and not _is_loopback(args.host):
        print("parallax serve: warning: ingest is enabled on a non-loopback address; put the server behind "
              "HTTPS so the token is not sent in clear text", file=sys.stderr)
    print(f"parallax: serving {corpus.location} on http://{args.host}:{args.port}/ "
          f"({'ingest enabled' if token else 'read-only'})", file=sys.stderr)
    if args.workers > 1:
        corpus.close()
        os.environ[ENV_SERVE_DB] = target
        if token:
            os.environ[ENV_TOKEN] = token
        os.environ["PARALLAX_SERVE_CACHE"] = str(args.cache_size)
        os.environ["PARALLAX_SERVE_RESPONSE_CACHE"] = "0" if args.no_response_cache else "1"
        uvicorn.run("parallax.cli.serve:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, access_log=args.log_level == "debug",
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
        return 0
    from parallax.web.app import create_app  # lazy: fastapi and the analysis stack, only when serving
    uvicorn.run(create_app(corpus=corpus, response_cache=not args.no_response_cache), host=args.host,
                port=args.port, log_level=args.log_level, access_log=args.log_level == "debug",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    return 0


def app_from_env():
    """The app for a worker process started by `parallax serve --workers N`."""
    limit_malloc_arenas()
    from parallax.web.app import create_app  # lazy: fastapi and the analysis stack, only in a server worker
    return create_app(os.environ.get(ENV_SERVE_DB), token=os.environ.get(ENV_TOKEN) or None,
                      cache_size=int(os.environ.get("PARALLAX_SERVE_CACHE", "64")),
                      response_cache=os.environ.get("PARALLAX_SERVE_RESPONSE_CACHE", "1") != "0")
