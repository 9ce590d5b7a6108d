"""`parallax compare` on long inputs: the size limit of `ingest` (same message, naming the file and the
size; `--max-chars` raises it) and a progress bar on standard error, only on a terminal."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from parallax.api import read_articles
from parallax.cli import compare as compare_cli
from parallax.ingest.errors import InputError
from parallax.ingest.records import MAX_TEXT_CHARS, build_article
from parallax.ingest.textfile import read_article_file

A = "Министр финансов Антон Силуанов заявил во вторник, что бюджет будет исполнен без дефицита.\n"
B = "Глава Минфина Антон Силуанов сообщил, что бюджет исполнят без дефицита.\n"


def run(*args):
    return subprocess.run([sys.executable, "-m", "parallax.cli.main", *args], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_an_over_long_file_is_skipped_with_its_name_and_size_and_the_limit_can_be_raised(tmp_path):
    a, b, long = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "long.txt"
    a.write_text(A, "utf-8")
    b.write_text(B, "utf-8")
    long.write_text(B * 40, "utf-8")
    size = len(read_article_file(long).text)
    r = run("compare", str(a), str(long), "--max-chars", "1000", "--quiet")
    assert r.returncode == 1, r.stderr            # one readable article is not a comparison
    assert f"long.txt: text too long ({size} characters, limit 1000)" in r.stderr
    assert "--max-chars" in r.stderr and "Traceback" not in r.stderr
    r = run("compare", str(a), str(b), str(long), "--max-chars", "1000", "--quiet")
    assert r.returncode == 3, r.stderr            # compared, one file skipped
    assert "long.txt: text too long" in r.stderr
    r = run("compare", str(a), str(long), "--max-chars", str(size), "--quiet")
    assert r.returncode == 0, r.stderr


def test_the_default_limit_and_message_are_those_of_ingest(tmp_path):
    path = tmp_path / "huge.txt"
    text = ("Бюджет исполнен без дефицита. " * (MAX_TEXT_CHARS // 30 + 10))[:MAX_TEXT_CHARS + 1]
    path.write_text(text, "utf-8")
    articles, errors = read_articles([str(path)])
    assert not articles and len(errors) == 1
    with pytest.raises(InputError) as info:
        build_article({"text": text}, where=str(path))
    assert errors[0]["error"] == info.value.problem == f"text too long ({MAX_TEXT_CHARS + 1} characters, limit {MAX_TEXT_CHARS})"
    assert errors[0]["file"] == str(path)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_comparisons_show_progress_on_a_terminal_only(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(A * 3, "utf-8")
    (tmp_path / "b.txt").write_text(B * 3, "utf-8")
    monkeypatch.setattr(compare_cli, "PROGRESS_MIN_CHARS", 100)
    for stream, shown in ((io.StringIO(), False), (_Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        args = compare_cli_args(tmp_path)
        assert compare_cli.run_compare(args) == 0
        out = stream.getvalue()
        assert ("analysing" in out and "comparing" in out) is shown, out
    # a short comparison shows none, even on a terminal
    monkeypatch.setattr(compare_cli, "PROGRESS_MIN_CHARS", 10_000)
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    assert compare_cli.run_compare(compare_cli_args(tmp_path)) == 0
    assert "analysing" not in stream.getvalue()
    # nor does --quiet (as `ingest --quiet`)
    monkeypatch.setattr(compare_cli, "PROGRESS_MIN_CHARS", 100)
    args = compare_cli_args(tmp_path)
    args.quiet = True
    assert compare_cli.run_compare(args) == 0
    assert "analysing" not in stream.getvalue()


def compare_cli_args(tmp_path):
    from parallax.cli.main import build_parser
    return build_parser().parse_args(["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--color", "never"])
