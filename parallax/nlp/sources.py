"""Sources of attributions: the attribution table (data/attribution_ru.yaml: prefix cues such as 'по
данным', report and belief verbs, kind hints) and the source kind a phrase names (agency, intelligence,
anonymous, official, media, social). Quote extraction uses the kinds too: an agency or a medium cited with
'передает', 'пишет' is an attribution, not a speaker."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from parallax.nlp import morph
from parallax.nlp.entities import alias_table, lemma_key
from parallax.resources import load_yaml
from parallax.text import fold

_ADJ_SLOT = r"(?:(?:[а-яё]+(?:ым|им|ой|ей|ому|ему|ых|их|ую|юю|ая|яя)|его|её|ее|их)\s+)?"


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


_NAMED_KINDS = ("agency", "media", "social")


def canonical_source(source: str) -> str:
    """An agency, medium or platform under its one name from the alias table whatever the spelling
    ('Рёнхап', 'Йонхап', 'Yonhap' -> 'Ренхап'; 'TruthSocial' -> 'Truth Social'), also after the noun of
    its kind ('агентство Yonhap', 'соцсеть TruthSocial'). Other sources are returned as they are."""
    aliases = alias_table()
    hit = aliases.canonical.get(lemma_key(source))
    if hit is None:
        first, _, rest = source.partition(" ")
        if rest and attribution_table().kind_nouns.get(morph.lemma(first)) in _NAMED_KINDS:
            hit = aliases.canonical.get(lemma_key(rest))
    return hit[0] if hit is not None and hit[1] == "ORG" else source
