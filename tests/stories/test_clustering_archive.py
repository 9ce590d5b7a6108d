"""A long stream keeps one window of per-article state: closed stories (every member retired) move to a
compact archive (stories/archive.py) and their rows leave the clusterer's per-row lists, with the same
stories, ids and titles as a clusterer that keeps everything."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_clustering_density import T0, synthetic

from parallax.stories import ClusterConfig, StoryClusterer, StoryItem
from parallax.stories.archive import ClosedStories
from parallax.stories.index import RowVectors


class _SmallCompaction(StoryClusterer):
    compact_min_rows = 64           # the real 16,384 needs a corpus of minutes


def _cluster(cls, items, **config):
    clusterer = cls(ClusterConfig().with_(batch_size=100, **config))
    return clusterer, clusterer.add_many(items)


def test_archived_stories_are_the_stories_of_a_clusterer_that_keeps_everything():
    items = synthetic(3000, 20.0, seed=11)
    kept, ids_kept = _cluster(StoryClusterer, items, retire_after_days=None)
    archived, ids_archived = _cluster(_SmallCompaction, items)
    assert ids_archived == ids_kept
    assert len(archived._closed) > 0.5 * len(set(ids_kept))
    assert archived.stories() == kept.stories()
    assert {sid: archived.representative_title(sid) for sid in set(ids_kept)} == \
           {sid: kept.representative_title(sid) for sid in set(ids_kept)}
    for it, sid in zip(items[::37], ids_kept[::37]):
        assert archived.story_of(it.article_id) == sid
    # an article already clustered, archived or not, returns its story and adds nothing
    rows, articles = archived._n, len(archived)
    assert archived.add_many([items[0], items[-1]]) == [ids_kept[0], ids_kept[-1]]
    assert archived._n == rows and len(archived) == articles == len(items)


def test_per_article_state_stays_bounded_along_a_long_stream():
    # 60 days of 300 articles a day: the rows held (ids, per-row lists, vectors) stay about one window's
    # worth (3 days retired after + up to 4 days of a story still open + the compaction's slack)
    items = synthetic(18000, 60.0, seed=12, story_size=4)
    clusterer, ids = _cluster(_SmallCompaction, items)
    per_day = len(items) / 60
    held_rows = len(clusterer._ids)
    assert held_rows < 12 * per_day, held_rows
    assert all(len(getattr(clusterer, name)) == held_rows for name in ("_titles", "_story_of", "_text_keys"))
    assert len(clusterer._row) == held_rows
    assert len(clusterer._stories) < 0.2 * len(set(ids))
    assert sum(chunk is not None for chunk in clusterer._emb.chunks) * clusterer._emb.chunk < 16 * per_day + 4096
    assert clusterer._closed.articles + held_rows == len(items)
    assert sum(len(m) for m in clusterer.stories().values()) == len(items)


def test_new_story_ids_avoid_archived_ones():
    items = synthetic(1200, 12.0, seed=13)
    clusterer, ids = _cluster(_SmallCompaction, items)
    assert len(clusterer._closed)
    first = items[0]
    again = StoryItem(**{**first.__dict__, "article_id": first.article_id + "-again",
                         "time": items[-1].time + dt.timedelta(hours=1)})
    # the same founding id would derive the same story id: it gets a suffix instead
    sid = clusterer._new_story_id(first.article_id)
    assert sid != ids[0] and sid.startswith(ids[0])
    assert clusterer.add(again) not in set(ids)


def test_recluster_after_archiving_keeps_the_closed_stories():
    items = synthetic(2000, 12.0, seed=7)
    clusterer, ids = _cluster(_SmallCompaction, items, retire_after_days=4.0)
    assert len(clusterer._closed)
    titles = {sid: clusterer.representative_title(sid) for sid in set(ids)}
    last_days = [it for it in items if it.time >= T0 + dt.timedelta(days=9)]
    assignment, report = clusterer.recluster(last_days)
    assert set(assignment) == {it.article_id for it in last_days}
    for it, sid in zip(items, ids):
        if it.time < T0 + dt.timedelta(days=4):
            assert clusterer.story_of(it.article_id) == sid
            assert clusterer.representative_title(sid) == titles[sid]
    assert sum(len(m) for m in clusterer.stories().values()) == len(items)


def test_closed_stories_find_their_articles_and_forget_removed_ones():
    closed = ClosedStories()
    closed.add("s1", "Title\x1fwith the separator", ["a", "b"], 10.0, 20.0)
    for number in range(50):           # enough stories to merge several hash blocks
        closed.add(f"t{number}", f"story {number}", [f"x{number}-{k}" for k in range(3)], 0.0, 1.0)
    assert closed.title("s1") == "Title\x1fwith the separator"
    assert closed.article_ids("s1") == ["a", "b"]
    assert closed.span("s1") == (10.0, 20.0)
    assert closed.story_of("b") == "s1" and closed.story_of("x49-2") == "t49" and closed.story_of("zz") is None
    assert closed.known(["a", "zz", "x3-1"]) == [True, False, True]
    assert len(closed._blocks) <= 8
    closed.remove({"a", "b", "x0-0"})
    assert "s1" not in closed and closed.story_of("a") is None
    assert closed.article_ids("t0") == ["x0-1", "x0-2"] and closed.articles == 149


@pytest.mark.parametrize("chunk", [3, 4])
def test_row_vectors_take_copies_the_needed_rows_in_order(chunk):
    vectors = RowVectors(2, chunk=chunk)
    vectors.ensure(10)
    for row in range(10):
        vectors[row] = np.full(2, row, dtype=np.float32)
    needed = np.ones(10, dtype=bool)
    needed[[0, 1, 2, 5]] = False
    vectors.free(needed)                 # the first chunk is freed (its rows not needed) or spilled
    rows = np.array([1, 3, 4, 6, 8, 9])
    taken = vectors.take(rows, np.array([False, True, True, True, True, True]))
    assert taken[np.arange(1, 6)][:, 0].tolist() == [3.0, 4.0, 6.0, 8.0, 9.0]
    assert vectors.chunks == []


def test_recluster_of_archived_articles_moves_them_out_of_the_archive():
    items = synthetic(2000, 12.0, seed=14)
    clusterer, ids = _cluster(_SmallCompaction, items)
    first_days = [it for it in items if it.time < T0 + dt.timedelta(days=3)]
    assert all(it.article_id not in clusterer._row for it in first_days)      # all archived
    assignment, report = clusterer.recluster(first_days)
    # the same articles in the same order: every story keeps its id (stories wholly inside the period)
    for it, sid in zip(items, ids):
        assert clusterer.story_of(it.article_id) == assignment.get(it.article_id, sid)
    stories = clusterer.stories()
    assert sorted(a for m in stories.values() for a in m) == sorted(it.article_id for it in items)
    assert report["counts"]["new"] == 0
