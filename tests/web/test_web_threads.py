"""The thread pages (/threads, /threads/{id}) and the JSON API (/api/threads, /api/stories/{id}/digests) on a
small corpus whose clustering features are made by hand (no models): one thread of three stories over two
days covered by three outlets, a story of another matter, and a digest post listing the first story."""
from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np
import pytest

pytest.importorskip("fastapi")

from corpus_fakes import make_article  # noqa: E402
from parallax.store import Store  # noqa: E402
from parallax.store.threads import update_threads  # noqa: E402
from parallax.stories import StoryItem  # noqa: E402

T0 = dt.datetime(2024, 12, 3, 13, tzinfo=dt.timezone.utc)
KOREA = ["Южная Корея", "Юн Сок Ёль", "Национальное собрание"]
STEPS = [  # story, hours after T0, outlet, title
    ("s-declared", 0.5, "РИА Новости", "Президент Южной Кореи объявил военное положение"),
    ("s-declared", 0.7, "BBC News | Русская служба", "Юн Сок Ёль ввёл военное положение"),
    ("s-lifted", 2.0, "BBC News | Русская служба", "Парламент Южной Кореи проголосовал за отмену военного положения"),
    ("s-lifted", 2.5, "ТАСС", "Парламент Южной Кореи отменил военное положение"),
    ("s-motion", 26.0, "РИА Новости", "Оппозиция Южной Кореи внесла импичмент президенту <Юну>"),
]


def _vector(topic: str, seed: int) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(topic.encode())).standard_normal(32)
    v += 0.3 * np.random.default_rng(seed).standard_normal(32)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _add(store, n, story, hours, outlet, title, topic, names, digest=False, text=None):
    when = T0 + dt.timedelta(hours=hours)
    result = store.add_articles([make_article(f"a{n}", text or f"{title}. Подробности.", outlet,
                                              when=when.isoformat(), title=title)])[0]
    item = StoryItem(article_id=f"a{n}", time=when, embedding=_vector(topic, n), entities=frozenset(names),
                     title=title, outlet=outlet, digest=digest)
    store.save_features([(result.pk, item)], "test")
    store.assign_stories({result.pk: story}, {story: title})
    return result.pk


@pytest.fixture(scope="module")
def threads_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from parallax.web import create_app
    path = tmp_path_factory.mktemp("threads") / "corpus.sqlite"
    with Store(str(path)) as store:
        for n, (story, hours, outlet, title) in enumerate(STEPS):
            _add(store, n, story, hours, outlet, title, "korea", KOREA)
        _add(store, 10, "s-weather", 3, "Москва Live", "Снегопад в Москве", "weather", ["Москва"])
        digest_pk = _add(store, 11, "s-digest", 5, "BBC News | Русская служба", "Главное к вечеру вторника",
                         "digest", [], digest=True)
        update_threads(store)
        thread_id = store.db.scalar("SELECT thread_id FROM thread_stories WHERE story_id = 's-declared'")
        store.db.execute("INSERT INTO digest_items (article_pk, item, revision, text, story_id) VALUES "
                         "(?, 0, 1, 'Президент Южной Кореи объявил военное положение', 's-declared')", (digest_pk,))
    with TestClient(create_app(str(path))) as client:
        yield client, thread_id


def test_threads_page_lists_the_thread_with_its_steps(threads_client):
    client, thread_id = threads_client
    page = client.get("/threads")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    body = page.text
    assert f'href="/threads/{thread_id}"' in body
    assert body.count('href="/stories/s-') == 3                     # the weather story is a thread of one
    assert "Снегопад" not in body
    assert client.get("/threads?min_stories=1").text.count('class="story-card thread-card"') == 2
    assert client.get("/threads?since=2024-12-10").text.count("thread-card") == 0
    assert client.get("/threads?since=not-a-date").status_code in (400, 422)


def test_thread_page_shows_the_timeline_and_each_outlets_coverage(threads_client):
    client, thread_id = threads_client
    page = client.get(f"/threads/{thread_id}")
    assert page.status_code == 200
    body = page.text
    days = re.findall(r'<li class="thread-day"><h3>([\d-]+)</h3>', body)
    assert days == ["2024-12-03", "2024-12-04"]
    assert "&lt;Юну&gt;" in body and "<Юну>" not in body            # titles are escaped
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', body))
    cells = {o: re.findall(r'<td class="(covered|gap)"', r) for o, r in rows.items()}
    assert cells == {"BBC News | Русская служба": ["covered", "covered", "gap"],
                     "РИА Новости": ["covered", "gap", "covered"], "ТАСС": ["gap", "covered", "gap"]}
    assert "Главное к вечеру вторника" in body                       # also in digest, on the declared step
    assert client.get("/threads/t000000000000").status_code == 404
    assert client.get("/threads/bad id!").status_code == 400          # the app answers bad parameters with 400


def test_thread_page_in_english(threads_client):
    client, thread_id = threads_client
    body = client.get(f"/threads/{thread_id}?lang=en").text
    assert "Who covered which step" in body and "Timeline" in body


def test_threads_json_api(threads_client):
    client, thread_id = threads_client
    data = client.get("/api/threads").json()
    assert data["total"] == 1
    assert [s["id"] for s in data["threads"][0]["stories"]] == ["s-declared", "s-lifted", "s-motion"]
    one = client.get(f"/api/threads/{thread_id}").json()
    assert one["timeline"]["days"][1] == {"day": "2024-12-04", "stories": ["s-motion"]}
    assert client.get("/api/threads/t000000000000").status_code == 404
    digests = client.get("/api/stories/s-declared/digests").json()
    assert digests["thread"] == thread_id
    assert [d["title"] for d in digests["digests"]] == ["Главное к вечеру вторника"]
    assert "/api/threads" in client.get("/openapi.json").json()["paths"]


def test_thread_page_fits_a_phone_in_chromium(threads_client, browser, artifacts):
    """The coverage table scrolls inside its box; the page itself is no wider than the screen."""
    from web_support import LiveServer
    client, thread_id = threads_client
    with LiveServer(client.app) as server:
        for path in ("/threads", f"/threads/{thread_id}"):
            page = browser.new_page(viewport={"width": 390, "height": 844})
            try:
                page.goto(server.url + path, wait_until="load")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path}: the page is {width}px wide on a 390px screen"
                assert page.is_visible("h1")
                page.screenshot(path=str(artifacts / f"web-phone-thread{'s' if path == '/threads' else ''}.png"))
            finally:
                page.close()
