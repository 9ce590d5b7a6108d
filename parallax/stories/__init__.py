"""Stories: articles grouped by the event they report.

    config.py      ClusterConfig: the clustering settings (defaults from stories/config.yaml)
    features.py    StoryItem: what clustering knows about one article, read from its analysis
    names.py       the names a title gives, and whether another article mentions them
    verifier.py    the same-event evidence, its weights (hand-set or fitted: data/verifier.yaml), explain()
    digests.py     posts that list several unrelated events (kept out of event stories)
    clustering.py  StoryClusterer: adding articles, re-clustering and the join decision, over
    rows.py        its rows (per-row features, stories, retirement; archive.py: closed stories),
    search.py      its candidate search (index.py: the faiss day buckets) and
    evidence.py    the evidence of a pair, near copies, a row's candidates scored
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
