"""Align claims across articles: sentence embeddings plus lexical and entity overlap, grouped so
that a group holds at most one claim per article."""
from __future__ import annotations

import functools

import numpy as np

from parallax.compare.claims import Claim
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
    from parallax.compare.embed import load_blend
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


class _Groups:
    """Union-find over claims that refuses to put two claims of one article in one group."""

    def __init__(self, claims: list[Claim]):
        self.parent = {id(c): id(c) for c in claims}
        self.articles = {id(c): {c.article} for c in claims}

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Claim, b: Claim) -> bool:
        ra, rb = self.find(id(a)), self.find(id(b))
        if ra == rb or self.articles[ra] & self.articles[rb]:
            return False
        self.parent[rb] = ra
        self.articles[ra] |= self.articles.pop(rb)
        return True


def align_claims(docs: list[AnalyzedArticle], claims_by_doc: list[list[Claim]], encoder) -> tuple[list[list[Claim]], dict]:
    """Return groups of aligned claims (each a list, ordered by article) and the best score of each
    pair (id(a), id(b)) that joined a group."""
    cfg = alignment_config()["claims"]
    all_claims = [c for cs in claims_by_doc for c in cs]
    embeddings = encoder.encode([c.core_text or c.text for c in all_claims]) if all_claims else np.zeros((0, 1))
    offsets, pos = [], 0
    for cs in claims_by_doc:
        offsets.append((pos, pos + len(cs)))
        pos += len(cs)
    ents = [[claim_entities(c, d) for c in cs] for d, cs in zip(docs, claims_by_doc)]
    blend = blend_config(encoder)
    strict = blend["paraphrase_threshold"]
    floor = blend["related_threshold"] if cfg["mutual_best_floor"] == "related" else float(cfg["mutual_best_floor"])
    edges = []
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            ca, cb = claims_by_doc[i], claims_by_doc[j]
            if not ca or not cb:
                continue
            ea = embeddings[offsets[i][0]:offsets[i][1]]
            eb = embeddings[offsets[j][0]:offsets[j][1]]
            score, cos, lex, ent = score_pairs(ca, cb, ea, eb, ents[i], ents[j], blend)
            best_b = score.argmax(axis=1)
            best_a = score.argmax(axis=0)
            for x in range(len(ca)):
                for y in range(len(cb)):
                    s = float(score[x, y])
                    mutual = best_b[x] == y and best_a[y] == x and ent[x, y] > 0 and s >= floor
                    if s >= strict or mutual or lex[x, y] >= cfg["lexical_only_threshold"]:
                        edges.append((s, x, y, ca[x], cb[y]))
    edges.sort(key=lambda e: (-e[0], e[3].article, e[3].index, e[4].article, e[4].index))
    groups = _Groups(all_claims)
    scores = {}
    for s, _, _, a, b in edges:
        if groups.union(a, b):
            scores[(id(a), id(b))] = s
            scores[(id(b), id(a))] = s
    by_root: dict[int, list[Claim]] = {}
    for c in all_claims:
        by_root.setdefault(groups.find(id(c)), []).append(c)
    order = {d.id: k for k, d in enumerate(docs)}
    out = [sorted(g, key=lambda c: order[c.article]) for g in by_root.values()]
    out.sort(key=lambda g: (order[g[0].article], g[0].index))
    return out, {"pair_scores": scores, "embeddings": {id(c): embeddings[k] for k, c in enumerate(all_claims)}}
