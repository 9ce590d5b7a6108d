"""Story clustering at density: the cost per article must not grow with the number of articles in the window
(dense day buckets on an inverted file, bounded candidates), old rows are retired without changing the
result, and the shortcuts taken for speed give the same stories as the plain computation.

The corpus is synthetic and small (seconds): topics of related stories (cosine ~0.5 between stories of a
topic, ~0.9 inside a story) whose titles, names and word keys are drawn per story, so that many
candidate pairs reach the score and many do not. benchmarks/stories_density.py measures the real sizes.
"""
from __future__ import annotations

import datetime as dt
import time
import zlib
from dataclasses import replace

import numpy as np
import pytest

from parallax.stories import ClusterConfig, StoryClusterer, StoryItem, index
from parallax.stories.index import RowVectors
from parallax.stories.names import missing_names
from parallax.stories.verifier import swap_missing

T0 = dt.datetime(2024, 11, 1, tzinfo=dt.timezone.utc)
DIM = 64


def _word(rng) -> str:
    return "".join(rng.choice(list("абвгдежзиклмнопрстуфхцчшэюя"), 6))


def synthetic(articles: int, days: float, seed: int = 0, story_size: int = 8) -> list[StoryItem]:
    """`articles` articles over `days` days, ~`story_size` per story, 10 stories per topic."""
    rng = np.random.default_rng(seed)
    stories = max(1, articles // story_size)
    topics = rng.normal(size=(max(1, stories // 10), DIM))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    out = []
    for s in range(stories):
        center = topics[s % len(topics)] + 0.9 * rng.normal(size=DIM) / np.sqrt(DIM)
        center /= np.linalg.norm(center)
        words = [_word(rng) for _ in range(5)]
        names = [_word(rng).capitalize() for _ in range(2)]
        start = rng.uniform(0, days * 86400 - 6 * 3600)
        for m in range(story_size if s < stories - 1 else articles - story_size * (stories - 1)):
            vec = center + 0.35 * rng.normal(size=DIM) / np.sqrt(DIM)
            title_words = list(rng.choice(words, 4, replace=False)) + [_word(rng)]
            keys = [frozenset({zlib.crc32(w.encode())}) for w in title_words]
            text = frozenset().union(*keys) | {int(k) for k in rng.integers(0, 2**32, 30)}
            out.append(StoryItem(
                article_id=f"a{s}-{m}", time=T0 + dt.timedelta(seconds=start + rng.uniform(0, 6 * 3600)),
                embedding=(vec / np.linalg.norm(vec)).astype(np.float32),
                entities=frozenset(rng.choice(names, int(rng.integers(1, 3)), replace=False)),
                title=" ".join(title_words).capitalize() + f" {m}", outlet=f"outlet{m % 5}",
                title_keys=tuple(keys), text_keys=text))
    out.sort(key=lambda it: (it.time, it.article_id))
    return out


def _cluster(items, **config):
    clusterer = StoryClusterer(ClusterConfig().with_(**config))
    return clusterer, clusterer.add_many(items)


def _cpu_seconds(items, **config) -> float:
    best = float("inf")
    for _ in range(2):       # the shorter of two: the machine is shared
        start = time.process_time()
        _cluster(items, **config)
        best = min(best, time.process_time() - start)
    return best


DENSE = {"dense_bucket_rows": 800, "ivf_lists": 64, "ivf_probe": 4}


def test_four_times_the_articles_in_one_window_cost_less_than_six_times():
    small, large = synthetic(1000, 1.0, seed=1), synthetic(4000, 1.0, seed=2)
    ratio = _cpu_seconds(large, **DENSE) / _cpu_seconds(small, **DENSE)
    assert ratio < 6.0, f"4x the articles in one window took {ratio:.1f}x the CPU time"


def test_a_dense_window_compares_each_article_with_a_small_part_of_it():
    # the exact search compares every new article with the whole window (4,000 articles: ~2,000 on
    # average as the day fills); the inverted file with ivf_probe / ivf_lists of it
    items = synthetic(4000, 1.0, seed=2)
    dense, _ = _cluster(items, **DENSE)
    exact, _ = _cluster(items, dense_bucket_rows=10**9)
    # (the rows of an article's own batch before it are compared outside the index: batch_vectors_compared)
    per_article = [c.stats["vectors_compared"] / len(items) for c in (dense, exact)]
    assert per_article[1] + exact.stats["batch_vectors_compared"] / len(items) > 1500
    assert per_article[0] < per_article[1] / 5, per_article


def test_candidate_pairs_per_article_are_bounded():
    items = synthetic(4000, 1.0, seed=3)
    clusterer, _ = _cluster(items, **DENSE, neighbours=16)
    stats = clusterer.stats
    assert stats["searched"] == len(items)
    assert stats["neighbours"] <= 16 * len(items)
    assert 0 < stats["pairs_scored"] <= 16 * len(items)


def test_a_dense_day_moves_to_an_inverted_file_and_gives_the_same_result_every_run():
    items = synthetic(3000, 1.0, seed=4)
    config = {"dense_bucket_rows": 1000, "ivf_lists": 32, "ivf_probe": 8}
    first, ids = _cluster(items, **config)
    assert any(bucket.dense for bucket in first._buckets.values())
    _, again = _cluster(items, **config)
    assert again == ids
    # most stories as the exact search finds them (the inverted file is approximate)
    _, exact = _cluster(items, dense_bucket_rows=10**9)
    same = sum(1 for a, b in zip(_groups(items, ids), _groups(items, exact)) if a == b)
    assert same >= 0.9 * len(items)


def _groups(items, ids):
    """Per article: the set of articles of its story."""
    members: dict[str, set[str]] = {}
    for it, sid in zip(items, ids):
        members.setdefault(sid, set()).add(it.article_id)
    return [frozenset(members[sid]) for sid in ids]


def test_a_sparse_corpus_keeps_the_exact_search():
    clusterer, _ = _cluster(synthetic(800, 3.0, seed=5))
    assert clusterer._buckets and not any(bucket.dense for bucket in clusterer._buckets.values())


def test_retiring_old_rows_changes_no_story_and_bounds_what_is_held():
    items = synthetic(4000, 20.0, seed=6)
    kept, ids_kept = _cluster(items, retire_after_days=None, batch_size=200)
    retired, ids_retired = _cluster(items, retire_after_days=3.0, batch_size=200)
    assert ids_retired == ids_kept
    assert {sid: retired.representative_title(sid) for sid in set(ids_kept)} == \
           {sid: kept.representative_title(sid) for sid in set(ids_kept)}
    assert retired.stories() == kept.stories()
    # the last ~5 days of 20 are held: day buckets, features and most vector chunks are gone
    assert len(retired._buckets) <= 6
    assert retired._live[:len(items)].sum() < 0.4 * len(items)
    assert retired._held[:len(items)].sum() < 0.5 * len(items)
    assert sum(v is not None for v in retired._text_keys) < 0.4 * len(items)


def test_recluster_after_retirement_keeps_the_closed_stories():
    items = synthetic(2000, 12.0, seed=7)
    clusterer, ids = _cluster(items, retire_after_days=4.0, batch_size=200)
    titles = {sid: clusterer.representative_title(sid) for sid in set(ids)}
    last_days = [it for it in items if it.time >= T0 + dt.timedelta(days=9)]
    assignment, report = clusterer.recluster(last_days)
    assert set(assignment) == {it.article_id for it in last_days}
    for it, sid in zip(items, ids):
        if it.time < T0 + dt.timedelta(days=4):
            assert clusterer.story_of(it.article_id) == sid
            assert clusterer.representative_title(sid) == titles[sid]
    # it goes on clustering newer articles
    later = synthetic(200, 1.0, seed=8)
    shifted = [StoryItem(**{**it.__dict__, "article_id": "n" + it.article_id, "time": it.time + dt.timedelta(days=12)})
               for it in later]
    assert len(clusterer.add_many(shifted)) == len(shifted)


def test_row_vectors_free_the_chunks_no_row_needs():
    vectors = RowVectors(4, chunk=3)
    vectors.ensure(7)
    for row in range(7):
        vectors[row] = np.full(4, row, dtype=np.float32)
    vectors.free(np.array([False, False, False, False, True, False, False]))
    assert vectors.chunks[0] is None and vectors.chunks[1] is not None and vectors.chunks[2] is not None
    assert vectors[np.array([4, 6])][:, 0].tolist() == [4.0, 6.0]
    with pytest.raises(KeyError):
        vectors[1]


def test_row_vectors_keep_the_few_rows_still_needed_and_free_their_chunk():
    # members of a story still open hold their rows after the rest of their day is retired: a chunk with
    # at most 1/8 of its rows needed keeps those rows alone (8 MB a chunk of 4,096 rows otherwise)
    vectors = RowVectors(4, chunk=16)
    vectors.ensure(48)
    for row in range(48):
        vectors[row] = np.full(4, row, dtype=np.float32)
    needed = np.zeros(48, dtype=bool)
    needed[[3, 17, 18, 20, 21, 22]] = True       # chunk 0: 1 row of 16; chunk 1: 5 of 16; chunk 2: none
    vectors.free(needed)
    assert vectors.chunks[0] is None and vectors.chunks[1] is not None and vectors.chunks[2] is None
    assert sorted(vectors.spilled) == [3]
    assert vectors[3][0] == 3.0 and vectors[np.array([17, 3, 22])][:, 0].tolist() == [17.0, 3.0, 22.0]
    needed[3] = False
    vectors.free(needed)
    assert not vectors.spilled
    with pytest.raises(KeyError):
        vectors[np.array([3])]


def test_retire_after_days_must_cover_the_window():
    with pytest.raises(ValueError, match="retire_after_days"):
        StoryClusterer(ClusterConfig().with_(retire_after_days=1.0, window_days=3.0))


def test_the_score_bound_gives_the_same_stories_as_scoring_every_pair():
    items = synthetic(2500, 2.0, seed=9)
    bounded, ids = _cluster(items)
    plain = StoryClusterer(ClusterConfig())
    plain._expensive_most = float("inf")        # never skip the costly evidence
    assert plain.add_many(items) == ids


def _random_keys(rng, most: int = 30):
    # crc32-like keys over the whole uint32 range (and the edges), few enough distinct values to collide
    pool = np.array([0, 1, 2**31, 2**32 - 1] + [int(k) for k in rng.integers(0, 2**32, 36)], dtype=np.int64)
    return frozenset(int(k) for k in rng.choice(pool, int(rng.integers(0, most))))


def test_the_swap_test_on_compact_keys_equals_the_verifier():
    rng = np.random.default_rng(10)
    for _ in range(500):
        title_a = tuple(_random_keys(rng, 3) for _ in range(int(rng.integers(0, 6))))
        title_b = tuple(_random_keys(rng, 3) for _ in range(int(rng.integers(0, 6))))
        keys_a = None if rng.random() < 0.2 else _random_keys(rng)
        keys_b = None if rng.random() < 0.2 else _random_keys(rng)
        packed_a, packed_b = (index.title_keys(t) for t in (title_a, title_b))
        assert index.swap_missing(packed_a, index.keys(keys_a), packed_b, index.keys(keys_b), 0.7) == \
            swap_missing(title_a, keys_a, title_b, keys_b, 0.7)


def test_missing_names_on_compact_keys_equals_the_set_test():
    rng = np.random.default_rng(11)
    for _ in range(500):
        names = tuple(_random_keys(rng, 3) for _ in range(int(rng.integers(0, 5))))
        keys = None if rng.random() < 0.2 else _random_keys(rng)
        assert index.missing_names(names, index.keys(keys)) == missing_names(names, keys)


def test_compact_keys_are_sorted_uint32_and_keep_other_ints():
    keys = index.keys(frozenset({5, 2**32 - 1, 0, 77}))
    assert keys.typecode == "I" and list(keys) == [0, 5, 77, 2**32 - 1] and keys.itemsize == 4
    assert index.keys(None) is None and len(index.keys(frozenset())) == 0
    wide = index.keys(frozenset({-3, 2**40}))           # not crc32: still exact, 8 bytes a key
    assert list(wide) == [-3, 2**40] and index.holds_any(wide, {2**40}) and not index.holds_any(wide, {3})


def test_a_row_holds_its_word_keys_compactly():
    items = synthetic(200, 1.0, seed=12)
    items = [replace_keys(it, frozenset(range(1000 * k, 1000 * k + 300))) for k, it in enumerate(items)]
    clusterer = StoryClusterer(ClusterConfig())
    clusterer.add_many(items)
    held = clusterer._text_keys[0]
    assert held.itemsize * len(held) == 4 * 300            # 1.2 KB, against ~20 KB as a frozenset of ints
    assert clusterer._all_keys[0] is held


def replace_keys(item: StoryItem, keys: frozenset[int]) -> StoryItem:
    return replace(item, text_keys=keys)


def test_rows_hold_one_empty_key_set_and_packed_title_keys():
    """A live row's features are the clusterer's memory at density: most titles have no year and no number,
    and each `frozenset()` built is a new 216-byte object, so every empty set of a row is one shared object;
    a title's word keys are one packed array (index.title_keys), not tuples of tuples."""
    items = synthetic(200, 1.0, seed=3)
    clusterer = StoryClusterer(ClusterConfig())
    clusterer.add_many(items)
    empties = [s for field in ("_years", "_numbers", "_entity_keys") for s in getattr(clusterer, field)
               if s is not None and not s]
    assert len(empties) > 100 and len({id(s) for s in empties}) == 1
    packed = [k for k in clusterer._title_keys if k is not None]
    assert packed and all(type(k).__name__ == "array" for k in packed)
    it = items[0]
    assert list(index.title_keys(it.title_keys)) == [len(it.title_keys), *map(len, it.title_keys),
                                                      *[k for g in it.title_keys for k in g]]
