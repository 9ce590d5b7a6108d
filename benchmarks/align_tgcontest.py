"""Claim alignment on real article pairs: TG contest same-story (OK) and different-story (BAD) pairs.

There is no sentence-level gold for Russian news, so this measures alignment where the truth is known
at pair level:
  * in a BAD pair (two different stories) every aligned claim is a false alignment;
  * in an OK pair (one story told by two outlets) alignment should find shared facts.
Reported per variant of the alignment rule:
  * aligned_share_ok / aligned_share_bad: mean share of the shorter article's claims that align;
  * pair-level "shares at least one fact" as a same-story detector: precision / recall / F1.

    python benchmarks/align_tgcontest.py [--split dev|tune] [--out benchmarks/results/align_tgcontest.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "tgcontest-pairs"
SPLITS = {"dev": ["ru_honey_dev.tsv"], "tune": ["ru_train_pool.tsv", "ru_exam_pool.tsv"]}


def load_pairs(split: str):
    csv.field_size_limit(10**8)
    pairs = []
    for name in SPLITS[split]:
        with open(DATA / name, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                label = row.get("GOLDEN:quality")
                if label not in ("OK", "BAD"):
                    continue
                pairs.append((row["INPUT:first_title"], row["INPUT:first_text"], row["INPUT:second_title"],
                              row["INPUT:second_text"], label == "OK"))
    return pairs


VARIANTS = {
    "strict (blend paraphrase threshold only)": {"mutual_best_floor": 10.0},
    "strict + mutual best with shared entity (default)": {},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=sorted(SPLITS))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "align_tgcontest.json"))
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"missing {DATA}")
    from parallax.compare import align, compare_story
    from parallax.model import Article
    from parallax.nlp.pipeline import Analyzer

    pairs = load_pairs(args.split)
    analyzer = Analyzer()
    docs = []
    t = time.perf_counter()
    for k, (t1, x1, t2, x2, same) in enumerate(pairs):
        a = Article(id=f"{k}a", text=x1.strip(), outlet="first", title=t1)
        b = Article(id=f"{k}b", text=x2.strip(), outlet="second", title=t2)
        docs.append((analyzer.analyze_many([a, b]), same))
    analysis_s = time.perf_counter() - t
    base_cfg = align.alignment_config()
    results = {"split": args.split, "pairs": len(pairs), "ok_pairs": sum(s for _, s in docs),
               "analysis_s": round(analysis_s, 1), "variants": {}}
    for name, override in VARIANTS.items():
        cfg = json.loads(json.dumps(base_cfg))
        cfg["claims"].update(override)
        align.alignment_config.cache_clear()
        orig = align.alignment_config
        align.alignment_config = lambda cfg=cfg: cfg  # noqa: E731
        shares_ok, shares_bad = [], []
        tp = fp = fn = 0
        t = time.perf_counter()
        for pair_docs, same in docs:
            comp = compare_story(pair_docs)
            n_claims = {d.id: 0 for d in pair_docs}
            aligned = {d.id: 0 for d in pair_docs}
            for g in comp.claims:
                for m in g.members:
                    n_claims[m.article] += 1
                    if len(g.members) > 1:
                        aligned[m.article] += 1
            shorter = min(n_claims, key=lambda k: n_claims[k])
            share = aligned[shorter] / max(1, n_claims[shorter])
            (shares_ok if same else shares_bad).append(share)
            found = any(len(g.members) > 1 for g in comp.claims)
            tp += found and same
            fp += found and not same
            fn += (not found) and same
        align.alignment_config = orig
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        results["variants"][name] = {
            "aligned_share_ok": round(sum(shares_ok) / max(1, len(shares_ok)), 3),
            "aligned_share_bad": round(sum(shares_bad) / max(1, len(shares_bad)), 3),
            "bad_pairs_with_any_alignment": fp,
            "pair_precision": round(p, 3), "pair_recall": round(r, 3),
            "pair_f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "compare_s": round(time.perf_counter() - t, 1),
        }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
