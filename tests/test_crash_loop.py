"""Crash loops (issue 16): `parallax ingest` and `parallax stories --recluster` killed with SIGKILL at 20
random points over one corpus, restarted each time, then finished; the database must pass its integrity
check and hold exactly what one uninterrupted run produces: every article once, no article twice, every
article analysed and in a story, and the same stories (compared as sets of article ids).

The corpus is generated (so the test always runs): a few hundred short posts about a dozen events from six
outlets over four days, with repeated records, revisions and reprints. The kill points are seeded
(PARALLAX_CRASH_SEED): each is a progress target (articles stored + articles analysed, anywhere from the
first commit to the last) plus a random delay after it is reached, so kills land while reading, storing,
analysing, clustering and committing. Slow (about a minute each): `pytest -m slow`; CI runs them once.
PARALLAX_CRASH_CORPUS=SOURCE runs the same loops over real input (benchmarks/RELIABILITY.md).
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = int(os.environ.get("PARALLAX_CRASH_SEED", "16"))
KILLS = 20
RUN_TIMEOUT = 240.0

pytestmark = pytest.mark.slow

OUTLETS = ["РИА Новости", "ТАСС", "Медуза", "Интерфакс", "Коммерсантъ", "BBC News | Русская служба"]
EVENTS = [
    ("Крымском мосту", "движение по мосту перекрыли", "Росавтодор"),
    ("Ростове-на-Дону", "на складе начался пожар", "МЧС"),
    ("Кишинёве", "прошли выборы президента", "ЦИК Молдавии"),
    ("Рио-де-Жанейро", "открылся саммит G20", "МИД Бразилии"),
    ("Московской бирже", "курс рубля упал", "Центробанк"),
    ("Сеуле", "объявили военное положение", "администрация президента"),
    ("Новосибирске", "ударили морозы до минус сорока", "Гидрометцентр"),
    ("Казани", "открыли новую линию метро", "мэрия Казани"),
    ("Берлине", "бастуют машинисты поездов", "профсоюз GDL"),
    ("Токио", "произошло землетрясение магнитудой шесть", "JMA"),
    ("Хабаровске", "задержали чиновников минстроя", "СК"),
    ("Женеве", "начались переговоры по Ирану", "МАГАТЭ"),
]
VERBS = ["сообщил", "заявил", "рассказал", "подтвердил"]
DETAILS = ["Пострадавших нет.", "Подробности уточняются.", "Ситуация под контролем.",
           "На месте работают специалисты.", "Ранее об этом писали местные СМИ.", "Официальных комментариев нет."]


def make_corpus(n_posts: int, seed: int = SEED) -> tuple[list[dict], set[tuple[str, str]]]:
    """Records as JSON Lines objects, and the identities (outlet, id) they make. Some records repeat
    (duplicates), some reuse an id with a new text (revisions), some copy another outlet's text (reprints)."""
    rng = random.Random(seed)
    records: list[dict] = []
    for i in range(n_posts):
        e = rng.randrange(len(EVENTS))
        place, what, source = EVENTS[e]
        day, hour = 1 + e % 4, rng.randrange(6, 22)
        outlet = rng.choice(OUTLETS)
        text = (f"В {place} {what}, {rng.choice(VERBS)} представитель ведомства {source}. "
                f"{rng.choice(DETAILS)} {rng.choice(DETAILS)} Сообщение {i}.")
        records.append({"id": f"p{i}", "outlet": outlet, "date": f"2024-12-0{day}T{hour:02d}:{rng.randrange(60):02d}:00+03:00",
                        "title": f"В {place} {what}", "text": text})
    for i in range(0, n_posts, 17):                      # exact repeats: duplicates
        records.append(dict(records[i]))
    for i in range(5, n_posts, 23):                      # same id, new text: revisions
        records.append(dict(records[i], text=records[i]["text"] + " Обновлено: данные уточнены."))
    for i in range(3, n_posts, 29):                      # another outlet's copy: reprints
        other = OUTLETS[(OUTLETS.index(records[i]["outlet"]) + 1) % len(OUTLETS)]
        records.append(dict(records[i], id=f"r{i}", outlet=other))
    rng.shuffle(records)
    return records, {(r["outlet"], r["id"]) for r in records}


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from parallax.cli.main import main; sys.exit(main(sys.argv[1:]))",
            *args]


PROGRESS = ("SELECT COUNT(*) FROM articles", "SELECT COUNT(*) FROM analyses",
            "SELECT COUNT(*) FROM articles WHERE story_id IS NOT NULL", "SELECT COUNT(*) FROM recluster_runs")


def _query(db: str, sql: str, *, readonly: bool = True) -> list[tuple]:
    if db.startswith("postgresql://"):
        import psycopg  # lazy: only with PARALLAX_TEST_PG

        with psycopg.connect(db, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()
    uri = f"file:{db}?mode=ro" if readonly else f"file:{db}"
    with closing(sqlite3.connect(uri, uri=True, timeout=0.5)) as conn:
        return conn.execute(sql).fetchall()


def _progress_parts(db: str) -> tuple[int, ...]:
    """(articles stored, analyses stored, articles in a story, re-clusterings committed); zeros before the
    schema exists."""
    try:
        return tuple(_query(db, q)[0][0] for q in PROGRESS)
    except Exception:  # noqa: BLE001 - no database or no tables yet, or locked for a moment
        return (0, 0, 0, 0)


def _progress(db: str) -> int:
    return sum(_progress_parts(db)[:3])


WRITE = -1     # a kill-plan target: the moment the run first writes to the database


def _wal_stamp(db: str) -> tuple[int, int] | None:
    try:
        st = os.stat(db + "-wal")
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _phase(parts: tuple[int, ...], n: int) -> str:
    stored, analysed, clustered, _ = parts
    return "storing" if stored < n else "analysing" if analysed < n else "clustering" if clustered < n else "done"


def crash_loop(args: list[str], db: str, plan: list[tuple[int, float]], n: int) -> dict:
    """Run `args` once per (progress target, delay) in `plan`, killing it with SIGKILL `delay` seconds after
    the database shows `target` committed units of work; then run it once more to the end."""
    stats = {"kills": 0, "kills_with_work_pending": 0, "finished_before_kill": 0, "runs": 0, "phases": {}}
    for target, delay in plan:
        if stats["kills"] == KILLS:
            break
        proc = subprocess.Popen(_cli(*args), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stats["runs"] += 1
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            if target == WRITE:     # wait for the run's first write to the SQLite log (mid-transaction)
                wal = _wal_stamp(db)
                while proc.poll() is None and _wal_stamp(db) == wal and time.monotonic() < deadline:
                    time.sleep(0.002)
            while proc.poll() is None and _progress(db) < target and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(delay)
            before = _progress_parts(db)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            stats["kills"] += 1
            stats["kills_with_work_pending"] += sum(before[:3]) < 3 * n
            phase = _phase(before, n)
            stats["phases"][phase] = stats["phases"].get(phase, 0) + 1
        else:
            assert proc.returncode == 0, proc.stderr.read().decode(errors="replace")[-2000:]
            stats["finished_before_kill"] += 1
    done = subprocess.run(_cli(*args), env=_env(), capture_output=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    stats["runs"] += 1
    return stats


def db_state(db: str) -> dict:
    """What the database holds, after its integrity check (SQLite) or its row counts (PostgreSQL)."""
    def one(sql: str):
        return _query(db, sql, readonly=False)[0][0]

    if not db.startswith("postgresql://"):
        assert one("PRAGMA integrity_check") == "ok"
        assert _query(db, "PRAGMA foreign_key_check") == []
        fts = one("SELECT COUNT(*) FROM articles_fts")
    else:
        fts = one("SELECT COUNT(*) FROM articles WHERE tsv IS NOT NULL")
    rows = _query(db, "SELECT pk, outlet, ext_id, text_hash, revision, story_id FROM articles")
    twice = _query(db, "SELECT ident, COUNT(*) FROM articles GROUP BY ident HAVING COUNT(*) > 1")
    analysed, features = one("SELECT COUNT(*) FROM analyses"), one("SELECT COUNT(*) FROM story_features")
    revisions = one("SELECT COUNT(*) FROM article_revisions")
    reprints = one("SELECT COUNT(*) FROM articles WHERE reprint_of IS NOT NULL")
    empty_stories = one("SELECT COUNT(*) FROM stories WHERE id NOT IN "
                        "(SELECT story_id FROM articles WHERE story_id IS NOT NULL)")
    stories: dict[str, set] = {}
    for _, outlet, ext_id, _, _, story in rows:
        stories.setdefault(story, set()).add((outlet, ext_id))
    return {"articles": {(o, e, h, r) for _, o, e, h, r, _ in rows}, "twice": twice, "fts": fts,
            "analysed": analysed, "features": features, "revisions": revisions, "reprints": reprints,
            "unclustered": len(stories.get(None, ())), "empty_stories": empty_stories,
            "partition": {frozenset(v) for k, v in stories.items() if k is not None}}


def assert_same_outcome(got: dict, clean: dict, identities: set) -> None:
    assert got["twice"] == [], "an article stored twice"
    assert {(o, e) for o, e, _, _ in got["articles"]} == identities, "articles lost or invented"
    assert got["articles"] == clean["articles"]           # same texts, same revision numbers
    assert got["fts"] == len(got["articles"])
    assert got["analysed"] == got["features"] == len(got["articles"]), "an article not analysed"
    assert got["unclustered"] == 0 and got["empty_stories"] == clean["empty_stories"]
    assert (got["revisions"], got["reprints"]) == (clean["revisions"], clean["reprints"])
    assert got["partition"] == clean["partition"], "stories differ from an uninterrupted run"


def kill_plan(rng: random.Random, total: int, kills: int = KILLS) -> list[tuple[int, float]]:
    """Progress targets spread over the whole run (the last few at 'everything analysed', so that the kill
    lands in clustering), each with a random delay of up to 20 ms, 100 ms or 500 ms."""
    targets = sorted(rng.randrange(0, total) for _ in range(kills - 3)) + [total] * 3
    return [(t, rng.choice([0.02, 0.1, 0.5]) * rng.random()) for t in targets]


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """A database to kill: an SQLite file, or a fresh schema in PARALLAX_TEST_PG."""
    if request.param == "sqlite":
        yield str(tmp_path / "killed.sqlite")
        return
    url = os.environ.get("PARALLAX_TEST_PG")
    if not url:
        pytest.skip("PARALLAX_TEST_PG not set")
    psycopg = pytest.importorskip("psycopg")
    schema = "crash_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The generated corpus, or PARALLAX_CRASH_CORPUS (any ingest SOURCE, e.g. a slice of Telegram dumps), and
    its uninterrupted run."""
    folder = tmp_path_factory.mktemp("crash")
    external = os.environ.get("PARALLAX_CRASH_CORPUS")
    if external:
        source, records, identities = Path(external), None, None
    else:
        records, identities = make_corpus(int(os.environ.get("PARALLAX_CRASH_POSTS", "300")))
        source = folder / "corpus.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    clean = str(folder / "clean.sqlite")
    run = subprocess.run(_cli("ingest", str(source), "--db", clean, "-q", "--json"), env=_env(),
                         capture_output=True, timeout=RUN_TIMEOUT * 5)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    summary = json.loads(run.stdout)["summary"]
    assert summary["read"] == summary["ingested"] + summary["duplicates"] + summary["revisions"] + summary["rejected"]
    if records is not None:
        assert summary["read"] == len(records)
        assert summary["revisions"] and summary["duplicates"] and summary["reprints"]
    else:
        identities = {(o, e) for o, e, _, _ in db_state(clean)["articles"]}
    return folder, source, clean, identities


def test_ingest_survives_20_kills(corpus, target):
    folder, source, clean_db, identities = corpus
    clean = db_state(clean_db)
    assert {(o, e) for o, e, _, _ in clean["articles"]} == identities
    assert len(clean["partition"]) >= (1 if os.environ.get("PARALLAX_CRASH_CORPUS") else len(EVENTS))
    n = len(identities)
    stats = crash_loop(["ingest", str(source), "--db", target, "-q", "--batch-size", "25"], target,
                       kill_plan(random.Random(SEED), 2 * n), n)
    print(f"ingest crash loop ({target.split(':')[0] if '://' in target else 'sqlite'}, seed {SEED}, {n} articles): {stats}")
    assert stats["kills"] >= KILLS - 3 and stats["kills_with_work_pending"] >= KILLS // 2, stats
    assert_same_outcome(db_state(target), clean, identities)


def test_recluster_survives_20_kills(corpus):
    folder, _, clean_db, identities = corpus
    period = ["--since", "2024-12-02", "--until", "2024-12-03"]
    reference, killed = str(folder / "recluster-clean.sqlite"), str(folder / "recluster-killed.sqlite")
    for copy in (reference, killed):
        Path(copy).write_bytes(Path(clean_db).read_bytes())
    args = ["stories", "--recluster", *period, "--json"]
    started = time.monotonic()
    once = subprocess.run(_cli(*args, "--db", reference), env=_env(), capture_output=True, timeout=RUN_TIMEOUT)
    assert once.returncode == 0, once.stderr.decode(errors="replace")[-2000:]
    took = time.monotonic() - started
    clean = db_state(reference)
    # re-clustering an already re-clustered period changes nothing: a restart after a committed run is a no-op
    again = subprocess.run(_cli(*args, "--db", reference), env=_env(), capture_output=True, timeout=RUN_TIMEOUT)
    assert again.returncode == 0 and db_state(reference)["partition"] == clean["partition"]

    started = time.monotonic()
    listing = subprocess.run(_cli("stories", *period, "--json", "--db", reference), env=_env(), capture_output=True,
                             timeout=RUN_TIMEOUT)
    startup = time.monotonic() - started      # the same run without the re-clustering
    assert listing.returncode == 0
    rng = random.Random(SEED + 1)
    # mostly inside the re-clustering itself (between start-up and exit), some in start-up or after the commit
    # (a run that finishes before its kill does not count: up to twice KILLS runs until KILLS kills land)
    # Half the kills at a random time in the run, half within 50 ms of its first write to the database.
    plan = [(0, rng.uniform(max(0.0, startup - 0.3), took)) if i % 2 else (WRITE, rng.uniform(0.0, 0.05))
            for i in range(2 * KILLS)]
    n = len(identities)
    stats = crash_loop([*args, "--db", killed], killed, plan, n)
    committed = _progress_parts(killed)[3] - _progress_parts(clean_db)[3]
    stats["recluster_commits"] = committed
    print(f"recluster crash loop (seed {SEED}, one run {took:.1f} s, of which start-up {startup:.1f} s): {stats}")
    assert stats["kills"] == KILLS, stats
    assert committed < stats["runs"], "every kill came after the commit: none interrupted a re-clustering"
    assert_same_outcome(db_state(killed), clean, identities)


def test_story_features_do_not_depend_on_analysis_batches(tmp_path):
    import numpy as np

    from parallax.compare.embed import SentenceEncoder
    from parallax.ingest.sources import iter_source
    from parallax.pipeline import analyze_pending
    from parallax.store import Store

    records, _ = make_corpus(60, seed=SEED)
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    vectors = []
    for batch in (64, 5):            # an uninterrupted run, and one whose batches restart elsewhere
        with Store(str(tmp_path / f"b{batch}.sqlite")) as store:
            store.add_articles([a for a in iter_source(source) if not isinstance(a, Exception)])
            analyze_pending(store, encoder=SentenceEncoder(cache_size=0), batch_size=batch)
            rows = store.db.query("SELECT a.ext_id, f.embedding FROM story_features f "
                                  "JOIN articles a ON a.pk = f.article_pk ORDER BY a.ext_id")
        vectors.append({e: np.frombuffer(bytes(v), dtype=np.float32) for e, v in rows})
    assert vectors[0].keys() == vectors[1].keys()
    differing = [e for e in vectors[0] if not np.array_equal(vectors[0][e], vectors[1][e])]
    worst = max((float(np.abs(vectors[0][e] - vectors[1][e]).max()) for e in differing), default=0.0)
    assert differing == [], f"{len(differing)} of {len(vectors[0])} articles got other story features (max {worst:.1e})"
