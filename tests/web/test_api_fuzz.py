"""Fuzzing the API's one input path, the body of POST /api/articles (issue 16): random bytes, JSON of any
shape, deep nesting, and well-formed requests whose fields carry invalid text, NUL, zero-width and bidi
characters, lone surrogates, huge values and dates out of range. The server answers 200 (each record stored or
refused with its index and reason), 413 or 422; never 500, never a hang; and the results add up to the
records sent. More examples: PARALLAX_FUZZ_EXAMPLES=500 (as tests/ingest/test_fuzz.py).
"""
from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import TOKEN

BIG_RUN = int(os.environ.get("PARALLAX_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=BIG_RUN or 25, deadline=None, derandomize=not BIG_RUN, database=None,
                suppress_health_check=list(HealthCheck))
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
SECONDS = 30.0

NASTY = ["\u200b", "\u200f", "\u202e", "\u2066", "\ufeff", "\x00", "\ud800", "\udfff", "\r\n", "\u2028", "ё",
         "👍🏽", "<script>", "&amp;", "\\", '"', " " * 40, "Слово", "новость о погоде"]
hostile_text = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(NASTY)), max_size=6).map("".join)
DATES = st.one_of(st.none(), st.dates().map(str), st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                  st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2024-02-30",
                                   "31.12.9999 23:59", "1e400", "99999999999", "Fri, 31 Dec 9999 23:59:59 -0500"]),
                  hostile_text)
json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                    hostile_text),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                          max_leaves=6)
ARTICLE = st.fixed_dictionaries(
    {"text": st.one_of(hostile_text, st.just("Слово " * 90_000)), "outlet": hostile_text},
    optional={"id": st.one_of(hostile_text, st.sampled_from(["a1", "a1", "a2"])), "url": hostile_text,
              "title": hostile_text, "date": DATES, "language": hostile_text, "extra": json_value})


@st.composite
def bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["articles", "articles", "articles", "json", "bytes", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(100, 50_000))
        return ('{"articles": [{"text": "x", "outlet": "y", "id": ' + "[" * depth + "]" * depth + "}]}").encode()
    if kind == "json":
        value = draw(json_value)
    else:
        value = {"articles": draw(st.lists(ARTICLE, min_size=0, max_size=4))}
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", errors="surrogatepass")     # a lone surrogate sent raw: invalid UTF-8


@pytest.fixture(scope="module")
def writer(tmp_path_factory, corpus_db):
    import shutil

    from fastapi.testclient import TestClient

    from parallax.web import create_app

    path = tmp_path_factory.mktemp("api-fuzz") / "corpus.sqlite"
    shutil.copy(corpus_db[0], path)
    with TestClient(create_app(str(path), token=TOKEN)) as client:   # server errors raise here, not as 500
        yield client


def check_response(body: bytes, response) -> None:
    assert response.status_code in (200, 413, 422), (response.status_code, response.text[:500])
    if response.status_code != 200:
        assert "detail" in response.json()
        return
    sent = json.loads(body)["articles"]
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(sent)))      # one result per record, in order
    for result in results:
        assert result["status"] in ("new", "duplicate", "revision", "error"), result
        if result["status"] == "error":
            assert result["error"], result
        else:
            assert result["pk"] is not None and result["id"], result


@FUZZ
@given(body=bodies())
def test_post_body_fuzz(writer, body):
    started = time.monotonic()
    response = writer.post("/api/articles", params={"analyze": "false"}, content=body, headers=AUTH)
    assert time.monotonic() - started < SECONDS
    check_response(body, response)


@FUZZ
@given(articles=st.lists(ARTICLE.filter(lambda a: len(a["text"]) < 1000), min_size=1, max_size=2))
def test_post_body_fuzz_with_analysis(writer, articles):
    """The same, analysed and clustered: what the validation lets through must not break the pipeline."""
    body = json.dumps({"articles": articles}, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    started = time.monotonic()
    response = writer.post("/api/articles", content=body, headers=AUTH)
    assert time.monotonic() - started < SECONDS * 2
    check_response(body, response)


@pytest.mark.parametrize("article,status,problem", [
    ({"text": "Слово.", "outlet": "x", "date": "9999-12-31T23:59:59-05:00"}, "error", "out of range"),
    ({"text": "Слово.", "outlet": "x", "date": "0001-01-01T00:00:00+05:00"}, "error", "out of range"),
    ({"text": "\u200b\u202e\ufeff", "outlet": "x"}, "error", "no words"),
    ({"text": "Слово.", "outlet": "\u202e\u200b"}, "error", "no outlet"),
    ({"text": "Слово \x00 слово.", "outlet": "\u202eРИА\u200b", "id": "nul-1"}, "new", None),
])
def test_post_edge_records(writer, article, status, problem):
    response = writer.post("/api/articles", params={"analyze": "false"}, json={"articles": [article]},
                           headers=AUTH)
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == status, result
    if problem:
        assert problem in result["error"]
