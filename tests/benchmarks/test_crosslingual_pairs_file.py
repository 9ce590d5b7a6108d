"""benchmarks/data/crosslingual_pairs.tsv (the cross-lingual same-event pairs, issue 14) and the rules of its
sampler, benchmarks/crosslingual_pairs_sample.py: the file's format, the blind part `test2` kept apart from
the pages of the older parts, and the page filter used for `test2`."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[2]
PAIRS = REPO / "benchmarks" / "data" / "crosslingual_pairs.tsv"
DATA = REPO / ".." / "shared" / "data" / "tgcontest-2019-html"
HEADER = ["pair_id", "part", "languages", "stratum", "window", "left", "right", "label", "confidence",
          "annotator", "note"]


@pytest.fixture(scope="module")
def sampler():
    return load_benchmark("crosslingual_pairs_sample")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with open(PAIRS, encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.reader(lines, delimiter="\t")
    header = next(reader)
    assert header == HEADER
    table = list(reader)
    assert all(len(r) == len(HEADER) for r in table), "every row has the 11 columns"
    return [dict(zip(HEADER, r)) for r in table]


def test_rows_are_well_formed(rows):
    ids = [r["pair_id"] for r in rows]
    assert ids == [f"xl{n:04d}" for n in range(1, len(rows) + 1)], "ids are consecutive, in file order"
    for r in rows:
        assert r["part"] in ("test", "tune", "test2")
        assert r["languages"] in ("ru-uk", "ru-en", "uk-en")
        assert r["stratum"] in ("close", "topic", "random")
        for side in ("left", "right"):
            assert r[side].startswith(f"pages/{r['window']}/") and r[side].endswith(".html"), r
        assert r["left"] != r["right"]
        assert r["label"] in ("0", "1", "skip"), r["pair_id"]
        assert r["confidence"] == ("" if r["label"] == "skip" else r["confidence"])
        if r["label"] != "skip":
            assert r["confidence"] in ("high", "low"), r["pair_id"]
        assert r["annotator"] and r["note"], r["pair_id"]
        assert len(r["note"].split()) <= 16, f"{r['pair_id']}: a note, not page text"


def test_pairs_are_unique(rows):
    pairs = Counter(frozenset((r["left"], r["right"])) for r in rows)
    assert max(pairs.values()) == 1


def test_test2_is_blind_to_the_older_parts(rows):
    """test2 comes after the older rows, shares no page with them, and has >= 50 pairs per language pair."""
    parts = [r["part"] for r in rows]
    first = parts.index("test2")
    assert set(parts[first:]) == {"test2"} and "test2" not in parts[:first]
    older = {r[side] for r in rows if r["part"] != "test2" for side in ("left", "right")}
    test2 = [r for r in rows if r["part"] == "test2"]
    assert not older & {r[side] for r in test2 for side in ("left", "right")}
    assert all(n >= 50 for n in Counter(r["languages"] for r in test2).values())
    per_page = Counter(r[side] for r in test2 for side in ("left", "right"))
    assert max(per_page.values()) <= 3, "a page is used in at most 3 pairs"


def test_pages_exist_in_shared_data(rows):
    if not DATA.is_dir():
        pytest.skip("../shared/data/tgcontest-2019-html is absent")
    missing = [r[side] for r in rows for side in ("left", "right") if not (DATA / r[side]).is_file()]
    assert not missing


def _page(sampler, title: str, body: str):
    return sampler.Page(path="pages/20191101/12/1.html", window="20191101/12", site="x", domain="x.ua",
                        title=title, published="", body=body)


def test_labellable_drops_pages_the_guideline_skips(sampler):
    uk_body = "Президент України підписав закон про бюджет на наступний рік, повідомляє пресслужба. " * 5
    ru_body = "Президент России подписал закон о бюджете на следующий год, сообщает пресс-служба. " * 5
    assert sampler.labellable(_page(sampler, "Зеленський підписав закон", uk_body), "uk")
    # a Russian title over a Ukrainian body (the Полтава Today pages of the first draw)
    assert not sampler.labellable(_page(sampler, "Названы самые дорогие улицы мира", uk_body), "uk")
    assert sampler.labellable(_page(sampler, "Путин подписал закон", ru_body), "ru")
    assert not sampler.labellable(_page(sampler, "Путін підписав закон", ru_body), "ru")
    bulgarian = "Финансовият министър направи подарък за новите кметове, съобщи пресслужбата. " * 5
    assert not sampler.labellable(_page(sampler, "Горанов с подарък за новите кметове", bulgarian), "ru")
    kazakh = "Қазақстан үкіметі жаңа заң қабылдады, деп хабарлады баспасөз қызметі. " * 5
    assert not sampler.labellable(_page(sampler, "Жаңа заң", kazakh), "ru")
    english = "The president signed the budget law for next year, his press office said. " * 5
    assert sampler.labellable(_page(sampler, "President signs budget law", english), "en")
    assert not sampler.labellable(_page(sampler, "Президент подписал закон", english), "en")


def test_existing_pages_names_a_bad_file(sampler, tmp_path):
    bad = tmp_path / "pairs.tsv"
    bad.write_text("id\tleft\tright\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="pairs.tsv: not a cross-lingual pairs file"):
        sampler.existing_pages(bad)
    good = tmp_path / "good.tsv"
    good.write_text("# comment\n" + "\t".join(HEADER) + "\nxl0007\ttest\tru-uk\tclose\tw\tpages/a.html\t"
                    "pages/b.html\t1\thigh\tc1\tnote\n", encoding="utf-8")
    assert sampler.existing_pages(good) == {"pages/a.html", "pages/b.html"}
    assert sampler.last_pair_number(good) == 7


@pytest.mark.parametrize("argv", [["--part", "test2"], ["--part", "test2", "--seed", "5"],
                                  ["--exclude-existing"], ["--top-up-close"]])
def test_a_new_part_needs_a_new_seed_and_the_exclusion(sampler, argv):
    with pytest.raises(SystemExit) as stop:
        sampler.main(argv)
    assert stop.value.code == 2
