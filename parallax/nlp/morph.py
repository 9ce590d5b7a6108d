"""Lemmas, POS tags and inflection with pymorphy3, memoized per word form (news vocabulary is Zipfian,
so a bounded cache answers most lookups)."""
from __future__ import annotations

import functools
import re

from parallax.nlp.models import morph_analyzer
from parallax.text import fold

_WORD = re.compile(r"[A-Za-zА-Яа-яЁёІіЇїЄєҐґ'’-]+$")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_PUNCT = re.compile(r"^\W+$")


@functools.lru_cache(maxsize=200_000)
def parses(word: str):
    """Every pymorphy3 reading of `word`. The one cache of parses: lemmas and the inflection helpers ask
    for the same (lower-case, ё-folded) forms, and a pymorphy3 lookup walked a pure-Python DAWG, the largest
    single cost of analysis before this cache was shared (benchmarks/SPEED.md; the `dawg` C extension,
    package dawg2, now makes a lookup ~6x cheaper, tests/nlp/test_dawg_extension.py)."""
    return tuple(morph_analyzer().parse(word))


def _parse_best(word: str):
    return parses(word)[0]


@functools.lru_cache(maxsize=400_000)
def lemma_and_pos(word: str, language: str = "ru") -> tuple[str, str | None]:
    if _PUNCT.match(word):
        return word, None
    if word.isdigit():
        return word, "NUMR"
    if not _CYRILLIC.search(word) or language == "en":
        return word.lower(), "LATN" if _WORD.match(word) else None
    p = _parse_best(fold(word))
    # POS as plain str (pymorphy's grammeme objects refuse comparison with unknown names);
    # words pymorphy cannot tag are still words, unlike punctuation (None)
    return fold(p.normal_form), str(p.tag.POS) if p.tag.POS else "UNKN"


def lemma(word: str) -> str:
    return lemma_and_pos(word)[0]


def is_dictionary_parse(p) -> bool:
    return type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"


def cases_of(word: str, grammemes: frozenset[str] | None = None) -> set[str]:
    """Possible cases of `word` among its dictionary parses (optionally those carrying `grammemes`)."""
    out = set()
    for p in parses(word):
        if not is_dictionary_parse(p):
            continue
        if grammemes and not (grammemes & set(p.tag.grammemes)):
            continue
        if p.tag.case:
            out.add(p.tag.case)
    return out


def inflect_word(word: str, required: set[str], prefer: frozenset[str] | None = None,
                 case: str | None = None) -> str | None:
    """Inflect `word` to `required` grammemes, choosing the parse that carries `prefer` grammemes and
    (if given) is in `case`. Returns None when pymorphy cannot do it."""
    candidates = [p for p in parses(word) if is_dictionary_parse(p)]
    if prefer:
        preferred = [p for p in candidates if prefer & set(p.tag.grammemes)]
        candidates = preferred or candidates
    if case:
        in_case = [p for p in candidates if p.tag.case == case]
        candidates = in_case or candidates
    for p in candidates:
        form = safe_inflect(p, required)
        if form is not None:
            return form
    return None


def safe_inflect(parse, grammemes: set[str]) -> str | None:
    """The word form of `parse` with `grammemes`, or None (pymorphy raises on impossible combinations)."""
    try:
        form = parse.inflect(grammemes)
    except ValueError:
        return None
    return form.word if form is not None else None


def match_case(template: str, word: str) -> str:
    """Give `word` the capitalization of `template` ('КНДР', 'Путин', 'области')."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        # keep inner capitals of hyphenated names: 'Нью-Йорк'
        return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
    return word
