"""Store fixtures shared by the store and pipeline tests (imported by name where used): every store test runs
on SQLite, and on PostgreSQL when PARALLAX_TEST_PG is set (a URL such as the one printed by
scripts/start_postgres.sh). Each PostgreSQL test gets its own schema."""
from __future__ import annotations

import os
import uuid

import pytest

from corpus_fakes import FakeAnalyzer, FakeEncoder
from parallax.store import Store

PG_ENV = "PARALLAX_TEST_PG"


def _with_search_path(url: str, schema: str) -> str:
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.sqlite")
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set (run scripts/start_postgres.sh)")
    psycopg = pytest.importorskip("psycopg")
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_search_path(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(db_target):
    with Store(db_target) as s:
        yield s


@pytest.fixture
def fake_analyzer():
    return FakeAnalyzer()


@pytest.fixture
def fake_encoder():
    return FakeEncoder()
