"""store/serialize.py's fast encoder (json's C encoder with a hook for the dataclasses, session 9): the stored
bytes equal those of the generic walk (`analysis_to_dict` + `json.dumps`) on hand-made analyses with every
layer, on values of numpy types and odd floats, on a dataclass carrying an attribute beyond its fields, and on
real analyses; a layer type that may hold a dict goes the generic way."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib
from typing import Any

import numpy as np
import pytest

from parallax.model import (
    AnalyzedArticle,
    Article,
    Attribution,
    DateMention,
    Mention,
    NumberMention,
    Quote,
    Sentence,
    Token,
)
from parallax.store import serialize
from parallax.store.serialize import analysis_json, analysis_to_dict, dumps_analysis, loads_analysis


def _generic(doc: AnalyzedArticle) -> str:
    return json.dumps(analysis_to_dict(doc), ensure_ascii=False, separators=(",", ":"))


def _doc(**layers) -> AnalyzedArticle:
    text = "Путин заявил: «Мы готовы». По данным ТАСС, около 15 тысяч военных прибыли 3 сентября."
    art = Article(id="a1", text=text, outlet="ТАСС", date=dt.date(2025, 9, 3), meta={True: 1, "x": {2: "y"}})
    base = dict(
        language="ru", language_confidence=0.98,
        sentences=[Sentence(0, 0, 25, text[:25], 0), Sentence(1, 26, len(text), text[26:], 0)],
        tokens=[Token(0, 5, "Путин", "путин", "NOUN", 0), Token(5, 6, " ", " ", None, 0),
                Token(6, 12, "заявил\u2028\"\\", "заявить", "VERB", 0)],
        mentions=[Mention(0, 5, "Путин", "PER", "Путин", 0, canonical="Владимир Путин")],
        dates=[DateMention(74, 84, "3 сентября", dt.date(2025, 9, 3), "day", False, 1),
               DateMention(0, 4, "2025", None, "year", False, 0)],
        numbers=[NumberMention(42, 56, "около 15 тысяч", 15000.0, True, "военный", 1, "about")],
        quotes=[Quote(15, 24, "Мы готовы", "direct", 0, "заявить", "Путин", 0, 5, 0)],
        attributions=[Attribution(26, 40, "По данным ТАСС", "ТАСС", "по данным", 1, 36, 40, "agency")])
    base.update(layers)
    return AnalyzedArticle(article=art, **base)


CASES = {
    "every layer": _doc(),
    "empty layers": AnalyzedArticle(article=Article(id="e", text="", outlet="o")),
    "numpy values": _doc(language_confidence=np.float64(0.125),
                         numbers=[NumberMention(np.int64(1), 2, "x", np.float32(1.5), np.bool_(True), None),
                                  NumberMention(0, 1, "y", float("nan"), False, "u"),
                                  NumberMention(0, 1, "z", float("inf"), False, "u"),
                                  NumberMention(0, 1, "w", 1e-300, False, "u")]),
    "a tuple for a list": _doc(sentences=(Sentence(0, 0, 1, "a", 0),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_encoder_writes_the_generic_bytes(name):
    doc = CASES[name]
    assert analysis_json(doc) == _generic(doc)
    assert dumps_analysis(doc) == zlib.compress(_generic(doc).encode("utf-8"), 6)


def test_an_attribute_beyond_the_fields_is_not_stored():
    doc = _doc()
    doc.tokens[0].cached = "not a field"       # e.g. a cache some layer sets on a token
    assert "cached" not in analysis_json(doc)
    assert analysis_json(doc) == _generic(doc)


def test_a_field_init_does_not_set_is_written_in_field_order():
    @dataclasses.dataclass
    class Late:
        first: int
        later: str = dataclasses.field(init=False, default="")
        last: int = 0

        def __post_init__(self):
            self.later = "set after `last`"        # so __dict__ holds first, last, later

    value = Late(1, last=2)
    assert list(value.__dict__) == ["first", "last", "later"]
    assert serialize._FAST_ENCODER.encode([value]) == json.dumps(serialize.to_jsonable([value]), ensure_ascii=False,
                                                                 separators=(",", ":"))


def test_round_trip_through_the_fast_encoder():
    doc = _doc()
    back = loads_analysis(dumps_analysis(doc), doc.article)
    assert back.tokens == doc.tokens and back.dates == doc.dates and back.quotes == doc.quotes


def test_a_layer_that_may_hold_a_dict_goes_the_generic_way():
    @dataclasses.dataclass
    class WithDict:
        values: dict[str, int]

    @dataclasses.dataclass
    class WithAny:
        value: Any

    @dataclasses.dataclass
    class Plain:
        items: list[Token]
        when: dt.date | None = None

    assert not serialize._c_encodable(WithDict)
    assert not serialize._c_encodable(WithAny)
    assert serialize._c_encodable(Plain)
    # what the shipped model holds: no dict anywhere in the analysis layers
    assert serialize._layers_c_encodable()


def test_fast_encoder_on_real_analyses():
    from parallax.nlp.pipeline import Analyzer
    texts = ["Президент России Владимир Путин заявил, что переговоры продолжатся, сообщает ТАСС 3 сентября.",
             "Президент України Володимир Зеленський заявив, що переговори тривають.",
             "President Joe Biden said on Tuesday that «the talks» would continue, Reuters reported."]
    docs = Analyzer().analyze_many([Article(id=str(i), outlet="x", text=t) for i, t in enumerate(texts)])
    for doc in docs:
        assert analysis_json(doc) == _generic(doc)
