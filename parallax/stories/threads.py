"""Threads: stories linked into one developing story over days.

A story is one event (stories/clustering.py); a thread is the level above: the Tbilisi protests night
after night, the South Korean martial law, its lifting and the impeachment motion that followed. Stories
are linked by the names they share (people, organisations, places), by topic (the cosine of their story
vectors: the mean of their articles' title + lead embeddings) and by time (a story links only to stories
that ended shortly before it began). The settings are in ``stories/data/threads.yaml``; what one thread
is: ``benchmarks/data/threads_guideline.md``.

Pure functions over story-level aggregates (:class:`StoryAggregate`), so storing and updating threads
(store/threads.py) is a matter of choosing which aggregates to pass:

* stories are decided one at a time, in the order of (first article time, story id); a story joins the
  thread of the best-linked earlier story or opens its own thread;
* a decision reads only the stories that started within ``lookback_days`` before it, so re-deciding
  every story from some time t on, with the stories of [t - lookback, t) and their threads as context,
  gives the same threads as deciding everything from scratch (:func:`assign_threads`);
* a chain does not drift: the story must also fit the thread as it stands over the lookback window
  (its recent vector and core names), not just the one story it links to.

Thread ids are ``"t" + sha1(founding story id)[:12]``.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from parallax.resources import load_yaml_mapping
from parallax.stories.features import StoryItem
from parallax.text import fold

THREADS_CONFIG = "stories/data/threads.yaml"
_DAY = 86400.0
_MAX_COUNTED_SHARED = 4


@dataclass(frozen=True)
class ThreadConfig:
    """Thread settings (see the comments in ``stories/data/threads.yaml``)."""
    lookback_days: float
    max_gap_days: float
    entity_min_share: float
    max_story_entities: int
    common_entity_share: float
    common_entity_min_stories: int
    min_shared_entities: int
    link_via_min_articles: int
    link_min_cosine: float
    strong_cosine: float
    weight_entities: float
    thread_min_cosine: float
    core_share: float
    min_story_articles: int
    not_names: frozenset[str] = frozenset()

    @classmethod
    def load(cls, relative: str = THREADS_CONFIG, **overrides: Any) -> "ThreadConfig":
        data = dict(load_yaml_mapping(relative))
        data.update(overrides)
        names = {f.name for f in fields(cls)}
        if set(data) - names:
            raise ValueError(f"{relative}: unknown thread settings {sorted(set(data) - names)}")
        if names - set(data):
            raise ValueError(f"{relative}: missing thread settings {sorted(names - set(data))}")
        data["not_names"] = frozenset(fold(str(n)).strip() for n in data["not_names"] or ())
        return cls(**data)

    def with_(self, **changes: Any) -> "ThreadConfig":
        return replace(self, **changes)


@dataclass(frozen=True)
class StoryAggregate:
    """What thread linking knows about one story."""
    story_id: str
    first: float                     # first / last article time, epoch seconds
    last: float
    articles: int
    vector: np.ndarray               # unit mean of the members' story embeddings
    entities: tuple[str, ...]        # salient names (folded), most named first
    entity_counts: tuple[int, ...]   # how many articles name each
    title: str = ""
    digest: bool = False

    @property
    def key(self) -> tuple[float, str]:
        return (self.first, self.story_id)


@dataclass(frozen=True)
class ThreadLink:
    """The thread a story is in, and why: the earlier story it linked to (None: it founded the thread),
    the link's cosine and the names the two share."""
    story_id: str
    thread_id: str
    via: str | None = None
    cosine: float | None = None
    shared: tuple[str, ...] = ()


def thread_id_for(story_id: str) -> str:
    return "t" + hashlib.sha1(story_id.encode("utf-8")).hexdigest()[:12]


def aggregate_story(story_id: str, items: Sequence[StoryItem], config: ThreadConfig,
                    title: str = "") -> StoryAggregate | None:
    """The aggregate of a story from its members' StoryItems; None for an undated story (it has no
    place on a timeline)."""
    times = [it.time.timestamp() for it in items if it.time is not None]
    if not items or not times:
        return None
    vectors = np.vstack([np.asarray(it.embedding, dtype=np.float32) for it in items])
    mean = vectors.mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-9)
    counts: Counter[str] = Counter()
    for it in items:
        counts.update({fold(name).strip() for name in it.entities if name.strip()} - config.not_names)
    floor = max(1.0, config.entity_min_share * len(items))
    salient = sorted(((n, c) for n, c in counts.items() if c >= floor), key=lambda nc: (-nc[1], nc[0]))
    salient = salient[:config.max_story_entities]
    return StoryAggregate(story_id=story_id, first=min(times), last=max(times), articles=len(items),
                          vector=mean.astype(np.float32), entities=tuple(n for n, _ in salient),
                          entity_counts=tuple(c for _, c in salient), title=title,
                          digest=any(it.digest for it in items))


def takes_part(story: StoryAggregate, config: ThreadConfig) -> bool:
    """Digests (several unrelated items) and stories below the size floor belong to no thread."""
    return not story.digest and story.articles >= config.min_story_articles


class _Window:
    """The decided stories that started within the lookback of the story being decided, with an index
    of their names and how many of them name each."""

    def __init__(self, config: ThreadConfig):
        self.config = config
        self.stories: list[StoryAggregate] = []
        self.thread_of: dict[str, str] = {}
        self.members_of: dict[str, list[int]] = defaultdict(list)
        self.start = 0
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.name_df: Counter[str] = Counter()

    def add(self, story: StoryAggregate, thread_id: str) -> None:
        index = len(self.stories)
        self.stories.append(story)
        self.thread_of[story.story_id] = thread_id
        self.members_of[thread_id].append(index)
        for name in story.entities:
            self.by_name[name].add(index)
            self.name_df[name] += 1

    def advance(self, now: float) -> None:
        """Drop the stories that started more than `lookback_days` before `now`."""
        horizon = now - self.config.lookback_days * _DAY
        while self.start < len(self.stories) and self.stories[self.start].first < horizon:
            old = self.stories[self.start]
            for name in old.entities:
                self.by_name[name].discard(self.start)
                self.name_df[name] -= 1
            self.start += 1

    def live(self) -> int:
        return len(self.stories) - self.start

    def common(self, name: str) -> bool:
        df = self.name_df[name]
        return df >= self.config.common_entity_min_stories and df > self.config.common_entity_share * self.live()


def _links(story: StoryAggregate, window: _Window) -> list[tuple[float, int, float, tuple[str, ...]]]:
    """(score, window index, cosine, shared names) of every earlier story the story may link to, best first."""
    cfg = window.config
    shared_by: dict[int, list[str]] = defaultdict(list)
    for name in story.entities:
        if window.common(name):
            continue
        for index in window.by_name.get(name, ()):
            shared_by[index].append(name)
    out = []
    for index, shared in shared_by.items():
        other = window.stories[index]
        if story.first - other.last > cfg.max_gap_days * _DAY or other.articles < cfg.link_via_min_articles:
            continue
        cos = float(story.vector @ other.vector)
        enough = len(shared) >= cfg.min_shared_entities or cos >= cfg.strong_cosine
        if not enough or cos < cfg.link_min_cosine:
            continue
        score = cos + cfg.weight_entities * min(len(shared), _MAX_COUNTED_SHARED)
        out.append((score, index, cos, tuple(sorted(shared))))
    out.sort(key=lambda t: (-t[0], window.stories[t[1]].key))
    return out


def fits_thread(story: StoryAggregate, members: Sequence[StoryAggregate], config: ThreadConfig) -> bool:
    """The drift cut: the story is close to the thread's recent vector (the members weighted by their
    articles) and names one of its core names (named by `core_share` of the members' articles)."""
    if not members:
        return True
    weights = np.array([m.articles for m in members], dtype=np.float32)
    vector = (np.vstack([m.vector for m in members]) * weights[:, None]).sum(axis=0)
    vector /= max(float(np.linalg.norm(vector)), 1e-9)
    if float(story.vector @ vector) < config.thread_min_cosine:
        return False
    named: Counter[str] = Counter()
    for m in members:
        named.update(dict(zip(m.entities, m.entity_counts)))
    total = float(weights.sum())
    core = {name for name, count in named.items() if count >= config.core_share * total}
    return bool(core & set(story.entities))


def _decide(story: StoryAggregate, window: _Window) -> ThreadLink:
    tried: set[str] = set()
    for _, index, cos, shared in _links(story, window):
        other = window.stories[index]
        thread = window.thread_of[other.story_id]
        if thread in tried:
            continue
        tried.add(thread)
        members = [window.stories[i] for i in window.members_of[thread] if i >= window.start]
        if fits_thread(story, members, window.config):
            return ThreadLink(story.story_id, thread, other.story_id, round(cos, 4), shared)
    return ThreadLink(story.story_id, thread_id_for(story.story_id))


def assign_threads(stories: Iterable[StoryAggregate], config: ThreadConfig,
                   context: Iterable[tuple[StoryAggregate, str]] = ()) -> list[ThreadLink]:
    """The thread of every story in `stories`, decided in time order.

    `context` holds already decided stories (with their thread ids) that started before every story in
    `stories`; only those within `lookback_days` of the first story matter. Deciding the stories of
    [t, ...) with the context of [t - lookback, t) gives the same links as deciding everything at once.
    Stories that take no part (digests, too small) get no link."""
    window = _Window(config)
    for story, thread in sorted(context, key=lambda st: st[0].key):
        window.add(story, thread)
    out = []
    for story in sorted(stories, key=lambda s: s.key):
        if not takes_part(story, config):
            continue
        window.advance(story.first)
        link = _decide(story, window)
        window.add(story, link.thread_id)
        out.append(link)
    return out


def thread_day(ts: float) -> str:
    """The UTC day of a timestamp, the step of a thread's timeline."""
    return np.datetime_as_string(np.datetime64(int(ts), "s"), unit="D").item()


def timeline(stories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A thread's timeline from its stories (dicts with ``id``, ``first`` (epoch s) and ``articles``: a
    list of dicts with ``outlet`` and ``published_ts``): the days in order, each with its stories (by the
    day they began), and each outlet's number of articles per story (which outlet covered which step)."""
    days: dict[str, list[str]] = defaultdict(list)
    coverage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for story in sorted(stories, key=lambda s: (s["first"], s["id"])):
        days[thread_day(story["first"])].append(story["id"])
        for article in story["articles"]:
            coverage[article["outlet"]][story["id"]] += 1
    outlets = sorted(coverage, key=lambda o: (-sum(coverage[o].values()), o))
    return {"days": [{"day": d, "stories": ids} for d, ids in sorted(days.items())],
            "outlets": [{"outlet": o, "stories": dict(coverage[o])} for o in outlets]}
