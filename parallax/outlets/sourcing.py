"""Sourcing: the kind of source every attribution cites, and each outlet's mix of sources.

The extractor (:mod:`parallax.nlp.attribution`) finds the attributing phrase and gives a coarse kind from
the source's head noun or name. This module refines it into the label set of ``data/source_kinds.yaml``:

    state_agency  agency  official  foreign_gov  anonymous  media  social  correspondent  other

using three things the extractor does not know: which outlet published the article (its own
correspondent is not "other media", and RIA Novosti naming itself is its own reporting), which country a
state source belongs to (the first country marker in the phrase decides; none means Russian), and a
short list of frequently cited officials by country.

Rules run in this order; the first that applies decides:

1. a head noun of an unnamed source ('источник', 'собеседник', 'эксперты', 'подполье') -> anonymous;
2. the outlet's own name or a bare 'корреспондент' -> correspondent;
3. a listed agency, media or social-network name -> its kind (state agencies apart from wire services);
4. a listed official -> official / foreign_gov;
5. the extractor's hint, or a state head noun, or a place -> split by country;
6. otherwise -> other.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallax.model import AnalyzedArticle, Attribution
from parallax.nlp import morph
from parallax.nlp.sources import classify_source
from parallax.resources import load_yaml, resource_path
from parallax.text import fold

DATA_PATH = resource_path("outlets/data/source_kinds.yaml")
ALIASES_PATH = resource_path("nlp/data/aliases.yaml")

_WORD = re.compile(r"[\w.&'-]+")
_JOURNALIST_NOUNS = frozenset({"корреспондент", "корр", "спецкор", "собкор"})
_ADDRESSEE_SPLIT = re.compile(r"^(?P<name>.+?)\s+(?P<prep>в|во|на)\s+(?P<rest>\S.*)$")






def lemma_text(text: str) -> str:
    """The words of `text` as lemmas, space-separated (for matching multi-word markers)."""
    return " ".join(morph.lemma(w) for w in _WORD.findall(text))


class _Names:
    """Whole-word matching of a list of names on the surface and on lemmas; names of one or two letters
    ('X', 'AP', 'СК') only exactly as written."""

    def __init__(self, names: Iterable[str]):
        names = [n for n in dict.fromkeys(str(n) for n in names) if n.strip()]
        long_names = sorted((n for n in names if len(n) > 2), key=len, reverse=True)
        short = [n for n in names if len(n) <= 2]
        alts = []
        if long_names:
            alts.append("(?i:" + "|".join(re.escape(fold(n)) for n in long_names) + ")")
        if short:
            alts.append("|".join(re.escape(n) for n in short))
        self.surface = re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])") if alts else None
        # inflected forms are matched through lemmas, but only for names that inflect: lemmatizing an
        # acronym ('САНА' -> 'сан') would make it match ordinary words and surnames
        lemmas = sorted({lemma_text(n) for n in long_names
                         if not n.isupper() and re.search(r"[а-яё]", n) and lemma_text(n)}, key=len, reverse=True)
        self.lemma = (re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(x) for x in lemmas) + r")(?![\w-])")
                      if lemmas else None)

    def first(self, source: str, lemmas: str) -> tuple[float, str] | None:
        """(relative position, matched text) of the earliest match, or None."""
        best = None
        if self.surface is not None:
            # long names are compiled lower-cased inside (?i:), short ones exactly: one search covers both
            m = self.surface.search(fold(source, keep_case=True))
            if m is not None:
                best = (m.start() / max(len(source), 1), m.group(0))
        if self.lemma is not None and lemmas:
            m = self.lemma.search(lemmas)
            if m is not None:
                pos = m.start() / max(len(lemmas), 1)
                if best is None or pos < best[0]:
                    best = (pos, m.group(0))
        return best


@dataclass(frozen=True)
class SourceKindTable:
    kinds: dict[str, str]                      # label -> description, in display order
    own_names: tuple[tuple[tuple[str, ...], _Names], ...]   # (outlet substrings, its own names)
    names: tuple[tuple[str, _Names], ...]      # kind -> names that decide it
    russian: _Names
    foreign: _Names
    persons: tuple[tuple[str, frozenset[str]], ...]   # kind -> surname lemmas
    state_nouns: frozenset[str]                # lemma strings (one or two words)
    anonymous_nouns: frozenset[str]
    proxy_heads: frozenset[str] = frozenset()
    non_state_institutions: dict[str, str] | None = None     # lemma -> kind


def _country_names(path: Path) -> tuple[list[str], list[str]]:
    """Names, aliases, capitals and adjectives of the countries in the shared alias table."""
    if not path.exists():
        return [], []
    data = load_yaml(path) or {}
    russian, foreign = [], []
    for ent in data.get("entities", []):
        if ent.get("type") != "LOC":
            continue
        words = [ent["name"], *ent.get("aliases", []), *ent.get("metonyms", []), *ent.get("adjectives", [])]
        (russian if ent["name"] == "Россия" else foreign).extend(str(w) for w in words)
    return russian, foreign


def parse_table(data: dict[str, Any], aliases_path: Path | None = ALIASES_PATH) -> SourceKindTable:
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict) or not data["kinds"]:
        raise ValueError("source kinds: 'kinds' must map each label to a description")
    kinds = {str(k): str(v) for k, v in data["kinds"].items()}
    if "other" not in kinds:
        raise ValueError("source kinds: the label set must include 'other'")
    for section in ("names", "persons"):
        unknown = set(data.get(section) or {}) - set(kinds)
        if unknown:
            raise ValueError(f"source kinds: {section} uses undefined kinds {sorted(unknown)}")
    own = tuple((tuple(fold(m) for m in entry["match"]), _Names(entry["names"]))
                for entry in data.get("outlets") or [])
    names = tuple((kind, _Names(lst)) for kind, lst in (data.get("names") or {}).items())
    ru_extra, foreign_extra = _country_names(aliases_path) if aliases_path else ([], [])
    persons = tuple((kind, frozenset(lemma_text(p) for p in lst))
                    for kind, lst in (data.get("persons") or {}).items())
    return SourceKindTable(
        kinds=kinds, own_names=own, names=names,
        russian=_Names([*data.get("russian_markers", []), *ru_extra]),
        foreign=_Names([*data.get("foreign_markers", []), *foreign_extra]),
        persons=persons,
        state_nouns=frozenset(lemma_text(w) for w in data.get("state_nouns", [])),
        anonymous_nouns=frozenset(lemma_text(w) for w in data.get("anonymous_nouns", [])),
        proxy_heads=frozenset(lemma_text(w) for w in data.get("proxy_heads", [])),
        non_state_institutions={lemma_text(w): kind
                                for kind, words in (data.get("non_state_institutions") or {}).items() for w in words},
    )


@functools.lru_cache(maxsize=1)
def kind_table() -> SourceKindTable:
    return parse_table(load_yaml(DATA_PATH))


def source_kinds() -> dict[str, str]:
    """The label set: kind -> what it covers, in display order."""
    return dict(kind_table().kinds)


KINDS = tuple(source_kinds())


# ---- rules --------------------------------------------------------------------------------------------

def _own_names(table: SourceKindTable, outlet: str | None) -> _Names | None:
    if not outlet:
        return None
    folded = fold(outlet)
    for matches, names in table.own_names:
        if any(m in folded for m in matches):
            return names
    return None


def own_name_pattern(outlet: str | None) -> re.Pattern | None:
    """The pattern of the names the outlet uses for itself as a source (folded, case kept), or None."""
    own = _own_names(kind_table(), outlet)
    return own.surface if own is not None else None


def _head_lemma(lemmas: list[str], table: SourceKindTable) -> str | None:
    """The first noun-like lemma that the tables know, else the first word: 'ведущий специалист центра'
    -> 'специалист'; 'источник в правительстве' -> 'источник'."""
    for i, lm in enumerate(lemmas):
        if lm in table.anonymous_nouns or lm in table.state_nouns or lm in _JOURNALIST_NOUNS:
            return lm
        if i + 1 < len(lemmas) and f"{lm} {lemmas[i + 1]}" in table.state_nouns:
            return f"{lm} {lemmas[i + 1]}"
        if _is_noun(lm):
            return lm
    return lemmas[0] if lemmas else None


@functools.lru_cache(maxsize=50_000)
def _is_noun(lemma: str) -> bool:
    if not re.search(r"[а-яё]", lemma):
        return True
    found = morph.parses(lemma)
    return bool(found) and found[0].tag.POS == "NOUN"


def country_of(source: str, lemmas: str | None = None) -> str | None:
    """'ru' or 'foreign' from the first country marker in the phrase; None when it has none."""
    table = kind_table()
    lemmas = lemma_text(source) if lemmas is None else lemmas
    ru = table.russian.first(source, lemmas)
    foreign = table.foreign.first(source, lemmas)
    if ru is None and foreign is None:
        return None
    if foreign is None or (ru is not None and ru[0] <= foreign[0]):
        return "ru"
    return "foreign"


def _state_kind(source: str, lemmas: str) -> str:
    return "foreign_gov" if country_of(source, lemmas) == "foreign" else "official"


def split_addressee(source: str, outlet: str | None = None) -> str:
    """'РИА Новости в краевом минздраве' -> 'в краевом минздраве': a phrase that starts with the name of an
    agency or medium followed by 'в/на X' was told by X (older analyses kept the addressee in the source)."""
    table = kind_table()
    m = _ADDRESSEE_SPLIT.match(source)
    if not m:
        return source
    name = m.group("name")
    candidates = [names for _, names in table.names]
    own = _own_names(table, outlet)
    if own is not None:
        candidates.append(own)
    for names in candidates:
        if names.surface is not None:
            hit = names.surface.fullmatch(fold(name, keep_case=True))
            if hit:
                return f"{m.group('prep')} {m.group('rest')}"
    return source


def source_kind(source: str, hint: str | None = None, outlet: str | None = None,
                person: bool = False, place: bool = False) -> str:
    """The kind of a source phrase (nominative, as the extractor normalized it).

    `hint` is the extractor's coarse kind; `outlet` the publishing outlet; `person` / `place` say the
    phrase is a named person / a place named as a speaker ('в Пекине заявили')."""
    table = kind_table()
    source = source.strip()
    told = split_addressee(source, outlet)
    if told != source:
        # the agency was told; the source is the body after the preposition, its kind unknown yet
        source, hint = re.sub(r"^(в|во|на)\s+", "", told), None
    if not source:
        return "other"
    if hint is None:
        hint = classify_source(source)
    lemmas_list = [morph.lemma(w) for w in _WORD.findall(source)]
    lemmas = " ".join(lemmas_list)
    head = _head_lemma(lemmas_list, table)

    if head in table.anonymous_nouns:
        return "anonymous"
    if head in table.proxy_heads and len(lemmas_list) > 1:
        # 'пресс-служба клуба', 'представитель компании': whose press service decides
        owner = next((lm for lm in lemmas_list[1:] if lm in table.non_state_institutions), None)
        if owner is not None:
            return table.non_state_institutions[owner]
    own = _own_names(table, outlet)
    named = [(hit[0], kind) for kind, names in table.names if (hit := names.first(source, lemmas))]
    if own is not None:
        hit = own.first(source, lemmas)
        if hit is not None and (not named or hit[0] <= min(named)[0]):
            return "correspondent"
    if head in _JOURNALIST_NOUNS and not named:
        return "correspondent"
    if named:
        return min(named)[1]
    words = set(lemmas_list) | {lemmas}
    for kind, surnames in table.persons:
        if words & surnames or any(s in lemmas for s in surnames if " " in s):
            return kind
    if hint in ("official", "intelligence") or place:
        return _state_kind(source, lemmas)
    if hint in ("agency",):
        return "agency"
    if hint in ("media", "social", "anonymous"):
        return hint
    if head in table.state_nouns or any(lm in table.state_nouns for lm in lemmas_list[:2]):
        return _state_kind(source, lemmas)
    if person:
        return "other"
    if country_of(source, lemmas) == "foreign" and _looks_like_state(lemmas_list):
        return "foreign_gov"
    return "other"


def _looks_like_state(lemmas: list[str]) -> bool:
    """A bare country or capital as the source ('США', 'Киев'): its government speaking."""
    return len(lemmas) <= 2


def classify_attribution(attr: Attribution, outlet: str | None = None,
                         doc: AnalyzedArticle | None = None) -> str:
    """The refined kind of one attribution. With `doc`, a source that is a person or place mention of the
    article counts as such."""
    person = place = False
    if doc is not None and attr.source_start is not None:
        for m in doc.mentions:
            if m.start <= attr.source_start and attr.source_end is not None and m.end >= attr.source_end:
                person, place = m.type == "PER", m.type == "LOC"
                break
            if attr.source_start <= m.start < (attr.source_end or attr.source_start):
                person = person or m.type == "PER"
    if outlet is None and doc is not None:
        outlet = doc.article.outlet
    kind = source_kind(attr.source, attr.kind, outlet, person=person, place=place)
    if kind == "other" and doc is not None:
        titled = _title_kind(attr, doc)
        if titled is not None:
            return titled
    return kind


_TITLE_WINDOW = 6
_GENERIC_TITLES = frozenset({"глава", "представитель", "служба", "управление", "комитет", "департамент",
                             "руководство", "штаб", "администрация", "руководитель", "председатель"})


def _title_kind(attr: Attribution, doc: AnalyzedArticle) -> str | None:
    """A person cited by name or pronoun ('по словам Кириенко', 'по его словам') who is introduced with an
    office elsewhere in the article ('первый замруководителя Администрации Президента РФ Сергей
    Кириенко'): the office's kind, split by the country markers around it."""
    table = kind_table()
    mentions = [m for m in doc.mentions if m.type == "PER" and (
        (attr.entity and m.entity == attr.entity) or (m.normal or m.text) == attr.source)]
    for m in sorted(mentions, key=lambda m: m.start):
        before = [t for t in doc.tokens if t.end <= m.start and t.sentence == m.sentence][-_TITLE_WINDOW:]
        lemmas = [morph.lemma(t.text) for t in before if re.search(r"\w", t.text)]
        window = doc.text[before[0].start:m.start] if before else ""
        specific = any(lm in table.state_nouns and lm not in _GENERIC_TITLES for lm in lemmas)
        generic = any(lm in _GENERIC_TITLES for lm in lemmas)
        # 'глава' heads companies too: a generic title counts only next to a country ('глава МИД Польши')
        if specific or (generic and country_of(window, " ".join(lemmas)) is not None):
            return _state_kind(window, " ".join(lemmas))
    return None


def display_source(source: str, outlet: str | None = None) -> str:
    """The source as listed in profiles: without an addressee prefix, first letter as written."""
    out = split_addressee(source.strip(), outlet)
    out = re.sub(r"^(в|во|на)\s+", "", out)
    return out


# ---- per outlet -------------------------------------------------------------------------------------

@dataclass
class SourceMix:
    kinds: Counter
    sources: Counter                           # (display source, kind) -> count
    attributions: int = 0

    def as_dict(self, top: int = 20) -> dict[str, Any]:
        return {"kinds": {k: self.kinds.get(k, 0) for k in KINDS if self.kinds.get(k)},
                "top": [{"source": s, "kind": k, "count": n}
                        for (s, k), n in sorted(self.sources.items(), key=lambda kv: (-kv[1], *kv[0]))[:top]]}


def source_mix(docs: Iterable[AnalyzedArticle], attributions=None) -> SourceMix:
    """Kinds and most cited sources over the articles (one outlet's, typically). `attributions`: a function
    doc -> attributions (default: the stored ones)."""
    kinds: Counter = Counter()
    sources: Counter = Counter()
    total = 0
    for doc in docs:
        found = attributions(doc) if attributions else doc.attributions
        for a in found:
            kind = classify_attribution(a, doc=doc)
            kinds[kind] += 1
            sources[(display_source(a.source, doc.article.outlet), kind)] += 1
            total += 1
    return SourceMix(kinds=kinds, sources=sources, attributions=total)
