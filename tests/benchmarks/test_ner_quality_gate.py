"""Quality gate for entity mentions: NER, normalization and linking on the first FactRuEval-2016 devset
documents must stay at or above the floors in benchmarks/eval_baseline.json ("ner_factrueval"; written
by `python benchmarks/ner_quality.py --write-floors`). Plus the metric definitions themselves, on
small made-up documents."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data" / "factrueval-2016" / "devset"
BASELINE = REPO / "benchmarks" / "eval_baseline.json"


def _load_benchmark():
    return load_benchmark("ner_quality")


@pytest.fixture(scope="module")
def bench():
    return _load_benchmark()


def _doc(bench, text: str, spans: list[tuple[str, str, int, int]], objects: list[tuple[str, str, list[str]]]):
    raw = {sid: bench.RawSpan(sid, typ, s, e) for sid, typ, s, e in spans}
    objs = [bench.GoldObject(oid, typ, [raw[s] for s in ids]) for oid, typ, ids in objects]
    return bench.FactruDoc("t", text, raw, objs, {o.id: "c" + o.id for o in objs}, {})


# ---- metric definitions ---------------------------------------------------------------------------

def test_gold_spans_follow_the_naeval_adaptation(bench):
    text = "Мэрия Москвы и Юрий Лужков, МИД Грузии."
    doc = _doc(bench, text,
               [("1", "org_descr", 0, 5), ("2", "loc_name", 6, 12), ("3", "name", 15, 19),
                ("4", "surname", 20, 26), ("5", "org_name", 28, 31), ("6", "loc_name", 32, 38)],
               [("o1", "Org", ["1", "2"]),          # no org_name span: no ORG gold span
                ("o2", "LocOrg", ["2"]),
                ("o3", "Person", ["3", "4"]),       # the whole person, first to last span
                ("o4", "Org", ["5", "6"]),          # only its org_name 'МИД'
                ("o5", "LocOrg", ["6"])])
    gold = [(text[g.start:g.stop], g.type) for g in bench.gold_entity_spans(doc)]
    assert gold == [("Москвы", "LOC"), ("Юрий Лужков", "PER"), ("МИД", "ORG"), ("Грузии", "LOC")]


def test_token_score_counts_tokens_and_exact_score_counts_spans(bench):
    text = "Юрий Лужков приехал."
    doc = _doc(bench, text, [("1", "name", 0, 4), ("2", "surname", 5, 11)], [("o1", "Person", ["1", "2"])])
    gold = [bench.gold_entity_spans(doc)]
    half = bench.ner_scores([doc], gold, [[(5, 11, "PER")]])
    assert half["token"]["PER"]["precision"] == 1.0 and half["token"]["PER"]["recall"] == 0.5
    assert half["exact"]["PER"]["tp"] == 0
    full = bench.ner_scores([doc], gold, [[(0, 11, "PER")]])
    assert full["exact"]["PER"]["f1"] == 1.0 and full["token"]["PER"]["f1"] == 1.0


def test_case_form_picks_the_coref_value_that_is_this_mention(bench):
    assert bench.is_case_form("Лев", "Льва")
    assert bench.is_case_form("Соединенные Штаты", "Соединённых Штатов")
    assert not bench.is_case_form("США", "Соединенных Штатов")
    assert not bench.is_case_form("Ирина Саишвили", "Ирина Саишвили-Чантурия")
    assert bench._closest(["КНР", "Китай"], "Китаю") == "Китай"


def test_cluster_scores_pairwise_and_b3(bench):
    # gold: {a, b} {c}; predicted: {a, b, c}
    scores = bench._cluster_scores([("d", "g1", "p"), ("d", "g1", "p"), ("d", "g2", "p")])
    assert scores["pairwise"]["recall"] == 1.0
    assert scores["pairwise"]["precision"] == round(1 / 3, 4)
    assert scores["b3"]["recall"] == 1.0 and scores["b3"]["precision"] < 1.0


# ---- the gate ---------------------------------------------------------------------------------------

@pytest.mark.skipif(not DATA.exists(), reason="../shared/data/factrueval-2016 is not available")
def test_quality_stays_above_the_floors(bench):
    assert BASELINE.exists(), "benchmarks/eval_baseline.json is missing (run benchmarks/ner_quality.py --write-floors)"
    baseline = json.loads(BASELINE.read_text("utf-8"))[bench.BASELINE_KEY]
    docs = bench.load_devset(baseline["subset_docs"])
    result, _ = bench.run(docs)
    measured = bench.gate_metrics(result)
    assert set(baseline["floors"]) <= set(measured), "a floor names a metric the benchmark no longer computes"
    below = {k: (measured[k], floor) for k, floor in baseline["floors"].items() if measured[k] < floor}
    assert not below, f"below the floor (measured, floor): {below}"
