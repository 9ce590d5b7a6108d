"""The cross-language step leaves out the pairs that cannot reach their threshold whatever their title + lead
cosine (`CrossLingualClusterer._within_reach`, session 9): the same stories as without it, with fewer title +
lead vectors. Random vectors in the range of real multilingual-e5 cosines (0.7-1.0), every pair sharing a
name so that the name gate lets it through."""
from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest

from parallax.stories import ClusterConfig, StoryItem
from parallax.stories.crosslingual import CrossLingualClusterer, CrossLingualSource, default_config

T0 = dt.datetime(2019, 11, 1, 12, tzinfo=dt.timezone.utc)
TOPICS = 4


class TopicEncoder:
    """A vector per text: a part every text shares (e5's cosines of unrelated texts are ~0.75), the text's
    topic, and noise seeded by the text; titles get more noise than leads."""

    def __init__(self, topic_of: dict[str, int]):
        self.topic_of, self.texts = topic_of, []

    def encode(self, texts):
        self.texts.extend(texts)
        out = []
        for text in texts:
            rng = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16))
            key = next(k for k in self.topic_of if text.startswith(k) or k.startswith(text))
            vec = np.zeros(TOPICS + 16, dtype=np.float64)
            vec[TOPICS] = 1.6
            vec[self.topic_of[key]] = 1.0
            vec[TOPICS + 1:] = rng.normal(0, 0.25 if len(text) < 60 else 0.12, 15)
            out.append((vec / np.linalg.norm(vec)).astype(np.float32))
        return np.array(out)


class Unreached(CrossLingualClusterer):
    """The clusterer without the step: every pair through the gates gets its lead vectors."""

    def _within_reach(self, row, lang, others, feats):
        return others


def _corpus(seed: int, n: int = 24):
    rng = np.random.default_rng(seed)
    articles, items, topic_of = {}, [], {}
    languages = ("ru", "en", "uk")
    for i in range(n):
        lang, topic = languages[int(rng.integers(3))], int(rng.integers(TOPICS))
        title = {"ru": f"Сирия: событие {topic} номер {i}", "en": f"Syria: event {topic} number {i}",
                 "uk": f"Сирія: подія {topic} номер {i}"}[lang]
        text = f"{title}. " + {"ru": "Подробности из Сирии", "en": "Details from Syria",
                              "uk": "Подробиці з Сирії"}[lang] + " " + "x" * int(rng.integers(40, 200))
        articles[f"a{i}"] = (lang, title, text)
        topic_of[title] = topic
        emb = rng.normal(0, 0.3, 8)
        emb[topic] += 1.0
        emb[7] = 0.8                       # usem3: every pair above usem3_min_cosine
        items.append(StoryItem(article_id=f"a{i}", time=T0 + dt.timedelta(hours=int(rng.integers(0, 30))),
                               embedding=(emb / np.linalg.norm(emb)).astype(np.float32), entities=frozenset(),
                               title=title, outlet=f"o{i % 5}"))
    return articles, sorted(items, key=lambda it: it.time), topic_of


@pytest.mark.parametrize("seed", range(6))
def test_same_stories_with_fewer_lead_vectors(seed):
    articles, items, topic_of = _corpus(seed)
    runs = {}
    for cls in (CrossLingualClusterer, Unreached):
        source = CrossLingualSource.from_texts(articles, encoder=TopicEncoder(topic_of), config=default_config())
        clusterer = cls(ClusterConfig(), source)
        runs[cls] = (clusterer.add_many(items), source.encoded, clusterer.stats["crosslingual_out_of_reach"])
    (reached, encoded, left_out), (unreached, encoded_all, _) = runs[CrossLingualClusterer], runs[Unreached]
    assert reached == unreached
    assert encoded <= encoded_all
    assert (encoded < encoded_all) == (left_out > 0) or encoded == encoded_all


def test_the_step_leaves_pairs_out_and_joins_some():
    """Over the seeds, some pairs are out of reach and some stories still mix languages (the test above
    compares decisions that happen)."""
    left_out = joined = 0
    for seed in range(6):
        articles, items, topic_of = _corpus(seed)
        source = CrossLingualSource.from_texts(articles, encoder=TopicEncoder(topic_of), config=default_config())
        clusterer = CrossLingualClusterer(ClusterConfig(), source)
        sids = clusterer.add_many(items)
        left_out += clusterer.stats["crosslingual_out_of_reach"]
        by_story: dict[str, set[str]] = {}
        for it, sid in zip(items, sids):
            by_story.setdefault(sid, set()).add(articles[it.article_id][0])
        joined += sum(len(langs) > 1 for langs in by_story.values())
    assert left_out > 0 and joined > 0
