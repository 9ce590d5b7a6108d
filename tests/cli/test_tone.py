"""`parallax tone FILE.csv`: round trip of RuSentNE rows, bad rows, delimiters."""
from __future__ import annotations

import argparse
import csv
import io

import pytest

from parallax.cli.tone import label_rows, register

HEADER = "sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\tid\n"
GOOD = [
    ("Суд приговорил Иванова к тюрьме за убийство.", "Иванова", "PERSON", "a"),
    ("Министр похвалил компанию «Бета» за успешное сотрудничество.", "«Бета»", "ORGANIZATION", "b"),
    ("Заседание пройдет в Москве во вторник.", "Москве", "COUNTRY", "c"),
]


def _row(sentence, entity, tag, rid):
    start = sentence.index(entity)
    return f"{sentence}\t{entity}\t{tag}\t{start}\t{start + len(entity)}\t{rid}\n"


def _run(argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def _read(path, delimiter="\t"):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def test_round_trip_adds_labels_and_keeps_other_columns(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "".join(_row(*r) for r in GOOD), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert _run(["tone", str(src), "-o", str(out)]) == 0
    rows = _read(out)
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [r["sentence"] for r in rows] == [g[0] for g in GOOD]
    assert [r["label"] for r in rows] == ["-1", "1", "0"]
    assert list(rows[0]) == ["sentence", "entity", "entity_tag", "entity_pos_start_rel",
                             "entity_pos_end_rel", "id", "label"]


def test_existing_label_column_is_overwritten_in_place(tmp_path):
    src = tmp_path / "in.csv"
    header = HEADER.replace("\tid\n", "\tlabel\tid\n")
    body = "".join(_row(*r).replace(f"\t{r[3]}\n", f"\t7\t{r[3]}\n") for r in GOOD)
    src.write_text(header + body, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert _run(["tone", str(src), "-o", str(out)]) == 0
    rows = _read(out)
    assert list(rows[0]).count("label") == 1
    assert [r["label"] for r in rows] == ["-1", "1", "0"]


def test_bad_rows_are_reported_with_line_numbers_and_kept_unlabelled(tmp_path, capsys):
    src = tmp_path / "in.csv"
    lines = [HEADER, _row(*GOOD[0]),
             "Нет чисел.\tчисел\tPERSON\tx\t9\tbad1\n",                 # line 3
             "Коротко.\tКоротко\tPERSON\t0\t99\tbad2\n",                # line 4
             "Петров уехал.\tСидоров\tPERSON\t0\t6\tbad3\n",            # line 5: offsets miss the entity
             "\tПетров\tPERSON\t0\t6\tbad4\n",                          # line 6: no sentence
             _row(*GOOD[2])]
    src.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert _run(["tone", str(src), "-o", str(out)]) == 3           # done, bad rows skipped
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    rows = _read(out)
    assert [(r["id"], r["label"]) for r in rows] == [("a", "-1"), ("bad1", ""), ("bad2", ""), ("bad3", ""),
                                                     ("bad4", ""), ("c", "0")]
    err = capsys.readouterr().err
    for line in (3, 4, 5, 6):
        assert f"in.csv:{line}: skipped" in err
    assert "in.csv:2:" not in err and "in.csv:7:" not in err
    assert "labelled 2 row(s), 4 bad row(s)" in err


def test_line_numbers_count_multiline_quoted_sentences():
    sentence = "Первая строка\nвторая: суд арестовал Петрова."
    start = sentence.index("Петрова")
    text = (HEADER
            + f'"{sentence}"\tПетрова\tPERSON\t{start}\t{start + 7}\ta\n'
            + "Плохо.\tПлохо\tPERSON\t0\t99\tb\n")                   # physical line 4
    out = io.StringIO()
    n, errors = label_rows(io.StringIO(text), out)
    assert n == 1
    assert [e.line for e in errors] == [4]
    rows = list(csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t"))
    assert rows[0]["sentence"] == sentence and rows[0]["label"] in {"-1", "0", "1"}


def test_comma_separated_input_stays_comma_separated():
    sentence, entity = GOOD[1][0], GOOD[1][1]
    start = sentence.index(entity)
    text = ("sentence,entity,entity_tag,entity_pos_start_rel,entity_pos_end_rel\n"
            f'"{sentence}",{entity},ORGANIZATION,{start},{start + len(entity)}\n')
    out = io.StringIO()
    label_rows(io.StringIO(text), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["label"] == "1"
    assert out.getvalue().splitlines()[0].endswith(",label")


def test_missing_columns_is_an_error_not_a_crash(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("text\tentity\nПетров уехал.\tПетров\n", encoding="utf-8")
    assert _run(["tone", str(src)]) == 2
    assert "missing column(s) sentence, entity_pos_start_rel, entity_pos_end_rel" in capsys.readouterr().err


def test_unreadable_file(tmp_path, capsys):
    assert _run(["tone", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_extra_fields_make_a_bad_row():
    text = HEADER + _row(*GOOD[0]).rstrip("\n") + "\textra\n"
    out = io.StringIO()
    n, errors = label_rows(io.StringIO(text), out)
    assert n == 0 and len(errors) == 1 and errors[0].line == 2
    assert "more field" in errors[0].message


@pytest.mark.parametrize("text", ["", "\n"])
def test_empty_input(text):
    with pytest.raises(ValueError, match="header"):
        label_rows(io.StringIO(text), io.StringIO())


@pytest.mark.parametrize("data,message", [
    ("text\tentity\nПетров уехал.\tПетров\n".encode("utf-8"), "missing column(s)"),
    (HEADER.encode("utf-8") + "Петров уехал.\tПетров\tPERSON\t0\t6\tx\n".encode("cp1251"), "not UTF-8 text"),
])
def test_bad_input_with_output_file_leaves_no_file(tmp_path, capsys, data, message):
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    assert _run(["tone", str(src), "-o", str(tmp_path / "out.csv")]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]      # neither out.csv nor a temporary file
