"""Attribution: the phrases by which an article says whom it relies on.

    По данным южнокорейской разведки, …     cue + source ('южнокорейская разведка', normalized to nominative)
    …, передает ТАСС.                        report verb + source
    Эксперты полагают, что …                 source + verb of belief or report
    В Кремле выразили надежду, что …         impersonal plural verb + 'в X' (source 'Кремль')
    …, сообщает Bloomberg со ссылкой на источники.      two attributions

Quotes of named people ('сказал Путин') are quotes, not attributions; they become attributions only when a
sourcing phrase frames them ('по словам Путина'). Each attribution gets a source kind (agency,
intelligence, anonymous, official, media, social) from the hints in data/attribution_ru.yaml, or None.

Modules: sources.py (the attribution table and source kinds), nounphrase.py (reading and normalizing the
source phrase); this one finds the cues and puts the attributions together.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parallax.model import AnalyzedArticle, Attribution
from parallax.nlp import attribution_en, morph
from parallax.nlp.docindex import DocIndex, doc_index
from parallax.nlp.ner_uk import lemma_and_pos as ukrainian_lemma
from parallax.nlp.ner_uk import normalize_mention as normalize_uk_phrase
from parallax.nlp.nounphrase import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    NounPhrase,
    case_ok,
    mention_at,
    normalize_source,
    np_backward,
    np_english,
    np_forward,
    place_like,
)
from parallax.nlp.sources import (
    AttributionTable,
    PrefixCue,
    attribution_table,
    canonical_source,
    classify_source,
)
from parallax.nlp.spans import SpanIndex, find_quote_spans
from parallax.nlp.speakers import resolve_pronoun, skip_addressee
from parallax.nlp.speech import rules_for, rules_language, verb_lemmas
from parallax.resources import load_yaml
from parallax.text import fold

# The public API of attribution extraction: the table and the source kinds come from sources.py.
__all__ = ["attribution_table", "classify_source", "extract_attributions"]


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


# ---- per-language tables ---------------------------------------------------------------------------

def _table() -> AttributionTable:
    """The attribution table of the language whose rules apply (speech.rules_for)."""
    return ukrainian_attribution_table() if rules_language() == "uk" else attribution_table()


_UK_ADJ_SLOT = r"(?:[а-яіїєґ'’]+(?:ими|іми|их|іх|ою|ій|ому|ого|ої|им|ий|ій|у|і)\s+)?"


def _uk_cue_regex(cue: str) -> str:
    body = r"\s+".join(_UK_ADJ_SLOT[:-3] + ")?" if w == "{adj}" else re.escape(w) for w in cue.split())
    # an empty adjective slot leaves two separators in a row: 'за  даними' must match 'за даними'
    body = body.replace(r"\s+" + _UK_ADJ_SLOT[:-3] + r")?\s+", r"\s+" + _UK_ADJ_SLOT)
    return r"(?<!\w)" + body + r"(?!\w)"


def _uk_names(names: list[str]) -> re.Pattern | None:
    long_names = sorted((n for n in names if len(n) > 2), key=len, reverse=True)
    alts = (["(?i:" + "|".join(re.escape(n) for n in long_names) + ")"] if long_names else []) + [
        re.escape(n) for n in names if len(n) <= 2]
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])") if alts else None


@functools.lru_cache(maxsize=1)
def ukrainian_attribution_table() -> AttributionTable:
    """data/attribution_uk.yaml read into the table the Russian rules use (sources.attribution_table)."""
    data = load_yaml("nlp/data/attribution_uk.yaml")
    entries = sorted(data["prefix"], key=lambda e: len(e["cue"]), reverse=True)
    kinds = data["kinds"]
    kind_names = [(kind, rx) for kind, spec in kinds.items() if (rx := _uk_names(spec.get("names", [])))]
    return AttributionTable(
        prefix_re=re.compile("|".join(f"({_uk_cue_regex(e['cue'])})" for e in entries), re.IGNORECASE),
        prefix=tuple(PrefixCue(case=e.get("case"), lang=e.get("lang", "uk")) for e in entries),
        prefix_first_words=frozenset(fold(e["cue"].split()[0]) for e in entries),
        report_verbs=frozenset(data["report_verbs"]), belief_verbs=frozenset(data["belief_verbs"]),
        impersonal_prepositions=frozenset(data["impersonal_prepositions"]),
        determiners=frozenset(data["determiners"]), document_nouns=frozenset(data["document_nouns"]),
        institutions=frozenset(data["institutions"]),
        kind_nouns={n: kind for kind, spec in reversed(kinds.items()) for n in spec.get("nouns", [])},
        kind_person_nouns={n: kind for kind, spec in reversed(kinds.items()) for n in spec.get("person_nouns", [])},
        kind_names=tuple(kind_names), place_kind=data.get("place_kind"))


_UK_NP_MAX_WORDS = 6
_UK_NP_POS = frozenset({"NOUN", "ADJF", "PRTF", "NUMR", "LATN", "PREP", "UNKN", None})


def _uk_np_forward(ix: DocIndex, i: int, stop: int) -> NounPhrase | None:
    """The source phrase after a Ukrainian cue ('за даними [Генштабу ЗСУ]', 'з посиланням на [джерела в
    Офісі президента]'): a mention starting there, else the nouns, adjectives and prepositions up to the
    next punctuation, verb or complementizer (np_forward checks cases with the Russian dictionaries)."""
    toks = ix.tokens
    k = mention_at(ix, toks[i].start) if i < stop else None
    if k is not None:
        last = i
        while last + 1 < stop and toks[last + 1].end <= ix.mentions[k].end:
            last += 1
        return NounPhrase(first=i, last=last, head=i, mention=k)
    last, head = None, None
    for j in range(i, min(stop, i + _UK_NP_MAX_WORDS)):
        t = toks[j]
        if t.text in "'’ʼ" and j + 1 < stop and last == j - 1:
            continue        # the tokenizer splits "Об'єднаних" at the apostrophe
        if not ix.is_word(t) or t.pos not in _UK_NP_POS or ix.norms[j] in ix.lex.complementizers:
            break
        if head is None and t.pos in ("NOUN", "LATN", "UNKN", None):
            head = j
        last = j
    while last is not None and last > i and toks[last].pos == "PREP":
        last -= 1
    return NounPhrase(first=i, last=last, head=head) if head is not None and last is not None else None


def _uk_source(ix: DocIndex, np: NounPhrase) -> str:
    """A Ukrainian source phrase in the nominative: the mention's normal form, else ner_uk's."""
    if np.mention is not None:
        m = ix.mentions[np.mention]
        return m.canonical or m.normal or m.text
    return normalize_uk_phrase(ix.text[ix.tokens[np.first].start:ix.tokens[np.last].end], "ORG")


def _classify(source: str, head_lemma: str | None = None) -> str | None:
    """sources.classify_source with the table of the rules' language: the head noun's kind, then a
    listed name, then any listed noun."""
    if rules_language() != "uk":
        return classify_source(source, head_lemma)
    table = ukrainian_attribution_table()
    lemmas = [(ukrainian_lemma(w) or (w.lower(), ""))[0] for w in re.findall(r"[\w'’-]+", source)]
    for lm in ([fold(head_lemma)] if head_lemma else []):
        if lm in table.kind_nouns or lm in table.kind_person_nouns:
            return table.kind_nouns.get(lm) or table.kind_person_nouns[lm]
    hits = [(m.start(), kind) for kind, rx in table.kind_names if (m := rx.search(source))]
    if hits:
        return min(hits)[1]
    return next((table.kind_nouns.get(lm) or table.kind_person_nouns.get(lm) for lm in lemmas
                 if lm in table.kind_nouns or lm in table.kind_person_nouns), None)


def _sentence_token_stop(ix: DocIndex, i: int) -> int:
    s = ix.tokens[i].sentence
    j = i
    while j < len(ix.tokens) and ix.tokens[j].sentence == s:
        j += 1
    return j


def _eligible(ix: DocIndex, np: NounPhrase, source: str) -> bool:
    """Whether a noun phrase next to a verb is a source ('источник', 'агентство', 'Reuters') rather than a
    person speaking ('Путин', 'министр')."""
    table = _table()
    toks = ix.tokens
    if np.mention is not None:
        m = ix.mentions[np.mention]
        if m.type == "PER":
            return False
        if m.type == "ORG":
            return True
    head = toks[np.head]
    if ix.has_person_within(toks[np.first].start, toks[np.last].end):
        return False        # 'глава МЧС Сергей Иванов заявил', 'журналист Иван Петров' is a person speaking
    if fold(head.lemma) in table.kind_nouns:
        return True
    k = mention_at(ix, head.start)
    if k is not None and ix.mentions[k].type == "ORG":
        return True
    if fold(head.lemma) in table.kind_person_nouns or (k is not None and ix.mentions[k].type == "PER"):
        return False
    # a known name the NER missed: 'передает Интерфакс'
    return any(rx.match(ix.text, head.start) for _, rx in table.kind_names)


def _make(ix: DocIndex, cue_start: int, cue_end: int, np: NounPhrase, case: str | None, eligible_only: bool = False):
    toks = ix.tokens
    source = _uk_source(ix, np) if rules_language() == "uk" else normalize_source(ix, np, case)
    if not source or not re.search(r"\w", source):
        return None
    if eligible_only and not _eligible(ix, np, source):
        return None
    s_start, s_end = toks[np.first].start, toks[np.last].end
    head_lemma = fold(toks[np.head].lemma) if np.head is not None else None
    kind = _classify(source, head_lemma)
    start, end = min(cue_start, s_start), max(cue_end, s_end)
    return _Found(start=start, end=end, cue=re.sub(r"\s+", " ", ix.text[cue_start:cue_end].lower()),
                  source=source, source_start=s_start, source_end=s_end,
                  sentence=toks[np.first].sentence, kind=kind,
                  entity=ix.mentions[np.mention].entity if np.mention is not None else None)


def _prefix_cues(ix: DocIndex, protected) -> list[_Found]:
    table = _table()
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
        pron = re.search(r"(?i)(?<!\w)(его|её|ее|його|її)\s+\w+$", m.group(0))
        if pron:
            found = _pronoun_source(ix, m, pron, protected)
            if found:
                out.append(found)
            continue
        if spec.lang == "en":
            np = np_english(ix, i, stop)
        elif spec.lang == "uk":
            np = _uk_np_forward(ix, i, stop)
        else:
            np = np_forward(ix, i, stop, spec.case)
        if np is not None and np.head is not None and fold(toks[np.head].lemma) in table.document_nouns:
            # 'говорится в сообщении пресс-службы': the source is whose document it is
            np = ((_uk_np_forward(ix, np.head + 1, np.last + 1) if spec.lang == "uk"
                   else np_forward(ix, np.head + 1, np.last + 1, "gent")) if np.head < np.last else None)
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
                  kind=_classify(source), entity=ment.entity)


def _verb_cues(ix: DocIndex, protected) -> list[_Found]:
    """'передает ТАСС', 'сообщил источник' (verb, then source); 'Эксперты полагают', 'Reuters сообщает'
    (source, then verb); 'В Кремле заявили', 'заявили в Минобороны' (impersonal plural)."""
    table = _table()
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
            if np is not None and _agrees(ix, t, np):
                found = _make(ix, t.start, toks[last].end, np, "nomn", eligible_only=True)
                if found:
                    out.append(found)
                    continue
        # source, then verb
        if (report or belief) and reporting:
            lo = _clause_start(ix, i, sent_first)
            np = np_backward(ix, i - 1 if negated else i, lo)
            if np is not None:
                found = _make(ix, cue_start, toks[last].end, np, "nomn", eligible_only=True)
                if found:
                    out.append(found)
    return out


@functools.lru_cache(maxsize=20_000)
def _first_or_second_person(word: str) -> bool:
    parses = [p for p in morph.parses(word) if p.tag.POS == "VERB"]
    return bool(parses) and all(p.tag.person in ("1per", "2per") for p in parses)


def _np_after_verb(ix: DocIndex, last: int, stop: int) -> NounPhrase | None:
    """The nominative subject after a report verb, past an addressee and an adverbial:
    'сообщила в пятницу пресс-служба вуза', 'рассказал «Медузе» источник'."""
    toks = ix.tokens
    if last + 1 >= stop:
        return None
    after_name = _skip_named_addressee(ix, last + 1, stop)
    if after_name > last + 1 and toks[after_name].pos not in ("PREP", "CONJ"):
        # 'сообщил РИА Новости Рогов': the agency the NER missed was told; the speaker follows
        return np_forward(ix, after_name, stop, "nomn")
    np = np_forward(ix, last + 1, stop, "nomn")
    if np is not None:
        after = [ix.norms[k] for k in range(np.last + 1, min(np.last + 3, stop))]
        if after[:1] == ["что"] or after[:2] == [",", "что"]:
            return None      # 'рассказали РИА Новости, что …': the phrase was told, it does not tell
        if np.last + 1 < stop:
            # 'сказал ТАСС источник': the first phrase was the addressee
            second = np_forward(ix, np.last + 1, stop, "nomn")
            if second is not None and "datv" in morph.cases_of(fold(toks[np.head].text)) | (
                    {"datv"} if toks[np.head].text.isupper() else set()):
                return second
        return np
    j = skip_addressee(ix, last + 1)
    for _ in range(2):
        if j >= stop:
            return None
        np = np_forward(ix, j, stop, "nomn")
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


def _agrees(ix: DocIndex, verb, np: NounPhrase) -> bool:
    """Whether a common noun after the verb can be its subject by number: in 'заявил об угрозе паралича
    власти' the singular verb cannot have 'власти' (a plural nominative) as its subject."""
    if np.mention is not None or np.head is None or not ix.tokens[np.head].text.islower():
        return True
    verb_numbers = {p.tag.number for p in morph.parses(fold(verb.text)) if p.tag.POS == "VERB" and p.tag.number}
    noun_numbers = {p.tag.number for p in morph.parses(fold(ix.tokens[np.head].text))
                    if morph.is_dictionary_parse(p) and p.tag.case == "nomn" and p.tag.number}
    return not verb_numbers or not noun_numbers or bool(verb_numbers & noun_numbers)


def _skip_named_addressee(ix: DocIndex, j: int, stop: int) -> int:
    """Index after an agency or medium named right after a verb when more of the sentence follows it
    (so it was told, not telling: 'сообщили ТАСС в пресс-службе', 'сказал РИА Новости источник'); j when
    there is none. The NER often misses such names, which skip_addressee needs."""
    toks = ix.tokens
    if j >= stop or not ix.is_word(toks[j]):
        return j
    table = _table()
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
        if toks[j].text in (";", ":", "—", "–") or toks[j].text in CLOSE_QUOTES and toks[j].text != "\"":
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
    table = _table()
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
        if not ix.is_word(toks[k]) and toks[k].text not in OPEN_QUOTES + CLOSE_QUOTES:
            break
    if prep is not None:
        np = np_forward(ix, prep + 1, j + 1, "loct")
        if np is not None and np.last < j and _addressee_span(ix, np.last + 1, j):
            j = np.last         # 'В пресс-службе компании ТАСС сообщили': ТАСС was told
        if np is not None and np.last == j and place_like(ix, np) \
                and not _has_subject(ix, lo, i, skip=range(prep, i)):
            return _impersonal_found(ix, toks[prep].start, toks[last].end, np, i)
    # after the verb: 'заявили в Минобороны'
    k = skip_addressee(ix, last + 1)
    if k == last + 1:
        k = _skip_named_addressee(ix, k, stop)      # 'сообщили РИА Новости в краевом минздраве'
    if k + 1 < stop and toks[k].pos == "PREP" and fold(toks[k].text) in table.impersonal_prepositions:
        np = np_forward(ix, k + 1, stop, "loct")
        if np is not None and place_like(ix, np) and not _has_subject(ix, lo, i):
            return _impersonal_found(ix, toks[i].start, toks[np.last].end, np, i)
    return None


def _addressee_span(ix: DocIndex, first: int, last: int) -> bool:
    """Whether tokens first..last are one dative addressee ('ТАСС', 'журналистам', 'РИА Новости')."""
    return skip_addressee(ix, first) == last + 1 or (
        mention_at(ix, ix.tokens[first].start) is not None
        and ix.mentions[mention_at(ix, ix.tokens[first].start)].end == ix.tokens[last].end
        and (ix.tokens[first].text.isupper() or "datv" in morph.cases_of(fold(ix.tokens[first].text))))


def _impersonal_found(ix: DocIndex, start: int, end: int, np: NounPhrase, verb: int) -> _Found | None:
    table = _table()
    toks = ix.tokens
    case = "loct"
    source = normalize_source(ix, np, case if case_ok(toks[np.head].text, "loct") else None)
    head_lemma = fold(toks[np.head].lemma)
    kind = _classify(source, head_lemma)
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
    """Every attributing phrase of an article, in text order, with the cues of the article's language
    (Ukrainian: data/attribution_uk.yaml; English: attribution_en.py with data/attribution_en.yaml;
    otherwise data/attribution_ru.yaml, whose English cues are marked `lang: en`)."""
    if not doc.text or not doc.tokens:
        return []
    if doc.language == "en":
        return attribution_en.extract_attributions(doc)     # English cues: data/attribution_en.yaml
    with rules_for(doc.language):
        return _extract_attributions(doc)


def _extract_attributions(doc: AnalyzedArticle) -> list[Attribution]:
    ix = doc_index(doc)
    protected = SpanIndex((a, b + 1) for a, b in find_quote_spans(doc.text))
    ix.forget_person_spans()        # mentions may have changed since the index was built
    found = _prefix_cues(ix, protected) + _verb_cues(ix, protected) + _english_subject_cues(ix)
    found.sort(key=lambda f: (f.source_start, -(f.end - f.start)))
    kept: list[_Found] = []
    for f in found:
        if any(f.source_start < k.source_end and k.source_start < f.source_end for k in kept):
            continue
        kept.append(f)
    kept.sort(key=lambda f: f.start)
    text = doc.text
    return [Attribution(start=f.start, end=f.end, text=text[f.start:f.end], source=canonical_source(f.source),
                        cue=f.cue,
                        sentence=f.sentence, source_start=f.source_start, source_end=f.source_end,
                        kind=f.kind, entity=f.entity)
            for f in kept]
