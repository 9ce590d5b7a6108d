import json
from pathlib import Path

import pytest

from parallax.ingest.errors import InputError
from parallax.ingest.sources import iter_source
from parallax.ingest.telegram import markdown_to_text

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"


def test_markdown_is_removed_and_links_kept():
    text, links = markdown_to_text("**Срочно:** __суд__ [арестовал](https://t.me/x/1) ~~двоих~~ `код` **— **Windsurf")
    assert text == "Срочно: суд арестовал двоих код — Windsurf"
    assert links == ["https://t.me/x/1"]


def test_unbalanced_markers_and_snake_case():
    assert markdown_to_text("здесь: ____bit.ly/bbcrussian__")[0] == "здесь: bit.ly/bbcrussian"
    assert markdown_to_text("**Важно** __курсив__ и **хвост")[0] == "Важно курсив и хвост"
    assert markdown_to_text("переменная snake_case_name и __init__")[0] == "переменная snake_case_name и init"


def test_dataset_dump_format(tmp_path):
    path = tmp_path / "1001234_messages.json"
    posts = [
        {"message_id": 11, "sender_id": -1001234, "text": "⚡️ **Взрыв** в центре\n\nПодробности позже",
         "date": "2024-11-07T18:09:50+00:00", "channel": "Канал", "category": "other"},
        {"message_id": 12, "sender_id": -1001234, "text": "", "date": "2024-11-07T18:10:00+00:00", "channel": "Канал"},
        {"sender_id": -1001234, "text": "без id", "date": "2024-11-07T18:11:00+00:00", "channel": "Канал"},
    ]
    path.write_text(json.dumps(posts, ensure_ascii=False, indent=1), encoding="utf-8")
    items = list(iter_source(path))
    arts = [i for i in items if not isinstance(i, InputError)]
    errs = [i for i in items if isinstance(i, InputError)]
    [art] = arts
    assert art.id == "1001234/11" and art.outlet == "Канал"
    assert art.text == "⚡️ Взрыв в центре\n\nПодробности позже"
    assert art.title == "Взрыв в центре"
    assert art.meta["published"] == "2024-11-07T18:09:50+00:00" and art.meta["category"] == "other"
    assert sorted(e.problem.split(" (")[0] for e in errs) == ["message without an id", "no text"]
    assert all(e.line and e.line > 1 for e in errs)


def test_desktop_export_format(tmp_path):
    path = tmp_path / "result.json"
    export = {"name": "Вестник", "type": "public_channel", "id": 555, "messages": [
        {"id": 1, "type": "service", "date": "2024-01-01T10:00:00", "action": "create_channel", "text": ""},
        {"id": 2, "type": "message", "date": "2024-01-01T13:00:00", "date_unixtime": "1704106800",
         "text": ["Читайте ", {"type": "text_link", "text": "здесь", "href": "https://v.example/2"}, " новости"]},
    ]}
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    [art] = list(iter_source(path))
    assert art.id == "555/2" and art.outlet == "Вестник" and art.text == "Читайте здесь новости"
    assert art.meta["links"] == ["https://v.example/2"]
    assert art.meta["published"] == "2024-01-01T11:00:00+00:00"


@pytest.mark.skipif(not DATA.exists(), reason="shared telegram data not available")
def test_real_channel_dump():
    path = sorted(DATA.glob("*_messages.json"))[0]
    items = list(iter_source(path))
    arts = [i for i in items if not isinstance(i, InputError)]
    assert len(arts) >= 0.95 * len(json.loads(path.read_text(encoding="utf-8")))
    assert len({a.id for a in arts}) == len(arts)
    assert all(a.id.startswith(path.name.split("_")[0] + "/") for a in arts)
    assert all("**" not in a.text for a in arts)
