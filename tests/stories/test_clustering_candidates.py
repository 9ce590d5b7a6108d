"""A row's candidates scored the fast way (stories/evidence.py `_score_candidates`: the cheap evidence inlined,
the costly evidence read only where it can change a story's best score, near copies tested only after their
own cheap filters) give the same stories as the plain way: every pair through `_near_copy` and
`_score_or_bound`, as the clusterer did before (kept here as the reference)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from test_clustering_density import synthetic

from parallax.stories import ClusterConfig, StoryClusterer


class PlainClusterer(StoryClusterer):
    """Scores every candidate pair in full order, one method call per piece (the pre-split loop)."""

    def _score_candidates(self, row, neigh_rows, neigh_sims):
        cfg = self.config
        scores: dict[str, float] = {}
        copies: dict[str, float] = {}
        pairs: list[tuple[str, int, float]] = []
        apart = cfg.digests_apart
        if apart and self._digest[row]:
            return scores, copies, pairs
        for other, cos in zip(neigh_rows.tolist(), neigh_sims.tolist()):
            if other < 0 or other == row or cos < cfg.candidate_min_cosine or (apart and self._digest[other]):
                continue
            sid = self._story_of[other]
            if sid is None:
                continue
            copy = self._near_copy(row, other)
            if copy > copies.get(sid, 0.0):
                copies[sid] = copy
            s = self._score_or_bound(row, other, cos, exact=copy > 0)
            pairs.append((sid, other, cos))
            if s > scores.get(sid, -np.inf):
                scores[sid] = s
        return scores, copies, pairs


def _with_repeats(items, every: int = 7, pool: int = 20):
    """Every `every`-th article repeats one of `pool` long titles and leans towards the article that used it
    last (their vectors mixed), so that near copies reach members of several stories: the tie-break between
    them reads exact scores."""
    out = list(items)
    last: dict[int, int] = {}
    for i in range(every, len(out), every):
        slot = (i // every) % pool
        title = f"Срочное сообщение номер {slot}: подробности происшествия в городе"
        vec = out[i].embedding
        if slot in last:
            vec = vec + out[last[slot]].embedding
            vec = (vec / np.linalg.norm(vec)).astype(np.float32)
        out[i] = replace(out[i], title=title, embedding=vec)
        last[slot] = i
    return out


def _run(cls, items, **config):
    clusterer = cls(ClusterConfig().with_(**config))
    ids = clusterer.add_many(items)
    titles = {sid: clusterer.representative_title(sid) for sid in set(ids)}
    return ids, titles, clusterer.stats["pairs_scored"]


def test_fast_candidate_scoring_gives_the_stories_of_scoring_every_pair():
    items = _with_repeats(synthetic(3000, 2.0, seed=11))
    fast = _run(StoryClusterer, items)
    assert fast == _run(PlainClusterer, items)
    assert len(set(fast[0])) < len(items) / 2        # stories formed: the comparison is not vacuous


def test_fast_candidate_scoring_equals_the_plain_one_with_the_hand_set_score_and_dense_days():
    items = _with_repeats(synthetic(1600, 1.0, seed=12), every=5)
    config = {"decision": "score", "dense_bucket_rows": 800, "ivf_lists": 64, "ivf_probe": 4}
    assert _run(StoryClusterer, items, **config) == _run(PlainClusterer, items, **config)
