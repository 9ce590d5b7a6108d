import pytest
from hand_doc import hand_doc, mention_text

from parallax.model import Article
from parallax.nlp.quotes import (
    extract_quotes,
    find_quote_spans,
    mention_gender,
    speech_lexicon,
    verb_lemmas,
)


def quotes_of(text, *mentions):
    doc = hand_doc(text, *mentions)
    return doc, extract_quotes(doc)


def only(quotes, kind=None):
    picked = [q for q in quotes if kind is None or q.kind == kind]
    assert len(picked) == 1, [(q.kind, q.text) for q in quotes]
    return picked[0]


# ---- quotation marks -----------------------------------------------------------------------------

def test_nested_quotes_are_one_top_level_span():
    text = "Он сказал: «Мы читали „Войну и мир“ и «Бесов» в школе»."
    spans = find_quote_spans(text)
    assert len(spans) == 1
    o, c = spans[0]
    assert text[o] == "«" and text[c] == "»" and text[o + 1:c].endswith("в школе")


@pytest.mark.parametrize("text,inner", [
    ('Он сказал: "Мы готовы".', "Мы готовы"),
    ("He said: “We are ready”.", "We are ready"),
    ("Он сказал: „Мы готовы“.", "Мы готовы"),
    ('Он сказал: «Это "так называемая" сделка».', 'Это "так называемая" сделка'),
])
def test_quote_mark_styles(text, inner):
    (o, c), = find_quote_spans(text)
    assert text[o + 1:c] == inner


def test_unbalanced_marks_and_line_breaks_give_no_span():
    assert find_quote_spans("Он сказал: «Мы готовы\nк переговорам».") == []
    assert find_quote_spans("Цена выросла на 5» за неделю.") == []


# ---- direct quotes --------------------------------------------------------------------------------

@pytest.mark.parametrize("dash", ["—", "–", "-", "--"])
def test_quote_then_dash_and_speech_verb(dash):
    text = f"«Мы откроем границу в мае», {dash} сказал Иванов."
    doc, qs = quotes_of(text, ("Иванов", "PER"))
    q = only(qs)
    assert (q.kind, q.text, q.cue) == ("direct", "Мы откроем границу в мае", "сказать")
    assert q.speaker_text == "Иванов" and mention_text(doc, q.speaker_mention) == "Иванов"
    assert text[q.start:q.end] == q.text


def test_speaker_is_nominative_not_the_addressee():
    text = '"Спасибо за помощь", - сказал Петров лидеру Франции.'
    doc, qs = quotes_of(text, ("Петров", "PER"), ("лидеру Франции", "PER", "role"))
    q = only(qs)
    assert q.speaker_text == "Петров"
    text = '"Спасибо за помощь", - сказал Петрову Сидоров.'
    doc, qs = quotes_of(text, ("Петрову", "PER"), ("Сидоров", "PER"))
    assert only(qs).speaker_text == "Сидоров"


def test_merged_name_span_keeps_the_nominative_speaker():
    text = "«Мы обсудили торговлю», — сказал Сидоров Петрову."
    doc, qs = quotes_of(text, ("Сидоров Петрову", "PER"))
    q = only(qs)
    assert q.speaker_text == "Сидоров" and q.speaker_end - q.speaker_start == len("Сидоров")
    assert q.speaker_mention == 0


def test_role_speaker_after_quote():
    text = "«Переговоры будут трудными», — подчеркнул французский президент."
    doc, qs = quotes_of(text, ("французский президент", "PER", "role"))
    q = only(qs)
    assert q.cue == "подчеркнуть" and q.speaker_text == "французский президент"


def test_speaker_before_colon():
    text = "Министр Козлов заявил журналистам: «Налоги не вырастут»."
    doc, qs = quotes_of(text, ("Козлов", "PER"))
    q = only(qs)
    assert (q.text, q.cue, q.speaker_text) == ("Налоги не вырастут", "заявить", "Козлов")


def test_headline_colon_without_verb():
    text = "Козлов: «Налоги не вырастут»"
    doc, qs = quotes_of(text, ("Козлов", "PER"))
    q = only(qs)
    assert q.kind == "direct" and q.cue is None and q.speaker_text == "Козлов"


def test_multi_sentence_quote_starts_in_its_first_sentence():
    text = ("Совещание прошло в пятницу. «Мы построим мост. Работы начнутся весной. Денег хватит», "
            "— сказал Орлов.")
    doc, qs = quotes_of(text, ("Орлов", "PER"))
    q = only(qs)
    assert q.text == "Мы построим мост. Работы начнутся весной. Денег хватит"
    assert q.sentence == doc.sentence_at(q.start).index == 1
    assert q.speaker_text == "Орлов"


def test_pronoun_speaker_resolves_to_previous_person_outside_the_quote():
    text = ("Губернатор Андрей Волков приехал в Тверь. «Я передам привет Марине Котовой», — сказал он.")
    doc, qs = quotes_of(text, ("Андрей Волков", "PER"), ("Тверь", "LOC"), ("Марине Котовой", "PER"))
    q = only(qs)
    assert q.speaker_text == "он"
    assert mention_text(doc, q.speaker_mention) == "Андрей Волков"


def test_pronoun_gender_selects_the_antecedent():
    text = "Анна Смирнова встретилась с Олегом Ивановым. «Встреча была полезной», — сказала она."
    doc, qs = quotes_of(text, ("Анна Смирнова", "PER"), ("Олегом Ивановым", "PER"))
    assert mention_text(doc, only(qs).speaker_mention) == "Анна Смирнова"


def test_pronoun_prefers_the_previous_quote_speaker():
    text = ("Депутат Олег Рябов выступил в парламенте. Рябов сказал, что бюджет будет принят. "
            "«Голосование пройдет в четверг», — добавил он.")
    doc, qs = quotes_of(text, ("Олег Рябов", "PER"), ("Рябов", "PER", "name", 1))
    direct = only(qs, "direct")
    assert direct.cue == "добавить"
    assert mention_text(doc, direct.speaker_mention) == "Рябов"


@pytest.mark.parametrize("text", [
    "Компания «Газпром» увеличила добычу.",
    "Лидеры приехали на автомобиле «Аурус».",
    "Об этом пишет газета «Новые известия».",
])
def test_names_in_guillemets_are_not_quotes(text):
    assert extract_quotes(hand_doc(text)) == []


def test_scare_quote_inside_indirect_speech_is_not_a_direct_quote():
    text = "Иванов заявил, что власти борются с «цифровым мошенничеством» уже год."
    doc, qs = quotes_of(text, ("Иванов", "PER"))
    q = only(qs)
    assert q.kind == "indirect"
    assert q.text == "власти борются с «цифровым мошенничеством» уже год"


def test_quoted_object_of_speech_verb_is_a_direct_fragment():
    text = "Премьер назвал новый закон «важным шагом вперед»."
    doc, qs = quotes_of(text, ("Премьер", "PER", "role"))
    q = only(qs)
    assert (q.kind, q.cue, q.text, q.speaker_text) == ("direct", "назвать", "важным шагом вперед", "Премьер")


def test_one_word_quoted_object_is_not_a_quote():
    text = "Иванов назвал оппонента «предателем»."
    assert extract_quotes(hand_doc(text, ("Иванов", "PER"))) == []


def test_so_called_is_not_a_speech_act():
    text = "Страны обсудили продление так называемой «зерновой сделки» на год."
    assert extract_quotes(hand_doc(text)) == []


def test_interrupted_quote_gives_two_parts_with_one_speaker():
    text = "«Мы готовы к переговорам, — сказал Орлов, — но не на любых условиях»."
    doc, qs = quotes_of(text, ("Орлов", "PER"))
    assert [q.text for q in qs] == ["Мы готовы к переговорам", "но не на любых условиях"]
    assert {q.speaker_text for q in qs} == {"Орлов"}


def test_dialogue_lines_without_quotation_marks():
    text = "Корреспондент спросил мэра о дорогах.\n— Ремонт закончим к осени, — ответил Соколов. — Подрядчик уже выбран."
    doc, qs = quotes_of(text, ("Соколов", "PER"))
    assert [q.text for q in qs] == ["Ремонт закончим к осени", "Подрядчик уже выбран"]
    assert all(q.kind == "direct" and q.cue == "ответить" and q.speaker_text == "Соколов" for q in qs)


def test_whole_sentence_quote_claimed_by_anaphoric_next_sentence():
    text = "«Выборы пройдут честно». Об этом заявил глава комиссии Смирнов."
    doc, qs = quotes_of(text, ("Смирнов", "PER"))
    q = only(qs)
    assert (q.kind, q.text, q.cue, q.speaker_text) == ("direct", "Выборы пройдут честно", "заявить", "Смирнов")


def test_english_quote():
    text = '"We will not raise taxes," Johnson said.'
    doc, qs = quotes_of(text, ("Johnson", "PER"))
    q = only(qs)
    assert (q.text, q.cue, q.speaker_text) == ("We will not raise taxes", "say", "Johnson")


# ---- indirect speech --------------------------------------------------------------------------------

def test_indirect_speech_after_complementizer():
    text = "Министр Павлов заявил журналистам, что цены на бензин стабилизируются."
    doc, qs = quotes_of(text, ("Павлов", "PER"))
    q = only(qs)
    assert (q.kind, q.cue, q.text, q.speaker_text) == (
        "indirect", "заявить", "цены на бензин стабилизируются", "Павлов")


def test_indirect_clause_stops_before_attribution_and_second_verb():
    text = ("Президент Финляндии отметил, что граница останется закрытой, а также заявил, что "
            "ждет ответа от соседей, передает агентство.")
    doc, qs = quotes_of(text, ("Президент Финляндии", "PER", "role"))
    assert [q.text for q in qs] == ["граница останется закрытой", "ждет ответа от соседей"]
    assert [q.cue for q in qs] == ["отметить", "заявить"]
    assert all(q.speaker_text == "Президент Финляндии" for q in qs)


def test_quoted_fragment_followed_by_agency_is_not_direct():
    text = "Орлов заявил, что отношения стран вышли на «новый уровень», передает ТАСС."
    doc, qs = quotes_of(text, ("Орлов", "PER"), ("ТАСС", "ORG"))
    q = only(qs)
    assert q.kind == "indirect" and q.text == "отношения стран вышли на «новый уровень»"


def test_negated_speech_verb_reports_nothing():
    text = "При этом министр не пояснил, что имел в виду."
    assert extract_quotes(hand_doc(text)) == []


def test_po_slovam_at_sentence_start_and_with_pronoun():
    text = "Мэр Соколов осмотрел мост. По его словам, ремонт обойдется в миллиард рублей."
    doc, qs = quotes_of(text, ("Соколов", "PER"))
    q = only(qs)
    assert (q.kind, q.cue, q.text, q.speaker_text) == (
        "indirect", "по словам", "ремонт обойдется в миллиард рублей", "его")
    assert mention_text(doc, q.speaker_mention) == "Соколов"


def test_po_slovam_with_named_speaker():
    text = "По словам Ирины Белой, школа откроется в сентябре."
    doc, qs = quotes_of(text, ("Ирины Белой", "PER"))
    q = only(qs)
    assert q.text == "школа откроется в сентябре" and q.speaker_text == "Ирины Белой"
    assert q.speaker_mention == 0


def test_participle_clause_ends_at_comma():
    text = "Директор завода, признавший, что план сорван, пообещал наверстать отставание."
    doc, qs = quotes_of(text, ("Директор завода", "PER", "role"))
    q = only(qs)
    assert (q.cue, q.text, q.speaker_text) == ("признать", "план сорван", "Директор завода")


def test_impersonal_plural_speaker_is_the_place():
    text = "В Минфине заявили, что дефицит бюджета сократится."
    doc, qs = quotes_of(text, ("Минфине", "ORG"))
    q = only(qs)
    assert q.text == "дефицит бюджета сократится" and q.speaker_text == "Минфине"


def test_trailing_speech_verb_makes_the_sentence_indirect_speech():
    text = "Переговоры продолжатся на следующей неделе, сообщил Лавров."
    doc, qs = quotes_of(text, ("Лавров", "PER"))
    q = only(qs)
    assert (q.kind, q.text, q.cue, q.speaker_text) == (
        "indirect", "Переговоры продолжатся на следующей неделе", "сообщить", "Лавров")


def test_previous_sentence_claimed_by_anaphoric_report():
    text = "Завод возобновит работу в марте. Об этом сообщил губернатор Волков."
    doc, qs = quotes_of(text, ("Волков", "PER"))
    q = only(qs)
    assert (q.kind, q.text, q.speaker_text) == ("indirect", "Завод возобновит работу в марте", "Волков")


def test_agency_report_is_not_a_speaker():
    text = "Завод возобновит работу в марте, передает Интерфакс."
    assert extract_quotes(hand_doc(text, ("Интерфакс", "ORG"))) == []


def test_opinion_verb_with_common_noun_subject():
    text = "Аналитики считают, что ставка останется прежней."
    doc, qs = quotes_of(text)
    q = only(qs)
    assert (q.cue, q.text, q.speaker_text, q.speaker_mention) == (
        "считать", "ставка останется прежней", "Аналитики", None)


def test_offsets_always_index_the_text():
    text = ("«Мы готовы», — сказал Орлов. Орлов заявил, что «все идет по плану». По его словам, сроки "
            "не сдвинутся.\n— Верно, — ответил Петров.")
    doc, qs = quotes_of(text, ("Орлов", "PER"), ("Орлов", "PER", "name", 1), ("Петров", "PER"))
    assert len(qs) >= 4
    for q in qs:
        assert text[q.start:q.end] == q.text
        if q.speaker_start is not None:
            assert text[q.speaker_start:q.speaker_end] == q.speaker_text


# ---- speakers that are not mentions -----------------------------------------------------------------

def test_common_noun_speaker_after_quote():
    doc, qs = quotes_of("«Ремонт завершат к осени», — сказал мэр.")
    q = only(qs)
    assert (q.speaker_text, q.speaker_mention) == ("мэр", None)


def test_genitive_dependent_is_not_the_speaker():
    text = "Полиция Бостона сообщила, что подозреваемый задержан."
    doc, qs = quotes_of(text, ("Бостона", "LOC"))
    q = only(qs)
    assert (q.text, q.speaker_text, q.speaker_mention) == ("подозреваемый задержан", "Полиция Бостона", None)


def test_name_after_title_with_genitive_is_the_speaker():
    text = "Министр внутренних дел Анна Соколова заявила, что проверка завершена."
    doc, qs = quotes_of(text, ("Анна Соколова", "PER"))
    q = only(qs)
    assert mention_text(doc, q.speaker_mention) == "Анна Соколова"


def test_gerund_fragment_takes_the_main_clause_subject():
    text = "Назвав реформу «шагом назад», глава профсоюза подчеркнул, что забастовка продолжится."
    doc, qs = quotes_of(text)
    assert [(q.kind, q.cue, q.speaker_text) for q in qs] == [
        ("direct", "назвать", "глава профсоюза"), ("indirect", "подчеркнуть", "глава профсоюза")]


def test_impersonal_institution_phrase_speaker():
    doc, qs = quotes_of("«Сбоев в работе не было», — сообщили в пресс-службе аэропорта.")
    q = only(qs)
    assert (q.cue, q.speaker_text) == ("сообщить", "пресс-службе аэропорта")


def test_po_slovam_skips_relative_clause_and_keeps_the_phrase():
    text = "По словам представителя Минфина, которого цитирует агентство, налоги не изменятся."
    doc, qs = quotes_of(text, ("Минфина", "ORG"))
    q = only(qs)
    assert (q.text, q.speaker_text, q.speaker_mention) == ("налоги не изменятся", "представителя Минфина", None)


def test_kak_zayavil_at_sentence_start():
    doc, qs = quotes_of("Как заявил Петров, сделка закрыта.", ("Петров", "PER"))
    q = only(qs)
    assert (q.kind, q.cue, q.text, q.speaker_text) == ("indirect", "заявить", "сделка закрыта", "Петров")


def test_kak_soobshchaet_publication_is_not_a_quote():
    text = "Как сообщает «Коммерсантъ», сделка закрыта."
    assert extract_quotes(hand_doc(text, ("Коммерсантъ", "ORG"))) == []


def test_english_indirect_speech():
    doc, qs = quotes_of("Johnson said that taxes will fall next year.", ("Johnson", "PER"))
    q = only(qs)
    assert (q.kind, q.cue, q.text, q.speaker_text) == ("indirect", "say", "taxes will fall next year", "Johnson")


def test_reported_clause_does_not_start_with_a_comma():
    text = "Орлов заявил, что, по его данным, завод закроют."
    doc, qs = quotes_of(text, ("Орлов", "PER"))
    assert qs[0].text == "по его данным, завод закроют"


# ---- lexicon ---------------------------------------------------------------------------------------

def test_lexicon_is_lemmas_and_pronoun_genders():
    lex = speech_lexicon()
    assert {"сказать", "заявить", "подчеркнуть", "написать", "добавить"} <= lex.speech
    assert "полагать" in lex.opinion and "полагать" not in lex.speech
    assert all(v == v.lower() and "ё" not in v for v in lex.speech | lex.opinion)
    assert lex.english["said"] == "say" and lex.pronouns["она"] == "femn"


def test_every_listed_verb_is_an_infinitive_pymorphy_knows():
    lex = speech_lexicon()
    assert [v for v in sorted(lex.speech | lex.opinion) if v not in verb_lemmas(v)] == []
    for verb, objects in lex.phrases.items():
        assert verb in verb_lemmas(verb) and all(objects)


@pytest.mark.parametrize("name,gender", [
    ("Мария Захарова", "femn"), ("Дональд Трамп", "masc"), ("российский лидер", "masc"), ("Ким", None),
    ("глава МИД", None),
])
def test_mention_gender(name, gender):
    assert mention_gender(name) == gender


# ---- with the real pipeline ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def analyze():
    from parallax.nlp.pipeline import Analyzer
    analyzer = Analyzer()
    return lambda text: analyzer.analyze(Article(id="t", text=text, outlet="t"))


def test_pipeline_direct_quote_with_named_speaker(analyze):
    doc = analyze("Министр финансов Антон Силуанов выступил в Думе.\n"
                  "«Бюджет будет сбалансирован», — сказал Силуанов депутатам.")
    q = only(doc.quotes)
    assert q.kind == "direct" and q.text == "Бюджет будет сбалансирован"
    assert doc.mentions[q.speaker_mention].normal.endswith("Силуанов")


def test_pipeline_pronoun_and_indirect_speech(analyze):
    doc = analyze("Канцлер Германии Фридрих Мерц прилетел в Киев. Мерц заявил, что помощь Украине "
                  "продолжится. «Мы не отступим», — добавил он.")
    kinds = [(q.kind, q.cue) for q in doc.quotes]
    assert kinds == [("indirect", "заявить"), ("direct", "добавить")]
    direct = doc.quotes[1]
    assert direct.speaker_text == "он"
    assert "Мерц" in doc.mentions[direct.speaker_mention].text
