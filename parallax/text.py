"""Plain-string helpers that every stage shares: no models, no I/O."""
from __future__ import annotations

_YO = str.maketrans("ёЁ", "еЕ")


def fold(text: str, *, keep_case: bool = False) -> str:
    """`text` with ё written as е, lower-cased unless `keep_case`: the one key by which Parallax compares
    Russian words (outlets and dictionaries write «Ёль»/«Ель», «четырёх»/«четырех» interchangeably).
    The result has the length of `text`, so character offsets carry over."""
    if keep_case:
        return text.translate(_YO)
    return text.lower().translate(_YO)
