"""compare: analysed articles of one story -> StoryComparison.

    link entities -> split claims -> align claims -> status + conflicts -> align quotes -> framing -> sources
"""
from __future__ import annotations

import hashlib

from parallax.compare.align import align_claims
from parallax.compare.claims import split_claims
from parallax.compare.conflicts import find_conflicts
from parallax.compare.quotes import align_quotes
from parallax.model import (
    AnalyzedArticle,
    ClaimGroup,
    ClaimMember,
    FramingDiff,
    StoryComparison,
)
from parallax.nlp.linking import link_entities


def story_id_for(docs: list[AnalyzedArticle]) -> str:
    digest = hashlib.sha1("\n".join(sorted(d.id for d in docs)).encode("utf-8")).hexdigest()
    return "s" + digest[:10]


def compare_story(docs: list[AnalyzedArticle], encoder=None, story_id: str | None = None) -> StoryComparison:
    from parallax.compare import framing
    from parallax.compare.embed import get_encoder
    encoder = encoder or get_encoder()
    entities = link_entities(docs)
    names = {e.id: e.name for e in entities}
    by_id = {d.id: d for d in docs}

    claims_by_doc = [split_claims(d) for d in docs]
    groups, info = align_claims(docs, claims_by_doc, encoder)
    scores = info["pair_scores"]
    n_articles = len(docs)
    claim_groups: list[ClaimGroup] = []
    for g in groups:
        anchor = g[0]
        members = [ClaimMember(article=c.article, text=c.text, start=c.start, end=c.end, sentence=c.sentence,
                               similarity=None if c is anchor else round(scores.get((id(anchor), id(c)),
                                                                                     _best_link(c, g, scores)), 3))
                   for c in g]
        conflicts = find_conflicts(g, by_id, names) if len(g) > 1 else []
        if conflicts:
            status = "conflict"
        elif len(g) == n_articles and n_articles > 1:
            status = "consensus"
        elif len(g) > 1:
            status = "partial"
        else:
            status = "unique"
        diff = None
        if len(g) > 1:
            terms = {}
            linked = {id(c): _entity_tokens(c.tokens, by_id[c.article]) for c in g}
            for c in g:
                others = [o for o in g if o is not c]
                only = framing.phrase_differences(linked[id(c)], [t for o in others for t in linked[id(o)]])[0]
                terms[c.article] = only
            if any(terms.values()):
                diff = FramingDiff(terms=terms)
        claim_groups.append(ClaimGroup(id=f"c{len(claim_groups) + 1}", status=status, members=members,
                                       conflicts=conflicts, framing=diff))

    quotes = align_quotes(docs, encoder, names)
    framing_entries = framing.framing_by_article(docs)
    attributions = []
    for d in docs:
        for a in d.attributions:
            a.article = d.id
            attributions.append(a)
    return StoryComparison(id=story_id or story_id_for(docs), articles=docs, entities=entities,
                           claims=claim_groups, quotes=quotes, framing=framing_entries, attributions=attributions)


def _entity_tokens(tokens, doc):
    """Tokens whose lemma is replaced by their entity id inside linked mentions, so that 'Ким Чен Ына'
    and 'Ким Чен Ыном', or 'Северной Кореи' and 'КНДР', are not reported as different wording."""
    from dataclasses import replace
    spans = [(m.start, m.end, m.entity) for m in doc.mentions if m.entity and m.kind != "role"]
    out = []
    for t in tokens:
        ent = next((e for s, e_, e in spans if s <= t.start and t.end <= e_), None)
        out.append(replace(t, lemma=f"@{ent}") if ent else t)
    return out


def _best_link(c, group, scores) -> float:
    return max((scores.get((id(c), id(o)), 0.0) for o in group if o is not c), default=0.0)
