"""The plain data that flows between Parallax stages.

Every span carries `start`/`end`: character offsets into `Article.text`, the text exactly as Parallax
stored it (header and front matter removed, line breaks kept). Nothing downstream ever re-reads the file,
so any claim, quote or entity mention can be traced back to the source characters.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    id: str
    text: str
    outlet: str
    title: str | None = None
    date: dt.date | None = None
    url: str | None = None
    source: str | None = None          # file path (or path:line) the article was read from
    encoding: str = "utf-8"            # how the source bytes were decoded
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int


@dataclass
class Token:
    start: int
    end: int
    text: str
    lemma: str
    pos: str | None = None             # pymorphy3 POS tag (NOUN, VERB, ...) or None for punctuation
    sentence: int = 0


def _token_start(token: Token) -> int:
    return token.start


@dataclass
class Mention:
    """A reference to a named entity: a NER span, an alias ('КНДР') or a role ('российский лидер')."""
    start: int
    end: int
    text: str
    type: str                          # PER, LOC, ORG
    normal: str                        # this mention in nominative case ('Ким Чен Ына' -> 'Ким Чен Ын')
    sentence: int = 0
    kind: str = "name"                 # name | alias | role | pronoun
    canonical: str | None = None       # canonical name from the alias/role tables, when known
    entity: str | None = None          # entity id, set by story-level linking
    role: str | None = None            # role key ('head@Россия') this mention names or is titled with


@dataclass
class DateMention:
    start: int
    end: int
    text: str
    value: dt.date | None              # resolved date (first day of the period for month/year)
    granularity: str                   # day | week | month | year | weekday | relative_day
    relative: bool                     # resolved against an anchor date rather than read as written
    sentence: int = 0

    @property
    def label(self) -> str:
        if self.value is None:
            return self.text
        if self.granularity == "year":
            return f"{self.value.year:04d}"
        if self.granularity == "month":
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return self.value.isoformat()


@dataclass
class NumberMention:
    start: int
    end: int
    text: str
    value: float
    approximate: bool                  # 'около', 'более', 'порядка', ...
    unit: str | None                   # lemma of what is counted ('военнослужащий', 'процент', 'рубль')
    sentence: int = 0
    qualifier: str | None = None       # about | more_than | less_than | up_to | at_least | None


@dataclass
class Quote:
    start: int                         # span of the quoted words (without quote marks)
    end: int
    text: str
    kind: str                          # direct | indirect
    sentence: int = 0
    cue: str | None = None             # speech verb lemma ('сказать', 'заявить', 'написать')
    speaker_text: str | None = None    # surface form of the speaker ('Путин', 'он', 'российский лидер')
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_mention: int | None = None  # index into AnalyzedArticle.mentions
    speaker_entity: str | None = None   # entity id after linking


@dataclass
class Attribution:
    start: int                         # span of the whole attributing phrase
    end: int
    text: str
    source: str                        # who is cited, normalized ('ТАСС', 'южнокорейская разведка')
    cue: str                           # 'по данным', 'передает', 'полагают', ...
    sentence: int = 0
    source_start: int | None = None
    source_end: int | None = None
    kind: str | None = None            # agency | intelligence | anonymous | official | media | social | ...
    entity: str | None = None
    article: str | None = None         # article id, filled when attributions are pooled for a story


@dataclass
class AnalyzedArticle:
    """One article with every analysis layer added, natasha-Doc style."""
    article: Article
    language: str = "ru"
    language_confidence: float = 0.0
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    numbers: list[NumberMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def text(self) -> str:
        return self.article.text

    def sentence_at(self, offset: int) -> Sentence | None:
        for sent in self.sentences:
            if sent.start <= offset < sent.end:
                return sent
        return None

    def tokens_in(self, start: int, end: int) -> list[Token]:
        # tokens are in text order: bisect to the tokens starting in [start, end] instead of a scan
        # of the whole text per call (quadratic on long texts); the filter is the same
        lo = bisect.bisect_left(self.tokens, start, key=_token_start)
        hi = bisect.bisect_right(self.tokens, end, lo=lo, key=_token_start)
        return [t for t in self.tokens[lo:hi] if t.end <= end]


# ---- story level -----------------------------------------------------------------------------------

@dataclass
class EntityMentionRef:
    article: str
    text: str
    start: int
    end: int
    kind: str = "name"


@dataclass
class Entity:
    id: str
    name: str
    type: str
    mentions: list[EntityMentionRef] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass
class ClaimOccurrence:
    """A later post of the same outlet that states a fact again; `update` says what changed in it."""
    article: str
    text: str
    start: int
    end: int
    sentence: int
    published: str | None = None
    update: str | None = None          # '14 → 18 человек' when the repeat changes a figure


@dataclass
class ClaimMember:
    """One outlet's rendering of a fact: its first statement of it, plus the outlet's later repeats."""
    article: str
    text: str
    start: int
    end: int
    sentence: int
    similarity: float | None = None    # to the group's anchor claim
    outlet: str | None = None
    repeats: list[ClaimOccurrence] = field(default_factory=list)


@dataclass
class Conflict:
    kind: str                          # number | date | place | speaker | source
    values: dict[str, str]             # article id -> the value it gives
    description: str
    spans: dict[str, list[int]] = field(default_factory=dict)   # article id -> [start, end] of the value


@dataclass
class FramingDiff:
    """Words that differ between two aligned claims."""
    terms: dict[str, list[str]]        # article id -> phrases only that article uses


@dataclass
class ClaimGroup:
    id: str
    status: str                        # consensus | partial | unique | conflict
    members: list[ClaimMember]
    conflicts: list[Conflict] = field(default_factory=list)
    framing: FramingDiff | None = None


@dataclass
class QuoteRendering:
    article: str
    text: str
    start: int
    end: int
    kind: str                          # direct | indirect
    relation: str                      # verbatim | trimmed | reworded (relative to the group's anchor)
    similarity: float = 1.0
    diff: list[dict[str, str]] = field(default_factory=list)  # [{"op": "equal|insert|delete", "text": ...}]
    speaker_text: str | None = None


@dataclass
class QuoteGroup:
    id: str
    speaker: str | None                # entity id
    speaker_name: str | None
    relation: str                      # verbatim | trimmed | reworded | single
    renderings: list[QuoteRendering]


@dataclass
class FramingEntry:
    category: str
    concept: str
    terms: dict[str, list[dict[str, Any]]]   # article id -> [{"term", "label", "start", "end"}]
    note: str | None = None


@dataclass
class StoryOutlet:
    """An outlet of a story and its posts in time order: the unit the comparison is made over."""
    name: str
    articles: list[str]
    kind: str | None = None            # state, independent, ... (None: unrated)


@dataclass
class KeyDifference:
    """One of the few points a reader should see first: a plain sentence, linked to its evidence."""
    kind: str                          # conflict | only_some | quote | term
    text: str
    weight: float
    claims: list[str] = field(default_factory=list)     # claim group ids
    quotes: list[str] = field(default_factory=list)     # quote group ids
    outlets: list[str] = field(default_factory=list)    # the outlets the point is about
    # what `text` says, as data, so a page can say it in the reader's language (render/kd_text.py):
    # {"template": only_one | only_some | conflict | quote | term_differ | term_silent, ...its fields}
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoryComparison:
    id: str
    articles: list[AnalyzedArticle]
    entities: list[Entity]
    claims: list[ClaimGroup]
    quotes: list[QuoteGroup]
    framing: list[FramingEntry]
    attributions: list[Attribution]
    errors: list[dict[str, str]] = field(default_factory=list)      # files that could not be read
    outlets: list[StoryOutlet] = field(default_factory=list)
    key_differences: list[KeyDifference] = field(default_factory=list)


def make_ids_unique(articles: list[Article]) -> list[Article]:
    """Give every article of one comparison its own id, in place: the second and later articles that
    share an id (two files named x.txt in different folders, one post read from two dumps) become
    `x#2`, `x#3`, … The one rule for duplicate ids, used for files and for stored stories alike."""
    seen: dict[str, int] = {}
    for article in articles:
        count = seen.get(article.id, 0) + 1
        seen[article.id] = count
        if count > 1:
            article.id = f"{article.id}#{count}"
    return articles
