"""Analysis on every core of one machine: `parallax ingest --workers N`.

The parent reads and stores the articles, hands chunks of them to N worker processes, and stores what
comes back in chunk order; clustering stays in the parent (it is incremental and time-ordered). A worker
loads the models once (the pool's initializer) and runs `pipeline.analyse_stored` (analysis, title/lead
embedding, story features) on a chunk: the same function on the same chunks as one process, so the stored
analyses, features and stories are the same whatever N is.

A worker that dies (killed, out of memory, a crash in native code) breaks a `ProcessPoolExecutor`; the
chunks that were running are then run again one by one in a fresh single-worker pool, and a chunk that
kills that one too is counted as failed analyses of its articles. The run goes on with a new pool.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from parallax.compare import embed
from parallax.model import Article
from parallax.nlp.pipeline import Analyzer
from parallax.pipeline import (
    ANALYSIS_BATCH,
    IngestSummary,
    analyse_stored,
    analyze_pending,
    analyzer_version,
    save_analysed,
    unbatched,
)
from parallax.store.store import Store, StoredArticle

log = logging.getLogger(__name__)

# chunks waiting per worker: enough that a worker never idles while the parent stores a result
QUEUED_PER_WORKER = 2
PARENT_CHECK_SECONDS = 1.0
# a worker's model load (~2.7 CPU-s) is the analysis of ~150 posts: with fewer articles each, extra
# workers mostly load models (the default only; an explicit --workers N is taken as given)
MIN_ARTICLES_PER_WORKER = 250
_WARM_UP = Article(id="warm-up", outlet="warm-up", text="Президент России Владимир Путин заявил в Москве: «Да».")
_worker_state: dict[str, Any] = {}
# fork on Linux: a spawned worker imports Parallax again (~1.5 CPU-s, ~8 % of the analysis of 1,000 posts on
# two workers). The parent has loaded no model and runs no thread of its own when the pool forks (the
# executor forks every worker before it starts its manager thread); the child never touches the parent's
# database connection. Elsewhere (macOS, Windows) fork is unsafe or missing: spawn.
_START_METHOD = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def default_workers(pending: int | None = None) -> int:
    """The cores this process may run on (the CPU affinity mask, which containers and taskset narrow), but
    no more workers than have MIN_ARTICLES_PER_WORKER of the `pending` articles each."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not on Linux
        cores = max(1, os.cpu_count() or 1)
    if pending is not None:
        cores = min(cores, max(1, pending // MIN_ARTICLES_PER_WORKER))
    return cores


def _start_worker(parent: int, load_models: bool) -> None:
    """A pool's initializer: leave when the parent does, then load the models (once per worker)."""
    # a parent killed with SIGKILL never tells its pool; an orphaned worker would wait on its queue forever
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()
    # Ctrl-C reaches the whole process group: the parent stops the run, a worker must not print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if load_models:
        _init_worker()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _init_worker() -> None:
    """Load the models once per worker process (analysing one short text loads all of them)."""
    analyzer, encoder = Analyzer(), unbatched(embed.get_encoder())
    analyzer.analyze(_WARM_UP)
    encoder.encode([_WARM_UP.text])
    _worker_state.update(analyzer=analyzer, encoder=encoder)


def _analyse_chunk(stored: list[StoredArticle]) -> tuple[list, int]:
    """In a worker: (article, analysis, story features) of the chunk and how many articles failed."""
    if not _worker_state:
        _init_worker()
    summary = IngestSummary()
    results = analyse_stored(_worker_state["analyzer"], _worker_state["encoder"], stored, summary)
    return results, summary.analysis_failed


class _Pool:
    """A process pool that can be replaced after a worker dies."""

    def __init__(self, workers: int, task: Callable[[list[StoredArticle]], tuple[list, int]]):
        self.workers, self.task = workers, task
        self.executor: ProcessPoolExecutor | None = None

    def submit(self, stored: list[StoredArticle]) -> Future:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(self.workers, mp_context=_START_METHOD,
                                                initializer=_start_worker,
                                                initargs=(os.getpid(), self.task is _analyse_chunk))
        return self.executor.submit(self.task, stored)

    def discard(self, wait: bool = True) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait, cancel_futures=True)
            self.executor = None


def analyze_pending_parallel(store: Store, workers: int, *, outdated: bool = False,
                             batch_size: int = ANALYSIS_BATCH, summary: IngestSummary | None = None,
                             on_progress: Callable[[int], None] | None = None,
                             pending: list[int] | None = None,
                             task: Callable[[list[StoredArticle]], tuple[list, int]] = _analyse_chunk) -> IngestSummary:
    """`pipeline.analyze_pending` with the analysis in `workers` processes; the same stored result.
    One worker, or no more than one chunk of work, runs in this process (a pool would only add its start).
    `task` (a module-level function, for tests): what a worker runs on a chunk."""
    summary = summary or IngestSummary()
    version = analyzer_version()
    if pending is None:
        pending = store.pending_analysis(version, outdated=outdated)
    chunks = [pending[start:start + batch_size] for start in range(0, len(pending), batch_size)]
    if workers <= 1 or len(chunks) <= 1:
        return analyze_pending(store, batch_size=batch_size, summary=summary, on_progress=on_progress,
                               pending=pending)
    pool = _Pool(workers, task)
    running: deque[tuple[list[StoredArticle], Future]] = deque()

    def finish_oldest() -> None:
        stored, future = running.popleft()
        try:
            outcome = future.result()
        except BrokenProcessPool:
            # every chunk in flight failed with the pool; find the one that kills a worker, keep the rest
            pool.discard()
            outcome = _run_alone(stored, task)
            retried = [(s, f if f.done() and not f.cancelled() and f.exception() is None else pool.submit(s))
                       for s, f in running]
            running.clear()
            running.extend(retried)
        except Exception as exc:  # noqa: BLE001 - a chunk that raises fails its articles, not the run
            log.warning("analysis of %d articles failed in a worker: %s", len(stored), exc)
            outcome = None
        _save_outcome(store, stored, outcome, version, summary)
        if on_progress is not None:
            on_progress(len(stored))

    try:
        for chunk in chunks:
            stored = store.get_articles(chunk)
            running.append((stored, pool.submit(stored)))
            if len(running) >= workers * QUEUED_PER_WORKER:
                finish_oldest()
        while running:
            finish_oldest()
    except BaseException:
        pool.discard(wait=False)        # Ctrl-C: do not wait for the chunks in flight (their workers follow)
        raise
    pool.discard()                      # waits for the workers to exit: their CPU time is then counted
    return summary


def _run_alone(stored: list[StoredArticle], task: Callable) -> tuple[list, int] | None:
    """Run one chunk in a fresh single-worker pool: its result, or None when it kills that worker too."""
    alone = _Pool(1, task)
    try:
        return alone.submit(stored).result()
    except BrokenProcessPool:
        return None
    except Exception as exc:  # noqa: BLE001
        log.warning("analysis of %d articles failed in a worker: %s", len(stored), exc)
        return None
    finally:
        alone.discard()


def _save_outcome(store: Store, stored: list[StoredArticle], outcome: tuple[list, int] | None, version: str,
                  summary: IngestSummary) -> None:
    if outcome is None:
        summary.analysis_failed += len(stored)
        log.warning("a worker died analysing articles %s; counted as failed analyses (run again to retry)",
                    ", ".join(str(a.pk) for a in stored))
        return
    results, failed = outcome
    summary.analysis_failed += failed
    save_analysed(store, results, version, count_lines_of=[a.pk for a in stored], summary=summary)
