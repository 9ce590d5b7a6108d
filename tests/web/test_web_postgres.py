"""The API on PostgreSQL (when PARALLAX_TEST_PG is set, e.g. by scripts/test.sh): same answers as on SQLite."""
from __future__ import annotations

import os
import uuid

import pytest
from web_corpus import BRIDGE, FLOOD, HOSTILE, build_corpus

PG_ENV = "PARALLAX_TEST_PG"


@pytest.fixture(scope="module")
def pg_client():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set (run scripts/start_postgres.sh)")
    psycopg = pytest.importorskip("psycopg")
    from fastapi.testclient import TestClient

    from parallax.web import create_app

    schema = "w_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    target = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    try:
        build_corpus(target)
        app = create_app(target)
        with TestClient(app) as client:
            yield client, app, target
        app.state.corpus.close()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_stories_and_filters(pg_client):
    client, _, _ = pg_client
    assert [s["id"] for s in client.get("/api/stories").json()["stories"]] == [BRIDGE, HOSTILE, FLOOD]
    assert [s["id"] for s in client.get("/api/stories", params={"q": "Травникова"}).json()["stories"]] == [BRIDGE]
    assert [s["id"] for s in client.get("/api/stories", params={"outlet": "сибири", "min_outlets": 2}
                                        ).json()["stories"]] == [BRIDGE, FLOOD]
    assert client.get("/api/articles", params={"q": "Томь"}).json()["total"] == 2


def test_comparison_pages_and_search(pg_client):
    from parallax.render.jsonout import check_offsets, validate_document

    client, _, _ = pg_client
    doc = client.get(f"/api/stories/{BRIDGE}/comparison").json()
    validate_document(doc)
    assert check_offsets(doc) == []
    for url in ("/stories", f"/stories/{BRIDGE}", "/articles/1", "/outlets", "/outlets/Обозреватель",
                "/search?q=мост"):
        assert client.get(url).status_code == 200, url
    data = client.get("/api/search", params={"q": "главной артерией"}).json()
    assert data["speakers"][0]["name"] == "Андрей Травников"


def test_writes_change_the_corpus_version(pg_client, monkeypatch):
    from parallax.store import Store
    client, app, target = pg_client
    corpus = app.state.corpus
    monkeypatch.setattr(corpus._stamp, "ttl", 0.0)      # re-read the stamp on every call
    before = corpus.version()
    first = client.get("/api/stories").json()["stories"][0]["title"]
    with Store(target) as store:
        store.assign_stories({1: BRIDGE}, {BRIDGE: "Другой заголовок"})
    assert corpus.version() != before
    assert client.get("/api/stories").json()["stories"][0]["title"] == "Другой заголовок" != first
