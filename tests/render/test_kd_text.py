"""Key differences said in the reader's language from their params (render/kd_text.py)."""
from __future__ import annotations

import pytest

from parallax.render.kd_text import key_difference_text, names

Q = "«Завод закрыт.»"

# (params, expected Russian text)
CASES = [
    ({"template": "only_one", "reporting": ["РИА"], "silent": ["BBC"], "quote": Q}, f"Только РИА сообщает: {Q}"),
    ({"template": "only_some", "reporting": ["РИА", "ТАСС"], "silent": ["BBC"], "quote": Q},
     f"РИА и ТАСС сообщают, BBC — нет: {Q}"),
    ({"template": "conflict", "quote": Q, "values": [{"kind": "number", "outlets": [["РИА", ["5"]], ["BBC", ["7"]]],
                                                      "more": 2}]},
     f"Издания расходятся в одном факте (число — РИА: 5; BBC: 7; ещё 2 издания): {Q}"),
    ({"template": "quote", "speaker": None, "relation": "trimmed", "changed": ["ТАСС"], "quote": Q},
     f"Говорящий: слова переданы по-разному (сокращено) — ТАСС: {Q}"),
    ({"template": "term_silent", "concept": "the war", "silent": ["ТАСС"],
      "shown": [["BBC", [["войну", "war-explicit"]]]]}, "война: BBC: «войну» (прямо о войне); ТАСС — не называют"),
]


@pytest.mark.parametrize("params,expected", CASES)
def test_russian_text_from_params(params, expected):
    assert key_difference_text({"text": "English", "params": params}, "ru") == expected


def test_english_and_old_documents_keep_their_text():
    point = {"text": "Only A reports: «x»", "params": {"template": "only_one", "reporting": ["A"], "quote": "«x»"}}
    assert key_difference_text(point, "en") == "Only A reports: «x»"
    assert key_difference_text({"text": "as stored"}, "ru") == "as stored"       # no params: a v1.1 document


@pytest.mark.parametrize("outlets,expected", [
    (["A"], "A"), (["A", "B"], "A и B"), (["A", "B", "C"], "A, B и C"), (["A", "B", "C", "D", "E"], "A, B и ещё 3"),
])
def test_names(outlets, expected):
    assert names("ru", outlets) == expected
