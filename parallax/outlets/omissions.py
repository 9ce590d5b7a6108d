"""Omissions: the facts most outlets of a story report and one outlet leaves out.

For a story covered by at least three outlets, a fact (a claim group of :func:`parallax.compare.compare_story`)
is *majority-reported* when more than half of the story's outlets have a claim in it. Every outlet of the
story without a claim in it omits it. Each omitted fact gets a kind (data/omission_kinds.yaml):
casualties, quotes, sources, numbers, context, other — so that an outlet's omission profile says *what*
it tends to leave out (casualty figures, whom others cite, background).

An omission is evidence about coverage, not proof of intent: Telegram posts are short, a story's
clustering may put a follow-up into it, and claim alignment can miss a paraphrase (the fact then looks
omitted). Profiles therefore give rates (omissions per majority fact the outlet could have reported)
next to counts.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from parallax.compare import embed
from parallax.model import AnalyzedArticle, ClaimGroup, ClaimMember, StoryComparison
from parallax.nlp import morph
from parallax.pipeline import analyzer_version, story_comparison
from parallax.resources import load_yaml, resource_path
from parallax.store import profile_cache
from parallax.text import fold

log = logging.getLogger(__name__)
DATA_PATH = resource_path("outlets/data/omission_kinds.yaml")
MIN_OUTLETS = 3
CACHE_VERSION = 1


@dataclass(frozen=True)
class OmissionRules:
    order: tuple[str, ...]
    descriptions: dict[str, str]
    casualty_lemmas: frozenset[str]
    context_lemmas: frozenset[str]          # single lemmas
    context_pairs: frozenset[tuple[str, ...]]   # multi-word markers as lemma tuples
    context_days: int




@functools.lru_cache(maxsize=1)
def omission_rules() -> OmissionRules:
    data = load_yaml(DATA_PATH)
    order = tuple(data["order"])
    if "other" not in order or set(data.get("descriptions", {})) != set(order):
        raise ValueError(f"{DATA_PATH}: every kind of `order` (including 'other') needs a description")
    single, pairs = set(), set()
    for marker in data.get("context_lemmas", []):
        words = str(marker).split()
        if len(words) == 1:
            single.add(morph.lemma(words[0]))
        else:
            pairs.add(tuple(morph.lemma(w) for w in words))
    return OmissionRules(order=order, descriptions=dict(data["descriptions"]),
                         casualty_lemmas=frozenset(morph.lemma(w) for w in data.get("casualty_lemmas", [])),
                         context_lemmas=frozenset(single), context_pairs=frozenset(pairs),
                         context_days=int(data.get("context_days", 30)))


OMISSION_KINDS = omission_rules().order


@dataclass
class Omission:
    story: str
    outlet: str                        # the outlet that omits the fact
    group: str                         # claim group id within the story comparison
    kind: str
    text: str                          # the fact as one reporting outlet words it
    reported_by: list[str] = field(default_factory=list)   # outlets that report it
    article: str | None = None         # article id of that wording
    start: int | None = None           # offsets of that wording in its article
    end: int | None = None


def _within(items, start: int, end: int):
    return [x for x in items if x.start >= start and x.end <= end]


def member_kinds(member: ClaimMember, doc: AnalyzedArticle, rules: OmissionRules | None = None) -> set[str]:
    """Every kind one claim qualifies for ('other' always)."""
    rules = rules or omission_rules()
    kinds = {"other"}
    tokens = [t for t in doc.tokens if t.start >= member.start and t.end <= member.end]
    lemmas = [fold(t.lemma or t.text) for t in tokens]
    surfaces = [fold(t.text) for t in tokens]
    numbers = [n for n in _within(doc.numbers, member.start, member.end) if n.qualifier != "ordinal"]
    dates = _within(doc.dates, member.start, member.end)
    if numbers and any(lm in rules.casualty_lemmas or s in rules.casualty_lemmas
                       for lm, s in zip(lemmas, surfaces)):
        kinds.add("casualties")
    if any(q.kind == "direct" and q.start < member.end and member.start < q.end for q in doc.quotes):
        kinds.add("quotes")
    if _within(doc.attributions, member.start, member.end):
        kinds.add("sources")
    if numbers or dates:
        kinds.add("numbers")
    background = any(lm in rules.context_lemmas for lm in lemmas) or any(
        tuple(lemmas[i:i + len(p)]) == p for p in rules.context_pairs for i in range(len(lemmas)))
    if not background and doc.article.date is not None:
        limit = doc.article.date - dt.timedelta(days=rules.context_days)
        background = any(d.value is not None and d.value < limit for d in dates)
    if background:
        kinds.add("context")
    return kinds


def fact_kind(group: ClaimGroup, docs: dict[str, AnalyzedArticle], rules: OmissionRules | None = None) -> str:
    """The kind of a fact: the first kind of the rule order that any member claim qualifies for."""
    rules = rules or omission_rules()
    found: set[str] = set()
    for m in group.members:
        doc = docs.get(m.article)
        if doc is not None:
            found |= member_kinds(m, doc, rules)
    return next(k for k in rules.order if k in found or k == "other")


def story_omissions(comparison: StoryComparison, min_outlets: int = MIN_OUTLETS) -> list[Omission]:
    """Facts more than half of the story's outlets report, once per outlet that omits them."""
    docs = {d.id: d for d in comparison.articles}
    outlet_of = {d.id: d.article.outlet for d in comparison.articles}
    outlets = sorted(set(outlet_of.values()))
    if len(outlets) < min_outlets:
        return []
    rules = omission_rules()
    out: list[Omission] = []
    for group in comparison.claims:
        reporting = sorted({outlet_of[m.article] for m in group.members if m.article in outlet_of})
        if len(reporting) * 2 <= len(outlets) or len(reporting) < 2:
            continue
        kind = fact_kind(group, docs, rules)
        anchor = group.members[0]
        for outlet in outlets:
            if outlet in reporting:
                continue
            out.append(Omission(story=comparison.id, outlet=outlet, group=group.id, kind=kind,
                                text=anchor.text, reported_by=reporting, article=anchor.article,
                                start=anchor.start, end=anchor.end))
    return out


def majority_facts(comparison: StoryComparison, min_outlets: int = MIN_OUTLETS) -> int:
    """How many facts of the story are majority-reported (what each of its outlets could report)."""
    outlets = {d.article.outlet for d in comparison.articles}
    if len(outlets) < min_outlets:
        return 0
    outlet_of = {d.id: d.article.outlet for d in comparison.articles}
    n = 0
    for group in comparison.claims:
        reporting = {outlet_of[m.article] for m in group.members if m.article in outlet_of}
        if len(reporting) * 2 > len(outlets) and len(reporting) >= 2:
            n += 1
    return n


@dataclass
class OmissionProfile:
    outlet: str
    stories: int = 0                   # stories with >= 3 outlets it covered
    majority_facts: int = 0            # majority facts in those stories
    reported: int = 0                  # of those, reported by this outlet
    by_kind: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def omitted(self) -> int:
        return sum(self.by_kind.values())

    def as_list(self, examples: int = 3) -> list[dict[str, Any]]:
        order = {k: i for i, k in enumerate(OMISSION_KINDS)}
        return [{"kind": k, "count": n, "examples": self.examples.get(k, [])[:examples]}
                for k, n in sorted(self.by_kind.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))]


@dataclass
class StoryOmissions:
    story: str
    outlets: list[str]
    majority_facts: int
    omissions: list[Omission]


def omission_profiles(items: Iterable[tuple[StoryComparison, list[Omission]]],
                      min_outlets: int = MIN_OUTLETS, max_examples: int = 5) -> dict[str, OmissionProfile]:
    """Per outlet: stories, majority facts it could have reported, how many it did, omissions by kind."""
    stories = [StoryOmissions(story=c.id, outlets=sorted({d.article.outlet for d in c.articles}),
                              majority_facts=majority_facts(c, min_outlets), omissions=list(om))
               for c, om in items if len({d.article.outlet for d in c.articles}) >= min_outlets]
    return profiles_from_stories(stories, max_examples)


# ---- over a stored corpus ----------------------------------------------------------------------------

def story_fingerprint(articles) -> str:
    """What a cached result of a story depends on: its articles' revisions and the analyzer version."""
    key = "|".join(f"{a.pk}:{a.revision}" for a in sorted(articles, key=lambda a: a.pk))
    return hashlib.sha1(f"{CACHE_VERSION}|{analyzer_version()}|{key}".encode()).hexdigest()[:16]


def cache_path(store) -> Path | None:
    """Where omissions of a SQLite corpus are cached: next to the database file (<db>.omissions.json)."""
    target = str(getattr(store, "target", "") or "")
    if getattr(store, "dialect", "") != "sqlite" or not target or target == ":memory:":
        return None
    path = Path(target.removeprefix("sqlite:///").removeprefix("sqlite://"))
    return path.with_name(path.name + ".omissions.json") if path.parent.exists() else None


def read_cache(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_cache(path: Path | None, data: dict[str, Any]) -> None:
    if path is None:
        return
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def corpus_omissions(store, *, story_ids: Sequence[str] | None = None, since: float | None = None,
                     until: float | None = None, outlet: str | None = None, min_outlets: int = MIN_OUTLETS,
                     encoder=None, use_cache: bool = True, progress=None) -> list[StoryOmissions]:
    """Omissions of every stored story with >= `min_outlets` outlets (optionally: with an article of
    `outlet`, in the period). Comparisons are computed once per story version and cached next to a
    SQLite database."""
    stories = store.list_stories(since=since, until=until, outlet=outlet, min_outlets=min_outlets,
                                 story_ids=story_ids)
    path = cache_path(store) if use_cache else None
    cache = read_cache(path)
    if use_cache and min_outlets == MIN_OUTLETS:
        # the omissions `parallax ingest` stored in the database (store/profile_cache.py)
        for sid, (fp, data) in profile_cache.load_omissions(store.db, [s.id for s in stories]).items():
            cache.setdefault(sid, {"fingerprint": fp, **data})
    changed = False
    out: list[StoryOmissions] = []
    for i, story in enumerate(stories):
        fp = story_fingerprint(story.articles)
        entry = cache.get(story.id)
        if entry is None or entry.get("fingerprint") != fp:
            if encoder is None:
                encoder = embed.get_encoder()
            comparison = story_comparison(store, story.id, encoder=encoder)
            entry = {"fingerprint": fp, "outlets": sorted({d.article.outlet for d in comparison.articles}),
                     "majority_facts": majority_facts(comparison, min_outlets),
                     "omissions": [asdict(o) for o in story_omissions(comparison, min_outlets)]}
            cache[story.id] = entry
            changed = True
            if use_cache and min_outlets == MIN_OUTLETS:
                _store_entry(store, story.id, entry)
        out.append(StoryOmissions(story=story.id, outlets=entry["outlets"], majority_facts=entry["majority_facts"],
                                  omissions=[Omission(**o) for o in entry["omissions"]]))
        if progress:
            progress(i + 1, len(stories))
    if changed:
        write_cache(path, cache)
    return out


def _store_entry(store, story_id: str, entry: dict[str, Any]) -> None:
    try:
        profile_cache.save_omissions(store.db, [(story_id, entry["fingerprint"],
                                                 {k: v for k, v in entry.items() if k != "fingerprint"})])
    except Exception:  # noqa: BLE001 - a read-only database still shows the profile
        log.warning("could not store the omissions of story %s", story_id, exc_info=True)


def profiles_from_stories(items: Iterable[StoryOmissions], max_examples: int = 5) -> dict[str, OmissionProfile]:
    """:func:`omission_profiles` over cached story results."""
    profiles: dict[str, OmissionProfile] = {}
    for s in items:
        omitted_by: Counter = Counter(o.outlet for o in s.omissions)
        for outlet in s.outlets:
            p = profiles.setdefault(outlet, OmissionProfile(outlet))
            p.stories += 1
            p.majority_facts += s.majority_facts
            p.reported += s.majority_facts - omitted_by.get(outlet, 0)
        for o in s.omissions:
            p = profiles.setdefault(o.outlet, OmissionProfile(o.outlet))
            p.by_kind[o.kind] += 1
            ex = p.examples.setdefault(o.kind, [])
            if len(ex) < max_examples:
                ex.append({"story": o.story, "text": o.text, "reported_by": o.reported_by})
    return profiles
