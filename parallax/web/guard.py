"""What every request passes first (issue 16): safety headers on every response, a cap on request bodies
and a rate limit on the write API.

* Headers: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` and a
  Content-Security-Policy on every response (pages: scripts and styles only from this server; anything else:
  nothing at all); also on the 413 and 429 answers made here and on error pages.
* Bodies: over MAX_BODY_BYTES (20 MB) is refused with 413, by its Content-Length before a byte is read, or,
  for a chunked body, as soon as the bytes read pass the cap (the rest is never read).
* Writes (POST, PUT, PATCH, DELETE under /api/) that do not carry the server's token (none, a wrong one, or
  ingest disabled): a token bucket per client address, WRITE_RATE requests a second with bursts of
  WRITE_BURST; past it 429 with Retry-After (whole seconds), before the body is read. That bounds token
  guessing and unauthenticated load. Writes with the right token (the operator's own loaders, which may send
  many batches at once) and reads are never limited.
"""
from __future__ import annotations

import hmac
import math
import threading
import time

from fastapi.responses import JSONResponse

MAX_BODY_BYTES = 20 * 1024 * 1024
WRITE_RATE = 10.0         # requests a second, per client address, refilled continuously
WRITE_BURST = 20          # requests a client may send at once before WRITE_RATE applies
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_CLIENTS = 10_000      # buckets kept; full ones are dropped first (a full bucket is the default anyway)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
CSP_NOT_HTML = "default-src 'none'; frame-ancestors 'none'"
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]


class BodyTooLarge(Exception):
    pass


class TokenBuckets:
    """One token bucket per key: `take(key)` is 0.0 when a request may go, else the seconds to wait."""

    def __init__(self, rate: float = WRITE_RATE, burst: int = WRITE_BURST, clock=time.monotonic):
        self.rate, self.burst, self.clock = float(rate), float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}       # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._forget(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget(self, now: float) -> None:
        if len(self._buckets) <= MAX_CLIENTS:
            return
        refill = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


class Guard:
    """ASGI middleware: the safety headers, the body cap and the write rate limit (see the module doc).
    `write_limit=None` turns the rate limit off."""

    def __init__(self, app, write_limit: tuple[float, int] | None = (WRITE_RATE, WRITE_BURST),
                 max_body: int = MAX_BODY_BYTES, corpus=None):
        self.app = app
        self.corpus = corpus
        self.max_body = max_body
        self.buckets = TokenBuckets(*write_limit) if write_limit else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers") or [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                csp = CSP if content_type.startswith(b"text/html") else CSP_NOT_HTML
                headers += [*HEADERS, (b"content-security-policy", csp.encode())]
                message = {**message, "headers": headers}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        received = 0

        async def receive_capped():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receive_capped, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large()(scope, receive, send_with_headers)

    def _too_large(self) -> JSONResponse:
        return JSONResponse({"detail": f"request body over {self.max_body} bytes"}, status_code=413,
                            headers={"connection": "close"})

    def _refusal(self, scope) -> JSONResponse | None:
        """The answer to a request refused before it runs (too many writes, a declared body too large)."""
        headers = dict(scope.get("headers") or [])
        if self.buckets is not None and scope.get("method") in WRITE_METHODS \
                and scope.get("path", "").startswith("/api/") and not self._has_token(headers):
            client = scope.get("client")
            wait = self.buckets.take(str(client[0]) if client else "")
            if wait > 0:
                return JSONResponse({"detail": "too many write requests; retry later"}, status_code=429,
                                    headers={"retry-after": str(max(1, math.ceil(wait)))})
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return self._too_large()
        return None

    def _has_token(self, headers: dict) -> bool:
        """Whether the request carries `Authorization: Bearer <the server's token>` (compared in constant time)."""
        token = getattr(self.corpus, "token", None)
        if not token:
            return False
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "replace"),
                                                                 token.encode("utf-8"))
