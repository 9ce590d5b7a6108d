"""Recurring report kinds (stories/recurring.py, stories/data/recurring_reports.yaml; issue 12, tenth session):
the calendar rubric «Сегодня отмечается …» and the weather of different days are different events, and so are
two observances of one morning."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from parallax.stories import StoryClusterer
from parallax.stories.features import StoryItem
from parallax.stories.recurring import recurring_rules, recurring_stamp, stamps_clash

VECTOR = np.ones(8, np.float32) / np.sqrt(8)


def ts(day: int, hour: int) -> float:
    return dt.datetime(2024, 11, day, hour, tzinfo=dt.timezone.utc).timestamp()


# one line per case: title, its kind (None: not a recurring report)
@pytest.mark.parametrize("title, kind", [
    ("Сегодня отмечается День пьяного ёжика.", "calendar"),
    ("🍻Сегодня отмечается Международный день секса.", "calendar"),
    ("Сегодня всемирный День домашних животных", "calendar"),
    ("Также сегодня отмечается Всемирный День домашних животных.", "calendar"),
    ("Сегодня отмечается Дeнь cчacтливoгo чeлoвeкa", "calendar"),          # Latin e, c, a, o
    ("В Москве активно начали расти сугробы.", "weather"),
    ("Температура в декабре в Москве на 3-5 градусов превысит норму — синоптики", "weather"),
    ("Осень в Москве в этом году стала самой тёплой за всю историю наблюдений", "weather"),
    ("Ледяной дождь накроет Москву ночью", "weather"),
    ("На этих выходных в Москве ожидается мокрый снег и гололед", "weather"),
    # not recurring reports
    ("Сегодня Путин проведёт совещание с членами Совбеза", None),
    ("День памяти жертв ДТП: в Москве прошла акция", None),
    ("Ветераны СВО получат новые выплаты", None),
    ("Путин прибыл в Казахстан с государственным визитом", None),
])
def test_kind_of_a_title(title, kind):
    stamp = recurring_stamp(title, ts(28, 6))
    assert (stamp[0] if stamp else None) == kind


# one line per case: two titles, hours after 28 Nov 00:00 UTC of each, whether they clash (not one event)
@pytest.mark.parametrize("title_a, hour_a, title_b, hour_b, clash", [
    ("Сегодня отмечается День пьяного ёжика.", 7, "Сегодня отмечается День счастливого человека.", 31, True),
    ("Сегодня отмечается День счастливого человека.", 31, "Сегодня отмечается Дeнь cчacтливoгo чeлoвeкa", 30, False),
    ("Сегодня всемирный День домашних животных", 54, "Сегодня отмечается Международный день секса.", 54, True),
    ("Сегодня всемирный День домашних животных", 54, "Также сегодня отмечается Всемирный День домашних животных.",
     56, False),
    ("В Москве активно начали расти сугробы.", 4, "Средняя температура декабря в Москве будет выше нормы", 54, True),
    ("Средняя температура декабря в Москве будет выше нормы", 54,
     "Декабрь станет самым теплым с 2020 года, — синоптики", 55, False),
    # 23:30 and 00:30 Moscow time (UTC+3) are two local days
    ("Ледяной дождь накроет Москву ночью", 20, "Ледяной дождь накрыл Москву", 22, True),
    # another kind or no kind: no clash
    ("Сегодня отмечается День пьяного ёжика.", 7, "В Москве активно начали расти сугробы.", 40, False),
    ("Сегодня отмечается День пьяного ёжика.", 7, "Путин прибыл в Казахстан", 40, False),
])
def test_clash_table(title_a, hour_a, title_b, hour_b, clash):
    base = ts(28, 0)
    a = recurring_stamp(title_a, base + hour_a * 3600.0)
    b = recurring_stamp(title_b, base + hour_b * 3600.0)
    assert stamps_clash(a, b) is clash and stamps_clash(b, a) is clash


def test_no_time_no_stamp():
    assert recurring_stamp("Сегодня отмечается День пьяного ёжика.", float("nan")) is None


def test_data_file_is_read():
    rules = recurring_rules()
    assert {k.name for k in rules.kinds} >= {"calendar", "weather"} and rules.utc_offset == dt.timedelta(hours=3)


def _post(n: int, title: str, day: int, hour: int) -> StoryItem:
    return StoryItem(article_id=f"p{n}", time=dt.datetime(2024, 11, day, hour, tzinfo=dt.timezone.utc),
                     embedding=VECTOR, entities=frozenset(), title=title, outlet=f"outlet{n}")


def test_rubric_posts_of_three_mornings_are_three_stories():
    # identical vectors and near-identical titles: only the rule keeps them apart (it fails without it)
    posts = [_post(0, "Сегодня отмечается День пьяного ёжика.", 28, 4),
             _post(1, "Сегодня отмечается День пьяного ёжика!", 28, 5),
             _post(2, "Сегодня отмечается День счастливого человека.", 29, 4),
             _post(3, "Сегодня отмечается Международный день секса.", 30, 4),
             _post(4, "Сегодня отмечается Всемирный день домашних животных.", 30, 5)]
    ids = StoryClusterer().add_many(posts)
    assert ids[0] == ids[1] and len({ids[1], ids[2], ids[3], ids[4]}) == 4
