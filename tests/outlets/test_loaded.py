import csv

import numpy as np
import pytest
from profile_docs import DATA, make_doc, quoted_doc

from parallax.compare.framing import parse_lexicon
from parallax.outlets.loaded import (
    LEXICON_PATH,
    MODEL_THRESHOLD,
    POLARITY_OF_LABEL,
    EvaluativeWord,
    find_loaded_language,
    load_evaluative_model,
    load_loaded_lexicon,
    predict_logistic,
    read_rusentne,
    score_sentence,
    train_logistic,
    write_evaluative_words,
)

LEX = load_loaded_lexicon()


def test_lexicon_has_the_categories_and_defined_labels():
    assert {"name-calling", "loaded-adjective", "emotive", "euphemism", "distancing"} <= set(LEX.categories)
    assert set(LEX.labels) == set(POLARITY_OF_LABEL)
    assert all(t.label in LEX.labels for t in LEX.terms)
    assert len(LEX.terms) >= 100


def test_lexicon_file_is_valid_for_the_shared_loader():
    import yaml
    parse_lexicon(yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")))


@pytest.mark.parametrize("term,sentence", [(t.term, s) for t in LEX.terms for s in t.examples])
def test_lexicon_examples_match(term, sentence):
    hits = find_loaded_language(make_doc(sentence), LEX, use_model=False)
    assert term in {h.term for h in hits}, [h.term for h in hits]


@pytest.mark.parametrize("term,sentence", [(t.term, s) for t in LEX.terms for s in t.not_examples])
def test_lexicon_counterexamples_do_not_match(term, sentence):
    hits = find_loaded_language(make_doc(sentence), LEX, use_model=False)
    assert term not in {h.term for h in hits}


@pytest.mark.parametrize("sentence,term,category", [
    ("Депутат назвал оппонентов подонками и марионетками.", "подонок", "name-calling"),
    ("Это был циничный и варварский удар.", "циничный", "loaded-adjective"),
    ("После варварских обстрелов город опустел.", "варварский", "loaded-adjective"),
    ("На заводе прогремел хлопок.", "хлопок", "euphemism"),
    ("Так называемый референдум прошел в воскресенье.", "так называемый", "distancing"),
    ("Он якобы не знал о сделке.", "якобы", "distancing"),
    ("Экономика показала отрицательный рост.", "отрицательный рост", "euphemism"),
])
def test_inflected_lexicon_terms_are_found(sentence, term, category):
    hits = find_loaded_language(make_doc(sentence), LEX, use_model=False)
    found = {(h.term, h.category) for h in hits}
    assert (term, category) in found, found


def test_plain_news_has_no_lexicon_hits():
    doc = make_doc("Правительство утвердило бюджет на следующий год. Заседание прошло в Москве.")
    assert find_loaded_language(doc, LEX, use_model=False) == []


def test_hits_carry_offsets_sentence_and_polarity():
    text = "Все спокойно. Это был циничный удар."
    doc = make_doc(text)
    [hit] = find_loaded_language(doc, LEX, use_model=False)
    assert text[hit.start:hit.end] == hit.text == "циничный"
    assert (hit.sentence, hit.polarity, hit.source, hit.label) == (1, "negative", "lexicon", "derogatory")


def test_model_words_are_marked_outside_the_lexicon(tmp_path):
    model = {"болван": EvaluativeWord("болван", "negative", 0.95, "маргинал"),
             "скука": EvaluativeWord("скука", "negative", 0.5, "")}
    doc = make_doc("Этот болван опять пришел, и стало скучно: скука.")
    hits = find_loaded_language(doc, LEX, model, threshold=0.8)
    assert [(h.text, h.source, h.category, h.polarity) for h in hits] == [
        ("болван", "model", "evaluative", "negative")]


def test_lexicon_hit_wins_over_a_model_hit_on_the_same_word():
    model = {"циничный": EvaluativeWord("циничный", "negative", 0.99, "циничный")}
    hits = find_loaded_language(make_doc("Это циничный удар."), LEX, model)
    assert [h.source for h in hits] == ["lexicon"]


@pytest.mark.parametrize("text,voices", [
    ("«Это циничный удар», — заявил Песков. Это был циничный удар.", [("quoted", "Песков"), ("own", None)]),
    ("Песков заявил, что это был циничный удар.", [("quoted", "Песков")]),
    ("Он назвал удар «циничным».", [("marked", None)]),
    ("Это был циничный удар.", [("own", None)]),
])
def test_lexicon_hits_say_whose_words_they_are(text, voices):
    hits = find_loaded_language(quoted_doc(text, ("Песков", "PER")) if "Песков" in text else quoted_doc(text),
                                LEX, use_model=False)
    assert [(h.voice, h.speaker) for h in hits if h.term == "циничный"] == voices


def test_model_hits_say_whose_words_they_are():
    model = {"болван": EvaluativeWord("болван", "negative", 0.95, "")}
    doc = quoted_doc("«Этот болван опять пришел», — сказал Иван. Болван ушел.", ("Иван", "PER"))
    hits = find_loaded_language(doc, LEX, model)
    assert [(h.text, h.source, h.voice, h.speaker) for h in hits] == [
        ("болван", "model", "quoted", "Иван"), ("Болван", "model", "own", None)]


def test_shipped_word_list_loads_and_is_above_threshold():
    words = load_evaluative_model()
    assert len(words) >= 50
    assert all(w.score >= MODEL_THRESHOLD for w in words.values())
    assert all(w.polarity in ("negative", "positive", None) for w in words.values())
    assert all("ё" not in lemma for lemma in words)


def test_word_list_roundtrip(tmp_path):
    path = tmp_path / "words.tsv"
    write_evaluative_words([EvaluativeWord("жуткий", "negative", 0.91, "ужасный"),
                            EvaluativeWord("блестящий", "positive", 0.85, "блестящий")], path, header=["test"])
    loaded = load_evaluative_model(path)
    assert loaded["жуткий"] == EvaluativeWord("жуткий", "negative", 0.91, "ужасный")
    assert score_sentence("Это был жуткий и блестящий вечер.", loaded) == pytest.approx(0.91)
    assert score_sentence("Вечер прошел.", loaded) == 0.0


def test_logistic_regression_separates_separable_data():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(2, 0.5, (40, 3)), rng.normal(-2, 0.5, (200, 3))])
    y = np.array([1] * 40 + [0] * 200, dtype=float)
    w, b = train_logistic(x, y)
    p = predict_logistic(x, w, b)
    assert (p[:40] > 0.5).all() and (p[40:] < 0.5).all()


def test_read_rusentne_labels_sentences(tmp_path):
    path = tmp_path / "train.csv"
    rows = [("Он похвалил Ивана.", "Ивана", "1"), ("Он похвалил Ивана.", "Он", "0"),
            ("Петр осудил Анну.", "Анну", "-1"), ("Петр осудил Анну.", "Петр", "1"),
            ("Собрание прошло.", "Собрание", "0")]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["sentence", "entity", "entity_tag", "entity_pos_start_rel", "entity_pos_end_rel", "label"])
        for s, e, lab in rows:
            w.writerow([s, e, "PERSON", s.index(e), s.index(e) + len(e), lab])
    assert sorted(read_rusentne(path)) == [("Он похвалил Ивана.", 1), ("Петр осудил Анну.", -1),
                                           ("Собрание прошло.", 0)]


def test_real_rusentne_file_reads_when_present():
    path = DATA / "rusentne-2023" / "train_data.csv"
    if not path.exists():
        pytest.skip("shared data not available")
    items = read_rusentne(path)
    assert len(items) > 3000 and {lab for _, lab in items} == {-1, 0, 1}
