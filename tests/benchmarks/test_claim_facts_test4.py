"""The blind part `test4` of benchmarks/data/claim_facts.tsv (session 10, issue 11): five stories appended after
the older parts, read through the scorer's own loader (benchmarks/claim_groups.py `read_labels`), so that the one
`claim_groups.py --part test4` run the lead makes at the end scores exactly these rows. Nothing here runs a
comparison (that would be tuning exposure): the counts per part, the part being blind (no post of an older part),
the scorer accepting `--part test4` while the CI gate keeps reading tune and test only, and, where the corpus
database exists, every test4 unit being a stored sentence of a stored post."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "benchmarks" / "data" / "claim_facts.tsv"
# (stories, posts, units) per part, as the scorer reads them; a changed older part is a changed benchmark
PART_COUNTS = {"test": (5, 135, 430), "tune": (10, 88, 387), "test2": (5, 127, 632), "test3": (5, 82, 320),
               "test4": (5, 108, 358), "test5": (5, 76, 331), "test6": (5, 51, 248),
               "test7": (5, 64, 272)}
TEST4_STORIES = {"rouble_fall_peak", "altai_rubikon_deaths", "men_travel_detention", "russia_services_outage",
                 "belousov_dprk_visit"}


def test_the_scorer_reads_every_part_with_its_counts(labels):
    counts = defaultdict(lambda: [0, 0, 0])
    for story in labels.values():
        counts[story["part"]][0] += 1
        counts[story["part"]][1] += len(story["units"])
        counts[story["part"]][2] += sum(len(rows) for rows in story["units"].values())
    assert {part: tuple(c) for part, c in counts.items()} == PART_COUNTS


def test_test4_is_five_multi_outlet_stories_with_facts_shared_across_outlets(labels, fact_channels):
    test4 = {slug: story for slug, story in labels.items() if story["part"] == "test4"}
    assert set(test4) == TEST4_STORIES
    facts = cross = furniture = 0
    for slug, story in test4.items():
        channels = {ext_id.split("/")[0] for ext_id in story["units"]}
        assert len(channels) >= 3, f"{slug}: at least 3 outlets"
        shared = fact_channels(story["units"])
        assert sum(len(c) > 1 for c in shared.values()) >= 5, f"{slug}: facts reported by two or more outlets"
        facts += len(shared)
        cross += sum(len(c) > 1 for c in shared.values())
        furniture += sum(f for rows in story["units"].values() for *_, f in rows)
    # the counts the guideline's "Session 10 test4 part" section gives
    assert (facts, cross, furniture) == (98, 49, 86)
    # `also` is read as a list: a unit of the rouble story carries the dollar, its growth and the euro
    rows = labels["rouble_fall_peak"]["units"]["1001394050290/194833"]
    assert rows[0][2] == frozenset({"f1", "f5", "f2"})


def test_test4_is_blind_and_appended_last(extract):
    with open(LABELS, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    parts = [r[1] for r in rows]
    first = parts.index("test4")
    # test5 and test6 (session 11) and test7 (session 12) are appended after test4: tests/benchmarks/
    # test_claim_facts_test5.py, _test6.py, _test7.py
    assert set(parts[first:]) <= {"test4", "test5", "test6", "test7"}, "the test4 rows follow the older parts (appended)"
    older = {(r[2], r[3]) for r in rows[:first]}
    assert not older & {(r[2], r[3]) for r in rows[first:]}, "no test4 post is in an older part"
    in_script = [slug for slug, part, _ in extract.STORIES if part == "test4"]
    assert in_script == [slug for slug, _, _ in extract.STORIES[25:30]] and set(in_script) == TEST4_STORIES
