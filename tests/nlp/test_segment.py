import pytest

from parallax.nlp.segment import paragraphs, split_sentences, split_tokens


def test_paragraph_break_ends_a_sentence_without_full_stop():
    text = "«Мы готовы к переговорам», — подчеркнул министр\n\nЗатем он уехал в аэропорт."
    sents = split_sentences(text)
    assert [s.text for s in sents] == ["«Мы готовы к переговорам», — подчеркнул министр", "Затем он уехал в аэропорт."]
    assert [s.paragraph for s in sents] == [0, 1]


def test_sentence_offsets_index_the_text():
    text = "Первое предложение. Второе предложение!\nТретье?"
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
    assert len(paragraphs(text)) == 2


def test_tokens_have_lemmas_and_offsets():
    text = "Депутаты приняли законы."
    toks = split_tokens(text, split_sentences(text))
    assert [t.lemma for t in toks] == ["депутат", "принять", "закон", "."]
    assert all(text[t.start:t.end] == t.text for t in toks)
    assert toks[-1].pos is None and toks[0].pos == "NOUN"


def test_unknown_words_are_words_not_punctuation():
    text = "Ыныхтар прибыл."
    toks = split_tokens(text, split_sentences(text))
    assert toks[0].pos is not None


# (text, language, tokens): a Ukrainian word keeps its apostrophe (NER-UK's gold keeps such words whole);
# Russian keeps razdel's tokens; quotes made of apostrophes stay punctuation
APOSTROPHE_WORDS = [
    ("Пам'ятник у Прип’яті", "uk", ["Пам'ятник", "у", "Прип’яті"]),
    ("В'ячеслав і м'ясо", "uk", ["В'ячеслав", "і", "м'ясо"]),
    ("Об’єднані Арабські Емірати", "uk", ["Об’єднані", "Арабські", "Емірати"]),
    ("слово 'цитата' тут", "uk", ["слово", "'", "цитата", "'", "тут"]),
    ("Пам'ятник", "ru", ["Пам", "'", "ятник"]),
]



@pytest.mark.parametrize("text, language, expected", APOSTROPHE_WORDS)
def test_a_ukrainian_word_keeps_its_apostrophe(text, language, expected):
    tokens = split_tokens(text, split_sentences(text), language)
    assert [t.text for t in tokens] == expected
    assert all(text[t.start:t.end] == t.text for t in tokens)
