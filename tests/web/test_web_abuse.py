"""The web app under abuse (issue 16, item 3): safety headers on every kind of response, the request body cap
(declared and chunked), the rate limit on writes without the token, and the token never in a log line."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from web_support import REPO, TOKEN, free_port

from parallax.web.guard import CSP, CSP_NOT_HTML, MAX_BODY_BYTES, WRITE_BURST, TokenBuckets

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = {"articles": [{"id": "abuse-1", "outlet": "Новое издание", "title": "Новость", "date": "2024-11-29",
                         "text": "В Омске открыли новый мост через Иртыш. Длина моста 800 метров."}]}


@pytest.fixture
def writer(db_copy):
    from fastapi.testclient import TestClient

    from parallax.web import create_app

    with TestClient(create_app(str(db_copy[0]), token=TOKEN)) as c:
        yield c


# ---- safety headers ----------------------------------------------------------------------------------

def _story_id(client) -> str:
    return client.get("/api/stories").json()["stories"][0]["id"]


# (what, method, path or a function of the client giving it, body, expected status, HTML?)
RESPONSES = [
    ("page", "GET", "/stories", None, 200, True),
    ("story page", "GET", lambda c: f"/stories/{_story_id(c)}", None, 200, True),
    ("search page", "GET", "/search?q=мост", None, 200, True),
    ("docs", "GET", "/docs", None, 200, True),
    ("JSON list", "GET", "/api/stories", None, 200, False),
    ("JSON comparison", "GET", lambda c: f"/api/stories/{_story_id(c)}/comparison", None, 200, False),
    ("OpenAPI", "GET", "/openapi.json", None, 200, False),
    ("static", "GET", "/static/app.css", None, 200, False),
    ("error page", "GET", "/stories/no-such-story", None, 404, True),
    ("bad query page", "GET", "/stories?page=zero", None, 400, True),
    ("JSON 404", "GET", "/api/stories/no-such-story", None, 404, False),
    ("JSON 422", "GET", "/api/stories?page=zero", None, 422, False),
    ("write without token", "POST", "/api/articles", b"{}", 401, False),
    ("write, bad body", "POST", "/api/articles", b"not json", 422, False),
]


@pytest.mark.parametrize("what,method,path,body,status,html", RESPONSES, ids=[r[0] for r in RESPONSES])
def test_every_response_carries_the_safety_headers(writer, what, method, path, body, status, html):
    path = path(writer) if callable(path) else path
    headers = AUTH if body == b"not json" else {}
    response = writer.request(method, path, content=body, headers=headers)
    assert response.status_code == status, response.text[:300]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert csp == (CSP if html else CSP_NOT_HTML)
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["content-type"].startswith("text/html") == html


def test_refusals_made_before_the_app_carry_the_headers_too(writer):
    too_big = writer.post("/api/articles", content=b"{}", headers={**AUTH, "Content-Length": str(MAX_BODY_BYTES + 1)})
    assert too_big.status_code == 413
    limited = next(r for r in (writer.post("/api/articles", content=b"{}") for _ in range(WRITE_BURST * 3))
                   if r.status_code == 429)
    for response in (too_big, limited):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == CSP_NOT_HTML


# ---- request body cap --------------------------------------------------------------------------------

@pytest.mark.parametrize("declared,status", [
    (MAX_BODY_BYTES + 1, 413), (10**12, 413), ("12abc", 413), ("-1", 413), (MAX_BODY_BYTES, 422), (8, 422)])
def test_declared_body_size(writer, declared, status):
    """The Content-Length alone decides; over the cap nothing is read (the body sent is 8 bytes)."""
    response = writer.post("/api/articles", content=b"not json", headers={**AUTH, "Content-Length": str(declared)})
    assert response.status_code == status


def _asgi_post(app, chunks: int, chunk_size: int, token: str = TOKEN):
    """POST /api/articles straight to the ASGI app as a chunked body (no Content-Length) of `chunks` pieces;
    returns (status, pieces the app read)."""
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read >= chunks:
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": b"[" * chunk_size, "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/articles", "raw_path": b"/api/articles", "query_string": b"analyze=false",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode()),
                         (b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]}
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    runner = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    runner.start()
    runner.join()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], read


def test_a_chunked_body_growing_past_the_cap_is_cut_off(db_copy):
    from parallax.web import create_app

    app = create_app(str(db_copy[0]), token=TOKEN)
    mb = 1024 * 1024
    limit_chunks = MAX_BODY_BYTES // mb
    status, read = _asgi_post(app, chunks=3 * limit_chunks, chunk_size=mb)
    assert status == 413
    assert read == limit_chunks + 1                  # stopped at the first piece past the cap, the rest unread
    status, read = _asgi_post(app, chunks=2, chunk_size=mb)
    assert status == 422 and read == 2               # under the cap: read whole, then refused as invalid JSON


# ---- rate limit on writes ----------------------------------------------------------------------------

# (events as (time, key), expected waits: 0 means the request goes)
BUCKETS = [
    ([(0.0, "a")] * 3, [0, 0, 1.0]),                                     # burst 2, rate 1/s
    ([(0.0, "a"), (0.0, "a"), (0.0, "b"), (0.0, "b")], [0, 0, 0, 0]),   # per key
    ([(0.0, "a"), (0.0, "a"), (0.5, "a"), (1.0, "a")], [0, 0, 0.5, 0]),  # refilled continuously
    ([(0.0, "a"), (0.0, "a"), (100.0, "a"), (100.0, "a"), (100.0, "a")], [0, 0, 0, 0, 1.0]),  # never over burst
]


@pytest.mark.parametrize("events,waits", BUCKETS)
def test_token_buckets(events, waits):
    now = [0.0]
    buckets = TokenBuckets(rate=1.0, burst=2, clock=lambda: now[0])
    got = []
    for when, key in events:
        now[0] = when
        got.append(round(buckets.take(key), 3))
    assert got == waits


@pytest.fixture
def slow_writer(db_copy):
    """A server whose bucket refills at 0.05 a second: the burst, not the timing of a loaded machine, decides."""
    from fastapi.testclient import TestClient

    from parallax.web import create_app

    with TestClient(create_app(str(db_copy[0]), token=TOKEN, write_limit=(0.05, WRITE_BURST))) as c:
        yield c


def test_writes_without_the_token_are_limited_reads_never(slow_writer):
    writer = slow_writer
    statuses, reads = [], []
    for _ in range(WRITE_BURST + 10):
        statuses.append(writer.post("/api/articles", json=ARTICLE, headers={"Authorization": "Bearer wrong"})
                        .status_code)
        reads.append(writer.get("/api/stories").status_code)
        reads.append(writer.get("/stories").status_code)
    assert statuses[:WRITE_BURST] == [401] * WRITE_BURST
    assert statuses[-5:] == [429] * 5
    assert set(statuses) == {401, 429}
    assert set(reads) == {200}
    limited = writer.post("/api/articles", json=ARTICLE)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    # the token holder is not limited, and the limit kept the refused writes from storing anything
    assert [writer.post("/api/articles", content=b"not json", headers=AUTH).status_code
            for _ in range(WRITE_BURST + 5)] == [422] * (WRITE_BURST + 5)
    assert writer.get("/api/articles", params={"outlet": "Новое издание"}).json()["total"] == 0


def test_the_default_limit_applies(writer):
    statuses = [writer.post("/api/articles", content=b"{}").status_code for _ in range(WRITE_BURST * 3)]
    assert statuses[:WRITE_BURST // 2] == [401] * (WRITE_BURST // 2) and 429 in statuses


def test_no_limit_when_turned_off(db_copy):
    from fastapi.testclient import TestClient

    from parallax.web import create_app

    with TestClient(create_app(str(db_copy[0]), token=TOKEN, write_limit=None)) as c:
        assert {c.post("/api/articles", content=b"{}").status_code for _ in range(WRITE_BURST * 2)} == {401}


# ---- the token is never logged -----------------------------------------------------------------------

def _request(url: str, data: bytes | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_token_never_appears_in_the_server_logs(db_copy, tmp_path):
    import json

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {**os.environ, "PARALLAX_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "parallax.cli.main", "serve", "--db", str(db_copy[0]),
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "debug"],
                                  cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _request(base + "/api/health") == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            body = json.dumps(ARTICLE).encode()
            json_type = {"Content-Type": "application/json"}
            assert _request(base + "/api/articles?analyze=false", body, {**AUTH, **json_type}) == 200
            assert _request(base + "/api/articles", body, {"Authorization": f"Bearer {TOKEN}x", **json_type}) == 401
            assert _request(base + "/api/articles", body, {"Authorization": TOKEN, **json_type}) == 401
            assert _request(base + "/api/articles", b"not json", {**AUTH, **json_type}) == 422
            big = {**AUTH, "Content-Length": str(MAX_BODY_BYTES + 1)}
            try:
                _request(base + "/api/articles", b"x", big)
            except OSError:
                pass                                                   # the server may close the connection
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /api/articles" in text and "Uvicorn running" in text      # debug and access logs were captured
    assert TOKEN not in text and TOKEN[:12] not in text
