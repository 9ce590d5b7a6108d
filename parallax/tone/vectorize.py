"""A small TF-IDF vectorizer over precomputed string features, stored as plain lists.

sklearn's vectorizers would do, but pickled sklearn objects only load in the sklearn version that wrote
them; a vocabulary and an idf array load anywhere, so the shipped model needs numpy and scipy only.
The formulas are sklearn's (smooth idf, optional sublinear tf, l2 row norm)."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse


class FeatureVectorizer:
    def __init__(self, min_df: int = 2, sublinear_tf: bool = True, binary: bool = False,
                 vocabulary: Sequence[str] | None = None, idf: Sequence[float] | None = None):
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.binary = binary
        self.vocabulary: list[str] = list(vocabulary or [])
        self.index = {f: i for i, f in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf if idf is not None else [], dtype=np.float64)

    def fit(self, docs: Sequence[Sequence[str]]) -> FeatureVectorizer:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        self.vocabulary = sorted(f for f, c in df.items() if c >= self.min_df)
        self.index = {f: i for i, f in enumerate(self.vocabulary)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in self.vocabulary])
        return self

    def transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            counts = Counter(self.index[f] for f in doc if f in self.index)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if self.binary:
                tf = np.ones_like(tf)
            elif self.sublinear_tf:
                tf = 1.0 + np.log(tf)
            w = tf * self.idf[idx]
            w /= np.linalg.norm(w)
            rows.append(np.full(len(idx), r))
            cols.append(idx)
            vals.append(w)
        if rows:
            data = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
        else:
            data = (np.zeros(0), (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
        return sparse.csr_matrix(data, shape=(len(docs), len(self.vocabulary)), dtype=np.float64)

    def fit_transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        return self.fit(docs).transform(docs)

    def to_dict(self, digits: int = 6) -> dict:
        return {"min_df": self.min_df, "sublinear_tf": self.sublinear_tf, "binary": self.binary,
                "vocabulary": self.vocabulary, "idf": [round(float(x), digits) for x in self.idf]}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureVectorizer:
        return cls(min_df=data["min_df"], sublinear_tf=data["sublinear_tf"], binary=data["binary"],
                   vocabulary=data["vocabulary"], idf=data["idf"])
