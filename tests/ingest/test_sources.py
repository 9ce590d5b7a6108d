import json

from parallax.ingest.errors import InputError
from parallax.ingest.sources import iter_source, iter_sources


def test_folder_walk_dispatches_by_type_and_skips_others(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("---\noutlet: Газета\nid: g1\n---\nТекст статьи.", encoding="utf-8")
    (tmp_path / "sub" / "b.jsonl").write_text(
        json.dumps({"id": "j1", "outlet": "Лента", "text": "Текст."}, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "sub" / "c.csv").write_text("id,outlet,text\nc1,Вести,Текст.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# not an article", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    items = list(iter_source(tmp_path))
    ids = sorted(i.id for i in items if not isinstance(i, InputError))
    errors = [i for i in items if isinstance(i, InputError)]
    assert ids == ["c1", "g1", "j1"]
    assert [e.source for e in errors] == [str(tmp_path / "empty.txt")]


def test_text_file_with_name_as_id_gets_content_identity(tmp_path):
    (tmp_path / "note.txt").write_text("Просто текст.", encoding="utf-8")
    [art] = list(iter_source(tmp_path / "note.txt", outlet="X"))
    assert art.id == "note" and art.meta.get("id_assigned") is True and art.outlet == "X"


def test_missing_path_is_an_error_not_an_exception(tmp_path):
    [err] = list(iter_sources([tmp_path / "nope.jsonl"]))
    assert isinstance(err, InputError) and "no such file" in err.problem


def test_explicit_file_with_unknown_suffix_is_sniffed(tmp_path):
    path = tmp_path / "dump.data"
    path.write_text('{"id": "1", "outlet": "X", "text": "Один."}\n{"id": "2", "outlet": "X", "text": "Два."}\n',
                    encoding="utf-8")
    assert [a.id for a in iter_source(path)] == ["1", "2"]


def test_oversized_text_file_is_rejected(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("слово " * 1_800_000, encoding="utf-8")      # ~10 MB
    [err] = list(iter_source(path))
    assert isinstance(err, InputError) and "too long" in err.problem


def test_wrong_encoding_text_file_is_rejected(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(bytes(range(128, 256)) * 20)
    [err] = list(iter_source(path))
    assert isinstance(err, InputError) and err.source == str(path)
