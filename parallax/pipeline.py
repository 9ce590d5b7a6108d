"""The corpus pipeline: store raw articles -> analyse the new ones -> cluster the new ones into stories.

Each stage commits as it goes and picks up exactly what the previous run left undone (articles without a
current analysis, analysed articles without a story), so a run killed at any point is finished by running
the same command again - nothing is lost and nothing is stored twice.
"""
from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import parallax
from parallax.compare import compare_story, embed
from parallax.ingest.errors import InputError
from parallax.ingest.records import DEFAULT_LIMITS, Limits
from parallax.ingest.sources import iter_sources
from parallax.model import AnalyzedArticle, Article, StoryComparison, make_ids_unique
from parallax.nlp.pipeline import Analyzer
from parallax.outlet_kinds import outlet_kinds
from parallax.store.store import AddResult, Store, StoredArticle
from parallax.store.threads import refresh_threads
from parallax.store.vectors import crosslingual_source, save_languages
from parallax.stories import ClusterConfig, StoryClusterer, story_features_many
from parallax.stories.crosslingual import CrossLingualClusterer
from parallax.stories.word_vectors import TableFirstEncoder

log = logging.getLogger(__name__)

INGEST_BATCH = 200          # articles per transaction: a crash loses at most this much work
ANALYSIS_BATCH = 64
CLUSTER_BATCH = 2000


def reason_of(error: InputError) -> str:
    """The kind of problem without the specifics ('text too long (12 characters...)' -> 'text too long')."""
    return error.problem.split(" (")[0].split(";")[0].split(":")[0].strip()


@dataclass
class IngestSummary:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    revisions: int = 0
    reprints: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    analysed: int = 0
    analysis_failed: int = 0
    clustered: int = 0
    stories_new: int = 0
    stories_joined: int = 0

    def count(self, result: AddResult) -> None:
        if result.status == "new":
            self.new += 1
            if result.reprint_of is not None:
                self.reprints += 1
        elif result.status == "duplicate":
            self.duplicates += 1
        elif result.status == "revision":
            self.revisions += 1
        else:
            self.rejected += 1
            self.reasons["database refused the record"] += 1

    def reject(self, error: InputError) -> None:
        self.rejected += 1
        self.reasons[reason_of(error)] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "ingested": self.new, "duplicates": self.duplicates, "revisions": self.revisions,
                "reprints": self.reprints, "rejected": self.rejected, "rejected_reasons": dict(self.reasons),
                "analysed": self.analysed, "analysis_failed": self.analysis_failed, "clustered": self.clustered,
                "stories_new": self.stories_new, "stories_joined": self.stories_joined}


def ingest_records(store: Store, records: Iterable[Article | InputError], *, batch_size: int = INGEST_BATCH,
                   summary: IngestSummary | None = None,
                   on_error: Callable[[InputError], None] | None = None,
                   on_progress: Callable[[int], None] | None = None) -> IngestSummary:
    """Store every readable record, batch by batch; report each unreadable one through `on_error`."""
    summary = summary or IngestSummary()
    batch: list[Article] = []

    def flush() -> None:
        for result in store.add_articles(batch):
            summary.count(result)
            if result.status == "error" and on_error is not None:
                on_error(InputError(result.source or result.ext_id, result.error or "database error"))
        if on_progress is not None:
            on_progress(len(batch))
        batch.clear()

    for record in records:
        summary.read += 1
        if isinstance(record, InputError):
            summary.reject(record)
            if on_error is not None:
                on_error(record)
            if on_progress is not None:
                on_progress(0)
            continue
        batch.append(record)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    # what this run stored, and what a killed run stored without counting (a migrated store: everything)
    store.count_outlet_lines()
    return summary


def ingest_sources(store: Store, sources: Iterable[str], *, outlet: str | None = None,
                   mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
                   **kwargs: Any) -> IngestSummary:
    return ingest_records(store, iter_sources(sources, outlet=outlet, mapping=mapping, limits=limits), **kwargs)


# ---- analysis -------------------------------------------------------------------------------------

def analyzer_version() -> str:
    return str(parallax.ANALYZER_VERSION)


def analyze_pending(store: Store, *, analyzer: Any = None, encoder: Any = None, outdated: bool = False,
                    batch_size: int = ANALYSIS_BATCH, summary: IngestSummary | None = None,
                    on_progress: Callable[[int], None] | None = None,
                    pending: list[int] | None = None) -> IngestSummary:
    """Analyse articles without a current analysis and store the analyses and clustering features."""
    summary = summary or IngestSummary()
    version = analyzer_version()
    if pending is None:
        pending = store.pending_analysis(version, outdated=outdated)
    if not pending:
        return summary
    if analyzer is None:
        analyzer = Analyzer()
    if encoder is None:
        encoder = embed.get_encoder()
    encoder = unbatched(encoder)
    for start in range(0, len(pending), batch_size):
        stored = store.get_articles(pending[start:start + batch_size])
        save_analysed(store, analyse_stored(analyzer, encoder, stored, summary), version,
                      count_lines_of=[a.pk for a in stored], summary=summary)
        if on_progress is not None:
            on_progress(len(stored))
    return summary


def unbatched(encoder: Any) -> Any:
    # stored story vectors must not depend on the batches the analysis happened to run in
    return encoder if isinstance(encoder, embed.UnbatchedEncoder) else embed.UnbatchedEncoder(encoder)


def analyse_stored(analyzer: Any, encoder: Any, stored: list[StoredArticle],
                   summary: IngestSummary) -> list[tuple[StoredArticle, AnalyzedArticle, Any]]:
    """(article, analysis, story features) of each article that could be analysed; the rest are counted as
    failed in `summary`. No database: this is the part `parallax.parallel` runs in worker processes."""
    docs = _analyze_robustly(analyzer, stored, summary)
    items = story_features_many([d for _, d in docs], encoder) if docs else []
    return [(a, d, item) for (a, d), item in zip(docs, items)]


def save_analysed(store: Store, results: list[tuple[StoredArticle, AnalyzedArticle, Any]], version: str, *,
                  count_lines_of: list[int] | None = None, summary: IngestSummary | None = None) -> None:
    """Store analyses and story features in one transaction; saving again overwrites (keyed by article)."""
    if not results:
        return
    with store.db.transaction():
        store.save_analyses([(a.pk, a.revision, d) for a, d, _ in results], version)
        store.save_features([(a.pk, item) for a, _, item in results], version)
        save_languages(store, [(a.pk, d.language) for a, d, _ in results])    # non-Russian: cross-lingual stories
        if count_lines_of:
            store.count_outlet_lines(count_lines_of)   # articles stored without ingest_records
    if summary is not None:
        summary.analysed += len(results)


def _analyze_robustly(analyzer: Any, stored: list[StoredArticle],
                      summary: IngestSummary) -> list[tuple[StoredArticle, AnalyzedArticle]]:
    articles = [a.to_article() for a in stored]
    try:
        return list(zip(stored, analyzer.analyze_many(articles)))
    except Exception:  # noqa: BLE001 - find the article that breaks the batch, keep the others
        out = []
        for s, article in zip(stored, articles):
            try:
                out.append((s, analyzer.analyze(article)))
            except Exception as exc:  # noqa: BLE001
                summary.analysis_failed += 1
                log.warning("analysis failed for %s (%s): %s", article.id, article.source, exc)
        return out


# ---- clustering -----------------------------------------------------------------------------------

def _window_seconds(clusterer: StoryClusterer) -> float:
    return (float(clusterer.config.window_days) + 1.0) * 86400.0


def cluster_pending(store: Store, *, config: ClusterConfig | None = None, batch_size: int = CLUSTER_BATCH,
                    summary: IngestSummary | None = None,
                    on_progress: Callable[[int], None] | None = None) -> IngestSummary:
    """Put every analysed, unclustered article into a story (existing or new), in time order.

    The clusterer is restored from the stored features of the stories around the new articles' dates
    (whole stories, so centroids are exact), which makes the outcome the same as if it had never stopped."""
    summary = summary or IngestSummary()
    pending = store.pending_clustering()
    if not pending:
        return summary
    clusterer = CrossLingualClusterer(config, crosslingual_source(store))
    window = _window_seconds(clusterer)
    loaded_stories: set[str] = set()
    for start in range(0, len(pending), batch_size):
        new = store.load_story_items(pks=pending[start:start + batch_size])
        times = [it.time.timestamp() for _, it, _ in new if it.time is not None]
        context_ids: set[str] = set()
        if times:
            context_ids.update(store.stories_near(min(times) - window, max(times) + window))
        if any(it.time is None for _, it, _ in new):
            context_ids.update(store.undated_story_ids())
        context_ids -= loaded_stories
        if context_ids:
            context = store.load_story_items(story_ids=sorted(context_ids))
            fresh = [(pk, it, sid) for pk, it, sid in context if clusterer.story_of(it.article_id) is None]
            clusterer.load([it for _, it, _ in fresh], [sid for _, _, sid in fresh])
            loaded_stories |= context_ids
        story_ids = clusterer.add_many([it for _, it, _ in new])
        assignments = {pk: sid for (pk, _, _), sid in zip(new, story_ids)}
        touched = set(story_ids)
        # a story existed before the batch when it has an article from outside it (listing every story
        # before each batch cost O(all articles clustered so far) a batch)
        batch_ids = {it.article_id for _, it, _ in new}
        before = {sid for sid in touched if any(a not in batch_ids for a in clusterer.member_ids(sid))}
        titles = {sid: clusterer.representative_title(sid) for sid in touched}
        store.assign_stories(assignments, titles)
        loaded_stories |= touched
        summary.clustered += len(new)
        summary.stories_new += len(touched - before)
        summary.stories_joined += len(touched & before)
        if on_progress is not None:
            on_progress(len(new))
    refresh_threads(store, digest_item_encoder, cluster_config=config)   # digest items, then threads
    return summary


def digest_item_encoder() -> TableFirstEncoder:
    # a digest's items are matched against stored story vectors: embedded the way Russian leads are
    return TableFirstEncoder(embed.get_encoder())


def recluster_period(store: Store, *, since_ts: float | None, until_ts: float | None,
                     config: ClusterConfig | None = None, since_label: str | None = None,
                     until_label: str | None = None) -> dict:
    """Re-cluster every analysed article of a period from scratch; ids of stories that survive are kept.
    Returns the clusterer's change report (unchanged / changed / new / merged / split / removed)."""
    items = store.load_story_items(since_ts=since_ts, until_ts=until_ts)
    if not items:
        return {"counts": {}, "articles": 0}
    clusterer = CrossLingualClusterer(config, crosslingual_source(store))
    old_ids = sorted({sid for _, _, sid in items if sid is not None})
    context = store.load_story_items(story_ids=old_ids) if old_ids else []
    clusterer.load([it for _, it, _ in context], [sid for _, _, sid in context])
    pk_of = {it.article_id: pk for pk, it, _ in itertools.chain(context, items)}
    assignment, report = clusterer.recluster([it for _, it, _ in items])
    final = clusterer.stories()
    titles = {sid: clusterer.representative_title(sid) for sid in final}
    store.assign_stories({pk_of[a]: sid for a, sid in assignment.items()}, titles)
    report = dict(report)
    report["articles"] = len(items)
    store.record_recluster(since_label, until_label, report)
    refresh_threads(store, digest_item_encoder, cluster_config=config)
    return report


# ---- stories for comparison -------------------------------------------------------------------------

def article_document(store: Store, article: StoredArticle, *, analyzer: Any = None) -> AnalyzedArticle:
    """The stored analysis of one article when it is current, else the article analysed now and stored
    (when the database takes it: a read-only one still shows the article). The one-article counterpart of
    `story_documents`."""
    version = analyzer_version()
    doc = store.load_analyses([article], version).get(article.pk)
    if doc is None:
        doc = (analyzer or Analyzer()).analyze(article.to_article())
        try:
            store.save_analyses([(article.pk, article.revision, doc)], version)
        except Exception:  # noqa: BLE001 - a read-only database still shows the article
            log.warning("could not store the analysis of article %s", article.pk, exc_info=True)
    return doc


def story_documents(store: Store, story_id: str, *, analyzer: Any = None) -> list[AnalyzedArticle]:
    """The analysed articles of a stored story, in publication order. Stored analyses are used when they
    were made by the current ANALYZER_VERSION for the current revision; the rest are analysed now (with the
    story's latest date as the anchor for relative dates) and stored."""
    story = store.story(story_id)
    if story is None:
        raise InputError(store.location, f"no story with id {story_id!r} (list them with `parallax stories`)")
    version = analyzer_version()
    stored = story.articles
    docs = store.load_analyses(stored, version)
    missing = [a for a in stored if a.pk not in docs]
    if missing:
        if analyzer is None:
            analyzer = Analyzer()
        dates = [a.to_article().date for a in stored if a.to_article().date]
        fresh = analyzer.analyze_many([a.to_article() for a in missing], anchor_date=max(dates) if dates else None)
        store.save_analyses([(a.pk, a.revision, d) for a, d in zip(missing, fresh)], version)
        docs.update({a.pk: d for a, d in zip(missing, fresh)})
    ext_of = {a.pk: a.ext_id for a in stored}
    originals = [a.reprint_of for a in stored if a.reprint_of is not None and a.reprint_of not in ext_of]
    for original in store.get_articles(originals):
        ext_of[original.pk] = original.ext_id
    out: list[AnalyzedArticle] = []
    for a in stored:
        doc = docs[a.pk]
        if a.reprint_of is not None:
            doc.article.meta["reprint_of"] = ext_of.get(a.reprint_of)
        out.append(doc)
    # ids must be unique within a comparison; inputs from different sources may share one
    make_ids_unique([d.article for d in out])
    return out


def story_furniture(store: Store, docs: list[AnalyzedArticle]) -> dict[str, frozenset[str]]:
    """outlet -> its channel furniture (line keys it repeats across its posts), for `compare_story`. A store
    that has articles but no line counts yet (made before them) is counted first, when it can be written."""
    if not store.outlet_lines_counted():
        try:
            store.count_outlet_lines()
        except Exception:  # noqa: BLE001 - a read-only database still compares, with the shared list only
            log.warning("could not count the outlets' lines in %s", store.location, exc_info=True)
    return store.outlet_furniture(sorted({d.article.outlet for d in docs}))


def story_comparison(store: Store, story_id: str, *, encoder: Any = None, claim_head: bool = False) -> StoryComparison:
    """The comparison of a stored story: its analysed articles (stored analyses reused) compared with the
    channel furniture its outlets repeat kept out of the claims. The one path from a stored story to a
    comparison, for the CLI, the API, the web app, omissions and word choice. InputError: no such story.
    `claim_head`: the opt-in learned pair head (compare/pair_head.py)."""
    docs = story_documents(store, story_id)
    return compare_story(docs, encoder=encoder, story_id=story_id, furniture=story_furniture(store, docs),
                         outlet_kinds=outlet_kinds().rated({d.article.outlet for d in docs}), claim_head=claim_head)
