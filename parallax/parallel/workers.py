"""Analysis on every core of one machine: `parallax ingest --workers N`.

The parent reads and stores the articles, hands chunks of them to N worker processes, and stores what
comes back in chunk order; clustering stays in the parent (it is incremental and time-ordered). A worker
runs `pipeline.analyse_stored` (analysis, title/lead embedding, story features) on a chunk: the same
function on the same chunks as one process, so the stored analyses, features and stories are the same
whatever N is.

Where workers are forked (Linux) the parent loads the models once before the pool starts and every worker
inherits them (copy-on-write: the numpy weights stay shared pages), instead of N loads of ~2.7 CPU-s each;
elsewhere each worker loads them in the pool's initializer. A worker sends back what the store writes
anyway - the analysis as zlib-compressed JSON and the story features - rather than a pickled analysis
(~4x the bytes, and unpickled in the parent only to be serialised again there), so the parent's part per
chunk is one transaction. Up to QUEUED_PER_WORKER chunks per worker are in flight, so the workers go on
with the next chunks while the parent stores a finished one.

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
from typing import Any, NamedTuple

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
from parallax.store.serialize import dumps_analysis
from parallax.store.store import Store, StoredArticle

log = logging.getLogger(__name__)

# chunks waiting per worker: enough that a worker never idles while the parent stores a result
QUEUED_PER_WORKER = 2
PARENT_CHECK_SECONDS = 1.0
# a spawned worker's model load (~2.7 CPU-s) is the analysis of ~150 posts: with fewer articles each, extra
# workers mostly load models; forked workers share the parent's one load, but a pool is still worth its start
# only with a few chunks per worker (the default only; an explicit --workers N is taken as given)
MIN_ARTICLES_PER_WORKER = 250
_WARM_UP = Article(id="warm-up", outlet="warm-up", text="Президент России Владимир Путин заявил в Москве: «Да».")
_worker_state: dict[str, Any] = {}
# fork on Linux: a spawned worker imports Parallax again (~1.5 CPU-s, ~8 % of the analysis of 1,000 posts on
# two workers) and loads the models again (~2.7 CPU-s). The parent runs no thread of its own when the pool
# forks (the executor forks every worker before it starts its manager thread; loading the models starts
# none: checked with /proc/self/task); the child never touches the parent's database connection.
# Elsewhere (macOS, Windows) fork is unsafe or missing: spawn.
_START_METHOD = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
_FORKED = _START_METHOD.get_start_method() == "fork"


class AnalysedKey(NamedTuple):
    """What the parent needs of an analysed article to store it (`pipeline.save_analysed` reads .pk and
    .revision): the article itself is already in the parent, so it is not sent back."""
    pk: int
    revision: int


class PackedAnalysis(bytes):
    """An analysis as the store writes it (`dumps_analysis`: zlib-compressed JSON) with what else the parent
    reads of an analysis when it stores one (`pipeline.save_analysed`): its language."""
    language: str

    @classmethod
    def of(cls, doc: Any) -> PackedAnalysis:
        packed = cls(dumps_analysis(doc))
        packed.language = doc.language
        return packed


class WorkerCPU:
    """CPU seconds the workers spent on their chunks (`time.process_time` in the worker, model loads not
    included), and the articles of those chunks: CPU per post in the workers, for the benchmark."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.articles = 0


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
    if load_models and not _worker_state:      # forked from a parent that loaded them: nothing to load
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


def _analyse_chunk(stored: list[StoredArticle]) -> tuple[list, int, float]:
    """In a worker: (article key, analysis as the store's zlib JSON, story features) of the chunk, how many
    articles failed, and the CPU seconds the chunk took in this worker."""
    if not _worker_state:
        _init_worker()
    started = time.process_time()
    summary = IngestSummary()
    results = analyse_stored(_worker_state["analyzer"], _worker_state["encoder"], stored, summary)
    compact = [(AnalysedKey(a.pk, a.revision), PackedAnalysis.of(doc), item) for a, doc, item in results]
    return compact, summary.analysis_failed, time.process_time() - started


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
                             task: Callable[[list[StoredArticle]], tuple] = _analyse_chunk,
                             worker_cpu: WorkerCPU | None = None) -> IngestSummary:
    """`pipeline.analyze_pending` with the analysis in `workers` processes; the same stored result.
    One worker, or no more than one chunk of work, runs in this process (a pool would only add its start).
    `task` (a module-level function, for tests): what a worker runs on a chunk, returning (results,
    failed) or (results, failed, CPU seconds). `worker_cpu` collects the workers' CPU per chunk."""
    summary = summary or IngestSummary()
    version = analyzer_version()
    if pending is None:
        pending = store.pending_analysis(version, outdated=outdated)
    chunks = [pending[start:start + batch_size] for start in range(0, len(pending), batch_size)]
    if workers <= 1 or len(chunks) <= 1:
        return analyze_pending(store, batch_size=batch_size, summary=summary, on_progress=on_progress,
                               pending=pending)
    if task is _analyse_chunk and _FORKED and not _worker_state:
        _init_worker()                  # once here, inherited by every forked worker (and by a replaced pool)
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
        _save_outcome(store, stored, outcome, version, summary, worker_cpu)
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


def _run_alone(stored: list[StoredArticle], task: Callable) -> tuple | None:
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


def _save_outcome(store: Store, stored: list[StoredArticle], outcome: tuple | None, version: str,
                  summary: IngestSummary, worker_cpu: WorkerCPU | None = None) -> None:
    if outcome is None:
        summary.analysis_failed += len(stored)
        log.warning("a worker died analysing articles %s; counted as failed analyses (run again to retry)",
                    ", ".join(str(a.pk) for a in stored))
        return
    results, failed = outcome[0], outcome[1]
    if worker_cpu is not None and len(outcome) > 2:
        worker_cpu.seconds += outcome[2]
        worker_cpu.articles += len(stored)
    summary.analysis_failed += failed
    save_analysed(store, results, version, count_lines_of=[a.pk for a in stored], summary=summary)
