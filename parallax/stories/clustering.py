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
``near_copy_max_days``; see :func:`near_copy` and ``_near_copy`` for what stops it); a digest (several
unrelated items in one post, stories/digests.py) joins no story and no story joins it. The thresholds live
in ``stories/config.yaml``. Three rules of their own data files come after the score (issue 12, tenth
session): of several stories a post may join, the largest of those telling the same event takes it
(``stories/data/parallel_stories.yaml``: parallel stories of one event stop growing side by side); the calendar
and weather posts of another day join no story (stories/recurring.py); a post quoting another speaker joins no
story of one person's statements (stories/speakers.py).

The clusterer is one class in four modules: this one (adding, re-clustering, the join decision),
stories/rows.py (per-row features, stories, retirement and the archive), stories/search.py (the candidate
search over the day buckets of stories/index.py) and stories/evidence.py (the evidence of a pair, the
near-copy test, and the candidates of a row scored with the costly evidence read only where it can matter).

Story ids are derived from the founding article id, so the same input in the same order gives the
same ids in every run; :meth:`StoryClusterer.recluster` re-clusters a period from scratch and keeps,
for every new story, the id of the old story it overlaps most.

Items without a time (``time=None``) are clustered only with other undated items, with no time
penalty. A clusterer is not thread-safe: one writer at a time.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from parallax.resources import load_yaml_mapping
from parallax.stories.archive import change_report
from parallax.stories.config import ClusterConfig
from parallax.stories.evidence import _DAY_CONFLICT, _NAME_MISSING, _SWAP, PairEvidence, days_conflict, near_copy
from parallax.stories.features import StoryItem
from parallax.stories.index import earlier_in_batch, faiss_module
from parallax.stories.names import default_matcher
from parallax.stories.recurring import clashes_with_any, recurring_stamp
from parallax.stories.rows import DAY, ROW_FIELDS, StoryRows, story_id_for, timestamp
from parallax.stories.search import CandidateSearch
from parallax.stories.speakers import dominant_speaker, speaker_barred, title_prefixes, title_speaker
from parallax.stories.verifier import SecondOpinion, band_of, explain, period_clash, weights_for

__all__ = ["StoryClusterer", "days_conflict", "near_copy", "ParallelRule", "parallel_rule", "story_id_for"]

PARALLEL_RULE = "stories/data/parallel_stories.yaml"


@dataclass(frozen=True)
class ParallelRule:
    """Parallel stories of one event (stories/data/parallel_stories.yaml): of the stories a post may join,
    those within `margin` of the best score whose centroids are within `min_cosine` of the best one's are
    one choice, and the largest takes the post; `margin` None: the best score alone decides."""
    margin: float | None
    min_cosine: float


@lru_cache(maxsize=1)
def parallel_rule() -> ParallelRule:
    data = load_yaml_mapping(PARALLEL_RULE)
    margin, min_cosine = data.get("margin"), data.get("min_cosine")
    for name, value, nullable in (("margin", margin, True), ("min_cosine", min_cosine, False)):
        if (value is None and not nullable) or (value is not None and (
                not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0)):
            raise ValueError(f"{PARALLEL_RULE}: {name} must be a number >= 0{' or null' if nullable else ''}, "
                             f"not {value!r}")
    return ParallelRule(None if margin is None else float(margin), float(min_cosine))


class StoryClusterer(PairEvidence, CandidateSearch, StoryRows):
    """Rows and stories: stories/rows.py; candidates: stories/search.py; pair evidence: stories/evidence.py."""

    def __init__(self, config: ClusterConfig | None = None):
        self.config = config or ClusterConfig()
        self._weights = weights_for(self.config)
        # the most the costly evidence can add to a score (values in [0, 1]; fitted weights are <= 0)
        self._expensive_most = sum(max(0.0, self._weights.weights[i]) for i in (_SWAP, _DAY_CONFLICT, _NAME_MISSING))
        # pairs in the uncertain band of the model are re-read with a second encoder (verifier.SecondOpinion)
        self._second = SecondOpinion(band) if (band := band_of(self.config)) else None
        self._parallel_rule = parallel_rule()
        self._expensive_most += self._second.band.most_gain if self._second else 0.0
        if self.config.faiss_threads:
            # process-wide; the searches here are small, and OpenMP workers spinning on a busy machine
            # made clustering several times slower (benchmarks/STORIES.md)
            faiss_module().omp_set_num_threads(self.config.faiss_threads)
        retire = self.config.retire_after_days
        if retire is not None and retire < self.config.window_days:
            raise ValueError(f"retire_after_days ({retire}) must be at least window_days ({self.config.window_days})")
        self._reset()

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
                       key=lambda it: (np.inf if it.time is None else timestamp(it.time), it.article_id))
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

    # ---- extras used by storage and benchmarks ----

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
            for name in ROW_FIELDS:
                getattr(self, name).pop()
            del self._row[probe.article_id]
            self._n -= 1

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

    def _add_batch(self, items: list[StoryItem]) -> list[str]:
        fresh: dict[str, StoryItem] = {}
        archived = self._closed.known([item.article_id for item in items])
        for pos, item in enumerate(items):
            if item.article_id in self._row or item.article_id in fresh or (
                    archived[pos] and self._closed.story_of(item.article_id)):
                continue       # already clustered (or earlier in this batch): resolved below
            fresh[item.article_id] = item
        if fresh:
            times = np.array([timestamp(item.time) for item in fresh.values()])
            # retired (and rows renumbered, stories/archive.py) before the batch takes its rows
            if self.config.retire_after_days is not None and not np.isnan(times).all():
                self._retire(float(np.nanmin(times)) - self.config.retire_after_days * DAY)
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
        scores, copies, pairs = self._score_candidates(row, neigh_rows, neigh_sims)
        self.stats["pairs_scored"] += len(pairs)
        if len(copies) > 1:
            # near copies of members of several stories: the tie-break below reads exact scores
            for sid in copies:
                scores[sid] = max(self._pair_score(row, other, cos) for of, other, cos in pairs if of == sid)
        kind = recurring_stamp(self._titles[row], float(self._time[row]))
        copies = {sid: c for sid, c in copies.items() if not period_clash(self._stamps, row, self._stories[sid].members)
                  and not self._recurring_clash(kind, sid)}
        if copies:
            # a near copy of a member's title joins its story whatever the score, gap or span
            best_story = max(copies.items(), key=lambda kv: (kv[1], scores.get(kv[0], -np.inf), kv[0]))[0]
        margin = self._parallel_rule.margin
        choice: list[tuple[int, float, str]] = []      # (members, score, story) of the stories it may join
        for sid, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
            if best_story is not None or s < self._weights.threshold or (choice and s < choice[0][1] - margin):
                break
            story = self._stories[sid]
            t = self._time[row]
            if not np.isnan(t) and (max(story.last, t) - min(story.first, t)) / DAY > cfg.max_story_days:
                continue       # a chain of daily near-repeats (weather, exchange rates) is not one event
            if period_clash(self._stamps, row, story.members):
                continue       # a report of another night or day (verifier.report_stamp)
            if self._recurring_clash(kind, sid):
                continue       # the calendar or the weather of another day (stories/recurring.py)
            if self._other_speaker(row, sid):
                continue       # a story of another speaker's statements (stories/speakers.py)
            if len(story.members) > 1:
                centroid = story.vector_sum / max(np.linalg.norm(story.vector_sum), 1e-9)
                if float(self._emb[row] @ centroid) < cfg.centroid_min_cosine:
                    continue
            if margin is None:
                best_story = sid
            else:
                choice.append((len(story.members), s, sid))
        if choice:
            best_story = self._largest_parallel(choice)
        return best_story

    def _recurring_clash(self, stamp: tuple | None, sid: str) -> bool:
        """A recurring report (`stamp` of recurring.recurring_stamp) and a member of the story of the same kind
        that is not the same event: another local day, or another observance of the day."""
        if stamp is None:
            return False
        titles, times = self._titles, self._time
        members = self._stories[sid].members
        return clashes_with_any(stamp, [recurring_stamp(titles[m], float(times[m])) for m in members])

    def _other_speaker(self, row: int, sid: str) -> bool:
        """The row quotes a speaker and the story is another speaker's statements (stories/speakers.py)."""
        matcher = default_matcher(self.config.name_key_chars, self.config.name_common_words)
        speaker = title_speaker(self._titles[row], matcher)
        if speaker is None:
            return False
        titles = self._titles
        story_speaker = dominant_speaker([title_speaker(titles[m], matcher) for m in self._stories[sid].members])
        return speaker_barred(speaker, story_speaker, title_prefixes(titles[row], matcher.key_chars))

    def _largest_parallel(self, choice: list[tuple[int, float, str]]) -> str:
        """Of the stories a row may join (members, score, id; best score first), the largest of those that
        tell the same event as the best one: their centroids' cosine reaches the rule's `min_cosine`
        (stories/data/parallel_stories.yaml). A story of a related event (the decision that started the
        protests, a follow-up) is farther from it and does not take the post."""
        top = choice[0]
        if len(choice) == 1:
            return top[2]
        centroids = {}
        for members, _, sid in choice:
            story = self._stories[sid]
            vector = story.vector_sum if story.vector_sum is not None else self._emb[story.members[0]]
            centroids[sid] = vector / max(float(np.linalg.norm(vector)), 1e-9)
        close = [c for c in choice
                 if c is top or float(centroids[c[2]] @ centroids[top[2]]) >= self._parallel_rule.min_cosine]
        return max(close, key=lambda c: (c[0], c[1], c[2]))[2]

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

