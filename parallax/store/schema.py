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
)

LATEST_VERSION = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    pass


def current_version(db: Database) -> int:
    return int(db.scalar("SELECT MAX(version) FROM schema_migrations", default=0))


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    with db.transaction():
        db.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                          version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)""")
    applied: list[int] = []
    with db.transaction():
        if db.dialect == "postgresql":
            # Two processes opening a fresh database at once: one migrates, the other waits and sees it done.
            db.execute("SELECT pg_advisory_xact_lock(7270617)")
        have = current_version(db)
        newest = migrations[-1].version if migrations else 0
        if have > newest:
            raise SchemaError(f"database schema version {have} is newer than this Parallax understands "
                              f"({newest}); upgrade Parallax")
        for migration in migrations:
            if migration.version <= have:
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
