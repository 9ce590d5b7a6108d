"""The same-event evidence of two clustered articles (rows of the clusterer), and the near-copy test.

What is compared: embedding cosine, shared names, shared title words, the swap test, follow-up and denial
cues, conflicting days or years, a title name the other long article never mentions, the days between
them, report periods, the regions the titles name (stories/verifier.py lists the evidence and weighs it).
The cheap evidence (a few set operations) is read for every candidate pair; the costly part (swap test,
days, names, regions) only for a pair whose score can still reach the threshold
(:meth:`PairEvidence._score_or_bound`).
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from parallax.stories import index as compact  # word keys held as sorted arrays
from parallax.stories.features import DENIAL_CUE, FOLLOWUP_CUE
from parallax.stories.names import default_matcher
from parallax.stories.rows import DAY
from parallax.stories.verifier import EVIDENCE, period_clash, region_rules, regions_clash, title_regions
from parallax.text import fold

# evidence read only when a pair may reach the threshold (PairEvidence._score_or_bound)
_SWAP, _DAY_CONFLICT, _NAME_MISSING, _REGION_CONFLICT = (
    EVIDENCE.index(e) for e in ("swap_missing", "day_conflict", "name_missing", "region_conflict"))


def _overlap(a: frozenset[str], b: frozenset[str], min_denominator: int = 1) -> float:
    """|A & B| / max(min(|A|, |B|), min_denominator), -1 when either is empty. A short post names few
    entities, all of which a long report of the same event also names; Jaccard or cosine would punish
    the length difference (they also tuned worse, see benchmarks/STORIES.md). The floor keeps one
    shared name (the region both write about) from counting as full agreement."""
    if not a or not b:
        return -1.0
    return len(a & b) / max(min(len(a), len(b)), min_denominator)


def days_conflict(days_a: tuple[tuple[int, int], ...], days_b: tuple[tuple[int, int], ...],
                  tolerance_days: float) -> bool:
    """True when both name days and no day of one lies within `tolerance_days` of a day of the other.
    Days without a year are compared by month and day (the pair files have no dates; a story never
    spans a year)."""
    if not days_a or not days_b:
        return False
    for ord_a, yday_a in days_a:
        for ord_b, yday_b in days_b:
            if ord_a and ord_b:
                gap = abs(ord_a - ord_b)
            else:
                gap = abs(yday_a - yday_b)
                gap = min(gap, 366 - gap)
            if gap <= tolerance_days:
                return False
    return True


_NON_WORD = re.compile(r"[\W_]+")
_TITLE_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=8192)      # a title is compared with its neighbours within a batch or two
def title_grams(title: str) -> frozenset[str]:
    """Character 3-grams of a folded title with punctuation and spacing collapsed (near-copy test)."""
    text = " " + _NON_WORD.sub(" ", fold(title)).strip() + " "
    return frozenset(text[i:i + 3] for i in range(len(text) - 2))


def near_copy(title_a: str, title_b: str, min_chars: int) -> float:
    """How much of the shorter title the longer one contains (character 3-grams of the folded titles),
    so that a headline repeated as the first words of a longer lead counts too. 0 when the shorter
    title has fewer than `min_chars` characters, ends with a colon (a heading over a list or a quote:
    'Колонка котировок на эту минуту:', 'Другие заявления Пескова:'), or when the numbers of the two
    titles differ ('обстановка на 29 ноября' / 'на 30 ноября' are two days' editions)."""
    short, long_ = sorted((title_a.strip(), title_b.strip()), key=len)
    if len(short) < min_chars or short.endswith(":") or long_.endswith(":"):
        return 0.0
    if _TITLE_NUMBER.findall(short) != _TITLE_NUMBER.findall(long_)[:len(_TITLE_NUMBER.findall(short))]:
        return 0.0
    grams_short, grams_long = title_grams(short), title_grams(long_)
    return len(grams_short & grams_long) / max(1, len(grams_short))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class PairEvidence:
    """The evidence methods of StoryClusterer: read the rows of stories/rows.py (StoryRows), the
    clusterer's config, weights (`_weights`, `_expensive_most`) and second opinion (`_second`)."""

    def _evidence(self, row: int, other: int, cos: float) -> tuple[float, ...] | None:
        """The values of verifier.EVIDENCE for two rows; None when a hard limit forbids the pair (more
        than `window_days` apart, or exactly one of them undated)."""
        values = self._cheap_evidence(row, other, cos)
        return None if values is None else self._full_evidence(values, row, other)

    def _cheap_evidence(self, row: int, other: int, cos: float) -> list[float] | None:
        """The evidence that costs a few set operations; 0 for the swap test, days, names and regions."""
        cfg = self.config
        time_a, time_b = self._time[row], self._time[other]
        gap = 0.0
        if not (np.isnan(time_a) or np.isnan(time_b)):
            gap_days = abs(time_a - time_b) / DAY
            if gap_days > cfg.window_days:
                return None
            gap = max(0.0, gap_days - cfg.time_grace_hours / 24.0)
        elif np.isnan(time_a) != np.isnan(time_b):
            return None
        ent = _overlap(self._entity_keys[row], self._entity_keys[other], cfg.entity_overlap_min_denominator)
        if ent < 0:
            ent = cfg.entity_overlap_missing
        cue_a, cue_b = self._followup[row], self._followup[other]
        years_a, years_b = self._years[row], self._years[other]
        nums_a, nums_b = self._numbers[row], self._numbers[other]
        return [cos, ent, _jaccard(self._title_words[row], self._title_words[other]), 0.0,
                float((cue_a & FOLLOWUP_CUE) != (cue_b & FOLLOWUP_CUE)),
                float((cue_a & DENIAL_CUE) != (cue_b & DENIAL_CUE)), 0.0,
                float(bool(years_a and years_b and not (years_a & years_b))),
                0.0, float(bool(nums_a and nums_b and not (nums_a & nums_b))), gap,
                float(period_clash(self._stamps, row, (other,))), 0.0]

    def _full_evidence(self, values: list[float], row: int, other: int) -> tuple[float, ...]:
        """`values` of _cheap_evidence with the swap test, conflicting days, missing names and conflicting
        regions filled in (a region conflict only lowers the score, so the bound without it holds)."""
        days_a, days_b = self._days[row], self._days[other]
        names = (compact.missing_names(self._names[row], self._text_keys[other])
                 + compact.missing_names(self._names[other], self._text_keys[row]))
        values[_SWAP] = compact.swap_missing(self._title_keys[row], self._all_keys[row], self._title_keys[other],
                                             self._all_keys[other], self._weights.swap_unknown)
        values[_DAY_CONFLICT] = float(bool(days_a and days_b
                                           and days_conflict(days_a, days_b, self.config.date_tolerance_days)))
        values[_NAME_MISSING] = float(names > 0)
        values[_REGION_CONFLICT] = float(self._regions_clash(row, other))
        return tuple(values)

    def _regions(self, row: int) -> tuple[frozenset[int], ...]:
        """The regions the row's title names (verifier.title_regions; () for a retired row)."""
        title = self._titles[row]
        if not title:
            return ()
        matcher = getattr(self, "_region_matcher", None)
        if matcher is None:       # the config's matcher, looked up once (its key is the list of common words)
            matcher = self._region_matcher = default_matcher(self.config.name_key_chars,
                                                             self.config.name_common_words)
        return title_regions(title, matcher)

    def _regions_clash(self, row: int, other: int) -> bool:
        regions = self._regions(row)       # most titles name no region: the other's is then not read
        return bool(regions) and regions_clash(regions, self._all_keys[row], self._regions(other),
                                               self._all_keys[other])

    def _region_barred(self, row: int, sid: str) -> bool:
        """The row names a region and every member of the story that names one is in region conflict with
        it (stories/data/regions.yaml story_veto): routine reports of several regions would otherwise chain
        through the posts that name none, while one stray member of another region does not bar a story."""
        if not self._regions(row) or self._all_keys[row] is None:
            return False
        clash = False
        for member in self._stories[sid].members:
            if member == row or not self._live[member] or not self._regions(member):
                continue
            if not self._regions_clash(row, member):
                return False          # a member of the row's own region
            clash = True
        return clash

    def _pair_score(self, row: int, other: int, cos: float) -> float:
        values = self._evidence(row, other, cos)
        return -np.inf if values is None else self._second_opinion(row, other, self._weights.score(values))

    def _score_or_bound(self, row: int, other: int, cos: float, exact: bool) -> float:
        """The pair's score, or (unless `exact`) an upper bound of it when even that is below the
        threshold: the costly evidence (swap test, days, names) is then not read. Everything after
        compares the score with the threshold only, so the outcome is the same."""
        values = self._cheap_evidence(row, other, cos)
        if values is None:
            return -np.inf
        if not exact:
            bound = self._weights.score(values) + self._expensive_most
            if bound < self._weights.threshold:
                return bound
        return self._second_opinion(row, other, self._weights.score(self._full_evidence(values, row, other)))

    def _score_candidates(self, row: int, neigh_rows: np.ndarray, neigh_sims: np.ndarray
                          ) -> tuple[dict[str, float], dict[str, float], list[tuple[str, int, float]]]:
        """The row's candidates by story: (best score per story, best near copy per story, the pairs (story,
        row, cosine) scored), as `_score_or_bound` and `_near_copy` give them for every neighbour, with
        less read. StoryClusterer._choose compares a story's best score with the threshold, and then ranks
        the stories above it, so a story is listed only when a pair of it may reach the threshold, and its
        value is exact when it does; the costly evidence is read for a pair only when its bound beats its
        story's best score so far (highest bounds first). A story holding a near copy of the row gets exact
        scores later (the tie-break between near copies reads them)."""
        scores: dict[str, float] = {}
        copies: dict[str, float] = {}
        pairs: list[tuple[str, int, float]] = []
        if self.config.digests_apart and self._digest[row]:      # a digest joins no event story (stories/digests.py)
            return scores, copies, pairs
        costly = self._cheap_pass(row, neigh_rows, neigh_sims, copies, pairs)
        if copies and region_rules().story_veto:
            for sid in [sid for sid in copies if self._region_barred(row, sid)]:
                del copies[sid]
        costly.sort(key=lambda c: -c[0])
        weights = self._weights
        for bound, sid, other, values in costly:
            best = scores.get(sid, -np.inf)
            if bound > best:
                self.stats["pairs_read_in_full"] += 1
                exact = self._second_opinion(row, other, weights.score(self._full_evidence(values, row, other)))
                if exact > best:
                    scores[sid] = exact
        if region_rules().story_veto:
            for sid in [sid for sid, score in scores.items() if score >= weights.threshold]:
                if self._region_barred(row, sid):
                    del scores[sid]       # a report of another region (stories/data/regions.yaml)
        return scores, copies, pairs

    def _cheap_pass(self, row: int, neigh_rows: np.ndarray, neigh_sims: np.ndarray, copies: dict[str, float],
                    pairs: list[tuple[str, int, float]]) -> list[tuple[float, str, int, list[float]]]:
        """_cheap_evidence and its bound for every candidate of the row, inlined (~20 pairs an article):
        fills `copies` and `pairs`, returns (bound, story, row, cheap values) of the pairs whose bound reaches
        the threshold."""
        cfg, weights = self.config, self._weights
        w_cos, w_ent, w_title, _, w_follow, w_denial, _, w_year, _, w_number, w_gap, w_period, _ = weights.weights
        offset, threshold, most = weights.offset, weights.threshold, self._expensive_most
        floor, window, grace = cfg.candidate_min_cosine, cfg.window_days, cfg.time_grace_hours / 24.0
        min_den, ent_missing = cfg.entity_overlap_min_denominator, cfg.entity_overlap_missing
        digest, story_of, stamps, apart = self._digest, self._story_of, self._stamps, cfg.digests_apart
        entity_keys, title_words, cues = self._entity_keys, self._title_words, self._followup
        time_a = float(self._time[row])
        ents_a, words_a, cue_a = entity_keys[row], title_words[row], cues[row]
        years_a, nums_a, stamp_a = self._years[row], self._numbers[row], stamps[row]
        follow_a, denial_a = cue_a & FOLLOWUP_CUE, cue_a & DENIAL_CUE
        long_title = len(self._titles[row]) >= cfg.near_copy_min_chars
        costly = []
        times = self._time[neigh_rows].tolist()      # -1 rows read the last row: skipped below
        for other, cos, time_b in zip(neigh_rows.tolist(), neigh_sims.tolist(), times):
            if other < 0 or other == row or cos < floor or (apart and digest[other]):
                continue
            sid = story_of[other]
            if sid is None:
                continue       # later in the same batch
            pairs.append((sid, other, cos))
            words_b = title_words[other]
            shared = len(words_a & words_b) if words_a and words_b else 0
            # _near_copy's own first filters (a long title, most words of the shorter one shared), inlined
            if (long_title and shared and shared >= 0.5 * min(len(words_a), len(words_b))
                    and (copy := self._near_copy(row, other)) > copies.get(sid, 0.0)):
                copies[sid] = copy
            gap = 0.0
            if time_a == time_a and time_b == time_b:
                gap_days = abs(time_a - time_b) / DAY
                if gap_days > window:
                    continue      # score -inf: never a story's best
                gap = max(0.0, gap_days - grace)
            elif (time_a == time_a) != (time_b == time_b):
                continue
            ents_b, cue_b = entity_keys[other], cues[other]
            ent = len(ents_a & ents_b) / max(min(len(ents_a), len(ents_b)), min_den) if ents_a and ents_b else ent_missing
            title = shared / (len(words_a) + len(words_b) - shared) if words_a and words_b else 0.0
            follow = 1.0 if follow_a != cue_b & FOLLOWUP_CUE else 0.0
            denial = 1.0 if denial_a != cue_b & DENIAL_CUE else 0.0
            year = 1.0 if years_a and (years_b := self._years[other]) and not (years_a & years_b) else 0.0
            number = 1.0 if nums_a and (nums_b := self._numbers[other]) and not (nums_a & nums_b) else 0.0
            period = 1.0 if stamp_a is not None and (stamp_b := stamps[other]) is not None and stamp_a != stamp_b else 0.0
            # the terms of Weights.score in its order (the swap, day and name terms are 0 here): the same float
            bound = offset + (w_cos * cos + w_ent * ent + w_title * title + w_follow * follow + w_denial * denial
                              + w_year * year + w_number * number + w_gap * gap + w_period * period) + most
            if bound >= threshold:
                costly.append((bound, sid, other, [cos, ent, title, 0.0, follow, denial, 0.0, year, 0.0, number,
                                                   gap, period, 0.0]))
        return costly

    def _second_opinion(self, row: int, other: int, score: float) -> float:
        """The score re-read by the second encoder when it is in the uncertain band (verifier.SecondOpinion)."""
        return score if self._second is None else self._second.adjust(score, self._leads[row], self._leads[other])

    def _near_copy(self, row: int, other: int) -> float:
        """The near-copy measure of two titles when it reaches `near_copy_jaccard` and nothing forbids
        the join (more than `near_copy_max_days` apart, days that conflict); else 0."""
        cfg = self.config
        title_a, title_b = self._titles[row], self._titles[other]
        if min(len(title_a), len(title_b)) < cfg.near_copy_min_chars:
            return 0.0
        # a near copy shares most words of the shorter title: a cheap filter before the 3-grams
        words_a, words_b = self._title_words[row], self._title_words[other]
        if not words_a or not words_b or len(words_a & words_b) < 0.5 * min(len(words_a), len(words_b)):
            return 0.0
        gap = abs(self._time[row] - self._time[other]) / DAY
        if gap > cfg.near_copy_max_days or (np.isnan(gap) and np.isnan(self._time[row]) != np.isnan(self._time[other])):
            return 0.0
        if gap > cfg.time_grace_hours / 24.0 and min(len(title_a), len(title_b)) < cfg.near_copy_min_chars_across_days:
            return 0.0       # 'Взрывы в Киеве, — украинские СМИ.' three days later is another night
        days_a, days_b = self._days[row], self._days[other]
        if days_a and days_b and days_conflict(days_a, days_b, cfg.date_tolerance_days):
            return 0.0
        if period_clash(self._stamps, row, (other,)):
            return 0.0       # 'ПВО за ночь уничтожила …' of two nights: near copies, two reports
        copy = near_copy(title_a, title_b, cfg.near_copy_min_chars)
        return copy if copy >= cfg.near_copy_jaccard else 0.0
