"""Statement round-ups («Другие заявления Пескова на брифинге») are digests when they list five or more
unrelated points (stories/digests.py; issue 12, seventh session)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from parallax.stories.digests import is_digest

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "benchmarks" / "data" / "digest_statements.tsv"
RAW = ROOT.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"

PESKOV = """**Другие заявления Пескова на брифинге:**

▪️ О визите Шольца на Украину: наблюдаем за всеми контактами

▪️ Решение Байдена помиловать своего сына Хантера - это внутренние американские дела

▪️ Если США будут с использованием силы принуждать страны пользоваться долларом, это может усилить тенденции по переходу на нацвалюты

▪️ Путин в понедельник встретится в Ново-Огарево с участниками IV Конгресса молодых учёных

▪️ Путин в понедельник проведёт международный телефонный разговор"""


def test_briefing_leftovers_are_a_digest():
    assert is_digest(PESKOV)


def test_four_points_are_not_enough():
    four = PESKOV.rsplit("\n\n", 1)[0]
    assert not is_digest(four)


def test_one_speech_round_up_is_not_a_statement_digest():
    speech = PESKOV.replace("Другие заявления Пескова на брифинге", "Главное из заявлений Путина на сессии ОДКБ")
    assert not is_digest(speech)


def _posts(ids: set[str]) -> dict[str, str]:
    out = {}
    for path in RAW.glob("*_messages.json"):
        for post in json.loads(path.read_text(encoding="utf-8")):
            key = f"{str(post['sender_id']).lstrip('-')}/{post['message_id']}"
            if key in ids:
                out[key] = post.get("text") or ""
    return out


@pytest.mark.skipif(not RAW.is_dir(), reason="../shared/data/telegram-ru-news-channels is absent")
def test_labelled_statement_round_ups():
    with LABELS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    assert len(rows) == 15
    posts = _posts({r["post_id"] for r in rows})
    assert set(posts) == {r["post_id"] for r in rows}
    flagged = {r["post_id"] for r in rows if is_digest(posts[r["post_id"]])}
    positive = {r["post_id"] for r in rows if r["label"] == "1"}
    # made on this set (see the TSV header): every flagged post is labelled a digest, and most digests are found
    assert flagged <= positive and len(flagged) >= 0.9 * len(positive)
