import datetime as dt

import pytest

from parallax.ingest.encoding import decode_bytes
from parallax.ingest.errors import InputError
from parallax.ingest.textfile import article_from_text, read_article_file

RU = "Президент выступил в парламенте. Депутаты обсудили бюджет на следующий год и приняли поправки.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251", "koi8-r", "utf-8-sig", "utf-16"])
def test_decodes_russian_encodings_and_reports_which(tmp_path, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(RU.encode(encoding))
    art = read_article_file(path)
    assert art.text == RU.strip()
    expected = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
    assert art.encoding == expected


def test_cp1251_and_koi8_are_not_confused():
    text = "Министр обороны заявил, что учения пройдут в сентябре в нескольких регионах страны."
    for enc in ("cp1251", "koi8-r"):
        decoded, used = decode_bytes(text.encode(enc), "x.txt")
        assert decoded == text and used == enc


@pytest.mark.parametrize("data,problem", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x00\x01\x02\x03binary\x00\x00", "binary"),
    (bytes(range(128, 256)) * 4, "unknown text encoding"),
])
def test_broken_files_name_the_file_and_problem(tmp_path, data, problem):
    path = tmp_path / "broken.bin"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_article_file(path)
    assert str(path) in str(err.value)
    assert problem in str(err.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_article_file(tmp_path / "nope.txt")


def test_inline_header_is_parsed_and_removed():
    art = article_from_text(" date 2025-09-03 Во время переговоров стороны договорились.", name="x/003.txt")
    assert art.date == dt.date(2025, 9, 3)
    assert art.text == "Во время переговоров стороны договорились."
    assert art.outlet == "003" and art.id == "003"


def test_header_only_takes_well_formed_dates():
    art = article_from_text("date night in Paris was a success.", name="a.txt")
    assert art.date is None and art.text.startswith("date night")


def test_front_matter_sets_metadata_and_never_leaks():
    raw = "---\noutlet: Вечерние новости\ntitle: Саммит\nurl: https://example.org/a\ndate: 2024-12-01\n---\nТекст статьи.\n"
    art = article_from_text(raw, name="a.txt", outlet="ignored")
    assert (art.outlet, art.title, art.url, art.date) == ("Вечерние новости", "Саммит", "https://example.org/a", dt.date(2024, 12, 1))
    assert art.text == "Текст статьи."


def test_outlet_from_cli_then_file_name():
    assert article_from_text("Текст.", name="dir/rbc_17.txt", outlet="РБК").outlet == "РБК"
    assert article_from_text("Текст.", name="dir/rbc_17.txt").outlet == "rbc_17"


def test_bad_front_matter_is_reported():
    with pytest.raises(InputError, match="front matter"):
        article_from_text("---\n: : [\n---\nТекст.", name="bad.txt")


def test_bad_date_is_reported():
    with pytest.raises(InputError, match="date"):
        article_from_text("---\ndate: вчера\n---\nТекст.", name="bad.txt")


def test_crlf_is_normalized_and_offsets_refer_to_stored_text():
    art = article_from_text("Первый абзац.\r\n\r\nВторой абзац.  \r\n", name="a.txt")
    assert art.text == "Первый абзац.\n\nВторой абзац."
