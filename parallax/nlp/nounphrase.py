"""Source noun phrases: reading one forward from a token in a given case ('южнокорейской разведки',
'источник в правительстве', 'газета «Новые известия»'), backward from a verb ('Западные аналитики
заявили'), in English ('according to Reuters'), deciding whether it names a place that can speak
('В Кремле'), and putting it in the nominative ('главы МИД Сергея Лаврова' -> 'глава МИД Сергей Лавров')."""
from __future__ import annotations

import re
from dataclasses import dataclass

from parallax.nlp import morph
from parallax.nlp.docindex import DocIndex
from parallax.nlp.sources import attribution_table
from parallax.text import fold

_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad"})
OPEN_QUOTES = "«„“\""
CLOSE_QUOTES = "»“”\""
_MAX_NP_WORDS = 8


@dataclass
class NounPhrase:
    """A source phrase as token indices: its span, its head and, when it is one mention, that mention."""
    first: int            # token indices, inclusive
    last: int
    head: int | None
    mention: int | None = None     # a mention the phrase consists of
    pronoun: bool = False


def _cases(word: str) -> set[str]:
    return morph.cases_of(fold(word))


def case_ok(word: str, case: str | None) -> bool:
    """Whether `word` can be in `case` (None: any). Non-Cyrillic words, abbreviations and words pymorphy
    does not know fit every case."""
    if case is None or not re.search(r"[А-Яа-яЁё]", word) or (word.isupper() and len(word) > 1):
        return True
    cases = _cases(word)
    if not cases:
        return True
    if case == "gent" and "gen2" in cases or case == "loct" and "loc2" in cases:
        return True
    return case in cases


def mention_at(ix: DocIndex, start: int) -> int | None:
    """Index of the (longest) mention that starts at character offset `start`, if any."""
    return ix.mention_by_start.get(start)


_PP_CASE = {"в": "loct", "во": "loct", "на": "loct", "при": "loct", "из": "gent", "у": "gent"}


def np_forward(ix: DocIndex, i: int, stop: int, case: str | None) -> NounPhrase | None:
    """The source noun phrase starting at token i in `case`, with its genitive dependents, names, one
    prepositional phrase and one quoted name: 'южнокорейской разведки', 'агентство Bloomberg',
    'источник в правительстве', 'газета «Новые известия»'."""
    return _ForwardReader(ix, case).read(i, stop)


_NOUNISH = ("NOUN", "LATN", None)       # POS of a word that can head a phrase (None: untagged)


class _ForwardReader:
    """np_forward's state while it reads a phrase left to right. Each step reads the token at i and
    returns the index of the next token to read, or None where the phrase ends."""

    def __init__(self, ix: DocIndex, case: str | None):
        self.ix = ix
        self.toks = ix.tokens
        self.determiners = attribution_table().determiners
        self.case = case
        self.first: int | None = None
        self.last: int | None = None
        self.head: int | None = None
        self.mention_only: int | None = None
        self.words = 0
        self.pp_case: str | None = None     # the case a prepositional phrase being read requires
        self.pp_used = False
        self.quote_open: int | None = None  # index of an open quotation mark
        self.quote_was_head = False
        self.head_in_quotes_pending = False

    def read(self, i: int, stop: int) -> NounPhrase | None:
        while i is not None and i < stop and self.words < _MAX_NP_WORDS:
            i = self._step(i, stop)
        return self._phrase()

    def _fits(self, word: str) -> bool:
        if self.pp_case is not None:
            return case_ok(word, self.pp_case)
        if self.head is None:
            return case_ok(word, self.case)
        return case_ok(word, "gent") or case_ok(word, self.case)

    def _step(self, i: int, stop: int) -> int | None:
        t = self.toks[i]
        if self.quote_open is not None:
            return self._in_quotes(i)
        if t.text in OPEN_QUOTES:
            return self._open_quote(i, stop)
        if not self.ix.is_word(t):
            return None
        k = mention_at(self.ix, t.start)
        if k is not None:
            return self._mention(i, stop, k)
        w = fold(t.text)
        if t.pos == "PREP":
            return self._preposition(i, stop, w)
        if t.pos == "CONJ" and w == "и" and self.head is not None and self.pp_case is None and i + 1 < stop \
                and self.toks[i + 1].text[:1].isupper():
            return i + 1
        return self._word(i, w)

    def _in_quotes(self, i: int) -> int | None:
        t = self.toks[i]
        if t.text in CLOSE_QUOTES:
            self.last = i
            self.quote_open = None
            if not self.quote_was_head:
                return None       # a quoted name ends the phrase: 'пресс-служба «Россетей» ТАСС сообщили'
            return i + 1
        if self.ix.is_word(t):
            self.last = i
            self.words += 1
            if self.quote_was_head and self.head_in_quotes_pending and t.pos in _NOUNISH:
                self.head, self.head_in_quotes_pending = i, False   # «Новой газеты»: the noun, not the adjective
        return i + 1

    def _open_quote(self, i: int, stop: int) -> int | None:
        if i + 1 >= stop or not self.ix.is_word(self.toks[i + 1]) or not self._fits(self.toks[i + 1].text):
            return None
        self.quote_was_head = self.head is None
        self.head_in_quotes_pending = self.quote_was_head
        if self.head is None:
            self.head = i + 1
        if self.first is None:
            self.first = i
        self.quote_open = i
        self.pp_case = None
        self.mention_only = None
        return i + 1

    def _mention(self, i: int, stop: int, k: int) -> int | None:
        toks = self.toks
        m = self.ix.mentions[k]
        if not self._fits(toks[i].text):
            return None
        j = i
        while j + 1 < stop and toks[j + 1].end <= m.end:
            j += 1
        self.mention_only = k if self.first is None else None
        self.first = i if self.first is None else self.first
        if self.head is None:
            self.head = next((q for q in range(i, j + 1) if toks[q].pos in _NOUNISH), i)
        self.last = j
        self.words += j - i + 1
        self.pp_case = None
        return j + 1

    def _preposition(self, i: int, stop: int, w: str) -> int | None:
        if self.head is None or self.pp_used or self.pp_case is not None or w not in _PP_CASE or i + 1 >= stop:
            return None
        self.pp_case, self.pp_used = _PP_CASE[w], True
        return i + 1

    def _word(self, i: int, w: str) -> int | None:
        t = self.toks[i]
        pos = t.pos
        capitalized = t.text[:1].isupper() and not _sentence_initial(self.ix, i)
        nounish = pos in _NOUNISH or capitalized and pos not in ("ADJF", "PRTF")
        if self.head is None and w in self.determiners:
            pass
        elif pos not in ("NOUN", "ADJF", "PRTF", "LATN") and not (pos is None or capitalized):
            return None
        elif not self._fits(t.text):
            return None
        elif self.head is not None and self.pp_case is None and not case_ok(t.text, "gent") and not (
                capitalized or pos in ("LATN", None)):
            return None   # a lower-case word in the head's case is not an apposition: 'РИА Новости управляющий'
        elif self.head is None and nounish:
            self.head = i
        if self.pp_case is not None and nounish:
            self.pp_case = None   # the object of the preposition is read; genitive dependents may follow
        self.first = i if self.first is None else self.first
        self.mention_only = None
        self.last = i
        self.words += 1
        return i + 1

    def _phrase(self) -> NounPhrase | None:
        toks, head, last = self.toks, self.head, self.last
        if head is None or self.first is None or self.quote_open is not None:
            return None
        # a dangling preposition, conjunction or adjective is not part of the phrase
        while last > head and (toks[last].pos in ("PREP", "CONJ") or not self.ix.is_word(toks[last])
                               and toks[last].text not in CLOSE_QUOTES):
            last -= 1
        mention_only = self.mention_only
        if mention_only is not None and self.ix.mentions[mention_only].end < toks[last].end:
            mention_only = None
        return NounPhrase(first=self.first, last=last, head=head, mention=mention_only)


def _sentence_initial(ix: DocIndex, i: int) -> bool:
    return i == 0 or ix.tokens[i - 1].sentence != ix.tokens[i].sentence


def np_backward(ix: DocIndex, verb: int, lo_token: int) -> NounPhrase | None:
    """The nominative subject right before a verb: 'Эксперты', 'Западные аналитики', 'Источник в
    Минобороны', 'Источник, знакомый с ситуацией,'. The phrase must read forward as one noun phrase
    that ends at the verb."""
    toks = ix.tokens
    j = verb - 1
    while j >= lo_token and (fold(toks[j].text) in ("не", "также", "тоже", "уже", "ранее", "по-прежнему", "же")
                             or toks[j].pos == "ADVB"):
        j -= 1
    end = j
    # skip one participle clause: 'Источник, знакомый с ситуацией, сообщил'
    if j >= lo_token and toks[j].text == ",":
        for k in range(j - 1, max(lo_token - 1, j - 9), -1):
            if toks[k].text == ",":
                if k + 1 < j and toks[k + 1].pos in ("PRTF", "ADJF"):
                    j = end = k - 1
                break
    best = None
    while j >= lo_token and end - j < _MAX_NP_WORDS + 2:
        t = toks[j]
        if not ix.is_word(t) and t.text not in OPEN_QUOTES + CLOSE_QUOTES:
            break
        if ix.is_word(t) and t.pos not in ("NOUN", "ADJF", "PRTF", "NUMR", "LATN", "PREP", "CONJ", None) \
                and not t.text[:1].isupper() and fold(t.text) not in attribution_table().determiners:
            break
        if ix.is_word(t) and t.pos not in ("PREP", "CONJ", "NUMR") and (j == lo_token or toks[j - 1].pos != "PREP"):
            np = np_forward(ix, j, end + 1, "nomn")
            if np is not None and np.first == j and np.last == end:
                best = np
        j -= 1
    if best is None:
        return None
    start = best.first
    while start < best.head and fold(toks[start].text) in attribution_table().determiners:
        start += 1
    best.first = start
    return best


def np_english(ix: DocIndex, i: int, stop: int) -> NounPhrase | None:
    """'according to Reuters', 'citing U.S. officials': up to the next punctuation or lower-case verb."""
    toks = ix.tokens
    first = last = head = None
    words = 0
    while i < stop and words < 6:
        t = toks[i]
        if not ix.is_word(t) and t.text not in (".",) or t.text == "." and not (last is not None and toks[last].end == t.start):
            break
        if t.pos not in ("LATN", "NUMR", None) and t.text != ".":
            break
        w = t.text.lower()
        if first is None and w in ("the", "a", "an"):
            first = i
            i += 1
            continue
        if head is not None and w in ("that", "said", "which", "who", "on", "in", "at", "to"):
            break
        first = i if first is None else first
        head = i if head is None else head
        last = i
        words += 1
        i += 1
    if head is None:
        return None
    while last > head and not toks[last].text[:1].isalnum():
        last -= 1
    return NounPhrase(first=first, last=last, head=head)


def institution_after_preposition(ix: DocIndex, prep: int, stop: int) -> tuple[int, int] | None:
    """Token range (first, last) of 'Кремле', 'военном ведомстве', 'пресс-службе компании' after the
    preposition at token `prep` when it names a place that can speak, else None."""
    if prep + 1 >= stop:
        return None
    np = np_forward(ix, prep + 1, stop, "loct")
    if np is None or not place_like(ix, np):
        return None
    return np.first, np.last


def place_like(ix: DocIndex, np: NounPhrase) -> bool:
    """'Кремле', 'Минобороны', 'правительстве', 'окружении президента' — not 'среду', 'итоге'."""
    table = attribution_table()
    head = ix.tokens[np.head]
    k = mention_at(ix, ix.tokens[np.first].start)
    if k is not None and ix.mentions[k].type in ("ORG", "LOC"):
        return True
    lemma = fold(head.lemma)
    return (lemma in table.kind_nouns and table.kind_nouns[lemma] in ("official", "media", "social",
                                                                       "intelligence", "agency")) \
        or lemma in table.institutions \
        or (head.text[:1].isupper() and head.start != ix.sentences[head.sentence].start)


# ---- normalization -------------------------------------------------------------------------------------

def _is_proper(word: str) -> bool:
    if not re.search(r"[а-яё]", word.lower()) or (word.isupper() and len(word) > 1):
        return True
    return any(_PROPER & set(p.tag.grammemes) for p in morph.parses(fold(word)) if morph.is_dictionary_parse(p))


def _head_number(word: str, case: str | None) -> str:
    for p in morph.parses(fold(word)):
        if morph.is_dictionary_parse(p) and p.tag.POS == "NOUN" and (case is None or p.tag.case == case):
            return p.tag.number or "sing"
    return "sing"


def _head_gender(word: str, case: str | None) -> str | None:
    for p in morph.parses(fold(word)):
        if morph.is_dictionary_parse(p) and p.tag.POS == "NOUN" and (case is None or p.tag.case == case):
            return p.tag.gender
    return None


def normalize_source(ix: DocIndex, np: NounPhrase, case: str | None) -> str:
    """The source in the nominative: adjectives and the head are inflected, dependents kept, a person
    in apposition given in its normal form ('главы МИД Сергея Лаврова' -> 'глава МИД Сергей Лавров')."""
    toks, text = ix.tokens, ix.text
    if np.mention is not None:
        m = ix.mentions[np.mention]
        out = m.normal or m.text
    else:
        pieces: list[tuple[int, int, str]] = []      # (start, end, replacement)
        head_tok = toks[np.head]
        number = _head_number(head_tok.text, case)
        gender = _head_gender(head_tok.text, case)
        i = np.first
        while i <= np.last:
            t = toks[i]
            k = mention_at(ix, t.start)
            if k is not None and i != np.first and ix.mentions[k].type == "PER":
                m = ix.mentions[k]
                j = i
                while j + 1 <= np.last and toks[j + 1].end <= m.end:
                    j += 1
                if case and case != "nomn" and case_ok(t.text, case):
                    pieces.append((t.start, toks[j].end, m.normal or m.text))
                i = j + 1
                continue
            if case and case != "nomn" and i <= np.head and ix.is_word(t) and re.search(r"[А-Яа-яЁё]", t.text):
                if i == np.head:
                    form = morph.inflect_word(fold(t.text), {"nomn", number}, case=case)
                    if form is None and k is not None:
                        form = ix.mentions[k].normal
                else:
                    req = {"nomn", number} | ({gender} if number == "sing" and gender in ("masc", "femn", "neut") else set())
                    form = morph.inflect_word(fold(t.text), req, case=case)
                if form and not (t.text.isupper() and len(t.text) > 1):
                    pieces.append((t.start, t.end, morph.match_case(t.text, form)))
            i += 1
        start, end = toks[np.first].start, toks[np.last].end
        out, pos = [], start
        for s, e, rep in pieces:
            out.append(text[pos:s])
            out.append(rep)
            pos = e
        out.append(text[pos:end])
        out = "".join(out)
    out = out.strip()
    if out[:1] in OPEN_QUOTES and out[-1:] in CLOSE_QUOTES:
        out = out[1:-1].strip()
    out = re.sub(r"\s+", " ", out)
    first_tok = toks[np.first]
    sent_start = ix.sentences[first_tok.sentence].start if ix.sentences else 0
    if first_tok.start == sent_start and np.mention is None and not _is_proper(first_tok.text):
        out = out[:1].lower() + out[1:]
    return fold(out, keep_case=True)
