from parallax.ingest.csvfile import iter_csv
from parallax.ingest.errors import InputError
from parallax.ingest.records import Limits


def _split(items):
    return ([i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)])


def test_csv_default_columns_and_multiline_text(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text('id,url,outlet,title,date,text\n'
                    '1,https://a.ru/1,А,Заголовок,2024-12-01,"Первый абзац.\nВторой абзац."\n'
                    '2,,Б,,2024-12-02,Текст без заголовка\n', encoding="utf-8")
    arts, errs = _split(list(iter_csv(path)))
    assert not errs
    assert arts[0].text == "Первый абзац.\nВторой абзац." and arts[0].source == f"{path}:2"
    assert arts[1].source == f"{path}:4" and arts[1].url is None
    assert arts[1].title == "Текст без заголовка" and arts[1].meta.get("title_derived")


def test_csv_mapping_semicolons_and_cp1251(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("guid;body;source\n9;Текст в кодировке Windows;Издание\n".encode("cp1251"))
    [art] = list(iter_csv(path, mapping={"id": "guid", "text": "body", "outlet": "source"}))
    assert (art.id, art.text, art.outlet, art.encoding) == ("9", "Текст в кодировке Windows", "Издание", "cp1251")


def test_csv_bad_rows_are_skipped_with_line_numbers(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "id,outlet,text\n".encode()
        + "1,X,Хороший текст\n".encode()
        + b"2,X,\xff\xfe\xfd broken bytes\n"          # line 3: not UTF-8
        + "3,X,\n".encode()                           # line 4: empty text
        + ("4,X," + "я" * 300 + "\n").encode()        # line 5: too long
        + "5,X,Ещё текст,лишнее поле\n".encode()      # line 6: extra field
        + "6,X,Последний текст\n".encode())
    arts, errs = _split(list(iter_csv(path, limits=Limits(max_text_chars=200))))
    assert [a.id for a in arts] == ["1", "6"]
    assert {e.line for e in errs} == {3, 4, 5, 6}
    assert all(isinstance(e.line, int) and e.source == str(path) for e in errs)


def test_csv_without_text_column_is_one_error(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,body\n1,Текст\n", encoding="utf-8")
    [err] = list(iter_csv(path))
    assert isinstance(err, InputError) and "no 'text' column" in err.problem and "--map" in err.problem


def test_tsv(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_text("id\toutlet\ttext\n1\tX\tТекст, с запятой\n", encoding="utf-8")
    [art] = list(iter_csv(path))
    assert art.text == "Текст, с запятой"
