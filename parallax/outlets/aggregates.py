"""Outlet profiles kept up to date at ingest: each analysed article's share of a profile, summed per outlet
and UTC day (stored by :mod:`parallax.store.profile_cache`), so an outlet page sums a few day rows instead
of reading and re-examining every article of the outlet (34 s for RIA Novosti on the 22k Telegram corpus).

    article_counts(doc, published)       one article's counts (contested terms, sources, tone, loaded words)
    profile_parts(counts, outlet)        the profile sections from summed counts (as profiles.outlet_profile)
    refresh_profiles(store)              bring the cache up to date (after analysis; `parallax profiles`)
    cached_parts(store, outlet, since, until)   the summed counts of a period, None when the cache is behind

What an article contributes depends only on its own analysis (and the lexicons and rules, whose version is
PROFILE_VERSION: bump it when they change, and every article is counted again on the next refresh). The
omissions of a story depend on the whole story; they are stored per story with the fingerprint of its
articles (:func:`parallax.outlets.omissions.story_fingerprint`) and recomputed when it changes.

The counts are summed, so the sections must be sums too: a term's "articles" is the number of articles
with the term (1 per article); tone, sources and loaded words are counters; the top lists are cut only
when a profile is made (ties broken by name, as :mod:`parallax.outlets.profiles` does).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from parallax.compare.framing import MARKED, OWN, Voices, find_contested_terms, load_lexicon
from parallax.model import AnalyzedArticle
from parallax.nlp.attribution import extract_attributions
from parallax.outlet_kinds import outlet_kinds
from parallax.outlets import omissions as om
from parallax.outlets.loaded import find_loaded_language, load_evaluative_model, load_loaded_lexicon
from parallax.outlets.sourcing import KINDS, classify_attribution, display_source, own_name_pattern, source_kinds
from parallax.pipeline import story_comparison
from parallax.store import profile_cache as pc
from parallax.text import fold
from parallax.tone import tone_for_mentions

log = logging.getLogger(__name__)

PROFILE_VERSION = 1
BATCH = 200
TONE_LABELS = ("positive", "neutral", "negative")


# ---- what a profile counts, shared with profiles.py (the computation without the cache) -------------------

def _month(published: str | None) -> str | None:
    return published[:7] if published and len(published) >= 7 else None


def _week(published: str | None) -> str | None:
    if not published:
        return None
    try:
        day = dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _attributions(doc: AnalyzedArticle):
    """Attributions re-extracted with the current rules (stored analyses may predate them)."""
    try:
        return extract_attributions(doc)
    except Exception:  # noqa: BLE001 - an old analysis the extractor cannot read: use what was stored
        return doc.attributions


_LABELS = {-1: "negative", 0: "neutral", 1: "positive", "-1": "negative", "0": "neutral", "1": "positive",
           "negative": "negative", "neutral": "neutral", "positive": "positive", "neg": "negative",
           "neu": "neutral", "pos": "positive"}


def _field(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _tone_items(item: Any) -> tuple[Any, Any]:
    """(entity name, label) from what a tone function returns: `parallax.tone.tone_for_mentions` gives
    (Mention, label) pairs; dicts or objects with entity/label fields are accepted too."""
    if isinstance(item, tuple) and len(item) == 2:
        mention, label = item
        name = getattr(mention, "canonical", None) or getattr(mention, "normal", None) or getattr(mention, "text", None)
        return name, label
    return _field(item, "entity_name", "entity", "name", "normal", "text"), _field(item, "label", "tone", "polarity")


def is_own_name(entity: str, outlet: str) -> bool:
    """Whether `entity` names the outlet itself ('РИА Новости', 'РИА' in RIA Novosti's posts; 'Би-би-си' in
    BBC's): its name, its aliases in the outlet registry, or a name it uses for itself as a source. An
    outlet is never listed in its own tone or entity lists."""
    folded = fold(entity).strip()
    if not folded:
        return False
    names, pattern = _own_names(outlet)
    return folded in names or bool(pattern is not None and pattern.fullmatch(fold(entity, keep_case=True)))


@functools.lru_cache(maxsize=256)
def _own_names(outlet: str) -> tuple[frozenset[str], Any]:
    names = {outlet}
    try:
        info = outlet_kinds().info(outlet)
    except Exception:  # noqa: BLE001 - a broken user registry must not break profiles; kinds reports it
        info = None
    if info is not None:
        names.update((info.name, *info.aliases))
        if info.telegram:
            names.add(info.telegram)
    return frozenset(fold(n).strip() for n in names if n), own_name_pattern(outlet)


def day_of(published_ts: float | None) -> str:
    """The UTC day of a publication time (the unit of the day rows and of `--since`/`--until`)."""
    if published_ts is None:
        return pc.UNDATED
    return dt.datetime.fromtimestamp(published_ts, tz=dt.timezone.utc).date().isoformat()


def _key(*parts: Any) -> str:
    return json.dumps(list(parts), ensure_ascii=False)


# ---- one article --------------------------------------------------------------------------------------

def article_counts(doc: AnalyzedArticle, published: str | None, *, attributions: Callable | None = None,
                   tone: Callable | None = None) -> dict[str, Any]:
    """One article's share of its outlet's profile, as nested dicts of ints (summable)."""
    counts: dict[str, Any] = {"n": 1}
    month, week = _month(published), _week(published)
    for hit in find_contested_terms(doc, load_lexicon()):
        side = counts.setdefault("own" if hit.voice == OWN else "quoted", {})
        row = side.setdefault(_key(hit.category, hit.concept, hit.label, hit.entry), {"count": 0, "articles": 1})
        row["count"] += 1
        if month:
            row.setdefault("by_month", {}).setdefault(month, 0)
            row["by_month"][month] += 1
        if week:
            row.setdefault("by_week", {}).setdefault(week, 0)
            row["by_week"][week] += 1
        if hit.voice == MARKED:
            row["marked"] = row.get("marked", 0) + 1
        elif hit.voice != OWN and hit.speaker:
            speakers = row.setdefault("speakers", {})
            speakers[hit.speaker] = speakers.get(hit.speaker, 0) + 1
    kinds: Counter = Counter()
    sources: Counter = Counter()
    for a in (attributions or _attributions)(doc):
        kind = classify_attribution(a, doc=doc)
        kinds[kind] += 1
        sources[_key(display_source(a.source, doc.article.outlet), kind)] += 1
    if kinds:
        counts.update(kinds=dict(kinds), sources=dict(sources), attributions=sum(kinds.values()))
    _tone_counts(counts, doc, month, tone or tone_for_mentions, _tone_items, _LABELS)
    _loaded_counts(counts, doc)
    return counts


def _tone_counts(counts: dict, doc: AnalyzedArticle, month: str | None, tone: Callable, items_of, labels) -> None:
    try:
        items = tone(doc) or []
    except Exception:  # noqa: BLE001 - one unreadable article must not sink the profile
        log.warning("tone failed for %s", doc.id, exc_info=True)
        return
    month = month or (doc.article.date.isoformat()[:7] if doc.article.date else None)
    out: dict[str, Any] = {}
    for item in items:
        name, raw = items_of(item)
        label = labels.get(raw)
        if name and label:
            row = out.setdefault(str(name), {})
            row[label] = row.get(label, 0) + 1
            if month:
                m = row.setdefault("by_month", {}).setdefault(month, {})
                m[label] = m.get(label, 0) + 1
    if out:
        counts["tone"] = out


def word_voices(doc: AnalyzedArticle) -> tuple[int, int]:
    """(words in the outlet's own voice, words inside quotes or reported speech): the denominators of the
    loaded-language rates, computed and cached alike."""
    voices = Voices(doc)
    own = quoted = 0
    for t in doc.tokens:
        if t.pos is not None:
            if voices.own(t.start, t.end):
                own += 1
            else:
                quoted += 1
    return own, quoted


def _loaded_counts(counts: dict, doc: AnalyzedArticle) -> None:
    words, quoted_words = word_voices(doc)
    loaded: dict[str, Any] = {}
    if words:
        loaded["words"] = words
    if quoted_words:
        loaded["quoted_words"] = quoted_words
    for hit in find_loaded_language(doc, load_loaded_lexicon(), load_evaluative_model()):
        cat, terms = ("cat", "terms") if hit.voice == OWN else ("qcat", "qterms")
        loaded.setdefault(cat, Counter())[hit.category] += 1
        loaded.setdefault(terms, Counter())[_key(hit.category, hit.label, hit.term)] += 1
    if loaded:
        counts["loaded"] = {k: dict(v) if isinstance(v, Counter) else v for k, v in loaded.items()}


# ---- a profile from summed counts ----------------------------------------------------------------------

def _term_rows(rows: dict[str, dict], quoted: dict[str, dict] | None) -> list[dict[str, Any]]:
    out = []
    for key, r in rows.items():
        category, concept, label, term = json.loads(key)
        row = {"category": category, "concept": concept, "label": label, "term": term, "count": r["count"],
               "by_month": dict(sorted((r.get("by_month") or {}).items())),
               "by_week": dict(sorted((r.get("by_week") or {}).items())), "articles": r["articles"]}
        if quoted is None:
            row["speakers"] = dict(sorted((r.get("speakers") or {}).items(), key=lambda kv: (-kv[1], kv[0])))
            row["marked"] = r.get("marked", 0)
        else:
            row["quoted"] = quoted[key]["count"] if key in quoted else 0
        out.append(row)
    out.sort(key=lambda r: (-r["count"], r["category"], r["concept"], r["term"], str(r["label"])))
    return out


def _sources(counts: dict, top: int) -> dict[str, Any]:
    kinds = counts.get("kinds") or {}
    ranked = sorted(((*json.loads(k), n) for k, n in (counts.get("sources") or {}).items()),
                    key=lambda r: (-r[2], r[0], r[1]))
    return {"kinds": {k: kinds[k] for k in KINDS if kinds.get(k)},
            "top": [{"source": s, "kind": k, "count": n} for s, k, n in ranked[:top]],
            "attributions": counts.get("attributions", 0), "labels": source_kinds()}


def _tone(counts: dict, outlet: str, top: int) -> list[dict[str, Any]]:
    rows = [(name, row) for name, row in (counts.get("tone") or {}).items() if not is_own_name(name, outlet)]
    rows.sort(key=lambda kv: (-sum(kv[1].get(lab, 0) for lab in TONE_LABELS), kv[0]))
    return [{"entity": name, **{lab: row.get(lab, 0) for lab in TONE_LABELS},
             "by_month": {m: {lab: v.get(lab, 0) for lab in TONE_LABELS}
                          for m, v in sorted((row.get("by_month") or {}).items())}}
            for name, row in rows[:top]]


def _loaded(counts: dict, top: int) -> dict[str, Any]:
    loaded = counts.get("loaded") or {}
    words = loaded.get("words", 0)
    cats = sorted((loaded.get("cat") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    qcats = sorted((loaded.get("qcat") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    qterms = loaded.get("qterms") or {}
    terms = sorted(((*json.loads(k), n, k) for k, n in (loaded.get("terms") or {}).items()),
                   key=lambda r: (-r[3], r[0], r[1], r[2]))
    return {"words": words, "by_category": dict(cats),
            "per_1000_words": {k: round(1000 * n / words, 2) for k, n in cats} if words else {},
            "top": [{"category": c, "label": lab, "term": t, "count": n, "quoted": qterms.get(k, 0)}
                    for c, lab, t, n, k in terms[:top]],
            "quoted": {"words": loaded.get("quoted_words", 0), "hits": sum(n for _, n in qcats),
                       "by_category": dict(qcats)}}


def profile_parts(counts: dict, outlet: str, *, tone: bool = True, loaded: bool = True, top_sources: int = 20,
                  top_entities: int = 12, top_loaded: int = 20) -> dict[str, Any]:
    """The sections of :func:`parallax.outlets.profiles.outlet_profile` made from summed counts."""
    own, quoted = counts.get("own") or {}, counts.get("quoted") or {}
    parts: dict[str, Any] = {
        "analysed": counts.get("n", 0),
        "contested_terms": _term_rows(own, quoted),
        "quoted_terms": _term_rows(quoted, None),
        "sources": _sources(counts, top_sources),
        "tone": _tone(counts, outlet, top_entities) if tone else [],
    }
    if loaded:
        parts["loaded"] = _loaded(counts, top_loaded)
    return parts


# ---- keeping the cache ---------------------------------------------------------------------------------

def refresh_profiles(store, *, omissions: bool = True, batch: int = BATCH,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Count every analysed article whose counts are missing or stale, drop the counts of articles without a
    current analysis, then (with `omissions`) recompute the omissions of stories whose articles changed.
    Returns {"articles", "removed", "stories"}: what was (re)computed."""
    db = store.db
    todo = pc.pending(db, PROFILE_VERSION)
    gone = pc.orphans(db)
    if gone:
        pc.save_articles(db, [], PROFILE_VERSION, remove=gone)
    for start in range(0, len(todo), batch):
        stored = store.get_articles(todo[start:start + batch])
        versions = dict(db.query(f"SELECT article_pk, analyzer_version FROM analyses WHERE article_pk IN "
                                 f"({','.join('?' * len(stored))})", [a.pk for a in stored]))
        docs = store.load_analyses(stored, None)
        rows = [pc.ArticleRow(pk=a.pk, outlet=a.outlet, day=day_of(a.published_ts), published_ts=a.published_ts,
                              revision=a.revision, analyzer_version=versions[a.pk],
                              counts=article_counts(docs[a.pk], a.published))
                for a in stored if a.pk in docs]
        pc.save_articles(db, rows, PROFILE_VERSION)
        if progress:
            progress("profiles", min(start + batch, len(todo)), len(todo))
    done = {"articles": len(todo), "removed": len(gone), "stories": 0}
    if omissions:
        done["stories"] = refresh_omissions(store, progress=progress)
    return done


def omission_entry(comparison, min_outlets: int = om.MIN_OUTLETS) -> dict[str, Any]:
    """What is stored for one story: its outlets, majority facts and omissions."""
    return {"outlets": sorted({d.article.outlet for d in comparison.articles}),
            "majority_facts": om.majority_facts(comparison, min_outlets),
            "omissions": [asdict(o) for o in om.story_omissions(comparison, min_outlets)]}


def refresh_omissions(store, *, story_ids: list[str] | None = None, encoder=None,
                      progress: Callable[[str, int, int], None] | None = None) -> int:
    """Compare every story with >= 3 outlets whose articles changed since its omissions were stored."""
    db = store.db
    stories = pc.story_articles(db, story_ids)
    have = pc.all_omission_fingerprints(db) if story_ids is None else {
        sid: fp for sid, (fp, _) in pc.load_omissions(db, list(stories)).items()}
    todo = [sid for sid, arts in sorted(stories.items())
            if len({a.outlet for a in arts}) >= om.MIN_OUTLETS and have.get(sid) != om.story_fingerprint(arts)]
    for i, sid in enumerate(todo):
        if encoder is None:
            encoder = om.embed.get_encoder()
        comparison = story_comparison(store, sid, encoder=encoder)
        pc.save_omissions(db, [(sid, om.story_fingerprint(stories[sid]), omission_entry(comparison))])
        if progress:
            progress("omissions", i + 1, len(todo))
    return len(todo)


def rebuild_profiles(store, *, omissions: bool = True,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Forget the cache and count every analysed article again (`parallax profiles --rebuild`)."""
    pc.clear(store.db)
    return refresh_profiles(store, omissions=omissions, progress=progress)


def cached_parts(store, outlet: str, since: float | None, until: float | None) -> dict | None:
    """The summed counts of the outlet's articles in the period; None when the cache does not hold every
    analysed article of it (not refreshed since the last analysis: the caller computes from the articles)."""
    db = store.db
    first = _aligned_day(since, start=True)
    last = _aligned_day(until, start=False)
    if (since is None or first) and (until is None or last):
        n, counts = pc.cached_days(db, outlet, first, last)
    else:
        n, counts = pc.cached_articles(db, outlet, since, until)
    if n != pc.analysed_count(db, outlet, since, until) or n != counts.get("n", 0):
        return None
    return counts


def _aligned_day(ts: float | None, *, start: bool) -> str | None:
    """The UTC day `ts` starts (or ends) exactly, else None (the period then needs the article rows)."""
    if ts is None:
        return None
    moment = dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)
    if start and moment.time() == dt.time(0, 0):
        return moment.date().isoformat()
    if not start and moment.time() >= dt.time(23, 59, 59, 999000):
        return moment.date().isoformat()
    return None


def cached_omissions(store, outlet: str, since: float | None, until: float | None
                     ) -> list[om.StoryOmissions] | None:
    """The stored omissions of the outlet's stories in the period, in the order `Store.list_stories` gives
    (latest first); None when a story's omissions are missing or stale."""
    db = store.db
    ids = pc.stories_of(db, outlet, since, until)
    stories = pc.story_articles(db, ids)
    wanted = {sid: arts for sid, arts in stories.items() if len({a.outlet for a in arts}) >= om.MIN_OUTLETS}
    stored = pc.load_omissions(db, list(wanted))
    out = []
    order = sorted(wanted, key=lambda s: (max((a.published_ts or 0.0) for a in wanted[s]), s), reverse=True)
    for sid in order:
        fp, entry = stored.get(sid, (None, None))
        if entry is None or fp != om.story_fingerprint(wanted[sid]):
            return None
        out.append(om.StoryOmissions(story=sid, outlets=entry["outlets"], majority_facts=entry["majority_facts"],
                                     omissions=[om.Omission(**o) for o in entry["omissions"]]))
    return out


__all__ = ["PROFILE_VERSION", "article_counts", "cached_omissions", "cached_parts",
           "profile_parts", "rebuild_profiles", "refresh_omissions", "refresh_profiles"]
