"""benchmarks/stories_english_events.py (ECB+ story clusters, issue 12): the analysis cache follows the
analyzer and the English NER, English articles reach the clusterer with their NER names, the error listing
and the ablation helpers, and (with ../shared/data) what ECB+ gives: which documents carry a date."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark_scripts import load_benchmark
from parallax.model import Article
from parallax.nlp.pipeline import Analyzer
from parallax.stories import ClusterConfig, StoryClusterer, story_item
from parallax.stories.verifier import EVIDENCE


@pytest.fixture(scope="module")
def ecb():
    return load_benchmark("stories_english_events")


def test_the_analysis_cache_changes_with_the_analyzer_and_the_english_ner(ecb, monkeypatch):
    # an analysis cached before the English NER existed has no English names (ECB+ read 0.775 from it)
    name = ecb.analysis_name()
    assert name.startswith(f"ecbplus-a{ecb.ANALYZER_VERSION}-") and "en_core_web_sm" in name
    monkeypatch.setattr(ecb, "ANALYZER_VERSION", "next")
    assert ecb.analysis_name() != name
    monkeypatch.undo()
    monkeypatch.setattr(ecb.ner_en, "MODEL_NAME", "another model")
    assert ecb.analysis_name() != name


def test_english_articles_reach_the_clusterer_with_ner_names():
    article = Article(id="e1", outlet="o", title="Angels offer Teixeira eight-year deal",
                      text="The Los Angeles Angels made an eight-year offer to first baseman Mark Teixeira "
                           "during the winter meetings in Las Vegas, general manager Tony Reagins said.")
    doc = Analyzer().analyze_many([article])[0]
    assert doc.language == "en"
    names = story_item(doc, np.ones(4)).entities
    assert "mark teixeira" in names and "las vegas" in names, names


def test_cluster_errors_lists_merges_and_splits(ecb):
    gold = {"a": "1ecb", "b": "1ecb", "c": "1ecbplus", "d": "2ecb", "e": "2ecb", "f": "2ecb"}
    pred = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z", "f": "z"}
    errors = ecb.cluster_errors(pred, gold)
    assert errors["merges"] == [{"1ecb": 2, "1ecbplus": 1}]
    assert errors["splits"] == [{"subtopic": "2ecb", "parts": [2, 1]}]
    assert ecb.cluster_errors({"a": "x", "b": "x"}, {"a": "1ecb", "b": "1ecb"}) == {"merges": [], "splits": []}


def test_train_part_never_holds_a_test_topic(ecb):
    gold = {"a": "3ecb", "b": "36ecbplus", "c": "45ecb", "d": "35ecbplus"}
    items, train_gold = ecb.train_part([type("I", (), {"article_id": a})() for a in gold], gold)
    assert set(train_gold) == {"a", "d"} and [it.article_id for it in items] == ["a", "d"]


def test_conflicting_specifics(ecb):
    pirates_23 = ({"pirate": frozenset({23.0})}, frozenset({"saturday"}))
    pirates_26 = ({"pirate": frozenset({26.0})}, frozenset({"saturday"}))
    sunday = ({"dead": frozenset({3.0})}, frozenset({"sunday"}))
    numbers, weekdays = frozenset({"numbers"}), frozenset({"weekdays"})
    assert ecb.specifics_conflict(pirates_23, pirates_26, numbers)
    assert not ecb.specifics_conflict(pirates_23, pirates_26, weekdays)     # the same weekday
    assert not ecb.specifics_conflict(pirates_23, sunday, numbers)          # no unit in common
    assert ecb.specifics_conflict(pirates_23, sunday, weekdays)
    assert not ecb.specifics_conflict(pirates_23, pirates_23, numbers | weekdays)


def test_model_without_zeroes_only_the_named_evidence(ecb):
    config = ClusterConfig()
    before = StoryClusterer(config)._weights.weights
    with ecb.model_without(config, ("day_conflict", "year_conflict")) as plain:
        after = StoryClusterer(plain)._weights.weights
    for name, old, new in zip(EVIDENCE, before, after):
        assert new == (0.0 if name in ("day_conflict", "year_conflict") else old), name
    assert before[EVIDENCE.index("day_conflict")] < 0      # so the ablation removes something


@pytest.mark.skipif(not load_benchmark("stories_english_events").ECB.exists(),
                    reason="../shared/data/ecbplus-en is absent")
def test_only_the_plus_half_of_ecbplus_is_dated(ecb):
    # why the benchmark clusters every document undated: a date would tell the two halves apart
    assert ecb.dated_documents() == {"ecb": {"undated": 480}, "ecbplus": {"dated": 452, "undated": 50}}
    articles, gold = ecb.load()
    assert len(articles) == 982 and len(set(gold.values())) == 86
    assert {ecb.topic_of(g) for g in gold.values()} >= ecb.TEST_TOPICS
