"""Names in a title, and whether another article names them: evidence that two reports are one event.

Two reports of one event name its main actors and places: when a title says "Бензовоз загорелся в
подмосковном Дзержинском", a full report of the same fire mentions Дзержинский somewhere. A name of
one title that the other article never mentions, in a text long enough to have mentioned it, points
to a different event of the same kind (another town's fire, another band's release) or to a comment
by someone the event report does not know ("Вострецов заявил..." vs the report of the kidnapping he
comments on). Short posts omit names freely, so a text shorter than ``name_min_words`` is never
taken as evidence.

A title name is a capitalised word that is not at the start of a sentence, or a word that pymorphy3
tags as a proper name (Name, Surn, Patr, Geox, Orgn, Trad), or an abbreviation in capitals; never a
source the title cites ("— МЧС", "передает ТАСС"), a common-noun abbreviation (ДТП, СИЗО) or a word
that the article's own body writes in lower case ("Суд", "Hosts" in a Title Case headline).

Words are compared by keys: the first ``name_key_chars`` letters of the word and of its lemma (so
"Дзержинском" finds "Дзержинский", "Москвы" finds "московские"), the canonical entity of an alias
(РФ = Россия = российский, from ``nlp/data/aliases.yaml``) and a letter-by-letter Cyrillic reading of
Latin words (TikTok = тикток). Keys are CRC32 numbers, so an article's keys take little memory and
persist as JSON. Lists of words live in ``stories/config.yaml``.
"""
from __future__ import annotations

import re
import zlib
from functools import lru_cache

from parallax.nlp.morph import lemma, parses
from parallax.resources import load_yaml
from parallax.text import fold

_TOKEN = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_PROPER_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})
# what precedes the first word of a sentence inside a title: start, end punctuation, colon, a quote mark
_SENTENCE_START = re.compile(r"(?:^|[.!?:…«\"„“(]|\s[—–-])\s*$")
# a source cited at the end of a title: '— МЧС', '- СМИ', 'сообщили в СК', 'передает агентство Рёнхап'
_SOURCE_TAIL = re.compile(
    r"(?:\s[—–-]\s*|,?\s(?:сообщил[аио]?|сообщает|сообщают|заявил[аи]?|заявляют|передает|передаёт|пишет|"
    r"пишут|по данным|по словам|со ссылкой на|says|said|reports|according to)\s+(?:в\s+|во\s+)?)([^—–]*)$",
    re.IGNORECASE)
_SOURCE_TAIL_MAX_WORDS = 4
_POSSESSIVE = re.compile(r"[’'](?:s)?$", re.IGNORECASE)
_LATIN_TO_CYRILLIC = [("shch", "щ"), ("sch", "ш"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"),
                      ("ya", "я"), ("yu", "ю"), ("yo", "е"), ("ee", "и"), ("oo", "у"), ("ph", "ф"), ("th", "т"),
                      ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
                      ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
                      ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
                      ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "й"), ("z", "з")]




def transliterate(word: str) -> str:
    """A rough Cyrillic reading of a Latin word ('Superjet' -> 'суперджет'), enough for a prefix match."""
    word = word.lower()
    out, i = [], 0
    while i < len(word):
        for latin, cyrillic in _LATIN_TO_CYRILLIC:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


class NameMatcher:
    """Reads title names and article keys with one configuration (see the module docstring)."""

    def __init__(self, key_chars: int = 4, common_words: frozenset[str] = frozenset(),
                 source_names: frozenset[str] = frozenset(), aliases: dict[str, str] | None = None):
        self.key_chars = key_chars
        self.common_words = frozenset(fold(w) for w in common_words)
        self.source_names = frozenset(fold(w) for w in source_names)
        self.aliases = {fold(k): v for k, v in (aliases or {}).items()}
        self.word_keys = lru_cache(maxsize=262144)(self._word_keys)

    # ---- keys ----

    def _word_keys(self, word: str) -> frozenset[int]:
        folded = fold(_POSSESSIVE.sub("", word))
        forms = {folded}
        if _CYRILLIC.search(folded):
            forms.add(fold(lemma(folded)))
        else:
            forms.add(transliterate(folded))
        keys = {_key(f[:self.key_chars]) for f in forms if f}
        for form in forms:
            canonical = self.aliases.get(form)
            if canonical:
                keys.add(_key("@" + canonical))
        return frozenset(keys)

    def text_keys(self, text: str) -> frozenset[int]:
        """Keys of every word of a text (each part of a hyphenated word too)."""
        keys: set[int] = set()
        for token in set(_TOKEN.findall(text)):
            parts = {token, *re.split(r"[-‐]", token)} if "-" in token or "‐" in token else (token,)
            for part in parts:
                if len(part) >= 2:
                    keys.update(self.word_keys(part))
        return frozenset(keys)

    # ---- title names ----

    def title_names(self, title: str, body: str = "") -> tuple[frozenset[int], ...]:
        """The names a title gives, each as its set of keys (see the module docstring)."""
        tail = _SOURCE_TAIL.search(title)
        if tail and len(_TOKEN.findall(tail.group(1))) <= _SOURCE_TAIL_MAX_WORDS:
            title = title[:tail.start()]
        lower_body = _lowercase_words(body)
        cyrillic_title = bool(_CYRILLIC.search(title))
        names: list[set[int]] = []
        previous = None            # (end, is a name, capitalised word's keys, is Latin) of the token before
        for match in _TOKEN.finditer(title):
            word = _POSSESSIVE.sub("", match.group(0))
            capitalised = len(word) >= 2 and word[0].isupper() and fold(word) not in lower_body \
                and fold(word) not in self.common_words
            keys = self._keys_of(word) if capitalised else None
            is_name = keys is not None and self._is_name(word, title[:match.start()], lower_body, cyrillic_title)
            # adjacent capitalised words are one name, mentioned when any of its words is
            # ('Carlsberg Group' ~ 'Carlsberg', 'Сергей Вострецов' ~ 'Вострецов')
            adjacent = previous is not None and previous[2] is not None and not title[previous[0]:match.start()].strip()
            if is_name and adjacent and previous[1]:
                names[-1].update(keys)
            elif is_name:
                # a Latin word at the start is taken along ('Carlsberg Group'); a Cyrillic one was read
                # by pymorphy3 and is not a name ('Авиавласти Армении')
                names.append(set(keys) | (previous[2] if adjacent and previous[3] else set()))
            elif adjacent and previous[1] and keys is not None:
                names[-1].update(keys)
            previous = (match.end(), is_name or bool(adjacent and previous[1] and keys is not None), keys,
                        not _CYRILLIC.search(word))
        return tuple(frozenset(keys) for keys in names)

    def _keys_of(self, word: str) -> frozenset[int]:
        keys: set[int] = set()
        for part in {word, *re.split(r"[-‐]", word)}:
            if len(part) >= 2:
                keys.update(self.word_keys(part))
        return frozenset(keys)

    def _is_name(self, word: str, before: str, lower_body: frozenset[str], cyrillic_title: bool) -> bool:
        folded = fold(word)
        if folded in self.source_names or folded in self.common_words:
            return False
        if word.isupper():
            # ЦИК, НАПК, NATO (common abbreviations are in common_words). A Latin abbreviation in a
            # Cyrillic title is a code with Cyrillic equivalents (SSJ = Суперджет, COVID = коронавирус)
            return bool(_CYRILLIC.search(word)) or not cyrillic_title
        if not word[0].isupper() or folded in lower_body:
            return False                   # 'Суд' of a headline that the body writes 'суд'
        if not _SENTENCE_START.search(before):
            return True
        if not _CYRILLIC.search(word):
            return False                   # a Latin first word: nothing tells a name from 'Report'
        found = parses(word)
        return bool(found) and bool(_PROPER_GRAMMEMES & set(found[0].tag.grammemes))


def missing_names(names: tuple[frozenset[int], ...], keys: frozenset[int] | None) -> int:
    """How many of a title's names the other article never mentions (0 when it is too short to tell)."""
    if not names or keys is None:
        return 0
    return sum(1 for name in names if not (name & keys))


def _lowercase_words(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in _TOKEN.findall(text) if w[:1].islower())




@lru_cache(maxsize=4)
def default_matcher(key_chars: int, common_words: frozenset[str]) -> NameMatcher:
    """A matcher with the source names of ``data/source_kinds.yaml`` and the aliases of
    ``nlp/data/aliases.yaml`` (single-word names, aliases and adjectives -> canonical name)."""
    kinds = load_yaml("outlets/data/source_kinds.yaml")
    sources = set()
    for kind in ("state_agency", "agency", "media"):
        for name in (kinds.get("names") or {}).get(kind) or ():
            words = _TOKEN.findall(str(name))
            if len(words) == 1:
                sources.add(words[0])
    entities = (load_yaml("nlp/data/aliases.yaml") or {}).get("entities") or ()
    aliases: dict[str, str] = {}
    for entity in entities:
        canonical = str(entity["name"])
        for name in [canonical, *(entity.get("aliases") or ()), *(entity.get("adjectives") or ())]:
            words = _TOKEN.findall(str(name))
            if len(words) == 1:
                aliases[words[0]] = canonical
                aliases[lemma(fold(words[0]))] = canonical
    return NameMatcher(key_chars=key_chars, common_words=common_words, source_names=frozenset(sources),
                       aliases=aliases)
