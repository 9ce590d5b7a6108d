"""A bounded LRU cache that computes each missing value once, however many requests ask for it at once."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from starlette.concurrency import run_in_threadpool


class LRUCache:
    def __init__(self, size: int):
        self.size = max(1, int(size))
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self._version: Hashable = None

    def note_version(self, version: Hashable) -> None:
        """Entries keyed (…, corpus version) can never be asked for again once the corpus has changed: drop
        them when a newer version is first seen, so the cache holds the current version's entries and does not
        fill with dead ones (a soak showed it: one dead page per write until the size bound)."""
        if version == self._version:
            return
        with self._lock:
            self._version = version
            for key in [k for k in self._items if isinstance(k, tuple) and k and k[-1] != version]:
                del self._items[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        return default

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value, or `compute()` stored under `key`. Concurrent callers of one missing key wait
        for the first one's result instead of computing it again; an exception is not cached."""
        marker = object()
        value = self.get(key, marker)
        if value is not marker:
            return value
        with self._lock:
            gate = self._pending.setdefault(key, threading.Lock())
        with gate:
            value = self.get(key, marker)
            if value is not marker:
                return value
            with self._lock:
                self.misses += 1
            try:
                value = compute()
                self.put(key, value)
                return value
            finally:
                with self._lock:
                    self._pending.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


async def corpus_version(corpus) -> str:
    """The corpus version without blocking the event loop: PostgreSQL may query for it, so it is read in a
    worker thread there; SQLite's (a pragma on an open connection) is cheaper read inline than the hop."""
    if getattr(corpus, "is_postgres", False):
        return await run_in_threadpool(corpus.version)
    return corpus.version()


class ResponseCache:
    """ASGI middleware: whole GET responses (status 200) kept in memory under (path, query, corpus version).

    Every page and API answer is a function of the URL and the database, so a response stays right until the
    database changes; the corpus version (a file stamp for SQLite) changes with it. A hit skips routing,
    parameter validation and rendering. Conditional requests (If-None-Match) go to the app, which answers
    them with its ETags. Bounded by bytes; a response over `max_item` bytes is not kept.
    """

    def __init__(self, app, corpus, *, max_bytes: int = 64 * 1024 * 1024, max_item: int = 4 * 1024 * 1024):
        self.app = app
        self.corpus = corpus
        self.max_bytes = max_bytes
        self.max_item = max_item
        self._items: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self._version: str | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or \
                any(k == b"if-none-match" for k, _ in scope.get("headers") or []):
            await self.app(scope, receive, send)
            return
        # the language and time zone (i18n.LocaleMiddleware) are part of the page
        version = await corpus_version(self.corpus)
        key = (scope["path"], scope.get("query_string", b""), scope.get("parallax.locale"), version)
        if version != self._version:
            self._drop_other_versions(version)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                self.hits += 1
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict = {}
        chunks: list[bytes] = []
        size = 0

        async def capture(message):
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= self.max_item:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            await send(message)

        await self.app(scope, receive, capture)
        if start.get("status") != 200 or size > self.max_item:
            return
        headers = list(start.get("headers") or [])
        if any(k.lower() == b"set-cookie" or (k.lower() == b"cache-control" and b"no-store" in v)
               for k, v in headers):
            return
        self._store(key, (200, headers, b"".join(chunks)))

    def _store(self, key: tuple, value: tuple[int, list, bytes]) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._items[key] = value
            self._bytes += len(value[2])
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped[2])

    def _drop_other_versions(self, version: str) -> None:
        """The responses of an older corpus can never be served again: free them now, not when the byte bound
        pushes them out (up to max_bytes of dead responses otherwise)."""
        with self._lock:
            self._version = version
            for key in [k for k in self._items if k[-1] != version]:
                self._bytes -= len(self._items.pop(key)[2])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
