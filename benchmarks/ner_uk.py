"""Ukrainian NER: the project's CRF (parallax/nlp/ner_uk.py) against slovnet's Russian news model run on
the same Ukrainian texts, on two held-out test sets, plus speed.

Test sets (see benchmarks/train_ner_uk.py for how they are fixed):
  * NER-UK 2.0 held-out: 20 % of the documents of each source folder (bruk: fiction, essays; ng:
    Nashi Groshi procurement news), by a seeded document-level split; never trained or tuned on.
  * SlavicNER uk, test topics: covid-19, nord_stream, ryanair, us_election_2020 (cross-topic: the model
    never saw SlavicNER at all; the topics asia_bibi and brexit were used for tuning and are reported
    apart).
Score: exact span (start, end, type) precision/recall/F1 per type, PER/LOC/ORG; NER-UK PERS -> PER, other
NER-UK types and SlavicNER EVT/PRO are not scored (a prediction over them counts as a false positive).
The Russian model runs the way parallax/nlp/entities.py runs it (`entities.document_ner`: emoji masked,
long texts cut at line breaks); its spans are taken as they come, like the CRF's. A third row combines
them: the CRF's spans plus the Russian model's Latin-script names that overlap none
(`ner_uk.add_latin_names`).

Speed: articles per CPU-second (process time, one BLAS thread) of tagging already segmented articles
(the SlavicNER test articles), for the CRF and for the Russian model; of segmentation + CRF; of the whole
Analyzer as it is today (slovnet on Ukrainian), and that figure with slovnet's time swapped for the
CRF's (an estimate of the Analyzer once it calls the CRF for Ukrainian).

    python benchmarks/ner_uk.py        # -> benchmarks/results/ner_uk.json
"""
from __future__ import annotations

import datetime as dt
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from threadpoolctl import threadpool_limits  # noqa: E402
from train_ner_uk import SEED, TEST_SHARE, TUNE_TOPICS, Doc, load_ner_uk, load_slavic, score  # noqa: E402

from parallax.model import Article  # noqa: E402
from parallax.nlp import entities, ner_uk  # noqa: E402
from parallax.nlp.pipeline import Analyzer  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "ner_uk.json"


def crf_spans(docs: list[Doc]) -> list[set]:
    return [set(ner_uk.tag_document(d.text, d.sentences, d.tokens)) for d in docs]


def russian_spans(docs: list[Doc]) -> list[set]:
    with threadpool_limits(1):
        return [set(s) for s in entities.document_ner([d.text for d in docs])]


def top_errors(docs: list[Doc], pred: list[set], n: int = 15) -> dict:
    fp, fn = Counter(), Counter()
    for d, p in zip(docs, pred):
        g = set(d.spans)
        fp.update(f"{t} {d.text[s:e]}" for s, e, t in p - g)
        fn.update(f"{t} {d.text[s:e]}" for s, e, t in g - p)
    return {"false_positives": fp.most_common(n), "missed": fn.most_common(n)}


def cpu_timed(fn, *args):
    t0 = time.process_time()
    out = fn(*args)
    return out, time.process_time() - t0


def evaluate_set(name: str, docs: list[Doc]) -> dict:
    for d in docs:
        d.segment()
    gold = [set(d.spans) for d in docs]
    crf = crf_spans(docs)
    ru = russian_spans(docs)
    both = [set(ner_uk.add_latin_names(d.text, sorted(c), sorted(r))) for d, c, r in zip(docs, crf, ru)]
    out = {"documents": len(docs), "gold_spans": dict(Counter(t for g in gold for _, _, t in g)),
           "crf_uk": score(gold, crf), "slovnet_ru": score(gold, ru), "crf_uk_plus_latin_from_slovnet": score(gold, both),
           "crf_uk_errors": top_errors(docs, crf)}
    print(name, len(docs), "docs")
    for model in ("crf_uk", "slovnet_ru", "crf_uk_plus_latin_from_slovnet"):
        print(f"  {model:30s}", "  ".join(f"{t} {v['p']:.3f}/{v['r']:.3f}/{v['f1']:.3f}"
                                          for t, v in out[model].items()))
    return out


def speed(docs: list[Doc]) -> dict:
    """Articles per CPU-second; the CRF warmed up first (model loaded, word-feature cache filled as in a
    long-running process)."""
    texts = [d.text for d in docs]
    ner_uk.tag_text(texts[0])
    russian_spans(docs[:2])
    # the whole Analyzer first, before segmentation fills the lemma caches it would use
    analyzed, full_cpu = cpu_timed(Analyzer().analyze_many, [Article(id=d.id, text=d.text, outlet="x") for d in docs])
    fresh = [Doc(d.id, d.text, d.spans) for d in docs]
    _, seg_cpu = cpu_timed(lambda: [d.segment() for d in fresh])
    ner_uk.word_features.cache_clear()
    _, crf_cold = cpu_timed(crf_spans, fresh)
    _, crf_warm = cpu_timed(crf_spans, fresh)
    _, ru_cpu = cpu_timed(russian_spans, fresh)
    n = len(docs)
    return {"analyzer_languages": dict(Counter(a.language for a in analyzed)),
            "analyzer_today_articles_per_cpu_s": round(n / full_cpu, 1),
            "analyzer_with_crf_estimate_articles_per_cpu_s": round(n / (full_cpu - ru_cpu + crf_cold), 1),
            "analyzer_with_crf_and_slovnet_estimate_articles_per_cpu_s": round(n / (full_cpu + crf_cold), 1),
            "articles": n, "mean_chars": round(sum(map(len, texts)) / n),
            "crf_uk_articles_per_cpu_s_cold_cache": round(n / crf_cold, 1),
            "crf_uk_articles_per_cpu_s_warm_cache": round(n / crf_warm, 1),
            "segmentation_articles_per_cpu_s": round(n / seg_cpu, 1),
            "segmentation_plus_crf_articles_per_cpu_s": round(n / (seg_cpu + crf_cold), 1),
            "slovnet_ru_articles_per_cpu_s": round(n / ru_cpu, 1)}


def main() -> None:
    parts = load_ner_uk()
    results = {
        "date": dt.date.today().isoformat(), "python": platform.python_version(),
        "model": {"path": str(ner_uk.MODEL_PATH.relative_to(REPO)), "bytes": ner_uk.MODEL_PATH.stat().st_size},
        "split": {"seed": SEED, "ner_uk_test_share": TEST_SHARE, "slavicner_tune_topics": list(TUNE_TOPICS),
                  "ner_uk_test_documents": sorted(d.id for d in parts["test"])},
        "metric": "exact span (start, end, type); PER/LOC/ORG",
    }
    results["ner_uk_test"] = evaluate_set("NER-UK held-out", parts["test"])
    slavic_test = load_slavic("test")
    results["slavicner_uk_test_topics"] = evaluate_set("SlavicNER uk test topics", slavic_test)
    results["slavicner_uk_tune_topics"] = evaluate_set("SlavicNER uk tune topics", load_slavic("tune"))
    results["speed"] = speed(slavic_test)
    print(results["speed"])
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("->", RESULTS.relative_to(REPO))


if __name__ == "__main__":
    main()
