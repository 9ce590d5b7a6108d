import datetime as dt

import pytest

from parallax.ingest.errors import InputError
from parallax.ingest.records import (
    Limits,
    build_article,
    derive_title,
    parse_mapping,
    parse_published,
)


@pytest.mark.parametrize("value, date, published", [
    ("2024-11-07T18:09:50+00:00", dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    ("2024-11-07T21:09:50+03:00", dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    ("2024-11-07T01:00:00+0300", dt.date(2024, 11, 6), "2024-11-06T22:00:00+00:00"),
    ("2024-11-07 18:09:50Z", dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    ("2024-11-07", dt.date(2024, 11, 7), None),
    ("07.11.2024", dt.date(2024, 11, 7), None),
    ("07.11.2024 18:09", dt.date(2024, 11, 7), "2024-11-07T18:09:00"),
    ("Thu, 07 Nov 2024 18:09:50 GMT", dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    (1731002990, dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    ("1731002990", dt.date(2024, 11, 7), "2024-11-07T18:09:50+00:00"),
    (None, None, None),
    ("", None, None),
])
def test_parse_published_formats(value, date, published):
    assert parse_published(value, "f") == (date, published)


def test_unreadable_date_names_file_and_line():
    with pytest.raises(InputError) as info:
        parse_published("вчера вечером", "feed.jsonl", 7)
    assert info.value.line == 7 and "unreadable date" in info.value.problem


def test_build_article_keeps_given_id_and_full_timestamp():
    art = build_article({"id": 42, "text": "  Текст новости.\r\n", "outlet": "ТАСС",
                         "date": "2024-11-07T18:09:50+00:00"}, where="a.jsonl", line=3)
    assert art.id == "42" and art.text == "Текст новости." and art.outlet == "ТАСС"
    assert art.date == dt.date(2024, 11, 7) and art.meta["published"] == "2024-11-07T18:09:50+00:00"
    assert art.source == "a.jsonl:3" and "id_assigned" not in art.meta


def test_build_article_assigns_stable_id_when_input_has_none():
    a = build_article({"text": "Одно и то же."}, where="a", default_outlet="X")
    b = build_article({"text": "Одно и то же."}, where="b", default_outlet="X")
    assert a.id == b.id and a.meta["id_assigned"] is True


@pytest.mark.parametrize("fields, problem", [
    ({"outlet": "X"}, "no text field"),
    ({"text": "   \n ", "outlet": "X"}, "empty text"),
    ({"text": "<<<>>> 123 !!!", "outlet": "X"}, "no words in text"),
    ({"text": {"a": 1}, "outlet": "X"}, "not a string"),
    ({"text": "Слово"}, "no outlet"),
])
def test_build_article_rejections(fields, problem):
    with pytest.raises(InputError) as info:
        build_article(fields, where="x.jsonl", line=5)
    assert problem in info.value.problem and info.value.line == 5


def test_text_over_limit_is_rejected_with_sizes():
    with pytest.raises(InputError) as info:
        build_article({"text": "а" * 101, "outlet": "X"}, where="x", limits=Limits(max_text_chars=100))
    assert "text too long (101 characters, limit 100)" in info.value.problem


def test_unstorable_characters_are_removed():
    art = build_article({"text": "\u200bНачало\x00 и \ud800конец", "outlet": "X"}, where="x")
    assert art.text == "Начало и \ufffdконец"


def test_derive_title_first_line_without_emoji():
    assert derive_title("⚡️ Взрыв в центре города\n\nПодробности позже") == "Взрыв в центре города"
    long_line = "Первое предложение длиннее двадцати знаков. " + "слово " * 60
    assert derive_title(long_line) == "Первое предложение длиннее двадцати знаков."
    cut = derive_title("слово " * 60)
    assert cut.endswith("…") and len(cut) <= 161


def test_parse_mapping():
    assert parse_mapping(["text=body", "outlet = source.name"]) == {"text": "body", "outlet": "source.name"}
    with pytest.raises(ValueError):
        parse_mapping(["body"])
    with pytest.raises(ValueError):
        parse_mapping(["author=by"])
