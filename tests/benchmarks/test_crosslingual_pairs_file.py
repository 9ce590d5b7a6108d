"""benchmarks/data/crosslingual_pairs.tsv (the cross-lingual same-event pairs, issue 14) and the rules of its
sampler, benchmarks/crosslingual_pairs_sample.py: the file's format, the blind part `test2` kept apart from
the pages of the older parts, and the page filter used for `test2`; the blind part `test3` and its keyword
search, benchmarks/crosslingual_pairs_keywords.py."""
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
def keywords():
    return load_benchmark("crosslingual_pairs_keywords")


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
        assert r["part"] in ("test", "tune", "test2", "test3")
        assert r["languages"] in ("ru-uk", "ru-en", "uk-en")
        assert r["stratum"] in ("close", "topic", "random", "keyword", "keyword-reused")
        if r["stratum"].startswith("keyword"):
            assert r["part"] == "test3", r["pair_id"]
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
    runs = [p for k, p in enumerate(parts) if k == 0 or p != parts[k - 1]]
    assert runs[-2:] == ["test2", "test3"] and runs.count("test2") == runs.count("test3") == 1
    older = {r[side] for r in rows if r["part"] not in ("test2", "test3") for side in ("left", "right")}
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


def test_test3_is_blind_to_the_older_parts(rows):
    """test3 (keyword search, no model score): >= 50 pairs per language pair; its `keyword` and `random` rows
    share no page with test, tune or test2; a `keyword-reused` row pairs a Ukrainian page of an older part
    with an English page that is in no older row."""
    older = {r[side] for r in rows if r["part"] != "test3" for side in ("left", "right")}
    test3 = [r for r in rows if r["part"] == "test3"]
    assert all(n >= 50 for n in Counter(r["languages"] for r in test3).values())
    assert set(Counter(r["languages"] for r in test3)) == {"ru-uk", "ru-en", "uk-en"}
    for r in test3:
        if r["stratum"] == "keyword-reused":
            assert r["languages"] == "uk-en" and r["left"] in older and r["right"] not in older, r["pair_id"]
        else:
            assert r["stratum"] in ("keyword", "random") and not {r["left"], r["right"]} & older, r["pair_id"]
    random_uses = Counter(r[side] for r in test3 if r["stratum"] == "random" for side in ("left", "right"))
    assert max(random_uses.values()) <= 3, "a page is in at most 3 random pairs"


def test_keyword_matches_at_a_word_start(keywords):
    kuleba = keywords.keyword_pattern("Кулеб")
    assert kuleba.search(keywords.fold("Про це заявив Дмитро Кулеба"))
    assert not kuleba.search(keywords.fold("акулеба"))
    assert keywords.keyword_pattern("Тёмкин").search(keywords.fold("ТЕМКИНА"))
    assert not keywords.keyword_pattern("NATO").search(keywords.fold("a senatorial race"))
    assert keywords.keyword_pattern("wind farm").search(keywords.fold("The Wind Farm opens"))
    with pytest.raises(ValueError):
        keywords.keyword_pattern("  ")


def _kw_page(keywords, path, site, title, body="", window="20191101/12", published=""):
    return keywords.Page(path=f"pages/{window}/{path}.html", window=window, site=site, domain=f"{site}.com",
                         title=title, published=published, body=body)


def test_candidates_rank_by_keywords_then_title_then_time(keywords):
    page = _kw_page(keywords, "0", "uk", "Кулеба про НАТО", published="2019-11-01T12:27:00")
    targets = [
        _kw_page(keywords, "1", "a", "Weather", "Kuleba said nothing on NATO", published="2019-11-01T12:50:00"),
        _kw_page(keywords, "2", "b", "Kuleba asks NATO", published="2019-11-01T12:55:00"),
        _kw_page(keywords, "3", "c", "NATO summit", published="2019-11-01T12:30:00"),
        _kw_page(keywords, "4", "d", "NATO budget", published="2019-11-01T12:20:00"),
        _kw_page(keywords, "5", "uk", "Kuleba asks NATO"),                                  # the same outlet
        _kw_page(keywords, "6", "e", "Kuleba asks NATO", window="20191108/18"),            # another window
        _kw_page(keywords, "7", "f", "Football"),                                          # no keyword
    ]
    ranked = keywords.rank_candidates(page, ["Kuleba", "NATO"], targets)
    assert [p.path.split("/")[-1] for p, _ in ranked] == ["2.html", "1.html", "3.html", "4.html"]
    assert [n for _, n in ranked] == [2, 2, 1, 1]


def test_keyword_file_errors_name_the_file(keywords, tmp_path):
    bad = tmp_path / "kw.tsv"
    bad.write_text("page\ten\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="kw.tsv: not a keyword file"):
        keywords.read_keywords(bad)
    twice = tmp_path / "twice.tsv"
    twice.write_text("path\ten\tru\npages/a.html\tKyiv\tКиев\npages/a.html\tLviv\t\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="twice.tsv: row 3: pages/a.html is keyed twice"):
        keywords.read_keywords(twice)
    good = tmp_path / "good.tsv"
    good.write_text("# chosen by reading\npath\ten\tru\npages/a.html\tKyiv; Zelensky\t\n", encoding="utf-8")
    assert keywords.read_keywords(good) == {"pages/a.html": {"en": ["Kyiv", "Zelensky"], "ru": []}}


def test_round_one_is_drawn_once(keywords):
    with pytest.raises(SystemExit, match="round 1 is drawn once"):
        keywords.draw_round([], set(), {frozenset(("pages/a.html", "pages/b.html"))}, {}, 1, None)
    with pytest.raises(SystemExit, match="round 2 comes after it"):
        keywords.draw_round([], set(), set(), {}, 2, None)


def test_keywords_cli_needs_one_mode(keywords):
    with pytest.raises(SystemExit) as stop:
        keywords.main([])
    assert stop.value.code == 2
