import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

A = ("---\noutlet: Утренняя газета\ndate: 2024-03-05\n---\n"
     "Министр финансов Антон Силуанов заявил во вторник, что бюджет будет исполнен без дефицита.\n"
     "По данным Минфина, доходы выросли на 12 процентов.\n")
B = ("Глава Минфина Антон Силуанов сообщил, что бюджет исполнят без дефицита.\n"
     "Доходы бюджета выросли на 15 процентов, сообщает ТАСС.\n")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "parallax.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, stdin=subprocess.DEVNULL)


def test_compare_writes_json_and_html_and_survives_broken_files(tmp_path):
    (tmp_path / "a.txt").write_text(A, "utf-8")
    (tmp_path / "b.txt").write_bytes(B.encode("cp1251"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01PK\x03\x04" * 50)
    out_json, out_html = tmp_path / "o.json", tmp_path / "o.html"
    r = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), str(tmp_path / "empty.txt"),
            str(tmp_path / "bin.txt"), "--outlet", "ignored-by-front-matter", "--outlet", "Вечерние вести",
            "--json", str(out_json), "--html", str(out_html))
    assert r.returncode == 3, r.stderr          # compared, but two files were skipped
    assert "skipped 2 unreadable files" in r.stderr and "Traceback" not in r.stderr
    assert "\x1b[" not in r.stdout               # no TTY: no colours without --color never
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert "empty.txt: empty file" in r.stderr and "bin.txt: binary" in r.stderr
    doc = json.loads(out_json.read_text("utf-8"))
    story = doc["stories"][0]
    assert [a["outlet"] for a in story["articles"]] == ["Утренняя газета", "Вечерние вести"]
    assert [a["encoding"] for a in story["articles"]] == ["utf-8", "cp1251"]
    assert {e["file"].rsplit("/", 1)[-1] for e in doc["errors"]} == {"empty.txt", "bin.txt"}
    # the revenue growth figures disagree
    conflicts = [c for c in story["claims"] if c["status"] == "conflict"]
    assert any(k["kind"] == "number" for c in conflicts for k in c["conflicts"])
    html = out_html.read_text("utf-8")
    assert "empty.txt" in html and "Утренняя газета" in html
    assert "CONFLICTS" in r.stdout
    assert "[cp1251]" in r.stdout      # the decoded code page is reported


def test_compare_needs_two_readable_articles(tmp_path):
    (tmp_path / "a.txt").write_text(A, "utf-8")
    (tmp_path / "bad.txt").write_bytes(b"")
    r = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "bad.txt"))
    assert r.returncode == 1
    assert "bad.txt: empty file" in r.stderr and "at least two" in r.stderr


def test_compare_without_inputs_is_a_usage_error():
    r = run("compare")
    assert r.returncode == 2


PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<meta property='og:site_name' content='{site}'>"
        "<meta property='article:published_time' content='2024-03-05T10:00:00+00:00'></head>"
        "<body><nav>Главная | Новости | Спорт</nav><article><h1>{title}</h1><p>{body}</p></article>"
        "<footer>© 2024 {site}. Все права защищены.</footer></body></html>")


def test_compare_reads_saved_web_pages_not_their_markup(tmp_path):
    body = A.split("---\n")[-1].replace("\n", " ")
    (tmp_path / "a.html").write_text(PAGE.format(title="Бюджет без дефицита", site="Утренняя газета",
                                                 body=body), "utf-8")
    (tmp_path / "b.txt").write_text(B, "utf-8")
    out_json = tmp_path / "o.json"
    r = run("compare", str(tmp_path / "a.html"), str(tmp_path / "b.txt"), "--json", str(out_json))
    assert r.returncode == 0, r.stderr
    story = json.loads(out_json.read_text("utf-8"))["stories"][0]
    first = story["articles"][0]
    assert first["outlet"] == "Утренняя газета" and first["title"] == "Бюджет без дефицита"
    assert "<" not in first["text"] and "Все права защищены" not in first["text"]
    assert "Силуанов" in first["text"]
