"""Parallel stories of one event (stories/clustering.py _largest_parallel, stories/data/parallel_stories.yaml;
issue 12, tenth session: the Tbilisi protests as three stories of the same nights)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from parallax.stories import StoryClusterer
from parallax.stories.clustering import ParallelRule, parallel_rule
from parallax.stories.features import StoryItem


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs + (0.0,) * (8 - len(xs)), np.float32)
    return v / np.linalg.norm(v)


def _post(n: int, vector: np.ndarray, title: str, minute: int) -> StoryItem:
    return StoryItem(article_id=f"p{n:02d}", time=dt.datetime(2024, 11, 28, 20, minute, tzinfo=dt.timezone.utc),
                     embedding=vector, entities=frozenset(), title=title, outlet=f"outlet{n}")


def _run(rule: ParallelRule, posts: list[StoryItem]) -> list[str]:
    clusterer = StoryClusterer()
    clusterer._parallel_rule = rule
    return [clusterer.add(p) for p in posts]


# a big story A (4 posts), a small story B of the same event (its own first post fell below the threshold),
# then a post that reaches both: it joins B by the best pair, A by the rule
BIG = [_post(i, _unit(1.0, 0.05 * i), f"Протест у парламента в Тбилиси, сообщение {i}", i) for i in range(4)]
SMALL = _post(10, _unit(1.0, 0.0, 1.1), "Демонстранты дерутся с полицией", 10)
BOTH = _post(11, _unit(1.0, 0.0, 0.6), "Водомёты и слезоточивый газ", 11)


@pytest.mark.parametrize("rule, joins_big", [
    (ParallelRule(None, 0.6), False),        # off: the best pair decides (the small story)
    (ParallelRule(0.15, 0.6), True),         # the larger of the close choices
    (ParallelRule(0.0, 0.6), False),         # a margin of 0: only ties go to the larger story
    (ParallelRule(0.15, 0.9), False),        # the two stories' centroids are not close enough: apart
])
def test_post_reaching_two_parallel_stories(rule, joins_big):
    ids = _run(rule, [*BIG, SMALL, BOTH])
    assert len(set(ids[:4])) == 1 and ids[4] != ids[0]            # the small story exists in every case
    assert (ids[5] == ids[0]) is joins_big and (ids[5] == ids[4]) is not joins_big


def test_shipped_rule():
    rule = parallel_rule()
    assert rule.margin is not None and 0 < rule.margin < 0.5 and 0.55 <= rule.min_cosine < 1
