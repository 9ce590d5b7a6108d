"""Corpus storage: SQLite (default, one file) or PostgreSQL (`postgresql://` URL), one schema.

Default location: `--db`, else $PARALLAX_DB, else ./parallax.sqlite.
"""
from parallax.store.db import DEFAULT_DB, ENV_DB, resolve_db
from parallax.store.store import (
    AddResult,
    Store,
    StoredArticle,
    StorySummary,
    identity_key,
    normalize_url,
)

__all__ = ["DEFAULT_DB", "ENV_DB", "AddResult", "Store", "StoredArticle", "StorySummary", "identity_key",
           "normalize_url", "resolve_db"]
