"""`parallax threads`, `parallax threads show ID`, the `thread` field of `parallax stories --json`, and the
threads kept up to date by the pipeline after clustering (fake analyzer and encoder, no models)."""
from __future__ import annotations

import copy
import datetime as dt
import json
import zlib
from pathlib import Path

import numpy as np
from jsonschema import Draft202012Validator

from corpus_fakes import FakeAnalyzer, FakeEncoder, make_article
from parallax.cli.main import main
from parallax.pipeline import analyze_pending, cluster_pending, ingest_records
from parallax.render.jsonout import load_schema
from parallax.store import Store
from parallax.stories import StoryItem

T0 = dt.datetime(2024, 11, 28, 18, tzinfo=dt.timezone.utc)
TBILISI = ["Тбилиси", "Грузия", "Ираклий Кобахидзе"]


def _vector(topic: str, seed: int) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(topic.encode())).standard_normal(32)
    v += 0.3 * np.random.default_rng(seed).standard_normal(32)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _corpus(path) -> str:
    rows = [("s-decision", 0, "РИА Новости", "Грузия отложила переговоры с ЕС до 2028 года", "tbilisi"),
            ("s-decision", 1, "BBC", "Кобахидзе: Грузия не будет открывать переговоры с ЕС", "tbilisi"),
            ("s-night1", 4, "BBC", "В Тбилиси протестующие вышли к парламенту", "tbilisi"),
            ("s-night2", 28, "ТАСС", "Вторую ночь в Тбилиси продолжаются протесты", "tbilisi"),
            ("s-rouble", 2, "РИА Новости", "Курс доллара превысил 110 рублей", "rouble")]
    with Store(str(path)) as store:
        for n, (story, hours, outlet, title, topic) in enumerate(rows):
            when = T0 + dt.timedelta(hours=hours)
            result = store.add_articles([make_article(f"a{n}", f"{title}. Текст.", outlet, when=when.isoformat(),
                                                      title=title)])[0]
            names = TBILISI if topic == "tbilisi" else ["Банк России", "доллар"]
            item = StoryItem(article_id=f"a{n}", time=when, embedding=_vector(topic, n), entities=frozenset(names),
                             title=title, outlet=outlet)
            store.save_features([(result.pk, item)], "test")
            store.assign_stories({result.pk: story}, {story: title})
    return str(path)


def test_threads_lists_threads_with_stories_in_time_order(tmp_path, capsys):
    db = _corpus(tmp_path / "c.sqlite")
    assert main(["threads", "--db", db]) == 0
    out = capsys.readouterr()
    assert "4 stories threaded" in out.err              # a store clustered before: threaded on first use
    lines = out.out.splitlines()
    assert "3 stories · 4 articles" in lines[1]
    assert [ln.split()[2] for ln in lines[2:5]] == ["s-decision", "s-night1", "s-night2"]
    assert "s-rouble" not in out.out
    assert main(["threads", "--db", db, "--min-stories", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 2 and capsys.readouterr().err == ""       # nothing to update the second time
    assert list(data["threads"][0]) == ["id", "title", "first", "last", "stories", "articles"]
    assert main(["threads", "--db", db, "--since", "2024-12-05"]) == 0
    assert capsys.readouterr().out.strip() == "no threads match"


def test_threads_show_prints_the_timeline_and_coverage(tmp_path, capsys):
    db = _corpus(tmp_path / "c.sqlite")
    main(["threads", "--db", db, "--json"])
    thread_id = json.loads(capsys.readouterr().out)["threads"][0]["id"]
    assert main(["threads", "show", thread_id, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "2024-11-28\n" in out and "2024-11-29\n" in out
    assert "← " in out and "тбилиси" in out                          # why a step is linked
    coverage = out.split("coverage")[1].splitlines()
    assert any(ln.split() == ["BBC", "1", "1", "·"] for ln in coverage)
    assert any(ln.split() == ["ТАСС", "·", "·", "1"] for ln in coverage)
    assert main(["threads", "show", thread_id, "--db", db, "--json"]) == 0
    detail = json.loads(capsys.readouterr().out)
    assert [d["day"] for d in detail["timeline"]["days"]] == ["2024-11-28", "2024-11-29"]
    assert main(["threads", "show", "t-nope", "--db", db]) == 1
    assert "no thread with id 't-nope'" in capsys.readouterr().err
    assert main(["threads", "list", "--db", db]) == 2
    assert main(["threads", "--db", db, "--since", "yesterday-ish"]) == 2


def test_stories_json_gives_each_story_its_thread(tmp_path, capsys):
    db = _corpus(tmp_path / "c.sqlite")
    main(["stories", "--db", db, "--json"])
    assert {s["id"]: s["thread"] for s in json.loads(capsys.readouterr().out)["stories"]} == dict.fromkeys(
        ["s-night2", "s-rouble", "s-night1", "s-decision"])          # not threaded yet
    main(["threads", "--db", db, "--rebuild"])
    capsys.readouterr()
    main(["stories", "--db", db, "--json"])
    threads = {s["id"]: s["thread"] for s in json.loads(capsys.readouterr().out)["stories"]}
    assert threads["s-decision"] == threads["s-night1"] == threads["s-night2"] != threads["s-rouble"]


def test_ingest_keeps_threads_up_to_date_after_clustering(tmp_path):
    texts = [("k1", "2024-12-03T14:00:00+00:00", "Президент Южной Кореи Юн Сок Ёль ввел военное положение. Оппозиция "
                                                 "Южной Кореи осудила решение Юн Сок Ёля."),
             ("k2", "2024-12-03T14:30:00+00:00", "Юн Сок Ёль ввел военное положение в Южной Корее. Оппозиция "
                                                 "Южной Кореи осудила решение Юн Сок Ёля.")]
    with Store(str(tmp_path / "p.sqlite")) as store:
        summary = ingest_records(store, [make_article(i, t, "ТАСС", when=w, title=t.split(".")[0])
                                         for i, w, t in texts])
        analyze_pending(store, analyzer=FakeAnalyzer(), encoder=FakeEncoder(), summary=summary)
        cluster_pending(store, summary=summary)
        stored = store.db.query("SELECT story_id, thread_id FROM thread_stories")
        assert stored and all(thread for _, thread in stored)
        assert {sid for sid, _ in stored} == {s.id for s in store.list_stories()}


def test_a_stored_storys_document_may_name_its_thread():
    """`thread` is an additive, optional field of a story in the JSON document (schema 1.1 stays valid)."""
    doc = json.loads((Path(__file__).resolve().parents[1] / "snapshots" / "example_pair.json").read_text("utf-8"))
    validator = Draft202012Validator(load_schema())
    assert not list(validator.iter_errors(doc))
    for value in ("t0123456789ab", None):
        with_thread = copy.deepcopy(doc)
        with_thread["stories"][0]["thread"] = value
        assert not list(validator.iter_errors(with_thread))
    with_thread["stories"][0]["thread"] = 7
    assert list(validator.iter_errors(with_thread))
