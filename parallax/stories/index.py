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

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int]:
        """faiss search: (similarities, local positions, how many stored vectors were compared)."""
        if not self.dense:
            sims, local = self.index.search(queries, k)
            return sims, local, len(queries) * self.index.ntotal
        stats = faiss_module().cvar.indexIVF_stats
        before = stats.ndis
        sims, local = self.index.search(queries, k)
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
    needed is freed (reading a freed row is an error)."""

    def __init__(self, dim: int, chunk: int = 4096):
        self.dim, self.chunk = dim, chunk
        self.chunks: list[np.ndarray | None] = []

    def ensure(self, rows: int) -> None:
        while len(self.chunks) * self.chunk < rows:
            self.chunks.append(np.zeros((self.chunk, self.dim), dtype=np.float32))

    def __setitem__(self, row: int, vec: np.ndarray) -> None:
        self.chunks[row // self.chunk][row % self.chunk] = vec

    def __getitem__(self, rows):
        if np.isscalar(rows):
            return self.chunks[rows // self.chunk][rows % self.chunk]
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        which = rows // self.chunk
        for chunk in np.unique(which):
            sel = which == chunk
            out[sel] = self.chunks[chunk][rows[sel] % self.chunk]
        return out

    def free(self, needed: np.ndarray) -> None:
        """Free every full chunk none of whose rows is `needed` (a bool array over the rows)."""
        for number in range(len(needed) // self.chunk):
            if self.chunks[number] is not None and not needed[number * self.chunk:(number + 1) * self.chunk].any():
                self.chunks[number] = None
