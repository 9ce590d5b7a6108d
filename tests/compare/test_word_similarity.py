"""The soft lexical similarity of claims (compare/word_similarity.py, issue 11 session 9): words matched one by
one through the project's word-vector table, weighted by their squared IDF in the story."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

from parallax.compare import accounts, word_similarity
from parallax.compare.accounts import _same_fact_matrix, fact_scores
from parallax.compare.align import alignment_config, blend_config
from parallax.compare.claims import split_claims
from parallax.compare.embed import get_encoder
from parallax.compare.word_similarity import StoryWords, word_table
from parallax.model import Article
from parallax.nlp.pipeline import Analyzer
from parallax.stories.word_vectors import word_keys
from parallax.word_table import read_word_table
from parallax.word_table import word_table as shared_word_table


def test_keys_are_the_story_tables_keys():
    text = "Президента Ёлкина, «Рёнхап» и ЗАЯВИЛИ: 12 тысяч военных-контрактников"
    assert word_table().keys_of(text) == word_keys(text, word_table().key_chars)


def _naive(words_a, words_b, table, weight):
    """Best-match similarity of two word lists, pair by pair: what `StoryWords.block` computes."""
    a = [table.index[w] for w in words_a if w in table.index]
    b = [table.index[w] for w in words_b if w in table.index]
    if not a or not b:
        return math.nan
    sim = table.vectors[a] @ table.vectors[b].T
    wa, wb = np.array([weight[i] for i in a]), np.array([weight[i] for i in b])
    return 0.5 * ((sim.max(axis=1) * wa).sum() / wa.sum() + (sim.max(axis=0) * wb).sum() / wb.sum())


def test_block_and_pairs_equal_the_pair_by_pair_formula(monkeypatch):
    table = word_table()
    rng = np.random.default_rng(5)
    vocabulary = list(table.index)[:400] + ["нетакогослова"]
    claims = [SimpleNamespace(k=k) for k in range(40)]
    words_of = {id(c): [vocabulary[i] for i in rng.integers(0, len(vocabulary), rng.integers(0, 12))]
                for c in claims}
    words_of[id(claims[3])] = []                                    # a claim with no known word
    words_of[id(claims[4])] = ["нетакогослова"]
    monkeypatch.setattr(word_similarity, "_CELLS", 2000)           # many column chunks
    story = StoryWords(words_of, table)
    known = [[table.index[w] for w in ws if w in table.index] for ws in words_of.values()]
    df = {i: sum(i in set(ids) for ids in known) for ids in known for i in ids}
    weight = {i: math.log((len(claims) + 1) / (n + 0.5)) ** 2 for i, n in df.items()}
    block = story.block(claims[:25], claims)
    for r in range(25):
        for c in range(len(claims)):
            expected = _naive(words_of[id(claims[r])], words_of[id(claims[c])], table, weight)
            assert (np.isnan(block[r, c]) and np.isnan(expected)) or block[r, c] == pytest.approx(expected, abs=1e-5)
    pairs = np.array([(r, c) for r in range(25) for c in range(len(claims)) if (r + c) % 3 == 0], dtype=np.int64)
    np.testing.assert_allclose(story.listed(claims, claims, pairs[:, 0], pairs[:, 1]), block[pairs[:, 0], pairs[:, 1]],
                               atol=1e-6)


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


def _claims(analyzer, texts: list[str]):
    docs = analyzer.analyze_many([Article(id=f"a{k}", text=t, outlet=f"O{k}") for k, t in enumerate(texts)])
    return [c for d in docs for c in split_claims(d)], {d.id: d for d in docs}


def test_words_of_one_meaning_are_closer_than_words_of_one_topic():
    table = word_table()

    def cos(a: str, b: str) -> float:
        [ka], [kb] = table.keys_of(a), table.keys_of(b)
        return float(table.vectors[table.index[ka]] @ table.vectors[table.index[kb]])
    assert cos("погиб", "скончался") > 0.5 > 0.2 > cos("погиб", "грузовик")
    assert cos("протестующих", "митингующих") > cos("протестующих", "водометами") + 0.2


def test_a_word_every_claim_uses_counts_less_than_a_detail():
    # «автобус» is in every claim of the story, «скончался» / «погиб» in one each: a claim matching the other
    # only on the story's topic word scores below one matching it on the detail, in other words
    claims = [SimpleNamespace(k=k) for k in range(4)]
    words = [["автобус", "скончался"], ["автобус", "погиб"], ["автобус", "грузовик"], ["автобус", "пассажир"]]
    story = StoryWords({id(c): [w[:6] for w in ws] for c, ws in zip(claims, words)})
    soft = story.block(claims[:1], claims[1:])[0]
    assert soft[0] > soft[1] + 0.2 and soft[0] > soft[2] + 0.2, soft


def test_the_soft_term_moves_scores_across_outlets_only(analyzer, monkeypatch):
    claims, docs = _claims(analyzer, ["Президент Грузии вышла к протестующим у здания парламента.",
                                      "Глава государства присоединилась к демонстрантам на проспекте Руставели."])
    encoder = get_encoder()
    scores = fact_scores(claims, docs, encoder)
    assert scores.words is not None
    blend = blend_config(encoder)
    across = _same_fact_matrix(claims[:1], claims[1:], scores, blend)[0][0, 0]
    within = _same_fact_matrix(claims[:1], claims[1:], scores, {**blend, "one_outlet": True})[0][0, 0]
    soft = scores.words.block(claims[:1], claims[1:])[0, 0]
    cfg = alignment_config()["claims"]
    unit = round((blend["paraphrase_threshold"] - blend["related_threshold"]) / cfg["bonus_gap"], 3)
    assert across - within == pytest.approx(unit * cfg["soft_word_weight"] * (soft - cfg["soft_word_center"]), abs=1e-6)
    # without the story's words (a long text, a non-Russian story) the term is not used
    monkeypatch.setitem(cfg, "soft_word_max_claims", 1)
    assert accounts.fact_scores(claims, docs, encoder).words is None


def test_a_story_with_an_article_in_another_language_is_scored_without_it(analyzer):
    claims, docs = _claims(analyzer, ["Президент Грузии вышла к протестующим у здания парламента.",
                                      "Президентка Грузії вийшла до протестувальників біля парламенту."])
    assert {d.language for d in docs.values()} != {"ru"}
    assert fact_scores(claims, docs, get_encoder()).words is None


def test_an_unreadable_table_is_an_error_naming_the_file(tmp_path):
    bad = tmp_path / "word_vectors_ru.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="word_vectors_ru.npz: cannot read the word-vector table"):
        read_word_table(bad)


def test_compare_and_stories_share_one_copy_of_the_table_file():
    """The file and its key index are read once per process (parallax/word_table.py), not once per stage."""
    from parallax.stories.word_vectors import story_vectors
    shared = shared_word_table()
    assert word_table().index is shared.index
    assert story_vectors()._index is shared.index
