"""English attributions, and the English common-noun speaker of a quote.

English word order puts the source before the verb ('Reuters reported', 'officials said', '…, a ministry
spokesman said'), after a prefix cue ('according to the Kremlin', 'citing sources') or after 'told' when it
is the agency or medium a speaker talked to ('Peskov told Reuters'). The cues, verbs and source kinds are
data: `data/attribution_en.yaml`. attribution.extract_attributions sends English articles here.

    extract_attributions(doc) -> [Attribution]
    classify(source) -> 'agency' | 'intelligence' | 'anonymous' | 'official' | 'media' | 'social' | None
    noun_subject(text, verb_start, lo) -> (start, end) of 'a Pentagon spokesman' before 'told', or None
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parallax.model import AnalyzedArticle, Attribution
from parallax.nlp.sources import canonical_source
from parallax.nlp.spans import SpanIndex, find_quote_spans
from parallax.resources import ResourceError, load_yaml_mapping

TABLE_FILE = "nlp/data/attribution_en.yaml"
KINDS = ("agency", "intelligence", "anonymous", "official", "media", "social")


@dataclass(frozen=True)
class EnglishTable:
    prefix_re: re.Pattern
    report_re: re.Pattern
    addressee_verbs: frozenset[str]
    stop_words: frozenset[str]
    max_words: int
    determiners: frozenset[str]
    kind_names: tuple[tuple[str, re.Pattern], ...]
    kind_nouns: dict[str, str]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def _names_re(names: list[str]) -> re.Pattern:
    long_names = [n for n in names if len(n) > 2]
    short = [n for n in names if len(n) <= 2]
    alts = (["(?i:" + _alternation(long_names) + ")"] if long_names else []) + [re.escape(n) for n in short]
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])")


@functools.lru_cache(maxsize=1)
def english_table() -> EnglishTable:
    data = load_yaml_mapping(TABLE_FILE)
    for key in ("prefix", "report_verbs", "addressee_verbs", "stop_words", "determiners", "kinds"):
        if not data.get(key):
            raise ResourceError(f"{TABLE_FILE}: missing or empty `{key}`")
    unknown = set(data["kinds"]) - set(KINDS)
    if unknown:
        raise ResourceError(f"{TABLE_FILE}: unknown kinds {sorted(unknown)} (known: {', '.join(KINDS)})")
    return EnglishTable(
        prefix_re=re.compile(r"(?i)(?<!\w)(?:" + _alternation(data["prefix"]) + r")(?!\w)"),
        report_re=re.compile(r"(?<![\w-])(?:" + _alternation(data["report_verbs"]) + r")(?![\w-])"),
        addressee_verbs=frozenset(w.lower() for w in data["addressee_verbs"]),
        stop_words=frozenset(w.lower() for w in data["stop_words"]),
        max_words=int(data.get("max_words", 8)),
        determiners=frozenset(w.lower() for w in data["determiners"]),
        kind_names=tuple((kind, _names_re(spec["names"])) for kind, spec in data["kinds"].items()
                         if spec.get("names")),
        kind_nouns={n.lower(): kind for kind, spec in data["kinds"].items() for n in spec.get("nouns", [])},
    )


def classify(source: str) -> str | None:
    """The kind of a source: the first listed name in it decides, else its first listed noun."""
    table = english_table()
    hits = [(m.start(), kind) for kind, rx in table.kind_names if (m := rx.search(source))]
    if hits:
        return min(hits)[1]
    for word in re.findall(r"[\w-]+", source):
        kind = table.kind_nouns.get(word.lower())
        if kind:
            return kind
    return None


# ---- noun phrases -----------------------------------------------------------------------------------

_WORD = re.compile(r"[\w][\w.&'’-]*")
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]\"“”«»—–!?]|\.\s|\n")


def _strip_determiners(text: str, start: int, end: int) -> tuple[int, int]:
    table = english_table()
    while True:
        m = _WORD.match(text, start)
        if m is None or m.end() >= end or m.group().lower() not in table.determiners:
            return start, end
        start = m.end()
        while start < end and text[start].isspace():
            start += 1


def phrase_after(text: str, start: int, limit: int) -> tuple[int, int] | None:
    """The source noun phrase starting at `start`: words up to a clause break, a stop word or max_words."""
    table = english_table()
    while start < limit and text[start] in " \t\u00a0":
        start += 1
    end, words = start, 0
    pos = start
    while pos < limit and words < table.max_words:
        brk = _CLAUSE_BREAK.search(text, pos, limit)
        m = _WORD.search(text, pos, limit)
        if m is None or (brk and brk.start() < m.start()):
            break
        if words and m.group().lower() in table.stop_words:
            break
        end = m.end()
        words += 1
        pos = m.end()
    if end == start:
        return None
    while end > start and text[end - 1] in ".’'" and not re.search(r"\b\w\.\w\.$", text[start:end]):
        end -= 1
    start, end = _strip_determiners(text, start, end)
    return (start, end) if end > start else None


def noun_subject(text: str, verb_start: int, lo: int) -> tuple[int, int] | None:
    """The subject right before an English verb, back to the clause start at or after `lo`: 'a Pentagon
    spokesman' (told AFP), 'officials' (said), 'Three people familiar with the matter' (told Bloomberg)."""
    table = english_table()
    head = text[lo:verb_start]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(head)), default=0)
    words = list(_WORD.finditer(head, cut))
    if not words or len(words) > table.max_words or not head[words[-1].end():].isspace() and head[words[-1].end():]:
        return None
    if any(w.group().lower() in table.stop_words - table.determiners for w in words):
        return None
    start, end = _strip_determiners(text, lo + words[0].start(), lo + words[-1].end())
    return (start, end) if end > start else None


# ---- attributions -----------------------------------------------------------------------------------

def _mention_at(doc: AnalyzedArticle, start: int, end: int):
    for m in doc.mentions:
        if m.start <= start and end <= m.end or start <= m.start and m.end <= end and m.type != "PER":
            return m
    return None


def _found(doc, start, end, cue, s, e) -> Attribution | None:
    source = re.sub(r"\s+", " ", doc.text[s:e]).strip()
    if any(m.type == "PER" and s <= m.start and m.end <= e for m in doc.mentions):
        return None      # 'Ukraine's foreign minister Dmytro Kuleba told': a person speaking is a quote
    kind = classify(source)
    m = _mention_at(doc, s, e)
    if kind is None:
        if m is None or m.end != e:
            return None  # a phrase of no known kind that does not end with a name is not a source
        kind = "official" if m.type == "LOC" else None   # 'Ukraine said': its authorities
    sentence = next((x.index for x in doc.sentences if x.start <= start < x.end), 0)
    return Attribution(start=start, end=end, text=doc.text[start:end], source=canonical_source(source), cue=cue,
                       sentence=sentence, source_start=s, source_end=e, kind=kind,
                       entity=m.entity if m is not None else None)


def _line_end(text: str, pos: int) -> int:
    k = text.find("\n", pos)
    return len(text) if k < 0 else k


def _addressee(text: str, pos: int) -> tuple[int, int] | None:
    """The agency or medium named right after 'told' ('told Reuters', 'told the New York Times')."""
    after = phrase_after(text, pos, _line_end(text, pos))
    if after is None:
        return None
    for kind, rx in english_table().kind_names:
        m = rx.match(text, after[0])
        if m and kind in ("agency", "media"):
            return m.start(), m.end()
    return None


def extract_attributions(doc: AnalyzedArticle) -> list[Attribution]:
    """Every English attributing phrase of an article outside quotation marks, in text order; one per
    source span."""
    text = doc.text
    if not text:
        return []
    table = english_table()
    quoted = SpanIndex((a, b + 1) for a, b in find_quote_spans(text))
    found: list[Attribution] = []
    for m in table.prefix_re.finditer(text):
        if quoted.inside(m.start()):
            continue
        span = phrase_after(text, m.end(), _line_end(text, m.end()))
        if span and (a := _found(doc, m.start(), span[1], re.sub(r"\s+", " ", m.group().lower()), *span)):
            found.append(a)
    for m in table.report_re.finditer(text):
        if quoted.inside(m.start()):
            continue
        verb = m.group().lower()
        line_start = text.rfind("\n", 0, m.start()) + 1
        subject = noun_subject(text, m.start(), line_start)
        if subject and (a := _found(doc, subject[0], m.end(), verb, *subject)):
            found.append(a)
            continue
        if verb in table.addressee_verbs and (name := _addressee(text, m.end())):
            if a := _found(doc, m.start(), name[1], verb, *name):
                found.append(a)
                continue
        # '…, said a ministry spokesman.': the verb ends a clause, the source follows it
        before = text[line_start:m.start()].rstrip()
        if before.endswith((",", "”", '"')):
            after = phrase_after(text, m.end(), _line_end(text, m.end()))
            if after and (a := _found(doc, m.start(), after[1], verb, *after)):
                found.append(a)
    found.sort(key=lambda f: (f.source_start, -(f.end - f.start)))
    kept: list[Attribution] = []
    for f in found:
        if not any(f.source_start < k.source_end and k.source_start < f.source_end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)
