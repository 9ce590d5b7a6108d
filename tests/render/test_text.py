import copy
import re

from parallax.render.jsonout import document_to_dict
from parallax.render.terminal import clean, inline_diff, render_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def section(out: str, title: str) -> str:
    """The lines from the heading that starts with `title` up to the next blank line before a heading."""
    start = out.index("\n" + title) + 1
    following = re.search(r"\n\n[A-Z]{3,}", out[start:])
    return out[start:start + following.start()] if following else out[start:]


def test_sections_in_order(document):
    out = render_text(document)
    order = ["KEY DIFFERENCES (0)", "OUTLETS (3) · 3 posts", "CONSENSUS (1)", "WHAT EACH OUTLET ADDS", "PARTIAL (1)", "CONFLICTS (1)",
             "QUOTES (2)", "FRAMING (2)", "SOURCES CITED (2)"]
    positions = [out.index(title) for title in order]
    assert positions == sorted(positions)
    assert "Claims: 1 consensus · 1 partial · 2 unique · 1 conflict" in out


def test_outlets_and_errors(document):
    out = render_text(document)
    assert "[1] Вечерний город   2025-05-15  ru  Самара построит мост через Волгу" in out
    assert "[2] Городские вести  2025-05-16  ru [cp1251]" in out
    assert "[3] Local Herald     —           en" in out
    assert "      claims: 1 consensus · 1 partial · 1 unique · 1 conflict\n" in out
    assert "Could not use 2 input(s):" in out and "missing.txt:3: no such file" in out


def test_consensus_and_what_each_outlet_adds(document):
    out = render_text(document)
    consensus = section(out, "CONSENSUS")
    assert "Городской совет Самары в четверг одобрил" in consensus
    assert "[Вечерний город, Городские вести, Local Herald]" in consensus
    assert "wording: Вечерний город: “Городской совет”, “одобрил строительство” |" in consensus
    adds = section(out, "WHAT EACH OUTLET ADDS")
    assert "Вечерний город: 1 fact no other outlet reports\n    • Оппозиция назвала проект" in adds
    assert "nothing of its own: Городские вести" in adds and "(0)" not in adds
    assert "Local Herald: 1 fact no other outlet reports\n    • Construction will employ" in adds
    assert "in: Вечерний город, Городские вести; not in: Local Herald" in section(out, "PARTIAL")


def test_conflict_values_side_by_side(document):
    conflicts = section(render_text(document), "CONFLICTS")
    assert "! number: the cost of the project differs" in conflicts
    assert "Вечерний город:  12 млрд рублей" in conflicts
    assert "Городские вести: 15 млрд рублей" in conflicts
    assert "“Как сообщает ТАСС, проект обойдётся в 15 млрд рублей.”" in conflicts


def test_quotes_show_speaker_relation_and_inline_diff(document):
    doc = copy.deepcopy(document)
    rendering = doc["stories"][0]["quotes"][0]["renderings"][1]
    rendering["diff"] = [{"op": "equal", "text": "Мост откроют "}, {"op": "insert", "text": "уже "},
                         {"op": "equal", "text": "к "}, {"op": "delete", "text": "2027"},
                         {"op": "insert", "text": "2028"}, {"op": "equal", "text": " году"}]
    quotes = section(render_text(doc, width=200), "QUOTES")
    assert "» Иван Петров — reworded, 2 renderings" in quotes
    assert "Городские вести [reworded, direct, 0.83] (as “глава города Иван Петров”): " \
           "«Мост откроют {+уже+} к [-2027-]{+2028+} году»" in quotes
    assert "Вечерний город [verbatim, direct] (as “Мэр Иван Петров”): «Мост откроют к 2027 году»" in quotes


def test_framing_and_sources(document):
    out = render_text(document)
    framing = section(out, "FRAMING")
    assert "• evaluation / the bridge project — only one outlet quotes a judgement" in framing
    assert "Вечерний город: авантюра (loaded)" in framing and "Local Herald: —" in framing
    sources = section(out, "SOURCES CITED")
    assert "• ТАСС (agency) — “Как сообщает ТАСС”" in sources
    assert "Local Herald: no sources named" in sources


def test_lines_fit_the_width_and_long_sentences_are_cut(document):
    doc = copy.deepcopy(document)
    member = doc["stories"][0]["claims"][3]["members"][0]
    member["text"] = "Оппозиция " + "очень " * 100 + "недовольна."
    for width in (60, 100):
        out = render_text(doc, width=width)
        assert max(len(line) for line in out.splitlines()) <= width
        adds = section(out, "WHAT EACH OUTLET ADDS")
        assert "…" in adds and "недовольна." not in adds


def test_colour_only_when_asked(document):
    plain = render_text(document)
    coloured = render_text(document, color=True)
    assert not ANSI.search(plain)
    assert "\x1b[31m" in coloured and "\x1b[32m{+уже+}\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_control_characters_in_articles_are_dropped(document):
    doc = copy.deepcopy(document)
    story = doc["stories"][0]
    story["articles"][0]["outlet"] = "Evil\x1b[2J\x1b]0;pwned\x07 Times"
    story["claims"][3]["members"][0]["text"] = "A\u202eB\x00C\rD"
    out = render_text(doc)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\x00" not in out
    assert "Evil[2J]0;pwned Times" in out
    assert "• ABC D" in out


def test_clean_and_inline_diff():
    assert clean("  a\n\tb \x1b c ") == "a b c"
    assert clean(None) == ""
    diff = [{"op": "equal", "text": "a "}, {"op": "delete", "text": "b "}, {"op": "insert", "text": "c"},
            {"op": "equal", "text": " d"}]
    assert inline_diff(diff) == "a [-b-] {+c+} d"
    assert inline_diff([], "plain  text") == "plain text"


def test_no_stories():
    out = render_text(document_to_dict([], []))
    assert out.startswith("PARALLAX · parallax ") and "No stories." in out


def test_key_differences_come_first_with_their_evidence(multi_document):
    out = render_text(multi_document)
    assert out.index("KEY DIFFERENCES (4)") < out.index("OUTLETS (3)") < out.index("CONSENSUS")
    points = section(out, "KEY DIFFERENCES")
    assert "  1. Outlets disagree on the cost: 12 or 15 bn roubles\n     → claim c3\n" in points
    assert "  3. Иван Петров's words are rendered differently (reworded) by Городские вести\n     → quote q1" in points
    assert "  4. the bridge project, named differently" in points


def test_key_differences_skip_ids_the_story_does_not_have(multi_document):
    doc = copy.deepcopy(multi_document)
    doc["stories"][0]["key_differences"][0]["claims"] = ["c404"]
    points = section(render_text(doc), "KEY DIFFERENCES")
    assert "c404" not in points and "  1. Outlets disagree" in points


def test_one_outlet_has_nothing_to_compare(document):
    doc = copy.deepcopy(document)
    for art in doc["stories"][0]["articles"]:
        art["outlet"] = "Одно издание"
    out = render_text(doc)
    assert "(one outlet: nothing to compare)" in out
    assert "[1] Одно издание (3 posts)" in out


def test_outlets_not_posts_label_the_columns(multi_document):
    out = render_text(multi_document)
    outlets = section(out, "OUTLETS")
    assert "OUTLETS (3) · 5 posts" in outlets
    assert "[1] Вечерний город (3 posts)  2025-05-15  ru  Самара построит мост через Волгу" in outlets
    assert "claims: 1 consensus · 1 partial · 2 unique · 1 conflict" in outlets
    assert "a1-2" not in out and "(a1)" not in out                      # no post ids as labels
    adds = section(out, "WHAT EACH OUTLET ADDS")
    assert "Вечерний город (3 posts): 2 facts no other outlet reports" in adds
    assert "• Подрядчика выберут летом. (post #2)" in adds
    consensus = section(out, "CONSENSUS")
    assert "[Вечерний город, Городские вести, Local Herald]; again in: Вечерний город #3" in consensus
    conflicts = section(out, "CONFLICTS")
    assert "Вечерний город #1: 12 млрд рублей" in conflicts


def test_sources_of_an_outlet_are_counted_once_a_source():
    story = {"id": "s", "title": "t", "date": None, "claims": [], "quotes": [], "entities": [], "framing": [],
             "articles": [{"id": f"p{i}", "outlet": "Канал", "text": "x", "language": "ru"} for i in range(3)]
             + [{"id": "q", "outlet": "Другой", "text": "x", "language": "ru"}],
             "attributions": [{"article": f"p{i}", "source": "ТАСС", "kind": "agency", "text": "сообщает ТАСС",
                               "start": 0, "end": 1} for i in (0, 2)]}
    out = render_text({"generator": "g", "stories": [story], "errors": []})
    assert "  Канал (2)\n    • ТАСС (agency) ×2 — “сообщает ТАСС” [#1, #3]" in out
    assert "Другой: no sources named" in out


def test_a_big_story_shows_the_first_items_and_counts_the_rest(big_document):
    out = render_text(big_document)
    adds = section(out, "WHAT EACH OUTLET ADDS")
    assert adds.count("• Канал сообщил подробность") == 3
    assert "… and 3 more facts (all of them in --json and --html)" in adds
    consensus = section(out, "CONSENSUS")
    assert "again in: Канал А #2, #3, #4, #5; Канал Б #2, #3" in consensus
    assert "» Президент — trimmed, 2 renderings" in section(out, "QUOTES")


def test_a_small_story_shows_everything(multi_document):
    out = render_text(multi_document)
    assert "… and" not in out and "--json and --html" not in out       # nothing cut


def test_every_post_says_where_it_came_from_and_no_input_paths(document):
    """Original links (the article's URL, or what the caller found: t.me/<channel>/<id>) under each outlet;
    the input file each article was read from is not printed."""
    out = render_text(document, links={"b2": "https://t.me/gorvesti/42"})
    assert "from: https://vecher.example/most" in out and "from: https://t.me/gorvesti/42" in out
    assert "a1.txt" not in out and "b2.txt" not in out and "c3.txt" not in out
