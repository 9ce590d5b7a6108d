"""A short soak of the web app (issue 16, item 3; the full one is benchmarks/web_soak.py): 20 reader threads
for 15 s against `parallax serve` on 127.0.0.1, while articles are POSTed with the token twice a second.
No 5xx, no connection error, p95 of the last window at most 3× the first's, server memory growing less than
100 MB after the first window (which includes loading the analysis models for the first write)."""
from __future__ import annotations

import pytest

from benchmark_scripts import load_benchmark


def _soak_module():
    return load_benchmark("web_soak")


@pytest.mark.slow
def test_short_soak(corpus_db, tmp_path):
    result = _soak_module().soak(corpus_db[0], duration=15, clients=20, window=5, write_every=0.5,
                                 log=tmp_path / "serve.log")
    log = (tmp_path / "serve.log").read_text(errors="replace")
    windows = result["windows"]
    assert result["requests"] > 1000, result
    assert result["5xx"] == 0 and result["errors"] == 0, (result["statuses"], log[-3000:])
    assert result["writes"] >= 10 and result["writes_ok"] == result["writes"], (result, log[-3000:])
    assert all(w["requests"] > 0 for w in windows), windows
    assert windows[-1]["p95_ms"] <= 3 * max(windows[0]["p95_ms"], 5.0), windows
    # the models load on a write before the clock starts: what is left must stay flat (glibc arenas capped,
    # dead cache entries dropped); it grew 60-100 MB in these 15 s before both fixes
    assert windows[-1]["rss_mb"] - windows[0]["rss_mb"] < 50, windows


def test_summary_windows():
    """The bookkeeping the soak's verdicts rest on: windows, 5xx, errors and percentiles."""
    soak = _soak_module()
    samples = [(0.5, 0.010, 200), (1.0, 0.020, 500), (6.0, 0.030, 200), (7.0, 0.040, 0), (10.5, 0.050, 200)]
    result = soak.summarize(samples, [(0.1, 0.2, 200)], [(0.5, 300.0), (6.0, 310.0)], duration=10, clients=1,
                            window=5, write_every=0.5, paths=[], rss_before=250.0, rss_after=320.0)
    assert [(w["requests"], w["5xx"], w["errors"], w["rss_mb"]) for w in result["windows"]] == \
        [(2, 1, 0, 300.0), (3, 0, 1, 310.0)]
    assert result["5xx"] == 1 and result["errors"] == 1 and result["writes_ok"] == 1
    assert [soak.percentile([1, 2, 3, 4], q) for q in (50, 95, 100)] == [2, 4, 4]


def test_the_server_caps_malloc_arenas(monkeypatch):
    """The server's memory stays flat only with glibc's arenas capped (RELIABILITY.md): the cap must take."""
    import ctypes.util
    import sys

    from parallax.cli.serve import limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    glibc = sys.platform.startswith("linux") and ctypes.util.find_library("c")
    assert limit_malloc_arenas() is bool(glibc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")           # the user's own setting wins
    assert limit_malloc_arenas() is False
