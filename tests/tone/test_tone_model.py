"""The shipped tone model on small general cases of our own, mention tone, and the model file."""
from __future__ import annotations

import numpy as np
import pytest

from parallax.model import AnalyzedArticle, Article, Mention, Sentence
from parallax.tone import ToneItem, predict_tone, tone_for_mentions
from parallax.tone.model import ToneModel, default_model


def _item(sentence: str, entity: str, tag: str) -> ToneItem:
    start = sentence.index(entity)
    return ToneItem(sentence, entity, tag, start, start + len(entity))


NEGATIVE = [
    ("Суд приговорил Иванова к десяти годам тюрьмы за убийство и мошенничество.", "Иванова", "PERSON"),
    ("Правозащитники обвинили компанию «Альфа» в коррупции и нарушении закона.", "«Альфа»", "ORGANIZATION"),
    ("Мировое сообщество осудило агрессию Нарнии против соседей.", "Нарнии", "COUNTRY"),
]
POSITIVE = [
    ("Выдающийся композитор Петров получил престижную премию за блестящий вклад в музыку.", "Петров", "PERSON"),
    ("Президент поблагодарил врачей за героическую работу и наградил их орденами.", "врачей", "PROFESSION"),
    ("Министр похвалил компанию «Бета» за успешное сотрудничество.", "«Бета»", "ORGANIZATION"),
]
NEUTRAL = [
    ("Заседание комиссии пройдет в Москве во вторник.", "Москве", "COUNTRY"),
    ("Петров родился в 1970 году в Саратове.", "Петров", "PERSON"),
    ("Учителя соберутся на конференцию в сентябре.", "Учителя", "PROFESSION"),
]


@pytest.mark.parametrize("expected, cases", [(-1, NEGATIVE), (1, POSITIVE), (0, NEUTRAL)])
def test_clear_cases(expected, cases):
    assert predict_tone([_item(*c) for c in cases]) == [expected] * len(cases)


def test_one_sentence_two_entities_two_tones():
    s = "Министр похвалил Петрова и раскритиковал Сидорова."
    assert predict_tone([_item(s, "Петрова", "PERSON"), _item(s, "Сидорова", "PERSON")]) == [1, -1]


def test_empty_input():
    assert predict_tone([]) == []


def test_tone_for_mentions_uses_sentence_relative_offsets():
    text = "Погода была теплой. Суд приговорил Иванова к тюрьме за убийство. Петров родился в Саратове."
    sents, pos = [], 0
    for i, part in enumerate(["Погода была теплой.", "Суд приговорил Иванова к тюрьме за убийство.",
                              "Петров родился в Саратове."]):
        start = text.index(part, pos)
        sents.append(Sentence(i, start, start + len(part), part, 0))
        pos = start + len(part)

    def mention(word, typ, sentence, kind="name"):
        start = text.index(word)
        return Mention(start, start + len(word), word, typ, word, sentence=sentence, kind=kind)

    doc = AnalyzedArticle(article=Article(id="a", text=text, outlet="x"), sentences=sents,
                          mentions=[mention("Иванова", "PER", 1), mention("Петров", "PER", 2),
                                    mention("Саратове", "LOC", 2), mention("Погода", "MISC", 0)])
    out = tone_for_mentions(doc)
    assert [(m.text, tone) for m, tone in out] == [("Иванова", -1), ("Петров", 0), ("Саратове", 0)]


def test_model_file_round_trip_keeps_scores(tmp_path):
    model = default_model()
    path = tmp_path / "m.json"
    model.save(path)
    again = ToneModel.load(path)
    items = [_item(*c) for c in NEGATIVE + POSITIVE]
    assert np.allclose(model.scores(items), again.scores(items), atol=1e-4)


def test_trained_model_predicts_the_same_after_save_and_load(tmp_path):
    """Training on a tiny set and reloading: the weight columns must line up with the feature groups
    (a file that reorders the groups scores garbage without any error)."""
    pytest.importorskip("sklearn")
    from parallax.tone.data import LabelledItem
    from parallax.tone.train import train
    rows = []
    for i in range(12):
        name = f"Петров{i}"
        for sentence, label in ((f"Суд арестовал {name} за убийство.", -1),
                                (f"Президент наградил {name} орденом.", 1),
                                (f"{name} приехал в город во вторник.", 0)):
            rows.append(LabelledItem(_item(sentence, name, "PERSON"), label))
    model = train(rows, tune_bias=False, log=lambda *_: None)
    path = tmp_path / "m.json"
    model.save(path)
    items = [r.item for r in rows]
    assert ToneModel.load(path).predict(items) == model.predict(items)
    assert np.allclose(ToneModel.load(path).scores(items), model.scores(items), atol=1e-3)


def test_wrong_format_version_is_refused():
    data = default_model().to_dict()
    data["format"] = 999
    with pytest.raises(ValueError, match="format"):
        ToneModel.from_dict(data)
