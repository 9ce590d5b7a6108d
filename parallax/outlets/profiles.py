"""Outlet profiles: how one outlet tells the stories of the corpus.

    list_outlets(store)                        every outlet with its article and story counts
    outlet_profile(store, outlet, since, until)

A profile holds the outlet's contested-term usage over time (the curated lexicon of
``compare/data/contested_terms.yaml``), its source mix (attributions classified by
:mod:`parallax.outlets.sourcing`), its tone toward the entities it mentions most (:mod:`parallax.tone`),
its typical omissions (:mod:`parallax.outlets.omissions`) and its loaded wording
(:mod:`parallax.outlets.loaded`). :mod:`parallax.render.profile` renders one as text or as an HTML page.

Terms and loaded words count in the outlet's own voice only: a word inside a quote or reported speech is
the speaker's, and one inside quotation marks no speech cue claims is held at arm's length
(:class:`parallax.compare.framing.Voices`). Those uses are counted apart ("quoted").
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from parallax.compare.framing import MARKED, OWN, find_contested_terms, load_lexicon
from parallax.model import AnalyzedArticle
from parallax.outlets.aggregates import (
    _LABELS,
    _attributions,
    _month,
    _tone_items,
    _week,
    cached_omissions,
    cached_parts,
    is_own_name,
    profile_parts,
    word_voices,
)
from parallax.outlets.loaded import find_loaded_language, load_evaluative_model, load_loaded_lexicon
from parallax.outlets.omissions import corpus_omissions, profiles_from_stories
from parallax.outlets.sourcing import source_kinds, source_mix
from parallax.periods import parse_when
from parallax.store import profile_cache
from parallax.tone import tone_for_mentions

log = logging.getLogger(__name__)

TOP_SOURCES = 20
TOP_ENTITIES = 12
TOP_LOADED = 20


class UnknownOutlet(LookupError):
    """No outlet, or more than one, matches the name; the message lists candidates."""


# ---- outlets ----------------------------------------------------------------------------------------------

def list_outlets(store) -> list[dict[str, Any]]:
    """Every outlet: {"outlet", "articles", "stories", "first", "last"}, most articles first."""
    rows = store.db.query("SELECT outlet, COUNT(*), COUNT(DISTINCT story_id), MIN(published), MAX(published) "
                          "FROM articles GROUP BY outlet")
    out = [{"outlet": o, "articles": int(n), "stories": int(s), "first": first, "last": last}
           for o, n, s, first, last in rows]
    out.sort(key=lambda r: (-r["articles"], r["outlet"]))
    return out


def resolve_outlet(store, name: str) -> str:
    """The stored outlet named `name`: exact, else case-insensitive, else the one containing it."""
    outlets = store.outlets()
    if name in outlets:
        return name
    folded = name.casefold()
    exact = [o for o in outlets if o.casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    partial = [o for o in outlets if folded in o.casefold()]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise UnknownOutlet(f"no outlet matches {name!r}; outlets: {', '.join(outlets) or '(none)'}")
    raise UnknownOutlet(f"{name!r} matches several outlets: {', '.join(partial)}")


# ---- the profile ----------------------------------------------------------------------------------------

def term_usage(docs: Sequence[tuple[AnalyzedArticle, str | None]]
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Lexicon terms over (doc, published) pairs, in two lists of rows, most used first: the outlet's own
    uses and the uses it quotes. A row is one lexicon entry with its count by month and by ISO week and
    the number of articles; an own row also has `quoted`, the entry's quoted uses; a quoted row has
    `speakers` (name -> uses, named speakers only) and `marked` (uses in quotation marks with no speaker)."""
    lex = load_lexicon()
    own: dict[tuple, dict[str, Any]] = {}
    quoted: dict[tuple, dict[str, Any]] = {}
    for doc, published in docs:
        month, week = _month(published), _week(published)
        for hit in find_contested_terms(doc, lex):
            key = (hit.category, hit.concept, hit.label, hit.entry)
            row = _term_row(own if hit.voice == OWN else quoted, key, hit)
            row["count"] += 1
            row["articles"].add(doc.id)
            if month:
                row["by_month"][month] += 1
            if week:
                row["by_week"][week] += 1
            if hit.voice == MARKED:
                row["marked"] += 1
            elif hit.voice != OWN and hit.speaker:
                row["speakers"][hit.speaker] += 1
    for key, row in own.items():
        row["quoted"] = quoted[key]["count"] if key in quoted else 0
        del row["speakers"], row["marked"]
    for row in quoted.values():
        row["speakers"] = dict(sorted(row["speakers"].items(), key=lambda kv: (-kv[1], kv[0])))
    return _sorted_rows(own), _sorted_rows(quoted)


def contested_term_usage(docs: Sequence[tuple[AnalyzedArticle, str | None]]) -> list[dict[str, Any]]:
    """The outlet's own uses of lexicon terms (see :func:`term_usage`)."""
    return term_usage(docs)[0]


def _term_row(rows: dict[tuple, dict[str, Any]], key: tuple, hit) -> dict[str, Any]:
    return rows.setdefault(key, {"category": hit.category, "concept": hit.concept, "label": hit.label,
                                 "term": hit.entry, "count": 0, "by_month": Counter(), "by_week": Counter(),
                                 "articles": set(), "speakers": Counter(), "marked": 0})


def _sorted_rows(rows: dict[tuple, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows.values():
        row["by_month"] = dict(sorted(row["by_month"].items()))
        row["by_week"] = dict(sorted(row["by_week"].items()))
        row["articles"] = len(row["articles"])
        out.append(row)
    out.sort(key=lambda r: (-r["count"], r["category"], r["concept"], r["term"], str(r["label"])))
    return out


def tone_by_entity(docs: Sequence[AnalyzedArticle], top: int = TOP_ENTITIES, tone=None,
                   published: dict[str, str | None] | None = None, outlet: str | None = None
                   ) -> list[dict[str, Any]]:
    """Tone toward the `top` most mentioned entities: [{"entity", "positive", "neutral", "negative",
    "by_month": {"2024-11": {"positive", "neutral", "negative"}}}] (months from `published`, by doc id).
    `tone`: what gives (mention, label) pairs of a document; default :func:`parallax.tone.tone_for_mentions`.
    With `outlet`, the outlet's own names are left out (it is never in its own list)."""
    tone = tone or tone_for_mentions
    counts: dict[str, Counter] = defaultdict(Counter)
    months: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for doc in docs:
        try:
            items = tone(doc) or []
        except Exception:  # noqa: BLE001 - one unreadable article must not sink the profile
            log.warning("tone failed for %s", doc.id, exc_info=True)
            continue
        month = _month((published or {}).get(doc.id)) or (doc.article.date.isoformat()[:7] if doc.article.date else None)
        for item in items:
            name, raw = _tone_items(item)
            label = _LABELS.get(raw)
            if name and label:
                counts[str(name)][label] += 1
                if month:
                    months[str(name)][month][label] += 1
    ranked = sorted(((name, c) for name, c in counts.items() if not (outlet and is_own_name(name, outlet))),
                    key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return [{"entity": name, "positive": c["positive"], "neutral": c["neutral"], "negative": c["negative"],
             "by_month": {m: {k: v[k] for k in ("positive", "neutral", "negative")}
                          for m, v in sorted(months[name].items())}}
            for name, c in ranked]


def loaded_usage(docs: Sequence[AnalyzedArticle], top: int = TOP_LOADED) -> dict[str, Any]:
    """Loaded wording in the outlet's own voice: hits per 1000 of its own words (words outside quotes and
    quotation marks) by category and the most used terms, each with its `quoted` uses; the hits inside
    quotes apart, under "quoted" ({"words", "hits", "by_category"})."""
    lex, model = load_loaded_lexicon(), load_evaluative_model()
    categories: Counter = Counter()
    terms: Counter = Counter()
    quoted_categories: Counter = Counter()
    quoted_terms: Counter = Counter()
    words = quoted_words = 0
    for doc in docs:
        own, quoted = word_voices(doc)
        words += own
        quoted_words += quoted
        for hit in find_loaded_language(doc, lex, model):
            key = (hit.category, hit.label, hit.term)
            if hit.voice == OWN:
                categories[hit.category] += 1
                terms[key] += 1
            else:
                quoted_categories[hit.category] += 1
                quoted_terms[key] += 1
    # ties by name, so that the cached profile (summed in another order) lists the same
    cats = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
    per_k = {k: round(1000 * n / words, 2) for k, n in cats} if words else {}
    ranked = sorted(terms.items(), key=lambda kv: (-kv[1], *kv[0]))[:top]
    return {"words": words, "by_category": dict(cats), "per_1000_words": per_k,
            "top": [{"category": c, "label": lab, "term": t, "count": n, "quoted": quoted_terms[(c, lab, t)]}
                    for (c, lab, t), n in ranked],
            "quoted": {"words": quoted_words, "hits": sum(quoted_categories.values()),
                       "by_category": dict(sorted(quoted_categories.items(), key=lambda kv: (-kv[1], kv[0])))}}


def outlet_profile(store, outlet: str, since=None, until=None, *, omissions: bool = True,
                   tone: bool = True, loaded: bool = True, cached: bool = True) -> dict[str, Any]:
    """The profile of one outlet (exact name, or a unique part of it) over the period.

    {"outlet", "articles", "stories", "first", "last",
     "contested_terms": [{"category", "concept", "label", "term", "count", "quoted", "by_month": {"2024-11": n}}],
     "quoted_terms": [{... as above, "speakers": {name: n}, "marked": n}]   (see :func:`term_usage`),
     "sources": {"kinds": {kind: n}, "top": [{"source", "kind", "count"}]},
     "tone": [{"entity", "positive", "neutral", "negative"}],
     "omissions": [{"kind", "count", "examples": [{"story", "text", "reported_by"}]}]}

    plus "omission_summary" (stories with >= 3 outlets, majority facts, reported, omitted), "loaded"
    (see :func:`loaded_usage`) and "period". `since`/`until`: epoch seconds or 'YYYY-MM-DD'.
    `omissions=False` skips the story comparisons omissions need (slow the first time on a corpus).

    With `cached` (the default) the sections are summed from the counts kept at ingest
    (:mod:`parallax.outlets.aggregates`) when they cover every analysed article of the period; otherwise,
    and with `cached=False`, every article is read and examined now. Both give the same profile.
    """
    name = resolve_outlet(store, outlet)
    since_ts = parse_when(since) if isinstance(since, str) else since
    until_ts = parse_when(until, end=True) if isinstance(until, str) else until
    counts = cached_parts(store, name, since_ts, until_ts) if cached else None
    if counts is not None:
        profile = {"outlet": name, **profile_cache.outlet_summary(store.db, name, since_ts, until_ts)}
        profile["period"] = _period(since, until)
        profile.update(profile_parts(counts, name, tone=tone, loaded=loaded))
    else:
        profile = _computed_profile(store, name, since, until, since_ts, until_ts, tone=tone, loaded=loaded)
    profile["omissions"], profile["omission_summary"] = [], None
    if omissions:
        stories = cached_omissions(store, name, since_ts, until_ts) if cached else None
        if stories is None:
            stories = corpus_omissions(store, since=since_ts, until=until_ts, outlet=name)
        p = profiles_from_stories(stories).get(name)
        if p is not None:
            profile["omissions"] = p.as_list()
            profile["omission_summary"] = {"stories": p.stories, "majority_facts": p.majority_facts,
                                           "reported": p.reported, "omitted": p.omitted}
    return profile


def _period(since, until) -> dict[str, Any]:
    return {"since": since if not isinstance(since, float) else _iso(since),
            "until": until if not isinstance(until, float) else _iso(until)}


def _computed_profile(store, name: str, since, until, since_ts, until_ts, *, tone: bool, loaded: bool
                      ) -> dict[str, Any]:
    """The profile sections from the articles themselves (no cache)."""
    stored = [a for a in store.iter_articles(since=since_ts, until=until_ts, outlet=name) if a.outlet == name]
    dated = sorted(a.published for a in stored if a.published)
    analyses = store.load_analyses(stored, None)
    docs = [analyses[a.pk] for a in stored if a.pk in analyses]
    published = {analyses[a.pk].id: a.published for a in stored if a.pk in analyses}
    mix = source_mix(docs, _attributions)
    own_terms, quoted_terms = term_usage([(d, published.get(d.id)) for d in docs])
    profile: dict[str, Any] = {
        "outlet": name,
        "articles": len(stored),
        "stories": len({a.story_id for a in stored if a.story_id}),
        "first": dated[0] if dated else None,
        "last": dated[-1] if dated else None,
        "period": _period(since, until),
        "analysed": len(docs),
        "contested_terms": own_terms,
        "quoted_terms": quoted_terms,
        "sources": {**mix.as_dict(TOP_SOURCES), "attributions": mix.attributions,
                    "labels": source_kinds()},
        "tone": tone_by_entity(docs, published=published, outlet=name) if tone else [],
    }
    if loaded:
        profile["loaded"] = loaded_usage(docs)
    return profile


def _iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat()
