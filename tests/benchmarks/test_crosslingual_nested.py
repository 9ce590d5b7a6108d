"""benchmarks/stories_crosslingual.py's analysis cache (keyed by the analyser as well as the content, session 9)
and benchmarks/stories_crosslingual_nested.py (the model choice redone inside each outer fold)."""
from __future__ import annotations

import pickle
import sys
import types

import numpy as np
import pytest

from benchmark_scripts import load_benchmark
from parallax.model import Article


@pytest.fixture(scope="module")
def xl():
    return load_benchmark("stories_crosslingual")


@pytest.fixture(scope="module")
def nested():
    return load_benchmark("stories_crosslingual_nested")


def test_fingerprint_changes_with_any_byte_of_the_nlp_files(xl, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "ner.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "data" / "aliases.yaml").write_text("a: b\n", encoding="utf-8")
    first = xl.nlp_fingerprint(tmp_path)
    assert first == xl.nlp_fingerprint(tmp_path) and first.startswith("v")
    (tmp_path / "data" / "aliases.yaml").write_text("a: c\n", encoding="utf-8")
    assert xl.nlp_fingerprint(tmp_path) != first
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "ner.pyc").write_bytes(b"compiled")        # not source: ignored
    second = xl.nlp_fingerprint(tmp_path)
    (tmp_path / "__pycache__" / "ner.pyc").write_bytes(b"recompiled")
    assert xl.nlp_fingerprint(tmp_path) == second
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "ner.crfsuite").write_bytes(b"\0weights")
    assert xl.nlp_fingerprint(tmp_path) != second


def test_an_analysis_made_by_another_analyser_is_not_served(xl, tmp_path, monkeypatch):
    common = sys.modules["stories_common"]
    monkeypatch.setattr(common, "CACHE", tmp_path)
    calls = []

    class FakeAnalyzer:
        def analyze_many(self, articles):
            calls.append(len(articles))
            return [types.SimpleNamespace(article=a, version=len(calls)) for a in articles]
    monkeypatch.setattr("parallax.nlp.pipeline.Analyzer", FakeAnalyzer)
    articles = [Article(id="a", text="Text one.", title="T", outlet="o"), Article(id="b", text="Text two.", title="U", outlet="o")]
    monkeypatch.setattr(xl, "nlp_fingerprint", lambda nlp=None: "v5-old")
    first = xl.robust_analyze(articles, "corpus", robust=False)
    assert calls == [2] and [d.version for d in first] == [1, 1]
    assert xl.robust_analyze(articles, "corpus", robust=False)[0].version == 1 and calls == [2]   # served
    monkeypatch.setattr(xl, "nlp_fingerprint", lambda nlp=None: "v5-new")
    assert xl.robust_analyze(articles, "corpus", robust=False)[0].version == 2 and calls == [2, 2]
    assert len(list(tmp_path.glob("corpus-*.analysis.pkl"))) == 2


def test_legacy_analyses_are_read_only_and_fall_back_for_windows_only(nested, tmp_path):
    common = sys.modules["stories_common"]
    articles = [Article(id="a", text="Text one.", title="T", outlet="o")]
    key = common._key("pairs", "a\1T\1Text one.")
    (tmp_path / f"pairs-{key}.analysis.pkl").write_bytes(pickle.dumps(["old analysis"]))
    fell_back: list[str] = []
    load = nested.legacy_analyses(tmp_path, lambda arts, name, robust: ["current"], fell_back)
    assert load(articles, "pairs", robust=False) == ["old analysis"]
    assert load(articles, "window", robust=True) == ["current"] and fell_back == ["window"]
    with pytest.raises(SystemExit, match="no legacy analysis of other"):
        load(articles, "other", robust=False)


def test_kfold_groups_deal_each_language_pair_and_label_evenly(nested):
    lps = np.array(["ru-uk"] * 40 + ["ru-en"] * 30)
    gold = np.array(([True] * 10 + [False] * 30) + ([True] * 7 + [False] * 23))
    groups = nested.kfold_groups(gold, lps, k=5, seed=1)
    for fold in range(5):
        sel = groups == fold
        assert (sel & (lps == "ru-uk") & gold).sum() == 2
        assert (sel & (lps == "ru-en") & gold).sum() in (1, 2)
    assert (nested.kfold_groups(gold, lps, k=5, seed=1) == groups).all()


def _toy(xl, seed: int = 3, n: int = 90):
    """Pairs whose same-event label follows the two cosines, three windows, three language pairs."""
    rng = np.random.default_rng(seed)
    gold = rng.random(n) < 0.3
    values = np.zeros((n, len(xl.EVIDENCE)))
    values[:, xl.EVIDENCE.index("cosine")] = 0.78 + 0.08 * gold + rng.normal(0, 0.02, n)
    values[:, xl.EVIDENCE.index("title_cosine")] = 0.76 + 0.10 * gold + rng.normal(0, 0.02, n)
    lps = np.array(xl.LANGUAGE_PAIRS * (n // 3))
    windows = np.repeat(np.array(["w1", "w2", "w3"]), n // 3)
    usem3 = 0.3 + 0.3 * gold + rng.normal(0, 0.05, n)
    medians = {kind: {lp: 0.75 for lp in (*xl.LANGUAGE_PAIRS, "uk-uk")} for kind in ("lead", "title")}
    return values, gold, lps, usem3, windows, medians


def test_nested_chooses_inside_each_fold_without_the_held_out_labels(xl, nested, monkeypatch):
    monkeypatch.setattr(xl, "FIT_SETS", (("cosine",), ("cosine", "title_cosine")))
    monkeypatch.setattr(xl, "FIT_CS", (1.0,))
    values, gold, lps, usem3, windows, medians = _toy(xl)
    asked = []

    def medians_for(held):
        asked.append(held)
        return "unlabelled", medians
    res = nested.nested(values, gold, lps, usem3, windows, windows, medians_for)
    assert asked == [["w1"], ["w2"], ["w3"]] and [f["held_out"] for f in res["folds"]] == ["w1", "w2", "w3"]
    assert res["pooled"]["all"]["f1"] > 0.9 and sum(res["selections"].values()) == 3
    # the held-out window's labels reach nothing its fold chose: flipping them changes no fold's model
    flipped = gold.copy()
    flipped[windows == "w2"] = ~flipped[windows == "w2"]
    again = nested.nested(values, flipped, lps, usem3, windows, windows, medians_for)
    w2, w2_again = res["folds"][1], again["folds"][1]
    assert (w2["selected"], w2["weights"], w2["thresholds"]) == (w2_again["selected"], w2_again["weights"],
                                                                  w2_again["thresholds"])
    assert again["folds"][0]["weights"] != res["folds"][0]["weights"]      # the others did read them


def test_claims_recheck_matches_judged_rows_to_alignments_by_page_and_span():
    claims = load_benchmark("claims_crosslingual")
    judged = {"page_a": "pages/x.html", "start_a": "78", "end_a": "315", "page_b": "pages/y.html",
              "start_b": "0", "end_b": "140", "judgement": "same"}
    aligned = {"page_a": "pages/x.html", "start_a": 78, "end_a": 315, "page_b": "pages/y.html", "start_b": 0,
               "end_b": 140, "similarity": 0.9}
    assert claims._span_key(judged) == claims._span_key(aligned)
    assert claims._span_key({**aligned, "end_b": 141}) != claims._span_key(judged)
    assert "recheck" in claims.__doc__
