"""Story clustering settings: :class:`ClusterConfig`, with its defaults read from ``stories/config.yaml``
(the comments there say what each setting does and how it was tuned)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from parallax.resources import load_yaml_mapping, resource_path

CONFIG_PATH = resource_path("stories/config.yaml")
_DEFAULTS = load_yaml_mapping(CONFIG_PATH)


@dataclass(frozen=True)
class ClusterConfig:
    """Clustering settings; defaults come from ``stories/config.yaml`` (see the comments there)."""
    window_days: float = _DEFAULTS["window_days"]
    time_grace_hours: float = _DEFAULTS["time_grace_hours"]
    time_penalty_per_day: float = _DEFAULTS["time_penalty_per_day"]
    max_story_days: float = _DEFAULTS["max_story_days"]
    neighbours: int = _DEFAULTS["neighbours"]
    candidate_min_cosine: float = _DEFAULTS["candidate_min_cosine"]
    index: str = _DEFAULTS["index"]
    hnsw_m: int = _DEFAULTS["hnsw_m"]
    batch_size: int = _DEFAULTS["batch_size"]
    faiss_threads: int | None = _DEFAULTS["faiss_threads"]
    dense_bucket_rows: int = _DEFAULTS["dense_bucket_rows"]
    ivf_lists: int = _DEFAULTS["ivf_lists"]
    ivf_probe: int = _DEFAULTS["ivf_probe"]
    retire_after_days: float | None = _DEFAULTS["retire_after_days"]
    weight_entities: float = _DEFAULTS["weight_entities"]
    weight_title: float = _DEFAULTS["weight_title"]
    entity_overlap_missing: float = _DEFAULTS["entity_overlap_missing"]
    entity_overlap_min_denominator: int = _DEFAULTS["entity_overlap_min_denominator"]
    join_threshold: float = _DEFAULTS["join_threshold"]
    centroid_min_cosine: float = _DEFAULTS["centroid_min_cosine"]
    followup_penalty: float = _DEFAULTS["followup_penalty"]
    number_conflict_penalty: float = _DEFAULTS["number_conflict_penalty"]
    date_lead_sentences: int = _DEFAULTS["date_lead_sentences"]
    date_tolerance_days: float = _DEFAULTS["date_tolerance_days"]
    date_conflict_penalty: float = _DEFAULTS["date_conflict_penalty"]
    year_conflict_penalty: float = _DEFAULTS["year_conflict_penalty"]
    date_skip_after: frozenset[str] = frozenset(_DEFAULTS.get("date_skip_after") or ())
    title_stem_chars: int = _DEFAULTS["title_stem_chars"]
    title_min_word_chars: int = _DEFAULTS["title_min_word_chars"]
    representative_max_members: int = _DEFAULTS["representative_max_members"]
    title_stopwords: frozenset[str] = frozenset(_DEFAULTS.get("title_stopwords") or ())
    followup_cues: tuple[str, ...] = tuple(_DEFAULTS.get("followup_cues") or ())
    denial_penalty: float = _DEFAULTS["denial_penalty"]
    denial_cues: tuple[str, ...] = tuple(_DEFAULTS.get("denial_cues") or ())
    name_missing_penalty: float = _DEFAULTS["name_missing_penalty"]
    name_min_words: int = _DEFAULTS["name_min_words"]
    name_key_chars: int = _DEFAULTS["name_key_chars"]
    name_common_words: frozenset[str] = frozenset(_DEFAULTS.get("name_common_words") or ())
    name_languages: frozenset[str] = frozenset(_DEFAULTS.get("name_languages") or ())
    decision: str = _DEFAULTS["decision"]
    verifier_model: str = _DEFAULTS["verifier_model"]
    second_opinion: bool = _DEFAULTS["second_opinion"]
    near_copy_jaccard: float = _DEFAULTS["near_copy_jaccard"]
    near_copy_min_chars: int = _DEFAULTS["near_copy_min_chars"]
    near_copy_max_days: float = _DEFAULTS["near_copy_max_days"]
    near_copy_min_chars_across_days: int = _DEFAULTS["near_copy_min_chars_across_days"]
    digest_min_items: int = _DEFAULTS["digest_min_items"]
    digests_apart: bool = _DEFAULTS["digests_apart"]

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> "ClusterConfig":
        data = dict(load_yaml_mapping(Path(path)))
        data.update(overrides)
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{path}: unknown clustering settings {sorted(unknown)}")
        for key in ("title_stopwords", "date_skip_after", "name_common_words", "name_languages"):
            if key in data:
                data[key] = frozenset(data[key] or ())
        for key in ("followup_cues", "denial_cues"):
            if key in data:
                data[key] = tuple(data[key] or ())
        return cls(**data)

    def with_(self, **changes: Any) -> "ClusterConfig":
        return replace(self, **changes)
