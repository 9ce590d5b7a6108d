"""The corpus schema, as numbered migrations applied on open.

One logical schema for both back ends; each migration carries the DDL for SQLite and for PostgreSQL.
Never edit a released migration: add the next number. `schema_migrations` records what was applied.

Tables (v1)
-----------
stories            id (from the clusterer, stable), title (representative), created_at, updated_at
articles           pk, ext_id (the id the input gave), ident (identity key, unique: url:/id:/text:),
                   url, outlet, title, published (ISO date or timestamp), published_ts (epoch s, UTC),
                   text (current revision), text_hash, revision, source, encoding, meta (JSON),
                   ingested_at, updated_at, reprint_of (pk of the original), reprint_similarity, story_id
article_revisions  earlier texts of an article: (article_pk, revision) -> title, published, text, text_hash
minhashes          article_pk -> MinHash signature (uint32 x num_perm) for reprint detection
analyses           article_pk -> analyzer_version, revision analysed, zlib JSON of every analysis layer
story_features     article_pk -> what clustering needs: time, embedding (float32), entities, title,
                   evidence (v2: JSON of days named in the lead and years in the title)
recluster_runs     when a period was re-clustered and the change report
outlet_lines       (v3) outlet, key -> posts: in how many of the outlet's posts a short line with this key
                   occurs (store/furniture.py); lines an outlet repeats are its channel furniture
outlet_lines_counted (v3) article_pk -> the revision whose lines are in outlet_lines
profile_articles   (v4) article_pk -> its outlet, UTC day, revision/analyzer/profile version and its profile
                   counts (zlib JSON; store/profile_cache.py, computed by outlets/aggregates.py)
profile_days       (v4) (outlet, day) -> the sum of its articles' profile counts; a page sums the days
profile_story_omissions (v4) story_id -> fingerprint of its articles and its omissions (JSON)
thread_stories     (v5) story_id -> thread_id (NULL: no thread), the story's signature when threaded, the link
                   (via: the earlier story it linked to, cosine, shared names); store/threads.py
threads            (v5) id -> title, first_ts, last_ts, stories, articles
digest_items       (v5) (article_pk, item) -> text of a digest post's item and the story it reports (or NULL)
article_languages  (v6) article_pk -> language, for non-Russian articles only (store/vectors.py)
article_vectors    (v6) (article_pk, encoder) -> multilingual vector of title + lead, hash of that text
store_settings     key -> value (e.g. MinHash parameters the signatures were made with)
articles_fts       SQLite: FTS5 index over articles(title, text), kept in sync by triggers
articles.tsv       PostgreSQL: generated tsvector ('simple' config) with a GIN index
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parallax.store.db import Database


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


def _common(pk: str, blob: str, real: str) -> tuple[str, ...]:
    return (
        """CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            title TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        f"""CREATE TABLE articles (
            pk {pk},
            ext_id TEXT NOT NULL,
            ident TEXT NOT NULL UNIQUE,
            url TEXT,
            outlet TEXT NOT NULL,
            title TEXT,
            published TEXT,
            published_ts {real},
            text TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            source TEXT,
            encoding TEXT,
            meta TEXT NOT NULL DEFAULT '{{}}',
            ingested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            reprint_of BIGINT REFERENCES articles(pk),
            reprint_similarity {real},
            story_id TEXT REFERENCES stories(id) ON DELETE SET NULL)""",
        "CREATE INDEX articles_text_hash ON articles(text_hash)",
        "CREATE INDEX articles_published ON articles(published_ts)",
        "CREATE INDEX articles_outlet ON articles(outlet)",
        "CREATE INDEX articles_story ON articles(story_id)",
        "CREATE INDEX articles_ext_id ON articles(ext_id)",
        "CREATE INDEX articles_reprint ON articles(reprint_of)",
        """CREATE TABLE article_revisions (
            article_pk BIGINT NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            title TEXT,
            published TEXT,
            text TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            source TEXT,
            ingested_at TEXT NOT NULL,
            PRIMARY KEY (article_pk, revision))""",
        "CREATE INDEX article_revisions_hash ON article_revisions(text_hash)",
        f"""CREATE TABLE minhashes (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            signature {blob} NOT NULL)""",
        f"""CREATE TABLE analyses (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            analyzer_version TEXT NOT NULL,
            data {blob} NOT NULL,
            created_at TEXT NOT NULL)""",
        "CREATE INDEX analyses_version ON analyses(analyzer_version)",
        f"""CREATE TABLE story_features (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            analyzer_version TEXT NOT NULL,
            time_ts {real},
            embedding {blob} NOT NULL,
            entities TEXT NOT NULL,
            title TEXT NOT NULL)""",
        "CREATE INDEX story_features_time ON story_features(time_ts)",
        f"""CREATE TABLE recluster_runs (
            id {pk},
            ran_at TEXT NOT NULL,
            since TEXT,
            until TEXT,
            report TEXT NOT NULL)""",
        """CREATE TABLE store_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL)""",
    )


def _outlet_lines() -> tuple[str, ...]:
    return (
        """CREATE TABLE outlet_lines (
            outlet TEXT NOT NULL,
            key TEXT NOT NULL,
            posts INTEGER NOT NULL,
            PRIMARY KEY (outlet, key))""",
        "CREATE INDEX outlet_lines_posts ON outlet_lines(outlet, posts)",
        """CREATE TABLE outlet_lines_counted (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            revision INTEGER NOT NULL)""",
    )


def _threads(real: str) -> tuple[str, ...]:
    # thread_stories: one row per dated story (thread_id NULL: a digest or too small to take part);
    # articles, pk_sum, first_ts, last_ts are the story's signature when it was threaded (a change => redo)
    return (
        f"""CREATE TABLE thread_stories (
            story_id TEXT PRIMARY KEY,
            thread_id TEXT,
            articles INTEGER NOT NULL,
            pk_sum BIGINT NOT NULL,
            first_ts {real} NOT NULL,
            last_ts {real} NOT NULL,
            via TEXT,
            cosine {real},
            shared TEXT NOT NULL DEFAULT '[]')""",
        "CREATE INDEX thread_stories_thread ON thread_stories(thread_id)",
        "CREATE INDEX thread_stories_first ON thread_stories(first_ts)",
        f"""CREATE TABLE threads (
            id TEXT PRIMARY KEY,
            title TEXT,
            first_ts {real} NOT NULL,
            last_ts {real} NOT NULL,
            stories INTEGER NOT NULL,
            articles INTEGER NOT NULL,
            updated_at TEXT NOT NULL)""",
        "CREATE INDEX threads_last ON threads(last_ts)",
        """CREATE TABLE digest_items (
            article_pk BIGINT NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
            item INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            text TEXT NOT NULL,
            story_id TEXT,
            PRIMARY KEY (article_pk, item))""",
        "CREATE INDEX digest_items_story ON digest_items(story_id)",
    )


def _crosslingual(blob: str) -> tuple[str, ...]:
    return (
        """CREATE TABLE article_languages (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            language TEXT NOT NULL)""",
        f"""CREATE TABLE article_vectors (
            article_pk BIGINT NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
            encoder TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vector {blob} NOT NULL,
            PRIMARY KEY (article_pk, encoder))""",
    )


def _profile_cache(blob: str, real: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE profile_articles (
            article_pk BIGINT PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            outlet TEXT NOT NULL,
            day TEXT NOT NULL,
            published_ts {real},
            revision INTEGER NOT NULL,
            analyzer_version TEXT NOT NULL,
            profile_version INTEGER NOT NULL,
            counts {blob} NOT NULL)""",
        "CREATE INDEX profile_articles_outlet ON profile_articles(outlet, day)",
        f"""CREATE TABLE profile_days (
            outlet TEXT NOT NULL,
            day TEXT NOT NULL,
            articles INTEGER NOT NULL,
            counts {blob} NOT NULL,
            PRIMARY KEY (outlet, day))""",
        """CREATE TABLE profile_story_omissions (
            story_id TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            data TEXT NOT NULL)""",
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "articles, revisions, reprints, analyses, stories, full-text search",
        sqlite=_common("INTEGER PRIMARY KEY", "BLOB", "REAL") + (
            # External-content FTS5: the text is stored once (in articles); triggers keep the index in step.
            # remove_diacritics folds ё->е (and й->и), which suits Russian search.
            """CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='pk',
                   tokenize='unicode61 remove_diacritics 2')""",
            """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
                   INSERT INTO articles_fts(rowid, title, text) VALUES (new.pk, new.title, new.text);
               END""",
            """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
                   INSERT INTO articles_fts(articles_fts, rowid, title, text)
                   VALUES ('delete', old.pk, old.title, old.text);
               END""",
            """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
                   INSERT INTO articles_fts(articles_fts, rowid, title, text)
                   VALUES ('delete', old.pk, old.title, old.text);
                   INSERT INTO articles_fts(rowid, title, text) VALUES (new.pk, new.title, new.text);
               END""",
        ),
        postgresql=_common("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA", "DOUBLE PRECISION") + (
            """ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS
                   (to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED""",
            "CREATE INDEX articles_tsv ON articles USING GIN (tsv)",
        ),
    ),
    Migration(
        2, "story_features.evidence: event-identity evidence (days named in the lead, years in the title)",
        # JSON {"lead_dates", "title_years", "title_names", "text_keys"}: a missing key means no such
        # evidence (rows saved by an older version; '{}' for rows saved before this migration)
        sqlite=("ALTER TABLE story_features ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}'",),
        postgresql=("ALTER TABLE story_features ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}'",),
    ),
    Migration(
        3, "outlet_lines: per outlet, in how many posts each short line occurs (channel furniture)",
        # filled as articles are stored; a store migrated with articles in it is counted on first use
        # (pipeline.story_furniture)
        sqlite=_outlet_lines(),
        postgresql=_outlet_lines(),
    ),
    Migration(
        4, "profile cache: per-article and per-outlet-day profile counts, story omissions (store/profile_cache.py)",
        # filled after analysis by parallax.outlets.aggregates.refresh_profiles; a store migrated with
        # analysed articles in it is filled by `parallax profiles --rebuild` or the next ingest
        sqlite=_profile_cache("BLOB", "REAL"),
        postgresql=_profile_cache("BYTEA", "DOUBLE PRECISION"),
    ),
    Migration(
        5, "threads: stories linked into developing stories (thread_stories, threads); digest items' stories",
        # filled by store/threads.py after clustering; a store migrated with stories in it is threaded on
        # the next ingest or `parallax threads`
        sqlite=_threads("REAL"),
        postgresql=_threads("DOUBLE PRECISION"),
    ),
    Migration(
        6, "article_languages, article_vectors: cross-lingual story clustering (store/vectors.py)",
        # article_languages: only non-Russian articles (written at analysis); article_vectors: multilingual
        # vectors of title + lead, computed when first needed. A store migrated with articles in it gets its
        # languages on the next analysis (`ingest --reanalyze`); until then its articles count as Russian.
        sqlite=_crosslingual("BLOB"),
        postgresql=_crosslingual("BYTEA"),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    pass


def current_version(db: Database) -> int:
    return int(db.scalar("SELECT MAX(version) FROM schema_migrations", default=0))


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply every migration the database lacks; return the versions applied."""
    applied: list[int] = []
    with db.transaction():
        if db.dialect == "postgresql":
            # Two processes opening a fresh database at once: one migrates, the other waits and sees it done.
            # The lock comes first: two concurrent CREATE TABLE IF NOT EXISTS can both pass the check and the
            # second then fails on PostgreSQL's catalogue.
            db.execute("SELECT pg_advisory_xact_lock(7270617)")
        db.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                          version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)""")
        have = current_version(db)
        newest = migrations[-1].version if migrations else 0
        if have > newest:
            raise SchemaError(f"database schema version {have} is newer than this Parallax understands "
                              f"({newest}); upgrade Parallax")
        # Every migration the database lacks, not only those above its newest: versions are handed out per
        # change and may land out of number order, so a database made between two landings can miss one
        # below its newest version.
        done = {int(row[0]) for row in db.query("SELECT version FROM schema_migrations")}
        for migration in migrations:
            if migration.version in done:
                continue
            statements = migration.sqlite if db.dialect == "sqlite" else migration.postgresql
            for statement in statements:
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                       (migration.version, migration.description, now_iso()))
            applied.append(migration.version)
    return applied


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
