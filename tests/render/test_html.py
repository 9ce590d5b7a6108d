import copy
import re
from collections import defaultdict
from functools import partial
from html.parser import HTMLParser

import pytest

from parallax.model import ClaimGroup, ClaimMember, EntityMentionRef
from parallax.render.html import render_html as render_report
from parallax.render.jsonout import document_to_dict

# the English report: these tests check its wording; test_report_in_russian_... checks the default
render_html = partial(render_report, lang="en")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ARTICLE_ID = re.compile(r"^s(\d+)-a(\d+)$")


class Inspector(HTMLParser):
    """Checks nesting and rebuilds, for every article column, its plain text and where each span sits."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.links: list[tuple[str, str]] = []
        self.texts: dict[str, str] = {}                 # article element id -> rebuilt text
        self.anchors: dict[str, int] = {}               # anchor id -> offset in the rebuilt text
        self.groups = defaultdict(list)                 # (article element, attr, group id) -> [(offset, text)]
        self.article: str | None = None
        self.text_depth: int | None = None
        self.script = ""

    def handle_starttag(self, tag, attr_list):
        attrs = dict(attr_list)
        for name, value in attr_list:
            self.attrs.append((tag, name, value))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append((attrs.get("class") or "", attrs["href"]))
        if tag == "article":
            self.article = attrs["id"]
        if tag == "div" and "text" in (attrs.get("class") or "").split():
            self.text_depth = len(self.stack)
            self.texts[self.article] = ""
        if self.text_depth is not None and "anchor" in (attrs.get("class") or "").split():
            self.anchors[attrs["id"]] = len(self.texts[self.article])
        if tag not in VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if self.text_depth is not None and len(self.stack) == self.text_depth:
            self.text_depth = None

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            self.script += data
        if self.text_depth is None:
            return
        offset = len(self.texts[self.article])
        self.texts[self.article] += data
        for _, attrs in self.stack[self.text_depth + 1:]:
            for attr in ("data-claim", "data-quote", "data-entity"):
                for group in (attrs.get(attr) or "").split():
                    self.groups[(self.article, attr, group)].append((offset, data))


def inspect(page: str) -> Inspector:
    parser = Inspector()
    parser.feed(page)
    parser.close()
    assert parser.problems == []
    assert parser.stack == []
    return parser


def span_of(inspector: Inspector, element: str, attr: str, group: str) -> tuple[int, str]:
    """Start offset and joined text of the contiguous span marked with this group."""
    pieces = inspector.groups[(element, attr, group)]
    assert pieces, f"no {attr}={group} in {element}"
    start = pieces[0][0]
    text = "".join(p for _, p in pieces)
    assert pieces[-1][0] + len(pieces[-1][1]) == start + len(text), "span is not contiguous"
    return start, text


@pytest.fixture
def page(document):
    return render_html(document)


def test_page_is_well_formed_and_self_contained(page):
    inspector = inspect(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script src" not in page.lower()
    assert "<link" not in page.lower()
    assert "url(" not in page and "@import" not in page
    resource_attrs = {"src", "srcset", "data", "poster", "action", "formaction", "background", "manifest"}
    assert [a for a in inspector.attrs if a[1] in resource_attrs] == []
    # The only http(s) text in attributes is the article's own link.
    external = [(t, n, v) for t, n, v in inspector.attrs if v and re.search(r"https?:", v)]
    assert external == [("a", "href", "https://vecher.example/most")]
    assert page.count("<script") == 1
    assert "addEventListener" in inspector.script


def test_every_in_page_link_resolves_and_ids_are_unique(page):
    inspector = inspect(page)
    assert len(inspector.ids) == len(set(inspector.ids))
    internal = [href for _, href in inspector.links if href.startswith("#")]
    assert len(internal) > 30
    missing = [href for href in internal if href[1:] not in set(inspector.ids)]
    assert missing == []


def test_article_text_survives_exactly(page, document):
    inspector = inspect(page)
    for j, article in enumerate(document["stories"][0]["articles"]):
        assert inspector.texts[f"s0-a{j}"] == article["text"]


def test_anchors_sit_at_their_offsets(page):
    inspector = inspect(page)
    assert inspector.anchors
    for anchor, offset in inspector.anchors.items():
        assert anchor.endswith(f"-{offset}"), anchor


def test_claim_quote_and_entity_spans_cover_their_text(page, document):
    inspector = inspect(page)
    story = document["stories"][0]
    element = {a["id"]: f"s0-a{j}" for j, a in enumerate(story["articles"])}
    for claim in story["claims"]:
        for m in claim["members"]:
            assert span_of(inspector, element[m["article"]], "data-claim", claim["id"]) == (m["start"], m["text"])
    for group in story["quotes"]:
        for r in group["renderings"]:
            assert span_of(inspector, element[r["article"]], "data-quote", group["id"]) == (r["start"], r["text"])
    petrov = inspector.groups[("s0-a1", "data-entity", "e1")]
    assert "".join(text for _, text in petrov) == "глава городаИван Петров"


def test_links_from_sections_point_at_the_right_span(page, document):
    story = document["stories"][0]
    # the conflict values link to the value spans, the quote cards to the renderings
    assert '<a class="jump" href="#s0-a0-177" data-claim="c3">12 млрд рублей</a>' in page
    assert '<a class="jump" href="#s0-a1-175" data-claim="c3">15 млрд рублей</a>' in page
    start = story["quotes"][0]["renderings"][1]["start"]
    assert f'href="#s0-a1-{start}" data-quote="q1">in the text</a>' in page


def test_status_colours_legend_and_sections(page):
    for status in ("consensus", "partial", "unique", "conflict"):
        assert f'class="swatch st-{status}"' in page
        assert f'class="cl st-{status}' in page
    for section in ("consensus", "partial", "adds", "conflicts", "quotes", "framing", "sources", "entities"):
        assert f'id="s0-{section}"' in page
    assert "Мост откроют <ins>уже </ins>к 2027 году" in page
    assert '<span class="badge rel-reworded">reworded</span>' in page
    assert "Inputs that could not be used (2)" in page and "missing.txt:3" in page


def test_hostile_text_is_escaped(make_story):
    story = make_story()
    a, b, c = (x.article for x in story.articles)
    a.title = "<script>alert(1)</script>"
    a.outlet = '"><img src=x onerror=alert(1)>'
    a.url = "javascript:alert(1)"
    b.url = " JaVaScRiPt:alert(2)"
    c.url = 'https://ok.example/?q="><script>alert(3)</script>'
    evil = "<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; javascript:alert(4)"
    start = len(c.text) + 1
    c.text += " " + evil
    story.claims.append(ClaimGroup("c9", "unique", [ClaimMember("c3", evil, start, start + len(evil), 2)]))
    img = evil.index("<img")
    story.entities[0].mentions.append(EntityMentionRef("c3", "<img src=x onerror=alert(1)>", start + img,
                                                       start + img + 28))
    story.entities[0].name = "<svg onload=alert(1)>"
    story.quotes[0].speaker_name = "<b>Boss</b>"
    story.framing[0].concept = '<iframe src="javascript:alert(1)">'
    doc = document_to_dict([story], [{"file": "<script>x</script>.txt", "error": "<b>bad</b>"}])
    page = render_html(doc)
    inspector = inspect(page)

    assert page.count("<script") == 1
    for tag in ("<img", "<svg", "<iframe", "<b>"):
        assert tag not in page
    assert not [a for a in inspector.attrs if a[1].startswith("on")]
    hrefs = [v for t, n, v in inspector.attrs if n == "href"]
    assert not [h for h in hrefs if not (h.startswith("#") or h.startswith("https://"))]
    assert 'https://ok.example/?q="><script>alert(3)</script>' in hrefs      # exact value, safely quoted
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "JaVaScRiPt:alert(2)" in page                                      # shown, not linked
    assert inspector.texts["s0-a2"] == c.text
    assert span_of(inspector, "s0-a2", "data-claim", "c9") == (start, evil)


def test_overlapping_spans_are_split(document):
    doc = copy.deepcopy(document)
    story = doc["stories"][0]
    text = story["articles"][0]["text"]
    story["claims"].append({"id": "c6", "status": "partial", "conflicts": [], "framing": None, "members": [
        {"article": "a1", "text": text[10:100], "start": 10, "end": 100, "sentence": 0, "similarity": None}]})
    inspector = inspect(render_html(doc))
    assert inspector.texts["s0-a0"] == text
    assert span_of(inspector, "s0-a0", "data-claim", "c6") == (10, text[10:100])
    assert span_of(inspector, "s0-a0", "data-claim", "c1") == (0, text[0:80])
    assert 'data-claim="c1 c6"' in render_html(doc)


def test_bad_offsets_are_skipped_not_fatal(document):
    doc = copy.deepcopy(document)
    story = doc["stories"][0]
    story["entities"][0]["mentions"][0].update(start=10_000, end=10_010)
    story["claims"][0]["members"][0].update(start=50, end=20)
    story["quotes"][0]["renderings"][0]["article"] = "nope"
    page = render_html(doc)
    inspector = inspect(page)
    assert inspector.texts["s0-a0"] == story["articles"][0]["text"]
    missing = [href for _, href in inspector.links if href.startswith("#") and href[1:] not in set(inspector.ids)]
    assert missing == []


def test_several_stories_get_separate_ids(make_story):
    page = render_html(document_to_dict([make_story(), make_story()], []))
    inspector = inspect(page)
    assert len(inspector.ids) == len(set(inspector.ids))
    assert 'id="s0-a0-0"' in page and 'id="s1-a0-0"' in page
    assert '<a href="#s1">' in page


def test_no_stories_only_errors():
    page = render_html(document_to_dict([], [{"file": "a.txt", "error": "cannot decode", "line": 4}]))
    inspect(page)
    assert "No stories." in page and "a.txt:4" in page


def element_ids(page: str) -> set[str]:
    return set(inspect(page).ids)


def test_key_differences_come_first_and_every_link_resolves(multi_document):
    page = render_html(multi_document)
    inspector = inspect(page)
    assert page.index('id="s0-key"') < page.index('id="s0-articles"') < page.index('id="s0-consensus"')
    block = page[page.index('id="s0-key"'):page.index('id="s0-articles"')]
    assert block.count('<li class="kd ') == 4
    assert '<span class="badge">conflict</span> Outlets disagree on the cost' in block
    # each point links to its claim / quote group, and from there on to the source sentences
    assert '<a href="#s0-claim2" data-claim="c3">claim 3</a>' in block
    assert '<a href="#s0-quote0" data-quote="q1">quote 1</a>' in block
    assert '<a href="#s0-framing">framing</a>' in block                  # a term point: to the framing table
    ids = set(inspector.ids)
    hrefs = re.findall(r'href="#([^"]+)"', block)
    assert hrefs and [h for h in hrefs if h not in ids] == []
    assert 'id="s0-claim2" data-claim="c3"' not in page                   # c3 conflicts: its home is the card
    assert '<div class="conflict-claim" id="s0-claim2">' in page
    # the story mixes Russian and English: a claim's sentence carries its language (attribute and mark)
    assert re.search(r'<li class="st-unique" id="s0-claim4" data-claim="c5"><span lang="en">Construction will employ'
                     r'[^<]*</span> <span class="lang-mark">en</span>', page)
    assert '<div class="quote-group" id="s0-quote0" data-quote="q1">' in page
    sentence = multi_document["stories"][0]["claims"][2]["members"][1]
    assert f'href="#s0-a1-{sentence["start"]}" data-claim="c3">Городские вести</a>' in block


def test_a_story_without_key_differences_says_so(document):
    page = render_html(document)
    assert '<section class="key-differences" id="s0-key"><h3>Key differences</h3>' \
           '<p class="empty">No key differences found.</p>' in page


def test_one_column_per_outlet_with_later_posts_folded(multi_document):
    page = render_html(multi_document)
    inspector = inspect(page)
    columns = re.findall(r'<section class="outlet-col" id="(s0-o\d)">', page)
    assert columns == ["s0-o0", "s0-o1", "s0-o2"]
    first = page[page.index('id="s0-o0"'):page.index('id="s0-o1"')]
    # the outlet's posts in time order, the first open and the later two inside one <details>
    assert [int(j) for j in re.findall(r'<article class="doc" id="s0-a(\d)"', first)] == [0, 3, 4]
    assert first.index('<details class="later"><summary>2 later posts') < first.index('id="s0-a3"')
    assert first.index('id="s0-a0"') < first.index('<details class="later">')
    assert "<h4>Вечерний город <span class=\"badge k-edge-independent\">independent</span></h4><div class=\"meta\">3 posts</div>" in first
    assert "<h5>Вечерний город #2</h5>" in first
    assert '<span class="swatch st-unique">2 unique</span>' in first
    assert "(a1-2)" not in page and "(a1)" not in page                    # no post ids as labels
    for j, article in enumerate(multi_document["stories"][0]["articles"]):
        assert inspector.texts[f"s0-a{j}"] == article["text"]


def test_repeats_of_a_claim_are_marked_and_linked(multi_document):
    page = render_html(multi_document)
    inspector = inspect(page)
    repeat = multi_document["stories"][0]["claims"][0]["members"][0]["repeats"][0]
    assert span_of(inspector, "s0-a4", "data-claim", "c1") == (repeat["start"], repeat["text"])
    assert re.search(r'<span class="cl st-consensus rep( anchor)?" data-claim="c1"', page)
    assert f'<span class="again">again in <a class="jump" href="#s0-a4-{repeat["start"]}" data-claim="c1">#3</a>' \
           in page


def test_what_each_outlet_adds_skips_outlets_that_add_nothing(multi_document):
    page = render_html(multi_document)
    adds = page[page.index('id="s0-adds"'):page.index('id="s0-conflicts"')]
    assert "<h4>Вечерний город (3 posts): 2 facts no other outlet reports</h4>" in adds
    assert "<h4>Local Herald: 1 fact no other outlet reports</h4>" in adds
    assert "Городские вести (" not in adds and "(0)" not in adds
    assert "Nothing of its own: Городские вести." in adds


def test_a_big_story_stays_a_few_screens(big_document):
    page = render_html(big_document)
    inspector = inspect(page)
    assert re.findall(r'<section class="outlet-col" id="s0-o\d"><header class="outlet-head"><h4>([^<]+)</h4>', page) \
        == ["Канал А", "Канал Б", "Канал В"]
    assert '<details class="later"><summary>4 later posts' in page and '2 later posts' in page
    # the long lists show their first items, the rest folded; the reference tables start closed
    adds = page[page.index('id="s0-adds"'):page.index('id="s0-conflicts"')]
    assert adds.count("<li ") == 6 and '<details class="more"><summary>3 more</summary><ol class="claims" start="4">' \
        in adds
    for key in ("framing", "sources"):
        assert f'<section id="s0-{key}"><details class="fold"><summary><h3>' in page
    # a key difference whose claim sits in a folded list still links to it
    ids = set(inspector.ids)
    assert '<a href="#s0-claim7" data-claim="c8">claim 8</a>' in page and "s0-claim7" in ids
    assert [h for _, h in inspector.links if h.startswith("#") and h[1:] not in ids] == []
    assert len(inspector.ids) == len(set(inspector.ids))


def test_a_small_story_folds_nothing(document):
    page = render_html(document)
    assert 'class="fold"' not in page and 'class="more"' not in page and 'class="later"' not in page


def test_the_script_unfolds_the_target_of_a_link():
    from parallax.render.html import report_asset

    script = report_asset("report.js")
    assert 'closest("details")' in script and "d.open = true" in script and "hashchange" in script


def test_a_post_is_labelled_only_where_its_outlet_has_several(multi_document):
    page = render_html(multi_document)
    herald = page[page.index('id="s0-o2"'):page.index('id="s0-consensus"')]
    assert "<h5>" not in herald and "<h4>Local Herald</h4><div class=\"meta\">1 post</div>" in herald
    assert '<div class="outlets" id="s0-articles">' in page                 # not "many": full-height texts


def test_report_in_russian_with_original_links_and_no_input_paths(document):
    page = render_report(document, links={"b2": "https://t.me/gorvesti/42"})
    assert '<html lang="ru">' in page
    assert ">Главные различия" in page and ">Издания</a>" in page and ">Key differences" not in page
    assert '<a class="original" href="https://t.me/gorvesti/42"' in page
    assert '<a class="original" href="https://vecher.example/most"' in page
    assert "a1.txt" not in page and "b2.txt" not in page and "c3.txt" not in page


def test_claims_in_the_text_are_keyboard_stops_named_by_status_and_outlets(page):
    stops = re.findall(r'<span class="cl [^"]*"[^>]*tabindex="0" role="button" aria-label="([^"]*)"', page)
    assert stops
    for name in stops:
        assert re.match(r"(consensus|partial|unique|conflict)(, again)?: \S", name), name


def test_a_big_story_folds_each_outlets_posts_under_it_for_phones(big_document, document):
    page = render_html(big_document)
    assert page.count('<details class="outlet-posts" open><summary>') == 3     # one per outlet, open on a desktop
    assert "details.outlet-posts" in page and "max-width: 760px" in page        # report.js closes them on a phone
    assert 'class="outlet-posts"' not in render_html(document)                  # a small story shows its texts
