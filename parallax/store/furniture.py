"""Channel furniture learned from the corpus: per outlet, in how many of its posts each short line occurs.

Outlets end (or open) their posts with the same lines: '👉 Топор Live. Подписаться', 'Читать нас без VPN
можно здесь: bit.ly/bbcrussian', '🎯 Подписывайся на SHOT'. A line is counted by its key
(`compare.claims.line_key`: folded, links, handles, digits, emoji and punctuation dropped), once per post;
a key the outlet repeats in many of its posts is its furniture, which `compare.claims.split_claims` makes
no claim of. The lines stay in the stored text.

The counts are kept incrementally as articles are stored (`outlet_lines`), and each article's counted
revision is recorded (`outlet_lines_counted`), so counting is safe to repeat or to interrupt, a new revision
replaces the old revision's lines, and two processes counting at once do not count a post twice (each
article is claimed by an insert or a compare-and-set update before its lines are added).

When a key is furniture (chosen by reading the 17 Telegram channels of benchmarks/claim_facts, 5,744
posts): in at least max(3, 2 % of the outlet's posts) of its posts, and only for an outlet with
MIN_POSTS posts or more. Every line at or above 2 % there is furniture or a template ('Колонка котировок на
эту минуту:'); just below it come speaker lead-ins ('⚡️Зеленский:' at 1.4 %) and lines a story repeats.
Below MIN_POSTS three repeats may be one story's updates restating a fact, so nothing is learned there
(the shared list in compare/data/furniture.yaml still applies).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from parallax.compare.claims import MAX_FURNITURE_KEY, line_key
from parallax.store.db import Database

MIN_REPEATS = 3          # posts a line must occur in, at the least
MIN_SHARE = 0.02         # ... and this share of the outlet's posts
MIN_POSTS = 50           # an outlet with fewer posts learns no furniture
BATCH = 500


def post_keys(text: str) -> set[str]:
    """The keys of the short lines of one post, each once (longer lines are never furniture)."""
    keys = set()
    for line in text.split("\n"):
        key = line_key(line)
        if key and len(key) <= MAX_FURNITURE_KEY:
            keys.add(key)
    return keys


def threshold(posts: int) -> int | None:
    """In how many posts a line must occur to be furniture of an outlet with `posts` posts (None: none is)."""
    if posts < MIN_POSTS:
        return None
    return max(MIN_REPEATS, math.ceil(MIN_SHARE * posts))


def pending(db: Database) -> list[int]:
    """Articles whose current revision is not counted."""
    return [r[0] for r in db.query(
        "SELECT a.pk FROM articles a LEFT JOIN outlet_lines_counted c ON c.article_pk = a.pk "
        "WHERE c.article_pk IS NULL OR c.revision <> a.revision ORDER BY a.pk")]


def any_counted(db: Database) -> bool:
    return db.one("SELECT 1 FROM outlet_lines_counted LIMIT 1") is not None


def count_lines(db: Database, pks: Sequence[int] | None = None, batch: int = BATCH) -> int:
    """Count the lines of these articles (default: every article not counted at its current revision),
    one transaction a batch. Returns how many articles were counted now."""
    todo = list(pending(db) if pks is None else pks)
    counted = 0
    for start in range(0, len(todo), batch):
        with db.transaction():
            counted += _count_batch(db, todo[start:start + batch])
    return counted


def _count_batch(db: Database, pks: Sequence[int]) -> int:
    marks = ",".join("?" * len(pks))
    rows = db.query("SELECT a.pk, a.outlet, a.revision, a.text, c.revision FROM articles a "
                    "LEFT JOIN outlet_lines_counted c ON c.article_pk = a.pk "
                    f"WHERE a.pk IN ({marks})", list(pks))
    delta: Counter = Counter()
    counted = 0
    for pk, outlet, revision, text, done in rows:
        if done == revision:
            continue
        if done is None:
            claimed = db.one("INSERT INTO outlet_lines_counted (article_pk, revision) VALUES (?, ?) "
                             "ON CONFLICT (article_pk) DO NOTHING RETURNING article_pk", (pk, revision))
        else:
            claimed = db.one("UPDATE outlet_lines_counted SET revision = ? WHERE article_pk = ? AND revision = ? "
                             "RETURNING article_pk", (revision, pk, done))
            if claimed is not None:
                old = db.scalar("SELECT text FROM article_revisions WHERE article_pk = ? AND revision = ?",
                                (pk, done), default="")
                delta.subtract((outlet, key) for key in post_keys(old))
        if claimed is None:         # another process counted it meanwhile
            continue
        delta.update((outlet, key) for key in post_keys(text))
        counted += 1
    _apply(db, delta)
    return counted


def _apply(db: Database, delta: Counter) -> None:
    changes = sorted((outlet, key, n) for (outlet, key), n in delta.items() if n)
    db.executemany("INSERT INTO outlet_lines (outlet, key, posts) VALUES (?, ?, ?) ON CONFLICT (outlet, key) "
                   "DO UPDATE SET posts = outlet_lines.posts + excluded.posts", changes)
    db.executemany("DELETE FROM outlet_lines WHERE outlet = ? AND key = ? AND posts <= 0",
                   [(outlet, key) for outlet, key, n in changes if n < 0])


def learned_furniture(db: Database, outlets: Iterable[str]) -> dict[str, frozenset[str]]:
    """outlet -> the keys of the lines it repeats across its posts (an empty set when it has none)."""
    out = {}
    for outlet in outlets:
        need = threshold(int(db.scalar("SELECT COUNT(*) FROM articles WHERE outlet = ?", (outlet,), default=0)))
        keys = [] if need is None else db.query(
            "SELECT key FROM outlet_lines WHERE outlet = ? AND posts >= ?", (outlet, need))
        out[outlet] = frozenset(k for (k,) in keys)
    return out


def outlet_lines(db: Database, outlet: str) -> dict[str, int]:
    """key -> posts, every counted line of one outlet (for inspection and tests)."""
    return dict(db.query("SELECT key, posts FROM outlet_lines WHERE outlet = ?", (outlet,)))
