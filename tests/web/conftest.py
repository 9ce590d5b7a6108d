"""Web app fixtures: the test corpus (built once per session), the app, a live server for the browser."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from web_corpus import build_corpus  # noqa: E402
from web_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "corpus.sqlite"
    pks = build_corpus(path)
    return path, pks


@pytest.fixture
def db_copy(corpus_db, tmp_path):
    """A private copy of the test corpus, for tests that write to it."""
    path, pks = corpus_db
    target = tmp_path / "corpus.sqlite"
    shutil.copy(path, target)
    return target, pks


@pytest.fixture(scope="session")
def app(corpus_db):
    from parallax.web import create_app
    return create_app(str(corpus_db[0]))


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a browser Playwright downloads itself."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/install_browser.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
