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
from parallax.ingest.html import read_html_file
from parallax.ingest.records import DEFAULT_LIMITS, Limits
from parallax.ingest.textfile import read_article_file

HTML_SUFFIXES = (".html", ".htm", ".xhtml")     # read as saved web pages (ingest.sources reads them alike)
from parallax.model import Article, StoryComparison, make_ids_unique
from parallax.nlp.pipeline import Analyzer
from parallax.outlet_kinds import outlet_kinds
from parallax.outlets.aggregates import refresh_profiles
from parallax.outlets.profiles import outlet_profile
from parallax.parallel.dask_cluster import ingest_on_cluster
from parallax.parallel.workers import analyze_pending_parallel
from parallax.pipeline import (
    IngestSummary,
    cluster_pending,
    ingest_sources,
    story_comparison,
)
from parallax.render.jsonout import article_analysis_to_dict, document_to_dict
from parallax.store import Store, StorySummary
from parallax.store import threads as stored_threads

__all__ = ["analyze_articles", "analyze_files", "compare_articles", "compare_files", "compare_stored_story", "digest_mentions", "ingest", "list_stories",
           "list_threads", "open_corpus", "outlet_profile", "read_articles", "story_threads", "thread",
           "update_threads"]


def read_articles(paths: Iterable[str], outlets: Iterable[str] = (),
                  limits: Limits = DEFAULT_LIMITS) -> tuple[list[Article], list[dict]]:
    """Read every file it can: text files, and saved web pages (`.html`, `.htm`: the main text and the page's
    title, date and site name). `outlets` names each file's outlet in order (default: the file's front
    matter or the page's site name, else its name). A broken file, or a text over `limits` (the limit `ingest` applies), becomes an
    error entry ({file, line, error}); the rest go on."""
    outlets = list(outlets)
    articles, errors = [], []
    for i, path in enumerate(paths):
        outlet = outlets[i] if i < len(outlets) else None
        try:
            if str(path).lower().endswith(HTML_SUFFIXES):
                # a saved web page: its main text, title, date and site name, as `ingest` extracts them
                article = read_html_file(path, outlet=outlet, limits=limits)
            else:
                article = read_article_file(path, outlet=outlet)
            limits.check_text_length(article.text, str(path))
            articles.append(article)
        except InputError as exc:
            errors.append(exc.as_dict())
    return make_ids_unique(articles), errors


def compare_articles(articles: list[Article], errors: list[dict] | None = None,
                     analyzer: Any = None, claim_head: bool = False) -> tuple[StoryComparison, dict]:
    """Analyse `articles` (two or more, one event) and compare them; also the JSON document, with
    `errors` (files that could not be read) listed in it. `claim_head`: match claims across outlets with the
    learned pair head too (compare/pair_head.py: more facts found in two outlets, ~x10 CPU on 20 articles)."""
    # relative dates in undated articles resolve against the story's date: the latest known article date
    dated = [a.date for a in articles if a.date]
    docs = (analyzer or Analyzer()).analyze_many(articles, anchor_date=max(dated) if dated else None)
    comparison = compare_story(docs, outlet_kinds=outlet_kinds().rated({a.outlet for a in articles}),
                               claim_head=claim_head)
    return comparison, document_to_dict([comparison], errors or [])


def compare_files(paths: Iterable[str], outlets: Iterable[str] = (),
                  limits: Limits = DEFAULT_LIMITS, claim_head: bool = False) -> tuple[StoryComparison, dict]:
    """`read_articles` then `compare_articles`; ValueError when fewer than two files could be read."""
    articles, errors = read_articles(paths, outlets, limits)
    if len(articles) < 2:
        raise ValueError(f"need at least two readable articles, got {len(articles)}: {errors}")
    return compare_articles(articles, errors, claim_head=claim_head)


def analyze_articles(articles: Iterable[Article], analyzer: Any = None) -> list[dict]:
    """Each article's analysis layers as a dict (`parallax analyze`): language and confidence, sentences,
    entities (type, normal form, offsets, language-independent `key`, and `ner`: the model that tagged
    them, None for a language without one), dates, numbers, quotes with speakers, attributions. Every
    article is analysed on its own: relative dates resolve against its own date only."""
    return [article_analysis_to_dict(doc) for doc in (analyzer or Analyzer()).analyze_many(list(articles))]


def analyze_files(paths: Iterable[str], limits: Limits = DEFAULT_LIMITS,
                  errors: list[dict] | None = None) -> list[dict]:
    """`analyze_articles` of the files (text files as `compare` reads them; `.html`/`.htm`: saved web pages,
    main text extracted as `ingest` does); an unreadable file raises InputError naming it, unless `errors` is
    given: then it is appended there ({file, line, error}) and the other files are analysed."""
    articles, problems = read_articles(paths, limits=limits)
    if problems and errors is None:
        first = problems[0]
        raise InputError(first["file"], first["error"], first.get("line"))
    if errors is not None:
        errors.extend(problems)
    return analyze_articles(articles)


def open_corpus(db: str | None = None) -> Store:
    """The corpus database: a SQLite path or a `postgresql://` URL (default: $PARALLAX_DB, else
    ./parallax.sqlite), created and migrated on open. Use it as a context manager."""
    return Store(db)


def ingest(store: Store, sources: Iterable[str], *, outlet: str | None = None,
           mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
           analyze: bool = True, cluster: bool = True,
           on_error: Callable[[InputError], None] | None = None,
           workers: int = 1, scheduler: str | None = None, profiles: bool = True) -> IngestSummary:
    """Read `sources` (files, folders, feed URLs) into `store`, then analyse and cluster what is new.
    Safe to repeat and to interrupt: a second run stores nothing twice and finishes what the first left.
    `workers`: analyse in that many processes (same result). `scheduler`: a dask.distributed scheduler
    address (`tcp://host:8786`; needs a PostgreSQL store) that reads, analyses and embeds instead.
    `profiles`: keep the outlet-profile counts and story omissions up to date (`parallax profiles`)."""
    if scheduler:
        return ingest_on_cluster(store, sources, scheduler, outlet=outlet, mapping=mapping, limits=limits,
                                 analyze=analyze, cluster=cluster, on_error=on_error)
    summary = ingest_sources(store, sources, outlet=outlet, mapping=mapping, limits=limits, on_error=on_error)
    if analyze:
        analyze_pending_parallel(store, workers, summary=summary)
        if cluster:
            cluster_pending(store, summary=summary)
        if profiles:
            # outlet pages sum these counts instead of re-reading every article (outlets/aggregates.py)
            refresh_profiles(store, omissions=cluster)
    return summary


def list_stories(store: Store, **filters: Any) -> list[StorySummary]:
    """Stories, newest first; filters as `Store.list_stories` (since, until, outlet, query, min_articles,
    min_outlets, limit; `outlets` covered by all of them, `kinds` by an outlet of each kind, `blind_spot`,
    `sort` = recent | outlets | kinds | articles). Each story carries `coverage` (kind -> outlets) and
    `outlet_kinds` (outlet -> kind; see `parallax.outlet_kinds`)."""
    return store.list_stories(**filters)


def compare_stored_story(store: Store, story_id: str, claim_head: bool = False) -> tuple[StoryComparison, dict]:
    """The comparison of a stored story (stored analyses reused; InputError when there is no such story).
    The document's title is the stored one, the title `parallax stories` lists. `claim_head`: as in
    `compare_articles`."""
    comparison = story_comparison(store, story_id, claim_head=claim_head)
    doc = document_to_dict([comparison], [])
    stored = store.story(story_id)
    if stored is not None and stored.title:
        doc["stories"][0]["title"] = stored.title
    doc["stories"][0]["thread"] = stored_threads.threads_of_stories(store.db, [story_id]).get(story_id)
    return comparison, doc


# ---- threads: stories linked into developing stories over days ------------------------------------------

def update_threads(store: Store, *, rebuild: bool = False) -> dict[str, int]:
    """Bring the stored threads up to date with the stories (ingest does this after clustering; needed only
    for a store clustered before threads existed, or with `rebuild` to decide every story again)."""
    return stored_threads.update_threads(store, rebuild=rebuild)


def list_threads(store: Store, *, since: float | None = None, until: float | None = None, min_stories: int = 2,
                 limit: int | None = None, offset: int = 0) -> tuple[list[stored_threads.ThreadSummary], int]:
    """Threads with at least `min_stories` stories overlapping [since, until] (epoch s), latest first, each
    with its stories in time order (`members`: id, title, articles, first, last, via, cosine, shared); and
    how many there are."""
    return stored_threads.list_threads(store.db, since=since, until=until, min_stories=min_stories,
                                       limit=limit, offset=offset)


def thread(store: Store, thread_id: str) -> dict[str, Any] | None:
    """One thread: its stories in time order with their articles, and the timeline (each day's stories,
    each outlet's articles per story). None when there is no such thread."""
    return stored_threads.thread_detail(store.db, thread_id)


def story_threads(store: Store, story_ids: Iterable[str]) -> dict[str, str]:
    """story id -> thread id, for the given stories that are in a thread."""
    return stored_threads.threads_of_stories(store.db, list(story_ids))


def digest_mentions(store: Store, story_id: str) -> list[dict[str, Any]]:
    """The digest posts that list this story among their items ("also in digest: …"): pk, outlet, title,
    published and the item's text, in time order."""
    return stored_threads.digest_mentions(store.db, story_id)
