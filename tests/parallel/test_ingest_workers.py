"""`parallax ingest --workers N`: the analysis in N worker processes stores what one process stores (the same
analyses, story features and stories, with the same ids), and a worker that dies fails only its chunk."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from parallel_corpus import write_corpus
from parallel_crash_task import CRASH_MARK, fake_or_crash

from corpus_fakes import make_article
from parallax.cli.main import main
from parallax.parallel.workers import analyze_pending_parallel, default_workers
from parallax.store import Store


def stored_state(db: str) -> dict:
    """identity -> (analysis JSON, story features, story id): everything analysis and clustering stored."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT a.ident, a.story_id, n.data, n.revision, f.embedding, f.entities, f.title, f.evidence, f.time_ts "
            "FROM articles a JOIN analyses n ON n.article_pk = a.pk JOIN story_features f ON f.article_pk = a.pk"
        ).fetchall()
        titles = dict(conn.execute("SELECT id, title FROM stories").fetchall())
    return {ident: (zlib.decompress(data), revision, bytes(emb), ents, title, evidence, ts, story, titles[story])
            for ident, story, data, revision, emb, ents, title, evidence, ts in rows}


def test_two_workers_store_what_one_stores(tmp_path, capsys):
    corpus, identities = write_corpus(tmp_path / "posts.jsonl", 80)
    summaries = {}
    for workers in (1, 2):
        assert main(["ingest", str(corpus), "--db", str(tmp_path / f"w{workers}.sqlite"), "--workers", str(workers),
                     "--json", "--quiet"]) == 0
        summaries[workers] = json.loads(capsys.readouterr().out)["summary"]
    one, two = stored_state(str(tmp_path / "w1.sqlite")), stored_state(str(tmp_path / "w2.sqlite"))
    assert len(one) == len(identities) > 64          # more than one analysis chunk: the pool did run
    assert one == two
    assert summaries[1] == summaries[2]
    assert summaries[2]["analysis_failed"] == 0


def test_a_dead_worker_fails_its_chunk_and_the_run_goes_on(tmp_path):
    texts = [f"Пост {i}. Москва сообщает новости номер {i}." for i in range(12)]
    texts[6] = f"Пост 6. {CRASH_MARK} здесь."
    with Store(str(tmp_path / "c.sqlite")) as store:
        store.add_articles([make_article(f"p{i}", text, when=f"2024-12-01T10:{i:02d}:00+00:00")
                            for i, text in enumerate(texts)])
        summary = analyze_pending_parallel(store, 2, batch_size=4, task=fake_or_crash)
        assert (summary.analysed, summary.analysis_failed) == (8, 4)          # the chunk of p4..p7 failed
        left = {a.ext_id for a in store.get_articles(store.pending_analysis("ignored"))}
        assert left == {"p4", "p5", "p6", "p7"}
        # a run without the crash finishes what is left
        texts_fixed = analyze_pending_parallel(store, 2, batch_size=2, task=fake_or_crash)
        assert (texts_fixed.analysed, texts_fixed.analysis_failed) == (2, 2)  # p6's chunk of two still crashes


ORPHAN_SCRIPT = """
import sys
from parallax.parallel.workers import analyze_pending_parallel
from parallax.store import Store
from parallel_crash_task import sleepy
with Store(sys.argv[1]) as store:
    analyze_pending_parallel(store, 2, batch_size=2, task=sleepy)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def test_workers_leave_when_the_parent_is_killed(tmp_path):
    """`ingest` killed with SIGKILL mid-analysis (the crash-loop tests do it) leaves no worker behind."""
    db = str(tmp_path / "c.sqlite")
    with Store(db) as store:
        store.add_articles([make_article(f"p{i}", f"Пост {i}. Текст номер {i}.") for i in range(4)])
    pids = tmp_path / "pids"
    pids.mkdir()
    here = str(Path(__file__).parent)
    env = dict(os.environ, PARALLAX_TEST_PID_DIR=str(pids),
               PYTHONPATH=os.pathsep.join([here, str(Path(here).parent), os.environ.get("PYTHONPATH", "")]))
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, db], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def test_default_is_the_usable_cores_when_each_has_enough_work():
    cores = len(os.sched_getaffinity(0))
    assert default_workers() == cores == default_workers(1_000_000)
    assert default_workers(10) == 1                 # a small run: one process, no pool to start


def test_workers_must_be_positive(tmp_path, capsys):
    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "x.sqlite"), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_mid_analysis_stops_the_workers_without_a_traceback(tmp_path):
    """Ctrl-C reaches the whole process group: exit 130, `parallax: interrupted`, no worker traceback, no
    worker left, and the chunks stored before it stay."""
    # 2,000 posts: once the first chunk of 64 is stored (the marker below) over 30 chunks are left, tens of
    # CPU-seconds, so the run cannot end before the Ctrl-C however the machine is loaded
    posts = 2000
    corpus, _ = write_corpus(tmp_path / "posts.jsonl", posts)
    db = str(tmp_path / "c.sqlite")
    cli = [sys.executable, "-c", "import sys; from parallax.cli.main import main; sys.exit(main(sys.argv[1:]))"]
    proc = subprocess.Popen(cli + ["ingest", str(corpus), "--db", db, "--workers", "2", "--quiet"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)

    def analysed() -> int:
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)) as conn:
                return conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 240
    while analysed() == 0 and proc.poll() is None and time.monotonic() < deadline:     # started: a stored chunk
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    workers = [int(pid) for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:           # Ctrl-C did not stop it: leave no run behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = err.decode("utf-8", "replace")
    assert proc.returncode in (130, -signal.SIGINT), err
    assert err.rstrip().endswith("parallax: interrupted") and "Traceback" not in err, err
    assert 0 < analysed() < posts
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers and not any(_alive(pid) for pid in workers)
