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
The Russian model runs the way parallax/nlp/entities.py runs it on Russian (`entities.document_ner`:
emoji masked, long texts cut at line breaks); its spans are taken as they come, like the CRF's. Rows:
the shipped tagger (`ner_uk.tag_document`: CRF with gazetteer, word-class and address/building context
features, plus the Latin-name rule, the repeated-name pass, session 8's span rules and type vote, session
9's conjunction split, settlement names and state abbreviations), the
Russian model, and three ablations: the CRF without the Latin-name rule, that plus the Russian model's
Latin-script names (what the Analyzer ran on Ukrainian before session 6), and the shipped tagger without
session 8's span rules and type vote, and the shipped tagger without session 9's rules. On SlavicNER, two more rows
score the EU's short names as LOC, SlavicNER's convention (`slavicner_convention`, decided on the tune
topics).

Speed: articles per CPU-second (process time, one BLAS thread) of the whole Analyzer on the SlavicNER
test articles, of tagging already segmented articles with the CRF (cold and warm word caches), of
segmentation alone and with the CRF, and of the Russian model (which Ukrainian analysis no longer runs).

    python benchmarks/ner_uk.py        # -> benchmarks/results/ner_uk.json
    python benchmarks/ner_uk.py --labeler-speed   # CRF vs BiLSTM vs ensemble, whole Analyzer, side by side
"""
from __future__ import annotations

import datetime as dt
import json
import platform
import random
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
from parallax.nlp import entities, ner_uk, ner_uk_neural  # noqa: E402
from parallax.nlp.pipeline import Analyzer  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "ner_uk.json"


def crf_spans(docs: list[Doc]) -> list[set]:
    return [set(ner_uk.tag_document(d.text, d.sentences, d.tokens)) for d in docs]


def crf_spans_without_latin_rule(docs: list[Doc]) -> list[set]:
    """The CRF alone (ablation): ner_uk.latin_organisations switched off for this call."""
    rule = ner_uk.latin_organisations
    ner_uk.latin_organisations = lambda words, spans: spans
    try:
        return crf_spans(docs)
    finally:
        ner_uk.latin_organisations = rule


# SlavicNER's annotators tag the EU's short names as places: in the tune topics (asia_bibi, brexit) 'ЄС'
# is LOC 184 times and ORG 4 times, 'Євросоюзу' LOC 38 times; NER-UK, and so the CRF, tags them ORG.
# The mapping row scores a predicted 'ЄС' / 'Євросоюз…' as LOC; decided on the tune topics only.
_EU_SHORT = ("ЄС", "Євросоюз")


def slavicner_convention(text: str, spans: set) -> set:
    return {(s, e, "LOC" if text[s:e] == _EU_SHORT[0] or text[s:e].startswith(_EU_SHORT[1]) else t)
            for s, e, t in spans}


def crf_spans_without_session8_rules(docs: list[Doc]) -> list[set]:
    """Ablation: the CRF and the earlier rules, without session 8's span rules (`ner_uk.span_rules`: an
    ORG and its region joined, place lists split) and the per-article type vote (`ner_uk.vote_types`)."""
    rules, vote = ner_uk.span_rules, ner_uk.vote_types
    ner_uk.span_rules = lambda words, spans: spans
    ner_uk.vote_types = lambda tokens, spans: spans
    try:
        return crf_spans(docs)
    finally:
        ner_uk.span_rules, ner_uk.vote_types = rules, vote


def crf_spans_without_session9_rules(docs: list[Doc]) -> list[set]:
    """Ablation: the shipped tagger without session 9's rules (a LOC split at a conjunction,
    `ner_uk.settlement_names`, `ner_uk.state_abbreviations`)."""
    names, states, context = ner_uk.settlement_names, ner_uk.state_abbreviations, ner_uk._more_context
    no_conjunctions = {**context(), "conjunctions": frozenset()}
    ner_uk.settlement_names = lambda text, tokens, spans: spans
    ner_uk.state_abbreviations = lambda text, spans: spans
    ner_uk._more_context = lambda: no_conjunctions
    try:
        return crf_spans(docs)
    finally:
        ner_uk.settlement_names, ner_uk.state_abbreviations, ner_uk._more_context = names, states, context


def spans_with_labeler(docs: list[Doc], labeler: str) -> list[set]:
    """The shipped tagger with another token labeler of ner_uk.LABELER (session 10: 'crf', 'neural',
    'ensemble'), rules and all."""
    shipped, ner_uk.LABELER = ner_uk.LABELER, labeler
    try:
        return crf_spans(docs)
    finally:
        ner_uk.LABELER = shipped


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


def bootstrap_f1(gold: list[set], pred: list[set], n: int = 2000, seed: int = 14) -> dict:
    """95 % interval of each type's exact-span F1 when the documents are resampled with replacement: the
    NER-UK held-out part's LOC spans sit mostly in a few documents (3 of 78 hold 146 of 505), so one
    document more or less moves the score."""
    counts = {t: [(len({x for x in g if x[2] == t} & {x for x in p if x[2] == t}),
                   sum(1 for x in p if x[2] == t), sum(1 for x in g if x[2] == t)) for g, p in zip(gold, pred)]
              for t in ner_uk.TYPES}
    rng = random.Random(seed)
    draws = [[rng.randrange(len(gold)) for _ in gold] for _ in range(n)]
    out = {}
    for t, per_doc in counts.items():
        f1s = []
        for idx in draws:
            tp, npred, ngold = (sum(per_doc[i][k] for i in idx) for k in range(3))
            f1s.append(2 * tp / (npred + ngold) if npred + ngold else 0.0)
        f1s.sort()
        out[t] = [round(f1s[int(0.025 * n)], 3), round(f1s[int(0.975 * n) - 1], 3)]
    return out


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
    bare = crf_spans_without_latin_rule(docs)
    both = [set(ner_uk.add_latin_names(d.text, sorted(c), sorted(r))) for d, c, r in zip(docs, bare, ru)]
    out = {"documents": len(docs), "gold_spans": dict(Counter(t for g in gold for _, _, t in g)),
           "crf_uk": score(gold, crf), "slovnet_ru": score(gold, ru),
           "crf_uk_without_latin_rule": score(gold, bare),
           "crf_uk_without_session8_rules": score(gold, crf_spans_without_session8_rules(docs)),
           "crf_uk_without_session9_rules": score(gold, crf_spans_without_session9_rules(docs)),
           "crf_uk_without_latin_rule_plus_latin_from_slovnet": score(gold, both),
           "crf_uk_errors": top_errors(docs, crf), "crf_uk_f1_95_interval_documents_resampled": bootstrap_f1(gold, crf)}
    models = ["crf_uk", "slovnet_ru", "crf_uk_without_latin_rule", "crf_uk_without_latin_rule_plus_latin_from_slovnet",
              "crf_uk_without_session8_rules", "crf_uk_without_session9_rules"]
    if ner_uk_neural.available():       # "crf_uk" is the shipped labeler (ner_uk.LABELER); the others beside it
        for labeler in ("crf", "neural", "ensemble"):
            if labeler != ner_uk.LABELER:
                out[f"uk_labeler_{labeler}"] = score(gold, spans_with_labeler(docs, labeler))
                models.append(f"uk_labeler_{labeler}")
    if name.startswith("SlavicNER"):
        out["crf_uk_slavicner_eu_convention"] = score(gold, [slavicner_convention(d.text, c) for d, c in zip(docs, crf)])
        out["slovnet_ru_slavicner_eu_convention"] = score(gold, [slavicner_convention(d.text, r) for d, r in zip(docs, ru)])
        models += ["crf_uk_slavicner_eu_convention", "slovnet_ru_slavicner_eu_convention"]
    print(name, len(docs), "docs; crf_uk F1 95 % interval (documents resampled)",
          out["crf_uk_f1_95_interval_documents_resampled"])
    for model in models:
        print(f"  {model:50s}", "  ".join(f"{t} {v['p']:.3f}/{v['r']:.3f}/{v['f1']:.3f}"
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
    ner_uk.word_keys.cache_clear()
    _, crf_cold = cpu_timed(crf_spans, fresh)
    _, crf_warm = cpu_timed(crf_spans, fresh)
    _, ru_cpu = cpu_timed(russian_spans, fresh)
    n = len(docs)
    return {"analyzer_languages": dict(Counter(a.language for a in analyzed)),
            "analyzer_articles_per_cpu_s": round(n / full_cpu, 1),
            "articles": n, "mean_chars": round(sum(map(len, texts)) / n),
            "crf_uk_articles_per_cpu_s_cold_cache": round(n / crf_cold, 1),
            "crf_uk_articles_per_cpu_s_warm_cache": round(n / crf_warm, 1),
            "segmentation_articles_per_cpu_s": round(n / seg_cpu, 1),
            "segmentation_plus_crf_articles_per_cpu_s": round(n / (seg_cpu + crf_cold), 1),
            "slovnet_ru_articles_per_cpu_s_no_longer_run_on_ukrainian": round(n / ru_cpu, 1)}


def labeler_speed(per_language: int = 200, rounds: int = 3) -> dict:
    """The whole Analyzer on the Ukrainian pages speed_languages.py times (tgcontest-2019-html), with each
    labeler of ner_uk.LABELER in turn (the CRF alone, the BiLSTM alone, their ensemble), side by side in
    one process: all warmed first, then `rounds` interleaved rounds, process CPU time, one BLAS thread."""
    from speed_languages import load  # lazy: only this measurement reads the tgcontest pages
    articles = load(per_language)["uk"]
    analyzer = Analyzer()
    shipped = ner_uk.LABELER
    labelers = ("crf", "neural", "ensemble")
    cpu = dict.fromkeys(labelers, 0.0)
    with threadpool_limits(1):
        for labeler in labelers:
            ner_uk.LABELER = labeler
            analyzer.analyze_many(articles)
        for _ in range(rounds):
            for labeler in labelers:
                ner_uk.LABELER = labeler
                _, seconds = cpu_timed(analyzer.analyze_many, articles)
                cpu[labeler] += seconds
    ner_uk.LABELER = shipped
    rate = {k: round(len(articles) * rounds / v, 1) for k, v in cpu.items()}
    return {"articles": len(articles), "rounds": rounds, "articles_per_cpu_s": rate,
            "ratio_to_crf": {k: round(v / rate["crf"], 3) for k, v in rate.items()}}


def main() -> None:
    if "--labeler-speed" in sys.argv:
        if not ner_uk_neural.available():
            sys.exit(f"{ner_uk_neural.MODEL_PATH}: no BiLSTM weights (python benchmarks/train_ner_uk_neural.py)")
        print(json.dumps(labeler_speed(), indent=1))
        return
    parts = load_ner_uk()
    results = {
        "date": dt.date.today().isoformat(), "python": platform.python_version(),
        "model": {"path": str(ner_uk.MODEL_PATH.relative_to(REPO)), "bytes": ner_uk.MODEL_PATH.stat().st_size,
                  "labeler": ner_uk.LABELER, "ensemble_crf_weight": ner_uk.ENSEMBLE_CRF_WEIGHT},
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
