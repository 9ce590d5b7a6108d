"""The candidate index of story clustering: the articles of each day in a faiss inner-product index, and
every article's embedding in fixed-size chunks that can be freed once their articles are out of reach.

A day bucket starts exact (``IndexFlatIP``: one matrix product per batch of new articles). At an
aggregator's density (tens of thousands of articles a day) an exact search costs a scan of the whole
window per new article, so a bucket that reaches ``dense_bucket_rows`` articles moves to an inverted file
(``IndexIVFFlat``: ``ivf_lists`` lists, ``ivf_probe`` of them searched). All dense buckets share one
coarse quantizer, trained once (fixed seed, one thread: the same input gives the same lists) on the
first bucket that became dense. A corpus of a few thousand articles a day never reaches the threshold
and keeps the exact search. Measured in benchmarks/stories_density.py.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left

import numpy as np

from parallax.stories.config import ClusterConfig

_KMEANS_SEED = 1234
_KMEANS_ITERATIONS = 10


def faiss_module():
    # lazy: faiss adds ~30 ms and ~15 MB (its OpenMP runtime) to every process that imports the store,
    # which needs StoryItem but never clusters
    import faiss
    return faiss


def train_quantizer(vectors: np.ndarray, lists: int):
    """The coarse quantizer of the dense buckets: spherical k-means of `vectors` into `lists` centroids."""
    faiss = faiss_module()
    dim = vectors.shape[1]
    clustering = faiss.Clustering(dim, lists)
    clustering.seed = _KMEANS_SEED
    clustering.niter = _KMEANS_ITERATIONS
    clustering.spherical = True
    clustering.min_points_per_centroid = 1     # a dense day has ~16 points a list: enough for a partition
    quantizer = faiss.IndexFlatIP(dim)
    clustering.train(np.ascontiguousarray(vectors, dtype=np.float32), quantizer)
    return quantizer


class Bucket:
    """The articles of one day (or all undated articles) in a faiss inner-product index."""

    def __init__(self, dim: int, config: ClusterConfig):
        faiss = faiss_module()
        if config.index == "hnsw":
            self.index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        elif config.index == "flat":
            self.index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown index type {config.index!r} (flat | hnsw)")
        self.rows = np.empty(0, dtype=np.int64)
        self.dense = False

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.rows = np.concatenate([self.rows, rows])

    def search(self, queries: np.ndarray, k: int, lists: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray, int]:
        """faiss search: (similarities, local positions, how many stored vectors were compared). `lists`: the
        queries' (similarities, numbers) of the quantizer's ``ivf_probe`` nearest lists, when already known
        (the dense days share the quantizer); the search is then the one faiss makes after finding them."""
        if not self.dense:
            sims, local = self.index.search(queries, k)
            return sims, local, len(queries) * self.index.ntotal
        stats = faiss_module().cvar.indexIVF_stats
        before = stats.ndis
        if lists is None:
            sims, local = self.index.search(queries, k)
        else:
            sims, local = self.index.search_preassigned(queries, k, np.ascontiguousarray(lists[1]),
                                                        np.ascontiguousarray(lists[0]))
        return sims, local, stats.ndis - before

    def make_dense(self, quantizer, vectors: np.ndarray, config: ClusterConfig) -> None:
        """Move the bucket's articles (`vectors`, in the order of ``rows``) to an inverted file."""
        faiss = faiss_module()
        index = faiss.IndexIVFFlat(quantizer, quantizer.d, quantizer.ntotal, faiss.METRIC_INNER_PRODUCT)
        index.nprobe = config.ivf_probe
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.index, self.quantizer, self.dense = index, quantizer, True     # the index does not own it


class RowVectors:
    """Unit embeddings by row, stored in chunks of `chunk` rows; a chunk none of whose rows is still
    needed is freed (reading a freed row is an error). A chunk only a few of whose rows are still needed
    (at most 1/`spill_fraction`: members of a story still open, kept up to `max_story_days` + the window
    after the rest of their day was retired) keeps those rows alone and frees the chunk."""

    def __init__(self, dim: int, chunk: int = 4096, spill_fraction: int = 8):
        self.dim, self.chunk, self.spill_fraction = dim, chunk, spill_fraction
        self.chunks: list[np.ndarray | None] = []
        self.spilled: dict[int, np.ndarray] = {}     # row -> vector, of freed chunks

    def ensure(self, rows: int) -> None:
        while len(self.chunks) * self.chunk < rows:
            self.chunks.append(np.zeros((self.chunk, self.dim), dtype=np.float32))

    def __setitem__(self, row: int, vec: np.ndarray) -> None:
        self.chunks[row // self.chunk][row % self.chunk] = vec

    def _row(self, row: int) -> np.ndarray:
        chunk = self.chunks[row // self.chunk]
        if chunk is None:
            vec = self.spilled.get(row)
            if vec is None:
                raise KeyError(f"row {row} was freed")
            return vec
        return chunk[row % self.chunk]

    def __getitem__(self, rows):
        if np.isscalar(rows):
            return self._row(int(rows))
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        which = rows // self.chunk
        for chunk in np.unique(which):
            sel = which == chunk
            if self.chunks[chunk] is None:
                out[sel] = [self._row(int(r)) for r in rows[sel]]
            else:
                out[sel] = self.chunks[chunk][rows[sel] % self.chunk]
        return out

    def free(self, needed: np.ndarray) -> None:
        """Free every full chunk none of whose rows is `needed` (a bool array over the rows), or few enough
        that they are kept alone; drop the rows kept alone that are no longer needed."""
        for row in [r for r in self.spilled if not needed[r]]:
            del self.spilled[row]
        for number in range(len(needed) // self.chunk):
            chunk = self.chunks[number]
            if chunk is None:
                continue
            keep = np.flatnonzero(needed[number * self.chunk:(number + 1) * self.chunk])
            if len(keep) * self.spill_fraction <= self.chunk:
                for local in keep.tolist():
                    self.spilled[number * self.chunk + local] = chunk[local].copy()
                self.chunks[number] = None

    def take(self, rows: np.ndarray, needed: np.ndarray) -> "RowVectors":
        """A RowVectors whose row i is this one's row ``rows[i]`` (ascending), copied where ``needed[i]``.
        This one's chunks are dropped as the copy passes them (a new row is never after its old one), so the
        two never hold more than a chunk twice; this one is empty afterwards."""
        out = RowVectors(self.dim, self.chunk, self.spill_fraction)
        want = np.flatnonzero(needed[:len(rows)])
        old = np.asarray(rows, dtype=np.int64)[want]
        which = old // self.chunk
        passed = 0
        for number in np.unique(which).tolist():
            sel = which == number
            chunk = self.chunks[number]
            vectors = (chunk[old[sel] % self.chunk] if chunk is not None
                       else np.array([self._row(int(r)) for r in old[sel]], dtype=np.float32))
            new = want[sel]
            out.ensure(int(new[-1]) + 1)       # zeroed pages: only the rows written take memory
            for target in np.unique(new // self.chunk).tolist():
                part = new // self.chunk == target
                out.chunks[target][new[part] % self.chunk] = vectors[part]
            for k in range(passed, number + 1):
                self.chunks[k] = None
            passed = number + 1
        self.chunks, self.spilled = [], {}
        return out


# ---- word keys held compactly -----------------------------------------------------------------------
# An article's word keys (crc32 of its words, stories/names.py) are tested only for "does it hold any of
# these few keys" (a title's name, a title word's forms). As a frozenset of ints they take ~40 bytes a key
# (the int objects and the hash table: ~4 KB an article, a third of what a row of the clusterer holds);
# as a sorted array of uint32, 4 bytes a key, found by bisection. At 33k articles a day the three-day
# window holds ~100k articles: ~350 MB less (benchmarks/STORIES.md, "Density").

def keys(keys) -> array | None:
    """`keys` (ints) as a sorted array; None stays None (not computed)."""
    if keys is None:
        return None
    ordered = sorted(keys)
    # crc32 keys fit in 32 bits; anything else still works, 8 bytes a key
    code = "I" if not ordered or (ordered[0] >= 0 and ordered[-1] < 1 << 32) else "q"
    return array(code, ordered)


def holds_any(keys: array, wanted) -> bool:
    """True when the sorted `keys` hold any of `wanted` (the frozenset test `not keys.isdisjoint(wanted)`)."""
    size = len(keys)
    for key in wanted:
        at = bisect_left(keys, key)
        if at < size and keys[at] == key:
            return True
    return False


def missing_names(names: tuple[frozenset[int], ...], keys: array | None) -> int:
    """names.missing_names with the text's keys compact: how many of a title's names the text never
    mentions (0 when it is too short to tell)."""
    if not names or keys is None:
        return 0
    return len(names) - _holding(names, keys)


def _holding(groups, keys: array) -> int:
    """How many of `groups` (each a few keys) have a key in the sorted `keys`: holds_any inlined, as this
    runs for every pair of articles whose score can reach the threshold."""
    size, found = len(keys), 0
    for group in groups:
        for key in group:
            at = bisect_left(keys, key)
            if at < size and keys[at] == key:
                found += 1
                break
    return found


def title_keys(groups) -> array | None:
    """A title's word keys (a group of alternative keys a word) packed in one array: the number of words,
    each word's number of keys, then the keys; None for a title of no words. ~170 bytes a title where tuples
    of tuples took ~540 (benchmarks/STORIES.md, session 11): the clusterer holds one for every live row."""
    if not groups:
        return None
    flat = [len(groups), *(len(g) for g in groups)]
    for group in groups:
        flat.extend(group)
    code = "I" if all(0 <= k < 1 << 32 for k in flat) else "q"
    return array(code, flat)


def _coverage(title: array | None, text_keys: array | None) -> float | None:
    """The share of a title's words (`title_keys`, packed) with a key in the text's sorted keys."""
    if not title or text_keys is None:
        return None
    words, size, found = title[0], len(text_keys), 0
    at = words + 1
    for w in range(1, words + 1):
        end = at + title[w]
        for k in range(at, end):
            key = title[k]
            p = bisect_left(text_keys, key)
            if p < size and text_keys[p] == key:
                found += 1
                break
        at = end
    return found / words


def swap_missing(title_a, keys_a, title_b, keys_b, unknown: float = 0.0) -> float:
    """verifier.swap_missing with the titles' keys packed (`title_keys`) and the texts' keys compact (`keys`):
    the same value (tests/stories check it)."""
    found = [c for c in (_coverage(title_a, keys_b), _coverage(title_b, keys_a)) if c is not None]
    return 1.0 - min(found) if found else unknown


def earlier_in_batch(vectors: np.ndarray, times: np.ndarray, k: int, window_days: float,
                     block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Top-k neighbours of each row of a batch among the rows *before* it in the batch (positions, cosines;
    -1 / -inf where there are fewer): dated rows within `window_days` of each other, undated rows with
    undated ones, as the day buckets pair them. The batch is searched against the index before it is
    indexed, and against itself here, so later rows of a burst never take a row's k slots (a batch of
    2,048 posts on one event split it in three: benchmarks/STORIES.md, seventh session) and one search per
    batch is kept (searching it in chunks of k rows cost ~1.7x the clustering CPU at 33k articles a day)."""
    n = len(vectors)
    out_pos = np.full((n, k), -1, dtype=np.int64)
    out_sims = np.full((n, k), -np.inf, dtype=np.float32)
    undated = np.isnan(times)
    for start in range(0, n, block):              # rows start.. against rows 0..stop: ≤ block x n floats
        stop = min(start + block, n)
        sims = (vectors[start:stop] @ vectors[:stop].T).astype(np.float32, copy=False)
        ok = np.arange(stop)[None, :] < np.arange(start, stop)[:, None]
        # a dense batch spans an hour or two: no pair of it can be outside the window, none undated
        if undated[:stop].any() or (times[:stop].max() - times[:stop].min()) / 86400.0 > window_days:
            gaps = np.abs(times[start:stop, None] - times[None, :stop]) / 86400.0
            same_kind = undated[start:stop, None] == undated[None, :stop]
            ok &= same_kind & (undated[start:stop, None] | (gaps <= window_days))
        np.copyto(sims, -np.inf, where=~ok)
        np.negative(sims, out=sims)          # argpartition of the negated similarities, without a copy
        kk = min(k, stop)
        top = np.argpartition(sims, kk - 1, axis=1)[:, :kk]
        top_sims = -np.take_along_axis(sims, top, axis=1)
        out_pos[start:stop, :kk] = np.where(np.isfinite(top_sims), top, -1)
        out_sims[start:stop, :kk] = top_sims
    return out_pos, out_sims
