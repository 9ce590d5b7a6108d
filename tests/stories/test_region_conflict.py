"""Reports of different regions are different events (stories/verifier.py title_regions / regions_clash,
stories/data/regions.yaml; issue 12, ninth session: the Rostov drone story held a Kaluga fire and a Bryansk
attack of other nights)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from parallax.stories import ClusterConfig, StoryClusterer, evidence, verifier
from parallax.stories.features import StoryItem
from parallax.stories.names import default_matcher
from parallax.stories.verifier import EVIDENCE, RULE_EVIDENCE, model_weights, region_rules, regions_clash, title_regions

CONFIG = ClusterConfig()
MATCHER = default_matcher(CONFIG.name_key_chars, CONFIG.name_common_words)
VECTOR = np.ones(8, np.float32) / np.sqrt(8)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 11, day, hour, minute, tzinfo=dt.timezone.utc)


def _item(n: int, title: str, body: str, time: dt.datetime) -> StoryItem:
    # a short post: every word of it is known (StoryItem.short_text_keys), as ingest stores it
    return StoryItem(article_id=f"a{n}", time=time, embedding=VECTOR, entities=frozenset(), title=title,
                     outlet=f"outlet{n % 3}", short_text_keys=MATCHER.text_keys(f"{title}\n{body}"))


@pytest.mark.parametrize("title, count", [
    ("Беспилотник атаковал село в Брянской области", 1),
    ("В Брянской и Курской областях объявлена ракетная опасность", 2),
    ("Возгорание на складе в Малоярославецком районе Калужской области", 2),
    ("Пожар в Ямало-Ненецком автономном округе", 1),
    ("Краснодарский край накрыл снегопад", 1),
    ("В Харківській області пролунали вибухи", 1),
    # towns, countries, a region without its adjective, an adjective before another noun: no region
    ("Беспилотник атаковал Брянск", 0),
    ("Курская АЭС работает в штатном режиме", 0),
    ("Республика Крым готовится к зиме", 0),
    ("Сильный снегопад в Якутии", 0),
])
def test_title_regions(title, count):
    assert len(title_regions(title, MATCHER)) == count


def test_clash_needs_two_regions_that_neither_article_names():
    bryansk, kursk = (title_regions(t, MATCHER) for t in ("Атака на Брянской области", "Атака в Курской области"))
    keys_b = MATCHER.text_keys("Атака на Брянской области. Пострадавших нет.")
    keys_k = MATCHER.text_keys("Атака в Курской области. Пострадавших нет.")
    assert regions_clash(bryansk, keys_b, kursk, keys_k)
    # the other article names the region («брянский губернатор»): no conflict, either way round
    keys_k2 = MATCHER.text_keys("Атака в Курской области. Брянский губернатор сообщил о дронах и там.")
    assert not regions_clash(bryansk, keys_b, kursk, keys_k2)
    assert not regions_clash(kursk, keys_k2, bryansk, keys_b)
    # one title without a region, or an article whose words are unknown: no evidence
    assert not regions_clash(bryansk, keys_b, (), keys_k)
    assert not regions_clash(bryansk, keys_b, kursk, None)


def test_rule_weight_is_the_data_files_not_the_fits():
    rules = region_rules()
    assert rules.weight < 0 and "region_conflict" in EVIDENCE and "region_conflict" in RULE_EVIDENCE
    assert dict(zip(EVIDENCE, model_weights(CONFIG).weights))["region_conflict"] == rules.weight


def test_attacks_on_two_regions_are_two_stories_and_explained():
    bryansk = [_item(0, "Беспилотник атаковал село в Брянской области", "Пострадавших нет, сообщил губернатор.",
                     at(29, 5)),
               _item(1, "Беспилотник атаковал село в Брянской области, пострадавших нет", "Сообщил губернатор.",
                     at(29, 6))]
    kaluga = _item(2, "Беспилотник атаковал село в Калужской области", "Пострадавших нет, сообщил губернатор.",
                   at(29, 7))
    clusterer = StoryClusterer()
    ids = clusterer.add_many([*bryansk, kaluga])
    assert ids[0] == ids[1] != ids[2]
    why = clusterer.explain_pair(bryansk[0], kaluga)
    region = next(e for e in why["evidence"] if e["evidence"] == "region_conflict")
    assert region["value"] == 1.0 and region["contribution"] < 0 and not why["same_event"]
    # the two Bryansk posts, no closer than the Kaluga one, join
    assert clusterer.explain_pair(bryansk[0], bryansk[1])["same_event"]


def test_a_region_named_in_the_other_text_still_joins():
    items = [_item(0, "Беспилотник атаковал нефтебазу в Каменском районе", "В Ростовской области горит резервуар.",
                   at(29, 5)),
             _item(1, "Беспилотник атаковал нефтебазу в Ростовской области", "В Каменском районе горит резервуар.",
                   at(29, 6))]
    ids = StoryClusterer().add_many(items)
    assert ids[0] == ids[1]


def test_story_veto_bars_a_chain_through_posts_without_a_region(monkeypatch):
    """Kaluga cannot join the Bryansk story through a post that names no region (the pairwise weight
    alone lets it), while a story with one stray member of another region still takes its own."""
    story = [_item(0, "Беспилотник атаковал село в Брянской области", "Пострадавших нет.", at(29, 5)),
             _item(1, "Беспилотник атаковал село, пострадавших нет", "Сообщил губернатор.", at(29, 5, 30))]
    kaluga = _item(2, "Беспилотник атаковал село в Калужской области", "Пострадавших нет.", at(29, 6))
    ids = StoryClusterer().add_many([*story, kaluga])
    assert ids[0] == ids[1] != ids[2]
    # a Bryansk post joins although the story also holds a stray Kaluga member
    mixed = StoryClusterer()
    mixed.load([*story, kaluga], [ids[0]] * 3)
    late = _item(3, "Беспилотник атаковал село в Брянской области, повреждены дома", "Пострадавших нет.", at(29, 7))
    assert mixed.add(late) == ids[0]
    # with the veto off, the post without a region carries Kaluga into the story (why the veto exists)
    rules = region_rules()
    monkeypatch.setattr(evidence, "region_rules", lambda: type(rules)(rules.weight, False, rules.listing,
                                                                       rules.adjective))
    assert StoryClusterer().add_many([*story, kaluga])[2] == ids[0]


def test_a_broken_rule_file_names_itself(monkeypatch):
    monkeypatch.setattr(verifier, "load_yaml_mapping", lambda path: {"weight": -1.0, "nouns": "област"})
    region_rules.cache_clear()
    try:
        with pytest.raises(ValueError, match="regions.yaml"):
            region_rules()
    finally:
        monkeypatch.undo()
        region_rules.cache_clear()
    assert region_rules().weight < 0
