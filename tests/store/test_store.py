import datetime as dt

import numpy as np
import pytest

from corpus_fakes import make_article
from parallax.model import AnalyzedArticle, DateMention, Quote, Sentence
from parallax.store import Store, identity_key, normalize_url
from parallax.store.schema import LATEST_VERSION, Migration, SchemaError, migrate
from parallax.stories import StoryItem

AGENCY = ("Парламент Южной Кореи проголосовал за отмену военного положения, введённого президентом накануне "
          "вечером. За резолюцию высказались все присутствовавшие депутаты, сообщил спикер парламента. "
          "Военные покинули здание Национального собрания после голосования.")
REWRITE = ("Депутаты в Сеуле единогласно потребовали отменить военное положение. Армия ушла из парламента, "
           "а оппозиция назвала действия президента попыткой переворота.")


def statuses(results):
    return [r.status for r in results]


def test_normalize_url():
    assert normalize_url("https://www.Example.ru/news/1/?utm_source=tg&id=5#top") == "//example.ru/news/1?id=5"
    assert normalize_url("http://example.ru/news/1") == normalize_url("https://example.ru/news/1/")
    assert normalize_url("https://example.ru:8080/a") != normalize_url("https://example.ru/a")


def test_identity_prefers_url_then_given_id_then_text():
    a = make_article("1", "Текст.", url="https://x.ru/a")
    assert identity_key(a).startswith("url:")
    b = make_article("1", "Текст.")
    assert identity_key(b) == "id:вести\x1f1"
    c = make_article("h123", "Текст.", id_assigned=True)
    assert identity_key(c).startswith("text:")


def test_same_article_is_stored_once(store):
    arts = [make_article("1", AGENCY, url="https://a.ru/1"), make_article("2", REWRITE, "ТАСС")]
    assert statuses(store.add_articles(arts)) == ["new", "new"]
    again = [make_article("1", AGENCY, url="https://www.a.ru/1/?utm_source=x"), make_article("2", REWRITE, "ТАСС")]
    assert statuses(store.add_articles(again)) == ["duplicate", "duplicate"]
    assert store.stats()["articles"] == 2


def test_same_text_same_outlet_under_new_id_is_a_duplicate(store):
    store.add_articles([make_article("1", AGENCY)])
    [res] = store.add_articles([make_article("2", "  " + AGENCY.upper() + "\n")])
    assert res.status == "duplicate"


def test_changed_text_is_a_revision_and_old_text_kept(store):
    [first] = store.add_articles([make_article("1", AGENCY, url="https://a.ru/1", title="v1")])
    [rev] = store.add_articles([make_article("1", AGENCY + " Обновлено.", url="https://a.ru/1", title="v2")])
    assert rev.status == "revision" and rev.pk == first.pk
    [stored] = store.get_articles([first.pk])
    assert stored.revision == 2 and stored.text.endswith("Обновлено.") and stored.title == "v2"
    [old] = store.revisions(first.pk)
    assert old["revision"] == 1 and old["text"] == AGENCY and old["title"] == "v1"
    # re-reading the old version later changes nothing
    [res] = store.add_articles([make_article("1", AGENCY, url="https://a.ru/1")])
    assert res.status == "duplicate"
    assert store.get_articles([first.pk])[0].revision == 2
    assert store.stats()["revisions"] == 1


def test_reprints_across_outlets_point_at_earliest(store):
    copy = AGENCY.replace("сообщил спикер парламента", "сообщил спикер")
    results = store.add_articles([
        make_article("tass", AGENCY, "ТАСС", when="2024-12-03T20:00:00+00:00"),
        make_article("ria", copy, "РИА Новости", when="2024-12-03T20:05:00+00:00"),
        make_article("own", REWRITE, "BBC", when="2024-12-03T20:10:00+00:00"),
    ])
    tass, ria, own = results
    assert tass.reprint_of is None and ria.reprint_of == tass.pk and own.reprint_of is None
    assert store.get_articles([ria.pk])[0].reprint_similarity >= 0.5
    # an earlier copy arriving later becomes the original of the whole group
    [early] = store.add_articles([make_article("agency", AGENCY, "Интерфакс", when="2024-12-03T19:55:00+00:00")])
    rows = {a.ext_id: a for a in store.get_articles([tass.pk, ria.pk, early.pk])}
    assert rows["agency"].reprint_of is None
    assert rows["tass"].reprint_of == early.pk and rows["ria"].reprint_of == early.pk
    assert store.stats()["reprints"] == 2


def test_no_reprint_within_one_outlet_or_weeks_apart(store):
    results = store.add_articles([
        make_article("a", AGENCY, "ТАСС", when="2024-12-03T20:00:00+00:00"),
        make_article("b", AGENCY + " Дополнение редакции.", "ТАСС", when="2024-12-03T21:00:00+00:00"),
        make_article("c", AGENCY, "РИА Новости", when="2025-02-03T20:00:00+00:00"),
    ])
    assert [r.reprint_of for r in results] == [None, None, None]


def test_short_identical_flash_is_a_reprint(store):
    flash = "Взрыв прогремел в Белгороде."
    results = store.add_articles([make_article("a", flash, "ТАСС"), make_article("b", flash, "РИА Новости")])
    assert results[1].reprint_of == results[0].pk


def test_full_text_search_finds_inflected_forms(store):
    store.add_articles([make_article("1", "Встреча прошла в Сирии.", "А"), make_article("2", REWRITE, "Б"),
                        make_article("3", "Новости из Москвы о погоде.", "В", title="Погода")])
    by_id = {a.pk: a.ext_id for a in store.iter_articles()}
    assert [by_id[p] for p in store.search("Сирия")] == ["1"]
    assert [by_id[p] for p in store.search("военное положение")] == ["2"]
    assert [by_id[p] for p in store.search("москва погода")] == ["3"]
    assert store.search("   ") == []


def _doc(article, **layers):
    return AnalyzedArticle(article=article, language="ru", language_confidence=0.97, **layers)


def test_analysis_round_trip_and_staleness(store):
    [res] = store.add_articles([make_article("1", AGENCY, url="https://a.ru/1")])
    [stored] = store.get_articles([res.pk])
    art = stored.to_article()
    doc = _doc(art, sentences=[Sentence(0, 0, 10, art.text[:10], 0)],
               dates=[DateMention(0, 4, "вчера", dt.date(2024, 12, 2), "day", True)],
               quotes=[Quote(5, 9, art.text[5:9], "direct", cue="сказать", speaker_text="он")])
    assert store.pending_analysis("v1") == [res.pk]
    store.save_analyses([(stored.pk, stored.revision, doc)], "v1")
    assert store.pending_analysis("v1") == []
    assert store.pending_analysis("v2") == []                  # version changes are re-analysed lazily...
    assert store.pending_analysis("v2", outdated=True) == [res.pk]   # ...or on request
    loaded = store.load_analyses([stored], "v1")[res.pk]
    assert loaded.dates[0].value == dt.date(2024, 12, 2) and loaded.quotes[0].cue == "сказать"
    assert loaded.article.id == "1" and loaded.text == AGENCY and loaded.language_confidence == 0.97
    assert store.load_analyses([stored], "v2") == {}
    # a new revision makes the stored analysis stale
    store.add_articles([make_article("1", AGENCY + " Обновлено.", url="https://a.ru/1")])
    [stored2] = store.get_articles([res.pk])
    assert store.pending_analysis("v1") == [res.pk]
    assert store.load_analyses([stored2], "v1") == {}


def test_features_stories_and_listing(store):
    results = store.add_articles([
        make_article("r1", AGENCY, "РИА Новости", when="2024-12-03T20:00:00+00:00", title="Парламент против"),
        make_article("b1", REWRITE, "BBC News | Русская служба", url="https://bbc.com/russian/1",
                     when="2024-12-03T21:00:00+00:00", title="Депутаты отменили"),
        make_article("x1", "Погода в Москве будет тёплой.", "Москва Live", when="2024-11-20T08:00:00+00:00"),
    ])
    pks = [r.pk for r in results]
    vec = np.ones(8, dtype=np.float32) / np.sqrt(8)
    items = [(pk, StoryItem(str(pk), dt.datetime(2024, 12, 3, tzinfo=dt.timezone.utc), vec, frozenset({"парламент"}),
                            "t", "o")) for pk in pks]
    store.save_features(items, "v1")
    assert store.pending_clustering() == pks
    store.assign_stories({pks[0]: "s1", pks[1]: "s1", pks[2]: "s2"}, {"s1": "Парламент против", "s2": "Погода"})
    assert store.pending_clustering() == []
    loaded = store.load_story_items(story_ids=["s1"])
    assert [pk for pk, _, _ in loaded] == pks[:2]
    assert np.allclose(loaded[0][1].embedding, vec) and loaded[0][1].entities == frozenset({"парламент"})

    stories = store.list_stories()
    assert [s.id for s in stories] == ["s1", "s2"]                # latest first
    s1 = stories[0]
    assert [a.ext_id for a in s1.articles] == ["r1", "b1"] and s1.title == "Парламент против"
    assert s1.outlets == ["РИА Новости", "BBC News | Русская служба"]
    assert [s.id for s in store.list_stories(outlet="bbc")] == ["s1"]
    assert [s.id for s in store.list_stories(query="погода")] == ["s2"]
    since = dt.datetime(2024, 12, 1, tzinfo=dt.timezone.utc).timestamp()
    assert [s.id for s in store.list_stories(since=since)] == ["s1"]
    assert [s.id for s in store.list_stories(min_outlets=2)] == ["s1"]
    assert store.list_stories(outlet="nobody") == []
    # moving the last article out of a story removes the story
    store.assign_stories({pks[2]: "s1"}, {"s1": "Парламент против"})
    assert store.story("s2") is None and len(store.story("s1").articles) == 3


def test_reopening_keeps_everything_and_migrations_are_idempotent(db_target):
    with Store(db_target) as s:
        s.add_articles([make_article("1", AGENCY)])
    with Store(db_target) as s:
        assert s.stats()["articles"] == 1
        assert migrate(s.db) == []
        assert s.db.scalar("SELECT MAX(version) FROM schema_migrations") == LATEST_VERSION


def test_a_migration_below_the_newest_applied_one_is_still_applied(db_target):
    # Versions land out of number order: a database made before a lower-numbered migration landed lacks it.
    from parallax.store.schema import MIGRATIONS
    with Store(db_target) as s:
        gap = LATEST_VERSION + 1
        late = Migration(gap, "landed late", ("CREATE TABLE late_t (x INTEGER)",), ("CREATE TABLE late_t (x INTEGER)",))
        newer = Migration(gap + 1, "landed first", ("CREATE TABLE newer_t (x INTEGER)",),
                          ("CREATE TABLE newer_t (x INTEGER)",))
        assert migrate(s.db, MIGRATIONS + (newer,)) == [gap + 1]
        assert migrate(s.db, MIGRATIONS + (late, newer)) == [gap]
        assert migrate(s.db, MIGRATIONS + (late, newer)) == []
        assert s.db.scalar("SELECT COUNT(*) FROM late_t") == 0


def _open_at_once(target: str, workers: int = 4) -> tuple[list[Exception], list[int]]:
    """`workers` threads open a Store on `target` together; their exceptions and the migration count each saw."""
    import threading
    barrier, errors, versions = threading.Barrier(workers), [], []

    def open_store():
        try:
            barrier.wait()
            with Store(target) as s:
                versions.append(s.db.scalar("SELECT COUNT(*) FROM schema_migrations"))
        except Exception as exc:        # collected: an exception in a thread would not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, versions


def test_a_fresh_sqlite_corpus_opened_by_four_workers_at_once_never_fails(tmp_path):
    # switching a fresh file to WAL takes an exclusive lock, and SQLite answers 'database is locked' at once
    # (no busy timeout) to the others: before db._set_wal waited its turn, 42 of 300 such races failed
    for trial in range(25):
        errors, _ = _open_at_once(str(tmp_path / f"c{trial}.sqlite"))
        assert errors == [], f"trial {trial}"


def test_stores_opened_at_once_on_a_fresh_database_migrate_it_once(db_target):
    # Workers of one ingest open the shared store together: one migrates, the others wait and find it done.
    errors, versions = _open_at_once(db_target)
    assert errors == []
    from parallax.store.schema import MIGRATIONS
    assert versions == [len(MIGRATIONS)] * 4


def test_newer_schema_is_refused(db_target):
    with Store(db_target) as s:
        future = Migration(LATEST_VERSION + 1, "from the future", ("CREATE TABLE future_t (x INTEGER)",),
                           ("CREATE TABLE future_t (x INTEGER)",))
        from parallax.store.schema import MIGRATIONS
        assert migrate(s.db, MIGRATIONS + (future,)) == [LATEST_VERSION + 1]
    with pytest.raises(SchemaError):
        Store(db_target)


def test_one_bad_record_does_not_sink_the_batch(store, monkeypatch):
    original = store._add_one
    calls = []

    def flaky(article, reprints):
        calls.append(article.id)
        if article.id == "bad":
            store.db.execute("INSERT INTO articles (pk) VALUES (NULL)")     # violates NOT NULL
        return original(article, reprints)

    monkeypatch.setattr(store, "_add_one", flaky)
    results = store.add_articles([make_article("a", AGENCY, "A"), make_article("bad", REWRITE, "B"),
                                  make_article("c", "Третий текст о другом.", "C")])
    assert statuses(results) == ["new", "error", "new"]
    assert "database refused" in results[1].error
    assert sorted(a.ext_id for a in store.iter_articles()) == ["a", "c"]


@pytest.mark.parametrize("nested", [False, True])
def test_an_interrupt_stays_an_interrupt_when_the_rollback_fails(tmp_path, nested):
    """Ctrl-C mid-query: SQLite may refuse the rollback ('SQL statements in progress'); the caller must
    still see KeyboardInterrupt, not an sqlite3 error it would count as a refused record."""
    import sqlite3

    from parallax.store.db import Database

    class RefusingRollback:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql.startswith(("ROLLBACK", "RELEASE")):
                raise sqlite3.OperationalError("cannot rollback - SQL statements in progress")
            return self.conn.execute(sql, *args)

    db = Database(str(tmp_path / "x.sqlite"))
    real = db._conn
    with pytest.raises(KeyboardInterrupt):
        with db.transaction():
            if nested:
                with db.transaction():
                    db._conn = RefusingRollback(real)
                    raise KeyboardInterrupt
            db._conn = RefusingRollback(real)
            raise KeyboardInterrupt
    db._conn = real
    real.close()


@pytest.mark.parametrize("nested", [False, True])
def test_a_transaction_left_open_by_an_interrupt_closes_quietly_after_the_database(tmp_path, nested):
    """Ctrl-C between a transaction's start and its `with` leaves it suspended; finalised after the connection
    closed, its rollback fails. That must not print an ignored exception's traceback under 'interrupted'."""
    import gc
    import sys

    from parallax.store.db import Database

    db = Database(str(tmp_path / "x.sqlite"))
    outer = db.transaction()
    outer.__enter__()
    inner = db.transaction() if nested else None
    if inner is not None:
        inner.__enter__()
    db._conn.close()          # the store closed on the way out, the transaction never exited
    unraisable = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        del outer, inner
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert [u.exc_value for u in unraisable] == []


def test_story_evidence_survives_the_store(store):
    """What the same-event decision reads (swap-test keys, short-text keys, the digest flag) comes back as
    it was saved: items reloaded for clustering must decide as the fresh ones did."""
    pk = store.add_articles([make_article("d1", AGENCY, "РИА Новости", when="2024-12-03T20:00:00+00:00")])[0].pk
    vec = np.ones(8, dtype=np.float32) / np.sqrt(8)
    item = StoryItem("d1", dt.datetime(2024, 12, 3, tzinfo=dt.timezone.utc), vec, frozenset(), "t", "o",
                     title_keys=(frozenset({1, 2}), frozenset({3})), short_text_keys=frozenset({1, 2, 3, 4}),
                     digest=True, text_keys=None)
    store.save_features([(pk, item)], "v1")
    (_, loaded, _), = store.load_story_items(pks=[pk])
    assert loaded.title_keys == item.title_keys and loaded.short_text_keys == item.short_text_keys
    assert loaded.digest is True and loaded.text_keys is None
