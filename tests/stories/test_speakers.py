"""Stories of one person's statements (stories/speakers.py, stories/data/speakers.yaml; issue 12, tenth
session: Putin's answers in Astana took in the ministry of defence's strike report and Peskov's comment)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from parallax.stories import ClusterConfig, StoryClusterer
from parallax.stories.features import StoryItem
from parallax.stories.names import default_matcher
from parallax.stories.speakers import dominant_speaker, speaker_barred, speaker_rules, title_prefixes, title_speaker

CONFIG = ClusterConfig()
MATCHER = default_matcher(CONFIG.name_key_chars, CONFIG.name_common_words)
VECTOR = np.ones(8, np.float32) / np.sqrt(8)


# one line per case: headline, the speaker key it quotes and whether that is a person (None: nobody)
@pytest.mark.parametrize("title, key, person", [
    ("Россия не допустит получения Киевом ядерного оружия, заявил Путин", "пути", True),
    ("В России думают над выделением беспилотников в отдельный вид войск — Путин", "пути", True),
    ("Путин:", "пути", True),
    ("Всё идёт по плану, заявил Владимир Путин", "пути", True),
    ("Удары по объектам ВПК Украины осуществлялись в русле ответа России — Песков", "песк", True),
    ("Песков назвал посягательством на суверенитет Сирии ситуацию в Алеппо", "песк", True),
    ("В ответ на ракетные удары ВС РФ поразили места размещения оружия — МО РФ", "мино", False),
    ("Минобороны РФ сообщило об ответных ударах на атаки Киева вглубь России", "мино", False),
    # nobody: a medium, a role, a source that relays, no attribution, a noun that is no speech verb
    ("К протестующим в Тбилиси присоединилась президент Зурабишвили, — СМИ.", None, None),
    ("В России начался серийный выпуск ракеты «Орешник», рассказал российский президент.", None, None),
    ("Президент Южной Кореи объявил военное положение, передает агентство Рёнхап", None, None),
    ("Главное из заявлений Путина на сессии Совета коллективной безопасности ОДКБ:", None, None),
    ("Минобороны РФ сообщило об ответных ударах на атаки Киева", "мино", False),
    ("Астероид упал над Якутией", None, None),
])
def test_speaker_of_a_headline(title, key, person):
    speaker = title_speaker(title, MATCHER)
    assert (speaker.key if speaker else None) == key
    assert (speaker.person if speaker else None) == person


def test_a_story_is_one_persons_statements_only_when_most_quotes_are_his():
    putin, peskov, mod = (title_speaker(t, MATCHER) for t in ("Путин:", "Песков:", "Всё так — МО РФ"))
    assert dominant_speaker([putin, putin, putin, None, None]) == "пути"
    assert dominant_speaker([putin, putin, None]) is None                     # too few quotes
    assert dominant_speaker([putin, putin, peskov, peskov]) is None           # no dominant speaker
    assert dominant_speaker([mod, mod, mod, mod]) is None                     # an organisation's reports
    rules = speaker_rules()
    assert rules.min_quoted == 3 and 0.5 < rules.dominant_share <= 1


def test_a_post_naming_the_storys_speaker_is_not_barred():
    lukashenko = title_speaker("Лукашенко заявил, что шутя рассказал Путину о местах для «Орешника»", MATCHER)
    words = title_prefixes("Лукашенко заявил, что шутя рассказал Путину о местах для «Орешника»", MATCHER.key_chars)
    assert lukashenko.key == "лука" and not speaker_barred(lukashenko, "пути", words)
    peskov = title_speaker("Удары осуществлялись в русле ответа России — Песков", MATCHER)
    assert speaker_barred(peskov, "пути", title_prefixes("Удары осуществлялись в русле ответа России — Песков", 4))


def _post(n: int, title: str, minute: int) -> StoryItem:
    return StoryItem(article_id=f"p{n}", time=dt.datetime(2024, 11, 28, 10, minute, tzinfo=dt.timezone.utc),
                     embedding=VECTOR, entities=frozenset(), title=title, outlet=f"outlet{n}")


def test_another_speakers_report_stays_out_of_a_statement_story():
    # identical vectors: only the rule keeps the ministry's report out (it joins without it)
    posts = [_post(0, "Россия поразила военные объекты Украины ракетами, заявил Путин", 0),
             _post(1, "Россия поразила военные объекты Украины ракетами — Путин", 1),
             _post(2, "Россия поразила военные объекты Украины ста ракетами, сообщил Путин", 2),
             _post(3, "ВС РФ поразили военные объекты Украины ракетами — МО РФ", 3),
             _post(4, "Путин: Россия поразила военные объекты Украины ракетами", 4)]
    ids = StoryClusterer().add_many(posts)
    assert len({ids[0], ids[1], ids[2], ids[4]}) == 1 and ids[3] != ids[0]
