"""The hand-labelled attribution sets: complete, consistent labels, offsets that fit the posts."""
import csv
from pathlib import Path

import pytest
from profile_docs import DATA

from parallax.outlets.sourcing import KINDS

ROOT = Path(__file__).resolve().parents[2]
SETS = [ROOT / "benchmarks" / "data" / "attributions_labelled.tsv",
        ROOT / "benchmarks" / "data" / "attributions_labelled_test.tsv"]


def read(path):
    with path.open(encoding="utf-8") as fh:
        header = [line for line in fh if line.startswith("#")]
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))
    return header, rows


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_row_is_labelled_with_a_known_kind(path):
    header, rows = read(path)
    assert any("guideline" in line.lower() for line in header)
    assert len(rows) >= 50
    for r in rows:
        assert r["gold_is_attribution"] in ("0", "1"), r["row"]
        if r["gold_is_attribution"] == "1":
            assert r["gold_kind"] in KINDS and r["gold_source_ok"] in ("0", "1"), r["row"]
        else:
            assert r["gold_kind"] == "-" and r["gold_source_ok"] == "-", r["row"]
        a0, a1 = int(r["attr_start"]), int(r["attr_end"])
        assert 0 <= a0 < a1 and a1 - a0 == len(r["phrase"])


def test_sets_share_no_post():
    posts = [{r["post_id"] for r in read(p)[1]} for p in SETS]
    assert not posts[0] & posts[1]
    assert sum(len(read(p)[1]) for p in SETS) >= 100


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_offsets_point_at_the_phrase_in_the_post(path):
    raw = DATA / "telegram-ru-news-channels" / "data" / "raw"
    if not raw.exists():
        pytest.skip("shared data not available")
    from parallax.ingest.sources import iter_source
    _, rows = read(path)
    wanted = {r["post_id"] for r in rows}
    texts = {}
    for channel in {p.split("/")[0] for p in wanted}:
        f = raw / f"{channel}_messages.json"
        for a in iter_source(f):
            if getattr(a, "id", None) in wanted:
                texts[a.id] = a.text
    for r in rows:
        text = texts[r["post_id"]]
        assert text[int(r["attr_start"]):int(r["attr_end"])].replace("\n", " ") == r["phrase"]
