"""Key differences: the 3-7 points of a story comparison a reader should see first.

Candidates are the facts only some outlets report, conflicts, statements rendered differently, and
contested terms named differently. Each gets a weight from what makes a point matter to a media
researcher (the weights live in `data/key_differences.yaml`): a fact carries more weight when it names
the story's central entities (those several outlets mention), gives figures (casualties most), cites a
source, or opens its article; a conflict or a contested term outweighs a plain omission.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any

from parallax.compare.align import spans_within
from parallax.compare.claims import content_lemmas
from parallax.compare.events import claim_events
from parallax.model import AnalyzedArticle, ClaimGroup, KeyDifference, QuoteGroup, StoryComparison
from parallax.resources import load_yaml_mapping

QUOTE_CHARS = 160
NEUTRAL_LABELS = frozenset({"neutral"})


@functools.lru_cache(maxsize=1)
def settings() -> dict:
    return load_yaml_mapping("compare/data/key_differences.yaml")


def key_differences(comp: StoryComparison) -> list[KeyDifference]:
    """The strongest points, strongest first: every point above the weight floor up to `most`, and at
    least `fewest` when the story has that many candidates at all."""
    cfg = settings()
    outlet_of = {d.id: d.article.outlet for d in comp.articles}
    if len({outlet_of[d.id] for d in comp.articles}) < 2:
        return []
    docs = {d.id: d for d in comp.articles}
    central = central_entities(comp, outlet_of)
    candidates = [*_conflict_points(comp.claims, outlet_of, docs, central),
                  *_coverage_points(comp, outlet_of, docs, central),
                  *_quote_points(comp.quotes, outlet_of),
                  *_term_points(comp, outlet_of)]
    candidates.sort(key=lambda p: -p.weight)
    # a mix of kinds says more than seven of one: at most `per_kind[kind]` points of each
    taken: Counter = Counter()
    mixed = []
    for point in candidates:
        if taken[point.kind] < cfg["per_kind"].get(point.kind, cfg["most"]):
            taken[point.kind] += 1
            mixed.append(point)
    candidates = mixed
    chosen = [p for p in candidates if p.weight >= cfg["weight_floor"]][: cfg["most"]]
    if len(chosen) < cfg["fewest"]:
        chosen = candidates[: cfg["fewest"]]
    return chosen


def central_entities(comp: StoryComparison, outlet_of: dict[str, str]) -> set[str]:
    """Entities that at least two outlets (or, with one outlet, every article) mention."""
    outlets_of: dict[str, set[str]] = {}
    for entity in comp.entities:
        outlets_of[entity.id] = {outlet_of.get(m.article) for m in entity.mentions}
    return {e for e, outlets in outlets_of.items() if len(outlets) >= 2}


def fact_weight(group: ClaimGroup, docs: dict[str, AnalyzedArticle], central: set[str]) -> float:
    """How much a fact matters, from its first member (the earliest outlet's rendering)."""
    cfg = settings()["fact"]
    member = group.members[0]
    doc = docs[member.article]
    entities = {m.entity for m in spans_within(doc.mentions, member.start, member.end) if m.entity}
    numbers = [n for n in spans_within(doc.numbers, member.start, member.end) if n.unit and n.qualifier != "ordinal"]
    casualty = any(n.unit in set(cfg["casualty_units"]) for n in numbers)
    weight = cfg["base"] + cfg["per_central_entity"] * min(len(entities & central), 3)
    weight += cfg["casualties"] if casualty else cfg["figures"] if numbers else 0.0
    weight += cfg["cited_source"] if spans_within(doc.attributions, member.start, member.end) else 0.0
    weight += cfg["lead"] if member.sentence <= 1 else 0.0
    if len(member.text.split()) < cfg["min_words"]:
        weight *= cfg["short_factor"]
    return round(weight, 3)


def _outlets(group: ClaimGroup, outlet_of: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(m.outlet or outlet_of[m.article] for m in group.members))


def _coverage_points(comp: StoryComparison, outlet_of: dict[str, str], docs: dict[str, AnalyzedArticle],
                     central: set[str]) -> Iterable[KeyDifference]:
    """Facts some outlets report and others do not."""
    all_outlets = list(dict.fromkeys(outlet_of[d.id] for d in comp.articles))
    factor = settings()["coverage"]
    restated = _restated_groups(comp.claims, docs)
    for group in comp.claims:
        if group.status not in ("partial", "unique") or group.id in restated:
            continue
        reporting = _outlets(group, outlet_of)
        silent = [o for o in all_outlets if o not in reporting]
        if group.status == "unique":
            text = f"Only {reporting[0]} reports: {_quoted(group.members[0].text)}"
        else:
            text = (f"{_names(reporting)} report{'s' if len(reporting) == 1 else ''}, {_names(silent)} "
                    f"do{'es' if len(silent) == 1 else ''} not: {_quoted(group.members[0].text)}")
        weight = fact_weight(group, docs, central) * factor[group.status]
        params = {"template": "only_one" if group.status == "unique" else "only_some", "reporting": reporting,
                  "silent": silent, "quote": _quoted(group.members[0].text)}
        yield KeyDifference(kind="only_some", text=text, weight=round(weight, 3), claims=[group.id],
                            outlets=reporting, params=params)


def _restated_groups(groups: list[ClaimGroup], docs: dict[str, AnalyzedArticle]) -> set[str]:
    """Ids of the unique groups whose claim restates a claim its own outlet has in a group other outlets
    share: an article that states a fact twice (its lead, then its body) gets one rendering grouped with the
    other outlets' and the other left alone, and «only X reports» would then be false. A restatement
    states the same event that happened (compare/events.py), names an entity the other names, and shares
    `restatement.shared_content` of the shorter claim's content words («Лидеры РФ и КНДР провели встречу
    в Пекине» / «Российский и северокорейский лидеры провели встречу в Пекине по завершении парада»)."""
    floor = settings()["restatement"]["shared_content"]
    # each shared member's signature once, by outlet (it is compared with every unique claim of its outlet),
    # for the outlets that have a unique claim
    with_unique = {g.members[0].outlet for g in groups if g.status == "unique"}
    shared: dict[str, list[tuple]] = {}
    for g in groups:
        if len({m.outlet for m in g.members}) > 1:
            for m in g.members:
                if m.outlet in with_unique and m.article in docs:
                    shared.setdefault(m.outlet, []).append(_claim_signature(m, docs))
    out = set()
    for group in groups:
        if group.status != "unique" or group.members[0].outlet not in shared:
            continue
        mine = _claim_signature(group.members[0], docs)
        if not mine[0]:
            continue
        for theirs in shared[group.members[0].outlet]:
            overlap = len(mine[2] & theirs[2]) / max(1, min(len(mine[2]), len(theirs[2])))
            if mine[0] & theirs[0] and mine[1] & theirs[1] and overlap >= floor:
                out.add(group.id)
                break
    return out


def _claim_signature(member, docs: dict[str, AnalyzedArticle]) -> tuple[frozenset, set, set]:
    """(events that happened, linked entities, content lemmas) of a group member."""
    doc = docs.get(member.article)
    if doc is None:
        return frozenset(), set(), set()
    tokens = spans_within(doc.tokens, member.start, member.end)
    entities = {m.entity for m in spans_within(doc.mentions, member.start, member.end) if m.entity}
    return claim_events(tokens).happened, entities, content_lemmas(tokens)


def _conflict_points(groups: list[ClaimGroup], outlet_of: dict[str, str], docs: dict[str, AnalyzedArticle],
                     central: set[str]) -> Iterable[KeyDifference]:
    bonus = settings()["conflict"]
    for group in groups:
        if group.status != "conflict":
            continue
        text = f"Outlets disagree on one fact ({_conflict_values(group, outlet_of)}): {_quoted(group.members[0].text)}"
        params = {"template": "conflict", "values": _conflict_table(group, outlet_of),
                  "quote": _quoted(group.members[0].text)}
        yield KeyDifference(kind="conflict", text=text, weight=round(fact_weight(group, docs, central) + bonus, 3),
                            claims=[group.id], outlets=_outlets(group, outlet_of), params=params)


MAX_CONFLICT_OUTLETS = 4      # a point is one line to read: the values of the first few outlets, then a count


def _conflict_values(group: ClaimGroup, outlet_of: dict[str, str]) -> str:
    """Per kind, each outlet once with its distinct values (a group of nine outlets has 36 pairwise conflicts;
    listing them pair by pair made a point of 400 words)."""
    parts = []
    for row in _conflict_table(group, outlet_of):
        shown = [f"{outlet}: {', '.join(values)}" for outlet, values in row["outlets"]]
        parts.append(f"{row['kind']} — {'; '.join(shown)}" + (f"; {row['more']} more" if row["more"] else ""))
    return ", ".join(parts)


def _conflict_table(group: ClaimGroup, outlet_of: dict[str, str]) -> list[dict[str, Any]]:
    """[{"kind", "outlets": [[outlet, [values]]] (the first MAX_CONFLICT_OUTLETS), "more": n}] per kind."""
    by_kind: dict[str, dict[str, list[str]]] = {}
    for conflict in group.conflicts:
        outlets = by_kind.setdefault(conflict.kind, {})
        for article, value in conflict.values.items():
            values = outlets.setdefault(outlet_of.get(article, article), [])
            if str(value) not in values:
                values.append(str(value))
    return [{"kind": kind, "outlets": [[o, v] for o, v in list(outlets.items())[:MAX_CONFLICT_OUTLETS]],
             "more": max(0, len(outlets) - MAX_CONFLICT_OUTLETS)} for kind, outlets in by_kind.items()]


def _quote_points(quotes: list[QuoteGroup], outlet_of: dict[str, str]) -> Iterable[KeyDifference]:
    cfg = settings()["quote"]
    for group in quotes:
        outlets = list(dict.fromkeys(outlet_of.get(r.article, r.article) for r in group.renderings))
        if group.relation not in ("trimmed", "reworded") or len(outlets) < 2:
            continue
        changed = sorted({outlet_of.get(r.article, r.article) for r in group.renderings
                          if r.relation in ("trimmed", "reworded")})
        who = group.speaker_name or "one speaker"
        text = (f"{who}'s words are rendered differently ({group.relation}) by {_names(changed)}: "
                f"{_quoted(group.renderings[0].text)}")
        params = {"template": "quote", "speaker": group.speaker_name, "relation": group.relation, "changed": changed,
                  "quote": _quoted(group.renderings[0].text)}
        yield KeyDifference(kind="quote", text=text, weight=cfg[group.relation], quotes=[group.id], outlets=outlets,
                            params=params)


def _term_points(comp: StoryComparison, outlet_of: dict[str, str]) -> Iterable[KeyDifference]:
    """Concepts of the contested-terms lexicon that outlets name with different labels, or that some
    outlets name in their own voice while others never do (one calls it a war, the other is silent)."""
    cfg = settings()
    all_outlets = list(dict.fromkeys(outlet_of[d.id] for d in comp.articles))
    for entry in comp.framing:
        by_outlet: dict[str, Counter] = {}
        for article, items in entry.terms.items():
            for item in items:
                if item.get("voice", "own") != "own":       # a quoted or scare-quoted term is not the outlet's label
                    continue
                by_outlet.setdefault(outlet_of.get(article, article), Counter())[(item["label"], item["term"])] += 1
        if not by_outlet:
            continue
        shown = "; ".join(f"{o}: " + ", ".join(f"«{term}» ({label})" for (label, term), _ in c.most_common(2))
                          for o, c in by_outlet.items())
        labels = {o: frozenset(label for label, _ in c) for o, c in by_outlet.items()}
        silent = [o for o in all_outlets if o not in by_outlet]
        params = {"concept": entry.concept, "silent": silent,
                  "shown": [[o, [[term, label] for (label, term), _ in c.most_common(2)]] for o, c in by_outlet.items()]}
        if len(labels) >= 2 and len(set(labels.values())) >= 2:
            yield KeyDifference(kind="term", text=f"{entry.concept}, named differently — {shown}",
                                weight=cfg["term"], outlets=list(by_outlet), params={"template": "term_differ", **params})
        elif silent:
            # naming a concept only in neutral words while others stay silent says little
            loaded = any(label not in NEUTRAL_LABELS for used in labels.values() for label in used)
            yield KeyDifference(kind="term", text=f"{entry.concept}: {shown}; {_names(silent)} "
                                f"do{'es' if len(silent) == 1 else ''} not name it",
                                weight=cfg["term_silent"] if loaded else cfg["term_silent_neutral"],
                                outlets=list(by_outlet), params={"template": "term_silent", **params})


def _names(outlets: list[str]) -> str:
    if len(outlets) <= 3:
        return " and ".join([", ".join(outlets[:-1]), outlets[-1]]) if len(outlets) > 1 else outlets[0]
    return f"{', '.join(outlets[:2])} and {len(outlets) - 2} more"


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f"«{text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + '…'}»"
