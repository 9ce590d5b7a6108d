"""Draw the blind part `test3` of benchmarks/data/crosslingual_pairs.tsv by keyword search, with no model score
(issue 14). The cosine-band sampler (crosslingual_pairs_sample.py) found no same-event uk-en pair for `test2`:
the top band was used up. Here a person reads each page's title and lead and writes 1-3 content keywords (names,
places, organisations) in the other languages' spellings; this script finds the pages of the other languages in
the same window that name them, and adds random pairs for calibration.

    python benchmarks/crosslingual_pairs_keywords.py --list uk           # round 1: the fresh Ukrainian pages to key
    python benchmarks/crosslingual_pairs_keywords.py --list en           # round 1: the sample of English pages to key
    python benchmarks/crosslingual_pairs_keywords.py --keywords FILE     # round 1: append keyword + random rows
    python benchmarks/crosslingual_pairs_keywords.py --list uk-reused    # round 2: Ukrainian pages of older parts
    python benchmarks/crosslingual_pairs_keywords.py --list ru           # round 2: the sample of Russian pages
    python benchmarks/crosslingual_pairs_keywords.py --keywords FILE --round 2   # round 2: append keyword rows
    python benchmarks/crosslingual_pairs_keywords.py --keywords FILE --round 3   # round 3: the same, next candidates

Pages (the sampler's reader, language and `labellable` filter). Fresh: in no row of an older part (test, tune,
test2), either side. `--list uk` gives all fresh Ukrainian pages; `--list en` a seeded sample of ENGLISH_SAMPLE
fresh English pages (an equal share per window), for ru-en.

The keyword file (kept outside the repository: keywords are read off page text) is a TSV with the columns
`path`, `en`, `ru`: a listed page and its keywords for English and Russian pages, separated by `;` (empty: no
search in that language). A keyword matches at the start of a word, case-insensitive, ё = е, in the title or
the first paragraph of a page, so a stem (`Кулеб`) matches every case form.

Round 1 (stratum `keyword`): for each keyed page and each target language, the fresh pages of the same window,
of another outlet, in the target language, with at least one keyword, ranked by the number of distinct keywords
matched, then the number matched in the title, then the distance in publication time (unknown time last),
then path; the best MAX_PER_LANGUAGE are taken. Then `random` pairs: per language pair RANDOM_PER_LANGUAGE_PAIR,
or more to bring the language pair to MIN_PER_LANGUAGE_PAIR (there are few fresh Ukrainian pages, so uk pairs
find few keyword candidates); over all three windows, seeded, a page in at most 3 random pairs, no pair twice.

Round 2 (drawn, before it was labelled, because round 1 found no same-event pair at all: the 27 fresh Ukrainian
pages are regional or lifestyle news that no English or Russian page of the window reports, and English news
is rarely in Russian outlets). Same rule with MAX_PER_LANGUAGE_ROUND2 candidates, English targets only, the
target always fresh, and two kinds of keyed pages: `--list ru`, a seeded sample of RUSSIAN_SAMPLE fresh Russian
pages (stratum `keyword`), and `--list uk-reused`, every Ukrainian page that is already in an older part
(stratum `keyword-reused`: that page was seen in tuning, the pair and the English page were not). No pair twice.

Round 3 (drawn, before it was labelled, because round 2 gave 3 same-event pairs in 110: the best keyword match
is often another story with the same name in it): the same keyed pages and rule, the candidates ranked 2nd and
3rd (MAX_PER_LANGUAGE_ROUND3 less the pairs drawn already).

Rows are appended with empty labels (labelled afterwards by reading); the order is a seeded shuffle, so a pair
id says nothing of its stratum. Labeller batches (outlet, time, title, lead; never the stratum) go to --batches.
Each round is drawn once: to redraw one, run it on a copy of the TSV cut before that round's rows (round 1 is
xl0485-xl0649, round 2 xl0650-xl0759, round 3 xl0760-xl0896); rerun on the full file, round 2 or 3 would draw
the next candidates.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from crosslingual_pairs_sample import DATA, OUT_TSV, Page, append_rows, existing_pages, labellable, load, write_batches  # noqa: E402

BATCHES = Path("/tmp/crosslingual_pairs_test3")
SEED = 20261207
PART = "test3"
ENGLISH_SAMPLE = 120          # round 1: English pages keyed for ru-en, an equal share of each window
RUSSIAN_SAMPLE = 150          # round 2: Russian pages keyed for ru-en
MAX_PER_LANGUAGE = 2          # round 1: keyword candidates per keyed page and target language
MAX_PER_LANGUAGE_ROUND2 = 1   # round 2: the best English candidate only (a page keyed in round 2 is often generic)
MAX_PER_LANGUAGE_ROUND3 = 3   # round 3: the top 3 less the pairs drawn already, i.e. the 2nd and 3rd candidates
RANDOM_PER_LANGUAGE_PAIR = 30
MIN_PER_LANGUAGE_PAIR = 50
RANDOM_MAX_PER_PAGE = 3
KEYWORD_COLUMNS = ["path", "en", "ru"]
ORDER = {"ru": 0, "uk": 1, "en": 2}   # a pair's languages are written ru-uk, ru-en, uk-en


def read_pool(data: Path, tsv: Path) -> tuple[list[tuple[Page, str]], set[str], set[frozenset]]:
    """All pages the guideline lets a labeller judge; the paths in rows of older parts (not test3); the pairs of
    the test3 rows already in the file."""
    existing_pages(tsv)    # a clear error for a file that is not a pairs file
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and r[0].startswith("xl")]
    older = {path for r in rows if r[1] != PART for path in r[5:7]}
    drawn = {frozenset(r[5:7]) for r in rows if r[1] == PART}
    pages = [(page, code) for page, code in load(data.resolve()) if labellable(page, code)]
    return pages, older, drawn


def sample_pages(pages: list[tuple[Page, str]], language: str, rng: random.Random, n: int) -> list[Page]:
    """A seeded sample of n pages of one language, an equal share per window."""
    by_window = defaultdict(list)
    for page, code in pages:
        if code == language:
            by_window[page.window].append(page)
    windows = sorted(by_window)
    out = []
    for window in windows:
        share = n // len(windows) + (1 if windows.index(window) < n % len(windows) else 0)
        out += rng.sample(by_window[window], min(share, len(by_window[window])))
    return out


def fold(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е").lower()


def keyword_pattern(keyword: str) -> re.Pattern:
    """A keyword at the start of a word: `Кулеб` matches Кулеба, Кулебы; `NATO` not inside another word."""
    if not keyword.strip():
        raise ValueError("empty keyword")
    return re.compile(r"(?<!\w)" + re.escape(fold(keyword.strip())))


def read_keywords(path: Path) -> dict[str, dict[str, list[str]]]:
    """{page path: {"en": [...], "ru": [...]}}; a clear error naming the file for a bad one."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    if not rows or rows[0] != KEYWORD_COLUMNS:
        raise SystemExit(f"{path}: not a keyword file (header {', '.join(KEYWORD_COLUMNS)})")
    out = {}
    for n, row in enumerate(rows[1:], 2):
        if len(row) != 3 or not row[0].startswith("pages/"):
            raise SystemExit(f"{path}: row {n}: expected a page path and two keyword columns")
        if row[0] in out:
            raise SystemExit(f"{path}: row {n}: {row[0]} is keyed twice")
        out[row[0]] = {lang: [k.strip() for k in cell.split(";") if k.strip()]
                       for lang, cell in zip(("en", "ru"), row[1:])}
    return out


def _first_paragraph(page: Page) -> str:
    return page.body.split("\n", 1)[0]


def _hours(page: Page) -> float | None:
    """Publication time in hours of the day, or None when the page gives only the date (00:00 exactly)."""
    found = re.search(r"T(\d\d):(\d\d)", page.published)
    if not found or found.group(0) == "T00:00":
        return None
    return int(found.group(1)) + int(found.group(2)) / 60


def rank_candidates(page: Page, keywords: list[str], targets: list[Page]) -> list[tuple[Page, int]]:
    """Pages of `targets` (same window, other outlet) naming >= 1 keyword, best first (see the module doc)."""
    patterns = [keyword_pattern(k) for k in keywords]
    t0 = _hours(page)
    scored = []
    for other in targets:
        if other.window != page.window or _same_outlet(page, other):
            continue
        title, lead = fold(other.title), fold(_first_paragraph(other))
        in_title = sum(bool(p.search(title)) for p in patterns)
        matched = sum(bool(p.search(title) or p.search(lead)) for p in patterns)
        if not matched:
            continue
        t1 = _hours(other)
        gap = abs(t1 - t0) if t0 is not None and t1 is not None else 99.0
        scored.append(((-matched, -in_title, gap, other.path), other, matched))
    scored.sort(key=lambda s: s[0])
    return [(other, matched) for _, other, matched in scored]


def _same_outlet(a: Page, b: Page) -> bool:
    return (a.site.lower() == b.site.lower() and a.site != "") or (a.domain == b.domain and a.domain != "")


def _pair(a: tuple[Page, str], b: tuple[Page, str], index: dict[str, int], stratum: str) -> dict:
    (pa, ca), (pb, cb) = sorted((a, b), key=lambda s: ORDER[s[1]])
    return {"a": index[pa.path], "b": index[pb.path], "window": pa.window, "stratum": stratum,
            "languages": f"{ca}-{cb}", "part": PART}


def keyword_pairs(pages: list[tuple[Page, str]], keys: dict[str, dict[str, list[str]]], fresh: set[str],
                  max_per_language: int = MAX_PER_LANGUAGE, exclude: set[frozenset] = frozenset()) -> list[dict]:
    """Keyword candidates: targets are fresh pages; a keyed page that is not fresh (a Ukrainian page of an older
    part, round 2) gives stratum `keyword-reused`."""
    index = {page.path: k for k, (page, _) in enumerate(pages)}
    code_of = {page.path: code for page, code in pages}
    unknown = sorted(set(keys) - set(index))
    if unknown:
        raise SystemExit(f"keyword file: {len(unknown)} pages are not labellable pages, e.g. {unknown[0]}")
    by_language = defaultdict(list)
    for page, code in pages:
        if page.path in fresh:
            by_language[code].append(page)
    pairs, taken = [], set(exclude)
    for path, wanted in keys.items():
        page = pages[index[path]][0]
        stratum = "keyword" if path in fresh else "keyword-reused"
        if stratum == "keyword-reused" and code_of[path] != "uk":
            raise SystemExit(f"keyword file: {path} is in an older part and not Ukrainian")
        for target, keywords in wanted.items():
            if not keywords or target == code_of[path]:
                continue
            for other, _ in rank_candidates(page, keywords, by_language[target])[:max_per_language]:
                if frozenset((path, other.path)) in taken:
                    continue
                taken.add(frozenset((path, other.path)))
                pairs.append(_pair((page, code_of[path]), (other, target), index, stratum))
    return pairs


def random_pairs(pages: list[tuple[Page, str]], rng: random.Random, exclude: set[frozenset],
                 wanted: dict[str, int]) -> list[dict]:
    """wanted[languages] random cross-outlet pairs of one window per language pair, none of them in `exclude`."""
    index = {page.path: k for k, (page, _) in enumerate(pages)}
    used: Counter = Counter()
    pairs = []
    for la, lb in (("ru", "uk"), ("ru", "en"), ("uk", "en")):
        cells = [(a, b) for a in pages if a[1] == la for b in pages if b[1] == lb
                 and a[0].window == b[0].window and not _same_outlet(a[0], b[0])
                 and frozenset((a[0].path, b[0].path)) not in exclude]
        taken = 0
        for a, b in rng.sample(cells, len(cells)):
            if taken >= wanted[f"{la}-{lb}"]:
                break
            if used[a[0].path] >= RANDOM_MAX_PER_PAGE or used[b[0].path] >= RANDOM_MAX_PER_PAGE:
                continue
            used[a[0].path] += 1
            used[b[0].path] += 1
            taken += 1
            pairs.append(_pair(a, b, index, "random"))
    return pairs


def list_pages(pages: list[tuple[Page, str]], older: set[str], which: str, rng: random.Random) -> None:
    fresh = [(p, c) for p, c in pages if p.path not in older]
    if which == "uk":
        chosen = [p for p, c in fresh if c == "uk"]
    elif which == "uk-reused":
        chosen = [p for p, c in pages if c == "uk" and p.path in older]
    else:
        chosen = sample_pages(fresh, which, rng, ENGLISH_SAMPLE if which == "en" else RUSSIAN_SAMPLE)
    print("\t".join(KEYWORD_COLUMNS + ["window", "site", "title", "first paragraph"]))
    for page in chosen:
        print("\t".join([page.path, "", "", page.window, page.site, page.title, _first_paragraph(page)[:300]]))


def draw_round(pages: list[tuple[Page, str]], older: set[str], drawn: set[frozenset], keys: dict,
               round_: int, rng: random.Random) -> tuple[list[tuple[Page, str]], list[dict]]:
    if (round_ == 1) == bool(drawn):
        raise SystemExit("round 1 is drawn once, into a file with no test3 rows; round 2 comes after it")
    if round_ == 1:
        pages = [(p, c) for p, c in pages if p.path not in older]
        fresh = {p.path for p, _ in pages}
        pairs = keyword_pairs(pages, keys, fresh)
        found = Counter(p["languages"] for p in pairs)
        wanted = {lp: max(RANDOM_PER_LANGUAGE_PAIR, MIN_PER_LANGUAGE_PAIR - found[lp])
                  for lp in ("ru-uk", "ru-en", "uk-en")}
        pairs += random_pairs(pages, rng, {frozenset((pages[p["a"]][0].path, pages[p["b"]][0].path))
                                           for p in pairs}, wanted)
        return pages, pairs
    fresh = {p.path for p, _ in pages if p.path not in older}
    english_only = {path: {"en": wanted.get("en", []), "ru": []} for path, wanted in keys.items()}
    top = MAX_PER_LANGUAGE_ROUND2 if round_ == 2 else MAX_PER_LANGUAGE_ROUND3
    return pages, keyword_pairs(pages, english_only, fresh, top, exclude=drawn)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT_TSV, help="the pairs TSV the rows are appended to")
    ap.add_argument("--batches", type=Path, default=BATCHES)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--list", choices=("uk", "en", "uk-reused", "ru"),
                    help="print the pages to key (a keyword-file template)")
    ap.add_argument("--keywords", type=Path, help="the keyword file: draw and append the rows")
    ap.add_argument("--round", type=int, choices=(1, 2, 3), default=1, help="with --keywords: which round to draw")
    args = ap.parse_args(argv)
    if (args.list is None) == (args.keywords is None):
        ap.error("give one of --list or --keywords")
    keys = read_keywords(args.keywords) if args.keywords else None
    pages, older, drawn = read_pool(args.data, args.out)
    rng = random.Random(args.seed)
    if args.list:
        list_pages(pages, older, args.list, rng)
        return 0
    pages, pairs = draw_round(pages, older, drawn, keys, args.round, rng)
    rng.shuffle(pairs)
    append_rows(args.out, pairs, pages)
    write_batches(args.batches / f"round{args.round}", pairs, pages, rng)
    print(f"{len(pairs)} pairs:", sorted(Counter((p["languages"], p["stratum"]) for p in pairs).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
