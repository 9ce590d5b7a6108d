"""The candidate search of story clustering: each new row's nearest earlier rows (embedding cosine) within
``window_days``, from the per-day faiss buckets of stories/index.py and from the rows before it in its own batch.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from parallax.stories.index import Bucket, train_quantizer
from parallax.stories.rows import DAY

UNDATED = None      # the day-bucket key of undated rows


class CandidateSearch:
    """The search methods of StoryClusterer: read the rows of stories/rows.py (StoryRows) and keep the
    day buckets (`_buckets`) and the shared quantizer of the dense ones (`_quantizer`)."""

    def _bucket_key(self, row: int) -> int | None:
        t = self._time[row]
        return UNDATED if np.isnan(t) else int(t // DAY)

    def _index_rows(self, rows: np.ndarray) -> None:
        by_bucket: dict[int | None, list[int]] = defaultdict(list)
        for r in rows:
            by_bucket[self._bucket_key(int(r))].append(int(r))
        for key, members in by_bucket.items():
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = Bucket(self._dim, self.config)
            arr = np.array(members, dtype=np.int64)
            bucket.add(arr, self._emb[arr])
            cfg = self.config
            if not bucket.dense and cfg.index == "flat" and len(bucket.rows) >= cfg.dense_bucket_rows:
                vectors = self._emb[bucket.rows]
                if self._quantizer is None:
                    self._quantizer = train_quantizer(vectors, cfg.ivf_lists)
                bucket.make_dense(self._quantizer, vectors, cfg)

    def _neighbours(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top-k neighbours (rows, cosines) of each row among indexed articles within the window and before
        it; -1 where there are fewer."""
        k = self.config.neighbours
        window = self.config.window_days
        # buckets are whole days: a neighbour within `window` days is at most ceil(window) buckets away
        span = int(np.ceil(window))
        n = len(rows)
        slots = 2 * span + 1
        cand_rows = np.full((n, slots * k), -1, dtype=np.int64)
        cand_sims = np.full((n, slots * k), -np.inf, dtype=np.float32)
        times = self._time[rows]
        undated = np.isnan(times)
        days = np.where(undated, 0, times // DAY).astype(np.int64)
        queries = self._emb[rows]

        if undated.any() and UNDATED in self._buckets:
            sel = np.flatnonzero(undated)
            self._search_bucket(self._buckets[UNDATED], queries[sel], sel, 0, k, cand_rows, cand_sims)
        dated = np.flatnonzero(~undated)
        if len(dated):
            # the dense days share one quantizer: each query's lists are found once, not once per day
            coarse = None
            for offset in range(-span, span + 1):
                target = days[dated] + offset
                for day in np.unique(target):
                    bucket = self._buckets.get(int(day))
                    if bucket is None:
                        continue
                    sel = dated[target == day]
                    if bucket.dense and coarse is None:
                        coarse = self._quantizer.search(np.ascontiguousarray(queries), self.config.ivf_probe)
                    lists = (coarse[0][sel], coarse[1][sel]) if bucket.dense else None
                    self._search_bucket(bucket, queries[sel], sel, offset + span, k, cand_rows, cand_sims, lists)
            # exact window on timestamps (buckets are whole days)
            valid = cand_rows >= 0
            gaps = np.abs(self._time[np.where(valid, cand_rows, 0)] - times[:, None]) / DAY
            out = valid & (gaps > window) & ~undated[:, None]
            cand_rows[out] = -1
            cand_sims[out] = -np.inf
        # keep the best k per row
        if cand_rows.shape[1] > k:
            top = np.argpartition(-cand_sims, k - 1, axis=1)[:, :k]
            cand_rows = np.take_along_axis(cand_rows, top, axis=1)
            cand_sims = np.take_along_axis(cand_sims, top, axis=1)
        return cand_rows, cand_sims

    def _search_bucket(self, bucket: Bucket, queries: np.ndarray, sel: np.ndarray, slot: int, k: int,
                       cand_rows: np.ndarray, cand_sims: np.ndarray, lists: tuple | None = None) -> None:
        kk = min(k, bucket.index.ntotal)
        if kk == 0:
            return
        sims, local, compared = bucket.search(np.ascontiguousarray(queries), kk, lists)
        self.stats["vectors_compared"] += compared
        found = local >= 0
        rows = np.where(found, bucket.rows[np.where(found, local, 0)], -1)
        cols = slice(slot * k, slot * k + kk)
        cand_rows[sel, cols] = rows
        cand_sims[sel, cols] = np.where(found, sims, -np.inf)
