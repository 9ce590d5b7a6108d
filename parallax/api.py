"""The public Python API: what the `parallax` command and the web app do, as plain function calls.

    import parallax.api as px

    comparison, doc = px.compare_files(["a.txt", "b.txt"], outlets=["A", "B"])   # two or more articles
    with px.open_corpus("corpus.sqlite") as store:
        summary = px.ingest(store, ["dump.jsonl"])                              # read, analyse, cluster
        for story in px.list_stories(store, min_outlets=2):
            comparison, doc = px.compare_stored_story(store, story.id)
        profile = px.outlet_profile(store, "РИА Новости")

`doc` is the JSON document (format v1, `parallax/render/schema/`); `comparison` the `StoryComparison`
dataclass it was made from. The CLI (`parallax/cli/`) and the web app (`parallax/web/`) only parse
arguments and render what these functions return.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from parallax.compare import compare_story
from parallax.ingest.errors import InputError
from parallax.ingest.records import DEFAULT_LIMITS, Limits
from parallax.ingest.textfile import read_article_file
from parallax.model import Article, StoryComparison, make_ids_unique
from parallax.nlp.pipeline import Analyzer
from parallax.outlets.profiles import outlet_profile
from parallax.pipeline import (
    IngestSummary,
    analyze_pending,
    cluster_pending,
    ingest_sources,
    story_comparison,
)
from parallax.render.jsonout import document_to_dict
from parallax.store import Store, StorySummary

__all__ = ["compare_articles", "compare_files", "compare_stored_story", "ingest", "list_stories",
           "open_corpus", "outlet_profile", "read_articles"]


def read_articles(paths: Iterable[str], outlets: Iterable[str] = ()) -> tuple[list[Article], list[dict]]:
    """Read every file it can, `outlets` naming each file's outlet in order (default: the file's front
    matter, else its name). A broken file becomes an error entry ({file, line, error}); the rest go on."""
    outlets = list(outlets)
    articles, errors = [], []
    for i, path in enumerate(paths):
        try:
            articles.append(read_article_file(path, outlet=outlets[i] if i < len(outlets) else None))
        except InputError as exc:
            errors.append(exc.as_dict())
    return make_ids_unique(articles), errors


def compare_articles(articles: list[Article], errors: list[dict] | None = None,
                     analyzer: Any = None) -> tuple[StoryComparison, dict]:
    """Analyse `articles` (two or more, one event) and compare them; also the JSON document, with
    `errors` (files that could not be read) listed in it."""
    # relative dates in undated articles resolve against the story's date: the latest known article date
    dated = [a.date for a in articles if a.date]
    docs = (analyzer or Analyzer()).analyze_many(articles, anchor_date=max(dated) if dated else None)
    comparison = compare_story(docs)
    return comparison, document_to_dict([comparison], errors or [])


def compare_files(paths: Iterable[str], outlets: Iterable[str] = ()) -> tuple[StoryComparison, dict]:
    """`read_articles` then `compare_articles`; ValueError when fewer than two files could be read."""
    articles, errors = read_articles(paths, outlets)
    if len(articles) < 2:
        raise ValueError(f"need at least two readable articles, got {len(articles)}: {errors}")
    return compare_articles(articles, errors)


def open_corpus(db: str | None = None) -> Store:
    """The corpus database: a SQLite path or a `postgresql://` URL (default: $PARALLAX_DB, else
    ./parallax.sqlite), created and migrated on open. Use it as a context manager."""
    return Store(db)


def ingest(store: Store, sources: Iterable[str], *, outlet: str | None = None,
           mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
           analyze: bool = True, cluster: bool = True,
           on_error: Callable[[InputError], None] | None = None) -> IngestSummary:
    """Read `sources` (files, folders, feed URLs) into `store`, then analyse and cluster what is new.
    Safe to repeat and to interrupt: a second run stores nothing twice and finishes what the first left."""
    summary = ingest_sources(store, sources, outlet=outlet, mapping=mapping, limits=limits, on_error=on_error)
    if analyze:
        analyze_pending(store, summary=summary)
        if cluster:
            cluster_pending(store, summary=summary)
    return summary


def list_stories(store: Store, **filters: Any) -> list[StorySummary]:
    """Stories, newest first; filters as `Store.list_stories` (since, until, outlet, query, min_articles,
    min_outlets, limit)."""
    return store.list_stories(**filters)


def compare_stored_story(store: Store, story_id: str) -> tuple[StoryComparison, dict]:
    """The comparison of a stored story (stored analyses reused; InputError when there is no such story).
    The document's title is the stored one, the title `parallax stories` lists."""
    comparison = story_comparison(store, story_id)
    doc = document_to_dict([comparison], [])
    stored = store.story(story_id)
    if stored is not None and stored.title:
        doc["stories"][0]["title"] = stored.title
    return comparison, doc
