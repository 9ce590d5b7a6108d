"""Who a headline quotes, and stories that are one speaker's statements (stories/data/speakers.yaml).

:func:`title_speaker` reads the speaker a headline attributes its words to («…, заявил Путин», «… — Песков»,
«Путин: …», «Минобороны РФ сообщило …») as a key (the first capitalised word of the speaker, read by the word
keys of stories/names.py, or an alias), or None (no speaker, a role, a medium). :func:`dominant_speaker` is the
speaker of a story when most of its quoting posts quote one; stories/clustering.py keeps a post quoting someone
else out of such a story unless its headline names that speaker (:func:`speaker_barred`).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from parallax.nlp.morph import parses
from parallax.resources import load_yaml_mapping
from parallax.stories.names import NameMatcher
from parallax.text import fold

SPEAKER_RULES = "stories/data/speakers.yaml"
_CAPITALISED = re.compile(r"[А-ЯЁA-Z][\w-]*")
_PREPOSITIONS = frozenset({"в", "во", "из", "на"})


class Speaker(NamedTuple):
    """A quoted speaker: the first letters of the folded name (Путин = Путина), and whether it is a person
    (a surname to pymorphy3), not an organisation."""
    key: str
    person: bool


@dataclass(frozen=True)
class SpeakerRules:
    min_quoted: int
    dominant_share: float
    patterns: tuple[re.Pattern, ...]
    not_speakers: frozenset[str]
    aliases: dict[str, str]


@lru_cache(maxsize=1)
def speaker_rules() -> SpeakerRules:
    data = load_yaml_mapping(SPEAKER_RULES)
    try:
        verbs = str(data["verbs"])
        patterns = tuple(re.compile(str(p).replace("{verbs}", verbs)) for p in data["patterns"])
        share = float(data["dominant_share"])
        if not 0.5 < share <= 1.0:
            raise ValueError(f"dominant_share {share} is not in (0.5, 1]")
        return SpeakerRules(int(data["min_quoted"]), share, patterns,
                            frozenset(fold(str(w)) for w in data["not_speakers"]),
                            {fold(str(k)): fold(str(v)) for k, v in (data.get("aliases") or {}).items()})
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
        raise ValueError(f"{SPEAKER_RULES}: {error}") from None


@lru_cache(maxsize=4096)        # the titles of a batch's candidates; small: it keeps retired titles alive (1M/30d peak memory)
def title_speaker(title: str | None, matcher: NameMatcher) -> Speaker | None:
    """The speaker a headline quotes: the first `matcher.key_chars` letters of its first capitalised word,
    folded (Путин = Путина), or of its alias; None for no speaker, a role or a medium."""
    if not title:
        return None
    rules = speaker_rules()
    text = " ".join(title.split())
    for pattern in rules.patterns:
        match = pattern.search(text)
        if not match:
            continue
        word = _speaker_word(match.group("s"))
        if word is None:
            return None                # a role: «рассказал российский президент»
        folded = fold(word)
        if folded in rules.not_speakers or folded in matcher.source_names:
            return None
        if folded in rules.aliases:
            return Speaker(rules.aliases[folded][:matcher.key_chars], False)
        return Speaker(folded[:matcher.key_chars], any("Surn" in p.tag.grammemes for p in parses(word)[:2]))
    return None


def _speaker_word(phrase: str) -> str | None:
    """The word that names the speaker: the first capitalised word after a preposition («В Кремле»), the
    surname after a given name («Владимир Путин»)."""
    words = [w for w in _CAPITALISED.findall(phrase) if fold(w) not in _PREPOSITIONS]
    if len(words) > 1 and any("Name" in p.tag.grammemes for p in parses(words[0])[:1]):
        return words[1]
    return words[0] if words else None


@lru_cache(maxsize=4096)        # the titles of a batch's candidates; small: it keeps retired titles alive (1M/30d peak memory)
def title_prefixes(title: str | None, key_chars: int) -> frozenset[str]:
    """The first `key_chars` letters of every folded word of a headline (how a speaker is looked for in it)."""
    return frozenset(w[:key_chars] for w in re.findall(r"\w+", fold(title or "")))


def dominant_speaker(speakers: Sequence[Speaker | None]) -> str | None:
    """The key of the person whose statements a story is: its quoting posts mostly quote that person
    (`min_quoted`, `dominant_share`), or None. An organisation's reports (the ministry of defence, a foreign
    ministry) are not one statement: a story of them is an event told by its official sources."""
    rules = speaker_rules()
    quoted = Counter(s for s in speakers if s is not None)
    total = sum(quoted.values())
    if total < rules.min_quoted:
        return None
    speaker, count = quoted.most_common(1)[0]
    return speaker.key if speaker.person and count >= rules.dominant_share * total else None


def speaker_barred(speaker: Speaker | None, story_speaker: str | None, title_words: frozenset[str]) -> bool:
    """A post quoting `speaker` stays out of a story of `story_speaker`'s statements, unless its headline names
    that speaker (`title_words`: :func:`title_prefixes` of the headline)."""
    return (speaker is not None and story_speaker is not None and speaker.key != story_speaker
            and story_speaker not in title_words)
