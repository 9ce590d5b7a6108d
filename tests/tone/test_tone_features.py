"""Entity-aware features, the polarity lexicon and the TF-IDF vectorizer."""
from __future__ import annotations

import math

import numpy as np
import pytest

from parallax.nlp.morph import lemma_and_pos
from parallax.tone import features as F
from parallax.tone.vectorize import FeatureVectorizer


def _prep(sentence: str, entity: str, tag: str = "PERSON") -> F.Prepared:
    start = sentence.index(entity)
    return F.prepare(sentence, start, start + len(entity), tag)


def test_entity_span_becomes_one_placeholder_token():
    p = _prep("Суд оштрафовал Ивана Петрова за нарушение.", "Ивана Петрова")
    assert p.lemmas.count(F.ENTITY) == 1
    assert p.lemmas[p.entity_index] == F.ENTITY
    assert p.entity_lemmas == ("иван", "петров")
    assert "петров" not in p.lemmas                 # the entity's words leave the context
    assert p.lemmas[p.entity_index - 1] == "оштрафовать"


def test_window_features_tell_left_from_right():
    p = _prep("Министр похвалил Петрова и раскритиковал Сидорова.", "Петрова")
    feats = F.window_features(p)
    assert "l:похвалить" in feats and "r:раскритиковать" in feats
    assert "lb:похвалить_E" in feats
    assert "l:раскритиковать" not in feats


def test_entity_features_carry_tag_lemmas_and_quotes():
    p = _prep("«Мы не отдадим Крым», — сказал депутат.", "Крым", "COUNTRY")
    feats = F.entity_features(p)
    assert "t:COUNTRY" in feats and "e:крым" in feats and "q:in_quotes" in feats
    outside = F.entity_features(_prep("«Мы не отдадим», — сказал депутат Петров.", "Петров"))
    assert "q:in_quotes" not in outside


def test_offsets_outside_the_sentence_are_clipped_not_fatal():
    p = F.prepare("Короткое предложение.", 5, 500, "PERSON")
    assert F.ENTITY in p.lemmas
    p = F.prepare("Короткое предложение.", 3, 3, "PERSON")   # empty span still gets a placeholder
    assert p.lemmas.count(F.ENTITY) == 1


def test_lexicon_features_mark_polar_words_near_the_entity():
    neg = F.lexicon_features(_prep("Полиция арестовала Петрова.", "Петрова"))
    assert "lxn:neg" in neg and "lxn:Lneg" in neg
    pos = F.lexicon_features(_prep("Петрова наградили орденом за спасение детей.", "Петрова"))
    assert "lx:pos" in pos
    assert F.lexicon_features(_prep("Петров приехал в Тверь.", "Петров")) == ["lx:none"]
    role = F.lexicon_features(_prep("Террорист Петров приехал в Тверь.", "Террорист Петров"))
    assert "lxe:neg" in role


def test_embedding_features_are_two_unit_vectors():
    from parallax.nlp.models import news_embedding
    v = F.embedding_features(_prep("Полиция арестовала Петрова в Москве.", "Петрова"), news_embedding())
    assert v.shape == (2 * F.EMBEDDING_DIM,)
    assert np.linalg.norm(v[:F.EMBEDDING_DIM]) == pytest.approx(1.0, abs=1e-4)
    assert np.linalg.norm(v[F.EMBEDDING_DIM:]) == pytest.approx(1.0, abs=1e-4)


# ---- the lexicon file ------------------------------------------------------------------------------

def test_lexicon_file_is_well_formed_and_balanced():
    lex = F.load_lexicon()
    assert len(lex) > 150
    assert set(lex.values()) == {-1, 1}
    assert min(list(lex.values()).count(-1), list(lex.values()).count(1)) > 50
    assert lex["осудить"] == -1 and lex["похвалить"] == 1 and lex["убить"] == -1 and lex["поддержать"] == 1


def test_lexicon_entries_are_lemmas_as_pymorphy_gives_them():
    # an entry that is not its own lemma never matches, since the features look up lemmas
    not_lemmas = [w for w in F.load_lexicon() if lemma_and_pos(w)[0] != w]
    assert not_lemmas == []


def test_lexicon_rejects_malformed_lines(tmp_path):
    bad = tmp_path / "lex.tsv"
    bad.write_text("lemma\tpolarity\tkind\nубить\tnegative\tact\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        F.load_lexicon(bad)


# ---- vectorizer --------------------------------------------------------------------------------------

def test_vectorizer_idf_min_df_and_l2_rows():
    docs = [["a", "b", "a"], ["a", "c"], ["b"], ["d"]]
    v = FeatureVectorizer(min_df=2).fit(docs)
    assert v.vocabulary == ["a", "b"]                # c and d occur once
    assert v.idf[0] == pytest.approx(math.log(5 / 3) + 1)
    X = v.transform(docs + [["zzz"]]).toarray()
    assert np.linalg.norm(X[0]) == pytest.approx(1.0)
    assert X[0, 0] > X[0, 1]                          # 'a' twice (sublinear tf 1 + ln 2)
    assert not X[3].any() and not X[4].any()          # nothing known: an all-zero row, not NaN


def test_vectorizer_round_trips_through_a_dict():
    docs = [["x", "y"], ["x"], ["y", "y"]]
    v = FeatureVectorizer(min_df=1).fit(docs)
    w = FeatureVectorizer.from_dict(v.to_dict())
    assert np.allclose(v.transform(docs).toarray(), w.transform(docs).toarray(), atol=1e-6)
