"""The web app's parts on small general cases: caches, plots, search helpers, the serve command."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest

from parallax.store.search import contains_all, marked_segments, snippet
from parallax.web.cache import LRUCache, ResponseCache

# ---- caches -------------------------------------------------------------------------------------------

def test_lru_evicts_the_least_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1                # 'a' is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3


def test_lru_computes_a_missing_value_once_for_concurrent_callers():
    cache = LRUCache(4)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 8 and len(calls) == 1


def test_lru_does_not_cache_failures():
    cache = LRUCache(4)
    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert cache.get_or_compute("k", lambda: 5) == 5


class _Version:
    is_postgres = False

    def __init__(self):
        self.value = "1"

    def version(self):
        return self.value


def _asgi_app(counter, status=200):
    async def app(scope, receive, send):
        counter.append(scope["path"])
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": f"n={len(counter)}".encode()})
    return app


def _get(app, path="/x", headers=()):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": list(headers)}
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    runner = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    runner.start()
    runner.join()
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_response_cache_serves_until_the_corpus_changes():
    calls, version = [], _Version()
    cache = ResponseCache(_asgi_app(calls), version)
    assert _get(cache) == (200, b"n=1")
    assert _get(cache) == (200, b"n=1") and len(calls) == 1
    version.value = "2"                                   # the database changed
    assert _get(cache) == (200, b"n=2") and len(calls) == 2
    assert _get(cache, "/y") == (200, b"n=3")             # another URL is another entry
    assert _get(cache, headers=[(b"if-none-match", b'"x"')]) == (200, b"n=4")   # conditional: to the app


def test_response_cache_keeps_only_successes_and_respects_its_size():
    calls = []
    cache = ResponseCache(_asgi_app(calls, status=404), _Version())
    _get(cache)
    _get(cache)
    assert len(calls) == 2
    calls2 = []
    small = ResponseCache(_asgi_app(calls2), _Version(), max_bytes=4)   # one 3-byte body
    for path in ("/a", "/b", "/a"):
        _get(small, path)
    assert len(calls2) == 3                               # '/a' was evicted to make room for '/b'


def test_response_cache_frees_the_responses_of_an_older_corpus():
    calls, version = [], _Version()
    cache = ResponseCache(_asgi_app(calls), version)
    for path in ("/a", "/b", "/c"):
        _get(cache, path)
    assert len(cache._items) == 3 and cache._bytes == 9
    version.value = "2"                                   # a write: none of the three can be served again
    _get(cache, "/a")
    assert list(cache._items) == [("/a", b"", None, "2")] and cache._bytes == 3


def test_lru_drops_entries_of_older_versions_when_a_new_one_is_seen():
    cache = LRUCache(100)
    cache.note_version("1")
    cache.put(("page", "x", "1"), 1)
    cache.put(("page", "y", "1"), 2)
    cache.note_version("1")                               # same version: nothing dropped
    assert len(cache) == 2
    cache.note_version("2")
    assert len(cache) == 0
    cache.put(("page", "x", "2"), 3)
    assert cache.get(("page", "x", "2")) == 3


# ---- plots --------------------------------------------------------------------------------------------

def test_timeline_is_inline_svg_with_escaped_labels():
    from parallax.render.plots import coverage_timeline

    t = dt.datetime(2024, 12, 3, 10, tzinfo=dt.timezone.utc)
    svg = coverage_timeline([("<script>alert(1)</script>", t), ("Цена $5$", t + dt.timedelta(hours=2)),
                             ("Цена $5$", None)])
    assert svg.startswith("<svg") and 'class="plot"' in svg and "viewBox" in svg
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "$5$" in svg                                   # a dollar sign is text, not TeX
    assert 'width="' not in svg.split(">", 1)[0]          # scaled by CSS
    assert "xlink:href=\"http" not in svg and "<image" not in svg


def test_plots_without_data_are_none():
    from parallax.render.plots import coverage_timeline, horizontal_bars, stacked_bars

    assert coverage_timeline([("A", None)]) is None
    assert stacked_bars([], {}, "t") is None
    assert horizontal_bars([("a", 0)], "t") is None
    assert horizontal_bars([("a", 3), ("b", 1)], "Sources").count("<svg") == 1


# ---- search helpers -------------------------------------------------------------------------------------

def test_contains_all_matches_word_prefixes_in_any_case():
    assert contains_all(["путин", "заяв"], "Путину заявили, что")
    assert not contains_all(["путин", "заяв"], "Путину сказали")
    assert contains_all(["елк"], "Ёлка")                 # ё folded


def test_marked_segments_and_snippet():
    parts = marked_segments("Мост через Обь открыт", ["мост", "обь"])
    assert parts == [("Мост", True), (" через ", False), ("Обь", True), (" открыт", False)]
    text = "начало " + "слово " * 40 + "ключевое место " + "хвост " * 40
    cut = snippet(text, ["ключ"], width=60)
    assert cut[0] == ("…", False) and cut[-1] == ("…", False)
    assert ("ключевое", True) in cut
    assert len("".join(p for p, _ in cut)) < 80


# ---- report pieces reused by the app ---------------------------------------------------------------------

def test_quote_diff_keeps_spaces_between_trimmed_segments():
    from parallax.render.html import _diff_html

    html = _diff_html({"text": "", "diff": [{"op": "delete", "text": "и, что"}, {"op": "equal", "text": "сотрудники"},
                                           {"op": "insert", "text": "ГУР"}, {"op": "equal", "text": ", и «так»"}]})
    assert html == "<del>и, что</del> сотрудники <ins>ГУР</ins>, и «так»"


def test_article_text_and_anchors_match_the_story_page():
    from parallax.render.html import article_anchors, render_article_text, render_story

    story = {"id": "s", "title": "t", "articles": [
        {"id": "a", "outlet": "A", "title": None, "date": None, "language": "ru", "text": "Один. Два <b>."},
        {"id": "b", "outlet": "B", "title": None, "date": None, "language": "ru", "text": "Три."}],
        "entities": [], "quotes": [], "framing": [], "attributions": [],
        "claims": [{"id": "c1", "status": "unique", "conflicts": [], "framing": None,
                    "members": [{"article": "b", "text": "Три.", "start": 0, "end": 4, "sentence": 0}]},
                   {"id": "c2", "status": "unique", "conflicts": [], "framing": None,
                    "members": [{"article": "a", "text": "Два <b>.", "start": 6, "end": 14, "sentence": 1}]}]}
    text = render_article_text(story, "a")
    assert "Два &lt;b&gt;." in text and "<b>" not in text
    anchors = article_anchors(story, "a")
    assert anchors == {6: "s0-a0-6"}
    assert 'id="s0-a0-6"' in render_story(story) and 'id="s0-a1-0"' in render_story(story)
    with pytest.raises(KeyError):
        render_article_text(story, "zzz")


# ---- the serve command -----------------------------------------------------------------------------------

def test_serve_is_a_subcommand_with_safe_defaults():
    from parallax.cli.main import build_parser

    args = build_parser().parse_args(["serve", "--db", "x.sqlite"])
    assert args.host == "127.0.0.1" and args.port == 8000 and args.token is None


def test_serve_refuses_a_missing_database_and_a_short_token(tmp_path, capsys, monkeypatch):
    from parallax.cli.main import main

    monkeypatch.delenv("PARALLAX_TOKEN", raising=False)
    assert main(["serve", "--db", str(tmp_path / "none.sqlite")]) == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()          # looking did not create it
    assert main(["serve", "--db", str(tmp_path / "none.sqlite"), "--token", "short"]) == 2
    assert "at least" in capsys.readouterr().err


def test_corpus_version_changes_with_any_writer(db_copy):
    from parallax.store import Store
    from parallax.web.service import Corpus

    path, _ = db_copy
    corpus = Corpus(str(path))
    before = corpus.version()
    assert corpus.version() == before
    with Store(str(path)) as other:
        other.assign_stories({1: "s-bridge"}, {"s-bridge": "Новый заголовок"})
    after = corpus.version()
    assert after != before
    corpus.store().db.execute("UPDATE stories SET title = 'Ещё' WHERE id = 's-bridge'")
    assert corpus.version() != after
    corpus.close()


def test_outlet_profile_comes_from_parallax_profiles(corpus_db):
    from parallax.outlets import profiles
    from parallax.store import Store

    with Store(str(corpus_db[0])) as store:
        profile = profiles.outlet_profile(store, "Сибирь Онлайн")
        overview = profiles.list_outlets(store)
    assert profile["outlet"] == "Сибирь Онлайн" and profile["articles"] == 1 and profile["stories"] == 1
    assert {"contested_terms", "sources", "tone", "omissions"} <= set(profile)
    assert {o["outlet"] for o in overview} >= {"Сибирь Онлайн", "Обозреватель"}


def test_a_surname_alone_takes_the_full_name_its_story_gives():
    from types import SimpleNamespace

    from parallax.store.search import story_surnames
    rows = {1: SimpleNamespace(story_id="s1"), 2: SimpleNamespace(story_id="s1"), 3: SimpleNamespace(story_id=None)}
    person = lambda name: {"type": "PER", "normal": name}  # noqa: E731
    analyses = {1: (1, 1, {"mentions": [person("Дмитрий Песков"), {"type": "LOC", "normal": "Москва"}]}),
                2: (2, 1, {"mentions": [person("Песков")]}),
                3: (3, 1, {"mentions": [person("Песков")]})}
    index = story_surnames(rows, analyses)
    assert index["s1"] == {"песков": "Дмитрий Песков"}
    assert index[3] == {}                 # an article with no story and no full name keeps the surname
