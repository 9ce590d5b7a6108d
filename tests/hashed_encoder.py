"""A stand-in sentence encoder for tests that need no model: bag of hashed 5-letter word stems -> unit
vector, so texts that share words get a high cosine. Shared by the store and profile tests."""
from __future__ import annotations

import hashlib
import re

import numpy as np


class HashedWordEncoder:
    dim = 64

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(word[:5].encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
