"""Per-outlet line counts (store/furniture.py): counted once per post and revision, learned furniture above
max(3, 2 %) of an outlet's posts, the v3 migration on a store made before it. SQLite and PostgreSQL."""
import re

import pytest

from corpus_fakes import make_article
from parallax.store import Store
from parallax.store.furniture import MIN_POSTS, outlet_lines, post_keys, threshold
from parallax.store.schema import LATEST_VERSION, MIGRATIONS, migrate

SIGN = "⚡ Вестник: главное без цензуры"
SIGN_KEY = "вестник главное без цензуры"


def _posts(outlet, n, *, sign_every=1, start=0):
    """n posts of one outlet, each a different statement (digits are no part of a key: the post's number is
    spelled in letters); every `sign_every`-th ends with SIGN."""
    def letters(i):
        return "".join("абвгдежзик"[int(d)] for d in str(i))
    return [make_article(f"{outlet}-{i}", f"Событие {letters(i)} произошло в городе."
                         + (f"\n{SIGN}" if i % sign_every == 0 else ""), outlet)
            for i in range(start, start + n)]


KEYS = """
Первая строка.\\n👉 Топор Live. Подписаться\\n\\n👉 Топор Live. Подписаться | первая строка, топор live подписаться
@banksta\\nhttps://t.me/x\\n18+                                            |
"""


@pytest.mark.parametrize("text,keys", [[x.strip() for x in row.split("|")] for row in KEYS.strip().splitlines()])
def test_post_keys_are_the_short_lines_each_once(text, keys):
    assert post_keys(text.replace("\\n", "\n")) == {k.strip() for k in keys.split(",") if k.strip()}


def test_long_lines_are_not_counted():
    assert post_keys("Слово " * 30) == set()


@pytest.mark.parametrize("posts,need", [(0, None), (MIN_POSTS - 1, None), (MIN_POSTS, 3), (150, 3), (151, 4),
                                        (346, 7), (998, 20)])
def test_threshold_is_max_3_or_2_percent_from_min_posts(posts, need):
    assert threshold(posts) == need


def test_counting_is_incremental_and_idempotent(store):
    store.add_articles(_posts("Вестник", 4, sign_every=2))
    assert not store.outlet_lines_counted()
    assert store.count_outlet_lines() == 4
    assert store.outlet_lines_counted()
    assert outlet_lines(store.db, "Вестник")[SIGN_KEY] == 2
    assert store.count_outlet_lines() == 0                       # nothing new: nothing counted twice
    store.add_articles(_posts("Вестник", 2, start=4))
    assert store.count_outlet_lines() == 2
    assert outlet_lines(store.db, "Вестник")[SIGN_KEY] == 4


def test_a_revision_replaces_the_old_texts_lines(store):
    [first] = store.add_articles([make_article("r1", f"Первая версия.\n{SIGN}", "Вестник")])
    store.count_outlet_lines()
    [again] = store.add_articles([make_article("r1", "Вторая версия.", "Вестник")])
    assert again.status == "revision"
    assert store.count_outlet_lines() == 1
    assert outlet_lines(store.db, "Вестник") == {"вторая версия": 1}


def test_counts_are_per_outlet_and_learned_above_the_threshold(store):
    store.add_articles(_posts("Вестник", MIN_POSTS, sign_every=17)    # SIGN in posts 0, 17, 34: 3 of 50
                       + _posts("Курьер", MIN_POSTS, sign_every=25)    # 2 of 50: below 3
                       + _posts("Малый", MIN_POSTS - 1))               # in every post, but too few posts
    store.count_outlet_lines()
    learned = store.outlet_furniture(["Вестник", "Курьер", "Малый", "Нет такого"])
    assert learned == {"Вестник": frozenset({SIGN_KEY}), "Курьер": frozenset(), "Малый": frozenset(),
                       "Нет такого": frozenset()}


def _back_to_version(store, version: int) -> None:
    """Undo the migrations after `version` (they only create tables), newest first, as if the store had been
    made by an older Parallax."""
    for migration in reversed(MIGRATIONS):
        if migration.version <= version:
            break
        statements = migration.sqlite if store.db.dialect == "sqlite" else migration.postgresql
        for statement in statements:
            made = re.match(r"\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)", statement)
            assert made or statement.lstrip().startswith("CREATE INDEX"), statement
            if made:
                cascade = " CASCADE" if store.db.dialect == "postgresql" else ""
                store.db.execute(f"DROP TABLE IF EXISTS {made.group(1)}{cascade}")
        store.db.execute("DELETE FROM schema_migrations WHERE version = ?", (migration.version,))


def test_a_store_made_before_the_counts_is_migrated_and_counted(db_target):
    with Store(db_target) as s:
        pass
    with Store(db_target) as s:           # back to schema v2, as a store made before the counts
        _back_to_version(s, 2)
        s.add_articles(_posts("Вестник", 3))
    with Store(db_target) as s:
        assert s.db.scalar("SELECT MAX(version) FROM schema_migrations") == LATEST_VERSION >= 3
        assert migrate(s.db) == []
        assert not s.outlet_lines_counted()
        assert s.count_outlet_lines() == 3
        assert outlet_lines(s.db, "Вестник")[SIGN_KEY] == 3
