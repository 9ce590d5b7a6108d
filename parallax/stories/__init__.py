"""Stories: articles grouped by the event they report.

    config.py      ClusterConfig: the clustering settings (defaults from stories/config.yaml)
    features.py    StoryItem: what clustering knows about one article, read from its analysis
    names.py       the names a title gives, and whether another article mentions them
    verifier.py    the same-event evidence, its weights (hand-set or fitted: data/verifier.yaml), explain()
    digests.py     posts that list several unrelated events (kept out of event stories)
    clustering.py  StoryClusterer: candidates, near copies and the join decision
"""
from parallax.stories.clustering import StoryClusterer, days_conflict, story_id_for
from parallax.stories.config import CONFIG_PATH, ClusterConfig
from parallax.stories.features import (
    StoryItem,
    day_numbers,
    entity_keys,
    has_denial_cue,
    has_followup_cue,
    name_evidence,
    story_dates,
    story_entities,
    story_features,
    story_features_many,
    story_item,
    story_text,
    story_time,
    title_words,
    title_years,
)

__all__ = ["CONFIG_PATH", "ClusterConfig", "StoryClusterer", "StoryItem", "day_numbers", "days_conflict",
           "entity_keys", "has_denial_cue", "has_followup_cue", "name_evidence", "story_dates", "story_entities",
           "story_features", "story_features_many", "story_id_for", "story_item", "story_text", "story_time",
           "title_words", "title_years"]
