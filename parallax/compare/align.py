"""How alike two claims are: sentence embeddings plus lexical and entity overlap (the grouping itself is
in accounts.py)."""
from __future__ import annotations

import functools

import numpy as np

from parallax.compare.claims import Claim
from parallax.compare.embed import load_blend
from parallax.model import AnalyzedArticle
from parallax.resources import load_yaml


@functools.lru_cache(maxsize=1)
def alignment_config() -> dict:
    return load_yaml("compare/data/alignment.yaml")


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def claim_entities(claim: Claim, doc: AnalyzedArticle) -> set[str]:
    return {m.entity for m in doc.mentions if m.entity and m.start >= claim.start and m.end <= claim.end}


def blend_config(encoder) -> dict:
    return load_blend(getattr(encoder, "name", "usem3"))


def score_pairs(claims_a: list[Claim], claims_b: list[Claim], emb_a: np.ndarray, emb_b: np.ndarray,
                ents_a: list[set], ents_b: list[set], blend: dict):
    """Return (score, cosine, lexical, shared-entity) matrices for every claim pair."""
    cfg = alignment_config()["claims"]
    w = blend["embedding_weight"]
    shape = (len(claims_a), len(claims_b))
    cos = emb_a @ emb_b.T if all(shape) else np.zeros(shape)
    lex = np.array([[jaccard(x.content_lemmas, y.content_lemmas) for y in claims_b] for x in claims_a]).reshape(shape)
    ent = np.array([[jaccard(x, y) for y in ents_b] for x in ents_a]).reshape(shape)
    score = w * cos + (1 - w) * lex + cfg["entity_bonus"] * ent
    return score, cos, lex, ent
