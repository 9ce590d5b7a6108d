"""The outlet pages (engineer "profiles"): served from the precomputed profile counts, in the reader's language,
with rates per 1,000 posts, a loading page instead of a long blank wait, and charts that fit a 375 px phone
in a real Chromium."""
from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from web_support import LiveServer

from parallax.outlets.aggregates import refresh_profiles
from parallax.store import Store

PHONE = {"width": 375, "height": 812}
OUTLET, OTHER = "Вестник Сибири", "Обозреватель"


@pytest.fixture(scope="module")
def counted_db(corpus_db, tmp_path_factory):
    """A copy of the test corpus with its profile counts and omissions stored (as `parallax ingest` leaves it)."""
    import shutil
    path = tmp_path_factory.mktemp("outlets") / "corpus.sqlite"
    shutil.copy(corpus_db[0], path)
    with Store(str(path)) as store:
        done = refresh_profiles(store)
    assert done["articles"] > 0
    return path


@pytest.fixture(scope="module")
def counted_client(counted_db):
    from fastapi.testclient import TestClient

    from parallax.web import create_app
    with TestClient(create_app(str(counted_db))) as c:
        yield c


@pytest.fixture(scope="module")
def counted_server(counted_db):
    from parallax.web import create_app
    with LiveServer(create_app(str(counted_db))) as server:
        yield server


def test_outlet_page_in_russian_and_english(counted_client):
    r = counted_client.get(f"/outlets/{quote(OUTLET)}?lang=ru")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="ru">' in html and "на 1000 публикаций" in html and "Спорные термины" in html
    assert 'id="about"' in html
    r = counted_client.get(f"/outlets/{quote(OUTLET)}?lang=en")
    assert '<html lang="en">' in r.text and "per 1,000" in r.text and "Contested terms" in r.text
    # no raw ids of the source kinds where a label exists
    assert "state_agency" not in r.text.split("<main", 1)[1] and "foreign_gov<" not in r.text


def test_compare_page_shows_rates(counted_client):
    r = counted_client.get(f"/outlets/compare?a={quote(OTHER)}&b={quote(OUTLET)}&lang=ru")
    assert r.status_code == 200
    assert 'class="rate"' in r.text and "на 1000 публикаций" in r.text


def test_a_slow_profile_shows_a_loading_page_first(counted_db, monkeypatch):
    from fastapi.testclient import TestClient

    from parallax.web import create_app, deps
    real = deps.outlet_profile

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)
    monkeypatch.setattr(deps, "outlet_profile", slow)
    monkeypatch.setattr(deps, "PROFILE_WAIT", 0.05)
    with TestClient(create_app(str(counted_db))) as client:
        first = client.get(f"/outlets/{quote(OUTLET)}")
        assert first.status_code == 200 and 'id="profile-loading"' in first.text
        assert 'http-equiv="refresh"' in first.text and first.headers["cache-control"] == "no-store"
        for _ in range(100):
            page = client.get(f"/outlets/{quote(OUTLET)}")
            if 'id="profile-loading"' not in page.text:
                break
            time.sleep(0.1)
        assert 'id="terms"' in page.text


def test_unknown_outlet_is_404(counted_client):
    assert counted_client.get("/outlets/" + quote("Нет такого")).status_code == 404


@pytest.mark.parametrize("path", [f"/outlets/{OUTLET}", f"/outlets/compare?a={OTHER}&b={OUTLET}"])
def test_outlet_charts_fit_a_phone(browser, counted_server, artifacts, path):
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(counted_server.url + path, wait_until="load")
        assert not page.query_selector("#profile-loading")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path}: the page is {width}px wide on a {PHONE['width']}px screen"
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll('figure.profile-plot svg.plot'))
            .map(svg => { const r = svg.getBoundingClientRect(); return [r.left, r.right, r.width]; })""")
        assert boxes, f"{path}: no chart"
        for left, right, w in boxes:
            assert left >= 0 and right <= PHONE["width"] and w > 200, (path, left, right, w)
        # the legend and axis labels are inside the SVG's viewBox: nothing of a chart is cut off
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll('figure.profile-plot svg.plot text'))
            .filter(t => { const r = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
                           return r.width > 0 && (r.left < s.left - 1 || r.right > s.right + 1); }).length""")
        assert clipped == 0
        name = "compare" if "compare" in path else "outlet"
        page.screenshot(path=str(artifacts / f"web-phone-profile-{name}.png"), full_page=True)
    finally:
        page.close()


def test_tone_chart_reads_negative_to_the_left(counted_client):
    html = counted_client.get(f"/outlets/{quote(OUTLET)}?lang=en").text
    if 'id="plot-tone"' not in html:
        pytest.skip("no tone in the test corpus")
    figure = html.split('id="plot-tone"', 1)[1].split("</figure>", 1)[0]
    assert "← share negative" in figure and "Wilson" in html
