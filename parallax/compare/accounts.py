"""Outlet accounts: a story compared outlet by outlet, not post by post.

All posts of one outlet in a story form that outlet's *account*: its claims in time order, a fact the
outlet repeats in later posts collapsed into one entry that keeps every occurrence (offsets and time),
and a later post that changes a figure of it marked as an update. Facts are then grouped across
accounts with complete linkage: a fact joins a group only when it matches *every* member, never through
a chain of near neighbours, and a group holds at most one fact per outlet.

For one article per outlet an account is that article's claim list, so the comparison is the
article-level one it always was.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from parallax.compare.align import alignment_config, blend_config, claim_entities, jaccard
from parallax.compare.claims import Claim
from parallax.compare.conflicts import number_conflicts
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


def _same_fact_matrix(a: list[Claim], b: list[Claim], scores: FactScores, blend: dict) -> tuple[np.ndarray, ...]:
    """(blend score, cosine, lemma Jaccard, shared-entity Jaccard) for every claim pair of a and b."""
    shape = (len(a), len(b))
    if not all(shape):
        zero = np.zeros(shape)
        return zero, zero, zero, zero
    ea = np.stack([scores.vectors[id(c)] for c in a])
    eb = np.stack([scores.vectors[id(c)] for c in b])
    cos = ea @ eb.T
    lex = np.array([[jaccard(x.content_lemmas, y.content_lemmas) for y in b] for x in a]).reshape(shape)
    ent = np.array([[jaccard(scores.entities[id(x)], scores.entities[id(y)]) for y in b] for x in a]).reshape(shape)
    fig = np.array([[bool(scores.figures.get(id(x), frozenset()) & scores.figures.get(id(y), frozenset()))
                     for y in b] for x in a], dtype=float).reshape(shape)
    cfg = alignment_config()["claims"]
    w = blend["embedding_weight"]
    score = w * cos + (1 - w) * lex + cfg["entity_bonus"] * ent + cfg.get("figure_bonus", 0.0) * fig
    return score, cos, lex, ent


def collapse_repeats(outlet: str, claims: list[Claim], docs: dict[str, AnalyzedArticle], scores: FactScores,
                     encoder) -> list[AccountFact]:
    """An outlet's claims (in time order) as facts: a claim of a later post that restates an earlier
    post's claim (a paraphrase by the ParaPhraser-calibrated threshold, or most content words shared)
    is a repeat of it; repeats never come from the post that holds the first occurrence."""
    cfg = alignment_config()["claims"]
    blend = blend_config(encoder)
    repeat = cfg.get("repeat_threshold", "paraphrase")
    repeat_floor = float(blend[f"{repeat}_threshold"]) if isinstance(repeat, str) else float(repeat)
    score, _, lex, _ = _same_fact_matrix(claims, claims, scores, blend)
    facts: list[AccountFact] = []
    fact_of: dict[int, AccountFact] = {}
    for k, claim in enumerate(claims):
        best, best_score = None, 0.0
        for prev in range(k):
            fact = fact_of[id(claims[prev])]
            if claims[prev] is not fact.claim or claim.article == fact.claim.article:
                continue
            if any(r.article == claim.article for r in fact.repeats):
                continue
            s = float(score[prev, k])
            if (s >= repeat_floor or lex[prev, k] >= cfg["lexical_only_threshold"]) and s > best_score:
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


def _fact_edges(accounts: list[OutletAccount], scores: FactScores, encoder) -> tuple[np.ndarray, np.ndarray]:
    """Blend scores of every pair of facts of the story, and which pairs of different outlets may be
    one fact by the alignment rule of `compare/data/alignment.yaml`: a paraphrase, or each the other's
    best match among the two outlets' facts sharing an entity, or most content words shared."""
    cfg = alignment_config()["claims"]
    blend = blend_config(encoder)
    strict = blend["paraphrase_threshold"]
    floor = blend["related_threshold"] if cfg["mutual_best_floor"] == "related" else float(cfg["mutual_best_floor"])
    facts = [f for acc in accounts for f in acc.facts]
    score, _, lex, ent = _same_fact_matrix([f.claim for f in facts], [f.claim for f in facts], scores, blend)
    strong = np.zeros(score.shape, dtype=bool)
    bounds, pos = [], 0
    for acc in accounts:
        bounds.append((pos, pos + len(acc.facts)))
        pos += len(acc.facts)
    for i, (a0, a1) in enumerate(bounds):
        for b0, b1 in bounds[i + 1:]:
            if a0 == a1 or b0 == b1:
                continue
            block = score[a0:a1, b0:b1]
            best_b, best_a = block.argmax(axis=1), block.argmax(axis=0)
            mutual = np.zeros(block.shape, dtype=bool)
            mutual[np.arange(a1 - a0), best_b] = True
            mutual &= best_a[None, :] == np.arange(a1 - a0)[:, None]
            ok = (block >= strict) | (mutual & (ent[a0:a1, b0:b1] > 0) & (block >= floor)) | \
                 (lex[a0:a1, b0:b1] >= cfg["lexical_only_threshold"])
            strong[a0:a1, b0:b1] = ok
            strong[b0:b1, a0:a1] = ok.T
    return score, strong


def group_facts(accounts: list[OutletAccount], scores: FactScores, encoder
                ) -> tuple[list[list[AccountFact]], dict[tuple[int, int], float]]:
    """Groups of facts across outlets by constrained average linkage. Two groups merge when they share
    no outlet, at least one pair across them passes the alignment rule, and *every* pair across them
    scores above the related floor (below it two sentences almost never state one fact), so that no
    group grows by a chain of neighbours. The pair of groups with the highest mean score merges first."""
    blend = blend_config(encoder)
    floor = float(alignment_config()["claims"].get("group_min_floor", blend["related_threshold"]))
    mean_floor = _mean_floor(blend)
    score, strong = _fact_edges(accounts, scores, encoder)
    facts = [f for acc in accounts for f in acc.facts]
    outlet_rank = {acc.outlet: k for k, acc in enumerate(accounts)}
    members: dict[int, list[int]] = {k: [k] for k in range(len(facts))}
    outlets: dict[int, set[str]] = {k: {f.outlet} for k, f in enumerate(facts)}
    heap: list[tuple[float, int, int]] = []

    def consider(x: int, y: int) -> None:
        if outlets[x] & outlets[y]:
            return
        rows, cols = members[x], members[y]
        block = score[np.ix_(rows, cols)]
        if block.min() < floor or not strong[np.ix_(rows, cols)].any() or block.mean() < mean_floor:
            return
        heapq.heappush(heap, (-float(block.mean()), min(x, y), max(x, y)))

    for x in range(len(facts)):
        for y in range(x + 1, len(facts)):
            consider(x, y)
    while heap:
        _, x, y = heapq.heappop(heap)
        if x not in members or y not in members:
            continue
        members[x] = sorted(members[x] + members.pop(y))
        outlets[x] |= outlets.pop(y)
        # the merged group is new: its old candidate pairs are stale (skipped above), its new ones pushed
        heap = [e for e in heap if x not in e[1:] and y not in e[1:]]
        heapq.heapify(heap)
        for other in members:
            if other != x:
                consider(min(x, other), max(x, other))
    groups = [sorted((facts[k] for k in ks), key=lambda f: (outlet_rank[f.outlet], f.position))
              for _, ks in sorted(members.items())]
    index = {id(f): k for k, f in enumerate(facts)}
    sims = {(id(a), id(b)): float(score[index[id(a)], index[id(b)]]) for g in groups for a in g for b in g if a is not b}
    return groups, sims


def _mean_floor(blend: dict) -> float:
    """The lowest mean score two groups may have to merge: `group_mean_floor` names a blend threshold."""
    name = alignment_config()["claims"].get("group_mean_floor", "related")
    return float(blend[f"{name}_threshold"]) if isinstance(name, str) else float(name)


def fact_scores(claims: list[Claim], docs: dict[str, AnalyzedArticle], encoder) -> FactScores:
    vectors = encoder.encode([c.core_text or c.text for c in claims]) if claims else np.zeros((0, 1))
    return FactScores(vectors={id(c): vectors[k] for k, c in enumerate(claims)},
                      entities={id(c): claim_entities(c, docs[c.article]) for c in claims},
                      figures={id(c): claim_figures(c, docs[c.article]) for c in claims})


def claim_figures(claim: Claim, doc: AnalyzedArticle) -> frozenset:
    """The numbers (value and what they count) and resolved dates a claim states: two outlets that give the
    same '25 лет' or '12 декабря' in a story are very likely stating one fact."""
    inside = [n for n in doc.numbers if claim.start <= n.start and n.end <= claim.end and n.qualifier != "ordinal"]
    dates = [d for d in doc.dates if claim.start <= d.start and d.end <= claim.end and d.value is not None]
    return frozenset([("n", n.value, n.unit) for n in inside] + [("d", d.label) for d in dates])
