import json

from parallax.ingest.errors import InputError
from parallax.ingest.jsonl import iter_json_array, iter_jsonl
from parallax.ingest.records import Limits


def _split(items):
    arts = [i for i in items if not isinstance(i, InputError)]
    errs = [i for i in items if isinstance(i, InputError)]
    return arts, errs


def test_jsonl_bad_lines_are_reported_and_skipped(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = {"id": "a1", "url": "https://x.ru/1", "outlet": "X", "title": "T", "date": "2024-12-01", "text": "Текст один."}
    lines = [
        json.dumps(good, ensure_ascii=False).encode(),
        b'{"id": "a2", "text": "broken',                                       # line 2: bad JSON
        b"",                                                                  # blank lines are skipped
        json.dumps({"id": "a3", "outlet": "X", "text": ""}).encode(),         # line 4: empty text
        b"\x00\x01\x02\x03 binary garbage",                                    # line 5: not text at all
        json.dumps({"id": "a6", "outlet": "X", "text": "Текст шесть."}, ensure_ascii=False).encode("cp1251"),
        json.dumps({"id": "a7", "outlet": "X", "text": "я" * 2000}).encode(),  # line 7: too long
        b"[1, 2]",                                                            # line 8: not an object
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    arts, errs = _split(list(iter_jsonl(path, limits=Limits(max_text_chars=1000))))
    assert [a.id for a in arts] == ["a1"]
    assert arts[0].source == f"{path}:1" and arts[0].url == "https://x.ru/1"
    by_line = {e.line: e.problem for e in errs}
    assert set(by_line) == {2, 4, 5, 6, 7, 8}
    assert by_line[2].startswith("invalid JSON") and by_line[4] == "empty text"
    assert "not valid utf-8" in by_line[6]          # a cp1251 line inside a UTF-8 file
    assert "too long" in by_line[7] or "too large" in by_line[7]
    assert all(e.source == str(path) for e in errs)


def test_jsonl_file_in_cp1251(tmp_path):
    path = tmp_path / "legacy.jsonl"
    lines = [{"id": str(i), "outlet": "Газета", "text": f"Текст номер {i} в старой кодировке."} for i in range(3)]
    path.write_bytes("\n".join(json.dumps(r, ensure_ascii=False) for r in lines).encode("cp1251"))
    arts, errs = _split(list(iter_jsonl(path)))
    assert not errs and [a.encoding for a in arts] == ["cp1251"] * 3 and arts[2].outlet == "Газета"


def test_jsonl_ten_megabyte_record_is_rejected_not_fatal(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "huge", "outlet": "X", "text": "слово " * 1_800_000}, ensure_ascii=False) + "\n")
        fh.write(json.dumps({"id": "ok", "outlet": "X", "text": "Нормальный текст."}, ensure_ascii=False) + "\n")
    arts, errs = _split(list(iter_jsonl(path)))
    assert [a.id for a in arts] == ["ok"]
    assert len(errs) == 1 and errs[0].line == 1 and ("too large" in errs[0].problem or "too long" in errs[0].problem)


def test_jsonl_column_mapping_with_nested_names(tmp_path):
    path = tmp_path / "other.jsonl"
    rec = {"guid": 7, "body": "Текст.", "source": {"name": "Вести"}, "headline": "Заголовок", "link": "https://v.ru/7"}
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    mapping = {"id": "guid", "text": "body", "outlet": "source.name", "title": "headline", "url": "link"}
    [art] = list(iter_jsonl(path, mapping=mapping))
    assert (art.id, art.text, art.outlet, art.title, art.url) == ("7", "Текст.", "Вести", "Заголовок", "https://v.ru/7")


def test_outlet_falls_back_to_option_then_file_name(tmp_path):
    path = tmp_path / "lenta.jsonl"
    path.write_text('{"text": "Текст."}\n', encoding="utf-8")
    assert next(iter_jsonl(path)).outlet == "lenta"
    assert next(iter_jsonl(path, outlet="Лента.ру")).outlet == "Лента.ру"


def test_json_array_keeps_line_numbers_and_stops_at_a_break(tmp_path):
    text = '[\n  {"id": "1", "outlet": "X", "text": "Один."},\n  {"id": "2", "outlet": "X", "text": ""},\n' \
           '  {"id": "3", "outlet": "X", "text": "Три."},\n  {"id": "4", oops}\n]'
    arts, errs = _split(list(iter_json_array("a.json", text)))
    assert [a.id for a in arts] == ["1", "3"]
    assert arts[1].source == "a.json:4"
    assert [(e.line, e.problem.split(" (")[0]) for e in errs] == [(3, "empty text"), (5, "invalid JSON")]


def test_json_wrapper_object(tmp_path):
    text = json.dumps({"meta": {"n": 1}, "articles": [{"id": "w1", "outlet": "X", "text": "Текст."}]})
    [art] = list(iter_json_array("w.json", text))
    assert art.id == "w1"
