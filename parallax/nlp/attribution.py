"""Attribution: the phrases by which an article says whom it relies on.

    По данным южнокорейской разведки, …     cue + source ('южнокорейская разведка', normalized to nominative)
    …, передает ТАСС.                        report verb + source
    Эксперты полагают, что …                 source + verb of belief or report
    В Кремле выразили надежду, что …         impersonal plural verb + 'в X' (source 'Кремль')
    …, сообщает Bloomberg со ссылкой на источники.      two attributions

Quotes of named people ('сказал Путин') are quotes, not attributions; they become attributions only when a
sourcing phrase frames them ('по словам Путина'). Each attribution gets a source kind (agency,
intelligence, anonymous, official, media, social) from the hints in data/attribution_ru.yaml, or None.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parallax.model import AnalyzedArticle, Attribution
from parallax.nlp import morph
from parallax.nlp.quotes import (
    DocIndex,
    doc_index,
    find_quote_spans,
    resolve_pronoun,
    skip_addressee,
    verb_lemmas,
)
from parallax.resources import load_yaml
from parallax.text import fold

_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad"})
_NP_PREPOSITIONS = frozenset({"в", "во", "на", "при", "из", "у"})
_OPEN_QUOTES = "«„“\""
_CLOSE_QUOTES = "»“”\""
_ADJ_SLOT = r"(?:(?:[а-яё]+(?:ым|им|ой|ей|ому|ему|ых|их|ую|юю|ая|яя)|его|её|ее|их)\s+)?"
_MAX_NP_WORDS = 8
_KINDS = ("agency", "intelligence", "anonymous", "official", "media", "social")


# ---- table ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrefixCue:
    case: str | None
    lang: str


@dataclass(frozen=True)
class AttributionTable:
    prefix_re: re.Pattern
    prefix: tuple[PrefixCue, ...]              # by regex group index
    prefix_first_words: frozenset[str]         # a cue can only start at one of these words
    report_verbs: frozenset[str]
    belief_verbs: frozenset[str]
    impersonal_prepositions: frozenset[str]
    determiners: frozenset[str]
    document_nouns: frozenset[str]
    institutions: frozenset[str]
    kind_nouns: dict[str, str]                 # lemma -> kind (nouns that can be cited by verb patterns)
    kind_person_nouns: dict[str, str]          # lemma -> kind (titles: classify only)
    kind_names: tuple[tuple[str, re.Pattern], ...]
    place_kind: str | None


def _cue_regex(cue: str) -> str:
    parts = []
    for word in cue.split():
        if word == "{adj}":
            parts.append(_ADJ_SLOT)
        else:
            parts.append(re.escape(word).replace("е", "[её]") + r"\s+")
    body = "".join(parts)
    body = body[:-3] if body.endswith(r"\s+") else body
    return r"(?<!\w)" + body + r"(?!\w)"


def _name_regex(names: list[str]) -> re.Pattern | None:
    long_names = sorted((n for n in names if len(n) > 2), key=len, reverse=True)
    short_names = [n for n in names if len(n) <= 2]
    alts = []
    if long_names:
        alts.append("(?i:" + "|".join(re.escape(n) for n in long_names) + ")")
    if short_names:
        alts.append("|".join(re.escape(n) for n in short_names))
    if not alts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])")


@functools.lru_cache(maxsize=1)
def attribution_table() -> AttributionTable:
    data = load_yaml("nlp/data/attribution_ru.yaml")
    entries = sorted(data["prefix"], key=lambda e: len(e["cue"]), reverse=True)
    prefix = tuple(PrefixCue(case=e.get("case"), lang=e.get("lang", "ru")) for e in entries)
    prefix_re = re.compile("|".join(f"({_cue_regex(e['cue'])})" for e in entries), re.IGNORECASE)
    first_words = frozenset(fold(e["cue"].split()[0]) for e in entries)
    kind_nouns: dict[str, str] = {}
    kind_person_nouns: dict[str, str] = {}
    kind_names = []
    for kind, spec in data["kinds"].items():
        for noun in spec.get("nouns", []):
            kind_nouns.setdefault(fold(noun), kind)
        for noun in spec.get("person_nouns", []):
            kind_person_nouns.setdefault(fold(noun), kind)
        rx = _name_regex(spec.get("names", []))
        if rx is not None:
            kind_names.append((kind, rx))
    return AttributionTable(
        prefix_re=prefix_re, prefix=prefix, prefix_first_words=first_words,
        report_verbs=frozenset(fold(v) for v in data["report_verbs"]),
        belief_verbs=frozenset(fold(v) for v in data["belief_verbs"]),
        impersonal_prepositions=frozenset(data["impersonal_prepositions"]),
        determiners=frozenset(fold(w) for w in data["determiners"]),
        document_nouns=frozenset(fold(w) for w in data.get("document_nouns", [])),
        institutions=frozenset(fold(w) for w in data.get("institutions", [])),
        kind_nouns=kind_nouns, kind_person_nouns=kind_person_nouns, kind_names=tuple(kind_names),
        place_kind=data.get("place_kind"),
    )


def _lemmas(text: str) -> list[str]:
    return [morph.lemma(w) if re.search(r"[А-Яа-яЁё]", w) else w.lower()
            for w in re.findall(r"[\w-]+", text)]


def classify_source(source: str, head_lemma: str | None = None) -> str | None:
    """Kind of a source from its head noun, then the names, then any noun in it ('южнокорейская разведка'
    -> intelligence, 'ТАСС' -> agency, 'источник в правительстве' -> anonymous)."""
    table = attribution_table()
    lemmas = _lemmas(source)
    if head_lemma is None:
        head_lemma = next((lm for lm in lemmas if lm not in table.determiners
                           and (lm in table.kind_nouns or lm in table.kind_person_nouns)), None)
    if head_lemma is not None:
        head_lemma = fold(head_lemma)
        kind = table.kind_nouns.get(head_lemma) or table.kind_person_nouns.get(head_lemma)
        if kind:
            return kind
    best = None
    for target in (source, " ".join(lemmas)):
        for kind, rx in table.kind_names:
            m = rx.search(target)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), kind)
        if best:
            return best[1]
    for lm in lemmas:
        kind = table.kind_nouns.get(lm) or table.kind_person_nouns.get(lm)
        if kind:
            return kind
    return None


# ---- source noun phrases ------------------------------------------------------------------------------

@dataclass
class _NP:
    first: int            # token indices, inclusive
    last: int
    head: int | None
    mention: int | None = None     # a mention the phrase consists of
    pronoun: bool = False


def _cases(word: str) -> set[str]:
    return morph.cases_of(fold(word))


def _case_ok(word: str, case: str | None) -> bool:
    if case is None or not re.search(r"[А-Яа-яЁё]", word) or (word.isupper() and len(word) > 1):
        return True
    cases = _cases(word)
    if not cases:
        return True
    if case == "gent" and "gen2" in cases or case == "loct" and "loc2" in cases:
        return True
    return case in cases


def _mention_at(ix: DocIndex, start: int) -> int | None:
    return ix.mention_by_start.get(start)


_PP_CASE = {"в": "loct", "во": "loct", "на": "loct", "при": "loct", "из": "gent", "у": "gent"}


def _np_forward(ix: DocIndex, i: int, stop: int, case: str | None) -> _NP | None:
    """The source noun phrase starting at token i in `case`, with its genitive dependents, names, one
    prepositional phrase and one quoted name: 'южнокорейской разведки', 'агентство Bloomberg',
    'источник в правительстве', 'газета «Новые известия»'."""
    toks = ix.tokens
    table = attribution_table()
    first = last = head = None
    mention_only = None
    words = 0
    pp_case = None            # the case a prepositional phrase being read requires
    pp_used = False
    quote_open = None         # index of an open quotation mark
    quote_was_head = False
    head_in_quotes_pending = False

    def fits(word: str) -> bool:
        if pp_case is not None:
            return _case_ok(word, pp_case)
        if head is None:
            return _case_ok(word, case)
        return _case_ok(word, "gent") or _case_ok(word, case)

    while i < stop and words < _MAX_NP_WORDS:
        t = toks[i]
        w = fold(t.text)
        if quote_open is not None:
            if t.text in _CLOSE_QUOTES:
                last = i
                quote_open = None
                i += 1
                if not quote_was_head:
                    break         # a quoted name ends the phrase: 'пресс-служба «Россетей» ТАСС сообщили'
                continue
            if ix.is_word(t):
                last = i
                words += 1
                if quote_was_head and head_in_quotes_pending and t.pos in ("NOUN", "LATN", None):
                    head, head_in_quotes_pending = i, False   # «Новой газеты»: the noun, not the adjective
            i += 1
            continue
        if t.text in _OPEN_QUOTES:
            if i + 1 >= stop or not ix.is_word(toks[i + 1]) or not fits(toks[i + 1].text):
                break
            quote_was_head = head is None
            head_in_quotes_pending = quote_was_head
            if head is None:
                head = i + 1
            if first is None:
                first = i
            quote_open = i
            pp_case = None
            mention_only = None
            i += 1
            continue
        if not ix.is_word(t):
            break
        k = _mention_at(ix, t.start)
        if k is not None:
            m = ix.mentions[k]
            if not fits(t.text):
                break
            j = i
            while j + 1 < stop and toks[j + 1].end <= m.end:
                j += 1
            mention_only = k if first is None else None
            first = i if first is None else first
            if head is None:
                head = next((q for q in range(i, j + 1) if toks[q].pos in ("NOUN", "LATN", None)), i)
            last = j
            words += j - i + 1
            i = j + 1
            pp_case = None
            continue
        pos = t.pos
        if pos == "PREP":
            if head is None or pp_used or pp_case is not None or w not in _PP_CASE or i + 1 >= stop:
                break
            pp_case, pp_used = _PP_CASE[w], True
            i += 1
            continue
        if pos == "CONJ" and w == "и" and head is not None and pp_case is None and i + 1 < stop \
                and toks[i + 1].text[:1].isupper():
            i += 1
            continue
        capitalized = t.text[:1].isupper() and not _sentence_initial(ix, i)
        if head is None and w in table.determiners:
            pass
        elif pos not in ("NOUN", "ADJF", "PRTF", "LATN") and not (pos is None or capitalized):
            break
        elif not fits(t.text):
            break
        elif head is not None and pp_case is None and not _case_ok(t.text, "gent") and not (
                capitalized or pos in ("LATN", None)):
            break         # a lower-case word in the head's case is not an apposition: 'РИА Новости управляющий'

        elif head is None and (pos in ("NOUN", "LATN", None) or capitalized and pos not in ("ADJF", "PRTF")):
            head = i
        if pp_case is not None and (pos in ("NOUN", "LATN", None) or capitalized and pos not in ("ADJF", "PRTF")):
            pp_case = None        # the object of the preposition is read; genitive dependents may follow
        first = i if first is None else first
        mention_only = None
        last = i
        words += 1
        i += 1
    if head is None or first is None or quote_open is not None:
        return None
    # a dangling preposition, conjunction or adjective is not part of the phrase
    while last > head and (toks[last].pos in ("PREP", "CONJ") or not ix.is_word(toks[last])
                           and toks[last].text not in _CLOSE_QUOTES):
        last -= 1
    if mention_only is not None and ix.mentions[mention_only].end < toks[last].end:
        mention_only = None
    return _NP(first=first, last=last, head=head, mention=mention_only)


def _sentence_initial(ix: DocIndex, i: int) -> bool:
    return i == 0 or ix.tokens[i - 1].sentence != ix.tokens[i].sentence


def _np_backward(ix: DocIndex, verb: int, lo_token: int) -> _NP | None:
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
        if not ix.is_word(t) and t.text not in _OPEN_QUOTES + _CLOSE_QUOTES:
            break
        if ix.is_word(t) and t.pos not in ("NOUN", "ADJF", "PRTF", "NUMR", "LATN", "PREP", "CONJ", None) \
                and not t.text[:1].isupper() and fold(t.text) not in attribution_table().determiners:
            break
        if ix.is_word(t) and t.pos not in ("PREP", "CONJ", "NUMR") and (j == lo_token or toks[j - 1].pos != "PREP"):
            np = _np_forward(ix, j, end + 1, "nomn")
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


# ---- normalization --------------------------------------------------------------------------------------

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


def normalize_source(ix: DocIndex, np: _NP, case: str | None) -> str:
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
            k = _mention_at(ix, t.start)
            if k is not None and i != np.first and ix.mentions[k].type == "PER":
                m = ix.mentions[k]
                j = i
                while j + 1 <= np.last and toks[j + 1].end <= m.end:
                    j += 1
                if case and case != "nomn" and _case_ok(t.text, case):
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
    if out[:1] in _OPEN_QUOTES and out[-1:] in _CLOSE_QUOTES:
        out = out[1:-1].strip()
    out = re.sub(r"\s+", " ", out)
    first_tok = toks[np.first]
    sent_start = ix.sentences[first_tok.sentence].start if ix.sentences else 0
    if first_tok.start == sent_start and np.mention is None and not _is_proper(first_tok.text):
        out = out[:1].lower() + out[1:]
    return fold(out, keep_case=True)


# ---- extraction -----------------------------------------------------------------------------------------

@dataclass
class _Found:
    start: int
    end: int
    cue: str
    source: str
    source_start: int
    source_end: int
    sentence: int
    kind: str | None
    entity: str | None = None


def _sentence_token_stop(ix: DocIndex, i: int) -> int:
    s = ix.tokens[i].sentence
    j = i
    while j < len(ix.tokens) and ix.tokens[j].sentence == s:
        j += 1
    return j


def _eligible(ix: DocIndex, np: _NP, source: str) -> bool:
    """Whether a noun phrase next to a verb is a source ('источник', 'агентство', 'Reuters') rather than a
    person speaking ('Путин', 'министр')."""
    table = attribution_table()
    toks = ix.tokens
    if np.mention is not None:
        m = ix.mentions[np.mention]
        if m.type == "PER":
            return False
        if m.type == "ORG":
            return True
    head = toks[np.head]
    persons = [m for m in ix.mentions if m.type == "PER" and m.start >= toks[np.first].start
               and m.end <= toks[np.last].end]
    if persons:
        return False        # 'глава МЧС Сергей Иванов заявил', 'журналист Иван Петров' is a person speaking
    if fold(head.lemma) in table.kind_nouns:
        return True
    k = _mention_at(ix, head.start)
    if k is not None and ix.mentions[k].type == "ORG":
        return True
    if fold(head.lemma) in table.kind_person_nouns or (k is not None and ix.mentions[k].type == "PER"):
        return False
    # a known name the NER missed: 'передает Интерфакс'
    return any(rx.match(ix.text, head.start) for _, rx in table.kind_names)


def _make(ix: DocIndex, cue_start: int, cue_end: int, np: _NP, case: str | None, eligible_only: bool = False):
    toks = ix.tokens
    source = normalize_source(ix, np, case)
    if not source or not re.search(r"\w", source):
        return None
    if eligible_only and not _eligible(ix, np, source):
        return None
    s_start, s_end = toks[np.first].start, toks[np.last].end
    head_lemma = fold(toks[np.head].lemma) if np.head is not None else None
    kind = classify_source(source, head_lemma)
    start, end = min(cue_start, s_start), max(cue_end, s_end)
    return _Found(start=start, end=end, cue=re.sub(r"\s+", " ", ix.text[cue_start:cue_end].lower()),
                  source=source, source_start=s_start, source_end=s_end,
                  sentence=toks[np.first].sentence, kind=kind,
                  entity=ix.mentions[np.mention].entity if np.mention is not None else None)


def _prefix_cues(ix: DocIndex, protected) -> list[_Found]:
    table = attribution_table()
    text, toks = ix.text, ix.tokens
    out = []
    for k, word in enumerate(ix.norms):
        if word not in table.prefix_first_words:
            continue
        m = table.prefix_re.match(text, toks[k].start)
        if m is None:
            continue
        spec = table.prefix[m.lastindex - 1]
        i = ix.token_at_or_after(m.end())
        if i >= len(toks):
            continue
        stop = _sentence_token_stop(ix, i)
        pron = re.search(r"(?i)(?<!\w)(его|её|ее)\s+\w+$", m.group(0))
        if pron:
            found = _pronoun_source(ix, m, pron, protected)
            if found:
                out.append(found)
            continue
        if spec.lang == "en":
            np = _np_english(ix, i, stop)
        else:
            np = _np_forward(ix, i, stop, spec.case)
        if np is not None and np.head is not None and fold(toks[np.head].lemma) in table.document_nouns:
            # 'говорится в сообщении пресс-службы': the source is whose document it is
            np = _np_forward(ix, np.head + 1, np.last + 1, "gent") if np.head < np.last else None
            spec = PrefixCue(case="gent", lang=spec.lang)
        if np is None:
            continue
        found = _make(ix, m.start(), m.end(), np, spec.case)
        if found:
            out.append(found)
    return out


def _pronoun_source(ix: DocIndex, m: re.Match, pron: re.Match, protected) -> _Found | None:
    """'по его словам', 'по ее данным': the source is the pronoun's antecedent."""
    p_start = m.start() + pron.start(1)
    p_end = m.start() + pron.end(1)
    ref = resolve_pronoun(ix, ix.lex.pronouns.get(fold(pron.group(1))), p_start, [], protected)
    if ref is None:
        return None
    ment = ix.mentions[ref]
    source = ment.normal or ment.text
    return _Found(start=m.start(), end=m.end(), cue=re.sub(r"\s+", " ", m.group(0).lower()), source=source,
                  source_start=p_start, source_end=p_end, sentence=ix.sentence_index(m.start()),
                  kind=classify_source(source), entity=ment.entity)


def _np_english(ix: DocIndex, i: int, stop: int) -> _NP | None:
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
    return _NP(first=first, last=last, head=head)


def _verb_cues(ix: DocIndex, protected) -> list[_Found]:
    """'передает ТАСС', 'сообщил источник' (verb, then source); 'Эксперты полагают', 'Reuters сообщает'
    (source, then verb); 'В Кремле заявили', 'заявили в Минобороны' (impersonal plural)."""
    table = attribution_table()
    toks = ix.tokens
    out = []
    sent_first = 0
    for i, t in enumerate(toks):
        if i == 0 or toks[i - 1].sentence != t.sentence:
            sent_first = i
        if not ix.is_word(t) or t.pos not in ("VERB", "PRTS") and t.pos != "LATN":
            continue
        if t.pos == "LATN":
            continue
        if _first_or_second_person(ix.norms[i]):
            continue            # 'пишете на Go', 'сообщаем'
        lemmas = verb_lemmas(fold(t.text))
        negated = i > 0 and fold(toks[i - 1].text) == "не"
        if negated:
            # 'в Минприроды не сообщили' cites no one; 'эксперты не исключают' is a belief
            lemmas = frozenset(lm for lm in lemmas if f"не {lm}" in table.belief_verbs)
            belief = bool(lemmas)
            report = speech = False
        else:
            report = bool(lemmas & table.report_verbs)
            belief = bool(lemmas & table.belief_verbs)
            speech = bool(lemmas & ix.lex.speech)
        if not (report or belief or speech):
            continue
        cue = ix.speech_cue(i)
        last = cue[2] if cue else i
        cue_start = toks[i - 1].start if negated else t.start
        stop = _sentence_token_stop(ix, i)
        reporting = _reporting_use(ix, last, stop)
        # impersonal plural: 'В Кремле заявили', 'изданию Hello подтвердили в пресс-службе'
        if ix.is_plural_verb(t) and reporting:
            found = _impersonal(ix, i, last, sent_first, stop)
            if found:
                out.append(found)
                continue
        # verb, then source
        if report and t.pos == "VERB" and last + 1 < stop:
            np = _np_after_verb(ix, last, stop)
            if np is not None:
                found = _make(ix, t.start, toks[last].end, np, "nomn", eligible_only=True)
                if found:
                    out.append(found)
                    continue
        # source, then verb
        if (report or belief) and reporting:
            lo = _clause_start(ix, i, sent_first)
            np = _np_backward(ix, i - 1 if negated else i, lo)
            if np is not None:
                found = _make(ix, cue_start, toks[last].end, np, "nomn", eligible_only=True)
                if found:
                    out.append(found)
    return out


@functools.lru_cache(maxsize=20_000)
def _first_or_second_person(word: str) -> bool:
    parses = [p for p in morph.parses(word) if p.tag.POS == "VERB"]
    return bool(parses) and all(p.tag.person in ("1per", "2per") for p in parses)


def _np_after_verb(ix: DocIndex, last: int, stop: int) -> _NP | None:
    """The nominative subject after a report verb, past an addressee and an adverbial:
    'сообщила в пятницу пресс-служба вуза', 'рассказал «Медузе» источник'."""
    toks = ix.tokens
    if last + 1 >= stop:
        return None
    after_name = _skip_named_addressee(ix, last + 1, stop)
    if after_name > last + 1 and toks[after_name].pos not in ("PREP", "CONJ"):
        # 'сообщил РИА Новости Рогов': the agency the NER missed was told; the speaker follows
        return _np_forward(ix, after_name, stop, "nomn")
    np = _np_forward(ix, last + 1, stop, "nomn")
    if np is not None:
        after = [ix.norms[k] for k in range(np.last + 1, min(np.last + 3, stop))]
        if after[:1] == ["что"] or after[:2] == [",", "что"]:
            return None      # 'рассказали РИА Новости, что …': the phrase was told, it does not tell
        if np.last + 1 < stop:
            # 'сказал ТАСС источник': the first phrase was the addressee
            second = _np_forward(ix, np.last + 1, stop, "nomn")
            if second is not None and "datv" in morph.cases_of(fold(toks[np.head].text)) | (
                    {"datv"} if toks[np.head].text.isupper() else set()):
                return second
        return np
    j = skip_addressee(ix, last + 1)
    for _ in range(2):
        if j >= stop:
            return None
        np = _np_forward(ix, j, stop, "nomn")
        if np is not None:
            return np
        if toks[j].pos != "PREP":
            return None
        # an adverbial such as 'в пятницу', 'во время брифинга': skip to the next nominative noun
        k = j + 1
        while k < stop and k <= j + 3 and ix.is_word(toks[k]) and toks[k].pos in ("NOUN", "ADJF", "NUMR") \
                and "nomn" not in morph.cases_of(fold(toks[k].text)):
            k += 1
        if k == j + 1:
            return None
        j = skip_addressee(ix, k)
    return None


def _skip_named_addressee(ix: DocIndex, j: int, stop: int) -> int:
    """Index after an agency or medium named right after a verb when more of the sentence follows it
    (so it was told, not telling: 'сообщили ТАСС в пресс-службе', 'сказал РИА Новости источник'); j when
    there is none. The NER often misses such names, which skip_addressee needs."""
    toks = ix.tokens
    if j >= stop or not ix.is_word(toks[j]):
        return j
    table = attribution_table()
    for kind, rx in table.kind_names:
        if kind not in ("agency", "media"):
            continue
        m = rx.match(ix.text, toks[j].start)
        if m is None:
            continue
        k = j
        while k < stop and toks[k].end <= m.end():
            k += 1
        if k > j and toks[k - 1].end == m.end() and k < stop and ix.is_word(toks[k]):
            return k
    return j


def _reporting_use(ix: DocIndex, last: int, stop: int) -> bool:
    """Whether the verb ending at token `last` reports speech rather than taking a direct object:
    'Эксперты полагают, что', 'сообщили журналистам в ведомстве', 'заявили о' — not 'передал
    полномочия'."""
    toks = ix.tokens
    j = skip_addressee(ix, last + 1)
    if j >= stop:
        return True
    t = toks[j]
    w = fold(t.text)
    return (not ix.is_word(t) or w in ix.lex.complementizers or w in ("о", "об", "обо")
            or t.pos == "PREP" or t.pos == "ADVB" or t.text[:1].isupper() or t.pos == "LATN")


def _clause_start(ix: DocIndex, i: int, sent_first: int) -> int:
    """First token of the clause holding token i: after the last comma, dash or colon (participle
    clauses between commas are skipped by the caller)."""
    toks = ix.tokens
    j = i - 1
    while j >= sent_first:
        if toks[j].text in (";", ":", "—", "–") or toks[j].text in _CLOSE_QUOTES and toks[j].text != "\"":
            return j + 1
        j -= 1
    return sent_first


def _has_subject(ix: DocIndex, lo: int, hi: int, skip: range | None = None) -> bool:
    toks = ix.tokens
    for k in range(lo, hi):
        if skip and k in skip:
            continue
        t = toks[k]
        if t.pos in ("NOUN", "NPRO") and (k == lo or toks[k - 1].pos != "PREP"):
            best = morph.parses(fold(t.text))[0]
            if best.tag.case == "nomn" and not (k > lo and toks[k - 1].pos == "NOUN"):
                return True
    return False


def _impersonal(ix: DocIndex, i: int, last: int, sent_first: int, stop: int) -> _Found | None:
    """'В Кремле выразили надежду', 'заявили в Минобороны', 'в Пентагоне полагают'."""
    table = attribution_table()
    toks = ix.tokens
    lo = sent_first
    for k in range(i - 1, sent_first - 1, -1):
        if toks[k].text == ",":
            lo = k + 1
            break
    # before the verb: 'В Кремле (также) заявили'
    j = i - 1
    while j >= lo and (toks[j].pos in ("ADVB", "PRCL") or fold(toks[j].text) in ("также", "не")):
        j -= 1
    prep = None
    for k in range(j, lo - 1, -1):
        if toks[k].pos == "PREP":
            if fold(toks[k].text) in table.impersonal_prepositions:
                prep = k
            break
        if not ix.is_word(toks[k]) and toks[k].text not in _OPEN_QUOTES + _CLOSE_QUOTES:
            break
    if prep is not None:
        np = _np_forward(ix, prep + 1, j + 1, "loct")
        if np is not None and np.last < j and _addressee_span(ix, np.last + 1, j):
            j = np.last         # 'В пресс-службе компании ТАСС сообщили': ТАСС was told
        if np is not None and np.last == j and _place_like(ix, np) \
                and not _has_subject(ix, lo, i, skip=range(prep, i)):
            return _impersonal_found(ix, toks[prep].start, toks[last].end, np, i)
    # after the verb: 'заявили в Минобороны'
    k = skip_addressee(ix, last + 1)
    if k == last + 1:
        k = _skip_named_addressee(ix, k, stop)      # 'сообщили РИА Новости в краевом минздраве'
    if k + 1 < stop and toks[k].pos == "PREP" and fold(toks[k].text) in table.impersonal_prepositions:
        np = _np_forward(ix, k + 1, stop, "loct")
        if np is not None and _place_like(ix, np) and not _has_subject(ix, lo, i):
            return _impersonal_found(ix, toks[i].start, toks[np.last].end, np, i)
    return None


def _addressee_span(ix: DocIndex, first: int, last: int) -> bool:
    """Whether tokens first..last are one dative addressee ('ТАСС', 'журналистам', 'РИА Новости')."""
    return skip_addressee(ix, first) == last + 1 or (
        _mention_at(ix, ix.tokens[first].start) is not None
        and ix.mentions[_mention_at(ix, ix.tokens[first].start)].end == ix.tokens[last].end
        and (ix.tokens[first].text.isupper() or "datv" in morph.cases_of(fold(ix.tokens[first].text))))


def institution_after_preposition(ix: DocIndex, prep: int, stop: int) -> tuple[int, int] | None:
    """Token range (first, last) of 'Кремле', 'военном ведомстве', 'пресс-службе компании' after the
    preposition at token `prep` when it names a place that can speak, else None."""
    if prep + 1 >= stop:
        return None
    np = _np_forward(ix, prep + 1, stop, "loct")
    if np is None or not _place_like(ix, np):
        return None
    return np.first, np.last


def _place_like(ix: DocIndex, np: _NP) -> bool:
    """'Кремле', 'Минобороны', 'правительстве', 'окружении президента' — not 'среду', 'итоге'."""
    table = attribution_table()
    head = ix.tokens[np.head]
    k = _mention_at(ix, ix.tokens[np.first].start)
    if k is not None and ix.mentions[k].type in ("ORG", "LOC"):
        return True
    lemma = fold(head.lemma)
    return (lemma in table.kind_nouns and table.kind_nouns[lemma] in ("official", "media", "social",
                                                                       "intelligence", "agency")) \
        or lemma in table.institutions \
        or (head.text[:1].isupper() and head.start != ix.sentences[head.sentence].start)


def _impersonal_found(ix: DocIndex, start: int, end: int, np: _NP, verb: int) -> _Found | None:
    table = attribution_table()
    toks = ix.tokens
    case = "loct"
    source = normalize_source(ix, np, case if _case_ok(toks[np.head].text, "loct") else None)
    head_lemma = fold(toks[np.head].lemma)
    kind = classify_source(source, head_lemma)
    entity = None
    if np.mention is not None:
        m = ix.mentions[np.mention]
        entity = m.entity
        if kind is None and m.type == "LOC":
            kind = table.place_kind
    cue_tok = ix.speech_cue(verb)
    cue_end = toks[cue_tok[2]].end if cue_tok else toks[verb].end
    cue = re.sub(r"\s+", " ", ix.text[toks[verb].start:cue_end].lower())
    return _Found(start=start, end=max(end, cue_end), cue=cue, source=source,
                  source_start=toks[np.first].start, source_end=toks[np.last].end,
                  sentence=toks[verb].sentence, kind=kind, entity=entity)


_EN_REPORT = re.compile(r"(?<![\w-])([A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,4})\s+(reported|reports|said|says|wrote|"
                        r"writes|told|confirmed|announced)(?!\w)")


def _english_subject_cues(ix: DocIndex) -> list[_Found]:
    """'Reuters reported', 'The Kremlin said' — only sources of a known kind."""
    out = []
    for m in _EN_REPORT.finditer(ix.text):
        name = re.sub(r"^The\s+", "", m.group(1))
        kind = classify_source(name)
        if kind is None:
            continue
        s = m.start(1) + (len(m.group(1)) - len(name))
        out.append(_Found(start=m.start(1), end=m.end(2), cue=m.group(2).lower(), source=name,
                          source_start=s, source_end=m.end(1), sentence=ix.sentence_index(m.start()),
                          kind=kind))
    return out


def extract_attributions(doc: AnalyzedArticle) -> list[Attribution]:
    """Every attributing phrase of an article, in text order."""
    if not doc.text or not doc.tokens:
        return []
    ix = doc_index(doc)
    protected = [(a, b + 1) for a, b in find_quote_spans(doc.text)]
    found = _prefix_cues(ix, protected) + _verb_cues(ix, protected) + _english_subject_cues(ix)
    found.sort(key=lambda f: (f.source_start, -(f.end - f.start)))
    kept: list[_Found] = []
    for f in found:
        if any(f.source_start < k.source_end and k.source_start < f.source_end for k in kept):
            continue
        kept.append(f)
    kept.sort(key=lambda f: f.start)
    text = doc.text
    return [Attribution(start=f.start, end=f.end, text=text[f.start:f.end], source=f.source, cue=f.cue,
                        sentence=f.sentence, source_start=f.source_start, source_end=f.source_end,
                        kind=f.kind, entity=f.entity)
            for f in kept]
