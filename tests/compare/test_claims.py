from parallax.compare.claims import normalize_words, split_claims
from parallax.model import AnalyzedArticle, Article
from parallax.nlp.segment import split_sentences, split_tokens


def _doc(text):
    d = AnalyzedArticle(article=Article(id="a", text=text, outlet="a"))
    d.sentences = split_sentences(text)
    d.tokens = split_tokens(text, d.sentences)
    return d


def test_each_sentence_is_a_claim_with_exact_offsets():
    text = "Министр прибыл в Анкару. Переговоры продлятся два дня.\nИтоги подведут в пятницу."
    claims = split_claims(_doc(text))
    assert [c.text for c in claims] == ["Министр прибыл в Анкару.", "Переговоры продлятся два дня.",
                                        "Итоги подведут в пятницу."]
    assert all(text[c.start:c.end] == c.text for c in claims)


def test_sentence_joining_two_facts_is_split_into_clauses():
    text = "Президент подписал указ о выплатах пенсионерам, а правительство утвердило новый бюджет на год."
    claims = split_claims(_doc(text))
    assert len(claims) == 2
    assert claims[0].text.startswith("Президент подписал") and claims[1].text.startswith("а правительство")


def test_no_split_inside_quotes_or_for_short_clauses():
    text = "«Мы подписали соглашение, а партнёры обещали его выполнить», — сказал министр."
    assert len(split_claims(_doc(text))) == 1
    text2 = "Он пришёл, а она ушла из кабинета министра."
    assert len(split_claims(_doc(text2))) == 1


def test_normalize_words_ignores_case_punctuation_and_yo():
    assert normalize_words("«Всё, — сказал он, — решено!»") == ["все", "сказал", "он", "решено"]


def test_attribution_phrases_are_left_out_of_the_claim_core():
    from parallax.model import Attribution
    text = "По данным Минфина, доходы выросли на 12 процентов."
    d = _doc(text)
    d.attributions.append(Attribution(start=0, end=17, text="По данным Минфина", source="Минфин", cue="по данным"))
    [c] = split_claims(d)
    assert c.text == text
    assert c.core_text == "Доходы выросли на 12 процентов."
    assert "минфин" not in c.content_lemmas and "12" not in c.content_lemmas and "доход" in c.content_lemmas


def test_calls_to_action_are_not_claims():
    text = "Министр прибыл в Пхеньян.\n🎯 Подписывайся на наш канал\n📩 Прислать новость\nВизит заранее не анонсировался."
    assert [c.text for c in split_claims(_doc(text))] == ["Министр прибыл в Пхеньян.", "Визит заранее не анонсировался."]
    # an imperative inside a quote is speech, not furniture
    assert len(split_claims(_doc("«Передайте привет», — сказал он."))) == 1


def test_clauses_joined_without_a_conjunction_are_separate_claims():
    text = "Один из мужчин утонул в пруду, второго вытащили рабочие на берег."
    claims = split_claims(_doc(text))
    assert [c.text for c in claims] == ["Один из мужчин утонул в пруду", "второго вытащили рабочие на берег."]
    dash = "Мужчины провалились под лёд на пруду — они хотели срезать дорогу домой."
    assert len(split_claims(_doc(dash))) == 2


def test_subordinate_clauses_and_speech_attributions_stay_whole():
    for text in ("Президент заявил, что правительство утвердило новый бюджет на год.",
                 "Спасатели нашли мужчину, который провалился под лёд на пруду.",
                 "«Мы подписали соглашение с партнёрами сегодня», — сказал министр финансов.",
                 "Он приехал в город, чтобы встретиться с губернатором области."):
        assert len(split_claims(_doc(text))) == 1, text


def test_a_question_is_no_claim():
    text = "Почему Байден помиловал своего сына? Байден помиловал сына в воскресенье."
    assert [c.text for c in split_claims(_doc(text))] == ["Байден помиловал сына в воскресенье."]


def test_a_word_spelt_out_letter_by_letter_is_no_claim():
    # sister channels posted 'К Р А С И В О.' under the same video: a reaction, and grouped as one 'fact'
    text = "Момент падения астероида над Якутией.\nК Р А С И В О.\nВ Н И М А Н И Е"
    assert [c.text for c in split_claims(_doc(text))] == ["Момент падения астероида над Якутией."]
    # initials and one-letter words inside a statement do not make it one
    assert len(split_claims(_doc("В Москве А. В. Петров открыл выставку."))) == 1
