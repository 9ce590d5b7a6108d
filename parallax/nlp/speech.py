"""The speech-verb lexicon and the word-form tests that quote and attribution extraction share.

The lexicon (data/speech_verbs_ru.yaml) lists speech and opinion verbs, verb + object phrases ('выразить
надежду'), English reporting verbs, complementizers and pronouns. The tests read pymorphy's parses of one
word form: the verbs it can belong to and their shape, whether it can be (or most likely is) nominative,
and the gender a mention's words settle for pronoun resolution.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from dataclasses import dataclass

from parallax.nlp import morph, ner_uk
from parallax.nlp.entities import NAME_GRAMMEMES
from parallax.resources import load_yaml
from parallax.text import fold


@dataclass(frozen=True)
class SpeechLexicon:
    speech: frozenset[str]
    opinion: frozenset[str]
    phrases: dict[str, tuple[tuple[str, ...], ...]]      # verb lemma -> object lemma sequences
    english: dict[str, str]                               # surface form -> lemma
    english_opinion: frozenset[str]
    complementizers: frozenset[str]
    anaphoric_leads: tuple[tuple[str, ...], ...]
    clause_joiners: tuple[tuple[str, ...], ...]
    pronouns: dict[str, str]                              # pronoun -> masc | femn | plur


# The language whose rules quote and attribution extraction apply: set per article by `rules_for`
# (quotes.extract_quotes, attribution.extract_attributions), read by the lexicon and the word-form tests
# below, which the per-article DocIndex calls without an article at hand. Russian outside such a block.
_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("speech_rules_language", default="ru")
_LEXICON_FILES = {"ru": "nlp/data/speech_verbs_ru.yaml", "uk": "nlp/data/speech_verbs_uk.yaml",
                  "en": "nlp/data/speech_verbs_en.yaml"}


@contextlib.contextmanager
def rules_for(language: str):
    """Apply the speech rules of `language` (its lexicon, its dictionaries) inside the block; a language
    without its own table keeps the Russian one, whose `english` part reads English verbs."""
    token = _LANGUAGE.set(language if language in _LEXICON_FILES else "ru")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def rules_language() -> str:
    return _LANGUAGE.get()


def _parses(word: str, language: str) -> tuple:
    """Readings of a word form in the rules' language: Ukrainian forms ('заявив') are not Russian words."""
    return ner_uk.uk_parses(word) if language == "uk" else morph.parses(word)


def speech_lexicon() -> SpeechLexicon:
    return _speech_lexicon(_LANGUAGE.get())


@functools.lru_cache(maxsize=4)
def _speech_lexicon(language: str) -> SpeechLexicon:
    data = load_yaml(_LEXICON_FILES[language])
    english = {fold(form): lemma for lemma, forms in data["english"].items() for form in forms}
    return SpeechLexicon(
        speech=frozenset(fold(v) for v in data["speech"]),
        opinion=frozenset(fold(v) for v in data["opinion"]),
        phrases={fold(v): tuple(tuple(fold(w) for w in obj.split()) for obj in objs)
                 for v, objs in data["phrases"].items()},
        english=english,
        english_opinion=frozenset(data.get("english_opinion", [])),
        complementizers=frozenset(fold(w) for w in data["complementizers"]),
        anaphoric_leads=tuple(tuple(fold(p).split()) for p in data["anaphoric_leads"]),
        clause_joiners=tuple(tuple(fold(p).split()) for p in data["clause_joiners"]),
        pronouns={fold(k): v for k, v in data["pronouns"].items()},
    )


def verb_lemmas(word: str) -> frozenset[str]:
    """Infinitives a word form can belong to as a verb, participle, gerund or short participle.
    Passive full participles are left out: 'так называемый' is not a speech act."""
    return _verb_lemmas(word, _LANGUAGE.get())


@functools.lru_cache(maxsize=50_000)
def _verb_lemmas(word: str, language: str) -> frozenset[str]:
    out = set()
    for p in _parses(word, language):
        pos = p.tag.POS
        if pos in ("VERB", "INFN", "GRND", "PRTS") or (pos == "PRTF" and "actv" in p.tag):
            out.add(fold(p.normal_form))
    return frozenset(out)


def verb_shape(word: str) -> tuple[bool, bool, bool]:
    """(finite, plural-or-impersonal, present/future tense) for the verb parses of a word form."""
    return _verb_shape(word, _LANGUAGE.get())


@functools.lru_cache(maxsize=50_000)
def _verb_shape(word: str, language: str) -> tuple[bool, bool, bool]:
    finite = plural = present = False
    for p in _parses(word, language):
        if p.tag.POS == "VERB":
            finite = True
            if p.tag.number == "plur":
                plural = True
            if p.tag.tense in ("pres", "futr"):
                present = True
    return finite, plural, present


def can_be_nominative(word: str) -> bool:
    """Whether a word may be in the nominative case. Words pymorphy does not know (most foreign
    names), Latin words and abbreviations count as possibly nominative."""
    return _can_be_nominative(word, _LANGUAGE.get())


@functools.lru_cache(maxsize=50_000)
def _can_be_nominative(word: str, language: str) -> bool:
    if not re.search(r"[А-Яа-яЁёІіЇїЄєҐґ]", word) or (word.isupper() and len(word) > 1):
        return True
    known = _case_parses(word, language)
    if not known:
        return True
    return any(p.tag.case == "nomn" for p in known)


def _case_parses(word: str, language: str = "ru") -> list:
    """Dictionary readings that carry a case ('Силуанов' has only a short-adjective one: none)."""
    word = word.lower().replace("’", "'") if language == "uk" else fold(word)
    return [p for p in _parses(word, language) if morph.is_dictionary_parse(p) and p.tag.case]


def likely_nominative(word: str) -> bool:
    """Whether the most probable reading of a word (among its name readings, if it has any) is
    nominative: 'Ким', 'Песков' yes; 'Кима', 'Лаврова' (more likely genitive) no."""
    return _likely_nominative(word, _LANGUAGE.get())


@functools.lru_cache(maxsize=50_000)
def _likely_nominative(word: str, language: str) -> bool:
    if not re.search(r"[А-Яа-яЁёІіЇїЄєҐґ]", word) or (word.isupper() and len(word) > 1):
        return True
    known = _case_parses(word, language)
    if not known:
        return True
    names = [p for p in known if NAME_GRAMMEMES & set(p.tag.grammemes)]
    best = (names or known)[0]
    return best.tag.case == "nomn" or "Fixd" in best.tag


def _word_genders(word: str) -> frozenset[str]:
    return _word_genders_in(word, _LANGUAGE.get())


@functools.lru_cache(maxsize=50_000)
def _word_genders_in(word: str, language: str) -> frozenset[str]:
    out = set()
    for p in _parses(word.lower().replace("’", "'") if language == "uk" else fold(word), language):
        if morph.is_dictionary_parse(p) and p.tag.case == "nomn" and (
                p.tag.POS == "ADJF" or p.tag.POS == "NOUN" and "anim" in p.tag):
            if p.tag.number == "plur":
                out.add("plur")
            elif p.tag.gender:
                out.add(p.tag.gender)
    return frozenset(out)


def mention_gender(text: str) -> str | None:
    """masc | femn | plur when the words of a mention settle it ('Дональд Трамп', 'Мария Захарова',
    'российский лидер'), else None ('Ким', 'глава МИД'). The first name word that settles it decides;
    a common noun ends the search (its dependents say nothing about the person)."""
    for word in re.findall(r"[\w-]+", text):
        genders = _word_genders(word)
        if len(genders) == 1 and next(iter(genders)) in ("masc", "femn", "plur"):
            return next(iter(genders))
        language = _LANGUAGE.get()
        parses = [p for p in _parses(word.lower() if language == "uk" else fold(word), language)
                  if morph.is_dictionary_parse(p)]
        if parses and parses[0].tag.POS == "NOUN" and not NAME_GRAMMEMES & set(parses[0].tag.grammemes):
            return None
    return None
