"""benchmarks/data/claim_facts.tsv (sentence-level fact labels of multi-outlet Telegram stories, issue 11) and
its dump/check script, benchmarks/claim_facts_extract.py: the file's format, the file and the script listing
the same stories and posts, the blind part `test3` appended after the older parts and sharing no post with
them, and the checker itself. The check against the corpus runs only where the corpus database exists."""
from __future__ import annotations

import inspect
import os
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "benchmarks" / "data" / "claim_facts.tsv"
PARTS = ("test", "tune", "test2", "test3", "test4", "test5", "test6", "test7")
FACT_ID = re.compile(r"f\d+")


@pytest.fixture(scope="module")
def extract():
    return load_benchmark("claim_facts_extract")


@pytest.fixture(scope="module")
def rows(extract) -> list[dict]:
    # read as plain tab-split lines, as the checker does: check strings may begin with a quote character
    with open(LABELS, encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f]
    assert lines[0] == extract.LABEL_COLUMNS
    assert all(len(r) == len(extract.LABEL_COLUMNS) for r in lines[1:]), "every row has the 11 columns"
    return [dict(zip(extract.LABEL_COLUMNS, r)) for r in lines[1:]]


def test_rows_are_well_formed(rows, extract):
    keys = [(r["story"], r["channel"], r["message_id"], r["start"], r["end"]) for r in rows]
    assert len(keys) == len(set(keys)), "a unit is labelled once"
    part_of: dict[str, set] = defaultdict(set)
    for r in rows:
        part_of[r["story"]].add(r["part"])
        assert r["part"] in PARTS
        assert r["fact"] == "-" or FACT_ID.fullmatch(r["fact"]), r
        assert r["also"] == "-" or all(FACT_ID.fullmatch(a) for a in r["also"].split(",")), r
        assert r["furniture"] in ("0", "1"), r
        assert r["furniture"] == "0" or r["fact"] == "-", "a furniture line states no fact"
        assert len(r["check"]) <= extract.CHECK_CHARS and "\t" not in r["check"]
        assert 0 <= int(r["start"]) < int(r["end"])
    assert all(len(parts) == 1 for parts in part_of.values()), "a story belongs to one part"


def test_the_file_and_the_script_list_the_same_stories_and_posts(rows, extract):
    in_file: dict[str, set] = defaultdict(set)
    for r in rows:
        in_file[r["story"]].add((r["channel"], int(r["message_id"])))
    in_script = {slug: {(ch, mid) for ch, mids in posts.items() for mid in mids}
                 for slug, _part, posts in extract.STORIES}
    assert in_file == in_script
    assert {r["story"]: r["part"] for r in rows} == {slug: part for slug, part, _ in extract.STORIES}


def test_test3_is_a_blind_part_appended_after_the_older_ones(rows, extract):
    parts = [r["part"] for r in rows]
    first = parts.index("test3")
    # test4 (session 10), test5 and test6 (session 11) and test7 (session 12) are appended after test3:
    # tests/benchmarks/test_claim_facts_test4.py, test_claim_facts_test5.py, test_claim_facts_test6.py, _test7.py
    assert set(parts[first:]) <= {"test3", "test4", "test5", "test6", "test7"}, "the test3 rows follow the older parts (appended)"
    older = {(r["channel"], r["message_id"]) for r in rows[:first]}
    test3 = [r for r in rows if r["part"] == "test3"]
    assert not older & {(r["channel"], r["message_id"]) for r in test3}, "no test3 post is in an older part"
    stories: dict[str, list[dict]] = defaultdict(list)
    for r in test3:
        stories[r["story"]].append(r)
    assert len(stories) == 5
    for slug, story_rows in stories.items():
        posts = {(r["channel"], r["message_id"]) for r in story_rows}
        assert len({r["channel"] for r in story_rows}) >= 3, f"{slug}: at least 3 outlets"
        assert 8 <= len(posts) <= 50, f"{slug}: 8 to 50 posts"
        facts = defaultdict(set)
        for r in story_rows:
            for fact in [r["fact"]] + (r["also"].split(",") if r["also"] != "-" else []):
                if fact != "-":
                    facts[fact].add(r["channel"])
        assert any(len(channels) > 1 for channels in facts.values()), f"{slug}: has cross-outlet facts"


def _unit(story, part, start, end, text):
    return {"story": story, "part": part, "channel": "1", "message_id": 7, "start": start, "end": end,
            "check": text[:24]}


def test_the_checker_finds_wrong_rows(tmp_path, extract, capsys):
    units = [_unit("s", "test3", 0, 30, "Пожар в колонии ликвидирован"), _unit("s", "test3", 31, 42, "Подписаться")]
    header = "\t".join(extract.LABEL_COLUMNS)
    good = tmp_path / "good.tsv"
    good.write_text(f"{header}\ns\ttest3\t1\t7\t0\t30\tПожар в колонии ликвидир\tf1\t-\t0\t\n"
                    f"s\ttest3\t1\t7\t31\t42\tПодписаться\t-\t-\t1\t\n", encoding="utf-8")
    assert extract.check_labels(good, units) == 0
    bad = tmp_path / "bad.tsv"
    bad.write_text(f"{header}\ns\ttest3\t1\t7\t0\t30\tПожар в колонии\tf1\t-\t0\t\n"
                   f"s\ttest\t1\t7\t31\t42\tПодписаться\tf2\t-\t1\t\n", encoding="utf-8")
    assert extract.check_labels(bad, units) == 1
    err = capsys.readouterr().err
    assert "check" in err and "part test != test3" in err and "furniture with a fact" in err


def test_the_labels_match_the_corpus(extract):
    db = Path(os.environ.get("PARALLAX_CLAIM_FACTS_DB", str(extract.DEFAULT_DB)))
    if not db.exists():
        pytest.skip(f"no corpus database at {db} (benchmarks/claim_facts_extract.py --build builds it)")
    assert extract.check_labels(LABELS, extract.load_units(db)) == 0


@pytest.mark.parametrize("part", ["test4", "test5", "test6", "test7"])
def test_every_unit_of_a_blind_part_is_a_stored_sentence_of_a_stored_post(part, labels, scorer, extract):
    db = Path(os.environ.get("PARALLAX_CLAIM_FACTS_DB", str(extract.DEFAULT_DB)))
    if not db.exists():
        pytest.skip(f"no corpus database at {db} (benchmarks/claim_facts_extract.py --build builds it)")
    stored = {(u["story"], f"{u['channel']}/{u['message_id']}", u["start"], u["end"]): u
              for u in extract.load_units(db) if u["part"] == part}
    labelled = {(slug, ext_id, start, end) for slug, story in labels.items() if story["part"] == part
                for ext_id, rows in story["units"].items() for start, end, _, _ in rows}
    assert labelled == set(stored)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for slug, story in labels.items():
            if story["part"] != part:
                continue
            for ext_id, rows in story["units"].items():
                (text,) = con.execute("SELECT text FROM articles WHERE ext_id = ?", (ext_id,)).fetchone()
                for unit in rows:
                    assert unit[1] <= len(text)
                    # the scorer maps a claim to the unit holding its start: each unit maps back to itself
                    assert scorer.unit_of(rows, unit[0]) == unit, (slug, ext_id, unit[:2])
    finally:
        con.close()


# each blind part: the scorer's parts tuple names it after the part before it (it is summarized)
SCORED_AFTER = {"test4": '"test3", "test4",', "test5": '"test4", "test5",', "test6": '"test5", "test6",',
                "test7": '"test6", "test7")'}


@pytest.mark.parametrize("part", sorted(SCORED_AFTER))
def test_the_scorer_takes_a_blind_part_and_the_gate_still_reads_tune_and_test_only(part, scorer, tmp_path, capsys):
    # a missing corpus stops main() before any comparison is run: the choice is accepted, nothing is scored
    assert scorer.main(["--part", part, "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no corpus" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        scorer.main(["--part", "test8", "--db", str(tmp_path / "none.sqlite")])
    assert SCORED_AFTER[part] in inspect.getsource(scorer.measure), f"measure() summarizes the {part} part"
    gate = (REPO / "benchmarks" / "eval_gate.py").read_text(encoding="utf-8")
    assert 'claim_groups.measure(db, parts=("tune", "test"))' in gate
