"""The same-event decision as a weighted sum of named evidence, so a story page can say why two articles
are one event.

Every candidate pair is described by the same evidence (``EVIDENCE``): the embedding cosine of title +
lead, the overlap of the lead's names, the overlap of the title words, how much of one title the other
article fails to cover (the contest guideline's swap test as a number), and flags for a follow-up or
denial cue in exactly one title, days or years that conflict, a title name the other long article never
mentions, and the days between the two beyond the grace period. The score is

    score = offset + sum(weight[e] * value[e])

and the pair is one event when ``score >= join_threshold``. Two sets of weights exist:

* ``score``: the hand-set weights of ``stories/config.yaml`` (cosine 1, the rest from the config;
  swap coverage 0), the decision of earlier versions;
* ``model`` (default): a logistic regression over the same evidence, fitted on the tuning pairs by
  ``benchmarks/stories_fit_verifier.py`` and stored as its coefficients in ``stories/data/verifier.yaml``,
  rescaled so that the cosine weighs 1 and the threshold is ``join_threshold`` (a score reads like
  the hand-set one).

:func:`explain` lists each piece of evidence with its value, weight and contribution.
"""
from __future__ import annotations

from dataclasses import dataclass
from operator import mul
from typing import Sequence

from parallax.resources import load_yaml_mapping
from parallax.stories.config import ClusterConfig

EVIDENCE = ("cosine", "entities", "title_words", "swap_missing", "followup", "denial", "day_conflict",
            "year_conflict", "name_missing", "number_conflict", "days_apart")

DESCRIPTION = {
    "cosine": "embedding cosine of title + lead",
    "entities": "shared names of the leads (share of the shorter list; 0.3 when one has none)",
    "title_words": "Jaccard of the title words",
    "swap_missing": "share of a title's words the other article lacks (swap test; larger direction)",
    "followup": "exactly one title reports a reaction, cause or detail",
    "denial": "exactly one title is a denial",
    "day_conflict": "the leads name days more than a day apart",
    "year_conflict": "the titles name different years",
    "name_missing": "a name of one title is absent from the other, long article",
    "number_conflict": "both titles give numbers and share none",
    "days_apart": "days between the two beyond the grace period",
}


@dataclass(frozen=True)
class Weights:
    """score = offset + sum(weights[e] * evidence[e]); one event when score >= threshold."""
    weights: tuple[float, ...]       # in the order of EVIDENCE
    offset: float
    threshold: float
    source: str
    # the value of swap_missing when the swap test cannot be made (an English article, an item saved
    # before title keys existed): the model's value that gives back the hand-set score
    swap_unknown: float = 0.0

    def score(self, values: Sequence[float]) -> float:
        return self.offset + sum(map(mul, self.weights, values))


def hand_weights(config: ClusterConfig) -> Weights:
    """The hand-set score of stories/config.yaml as weights over EVIDENCE."""
    c = config
    return Weights((1.0, c.weight_entities, c.weight_title, 0.0, -c.followup_penalty, -c.denial_penalty,
                    -c.date_conflict_penalty, -c.year_conflict_penalty, -c.name_missing_penalty,
                    -c.number_conflict_penalty, -c.time_penalty_per_day), 0.0, c.join_threshold, "score")


def model_weights(config: ClusterConfig) -> Weights:
    """The fitted model named by ``config.verifier_model`` (a package path or an absolute one)."""
    data = load_yaml_mapping(config.verifier_model)
    weights = data["weights"]
    missing = set(EVIDENCE) - set(weights)
    if missing:
        raise ValueError(f"{config.verifier_model}: no weight for {sorted(missing)}")
    return Weights(tuple(float(weights[e]) for e in EVIDENCE), float(data["offset"]), config.join_threshold,
                   "model", float(data.get("swap_unknown", 0.0)))


def weights_for(config: ClusterConfig) -> Weights:
    if config.decision == "score":
        return hand_weights(config)
    if config.decision == "model":
        return model_weights(config)
    raise ValueError(f"unknown decision {config.decision!r} (model | score)")


def explain(weights: Weights, values: Sequence[float]) -> dict:
    """Why a pair is (not) one event: each piece of evidence with its value, weight and contribution."""
    parts = [{"evidence": name, "what": DESCRIPTION[name], "value": round(float(v), 4), "weight": round(w, 4),
              "contribution": round(w * float(v), 4)} for name, w, v in zip(EVIDENCE, weights.weights, values)]
    score = weights.score(values)
    return {"score": round(score, 4), "threshold": weights.threshold, "same_event": score >= weights.threshold,
            "decision": weights.source, "offset": round(weights.offset, 4),
            "evidence": sorted(parts, key=lambda p: -abs(p["contribution"]))}


def coverage(title_keys: tuple[frozenset[int], ...], text_keys: frozenset[int] | None) -> float | None:
    """Share of a title's content words that a text contains (None when either side is unknown)."""
    if not title_keys or text_keys is None:
        return None
    return sum(1 for keys in title_keys if keys & text_keys) / len(title_keys)


def swap_missing(title_a, keys_a, title_b, keys_b, unknown: float = 0.0) -> float:
    """1 - the smaller coverage of the two directions of the swap test; `unknown` when neither can be told."""
    found = [c for c in (coverage(title_a, keys_b), coverage(title_b, keys_a)) if c is not None]
    return 1.0 - min(found) if found else unknown
