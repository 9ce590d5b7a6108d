import pytest

from parallax.compare.quotes import align_quotes, rendering_relation, word_diff
from parallax.model import AnalyzedArticle, Article, Quote


@pytest.mark.parametrize("a,b,rel", [
    ("Мы готовы к диалогу.", "мы готовы к диалогу", "verbatim"),
    ("Мы готовы к диалогу с партнерами на равных условиях", "Мы готовы к диалогу", "trimmed"),
    ("Мы готовы к диалогу", "Мы открыты для переговоров", "reworded"),
    ("Передайте привет всем, пока вы строите планы", "Пожалуйста, передайте привет всем, пока вы строите планы", "trimmed"),
])
def test_rendering_relation(a, b, rel):
    assert rendering_relation(a, b) == rel


def test_word_diff_marks_changed_words_and_keeps_original_text():
    diff = word_diff("пока вы строите заговор", "пока вы замышляете заговор")
    assert diff == [{"op": "equal", "text": "пока вы"}, {"op": "delete", "text": "строите"},
                    {"op": "insert", "text": "замышляете"}, {"op": "equal", "text": "заговор"}]


class _FakeEncoder:
    """Bag-of-words vectors: enough to test grouping logic without loading a model."""
    def encode(self, texts):
        import numpy as np
        vocab = sorted({w for t in texts for w in t.lower().split()})
        m = np.array([[t.lower().split().count(w) for w in vocab] for t in texts], dtype=float)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


def _doc(aid, text, quotes):
    d = AnalyzedArticle(article=Article(id=aid, text=text, outlet=aid))
    for qt, speaker in quotes:
        s = text.index(qt)
        d.quotes.append(Quote(start=s, end=s + len(qt), text=qt, kind="direct", speaker_entity=speaker,
                              speaker_text=speaker))
    return d


def test_align_quotes_groups_renderings_of_one_statement_across_articles():
    a = _doc("a", "«Мы никогда не забудем ваших жертв», — сказал министр. «Урожай будет большим», — сказал фермер.",
             [("Мы никогда не забудем ваших жертв", "e1"), ("Урожай будет большим", "e2")])
    b = _doc("b", "Министр заявил: «Мы никогда не забудем и ваших жертв».",
             [("Мы никогда не забудем и ваших жертв", "e1")])
    groups = align_quotes([a, b], _FakeEncoder(), {"e1": "Министр", "e2": "Фермер"})
    assert len(groups) == 2
    g = next(g for g in groups if len(g.renderings) == 2)
    assert g.speaker == "e1" and g.speaker_name == "Министр" and g.relation == "trimmed"
    assert {r.article for r in g.renderings} == {"a", "b"}
    for r, d in zip(g.renderings, (a, b)):
        assert d.text[r.start:r.end] == r.text
    single = next(g for g in groups if len(g.renderings) == 1)
    assert single.relation == "single"


def test_quotes_of_different_speakers_never_group():
    a = _doc("a", "«Мы готовы к диалогу»", [("Мы готовы к диалогу", "e1")])
    b = _doc("b", "«Мы готовы к диалогу»", [("Мы готовы к диалогу", "e2")])
    assert len(align_quotes([a, b], _FakeEncoder(), {})) == 2
