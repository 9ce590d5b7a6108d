"""Ingest on a dask.distributed cluster: `parallax ingest --scheduler tcp://HOST:PORT` ($PARALLAX_SCHEDULER).

    reading     one task per file or feed URL; the records come back and the client stores them in source
                order (so article keys, reprint links and revisions are those of a one-process run)
    analysis    one task per chunk of pending articles: the worker loads the chunk from PostgreSQL,
                analyses it, embeds title and lead, and stores analyses and story features itself
    clustering  on the client, incremental and in time order, as in one process (benchmarks/README.md)

PostgreSQL is the shared state. A task's results are keyed by the article (the analyses and story
features tables have one row per article), and a task first skips articles that already have a current
analysis: a task that the scheduler runs again after its worker died stores nothing twice. A chunk whose
task killed every worker it was given (distributed's `allowed-failures`) counts as failed analyses.

A SQLite file is refused: the workers write the analyses, and a file on the client's disk is not
theirs to open (and one SQLite file takes one writer at a time). One machine: `--workers N`.

Workers need the same Parallax installed (`pip install 'parallax[dask,postgres]'`), read access to the
files named as sources (a shared file system) and the database URL's host.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parallax.compare import embed
from parallax.ingest.errors import InputError
from parallax.ingest.records import DEFAULT_LIMITS, Limits
from parallax.ingest.sources import iter_file, iter_source, walk_folder
from parallax.model import Article
from parallax.nlp.pipeline import Analyzer
from parallax.pipeline import (
    ANALYSIS_BATCH,
    INGEST_BATCH,
    IngestSummary,
    analyse_stored,
    analyzer_version,
    cluster_pending,
    ingest_records,
    save_analysed,
    unbatched,
)
from parallax.store.db import is_postgres_url
from parallax.store.store import Store

log = logging.getLogger(__name__)

SCHEDULER_ENV = "PARALLAX_SCHEDULER"
CONNECT_TIMEOUT = "30s"
_local = threading.local()          # per worker thread: models and a database connection


class ClusterError(Exception):
    """The cluster cannot be used for this run (no dask installed, a SQLite store, no scheduler)."""


@dataclass
class ClusterRun:
    """What ran where: for the summary and benchmarks/ingest_workers.py."""
    scheduler: str = ""
    workers: int = 0
    read_tasks: int = 0
    analysis_tasks: int = 0
    failed_tasks: int = 0
    skipped_as_done: int = 0            # articles a retried task found already stored
    task_seconds: list[float] = field(default_factory=list)     # thread CPU seconds per analysis task
    seconds: dict[str, float] = field(default_factory=dict)     # wall time per stage on the client
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the client's CPU time per stage


def check_store(store: Store) -> None:
    if store.dialect != "postgresql" or not is_postgres_url(store.target):
        raise ClusterError(f"--scheduler needs a PostgreSQL database (--db postgresql://user:pass@host/db), not "
                           f"{store.location}: Dask workers store the analyses themselves and cannot open a SQLite "
                           f"file on this machine; on one machine use --workers N instead")


def connect(scheduler: str) -> Any:
    try:
        from distributed import Client  # lazy: an optional extra (parallax[dask]), ~0.5 s to import
    except ImportError as exc:
        raise ClusterError("--scheduler needs dask.distributed: pip install 'parallax[dask]'") from exc
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc


# ---- tasks (run on the workers) -----------------------------------------------------------------------

def read_units(sources: Iterable[str]) -> list[tuple[str, bool] | InputError]:
    """The reading tasks of `iter_sources`, in its order: (file or URL, sniff the format) for each file of a
    folder (walked here, on the client) and each named file or URL; a missing source is an error now."""
    units: list[tuple[str, bool] | InputError] = []
    for source in sources:
        text = str(source)
        path = Path(text)
        if "://" in text:
            units.append((text, True))
        elif path.is_dir():
            units.extend((str(file), False) for file in walk_folder(path))
        elif not path.exists():
            units.append(InputError(text, "no such file or folder"))
        else:
            units.append((text, True))
    return units


def read_task(unit: str, sniff: bool, outlet: str | None, mapping: Mapping[str, str] | None,
              limits: Limits) -> list[Article | tuple]:
    """One file or feed read on a worker. InputError does not survive pickling (its arguments are not
    its message), so errors travel as ("error", source, problem, line) tuples."""
    if sniff:
        records: Iterator = iter_source(unit, outlet=outlet, mapping=mapping, limits=limits)
    else:
        records = iter_file(Path(unit), outlet=outlet, mapping=mapping, limits=limits)
    return [("error", r.source, r.problem, r.line) if isinstance(r, InputError) else r for r in records]


def _worker_state(db: str) -> tuple[Analyzer, Any, Store]:
    if getattr(_local, "db", None) != db:
        if getattr(_local, "store", None) is not None:
            _local.store.close()
        _local.store, _local.db = Store(db), db
    if getattr(_local, "analyzer", None) is None:
        _local.analyzer, _local.encoder = Analyzer(), unbatched(embed.get_encoder())
    return _local.analyzer, _local.encoder, _local.store


def analyse_task(db: str, pks: list[int], version: str) -> dict[str, Any]:
    """Analyse and store one chunk; articles that already have a current analysis are skipped (a retry)."""
    cpu = time.thread_time()
    analyzer, encoder, store = _worker_state(db)
    stored = store.get_articles(pks)
    done = store.load_analyses(stored, version)
    todo = [a for a in stored if a.pk not in done]
    summary = IngestSummary()
    save_analysed(store, analyse_stored(analyzer, encoder, todo, summary), version, summary=summary)
    return {"analysed": summary.analysed, "failed": summary.analysis_failed, "skipped": len(stored) - len(todo),
            "cpu": time.thread_time() - cpu}


# ---- the client ---------------------------------------------------------------------------------------

def ingest_on_cluster(store: Store, sources: Iterable[str], scheduler: str, *, outlet: str | None = None,
                      mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
                      analyze: bool = True, cluster: bool = True, outdated: bool = False,
                      batch_size: int = INGEST_BATCH, chunk_size: int = ANALYSIS_BATCH,
                      summary: IngestSummary | None = None, run: ClusterRun | None = None,
                      on_error: Callable[[InputError], None] | None = None,
                      on_progress: Callable[[str, int], None] | None = None) -> IngestSummary:
    """Read, analyse and embed on the cluster; store the records and cluster on this client."""
    check_store(store)
    summary = summary or IngestSummary()
    run = run or ClusterRun()
    client = connect(scheduler)
    run.scheduler, run.workers = scheduler, len(client.scheduler_info()["workers"])
    progress = on_progress or (lambda stage, n: None)
    try:
        with _timed(run, "read_and_store"):
            records = _read_on_cluster(client, list(sources), outlet, mapping, limits, run)
            ingest_records(store, records, batch_size=batch_size, summary=summary, on_error=on_error,
                           on_progress=lambda n: progress("reading", n))
        if analyze:
            with _timed(run, "analysis"):
                _analyse_on_cluster(client, store, outdated, chunk_size, summary, run, progress)
                store.count_outlet_lines()      # articles stored without ingest_records (a --reanalyze run)
            if cluster:
                with _timed(run, "clustering"):
                    cluster_pending(store, summary=summary, on_progress=lambda n: progress("clustering", n))
    finally:
        client.close()
    return summary


@contextmanager
def _timed(run: ClusterRun, stage: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        run.seconds[stage] = time.perf_counter() - wall
        run.cpu_seconds[stage] = time.process_time() - cpu


def _read_on_cluster(client: Any, sources: list[str], outlet, mapping, limits,
                     run: ClusterRun) -> Iterator[Article | InputError]:
    units = read_units(sources)
    futures = [None if isinstance(u, InputError) else
               client.submit(read_task, u[0], u[1], outlet, mapping, limits, pure=False, retries=2)
               for u in units]
    run.read_tasks = sum(f is not None for f in futures)
    for unit, future in zip(units, futures):
        if future is None:
            yield unit
            continue
        try:
            records = future.result()
        except Exception as exc:  # noqa: BLE001 - a file whose reading killed its workers is one bad input
            yield InputError(unit[0], f"could not be read on the cluster: {exc}")
            continue
        future.release()
        for record in records:
            yield InputError(record[1], record[2], record[3]) if isinstance(record, tuple) else record


def _analyse_on_cluster(client: Any, store: Store, outdated: bool, chunk_size: int, summary: IngestSummary,
                        run: ClusterRun, progress: Callable[[str, int], None]) -> None:
    from distributed import as_completed  # lazy: optional extra, see connect()

    version = analyzer_version()
    pending = store.pending_analysis(version, outdated=outdated)
    chunks = [pending[start:start + chunk_size] for start in range(0, len(pending), chunk_size)]
    futures = {client.submit(analyse_task, store.target, chunk, version, pure=False): chunk for chunk in chunks}
    run.analysis_tasks += len(futures)
    for future in as_completed(futures, loop=client.loop):     # the loop: this client is not the default
        chunk = futures[future]
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker or a crash: those articles failed, not the run
            log.warning("analysis task of %d articles failed on the cluster: %s", len(chunk), exc)
            run.failed_tasks += 1
            summary.analysis_failed += len(chunk)
        else:
            summary.analysed += result["analysed"] + result["skipped"]     # skipped: stored by a dead worker
            summary.analysis_failed += result["failed"]
            run.skipped_as_done += result["skipped"]
            run.task_seconds.append(result["cpu"])
        progress("analysing", len(chunk))
