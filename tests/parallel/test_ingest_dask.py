"""`parallax ingest --scheduler`: a real `dask scheduler` and two `dask worker` processes on loopback (random
ports, one thread each, small memory limits) and PostgreSQL. One worker is killed with SIGKILL while the
analysis tasks run; nothing may be lost or stored twice, and the stories (and the analyses) must equal a
one-process run over the same posts. Skipped without PARALLAX_TEST_PG or without dask.distributed.
Slow (~1-2 minutes on a busy 2-core machine): `pytest -m slow`; CI runs it once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path

import pytest
from parallel_corpus import write_corpus

from parallax.cli.main import main
from parallax.parallel.dask_cluster import SCHEDULER_ENV, ClusterError, ClusterRun, analyse_task, ingest_on_cluster
from parallax.pipeline import analyzer_version
from parallax.store import Store

pytestmark = pytest.mark.slow
PG_ENV = "PARALLAX_TEST_PG"
DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT = 60.0
RUN_TIMEOUT = 240.0


@pytest.fixture
def pg_url():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set (run scripts/start_postgres.sh)")
    psycopg = pytest.importorskip("psycopg")
    schemas = []

    def make() -> str:
        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"

    yield make
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _wait_for(check, what: str, timeout: float = START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(tmp_path):
    """(scheduler address, {worker name: Popen}); every process is stopped at the end."""
    pytest.importorskip("distributed")
    if not DASK.exists():
        pytest.skip(f"no {DASK}")
    info = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen] = []

    def start(*args: str, log: str) -> subprocess.Popen:
        out = open(tmp_path / log, "w")
        proc = subprocess.Popen([str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info),
              log="scheduler.log")
        address = _wait_for(lambda: info.exists() and info.stat().st_size and json.loads(info.read_text())["address"],
                            "the scheduler")
        workers = {name: start("worker", "--scheduler-file", str(info), "--nthreads", "1", "--no-nanny",
                               "--memory-limit", "1.5GiB", "--no-dashboard", "--name", name, "--host", "127.0.0.1",
                               "--death-timeout", "60", log=f"{name}.log")
                   for name in ("w1", "w2")}
        from distributed import Client  # lazy: skipped above when dask is missing

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield address, workers
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _stored(url: str) -> tuple[dict, list, int]:
    """identity -> (analysis JSON, story id, story title); (identity, revision) rows of analyses; articles."""
    with Store(url) as store:
        rows = store.db.query("SELECT a.ident, n.data, a.story_id, s.title FROM articles a "
                              "JOIN analyses n ON n.article_pk = a.pk LEFT JOIN stories s ON s.id = a.story_id")
        per_article = store.db.query("SELECT a.ident, COUNT(*) FROM analyses n JOIN articles a ON a.pk = n.article_pk "
                                     "GROUP BY a.ident HAVING COUNT(*) > 1")
        features = store.db.scalar("SELECT COUNT(*) FROM story_features")
        articles = store.db.scalar("SELECT COUNT(*) FROM articles")
    assert per_article == [] and features == len(rows)
    return {ident: (zlib.decompress(bytes(data)), story, title) for ident, data, story, title in rows}, rows, articles


def test_a_killed_worker_loses_nothing_and_stores_nothing_twice(tmp_path, pg_url, cluster, capsys):
    address, workers = cluster
    corpus, identities = write_corpus(tmp_path / "posts.jsonl", 200)
    single, distributed_db = pg_url(), pg_url()

    outcome: dict = {}
    run = ClusterRun()

    def ingest() -> None:
        try:
            with Store(distributed_db) as store:
                outcome["summary"] = ingest_on_cluster(store, [str(corpus)], address, chunk_size=16, run=run)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome["error"] = exc

    Store(distributed_db).close()           # create the schema before two connections race to
    client_thread = threading.Thread(target=ingest)
    client_thread.start()
    from distributed import Client  # lazy: skipped by the fixture when dask is missing

    with Store(distributed_db) as watch, Client(address, timeout="30s", set_as_default=False) as observer:
        def w2_busy_after_a_commit() -> int | bool:
            # a worker is killed while it runs an analysis task, once the first task has committed
            if not client_thread.is_alive():
                return -1
            analysed = watch.db.scalar("SELECT COUNT(*) FROM analyses")
            names = {addr: w["name"] for addr, w in observer.scheduler_info()["workers"].items()}
            busy = {names.get(addr) for addr, keys in observer.processing().items() if keys}
            return analysed if analysed and "w2" in busy else False

        analysed_at_kill = _wait_for(w2_busy_after_a_commit, "the first analysis task", RUN_TIMEOUT)
        workers["w2"].send_signal(signal.SIGKILL)
    client_thread.join(RUN_TIMEOUT)
    assert not client_thread.is_alive(), "the cluster run did not finish"
    assert "error" not in outcome, outcome.get("error")
    summary = outcome["summary"]

    assert main(["ingest", str(corpus), "--db", single, "--workers", "1", "--json", "--quiet"]) == 0
    reference = json.loads(capsys.readouterr().out)["summary"]

    mine, rows, articles = _stored(distributed_db)
    theirs, _, reference_articles = _stored(single)
    assert articles == reference_articles == len(identities) == len(mine)        # nothing lost
    assert analysed_at_kill < articles                                          # killed with work pending
    assert workers["w2"].wait(10) == -signal.SIGKILL
    assert mine == theirs                                  # same analyses, same stories, same ids and titles
    assert summary.analysed == reference["analysed"] == articles
    assert summary.analysis_failed == 0 and run.failed_tasks == 0
    assert summary.clustered == reference["clustered"]
    assert run.analysis_tasks == -(-articles // 16) and run.read_tasks == 1 and run.workers == 2
    # the same run again stores nothing: every task finds its articles analysed
    with Store(distributed_db) as store:
        again = ingest_on_cluster(store, [str(corpus)], address, chunk_size=16)
    assert (again.new, again.analysed, again.clustered) == (0, 0, 0)
    assert _stored(distributed_db)[0] == mine


def test_a_retried_task_stores_nothing_twice(tmp_path, pg_url):
    """The task a scheduler runs again after its worker died having committed: it skips what is stored."""
    corpus, _ = write_corpus(tmp_path / "posts.jsonl", 6)
    db = pg_url()
    assert main(["ingest", str(corpus), "--db", db, "--no-analyze", "--quiet"]) == 0
    with Store(db) as store:
        pks = store.pending_analysis(analyzer_version())
        first = analyse_task(db, pks, analyzer_version())
        stamps = store.db.query("SELECT article_pk, created_at FROM analyses ORDER BY article_pk")
        again = analyse_task(db, pks, analyzer_version())
        assert (first["analysed"], first["skipped"]) == (len(pks), 0)
        assert (again["analysed"], again["skipped"]) == (0, len(pks))
        assert store.db.query("SELECT article_pk, created_at FROM analyses ORDER BY article_pk") == stamps
        assert store.db.scalar("SELECT COUNT(*) FROM story_features") == len(pks)


def test_sqlite_is_refused_with_a_clear_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:9")
    (tmp_path / "a.txt").write_text("Текст новости.", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.sqlite")]) == 1
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "--workers" in err
    assert not (tmp_path / "c.sqlite").exists()             # refused before the database was created
    with Store(str(tmp_path / "c.sqlite")) as store, pytest.raises(ClusterError, match="PostgreSQL"):
        ingest_on_cluster(store, [], "tcp://127.0.0.1:9")
