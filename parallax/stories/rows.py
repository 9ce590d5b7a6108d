"""The rows of story clustering: one row per clustered article (its embedding, time and the features the
evidence reads, in per-row lists), the stories as lists of rows, and what is dropped as the stream moves on.

Rows published more than ``retire_after_days`` before the earliest article of a new batch are retired: their
features are dropped (they keep their id and story); a story all of whose members are retired is closed (it
keeps its representative title, its members' vectors go), and closed stories whose rows are out of every
day index move to the archive (stories/archive.py), which renumbers the rows that stay.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from parallax.stories import index as compact  # word keys held as sorted arrays
from parallax.stories.archive import ClosedStories, compact_rows
from parallax.stories.config import ClusterConfig
from parallax.stories.features import StoryItem, day_numbers, entity_keys, title_cues, title_numbers, title_words
from parallax.stories.index import Bucket, RowVectors
from parallax.stories.verifier import stamp_of

DAY = 86400.0


def timestamp(time: dt.datetime | dt.date | None) -> float:
    if time is None:
        return float("nan")
    if not isinstance(time, dt.datetime):
        time = dt.datetime(time.year, time.month, time.day, 12, tzinfo=dt.timezone.utc)
    if time.tzinfo is None:
        time = time.replace(tzinfo=dt.timezone.utc)
    return time.timestamp()


def story_id_for(article_id: str) -> str:
    """A story's id is derived from the article that founded it: stable across runs."""
    return "s" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:12]


# per-row lists of the clusterer (besides the embedding and time arrays)
ROW_FIELDS = ("_ids", "_story_of", "_titles", "_outlets", "_entity_keys", "_title_words", "_followup", "_numbers",
              "_days", "_years", "_names", "_text_keys", "_title_keys", "_all_keys", "_digest", "_leads",
              "_stamps")
# every empty key set of a row is this one object: each `frozenset()` built is a new 216-byte object, and most
# titles have no year, no number (and a sixth no entity): ~0.35 KB a live row (benchmarks/STORIES.md, session 11)
_NONE: frozenset = frozenset()
# what a retired row no longer needs (see StoryRows._retire)
_FEATURE_FIELDS = ("_entity_keys", "_title_words", "_numbers", "_days", "_years", "_names", "_text_keys",
                   "_title_keys", "_all_keys", "_leads")


@dataclass(slots=True)      # no __dict__: ~100 bytes less a story (half a million at 1M articles)
class _Story:
    members: list[int] = field(default_factory=list)
    vector_sum: np.ndarray | None = None   # of the members' vectors; None for one member (or closed)
    first: float = float("inf")        # earliest / latest publication time (timestamps) of the members
    last: float = float("-inf")
    title: str | None = None           # the representative title, kept when every member is retired



class StoryRows:
    """Row storage of StoryClusterer (stories/clustering.py): rows, stories, retirement and the archive.
    Reads the clusterer's `config` and `_second` (whether leads are kept); `_buckets` are the day indexes
    of stories/search.py (retirement drops the old ones)."""
    compact_min_rows = 16384       # rows of closed stories archived at once (stories/archive.py)
    config: ClusterConfig

    def _reset(self) -> None:
        self._dim: int | None = None
        self._emb = RowVectors(0)
        self._time = np.empty(0, dtype=np.float64)
        self._live = np.empty(0, dtype=bool)       # False: retired (features dropped)
        self._held = np.empty(0, dtype=bool)       # False: vector dropped too (its story is closed)
        self._horizon = float("-inf")              # rows published before this are retired
        self._quantizer = None                     # of the dense day buckets (stories/index.py)
        self._n = 0
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._titles: list[str] = []
        self._outlets: list[str] = []
        self._entity_keys: list[frozenset[str]] = []
        self._title_words: list[frozenset[str]] = []
        self._followup: list[int] = []
        self._numbers: list[frozenset[str]] = []
        self._days: list[tuple[tuple[int, int], ...]] = []
        self._years: list[frozenset[int]] = []
        self._names: list[tuple[frozenset[int], ...]] = []
        self._text_keys: list[frozenset[int] | None] = []
        self._title_keys: list[tuple[tuple[int, ...], ...]] = []
        self._all_keys: list[frozenset[int] | None] = []
        self._digest: list[bool] = []
        self._leads: list[str | None] = []
        self._stamps: list[tuple | None] = []     # period of a routine report (verifier.report_stamp)
        self._story_of: list[str | None] = []
        self._stories: dict[str, _Story] = {}
        self._closed = ClosedStories()             # stories whose members are all retired (stories/archive.py)
        self._unarchived = 0                       # rows before the last compaction's cutoff that stayed
        self._buckets: dict[int | None, Bucket] = {}
        # work done, for the density benchmark and the scaling test: articles searched, stored vectors
        # compared with them, neighbours the index returned, candidate pairs scored
        self.stats: Counter = Counter()

    def representative_title(self, story_id: str) -> str:
        """The title of the member closest to the story's centroid."""
        story = self._stories.get(story_id)
        if story is None:
            return self._closed.title(story_id)
        if story.title is not None:
            return story.title
        return self._representative([m for m in story.members if self._held[m]], story.vector_sum)

    def _representative(self, members: list[int], centroid: np.ndarray | None) -> str:
        members = members[-self.config.representative_max_members:]
        if centroid is None:              # a one-member story
            centroid = self._emb[members[0]]
        sims = self._emb[members] @ centroid
        order = np.lexsort((np.array([-len(self._titles[m]) for m in members]), -sims))
        for position in order:
            if self._titles[members[position]].strip():
                return self._titles[members[position]]
        return self._titles[members[order[0]]]

    def stories(self) -> dict[str, list[str]]:
        return dict(self.iter_stories())

    def iter_stories(self):
        """(story id, article ids) of every story, closed ones first, without building them all at once."""
        for sid, ids in self._closed.items():
            yield sid, ids + ([self._ids[r] for r in self._stories[sid].members] if sid in self._stories else [])
        for sid, story in self._stories.items():
            if sid not in self._closed:
                yield sid, [self._ids[r] for r in story.members]

    def member_ids(self, sid: str) -> list[str]:
        """The article ids of a story, closed or open (empty: no such story)."""
        return self._member_ids(sid)

    def _member_ids(self, sid: str) -> list[str]:
        return (self._closed.article_ids(sid) if sid in self._closed else []) + \
            ([self._ids[r] for r in self._stories[sid].members] if sid in self._stories else [])

    def story_of(self, article_id: str) -> str | None:
        row = self._row.get(article_id)
        return self._closed.story_of(article_id) if row is None else self._story_of[row]

    def __len__(self) -> int:
        return self._n + self._closed.articles

    def _append(self, item: StoryItem) -> int:
        vec = _unit(np.asarray(item.embedding, dtype=np.float32).ravel())
        if self._dim is None:
            self._allocate(vec.shape[0])
        elif vec.shape[0] != self._dim:
            raise ValueError(f"embedding of {item.article_id!r} has {vec.shape[0]} dims, expected {self._dim}")
        self._grow_if_full()
        row = self._n
        self._emb[row] = vec
        self._time[row] = timestamp(item.time)
        self._live[row] = self._held[row] = True
        self._n += 1
        self._ids.append(item.article_id)
        self._row[item.article_id] = row
        self._titles.append(item.title or "")
        self._outlets.append(sys.intern(item.outlet))     # one copy per outlet, not per article
        self._entity_keys.append(entity_keys(item.entities, self.config) or _NONE)
        self._title_words.append(title_words(item.title or "", self.config) or _NONE)
        self._followup.append(title_cues(item.title or "", self.config))
        self._numbers.append(title_numbers(item.title or "") or _NONE)
        self._days.append(day_numbers(item.lead_dates))
        self._years.append(frozenset(item.title_years) or _NONE)
        self._names.append(tuple(item.title_names))
        self._text_keys.append(text_keys := compact.keys(item.text_keys))    # sorted uint32: ~4 KB less
        # packed in one array, not the item's frozensets: only tested against a text's keys (~2.4 KB less)
        self._title_keys.append(compact.title_keys(getattr(item, "title_keys", ()) or ()))
        self._all_keys.append(text_keys if item.text_keys is not None else compact.keys(item.short_text_keys))
        self._digest.append(bool(getattr(item, "digest", False)))
        self._leads.append((getattr(item, "lead", "") or "") if self._second else "")    # held only when read
        self._stamps.append(stamp_of(item))
        self._story_of.append(None)
        return row

    def _assign(self, row: int, story_id: str) -> None:
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story()
            if story_id in self._closed:      # reopened (load, recluster): its span goes on
                story.first, story.last = self._closed.span(story_id)
        story.title = None                # a closed story (see _retire) takes up again from here
        story.members.append(row)
        if self._held[row]:
            if story.vector_sum is not None:
                story.vector_sum += self._emb[row]
            elif len(story.members) > 1:  # a one-member story has no sum of its own (half the stories)
                held = [m for m in story.members if self._held[m]]
                story.vector_sum = self._emb[held[0]].copy()
                for m in held[1:]:
                    story.vector_sum += self._emb[m]
        t = self._time[row]
        if not np.isnan(t):
            story.first = min(story.first, t)
            story.last = max(story.last, t)
        self._story_of[row] = story_id

    def _retire(self, before: float) -> None:
        """Drop the features and day buckets of the rows published before `before` (they keep their id
        and story); a story all of whose members are retired is closed: it keeps its representative
        title, and its members' vectors and titles are dropped."""
        if before <= self._horizon:
            return
        self._horizon = before
        for key in [k for k in self._buckets if k is not None and (k + 1) * DAY <= before]:
            del self._buckets[key]
        n = self._n
        old = np.flatnonzero(self._live[:n] & (self._time[:n] < before))     # undated (NaN) rows stay
        if not len(old):
            return
        self._live[old] = False
        for sid in {self._story_of[r] for r in old.tolist()} - {None}:
            story = self._stories[sid]
            if story.title is None and not self._live[story.members].any():
                story.title = self._representative(story.members, story.vector_sum)
                story.vector_sum = None
                for m in story.members:
                    self._titles[m] = None
                self._held[story.members] = False
        for name in _FEATURE_FIELDS:
            values = getattr(self, name)
            for r in old.tolist():
                values[r] = None
        self._emb.free(self._held[:n])
        cutoff = before // DAY * DAY           # rows before it are in no day index
        if np.count_nonzero(self._time[:n] < cutoff) - self._unarchived >= max(self.compact_min_rows, n // 4):
            compact_rows(self, cutoff, ROW_FIELDS)
            self._unarchived = int(np.count_nonzero(self._time[:self._n] < cutoff))

    def _copy_row(self, src: "StoryRows", row: int) -> int:
        if self._dim is None:
            self._allocate(src._dim)
        self._grow_if_full()
        new = self._n
        if src._held[row]:
            self._emb[new] = src._emb[row]
        self._time[new] = src._time[row]
        self._live[new], self._held[new] = src._live[row], src._held[row]
        self._n += 1
        self._ids.append(src._ids[row])
        self._row[src._ids[row]] = new
        for name in ROW_FIELDS[2:]:
            getattr(self, name).append(getattr(src, name)[row])
        self._story_of.append(None)
        return new

    def _allocate(self, dim: int) -> None:
        self._dim = dim
        self._emb = RowVectors(dim)
        self._time = np.zeros(1024, dtype=np.float64)
        self._live = np.zeros(1024, dtype=bool)
        self._held = np.zeros(1024, dtype=bool)

    def _grow_if_full(self) -> None:
        if self._n == len(self._time):
            grow = max(1024, self._n)
            self._time = np.concatenate([self._time, np.zeros(grow, dtype=np.float64)])
            self._live = np.concatenate([self._live, np.zeros(grow, dtype=bool)])
            self._held = np.concatenate([self._held, np.zeros(grow, dtype=bool)])
        self._emb.ensure(self._n + 1)


def _unit(vec: np.ndarray) -> np.ndarray:
    vec = np.asarray(vec, dtype=np.float32)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec
