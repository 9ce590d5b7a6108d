"""A worker task for tests/parallel: the fake analyzer and encoder (no models), except that a chunk with an
article containing CRASH_MARK kills its worker process outright, as a segfault or the OOM killer would.
A module of its own so that spawned worker processes can import it by name."""
from __future__ import annotations

import os

from corpus_fakes import FakeAnalyzer, FakeEncoder
from parallax.pipeline import IngestSummary, analyse_stored, unbatched

CRASH_MARK = "ПАДАЕТ"


def fake_or_crash(stored):
    if any(CRASH_MARK in a.text for a in stored):
        os._exit(7)
    summary = IngestSummary()
    return analyse_stored(FakeAnalyzer(), unbatched(FakeEncoder()), stored, summary), summary.analysis_failed


def sleepy(stored):
    """Write this worker's pid into $PARALLAX_TEST_PID_DIR, then sleep: a worker busy when its parent dies."""
    import time
    from pathlib import Path

    Path(os.environ["PARALLAX_TEST_PID_DIR"], str(os.getpid())).touch()
    time.sleep(120)
    return [], 0
