"""parallax.text.fold: the one key by which Russian words are compared (ё = е, lower case, same length)."""
import pytest

from parallax.text import fold

CASES = [
    # text, fold(text), fold(text, keep_case=True)
    ("Юн Сок Ёль", "юн сок ель", "Юн Сок Ель"),
    ("четырёх ЁЛОК", "четырех елок", "четырех ЕЛОК"),
    ("Ёё", "ее", "Ее"),
    ("no yo here", "no yo here", "no yo here"),
    ("", "", ""),
    ("❗️Президент Южной Кореи", "❗️президент южной кореи", "❗️Президент Южной Кореи"),
]


@pytest.mark.parametrize("text, folded, kept", CASES)
def test_fold(text, folded, kept):
    assert fold(text) == folded
    assert fold(text, keep_case=True) == kept


@pytest.mark.parametrize("text", [c[0] for c in CASES])
def test_fold_keeps_offsets(text):
    assert len(fold(text)) == len(text) == len(fold(text, keep_case=True))
