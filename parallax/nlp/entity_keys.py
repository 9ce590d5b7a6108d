"""A language-independent key for a named entity: Путин / Путін / Putin -> `putin`.

A name in Russian or Ukrainian Cyrillic, or in Latin script, is transliterated to one coarse Latin spelling
that the renderings of a foreign or shared name have in common: the letters Russian and Ukrainian write
differently for one sound fall together (и/ы/і/ї/й -> i, е/э/є/ё -> e, г/ґ/х -> h, ь/ъ/apostrophes dropped),
as do Latin y and i, and doubled letters collapse (Хиллари / Гілларі -> hilari). What transliteration cannot
join (Киев / Київ, ВСУ / ЗСУ / Ukrainian armed forces, США / Сполучені Штати) the alias table
`nlp/data/entity_aliases_xl.yaml` joins: each entry's names all get the entry's key.

A person is keyed by the surname (the last word of the name), so `Дональд Трамп` and `Трамп` share a key, as
the story-level linking (linking.py) joins them within a language. Measured on SlavicNER's cross-lingual ids:
benchmarks/entity_keys_slavicner.py (benchmarks/README.md).
"""
from __future__ import annotations

import functools
import re

from parallax.resources import ResourceError, load_yaml_mapping

ALIASES_FILE = "nlp/data/entity_aliases_xl.yaml"

# one Latin spelling per Cyrillic letter, Russian and Ukrainian letters together; the letters the two
# languages use for one sound in a shared name map to the same Latin letter
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "h", "д": "d", "е": "e", "ё": "e", "є": "e", "э": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "ы": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "", "ю": "iu", "я": "ia",
}
# Latin spellings folded the same way (Kyiv -> kiiv -> kiv, Zelensky -> zelenski, Khodorkovsky -> hodorkovski)
_LATIN = [("kh", "h"), ("zh", "zh"), ("y", "i"), ("j", "i"), ("w", "v"), ("g", "h"), ("ph", "f"), ("x", "ks")]
_APOSTROPHES = re.compile(r"['’ʼ`\"«»“”„]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"(.)\1+")
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN))
_LATIN_MAP = dict(_LATIN)
# Владимирович, Володимирович, Петровна, Іванівна (transliterated)
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ivna|ichna)$")


def transliterate(name: str) -> str:
    """The coarse Latin spelling of `name` (any mix of Cyrillic and Latin): lower case, words joined by
    single spaces, doubled letters collapsed. Not a readable transliteration: a matching key."""
    text = _APOSTROPHES.sub("", name.lower())
    text = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], text)
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = _NON_WORD.sub(" ", text).strip()
    return _DOUBLED.sub(r"\1", text)


@functools.lru_cache(maxsize=1)
def alias_keys() -> dict[str, str]:
    """Transliterated name -> the key of its alias-table entry (the entry's `key`)."""
    table = load_yaml_mapping(ALIASES_FILE)
    out: dict[str, str] = {}
    for i, entry in enumerate(table.get("entities") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry.get("names"):
            raise ResourceError(f"{ALIASES_FILE}: entities[{i}] needs a `key` and a list of `names`")
        for name in entry["names"]:
            spelled = transliterate(str(name))
            if out.get(spelled, entry["key"]) != entry["key"]:
                raise ResourceError(f"{ALIASES_FILE}: {name!r} is a name of both {out[spelled]!r} "
                                    f"and {entry['key']!r}")
            out[spelled] = entry["key"]
    return out


def entity_key(name: str, type_: str | None = None) -> str:
    """The language-independent key of an entity named `name` (its normal form or canonical name) of NER
    type `type_` (PER, LOC, ORG): the alias table's key when it knows the name, else the transliteration;
    for a person not in the table, the transliterated surname. A role (`российский лидер`) or pronoun has no
    key of its own: `mention_key` gives it its canonical name's, else None."""
    spelled = transliterate(name)
    aliases = alias_keys()
    if spelled in aliases:
        return aliases[spelled]
    if type_ == "PER":
        surname = _surname(spelled)
        return aliases.get(surname, surname)
    return spelled


def _surname(spelled: str) -> str:
    """The surname of a transliterated `given [patronymic] surname` (initials dropped: `v v putin` -> putin);
    a name of three or more words otherwise (Ким Чен Ын, Мухаммед бин Салман) is kept whole, as its order
    is not given-name first."""
    words = [w for w in spelled.split() if len(w) > 1 and not _PATRONYMIC.search(w)]
    if len(words) == 2:
        return words[1]
    return " ".join(words) if words else spelled


def mention_key(mention) -> str | None:
    """The key of an entity mention (parallax.model.Mention): from its canonical name when the alias or role
    tables gave one, else from its normal form; None for a role or pronoun nobody was named for."""
    if mention.canonical:
        return entity_key(mention.canonical, mention.type)
    if mention.kind in ("role", "pronoun"):
        return None
    return entity_key(mention.normal, mention.type)
