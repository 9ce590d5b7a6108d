"""Round-up headings of stories/digests.py, one line each: the heading of a post whose body lists the
same unrelated items (so only the heading decides). Ninth session (issue 12): RIA's daily war round-up
«Спецоперация. Обстановка и главные события на <день>» joined the stories of two of its items (the
Kursk ATACMS story, Putin's Astana press conference) in the RIA/BBC window."""
from __future__ import annotations

import pytest

from parallax.stories.digests import is_digest

ITEMS = """
▪️Российская армия взяла под контроль населенный пункт Новодаровка в Запорожской области, сообщили в Минобороны;

▪️Средства ПВО уничтожили за сутки три украинских беспилотника над Брянской и Ростовской областями;

▪️Путин пообщался на площадке ЦИТО с военными, которые проходят реабилитацию после ранения;

▪️Общий объем американской военной помощи Украине превысил $62 млрд, подсчитали в Пентагоне;

▪️Шольц прибыл с визитом в Киев и намерен встретиться с Зеленским."""

# (heading, is a round-up)
HEADINGS = [
    ("Спецоперация. Обстановка и главные события на 3 декабря.", True),
    ("Главные события дня", True),
    ("Главные события за неделю:", True),
    ("Главное к вечеру вторника", True),
    ("Главное из заявлений Путина на сессии ОДКБ:", False),       # one speech, its points
    ("Главные события саммита G20", False),                      # one meeting
    ("Главное событие недели — визит Шольца в Киев", False),      # one event, singular
    ("Минобороны России: обстановка на фронте", False),
]


@pytest.mark.parametrize("heading,expected", HEADINGS)
def test_round_up_heading(heading, expected):
    assert is_digest(heading + "\n" + ITEMS) is expected
