"""The pages in a real headless Chromium: hostile article data stays text, scripts run only from the server,
the layout fits a phone, and nothing fetches a URL that came from an article or a request."""
from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import quote

import pytest
from web_corpus import BRIDGE, HOSTILE, XSS_OUTLET
from web_support import TOKEN, LiveServer, free_port

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def open_page(browser, url: str, viewport=DESKTOP):
    """A page with every dialog and console message recorded (a dialog is how an injected alert() shows)."""
    page = browser.new_page(viewport=viewport)
    page.dialogs = []
    page.console = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: page.console.append(m.text))
    page.goto(url, wait_until="load")
    return page


def assert_nothing_executed(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    injected = page.evaluate("""() => ({
        handlers: document.querySelectorAll('[onerror], [onload], [onmouseover], [onclick]').length,
        jsLinks: Array.from(document.querySelectorAll('a[href]'))
            .filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
        scripts: Array.from(document.scripts).map(s => s.getAttribute('src')),
        images: document.querySelectorAll('img').length,
    })""")
    assert injected["handlers"] == 0 and injected["jsLinks"] == 0 and injected["images"] == 0
    assert all(src and src.startswith("/static/") for src in injected["scripts"]), injected["scripts"]
    assert not [m for m in page.console if "Content Security Policy" in m], page.console


def hostile_pages(server, pks):
    return [f"{server.url}/stories", f"{server.url}/stories/{HOSTILE}", f"{server.url}/articles/{pks[HOSTILE][0]}",
            f"{server.url}/search?q=контролем", f"{server.url}/search?speaker=Петров",
            f"{server.url}/outlets", f"{server.url}/outlets/{quote(XSS_OUTLET, safe='')}"]


def test_hostile_article_is_shown_as_text(browser, live_server, corpus_db, artifacts):
    _, pks = corpus_db
    for url in hostile_pages(live_server, pks):
        page = open_page(browser, url)
        try:
            assert_nothing_executed(page)
            # hover and click everything an attacker might have attached a handler to
            for selector in (".text span", ".quote-hit a", "h1", ".outlet-chips a", "td"):
                for el in page.query_selector_all(selector)[:15]:
                    if el.is_visible():
                        el.hover()
            assert_nothing_executed(page)
        finally:
            page.close()

    page = open_page(browser, f"{live_server.url}/articles/{pks[HOSTILE][0]}")
    try:
        text = page.inner_text(".text")
        assert "<script>window.__xss=1</script>" in text
        assert '<img src=x onerror="window.__xss=1">' in text
        assert '<a href="javascript:window.__xss=1">жми</a>' in text
        assert "<script>window.__xss=1</script>Заголовок" in page.inner_text("h1")
        assert page.query_selector(".url a") is None              # a javascript: URL is never a link
        page.screenshot(path=str(artifacts / "web-hostile-article.png"))
    finally:
        page.close()


def test_story_page_is_interactive_under_the_csp(browser, live_server):
    page = open_page(browser, f"{live_server.url}/stories/{BRIDGE}")
    try:
        assert_nothing_executed(page)
        consensus = page.locator("#s0-consensus li[data-claim]").first
        consensus.click(position={"x": 12, "y": 8})        # on the claim's text, not on its jump links
        claim = consensus.get_attribute("data-claim")
        highlighted = page.evaluate(
            "(id) => Array.from(document.querySelectorAll('.text .hl')).map(e => e.getAttribute('data-claim'))", claim)
        assert highlighted and all(claim in (h or "").split() for h in highlighted)
        # the claim colours are real colours, different per status
        colors = page.evaluate("""() => ['consensus', 'conflict', 'unique'].map(s => {
            const el = document.querySelector('.text .cl.st-' + s);
            return el ? getComputedStyle(el).backgroundColor : null; })""")
        assert None not in colors and len(set(colors)) == 3
        assert "rgba(0, 0, 0, 0)" not in colors
        # turning a layer off works
        page.uncheck("input[data-layer='cl']")
        assert page.evaluate("document.body.classList.contains('hide-cl')")
    finally:
        page.close()


@pytest.mark.parametrize("path", ["/stories", f"/stories/{BRIDGE}", "/articles/{pk}", "/outlets/Вестник Сибири",
                                  "/search?q=главной артерией", "/outlets/compare?a=Обозреватель&b=Вестник Сибири",
                                  "/docs"])
def test_pages_fit_a_phone(browser, live_server, corpus_db, artifacts, path):
    url = live_server.url + path.format(pk=corpus_db[1][BRIDGE][0])
    page = open_page(browser, url, PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path}: the page is {width}px wide on a {PHONE['width']}px screen"
        assert page.is_visible("header.site .brand")
        name = path.strip("/").split("?")[0].replace("/", "-").replace("{pk}", "article") or "home"
        page.screenshot(path=str(artifacts / f"web-phone-{name}.png"))
    finally:
        page.close()


class Canary:
    """An HTTP server on loopback that counts every request it gets."""

    def __init__(self):
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"canary")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_urls_in_requests_and_articles_are_never_fetched(browser, db_copy):
    from parallax.web import create_app

    path, _ = db_copy
    with Canary() as canary, LiveServer(create_app(str(path), token=TOKEN)) as server:
        target = f"http://127.0.0.1:{canary.port}/article"
        body = {"articles": [{"id": "c1", "outlet": "Канарейка", "url": target, "title": f"Смотрите {target}/title",
                              "text": f"Новость со ссылкой {target}/text и картинкой {target}/image.png. "
                                      f"Министр Иван Петров заявил: «Всё по плану»."}]}
        page = browser.new_page(viewport=DESKTOP)
        try:
            response = page.request.post(f"{server.url}/api/articles", data=json.dumps(body),
                                         headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Content-Type": "application/json"})
            assert response.status == 200
            pk = response.json()["results"][0]["pk"]
            story = page.request.get(f"{server.url}/api/articles/{pk}").json()["story"]
            for url in (f"{server.url}/articles/{pk}", f"{server.url}/stories/{story}",
                        f"{server.url}/search?q=Канарейка", f"{server.url}/stories"):
                page.goto(url, wait_until="networkidle")
            page.goto(f"{server.url}/articles/{pk}", wait_until="networkidle")
            assert page.get_attribute(".url a", "href") == target      # shown as a link for the reader...
        finally:
            page.close()
        assert canary.hits == []                                          # ...but fetched by nobody


def test_report_links_open_folded_posts(browser, artifacts):
    """Two stories of the web corpus as one: two outlets then have two posts each, the later one folded; a
    link to a sentence in it unfolds it, and the key differences sit above the outlet columns."""
    from web_corpus import FLOOD, STORIES

    from parallax.api import compare_articles
    from parallax.render.html import render_html

    _, doc = compare_articles(STORIES[BRIDGE] + STORIES[FLOOD])
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.set_content(render_html(doc), wait_until="load")
        assert page.locator(".outlet-col").count() == 3
        assert page.locator("details.later").count() == 2
        key, columns = page.locator("#s0-key").bounding_box(), page.locator("#s0-articles").bounding_box()
        assert key["y"] + key["height"] <= columns["y"]
        folded = page.evaluate("""() => Array.from(document.querySelectorAll('details.later .anchor'))
                                          .map(a => a.id)""")
        links = [f"#{a}" for a in folded if page.locator(f"a.jump[href='#{a}']").count()]
        assert links, "no link points into a folded post"
        target = links[0]
        assert not page.locator(target + " + span").is_visible()
        page.locator(f"a.jump[href='{target}']").first.click()
        assert page.locator(target + " + span").is_visible()
        page.screenshot(path=str(artifacts / "report-unfolded-post.png"))
        # clicking a claim in a list unfolds, in each outlet, the post where the claim first appears
        page.evaluate("document.querySelectorAll('details.later').forEach(d => d.open = false)")
        claim = page.evaluate("""() => {
            for (const li of document.querySelectorAll('#s0-partial li[data-claim], #s0-adds li[data-claim]')) {
                const id = li.getAttribute('data-claim');
                for (const col of document.querySelectorAll('.outlet-col')) {
                    const spans = Array.from(col.querySelectorAll('.text [data-claim]'))
                        .filter(e => e.getAttribute('data-claim').split(' ').includes(id));
                    if (spans.length && spans[0].closest('details.later')) { return id; }
                }
            }
            return null; }""")
        assert claim, "no listed claim first appears in a folded post"
        page.locator(f"#s0-partial li[data-claim='{claim}'], #s0-adds li[data-claim='{claim}']").first.click(
            position={"x": 12, "y": 8})
        assert page.locator(f"details.later[open] .text .hl[data-claim~='{claim}']").count() >= 1
    finally:
        page.close()
