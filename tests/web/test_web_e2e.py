"""End to end on real data, in a real browser: Telegram posts of RIA Novosti and BBC News Russian of one day
are ingested with `parallax ingest`, the server runs on loopback, and Chromium filters the stories by
outlet, opens a story covered by both, finds coloured claims and a quote rendered differently by the two,
and searches for that quote. Screenshots of every step go to test-artifacts/."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from web_support import CHROMIUM, LiveServer

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
CHANNELS = ("РИА Новости", "BBC News | Русская служба")
DAY = "2024-12-03"
BBC = CHANNELS[1]
PHONE = {"width": 390, "height": 844}


def _posts() -> list[dict]:
    posts = []
    for path in sorted(DATA.glob("*_messages.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        if not items or items[0].get("channel") not in CHANNELS:
            continue
        posts += [m for m in items if m.get("text") and str(m.get("date", "")).startswith(DAY)]
    return posts


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/install_browser.sh installs it)")
    posts = _posts()
    assert len({p["channel"] for p in posts}) == 2 and len(posts) > 100
    work = tmp_path_factory.mktemp("e2e")
    source, db = work / "posts.json", work / "real.sqlite"
    source.write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    from parallax.cli.main import main
    assert main(["ingest", str(source), "--db", str(db), "--quiet"]) == 0
    from parallax.web import create_app
    with LiveServer(create_app(str(db))) as server:
        yield server


def _story_with_a_quote_diff(request, base: str) -> tuple[str, dict]:
    """A story both outlets covered where one statement is quoted by both, with a word-level difference."""
    listed = request.get(f"{base}/api/stories", params={"outlet": BBC, "min_outlets": 2, "per_page": 100}).json()
    assert listed["stories"], "no story covered by both outlets"
    for story in listed["stories"]:
        doc = request.get(f"{base}{story['comparison']}").json()["stories"][0]
        outlet_of = {a["id"]: a["outlet"] for a in doc["articles"]}
        for group in doc["quotes"]:
            outlets = {outlet_of[r["article"]] for r in group["renderings"]}
            edits = [d for r in group["renderings"] for d in r["diff"] if d["op"] in ("insert", "delete")]
            if len(outlets) == 2 and edits:
                return story["id"], group
    pytest.fail("no story with a quote rendered differently by the two outlets")


def test_browse_filter_compare_and_search_real_stories(real_server, browser, artifacts):
    base = real_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        # 1. the stories page, newest first
        page.goto(f"{base}/stories", wait_until="load")
        assert page.locator(".story-card").count() > 0
        page.screenshot(path=str(artifacts / "e2e-1-stories.png"))

        # 2. filter by outlet (and by stories both outlets covered)
        page.select_option("#filter-outlet", label=BBC)
        page.select_option("select[name=min_outlets]", "2")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state("load")
        assert "outlet=" in page.url
        cards = page.locator(".story-card")
        assert cards.count() > 0
        for i in range(cards.count()):
            chips = cards.nth(i).locator(".outlet-chips").inner_text()
            assert BBC in chips and CHANNELS[0] in chips
        page.screenshot(path=str(artifacts / "e2e-2-filtered-by-outlet.png"))

        # 3. open a story with a quote both outlets carry
        story_id, group = _story_with_a_quote_diff(page.request, base)
        link = page.locator(f'.story-card a[href="/stories/{story_id}"]')
        if link.count() == 0:          # not on the first page of the filtered list
            page.goto(f"{base}/stories?outlet={BBC}&min_outlets=2&per_page=100", wait_until="load")
        link.first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/stories/{story_id}")
        assert page.locator("svg.plot").count() >= 1                    # the coverage timeline
        page.screenshot(path=str(artifacts / "e2e-3-story.png"))

        # coloured claims: every claim span has its status colour
        colors = page.evaluate("""() => Array.from(document.querySelectorAll('.text .cl'))
            .map(e => [Array.from(e.classList).find(c => c.startsWith('st-')), getComputedStyle(e).backgroundColor])""")
        assert colors
        assert all(bg not in ("rgba(0, 0, 0, 0)", "transparent") for _, bg in colors)
        by_status = {}
        for status, bg in colors:
            by_status.setdefault(status, set()).add(bg)
        assert all(len(v) == 1 for v in by_status.values())             # one colour per status...
        assert len({next(iter(v)) for v in by_status.values()}) == len(by_status)   # ...different from the others

        # the quote and its word-level diff
        quote_box = page.locator(f'.quote-group[data-quote="{group["id"]}"]')
        quote_box.scroll_into_view_if_needed()
        marks = quote_box.locator(".quote-text ins, .quote-text del")
        assert marks.count() > 0 and marks.first.is_visible()
        quote_box.screenshot(path=str(artifacts / "e2e-4-quote-diff.png"))

        # 4. search for the quote from the search box in the header
        rendering = max(group["renderings"], key=lambda r: len(r["text"]))
        words = [w for w in re.findall(r"\w{5,}", rendering["text"])][:4]
        assert words
        page.fill("header .quick-search input", " ".join(words))
        page.press("header .quick-search input", "Enter")
        page.wait_for_load_state("load")
        assert "/search?" in page.url
        hits = page.locator(".quote-hit")
        assert hits.count() > 0
        shown = page.locator("#quotes").inner_text()
        assert any(r["text"][:30] in " ".join(shown.split()) for r in group["renderings"]) or \
            all(w.lower() in shown.lower() for w in words)
        which = page.locator("#which").inner_text()
        assert any(outlet in which for outlet in CHANNELS)
        page.screenshot(path=str(artifacts / "e2e-5-search.png"))
        assert dialogs == []
    finally:
        page.close()

    # 5. the same story on a phone
    phone = browser.new_page(viewport=PHONE)
    try:
        phone.goto(f"{base}/stories/{story_id}", wait_until="load")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.screenshot(path=str(artifacts / "e2e-6-story-phone.png"))
    finally:
        phone.close()
