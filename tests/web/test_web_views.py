"""Issue 13 in a real Chromium: coverage by kind of outlet, blind spots, the AND filter and the sort, original
links, the language switch, claims by keyboard, and the phone layout (375 px wide, no sideways scrolling).

The web corpus's outlets are given kinds by a user's registry file ($PARALLAX_OUTLET_KINDS), as a user
would: «Вестник Сибири» and «Обозреватель» regional, «Сибирь Онлайн» independent; the hostile outlet stays
unrated. So the flood story (Вестник Сибири + Обозреватель) is a blind spot of the regional outlets.
"""
from __future__ import annotations

import os
import re

import pytest
from web_corpus import BRIDGE, FLOOD, HOSTILE
from web_support import LiveServer

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
KINDS_FILE = """
outlets:
  - name: Вестник Сибири
    kind: regional
    sources: [https://vestnik.example/about]
  - name: Обозреватель
    kind: regional
    sources: [https://observer.example/about]
  - name: Сибирь Онлайн
    kind: independent
    sources: [https://sibonline.example/about]
"""


@pytest.fixture(scope="module")
def kinds_server(corpus_db, tmp_path_factory):
    """A server of its own over the web corpus, with the kinds file in effect while this module runs."""
    from parallax.web import create_app
    path = tmp_path_factory.mktemp("kinds") / "kinds.yaml"
    path.write_text(KINDS_FILE, encoding="utf-8")
    before = os.environ.get("PARALLAX_OUTLET_KINDS")
    os.environ["PARALLAX_OUTLET_KINDS"] = str(path)
    try:
        with LiveServer(create_app(str(corpus_db[0]))) as server:
            yield server
    finally:
        if before is None:
            os.environ.pop("PARALLAX_OUTLET_KINDS", None)
        else:
            os.environ["PARALLAX_OUTLET_KINDS"] = before


@pytest.fixture
def tab(browser):
    """A fresh browser context (no cookies) and page; closed after the test."""
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")      # Accept-Language: ru-RU
    page = context.new_page()
    yield page
    context.close()


def card_ids(page) -> list[str]:
    return [a.get_attribute("href").rsplit("/", 1)[-1] for a in page.query_selector_all(".story-card h2 a")]


def test_coverage_bar_on_every_card_and_on_the_story(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories?min_outlets=1", wait_until="load")
    cards = tab.query_selector_all(".story-card")
    assert len(cards) == 3
    for card in cards:
        assert card.query_selector(".cov-bar .cov-seg"), card.inner_text()
        assert card.query_selector(".cov-legend li")                # a text legend, not colour alone
    bridge = tab.query_selector(f'.story-card:has(a[href="/stories/{BRIDGE}"])')
    legend = bridge.inner_text()
    assert re.search(r"региональные\s+2", legend) and re.search(r"независимые\s+1", legend), legend
    widths = bridge.eval_on_selector_all(".cov-seg", "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(widths) == 2 and max(widths) > 1.6 * min(widths)      # two regional outlets, one independent
    hostile = tab.query_selector(f'.story-card:has(a[href="/stories/{HOSTILE}"])').inner_text()
    assert "без оценки" in hostile and "unrated" not in hostile
    tab.goto(f"{kinds_server.url}/stories/{BRIDGE}", wait_until="load")
    story_legend = tab.inner_text("main > .coverage-by-kind .cov-legend")
    assert re.search(r"региональные\s+2", story_legend) and re.search(r"независимые\s+1", story_legend)


def test_blind_spots_are_grouped_by_the_one_kind_that_covered_them(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories", wait_until="load")
    tab.click("a[href='/blindspots']")
    tab.wait_for_url("**/blindspots")
    groups = tab.query_selector_all(".blind-group")
    assert [g.get_attribute("id") for g in groups] == ["blind-regional"]
    assert "Только региональные" in groups[0].inner_text()
    assert card_ids(tab) == [FLOOD]                                   # BRIDGE has two kinds, HOSTILE an unrated one


def test_several_outlets_mean_stories_all_of_them_covered(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories?min_outlets=1", wait_until="load")
    assert sorted(card_ids(tab)) == sorted([BRIDGE, FLOOD, HOSTILE])
    tab.select_option("#filter-outlet", ["Вестник Сибири", "Обозреватель"])
    tab.click("form.filters button[type=submit]")
    tab.wait_for_load_state("load")
    assert sorted(card_ids(tab)) == sorted([BRIDGE, FLOOD])          # HOSTILE lacks Вестник Сибири
    assert tab.eval_on_selector("#filter-outlet", "s => Array.from(s.selectedOptions).map(o => o.value)") == \
        ["Вестник Сибири", "Обозреватель"]
    tab.select_option("#filter-outlet", ["Вестник Сибири", "Сибирь Онлайн", "Обозреватель"])
    tab.click("form.filters button[type=submit]")
    tab.wait_for_load_state("load")
    assert card_ids(tab) == [BRIDGE]
    tab.select_option("#filter-outlet", [])
    tab.select_option("#filter-kind", ["independent"])
    tab.click("form.filters button[type=submit]")
    tab.wait_for_load_state("load")
    assert card_ids(tab) == [BRIDGE]


def test_sort_by_coverage_and_one_outlet_stories_only_when_asked(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories", wait_until="load")
    assert tab.eval_on_selector("#filter-min-outlets", "s => s.value") == "2"   # the page's default
    assert tab.query_selector("#show-all")
    tab.select_option("#filter-sort", "kinds")
    tab.click("form.filters button[type=submit]")
    tab.wait_for_load_state("load")
    assert "sort=kinds" in tab.url
    ids = card_ids(tab)
    assert ids[-1] == FLOOD and set(ids) == {BRIDGE, FLOOD, HOSTILE}  # FLOOD: one kind of outlet
    tab.select_option("#filter-sort", "outlets")
    tab.click("form.filters button[type=submit]")
    tab.wait_for_load_state("load")
    assert card_ids(tab)[0] == BRIDGE                                 # three outlets
    tab.click("#show-all")
    tab.wait_for_load_state("load")
    assert "min_outlets=1" in tab.url and "sort=outlets" in tab.url
    assert tab.eval_on_selector("#filter-min-outlets", "s => s.value") == "1"


def test_every_post_shows_where_it_came_from_and_no_internal_ids(tab, kinds_server, corpus_db):
    tab.goto(f"{kinds_server.url}/stories/{BRIDGE}", wait_until="load")
    links = tab.eval_on_selector_all("a.original", "els => els.map(a => a.href)")
    assert "https://vestnik.example/most" in links
    text = tab.inner_text("body")
    assert "web-test:" not in text and "/tmp/" not in text           # no source paths (web_corpus sets them)
    assert not re.search(r"\bclaim c\d|\bc\d+:", text)
    pk = corpus_db[1][BRIDGE][0]
    tab.goto(f"{kinds_server.url}/articles/{pk}", wait_until="load")
    assert tab.get_attribute(".url a.original", "href") == "https://vestnik.example/most"
    assert f"article {pk}" not in tab.inner_text("body") and "revision" not in tab.inner_text("body")


def test_language_switch_and_its_cookie(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories?min_outlets=1", wait_until="load")
    assert tab.get_attribute("html", "lang") == "ru"
    assert tab.inner_text("h1").startswith("Сюжеты")
    tab.click(".lang-switch")
    tab.wait_for_load_state("load")
    assert tab.get_attribute("html", "lang") == "en" and tab.inner_text("h1").startswith("Stories")
    assert "min_outlets=1" in tab.url                                # the switch keeps the query
    tab.goto(f"{kinds_server.url}/stories/{BRIDGE}", wait_until="load")   # remembered by the cookie
    assert tab.get_attribute("html", "lang") == "en"
    assert "regional" in tab.inner_text("main > .coverage-by-kind")
    tab.click(".lang-switch")
    tab.wait_for_load_state("load")
    assert tab.get_attribute("html", "lang") == "ru"
    assert "региональные" in tab.inner_text("main > .coverage-by-kind")


def test_claims_are_reached_and_activated_by_keyboard(tab, kinds_server):
    tab.goto(f"{kinds_server.url}/stories/{BRIDGE}", wait_until="load")
    claims = tab.query_selector_all(".text .cl[tabindex='0']")
    assert len(claims) >= 3
    for claim in claims:
        name = claim.get_attribute("aria-label")
        assert claim.get_attribute("role") == "button"
        assert re.match(r"(у всех|у нескольких|только у одного|расхождение): ", name), name
        assert any(o in name for o in ("Вестник Сибири", "Сибирь Онлайн", "Обозреватель")), name
    for presses in range(1, 300):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.matches('.text .cl[tabindex]')"):
            break
    else:
        pytest.fail("Tab never reached a claim in the text")
    focused = tab.evaluate("""() => { const el = document.activeElement;
        return {claim: el.getAttribute('data-claim').split(' ')[0],
                outline: getComputedStyle(el).outlineStyle}; }""")
    assert focused["outline"] != "none"                                      # the focus is visible
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.getAttribute('aria-pressed')") == "true"
    lit = tab.evaluate(f"""() => Array.from(document.querySelectorAll('.hl'))
        .filter(e => (e.getAttribute('data-claim') || '').split(' ').includes('{focused['claim']}')).length""")
    assert lit >= 2                                       # the claim lit up in the text and in the lists


@pytest.mark.parametrize("path", ["/stories", "/stories?min_outlets=1", f"/stories/{BRIDGE}", "/blindspots",
                                  "/search?q=мост", "/outlets"])
def test_phone_layout_has_no_sideways_scrolling(browser, kinds_server, path, artifacts):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(kinds_server.url + path, wait_until="load")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
        assert max(widths[:2]) <= PHONE["width"], (path, widths)
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 1
                            && !e.closest('.scroll, .text, .cov-bar, .visually-hidden'); })
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        assert not wide, (path, wide)
        if path == f"/stories/{BRIDGE}":
            page.screenshot(path=str(artifacts / "web-phone-story.png"), full_page=True)
    finally:
        context.close()
