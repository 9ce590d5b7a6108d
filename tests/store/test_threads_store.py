"""Stored threads (parallax/store/threads.py) on SQLite and PostgreSQL: kept up to date incrementally, equal
to a rebuild from scratch; thread listing, detail with timeline, thread per story; digest items linked."""
from __future__ import annotations

import datetime as dt
import random
import zlib

import numpy as np
import pytest

from corpus_fakes import FakeEncoder, make_article
from parallax.store.threads import (
    digest_items_of,
    digest_mentions,
    link_digest_items,
    list_threads,
    thread_detail,
    threads_of_stories,
    threads_stale,
    update_threads,
)
from parallax.stories import StoryItem

T0 = dt.datetime(2024, 11, 28, tzinfo=dt.timezone.utc)
DIM = 32
TOPICS = {"korea": ["южная корея", "юн сок ель", "национальное собрание", "сеул"],
          "tbilisi": ["тбилиси", "грузия", "кобахидзе", "руставели"],
          "syria": ["сирия", "алеппо", "асад", "идлиб"]}


def vector(topic: str, noise_seed: int) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(topic.encode())).standard_normal(DIM)
    v = v + 0.3 * np.random.default_rng(noise_seed).standard_normal(DIM)
    return (v / np.linalg.norm(v)).astype(np.float32)


class Corpus:
    """Articles with hand-made clustering features, put into stories by hand (no models)."""

    def __init__(self, store):
        self.store = store
        self.n = 0

    def add(self, story_id: str, topic: str, hours: float, outlet: str = "РИА Новости",
            names: list[str] | None = None, title: str | None = None) -> int:
        self.n += 1
        when = T0 + dt.timedelta(hours=hours)
        title = title or f"{topic} {story_id} {self.n}"
        result = self.store.add_articles([make_article(f"a{self.n}", f"{title}. Текст номер {self.n}.", outlet,
                                                       when=when.isoformat(), title=title)])[0]
        item = StoryItem(article_id=f"a{self.n}", time=when, embedding=vector(topic, self.n),
                         entities=frozenset(names if names is not None else TOPICS[topic][:3]), title=title,
                         outlet=outlet)
        self.store.save_features([(result.pk, item)], "test")
        self.store.assign_stories({result.pk: story_id}, {story_id: title})
        return result.pk


def rows(store) -> list[tuple]:
    return sorted(store.db.query("SELECT story_id, thread_id, via, articles, first_ts FROM thread_stories"))


def test_threads_listed_with_stories_in_time_order_and_a_timeline(store):
    corpus = Corpus(store)
    corpus.add("s-declared", "korea", 14, "РИА Новости")
    corpus.add("s-declared", "korea", 14.5, "BBC")
    corpus.add("s-lifted", "korea", 20, "BBC")
    corpus.add("s-motion", "korea", 34, "ТАСС")
    corpus.add("s-aleppo", "syria", 16, "РИА Новости")
    assert threads_stale(store.db)
    assert update_threads(store)["stories"] == 4
    assert not threads_stale(store.db)
    threads, total = list_threads(store.db, min_stories=2)
    assert total == 1
    assert [m["id"] for m in threads[0].members] == ["s-declared", "s-lifted", "s-motion"]
    assert threads[0].articles == 4 and threads[0].title.startswith("korea s-declared")
    by_story = threads_of_stories(store.db, ["s-declared", "s-motion", "s-aleppo", "nope"])
    assert by_story["s-declared"] == by_story["s-motion"] == threads[0].id
    assert "s-aleppo" in by_story and by_story["s-aleppo"] != threads[0].id     # a thread of its own
    assert list_threads(store.db, min_stories=1)[1] == 2
    day = (T0 + dt.timedelta(days=1)).timestamp()
    assert list_threads(store.db, since=day + 86400, min_stories=1)[1] == 0
    detail = thread_detail(store.db, threads[0].id)
    assert detail["timeline"]["days"] == [{"day": "2024-11-28", "stories": ["s-declared", "s-lifted"]},
                                          {"day": "2024-11-29", "stories": ["s-motion"]}]
    coverage = {o["outlet"]: o["stories"] for o in detail["timeline"]["outlets"]}
    assert coverage == {"BBC": {"s-declared": 1, "s-lifted": 1}, "РИА Новости": {"s-declared": 1},
                        "ТАСС": {"s-motion": 1}}
    assert detail["stories"][1]["via"] == "s-declared" and detail["stories"][1]["shared"]
    assert thread_detail(store.db, "t-none") is None


def _grow(corpus: Corpus, rng: random.Random, steps: int, start: float) -> None:
    for step in range(steps):
        topic = rng.choice(sorted(TOPICS))
        story = f"s{topic[:2]}{rng.randint(0, 6)}"
        names = rng.sample(TOPICS[topic], rng.randint(1, 3))
        corpus.add(story, topic, start + step * 3.0 + rng.random(), rng.choice(["A", "B", "C"]), names)


def test_incremental_updates_equal_a_rebuild(store):
    rng = random.Random(5)
    corpus = Corpus(store)
    for batch in range(4):
        _grow(corpus, rng, 12, start=batch * 36.0)
        update_threads(store)
    # an older story grows and another is merged away (re-clustering): both are redone from their time on
    pk = corpus.add("sko1", "korea", 5.0, "D", TOPICS["korea"][:2])
    victim = store.db.scalar("SELECT story_id FROM articles WHERE story_id LIKE 'ssy%' ORDER BY pk LIMIT 1")
    survivor = "sko9"
    pks = [r[0] for r in store.db.query("SELECT pk FROM articles WHERE story_id = ?", (victim,))]
    store.assign_stories({p: survivor for p in pks + [pk]}, {survivor: "merged"})
    incremental = update_threads(store)
    assert incremental["stories"] > 0
    after_incremental = rows(store)
    assert victim not in {r[0] for r in after_incremental}
    threads_before = sorted(store.db.query("SELECT id, stories, articles, first_ts, last_ts FROM threads"))
    update_threads(store, rebuild=True)
    assert rows(store) == after_incremental
    assert sorted(store.db.query("SELECT id, stories, articles, first_ts, last_ts FROM threads")) == threads_before
    assert len({r[1] for r in after_incremental}) < len(after_incremental)      # stories were linked
    assert update_threads(store) == {"stories": 0, "threads": 0}                # nothing changed: no work


def test_late_story_only_redoes_from_its_time(store):
    corpus = Corpus(store)
    for day in range(6):
        corpus.add(f"st{day}", "tbilisi", day * 24.0 + 20)
    update_threads(store)
    corpus.add("st-late", "tbilisi", 5 * 24.0 + 22)
    assert update_threads(store)["stories"] == 1


def test_digest_items_link_to_their_stories(store):
    corpus = Corpus(store)
    korea_title = "Президент Южной Кореи объявил военное положение в стране"
    corpus.add("s-korea", "korea", 10, title=korea_title)
    text = ("Главное к вечеру вторника\n"
            "— Президент Южной Кореи объявил военное положение в стране\n"
            "— Шэрон Стоун рассказала о съёмках нового фильма в Италии\n"
            "— Навальный: суд рассмотрит жалобу на приговор на следующей неделе\n")
    result = store.add_articles([make_article("d1", text, "BBC", when=(T0 + dt.timedelta(hours=12)).isoformat(),
                                              title="Главное к вечеру вторника")])[0]
    encoder = FakeEncoder()
    item = StoryItem(article_id="d1", time=T0 + dt.timedelta(hours=12), embedding=encoder.encode([text])[0],
                     entities=frozenset(), title="Главное к вечеру вторника", outlet="BBC", digest=True)
    store.save_features([(result.pk, item)], "test")
    store.assign_stories({result.pk: "s-digest"}, {"s-digest": "Главное к вечеру вторника"})
    # the stored story vector of the event is the encoder's vector of its title, as the real features are
    store.db.execute("UPDATE story_features SET embedding = ? WHERE title = ?",
                     (encoder.encode([korea_title])[0].astype(np.float32).tobytes(), korea_title))
    assert link_digest_items(store, lambda: encoder) == 1
    items = digest_items_of(store.db, result.pk)
    assert [i["story_id"] for i in items] == ["s-korea", None, None]
    mentions = digest_mentions(store.db, "s-korea")
    assert [(m["outlet"], m["item"]) for m in mentions] == [("BBC", items[0]["text"])]
    assert link_digest_items(store, lambda: pytest.fail("nothing left to link: no encoder needed")) == 0
    update_threads(store)
    assert "s-digest" not in threads_of_stories(store.db, ["s-digest"])      # a digest is in no thread
