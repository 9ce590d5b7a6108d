import json

import pytest

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


def _fifo_with(tmp_path, name: str, data: bytes):
    import os
    import threading
    fifo = tmp_path / name
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return fifo, writer


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("name", ["posts.jsonl", "posts"])        # by suffix, and sniffed from the content
def test_a_named_pipe_is_read_like_a_file_and_errors_name_the_pipe(tmp_path, name):
    lines = [json.dumps({"id": "1", "outlet": "A", "text": "В Москве прошёл митинг."}, ensure_ascii=False),
             "not json",
             json.dumps({"id": "2", "outlet": "B", "text": "В Москве прошёл второй митинг."}, ensure_ascii=False)]
    fifo, writer = _fifo_with(tmp_path, name, ("\n".join(lines) + "\n").encode())
    items = list(iter_source(fifo))
    writer.join(5)
    articles = [i for i in items if not isinstance(i, InputError)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [a.id for a in articles] == ["1", "2"]
    assert [a.source for a in articles] == [f"{fifo}:1", f"{fifo}:3"]
    assert [(e.source, e.line) for e in errors] == [(str(fifo), 2)]
