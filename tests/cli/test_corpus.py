"""`parallax ingest / stories / export` end to end, and a run killed with SIGKILL mid-ingest."""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import parallax
from parallax.api import open_corpus
from parallax.cli.main import main
from parallax.model import AnalyzedArticle, Article, Sentence
from parallax.pipeline import story_documents
from parallax.store import Store
from parallax.stories import StoryItem

REPO = Path(__file__).resolve().parents[1]


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _record(i: int, outlet: str = "Вести", **extra) -> dict:
    rec = {"id": f"v{i}", "url": f"https://vesti.example/{i}", "outlet": outlet, "title": f"Новость {i}",
           "date": f"2024-12-0{1 + i % 3}T1{i % 10}:00:00+00:00",
           "text": f"Новость номер {i}: в городе {i} открыли мост номер {i * 7}. Строительство заняло {i} лет."}
    rec.update(extra)
    return rec


def test_ingest_reports_bad_records_with_file_and_line(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    feed = src / "feed.jsonl"
    feed.write_bytes(
        (json.dumps(_record(1), ensure_ascii=False) + "\n").encode()
        + b'{"id": "broken", \n'
        + (json.dumps(_record(2, text=""), ensure_ascii=False) + "\n").encode()
        + (json.dumps(_record(3), ensure_ascii=False) + "\n").encode()
        + (json.dumps(_record(4, text="слово " * 1_800_000), ensure_ascii=False) + "\n").encode())
    (src / "page.html").write_text("<html><body><<<>>></div>", encoding="utf-8")
    (src / "legacy.txt").write_bytes("---\noutlet: Газета\n---\nТекст статьи в кодировке cp1251.".encode("cp1251"))
    db = tmp_path / "c.sqlite"
    errors = tmp_path / "errors.jsonl"
    code = main(["ingest", str(src), "--db", str(db), "--no-analyze", "--errors", str(errors)])
    out, err = capsys.readouterr()
    assert code == 3                    # done, but records were skipped
    assert "3 new articles" in out and "4 rejected" in out
    assert f"{feed}:2: invalid JSON" in err and f"{feed}:3: empty text" in err
    assert f"{feed}:5: " in err and "page.html" in err
    assert len(errors.read_text(encoding="utf-8").splitlines()) == 4
    with Store(str(db)) as store:
        assert sorted(a.ext_id for a in store.iter_articles()) == ["legacy", "v1", "v3"]


def test_ingest_json_summary_and_idempotence(tmp_path, capsys):
    path = _jsonl(tmp_path / "a.jsonl", [_record(i) for i in range(5)])
    db = str(tmp_path / "c.sqlite")
    assert main(["ingest", str(path), "--db", db, "--no-analyze", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["summary"]["ingested"] == 5 and first["totals"]["articles"] == 5
    changed = [_record(0, text="Исправленный текст новости номер ноль о мосте.")] + [_record(i) for i in range(1, 5)]
    _jsonl(path, changed)
    assert main(["ingest", str(path), "--db", db, "--no-analyze", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)["summary"]
    assert (second["ingested"], second["duplicates"], second["revisions"]) == (0, 4, 1)


def test_ingest_missing_source_fails_cleanly(tmp_path, capsys):
    code = main(["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "c.sqlite")])
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_ingest_bad_mapping_is_a_usage_error(tmp_path, capsys):
    path = _jsonl(tmp_path / "a.jsonl", [_record(1)])
    assert main(["ingest", str(path), "--db", str(tmp_path / "c.sqlite"), "--map", "wrong"]) == 2
    assert "FIELD=NAME" in capsys.readouterr().err


def _story_db(path: Path) -> tuple[str, dict]:
    """A store with two hand-made stories (no models involved)."""
    db = str(path)
    with Store(db) as store:
        results = store.add_articles([
            Article(id="ria-1", text="Парламент отменил военное положение.", outlet="РИА Новости",
                    title="Военное положение отменено", date=dt.date(2024, 12, 3), url="https://ria.example/1",
                    meta={"published": "2024-12-03T20:00:00+00:00"}),
            Article(id="bbc-7", text="Депутаты проголосовали против военного положения.",
                    outlet="BBC News | Русская служба", title="Депутаты против", date=dt.date(2024, 12, 3),
                    url="https://bbc.example/7", meta={"published": "2024-12-03T21:30:00+00:00"}),
            Article(id="m-1", text="В Москве снег.", outlet="Москва Live", title="Снег",
                    date=dt.date(2024, 11, 20), meta={"published": "2024-11-20T08:00:00+00:00"}),
        ])
        pk = {r.ext_id: r.pk for r in results}
        store.assign_stories({pk["ria-1"]: "s-korea", pk["bbc-7"]: "s-korea", pk["m-1"]: "s-snow"},
                             {"s-korea": "Военное положение отменено", "s-snow": "Снег"})
        version = str(parallax.ANALYZER_VERSION)
        docs = []
        for stored in store.get_articles(list(pk.values())):
            art = stored.to_article()
            doc = AnalyzedArticle(article=art, sentences=[Sentence(0, 0, len(art.text), art.text, 0)])
            docs.append((stored.pk, stored.revision, doc))
        store.save_analyses(docs, version)
        vec = np.ones(4, dtype=np.float32) / 2
        store.save_features([(p, StoryItem(str(p), None, vec, frozenset(), "t", "o")) for p in pk.values()], version)
    return db, pk


def test_stories_json_is_exactly_the_documented_shape(tmp_path, capsys):
    db, _ = _story_db(tmp_path / "s.sqlite")
    assert main(["stories", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["stories"]
    assert [s["id"] for s in data["stories"]] == ["s-korea", "s-snow"]
    korea = data["stories"][0]
    assert list(korea) == ["id", "title", "thread", "coverage", "outlet_kinds", "articles"]
    assert korea["title"] == "Военное положение отменено"
    assert korea["coverage"] == {"state": 1, "foreign_public": 1}
    assert korea["outlet_kinds"] == {"РИА Новости": "state", "BBC News | Русская служба": "foreign_public"}
    assert korea["articles"] == [
        {"id": "ria-1", "url": "https://ria.example/1", "outlet": "РИА Новости", "kind": "state",
         "title": "Военное положение отменено", "date": "2024-12-03T20:00:00+00:00"},
        {"id": "bbc-7", "url": "https://bbc.example/7", "outlet": "BBC News | Русская служба", "kind": "foreign_public",
         "title": "Депутаты против", "date": "2024-12-03T21:30:00+00:00"},
    ]


def test_stories_filters_and_text_mode(tmp_path, capsys):
    db, _ = _story_db(tmp_path / "s.sqlite")
    assert main(["stories", "--db", db, "--since", "2024-12-01"]) == 0
    out = capsys.readouterr().out
    assert "s-korea" in out and "s-snow" not in out
    assert "2024-12-03 20:00 – 21:30" in out and "2 articles" in out
    assert "РИА Новости, BBC News | Русская служба" in out
    main(["stories", "--db", db, "--outlet", "москва", "--json"])
    assert [s["id"] for s in json.loads(capsys.readouterr().out)["stories"]] == ["s-snow"]
    main(["stories", "--db", db, "--query", "депутат", "--json"])
    assert [s["id"] for s in json.loads(capsys.readouterr().out)["stories"]] == ["s-korea"]
    main(["stories", "--db", db, "--query", "нет такого слова"])
    assert "no stories match" in capsys.readouterr().out


def test_story_documents_uses_stored_analyses(tmp_path):
    db, _ = _story_db(tmp_path / "s.sqlite")
    with open_corpus(db) as store:
        docs = story_documents(store, "s-korea")
    assert [d.id for d in docs] == ["ria-1", "bbc-7"]
    assert docs[0].sentences[0].text == docs[0].text and docs[1].article.outlet == "BBC News | Русская служба"


def test_export_jsonl_and_parquet(tmp_path, capsys):
    db, pk = _story_db(tmp_path / "s.sqlite")
    out = tmp_path / "corpus.jsonl"
    assert main(["export", str(out), "--db", db]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3
    ria = next(r for r in rows if r["id"] == "ria-1")
    assert ria["story_id"] == "s-korea" and ria["story_title"] == "Военное положение отменено"
    assert ria["analysis"]["sentences"][0]["text"] == ria["text"] and len(ria["embedding"]) == 4
    assert ria["analyzer_version"] == str(parallax.ANALYZER_VERSION)

    pq_path = tmp_path / "corpus.parquet"
    assert main(["export", str(pq_path), "--db", db, "--story", "s-korea", "--no-text"]) == 0
    import pyarrow.parquet as pq
    table = pq.read_table(pq_path)
    assert table.num_rows == 2 and "text" not in table.column_names
    assert sorted(table.column("id").to_pylist()) == ["bbc-7", "ria-1"]
    assert json.loads(table.column("analysis")[0].as_py())["sentences"]
    assert "wrote 2 articles" in capsys.readouterr().out


# ---- crash safety -------------------------------------------------------------------------------------

def _synthetic_corpus(n: int) -> list[dict]:
    """Distinct texts, plus duplicates, revisions (same URL, new text) and cross-outlet reprints."""
    rng = random.Random(7)
    vocab = ["".join(rng.choice("абвгдежзиклмнопрстуфхцчшэюя") for _ in range(rng.randint(4, 9)))
             for _ in range(3000)]
    records: list[dict] = []
    for i in range(n):
        if i % 10 == 9:                                   # exact duplicate of an earlier record
            records.append(dict(records[rng.randrange(len(records))]))
            continue
        text = " ".join(rng.choice(vocab) for _ in range(60)) + "."
        rec = {"id": f"a{i}", "url": f"https://outlet{i % 5}.example/{i}", "outlet": f"Outlet {i % 5}",
               "date": f"2024-12-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00", "text": text}
        if i % 25 == 24:                                  # a changed version of an earlier article
            old = records[rng.randrange(len(records))]
            rec = dict(old, text=old["text"] + " Обновлено " + rng.choice(vocab) + ".")
        elif i % 40 == 33:                                # another outlet reprints an earlier text
            old = records[rng.randrange(len(records))]
            rec = dict(old, id=f"r{i}", url=None, outlet="Reprints Daily", text=old["text"].replace(".", "!"))
        records.append(rec)
    return records


def _snapshot(db: str) -> set[tuple]:
    with sqlite3.connect(db) as conn:
        return set(conn.execute(
            "SELECT a.ident, a.ext_id, a.revision, a.text_hash, o.ident FROM articles a "
            "LEFT JOIN articles o ON o.pk = a.reprint_of"))


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_loses_nothing_and_duplicates_nothing(tmp_path):
    source = _jsonl(tmp_path / "big.jsonl", _synthetic_corpus(2500))
    reference = str(tmp_path / "reference.sqlite")
    assert main(["ingest", str(source), "--db", reference, "--no-analyze", "-q"]) == 0
    expected = _snapshot(reference)
    assert any(row[2] > 1 for row in expected) and any(row[4] for row in expected)   # revisions and reprints

    db = tmp_path / "killed.sqlite"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "parallax.cli.main", "ingest", str(source), "--db", str(db),
                             "--no-analyze", "--batch-size", "20", "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _count(db) < 100 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    committed = _snapshot(str(db))
    assert 0 < len(committed) < len(expected)

    assert main(["ingest", str(source), "--db", str(db), "--no-analyze", "-q"]) == 0
    final = _snapshot(str(db))
    assert {row[0] for row in committed} <= {row[0] for row in final}     # nothing committed was lost
    assert final == expected                                              # and nothing is doubled
    with sqlite3.connect(str(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n_fts = conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0]
        assert n_fts == len(final)
