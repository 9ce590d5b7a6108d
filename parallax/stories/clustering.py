"""Group articles into stories: one story = one event, as many outlets as covered it.

Incremental and time-aware. Each new article is compared with its nearest neighbours among the
articles published within ``window_days`` of it (exact or HNSW inner-product search in per-day faiss
buckets, so the cost per article depends on how many articles appeared around that day, not on the
size of the corpus). A neighbour's story is scored with a weighted sum of named evidence
(stories/verifier.py: embedding cosine, shared names, shared title words, the swap test, follow-up and
denial cues, conflicting days or years, a title name the other long article never mentions, the days
between them), with the weights fitted on the tuning pairs (``decision: model``) or hand-set
(``decision: score``); :meth:`StoryClusterer.explain_pair` says why two articles are one event.

The article joins the best story whose score reaches ``join_threshold`` and whose centroid is close
enough (``centroid_min_cosine``, which stops a chain of pairwise links drifting from the event);
otherwise it opens a new story. Two rules come before the score: a title that is a near copy of a
member's title (at least ``near_copy_jaccard`` of the shorter title's character 3-grams are in the
other) joins that member's story whatever the score, the day gap or the story's span (within
``near_copy_max_days``; see :func:`near_copy` and ``_near_copy`` for what stops it); a digest (several unrelated items in one post, stories/digests.py) joins no story
and no story joins it. The thresholds live in ``stories/config.yaml``.

Story ids are derived from the founding article id, so the same input in the same order gives the
same ids in every run; :meth:`StoryClusterer.recluster` re-clusters a period from scratch and keeps,
for every new story, the id of the old story it overlaps most.

Items without a time (``time=None``) are clustered only with other undated items, with no time
penalty. A clusterer is not thread-safe: one writer at a time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from parallax.stories import index as compact  # word keys held as sorted arrays
from parallax.stories.archive import ClosedStories, change_report, compact_rows
from parallax.stories.config import ClusterConfig
from parallax.stories.features import (
    DENIAL_CUE,
    FOLLOWUP_CUE,
    StoryItem,
    day_numbers,
    entity_keys,
    title_cues,
    title_numbers,
    title_words,
)
from parallax.stories.index import Bucket, RowVectors, earlier_in_batch, faiss_module, train_quantizer
from parallax.stories.verifier import EVIDENCE, SecondOpinion, band_of, explain, period_clash, stamp_of, weights_for
from parallax.text import fold

_DAY = 86400.0


# ---- comparing two articles -------------------------------------------------------------------------

def _overlap(a: frozenset[str], b: frozenset[str], min_denominator: int = 1) -> float:
    """|A & B| / max(min(|A|, |B|), min_denominator), -1 when either is empty. A short post names few
    entities, all of which a long report of the same event also names; Jaccard or cosine would punish
    the length difference (they also tuned worse, see benchmarks/STORIES.md). The floor keeps one
    shared name (the region both write about) from counting as full agreement."""
    if not a or not b:
        return -1.0
    return len(a & b) / max(min(len(a), len(b)), min_denominator)


def days_conflict(days_a: tuple[tuple[int, int], ...], days_b: tuple[tuple[int, int], ...],
                  tolerance_days: float) -> bool:
    """True when both name days and no day of one lies within `tolerance_days` of a day of the other.
    Days without a year are compared by month and day (the pair files have no dates; a story never
    spans a year)."""
    if not days_a or not days_b:
        return False
    for ord_a, yday_a in days_a:
        for ord_b, yday_b in days_b:
            if ord_a and ord_b:
                gap = abs(ord_a - ord_b)
            else:
                gap = abs(yday_a - yday_b)
                gap = min(gap, 366 - gap)
            if gap <= tolerance_days:
                return False
    return True


_NON_WORD = re.compile(r"[\W_]+")
_TITLE_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=8192)      # a title is compared with its neighbours within a batch or two
def title_grams(title: str) -> frozenset[str]:
    """Character 3-grams of a folded title with punctuation and spacing collapsed (near-copy test)."""
    text = " " + _NON_WORD.sub(" ", fold(title)).strip() + " "
    return frozenset(text[i:i + 3] for i in range(len(text) - 2))


def near_copy(title_a: str, title_b: str, min_chars: int) -> float:
    """How much of the shorter title the longer one contains (character 3-grams of the folded titles),
    so that a headline repeated as the first words of a longer lead counts too. 0 when the shorter
    title has fewer than `min_chars` characters, ends with a colon (a heading over a list or a quote:
    'Колонка котировок на эту минуту:', 'Другие заявления Пескова:'), or when the numbers of the two
    titles differ ('обстановка на 29 ноября' / 'на 30 ноября' are two days' editions)."""
    short, long_ = sorted((title_a.strip(), title_b.strip()), key=len)
    if len(short) < min_chars or short.endswith(":") or long_.endswith(":"):
        return 0.0
    if _TITLE_NUMBER.findall(short) != _TITLE_NUMBER.findall(long_)[:len(_TITLE_NUMBER.findall(short))]:
        return 0.0
    grams_short, grams_long = title_grams(short), title_grams(long_)
    return len(grams_short & grams_long) / max(1, len(grams_short))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _timestamp(time: dt.datetime | dt.date | None) -> float:
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


# ---- index ------------------------------------------------------------------------------------------

_UNDATED = None
# per-row lists of the clusterer (besides the embedding and time arrays)
_ROW_FIELDS = ("_ids", "_story_of", "_titles", "_outlets", "_entity_keys", "_title_words", "_followup", "_numbers",
               "_days", "_years", "_names", "_text_keys", "_title_keys", "_all_keys", "_digest", "_leads",
               "_stamps")
# evidence read only when a pair may reach the threshold (StoryClusterer._score_or_bound)
_SWAP, _DAY_CONFLICT, _NAME_MISSING = (EVIDENCE.index(e) for e in ("swap_missing", "day_conflict", "name_missing"))
# what a retired row no longer needs (see StoryClusterer._retire)
_FEATURE_FIELDS = ("_entity_keys", "_title_words", "_numbers", "_days", "_years", "_names", "_text_keys",
                   "_title_keys", "_all_keys", "_leads")


@dataclass(slots=True)      # no __dict__: ~100 bytes less a story (half a million at 1M articles)
class _Story:
    members: list[int] = field(default_factory=list)
    vector_sum: np.ndarray | None = None   # of the members' vectors; None for one member (or closed)
    first: float = float("inf")        # earliest / latest publication time (timestamps) of the members
    last: float = float("-inf")
    title: str | None = None           # the representative title, kept when every member is retired


# ---- clusterer --------------------------------------------------------------------------------------

class StoryClusterer:
    compact_min_rows = 16384       # rows of closed stories archived at once (stories/archive.py)

    def __init__(self, config: ClusterConfig | None = None):
        self.config = config or ClusterConfig()
        self._weights = weights_for(self.config)
        # the most the costly evidence can add to a score (values in [0, 1]; fitted weights are <= 0)
        self._expensive_most = sum(max(0.0, self._weights.weights[i]) for i in (_SWAP, _DAY_CONFLICT, _NAME_MISSING))
        # pairs in the uncertain band of the model are re-read with a second encoder (verifier.SecondOpinion)
        self._second = SecondOpinion(band) if (band := band_of(self.config)) else None
        self._expensive_most += self._second.band.most_gain if self._second else 0.0
        if self.config.faiss_threads:
            # process-wide; the searches here are small, and OpenMP workers spinning on a busy machine
            # made clustering several times slower (benchmarks/STORIES.md)
            faiss_module().omp_set_num_threads(self.config.faiss_threads)
        retire = self.config.retire_after_days
        if retire is not None and retire < self.config.window_days:
            raise ValueError(f"retire_after_days ({retire}) must be at least window_days ({self.config.window_days})")
        self._reset()

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

    # ---- public API ----

    def add(self, item: StoryItem) -> str:
        """Put one article into an existing story or open a new one; returns the story id.
        Adding an article id that is already clustered returns its story unchanged."""
        return self.add_many([item])[0]

    def add_many(self, items: list[StoryItem]) -> list[str]:
        """Same as calling :meth:`add` for each item in order, but searches neighbours in batches."""
        out: list[str] = []
        size = max(1, self.config.batch_size)
        for start in range(0, len(items), size):
            out.extend(self._add_batch(items[start:start + size]))
        return out

    def recluster(self, items: list[StoryItem]) -> tuple[dict[str, str], dict]:
        """Cluster `items` from scratch (in time order) and replace their story assignments.

        Every new story takes the id of the old story it shares most articles with (largest overlap
        first; each old id is given once); other stories get an id from their earliest article.
        Articles not in `items` keep their stories. Returns (article id -> story id, change report).
        The report lists, relative to the previous assignment of these articles: ``unchanged``
        stories (same articles), ``changed`` (kept their id, gained or lost articles), ``new``
        (made only of articles not clustered before), ``merged`` (new id -> old ids it absorbed),
        ``split`` (old id -> new ids its articles went to) and ``removed`` (old ids left empty).
        """
        unique: dict[str, StoryItem] = {}
        for item in items:
            unique[item.article_id] = item
        batch = sorted(unique.values(),
                       key=lambda it: (np.inf if it.time is None else _timestamp(it.time), it.article_id))
        # nothing retired in the batch: its rows are copied back whole
        fresh = type(self)(self.config.with_(retire_after_days=None))   # a subclass keeps its own step
        temp_ids = fresh.add_many(batch)
        old_of = {it.article_id: self.story_of(it.article_id) for it in batch}

        groups: dict[str, list[str]] = defaultdict(list)
        for it, temp in zip(batch, temp_ids):
            groups[temp].append(it.article_id)
        # overlap of every new group with every old story
        overlaps: list[tuple[int, str, str]] = []
        for temp, members in groups.items():
            for old, count in Counter(old_of[a] for a in members if old_of[a] is not None).items():
                overlaps.append((count, temp, old))
        overlaps.sort(key=lambda t: (-t[0], t[1], t[2]))
        final_of_group: dict[str, str] = {}
        taken: set[str] = set()
        for _, temp, old in overlaps:
            if temp in final_of_group or old in taken:
                continue
            final_of_group[temp] = old
            taken.add(old)
        # stories untouched by this period keep their ids, so new ids must avoid them too
        outside = {sid for sid, ids in self.iter_stories() if any(a not in unique for a in ids)}
        used = set(taken) | outside
        for temp in sorted(groups, key=lambda t: groups[t][0]):
            if temp in final_of_group:
                continue
            sid = story_id_for(groups[temp][0])
            suffix = 2
            while sid in used:
                sid = f"{story_id_for(groups[temp][0])}-{suffix}"
                suffix += 1
            final_of_group[temp] = sid
            used.add(sid)

        assignment = {a: final_of_group[temp] for temp, members in groups.items() for a in members}
        report = change_report(groups, final_of_group, old_of, self._member_ids)
        self._rebuild(fresh, assignment)
        return assignment, report

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

    def _member_ids(self, sid: str) -> list[str]:
        return (self._closed.article_ids(sid) if sid in self._closed else []) + \
            ([self._ids[r] for r in self._stories[sid].members] if sid in self._stories else [])

    # ---- extras used by storage and benchmarks ----

    def story_of(self, article_id: str) -> str | None:
        row = self._row.get(article_id)
        return self._closed.story_of(article_id) if row is None else self._story_of[row]

    def load(self, items: list[StoryItem], story_ids: list[str]) -> None:
        """Restore a saved state: put each item into the given story without re-deciding."""
        if len(items) != len(story_ids):
            raise ValueError("load(): items and story_ids differ in length")
        rows = []
        for item, sid in zip(items, story_ids):
            if self.story_of(item.article_id) is not None:
                continue
            row = self._append(item)
            self._assign(row, sid)
            rows.append(row)
        if rows:
            self._index_rows(np.array(rows, dtype=np.int64))

    def find_story(self, item: StoryItem) -> str | None:
        """The story `item` would join, without adding it (None: it would open a new one). For the
        items of a digest: each item, embedded on its own with the digest's time, may link to its story."""
        if self._n == 0:
            return None
        probe = replace(item, article_id="\0probe", digest=False)
        row = self._append(probe)
        try:
            neigh_rows, neigh_sims = self._neighbours(np.array([row], dtype=np.int64))
            return self._choose(row, neigh_rows[0], neigh_sims[0])
        finally:
            for name in _ROW_FIELDS:
                getattr(self, name).pop()
            del self._row[probe.article_id]
            self._n -= 1

    def __len__(self) -> int:
        return self._n + self._closed.articles

    def pair_score(self, a: StoryItem, b: StoryItem) -> float:
        """The same-story score of two articles (what a 2-article corpus would be decided on)."""
        scratch, cos = self._scratch_pair(a, b)
        return scratch._pair_score(0, 1, cos)

    def pair_evidence(self, a: StoryItem, b: StoryItem) -> tuple[float, ...] | None:
        """The values of verifier.EVIDENCE for two articles (None: a hard limit forbids the pair)."""
        scratch, cos = self._scratch_pair(a, b)
        return scratch._evidence(0, 1, cos)

    def explain_pair(self, a: StoryItem, b: StoryItem) -> dict:
        """Why two articles are (not) one event: the evidence, its weights and contributions
        (stories/verifier.py), and whether the titles are near copies."""
        scratch, cos = self._scratch_pair(a, b)
        values = scratch._evidence(0, 1, cos)
        if values is None:
            return {"score": float("-inf"), "same_event": False, "reason": "outside the time window"}
        second = self._second
        leads = scratch._leads
        applies = second is not None and second.applies(self._weights.score(values), *leads)
        out = explain(self._weights, values, second.opinion(*leads) if applies else None)
        copy = near_copy(a.title or "", b.title or "", self.config.near_copy_min_chars)
        out["title_near_copy"] = round(copy, 4)
        out["digest"] = bool(a.digest or b.digest)
        return out

    def _scratch_pair(self, a: StoryItem, b: StoryItem) -> tuple["StoryClusterer", float]:
        scratch = StoryClusterer.__new__(StoryClusterer)
        scratch.config, scratch._weights, scratch._second = self.config, self._weights, self._second
        scratch._reset()
        scratch._append(a)
        scratch._append(b)
        return scratch, float(np.dot(scratch._emb[0], scratch._emb[1]))

    # ---- internals ----

    def _evidence(self, row: int, other: int, cos: float) -> tuple[float, ...] | None:
        """The values of verifier.EVIDENCE for two rows; None when a hard limit forbids the pair (more
        than `window_days` apart, or exactly one of them undated)."""
        values = self._cheap_evidence(row, other, cos)
        return None if values is None else self._full_evidence(values, row, other)

    def _cheap_evidence(self, row: int, other: int, cos: float) -> list[float] | None:
        """The evidence that costs a few set operations; 0 for the swap test, days and names."""
        cfg = self.config
        time_a, time_b = self._time[row], self._time[other]
        gap = 0.0
        if not (np.isnan(time_a) or np.isnan(time_b)):
            gap_days = abs(time_a - time_b) / _DAY
            if gap_days > cfg.window_days:
                return None
            gap = max(0.0, gap_days - cfg.time_grace_hours / 24.0)
        elif np.isnan(time_a) != np.isnan(time_b):
            return None
        ent = _overlap(self._entity_keys[row], self._entity_keys[other], cfg.entity_overlap_min_denominator)
        if ent < 0:
            ent = cfg.entity_overlap_missing
        cue_a, cue_b = self._followup[row], self._followup[other]
        years_a, years_b = self._years[row], self._years[other]
        nums_a, nums_b = self._numbers[row], self._numbers[other]
        return [cos, ent, _jaccard(self._title_words[row], self._title_words[other]), 0.0,
                float((cue_a & FOLLOWUP_CUE) != (cue_b & FOLLOWUP_CUE)),
                float((cue_a & DENIAL_CUE) != (cue_b & DENIAL_CUE)), 0.0,
                float(bool(years_a and years_b and not (years_a & years_b))),
                0.0, float(bool(nums_a and nums_b and not (nums_a & nums_b))), gap,
                float(period_clash(self._stamps, row, (other,)))]

    def _full_evidence(self, values: list[float], row: int, other: int) -> tuple[float, ...]:
        """`values` of _cheap_evidence with the swap test, conflicting days and missing names filled in."""
        days_a, days_b = self._days[row], self._days[other]
        names = (compact.missing_names(self._names[row], self._text_keys[other])
                 + compact.missing_names(self._names[other], self._text_keys[row]))
        values[_SWAP] = compact.swap_missing(self._title_keys[row], self._all_keys[row], self._title_keys[other],
                                             self._all_keys[other], self._weights.swap_unknown)
        values[_DAY_CONFLICT] = float(bool(days_a and days_b
                                           and days_conflict(days_a, days_b, self.config.date_tolerance_days)))
        values[_NAME_MISSING] = float(names > 0)
        return tuple(values)

    def _pair_score(self, row: int, other: int, cos: float) -> float:
        values = self._evidence(row, other, cos)
        return -np.inf if values is None else self._second_opinion(row, other, self._weights.score(values))

    def _score_or_bound(self, row: int, other: int, cos: float, exact: bool) -> float:
        """The pair's score, or (unless `exact`) an upper bound of it when even that is below the
        threshold: the costly evidence (swap test, days, names) is then not read. Everything after
        compares the score with the threshold only, so the outcome is the same."""
        values = self._cheap_evidence(row, other, cos)
        if values is None:
            return -np.inf
        if not exact:
            bound = self._weights.score(values) + self._expensive_most
            if bound < self._weights.threshold:
                return bound
        return self._second_opinion(row, other, self._weights.score(self._full_evidence(values, row, other)))

    def _second_opinion(self, row: int, other: int, score: float) -> float:
        """The score re-read by the second encoder when it is in the uncertain band (verifier.SecondOpinion)."""
        return score if self._second is None else self._second.adjust(score, self._leads[row], self._leads[other])

    def _append(self, item: StoryItem) -> int:
        vec = _unit(np.asarray(item.embedding, dtype=np.float32).ravel())
        if self._dim is None:
            self._allocate(vec.shape[0])
        elif vec.shape[0] != self._dim:
            raise ValueError(f"embedding of {item.article_id!r} has {vec.shape[0]} dims, expected {self._dim}")
        self._grow_if_full()
        row = self._n
        self._emb[row] = vec
        self._time[row] = _timestamp(item.time)
        self._live[row] = self._held[row] = True
        self._n += 1
        self._ids.append(item.article_id)
        self._row[item.article_id] = row
        self._titles.append(item.title or "")
        self._outlets.append(sys.intern(item.outlet))     # one copy per outlet, not per article
        self._entity_keys.append(entity_keys(item.entities, self.config))
        self._title_words.append(title_words(item.title or "", self.config))
        self._followup.append(title_cues(item.title or "", self.config))
        self._numbers.append(title_numbers(item.title or ""))
        self._days.append(day_numbers(item.lead_dates))
        self._years.append(frozenset(item.title_years))
        self._names.append(tuple(item.title_names))
        self._text_keys.append(text_keys := compact.keys(item.text_keys))    # sorted uint32: ~4 KB less
        # tuples, not the item's frozensets: only tested against a text's set, and ~2 KB less an article
        self._title_keys.append(tuple(tuple(keys) for keys in getattr(item, "title_keys", ()) or ()))
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

    def _bucket_key(self, row: int) -> int | None:
        t = self._time[row]
        return _UNDATED if np.isnan(t) else int(t // _DAY)

    def _index_rows(self, rows: np.ndarray) -> None:
        by_bucket: dict[int | None, list[int]] = defaultdict(list)
        for r in rows:
            by_bucket[self._bucket_key(int(r))].append(int(r))
        for key, members in by_bucket.items():
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = Bucket(self._dim, self.config)
            arr = np.array(members, dtype=np.int64)
            bucket.add(arr, self._emb[arr])
            cfg = self.config
            if not bucket.dense and cfg.index == "flat" and len(bucket.rows) >= cfg.dense_bucket_rows:
                vectors = self._emb[bucket.rows]
                if self._quantizer is None:
                    self._quantizer = train_quantizer(vectors, cfg.ivf_lists)
                bucket.make_dense(self._quantizer, vectors, cfg)

    def _retire(self, before: float) -> None:
        """Drop the features and day buckets of the rows published before `before` (they keep their id
        and story); a story all of whose members are retired is closed: it keeps its representative
        title, and its members' vectors and titles are dropped."""
        if before <= self._horizon:
            return
        self._horizon = before
        for key in [k for k in self._buckets if k is not None and (k + 1) * _DAY <= before]:
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
        cutoff = before // _DAY * _DAY           # rows before it are in no day index
        if np.count_nonzero(self._time[:n] < cutoff) - self._unarchived >= max(self.compact_min_rows, n // 4):
            compact_rows(self, cutoff, _ROW_FIELDS)
            self._unarchived = int(np.count_nonzero(self._time[:self._n] < cutoff))

    def _neighbours(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top-k neighbours (rows, cosines) of each row among indexed articles within the window and before
        it; -1 where there are fewer."""
        k = self.config.neighbours
        window = self.config.window_days
        # buckets are whole days: a neighbour within `window` days is at most ceil(window) buckets away
        span = int(np.ceil(window))
        n = len(rows)
        slots = 2 * span + 1
        cand_rows = np.full((n, slots * k), -1, dtype=np.int64)
        cand_sims = np.full((n, slots * k), -np.inf, dtype=np.float32)
        times = self._time[rows]
        undated = np.isnan(times)
        days = np.where(undated, 0, times // _DAY).astype(np.int64)
        queries = self._emb[rows]

        if undated.any() and _UNDATED in self._buckets:
            sel = np.flatnonzero(undated)
            self._search_bucket(self._buckets[_UNDATED], queries[sel], sel, 0, k, cand_rows, cand_sims)
        dated = np.flatnonzero(~undated)
        if len(dated):
            for offset in range(-span, span + 1):
                target = days[dated] + offset
                for day in np.unique(target):
                    bucket = self._buckets.get(int(day))
                    if bucket is None:
                        continue
                    sel = dated[target == day]
                    self._search_bucket(bucket, queries[sel], sel, offset + span, k, cand_rows, cand_sims)
            # exact window on timestamps (buckets are whole days)
            valid = cand_rows >= 0
            gaps = np.abs(self._time[np.where(valid, cand_rows, 0)] - times[:, None]) / _DAY
            out = valid & (gaps > window) & ~undated[:, None]
            cand_rows[out] = -1
            cand_sims[out] = -np.inf
        # keep the best k per row
        if cand_rows.shape[1] > k:
            top = np.argpartition(-cand_sims, k - 1, axis=1)[:, :k]
            cand_rows = np.take_along_axis(cand_rows, top, axis=1)
            cand_sims = np.take_along_axis(cand_sims, top, axis=1)
        return cand_rows, cand_sims

    def _search_bucket(self, bucket: Bucket, queries: np.ndarray, sel: np.ndarray, slot: int, k: int,
                       cand_rows: np.ndarray, cand_sims: np.ndarray) -> None:
        kk = min(k, bucket.index.ntotal)
        if kk == 0:
            return
        sims, local, compared = bucket.search(np.ascontiguousarray(queries), kk)
        self.stats["vectors_compared"] += compared
        found = local >= 0
        rows = np.where(found, bucket.rows[np.where(found, local, 0)], -1)
        cols = slice(slot * k, slot * k + kk)
        cand_rows[sel, cols] = rows
        cand_sims[sel, cols] = np.where(found, sims, -np.inf)

    def _add_batch(self, items: list[StoryItem]) -> list[str]:
        fresh: dict[str, StoryItem] = {}
        archived = self._closed.known([item.article_id for item in items])
        for pos, item in enumerate(items):
            if item.article_id in self._row or item.article_id in fresh or (
                    archived[pos] and self._closed.story_of(item.article_id)):
                continue       # already clustered (or earlier in this batch): resolved below
            fresh[item.article_id] = item
        if fresh:
            times = np.array([_timestamp(item.time) for item in fresh.values()])
            # retired (and rows renumbered, stories/archive.py) before the batch takes its rows
            if self.config.retire_after_days is not None and not np.isnan(times).all():
                self._retire(float(np.nanmin(times)) - self.config.retire_after_days * _DAY)
            rows = np.array([self._append(item) for item in fresh.values()], dtype=np.int64)
            self.stats["searched"], self.stats["batch_vectors_compared"] = (
                self.stats["searched"] + len(rows), self.stats["batch_vectors_compared"] + len(rows) ** 2 // 2)
            # a row joins only earlier rows: the best k of the index and of its own batch (earlier_in_batch)
            neigh_rows, neigh_sims = self._neighbours(rows)
            pos, sims = earlier_in_batch(self._emb[rows], self._time[rows], k := self.config.neighbours,
                                         self.config.window_days)
            neigh_rows = np.hstack([neigh_rows, np.where(pos >= 0, rows[pos], -1)])
            neigh_sims = np.hstack([neigh_sims, sims])
            top = np.argsort(-neigh_sims, axis=1, kind="stable")[:, :k]
            neigh_rows, neigh_sims = np.take_along_axis(neigh_rows, top, 1), np.take_along_axis(neigh_sims, top, 1)
            self._index_rows(rows)
            self.stats["neighbours"] += int((neigh_rows >= 0).sum())
            for i, row in enumerate(rows.tolist()):
                self._decide(row, neigh_rows[i], neigh_sims[i])
        return [self.story_of(item.article_id) for item in items]  # type: ignore[misc]

    def _decide(self, row: int, neigh_rows: np.ndarray, neigh_sims: np.ndarray) -> None:
        best_story = self._choose(row, neigh_rows, neigh_sims)
        if best_story is None:
            best_story = self._new_story_id(self._ids[row])
        self._assign(row, best_story)

    def _choose(self, row: int, neigh_rows: np.ndarray, neigh_sims: np.ndarray) -> str | None:
        """The story the row joins (None: it opens a new one)."""
        cfg = self.config
        best_story = None
        scores: dict[str, float] = {}
        copies: dict[str, float] = {}
        pairs: list[tuple[str, int, float]] = []
        apart = cfg.digests_apart
        if not (apart and self._digest[row]):       # a digest joins no event story (stories/digests.py)
            for other, cos in zip(neigh_rows.tolist(), neigh_sims.tolist()):
                if other < 0 or other == row or cos < cfg.candidate_min_cosine or (apart and self._digest[other]):
                    continue
                sid = self._story_of[other]
                if sid is None:
                    continue       # later in the same batch
                copy = self._near_copy(row, other)
                if copy > copies.get(sid, 0.0):
                    copies[sid] = copy
                s = self._score_or_bound(row, other, cos, exact=copy > 0)
                pairs.append((sid, other, cos))
                if s > scores.get(sid, -np.inf):
                    scores[sid] = s
        self.stats["pairs_scored"] += len(pairs)
        if len(copies) > 1:
            # near copies of members of several stories: the tie-break below reads exact scores
            for sid in copies:
                scores[sid] = max(self._pair_score(row, other, cos) for of, other, cos in pairs if of == sid)
        copies = {sid: c for sid, c in copies.items() if not period_clash(self._stamps, row, self._stories[sid].members)}
        if copies:
            # a near copy of a member's title joins its story whatever the score, gap or span
            best_story = max(copies.items(), key=lambda kv: (kv[1], scores.get(kv[0], -np.inf), kv[0]))[0]
        for sid, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
            if best_story is not None or s < self._weights.threshold:
                break
            story = self._stories[sid]
            t = self._time[row]
            if not np.isnan(t) and (max(story.last, t) - min(story.first, t)) / _DAY > cfg.max_story_days:
                continue       # a chain of daily near-repeats (weather, exchange rates) is not one event
            if period_clash(self._stamps, row, story.members):
                continue       # a report of another night or day (verifier.report_stamp)
            if len(story.members) > 1:
                centroid = story.vector_sum / max(np.linalg.norm(story.vector_sum), 1e-9)
                if float(self._emb[row] @ centroid) < cfg.centroid_min_cosine:
                    continue
            best_story = sid
        return best_story

    def _near_copy(self, row: int, other: int) -> float:
        """The near-copy measure of two titles when it reaches `near_copy_jaccard` and nothing forbids
        the join (more than `near_copy_max_days` apart, days that conflict); else 0."""
        cfg = self.config
        title_a, title_b = self._titles[row], self._titles[other]
        if min(len(title_a), len(title_b)) < cfg.near_copy_min_chars:
            return 0.0
        # a near copy shares most words of the shorter title: a cheap filter before the 3-grams
        words_a, words_b = self._title_words[row], self._title_words[other]
        if not words_a or not words_b or len(words_a & words_b) < 0.5 * min(len(words_a), len(words_b)):
            return 0.0
        gap = abs(self._time[row] - self._time[other]) / _DAY
        if gap > cfg.near_copy_max_days or (np.isnan(gap) and np.isnan(self._time[row]) != np.isnan(self._time[other])):
            return 0.0
        if gap > cfg.time_grace_hours / 24.0 and min(len(title_a), len(title_b)) < cfg.near_copy_min_chars_across_days:
            return 0.0       # 'Взрывы в Киеве, — украинские СМИ.' three days later is another night
        days_a, days_b = self._days[row], self._days[other]
        if days_a and days_b and days_conflict(days_a, days_b, cfg.date_tolerance_days):
            return 0.0
        if period_clash(self._stamps, row, (other,)):
            return 0.0       # 'ПВО за ночь уничтожила …' of two nights: near copies, two reports
        copy = near_copy(title_a, title_b, cfg.near_copy_min_chars)
        return copy if copy >= cfg.near_copy_jaccard else 0.0

    def _new_story_id(self, article_id: str) -> str:
        sid = story_id_for(article_id)
        base, suffix = sid, 2
        while sid in self._stories or sid in self._closed:
            sid = f"{base}-{suffix}"
            suffix += 1
        return sid

    def _rebuild(self, fresh: "StoryClusterer", assignment: dict[str, str]) -> None:
        """Replace the state with: old articles outside the re-clustered batch (in their old stories)
        + the batch (in its new stories). Features are copied, not recomputed; retired rows stay retired
        and a story made only of them keeps its title."""
        old = StoryClusterer.__new__(StoryClusterer)
        old.__dict__ = dict(self.__dict__)
        sources = [(old, r, old._story_of[r]) for r in range(old._n) if old._ids[r] not in assignment]
        sources += [(fresh, r, assignment[fresh._ids[r]]) for r in range(fresh._n)]
        # time order, so that stories list their members chronologically
        sources.sort(key=lambda s: (np.inf if np.isnan(s[0]._time[s[1]]) else s[0]._time[s[1]]))
        self._reset()
        self._closed = old._closed            # closed stories outside the batch stay closed
        self._closed.remove(set(assignment))
        for src, row, sid in sources:
            self._assign(self._copy_row(src, row), sid)
        for sid, story in self._stories.items():
            if not self._held[story.members].any():
                story.title, story.vector_sum = old._stories[sid].title, None
        self._horizon = old._horizon
        self._index_rows(np.flatnonzero(self._live[:self._n]))

    def _copy_row(self, src: "StoryClusterer", row: int) -> int:
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
        for name in _ROW_FIELDS[2:]:
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
