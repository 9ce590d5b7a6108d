"""Routine reports stamped with different periods are different events (stories/verifier.py report_stamp,
stories/data/report_stamps.yaml; issue 12, seventh session)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from parallax.stories import StoryClusterer
from parallax.stories.features import StoryItem
from parallax.stories.verifier import EVIDENCE, report_stamp, stamp_rules, stamps_differ

UTC = dt.timezone.utc


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("title, time, expected", [
    ("ПВО за ночь уничтожила 47 украинских БПЛА", at(29, 4, 23), ("night", dt.date(2024, 11, 29).toordinal(), 0)),
    ("В течение прошедшей ночи средства ПВО уничтожили 24 БПЛА", at(26, 5), ("night", dt.date(2024, 11, 26).toordinal(), 0)),
    # «в ночь на …» names its night, whenever it is published
    ("В ночь на 29 ноября нанесен удар по нефтебазе", at(29, 11), ("night", dt.date(2024, 11, 29).toordinal(), 0)),
    ("Удар в ночь с 28 на 29 ноября", at(30, 11), ("night", dt.date(2024, 11, 29).toordinal(), 0)),
    ("ПВО с 09.00 до 09.30 мск уничтожила 2 беспилотника", at(28, 8), ("hours", dt.date(2024, 11, 28).toordinal(), 9)),
    ("ВСУ потеряли за сутки более 250 военнослужащих", at(27, 10), ("day", dt.date(2024, 11, 27).toordinal(), 0)),
    # a bare «ночью» stamps a post of the local morning only (04:10 UTC = 07:10 in Moscow)
    ("ПВО ночью уничтожила 11 беспилотников", at(30, 4, 10), ("night", dt.date(2024, 11, 30).toordinal(), 0)),
    ("Юн Сок Ёль ночью провёл экстренное совещание", at(30, 13, 40), None),
    # the local day: 22:30 UTC is already the next day in Moscow
    ("ПВО за ночь уничтожила 30 БПЛА", at(28, 22, 30), ("night", dt.date(2024, 11, 29).toordinal(), 0)),
    ("Президент Южной Кореи объявил военное положение", at(30, 13), None),
    ("Сроки «в ночь на» не названы", at(30, 13), None),
])
def test_report_stamp(title, time, expected):
    assert report_stamp(title, time) == expected


def test_undated_reads_only_a_named_night():
    assert report_stamp("ПВО за ночь уничтожила 25 БПЛА", None) is None
    assert report_stamp("в ночь на 29 ноября", None) == ("night", dt.date(2000, 11, 29).timetuple().tm_yday, 0)


def test_stamps_differ_needs_two_stamps():
    night = ("night", 1, 0)
    assert stamps_differ(night, ("night", 2, 0))
    assert stamps_differ(night, ("day", 1, 0))
    assert not stamps_differ(night, night)
    assert not stamps_differ(night, None) and not stamps_differ(None, None)


def test_rule_file_is_well_formed():
    rules = stamp_rules()
    assert rules.weight < 0 and len(rules.months) == 12 and 0 < rules.morning_until <= 24


def _item(n: int, title: str, time: dt.datetime, vector: np.ndarray) -> StoryItem:
    return StoryItem(article_id=f"a{n}", time=time, embedding=vector, entities=frozenset({"ПВО"}),
                     title=title, outlet=f"outlet{n % 3}")


def test_nightly_counts_of_two_nights_are_two_stories():
    vector = np.ones(8, np.float32) / np.sqrt(8)
    first = [_item(0, "ПВО за ночь уничтожила 22 украинских беспилотника над регионами", at(27, 4, 45), vector),
             _item(1, "ПВО за ночь перехватила и уничтожила 22 украинских беспилотника над регионами", at(27, 4, 55), vector)]
    second = [_item(2, "ПВО за ночь уничтожила 25 украинских беспилотников над регионами", at(28, 4, 6), vector),
              _item(3, "ПВО за ночь уничтожила 25 украинских беспилотников над регионами России", at(28, 4, 55), vector)]
    clusterer = StoryClusterer()
    ids = clusterer.add_many(first + second)
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]
    # explain_pair names the evidence
    why = clusterer.explain_pair(first[0], second[0])
    period = next(e for e in why["evidence"] if e["evidence"] == "period_conflict")
    assert period["value"] == 1.0 and period["contribution"] < 0
    assert "period_conflict" in EVIDENCE


def test_unstamped_reports_still_join():
    vector = np.ones(8, np.float32) / np.sqrt(8)
    items = [_item(0, "ПВО уничтожила 22 украинских беспилотника над регионами России", at(27, 4, 45), vector),
             _item(1, "ПВО уничтожила 22 украинских беспилотника над регионами России, сообщили", at(27, 6), vector)]
    ids = StoryClusterer().add_many(items)
    assert ids[0] == ids[1]


def test_burst_in_one_batch_stays_one_story():
    """More posts of one event than `neighbours` in one batch: the later ones must not take the earlier
    rows' neighbour slots (the South Korea martial law was three stories of one batch; seventh session)."""
    rng = np.random.default_rng(7)
    event = rng.normal(size=16)
    items = []
    for n in range(60):
        vector = event + 0.35 * rng.normal(size=16)
        items.append(StoryItem(article_id=f"m{n}", time=at(30, 13) + dt.timedelta(minutes=n),
                               embedding=(vector / np.linalg.norm(vector)).astype(np.float32),
                               entities=frozenset({"Южная Корея"}), title=f"Военное положение в Южной Корее {n}",
                               outlet=f"outlet{n % 5}"))
    one = StoryClusterer()
    ids_one = [one.add(item) for item in items]
    many = StoryClusterer()
    assert many.add_many(items) == ids_one
