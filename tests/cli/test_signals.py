"""Every command in a pipe (`| head`), on Ctrl-C and without a TTY; output files written atomically; the exit
codes (0 done, 1 failed, 2 usage, 3 done but inputs skipped, 130 interrupted, 141 pipe closed)."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import parallax.cli.compare as compare_cli
from parallax import __version__
from parallax.cli import common
from parallax.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SKIPPED,
    OutputError,
    atomic_output,
    atomic_path,
    checkpoint,
    run_command,
)
from parallax.cli.main import build_parser, main
from parallax.model import Article
from parallax.store import Store

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
CLI = [sys.executable, "-m", "parallax.cli"]

A = ("---\noutlet: Утренняя газета\ndate: 2024-03-05\n---\n"
     "Министр финансов Антон Силуанов заявил во вторник, что бюджет будет исполнен без дефицита.\n")
B = "Глава Минфина Антон Силуанов сообщил, что бюджет исполнят без дефицита.\n"


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes left in `folder`."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def no_traceback(stderr: str) -> bool:
    return "Traceback" not in stderr and "Exception ignored" not in stderr


# ---- atomic output files ------------------------------------------------------------------------------

@pytest.mark.parametrize("old,raised,expected", [
    (None,  None,              "new"),      # written, renamed into place
    ("old", None,              "new"),      # replaces the old file
    ("old", ValueError,        "old"),      # the command failed: the old file stays
    ("old", KeyboardInterrupt, "old"),      # Ctrl-C: the old file stays
    (None,  KeyboardInterrupt, None),       # Ctrl-C: no file at all, not half of one
])
def test_atomic_output_is_all_or_nothing(tmp_path, old, raised, expected):
    target = tmp_path / "out.json"
    if old is not None:
        target.write_text(old, encoding="utf-8")
    try:
        with atomic_output(target) as f:
            f.write("ne")
            if raised:
                raise raised()
            f.write("w")
    except (ValueError, KeyboardInterrupt):
        pass
    assert (target.read_text(encoding="utf-8") if target.exists() else None) == expected
    assert leftovers(tmp_path) == []


def test_atomic_path_writes_a_device_directly_and_names_an_unwritable_folder(tmp_path):
    with atomic_path(os.devnull) as name:
        assert name == os.devnull
    with pytest.raises(OutputError, match="cannot write .*no-such-folder"):
        with atomic_path(tmp_path / "no-such-folder" / "out.json"):
            pass


def test_unwritable_output_file_is_one_line_and_exit_1(tmp_path, capsys):
    db = _stories_db(tmp_path / "s.sqlite", 2)
    assert main(["export", str(tmp_path / "nope" / "out.jsonl"), "--db", db]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("parallax: cannot write") and len(err.splitlines()) == 1


def test_compare_checks_its_output_folders_before_the_long_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(compare_cli, "compare_articles", lambda *a, **k: pytest.fail("compared anyway"))
    for name, text in (("a.txt", A), ("b.txt", B)):
        (tmp_path / name).write_text(text, "utf-8")
    argv = ["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--html", str(tmp_path / "typo" / "o.html")]
    assert main(argv) == EXIT_FAILED
    assert f"no such folder {tmp_path / 'typo'}" in capsys.readouterr().err


# ---- run_command: what ends a command -----------------------------------------------------------------

def _raise(exc):
    def command(args):
        raise exc
    return command


@pytest.mark.parametrize("func,code,message", [
    (lambda args: None,                       EXIT_OK,          ""),
    (lambda args: 3,                          EXIT_SKIPPED,     ""),
    (_raise(KeyboardInterrupt()),             EXIT_INTERRUPTED, "parallax: interrupted\n"),
    (_raise(BrokenPipeError()),               EXIT_BROKEN_PIPE, ""),
    (_raise(OutputError("cannot write x")),   EXIT_FAILED,      "parallax: cannot write x\n"),
])
def test_run_command_exit_codes(capsys, func, code, message):
    assert run_command(func, None) == code
    assert capsys.readouterr().err == message


def _swallows_ctrl_c(then_checkpoint: bool):
    """A command whose Ctrl-C is lost below it, as a database error raised while a savepoint is rolled back
    replaces the KeyboardInterrupt and is then caught as one bad record."""
    def command(args):
        try:
            signal.raise_signal(signal.SIGINT)
        except Exception:
            pytest.fail("KeyboardInterrupt is no Exception")
        except BaseException:
            pass                                        # lost
        if then_checkpoint:
            checkpoint()                                # the next progress callback
            pytest.fail("checkpoint() did not stop the command")
        return 0
    return command


@pytest.mark.parametrize("then_checkpoint", [True, False])
def test_a_swallowed_ctrl_c_still_ends_the_command_with_130(capsys, then_checkpoint):
    assert run_command(_swallows_ctrl_c(then_checkpoint), None) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "parallax: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler      # restored
    checkpoint()                                        # the next command starts clean


# ---- pipes ---------------------------------------------------------------------------------------------

def _stories_db(path: Path, n: int) -> str:
    """`n` one-article stories (no models involved): enough output to fill a pipe's buffer."""
    with Store(str(path)) as store:
        results = store.add_articles([
            Article(id=f"a{i}", text=f"Новость номер {i} о событии {i * 7}.", outlet=f"Газета {i % 7}",
                    title=f"Заголовок {i}", date=dt.date(2024, 12, 1 + i % 28), url=f"https://x.example/{i}",
                    meta={"published": f"2024-12-{1 + i % 28:02d}T10:00:00+00:00"})
            for i in range(n)])
        store.assign_stories({r.pk: f"s{i}" for i, r in enumerate(results)},
                             {f"s{i}": f"Сюжет {i}" for i in range(n)})
    return str(path)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> str:
    return _stories_db(tmp_path_factory.mktemp("pipe") / "many.sqlite", 1500)


@pytest.mark.parametrize("argv", [
    ["stories", "--json"],
    ["stories"],
    ["export", "/dev/stdout", "--no-analysis"],      # an output file that is a pipe
])
def test_reader_closing_the_pipe_early_is_no_traceback(big_db, argv):
    """`parallax stories --json | head -1`: the command stops quietly with 141, as `cat` would."""
    proc = subprocess.Popen(CLI + argv + ["--db", big_db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=ENV, cwd=big_db.rsplit("/", 1)[0])
    first = proc.stdout.readline()
    proc.stdout.close()                  # what `head -1` does after its line
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=60)
    assert first.strip()
    assert proc.returncode == EXIT_BROKEN_PIPE, err
    assert err == "", err


def test_stories_without_a_tty_in_the_c_locale(big_db):
    """No terminal anywhere (stdin, stdout, stderr), no TERM, LC_ALL=C: plain UTF-8 output, no escapes."""
    env = {k: v for k, v in ENV.items() if k not in ("TERM", "LANG", "LC_ALL", "PYTHONIOENCODING")}
    r = subprocess.run(CLI + ["stories", "--db", big_db, "--limit", "3"], capture_output=True,
                       stdin=subprocess.DEVNULL, env=dict(env, LC_ALL="C"), timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("utf-8")
    assert "Сюжет" in out and "\x1b[" not in out and len(out.splitlines()) == 6
    assert r.stderr == b""


# ---- Ctrl-C --------------------------------------------------------------------------------------------

def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def _corpus(path: Path, n: int) -> Path:
    """`n` distinct records, every 50th line broken JSON (so `--errors` has something to write)."""
    words = ["мост", "город", "власти", "открыли", "строительство", "заняло", "лет", "новый", "район", "жители"]
    lines = []
    for i in range(n):
        if i % 50 == 49:
            lines.append('{"id": "broken",')
            continue
        text = " ".join(words[(i * k + k * k) % len(words)] for k in range(1, 40)) + f" {i}."
        lines.append(json.dumps({"id": f"a{i}", "url": f"https://o{i % 5}.example/{i}", "outlet": f"Outlet {i % 5}",
                                 "date": f"2024-12-{1 + i % 28:02d}T10:00:00+00:00", "text": text},
                                ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The shell sees 130 either way. A process can also end killed by SIGINT itself (Popen: -2) after printing
# the message and returning 130: CPython does that when the KeyboardInterrupt went through code an extension
# module runs with PyRun_String while being imported (a Ctrl-C during the analysis stack's lazy imports).
INTERRUPTED = (EXIT_INTERRUPTED, -signal.SIGINT)


def _interrupted(proc: subprocess.Popen, release=lambda: None) -> str:
    """Ctrl-C, then the command's standard error. `release` lets a command that ignored the Ctrl-C finish (so
    the test fails on its exit code rather than waiting out the timeout)."""
    proc.send_signal(signal.SIGINT)
    try:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        release()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return err.decode("utf-8", "replace")


HELD_FEED = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title><item>'
             '<title>Мост открыли</title><link>https://feed.example/1</link><pubDate>Sun, 01 Dec 2024 10:00:00 '
             '+0000</pubDate><description>Власти открыли новый мост через реку после ремонта.</description>'
             '</item></channel></rss>')


class HeldFeed:
    """A feed on loopback whose response waits until `release()`: a command that reaches it cannot finish, so
    a Ctrl-C sent once the command has started always finds it still running. `requested` is set when the
    command asks for the feed (a started marker, as a committed batch is)."""

    def __init__(self) -> None:
        self.requested, self.released = threading.Event(), threading.Event()
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                held.requested.set()
                held.released.wait(180)
                body = HELD_FEED.encode("utf-8")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass                # the interrupted command has closed the connection

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_feed():
    feed = HeldFeed()
    yield feed
    feed.close()


def test_ctrl_c_mid_ingest_exits_130_and_leaves_no_errors_file(tmp_path, held_feed):
    source = _corpus(tmp_path / "big.jsonl", 6000)
    out = tmp_path / "out"
    out.mkdir()
    db = tmp_path / "c.sqlite"
    env = dict(ENV, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    # the file, then the held feed: however fast the machine stores the file, the run cannot end before Ctrl-C
    proc = subprocess.Popen(CLI + ["ingest", str(source), held_feed.url, "--db", str(db), "--no-analyze",
                                   "--batch-size", "20", "--errors", str(out / "errors.jsonl")],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    # started: a committed batch (Ctrl-C mid-store) or the request for the feed (Ctrl-C mid-read)
    while _count(db) < 100 and not held_feed.requested.is_set() and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "ingest ended before it could be interrupted: " + proc.stderr.read().decode()
    err = _interrupted(proc, held_feed.release)
    assert proc.returncode in INTERRUPTED, err
    assert err.rstrip().endswith("parallax: interrupted") and no_traceback(err), err
    assert list(out.iterdir()) == []                    # neither errors.jsonl nor its temporary file
    assert 0 < _count(db) < 6000                        # what was committed stays (the SIGKILL test: no loss)


def _long_article(outlet: str, sentences: int) -> str:
    """An article of `sentences` distinct sentences (~100 characters each): seconds of analysis and comparison."""
    body = " ".join(f"Министр финансов Антон Силуанов заявил {i % 28 + 1} декабря, что бюджет области номер {i} "
                    f"будет исполнен без дефицита в {2000 + i % 25} году." for i in range(sentences))
    return f"---\noutlet: {outlet}\ndate: 2024-03-05\n---\n{body}\n"


def test_ctrl_c_mid_compare_exits_130_and_writes_no_file(tmp_path):
    # ~40 KB each: loading the models, the analysis and the comparison take CPU-seconds after the marker below
    (tmp_path / "a.txt").write_text(_long_article("Утренняя газета", 400), "utf-8")
    (tmp_path / "b.txt").write_text(_long_article("Вечерняя газета", 400), "utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(CLI + ["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                                   str(tmp_path / "empty.txt"), "--json", str(out / "o.json"),
                                   "--html", str(out / "o.html")],
                            env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # started: the skipped file is reported once the files are read, before the analysis starts
    first = proc.stderr.readline().decode("utf-8", "replace")
    assert "skipped" in first and proc.poll() is None, first
    err = first + _interrupted(proc)
    assert proc.returncode in INTERRUPTED, err
    assert err.rstrip().endswith("parallax: interrupted") and "Traceback" not in err, err
    assert list(out.iterdir()) == []


# ---- exit codes of ingest: done / done but skipped / nothing done -------------------------------------

GOOD = '{"id": "g%d", "outlet": "Вести", "date": "2024-12-01", "text": "Новость %d о мосте через реку."}\n'


@pytest.mark.parametrize("files,code", [
    ({"a.jsonl": GOOD % (1, 1) + GOOD % (2, 2)},                       EXIT_OK),
    ({"a.jsonl": GOOD % (1, 1) + '{"id": \n'},                         EXIT_SKIPPED),    # one bad line
    ({"a.jsonl": GOOD % (1, 1), "missing.jsonl": None},                EXIT_SKIPPED),    # one source missing
    ({"a.jsonl": '{"id": \n' + '{"text": ""}\n'},                      EXIT_FAILED),     # every record rejected
    ({"missing.jsonl": None},                                          2),               # nothing to read
])
def test_ingest_exit_code(tmp_path, capsys, files, code):
    for name, text in files.items():
        if text is not None:
            (tmp_path / name).write_text(text, encoding="utf-8")
    argv = ["ingest", *(str(tmp_path / n) for n in files), "--db", str(tmp_path / "c.sqlite"), "--no-analyze"]
    assert main(argv) == code, capsys.readouterr().err


# ---- one story title -----------------------------------------------------------------------------------

def test_compare_story_shows_the_title_stories_lists(tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    with Store(db) as store:
        results = store.add_articles([
            Article(id="r1", text="Парламент Южной Кореи отменил военное положение.", outlet="РИА Новости",
                    title="Парламент отменил военное положение", date=dt.date(2024, 12, 3)),
            Article(id="b1", text="Депутаты Южной Кореи проголосовали против военного положения.",
                    outlet="Би-би-си", title="Депутаты против", date=dt.date(2024, 12, 3)),
        ])
        store.assign_stories({r.pk: "s-1" for r in results}, {"s-1": "Военное положение в Южной Корее"})
    assert main(["stories", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["stories"][0]["title"]
    assert listed == "Военное положение в Южной Корее"
    out_json = tmp_path / "s.json"
    assert main(["compare", "--story", "s-1", "--db", db, "--json", str(out_json), "--color", "never"]) == 0
    assert json.loads(out_json.read_text("utf-8"))["stories"][0]["title"] == listed
    assert listed in capsys.readouterr().out


# ---- --version and `python -m` ------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["parallax.cli", "parallax.cli.main"])
def test_version_without_warnings(module):
    r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, env=ENV,
                       timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"parallax {__version__}\n", "")


def test_help_names_the_exit_codes():
    out = io.StringIO()
    build_parser().print_help(out)
    text = " ".join(out.getvalue().split())
    assert "3 done but some inputs were skipped" in text and "130 interrupted" in text


def test_readme_lists_exactly_the_exit_codes():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", section, flags=re.M)}
    assert documented == {v for k, v in vars(common).items() if k.startswith("EXIT_")}
