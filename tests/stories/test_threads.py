"""Thread linking (parallax/stories/threads.py) on small tables of stories: each row is one story with its
day, hour, articles, topic (its vector: a fixed random direction per topic, mixed for 'a+b') and names."""
from __future__ import annotations

import datetime as dt
import random
import zlib

import numpy as np
import pytest

from parallax.stories import StoryItem
from parallax.stories.threads import (
    StoryAggregate,
    ThreadConfig,
    aggregate_story,
    assign_threads,
    fits_thread,
    thread_id_for,
    timeline,
)

CONFIG = ThreadConfig.load()
DAY = 86400.0
T0 = dt.datetime(2024, 12, 1, tzinfo=dt.timezone.utc).timestamp()
DIM = 64


def topic_vector(topic: str, seed: int = 0) -> np.ndarray:
    """'korea' -> a fixed random unit vector; 'korea+bitcoin' -> their normalised sum; a seed adds noise."""
    total = np.zeros(DIM, dtype=np.float32)
    for part in topic.split("+"):
        rng = np.random.default_rng(zlib.crc32(part.encode()))
        total += rng.standard_normal(DIM).astype(np.float32)
    if seed:
        total += 0.35 * np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return total / np.linalg.norm(total)


def table(rows: str) -> list[StoryAggregate]:
    """story | day | hour | articles | topic | names (comma separated) -> aggregates."""
    out = []
    for n, line in enumerate(r for r in rows.strip().splitlines() if r.strip()):
        sid, day, hour, articles, topic, names = (c.strip() for c in line.split("|"))
        first = T0 + float(day) * DAY + float(hour) * 3600
        names_list = tuple(x.strip() for x in names.split(",") if x.strip())
        out.append(StoryAggregate(story_id=sid, first=first, last=first + 3600, articles=int(articles),
                                  vector=topic_vector(topic, seed=n + 1), entities=names_list,
                                  entity_counts=tuple(int(articles) for _ in names_list), title=sid))
    return out


def threads_of(stories: list[StoryAggregate], config: ThreadConfig = CONFIG) -> dict[str, str]:
    return {link.story_id: link.thread_id for link in assign_threads(stories, config)}


def test_same_people_and_place_over_two_days_is_one_thread():
    stories = table("""
        declared  | 0 | 14 | 30 | korea | юн сок ель, южная корея, сеул, национальное собрание
        lifted    | 0 | 20 | 20 | korea | юн сок ель, южная корея, национальное собрание
        motion    | 1 | 10 |  6 | korea | юн сок ель, южная корея, демократическая партия
    """)
    threads = threads_of(stories)
    assert threads["declared"] == threads["lifted"] == threads["motion"] == thread_id_for("declared")


def test_same_person_in_unrelated_events_is_not_one_thread():
    stories = table("""
        visit     | 0 | 10 | 9  | kazakhstan | путин, казахстан, токаев
        missile   | 1 | 10 | 12 | oreshnik   | путин, орешник, киев
    """)
    threads = threads_of(stories)
    assert threads["visit"] != threads["missile"]


def test_a_chain_that_would_drift_is_cut():
    # 'crash' links to 'korea' (two shared names, close topic), but 'rally' only links to 'crash': it shares
    # nothing with the thread's core names and is far from the thread's vector
    stories = table("""
        korea     | 0 | 14 | 40 | korea          | южная корея, юн сок ель
        crash     | 0 | 16 | 2  | korea+bitcoin  | южная корея, юн сок ель, биткоин, binance
        rally     | 1 | 10 | 8  | bitcoin        | биткоин, binance, майкл сэйлор
    """)
    cfg = CONFIG.with_(strong_cosine=0.5, link_min_cosine=0.4)
    threads = threads_of(stories, cfg)
    assert threads["crash"] == threads["korea"]
    assert threads["rally"] != threads["korea"]
    # the link itself passes: only the drift check stops it
    korea, crash, rally = stories
    assert float(rally.vector @ crash.vector) >= cfg.link_min_cosine
    assert not fits_thread(rally, [korea, crash], cfg)


def test_no_link_across_a_gap_longer_than_max_gap_days():
    stories = table("""
        first     | 0 | 10 | 5 | tbilisi | тбилиси, грузия, кобахидзе
        later     | 4 | 10 | 5 | tbilisi | тбилиси, грузия, кобахидзе
    """)
    threads = threads_of(stories)
    assert threads["first"] != threads["later"]
    assert len(set(threads_of(stories, CONFIG.with_(max_gap_days=5.0, lookback_days=6.0)).values())) == 1


def test_a_name_common_in_the_window_links_nothing():
    filler = "\n".join(f"f{i} | 0 | {i % 20} | 1 | other{i} | россия, name{i}" for i in range(40))
    stories = table(filler + """
        a         | 1 | 10 | 5 | economy | россия, рубль
        b         | 1 | 12 | 5 | economy | россия, ключевая ставка
    """)
    cfg = CONFIG.with_(strong_cosine=0.99)      # one shared name must not be enough here
    threads = threads_of(stories, cfg)
    assert threads["a"] != threads["b"]


def test_digests_and_small_stories_take_no_part():
    stories = table("""
        event     | 0 | 10 | 5 | korea | южная корея, юн сок ель
        small     | 0 | 12 | 1 | korea | южная корея, юн сок ель
    """)
    digest = StoryAggregate(**{**stories[0].__dict__, "story_id": "digest", "digest": True})
    links = assign_threads(stories + [digest], CONFIG.with_(min_story_articles=2))
    assert [link.story_id for link in links] == ["event"]


def _random_stories(n: int, seed: int) -> list[StoryAggregate]:
    rng = random.Random(seed)
    topics = ["korea", "tbilisi", "syria", "rouble", "weather"]
    names = {t: [f"{t}{i}" for i in range(5)] for t in topics}
    rows = []
    for i in range(n):
        topic = rng.choice(topics)
        picked = ", ".join(rng.sample(names[topic], rng.randint(1, 3)) + ["россия"])
        rows.append(f"r{i:03d} | {rng.uniform(0, 12):.3f} | 0 | {rng.randint(1, 9)} | {topic} | {picked}")
    return table("\n".join(rows))


@pytest.mark.parametrize("cut_day", [0.5, 3.0, 7.25, 11.0])
def test_deciding_from_t_with_the_lookback_as_context_equals_deciding_everything(cut_day):
    stories = _random_stories(160, seed=7)
    full = {link.story_id: link for link in assign_threads(stories, CONFIG)}
    assert len(set(link.thread_id for link in full.values())) < len(full)      # some threads do form
    t = T0 + cut_day * DAY
    context = [(s, full[s.story_id].thread_id) for s in stories
               if t - CONFIG.lookback_days * DAY <= s.first < t]
    later = assign_threads([s for s in stories if s.first >= t], CONFIG, context)
    assert later == [full[link.story_id] for link in later]
    assert {link.story_id for link in later} == {s.story_id for s in stories if s.first >= t}


def test_decisions_do_not_depend_on_input_order():
    stories = _random_stories(80, seed=3)
    shuffled = stories[:]
    random.Random(1).shuffle(shuffled)
    assert assign_threads(stories, CONFIG) == assign_threads(shuffled, CONFIG)


def test_aggregate_of_member_items():
    def item(i, hour, names, digest=False):
        vec = topic_vector("korea", seed=i)
        return StoryItem(article_id=f"a{i}", time=dt.datetime(2024, 12, 3, hour, tzinfo=dt.timezone.utc),
                         embedding=vec, entities=frozenset(names), title=f"t{i}", outlet="o", digest=digest)
    items = [item(1, 14, {"Южная Корея", "Юн Сок Ёль", "РИА Новости"}), item(2, 15, {"Южная Корея"}),
             item(3, 18, {"Южная Корея", "Сеул"}), item(4, 19, {"Южная Корея", "Юн Сок Ёль"}),
             item(5, 20, {"Южная Корея", "Пак"}), item(6, 21, {"Южная Корея"})]
    agg = aggregate_story("s1", items, CONFIG, title="T")
    assert agg.articles == 6 and agg.first < agg.last
    # named by >= 20 % of the articles (2 of 6), folded (ё -> е); the cited agency is not a name
    assert agg.entities == ("южная корея", "юн сок ель")
    assert agg.entity_counts == (6, 2)
    assert abs(float(np.linalg.norm(agg.vector)) - 1.0) < 1e-5
    assert aggregate_story("s2", [StoryItem("x", None, items[0].embedding, frozenset(), "t", "o")], CONFIG) is None


def test_timeline_days_and_outlet_coverage():
    stories = [{"id": "a", "first": T0 + 3600, "articles": [{"outlet": "RIA", "published_ts": T0},
                                                             {"outlet": "BBC", "published_ts": T0}]},
               {"id": "b", "first": T0 + DAY + 60, "articles": [{"outlet": "RIA", "published_ts": T0 + DAY}]},
               {"id": "c", "first": T0 + DAY + 120, "articles": [{"outlet": "RIA", "published_ts": T0 + DAY}]}]
    line = timeline(stories)
    assert line["days"] == [{"day": "2024-12-01", "stories": ["a"]}, {"day": "2024-12-02", "stories": ["b", "c"]}]
    assert line["outlets"] == [{"outlet": "RIA", "stories": {"a": 1, "b": 1, "c": 1}},
                               {"outlet": "BBC", "stories": {"a": 1}}]


def test_config_errors_name_the_file():
    with pytest.raises(ValueError, match="threads.yaml: unknown thread settings"):
        ThreadConfig.load(bogus=1)
