"""Store tests run on SQLite, and on PostgreSQL when PARALLAX_TEST_PG is set (see store_fixtures.py)."""
from store_fixtures import db_target, fake_analyzer, fake_encoder, store  # noqa: F401
