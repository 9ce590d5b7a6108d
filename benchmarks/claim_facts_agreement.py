"""How far two annotators of the claim-facts benchmark agree, in the benchmark's own measures.

`claim_groups.py` scores Parallax's claim groups against the labels of `data/claim_facts.tsv` (purity of
multi-outlet groups, recall of cross-outlet fact matches). The same two numbers, computed with a second,
independent annotation of the same units in the system's place, say what the targets (0.9 / 0.8) ask of a
machine when two readers following one guideline already disagree. The second annotation
(`data/claim_facts_second.tsv`, same columns; who labelled it: its guideline section "Second annotation")
is read as a grouping: each of its facts is one group holding every unit labelled with it (main fact or
`also`), so a two-fact sentence stands in both groups and an outlet may have several units in a group, as
repeats. Every unit is then scored exactly as `claim_groups.score_story` scores a claim on that unit:

- purity: in groups spanning two or more outlets, the share of units whose first-annotation facts include
  the group's majority fact (a unit the first annotator gave no fact is impure there);
- cross-outlet recall: of the (fact, outlet A, outlet B) triples of the first annotation, the share for
  which one group holds a unit of that fact from each outlet;

Both directions are printed (second as the system against first as gold, and the reverse), per part and
pooled; an outlet is a channel id.

    python benchmarks/claim_facts_agreement.py [--gold data/claim_facts.tsv] [--second data/claim_facts_second.tsv]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE / "data" / "claim_facts.tsv"
SECOND = HERE / "data" / "claim_facts_second.tsv"
sys.path.insert(0, str(HERE))
import claim_groups  # noqa: E402  (benchmarks/ is no package)

Unit = tuple[str, str, int]     # (story, channel/message_id, start)


def read_units(path: Path) -> tuple[dict[Unit, frozenset[str]], dict[str, str]]:
    """(unit -> its facts, story -> part); plain TSV as claim_groups.read_labels reads it."""
    facts_of: dict[Unit, frozenset[str]] = {}
    part_of: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            facts = {x.strip() for x in [row["fact"], *row["also"].split(",")] if x.strip() not in ("", "-")}
            key = (row["story"], f"{row['channel']}/{row['message_id']}", int(row["start"]))
            if key in facts_of:
                raise ValueError(f"{path}: unit {key} labelled twice")
            facts_of[key] = frozenset(facts)
            part_of[row["story"]] = row["part"]
    return facts_of, part_of


def score_grouping(system: dict[Unit, frozenset[str]], gold: dict[Unit, frozenset[str]]) -> dict[str, int]:
    """Counts of `system`'s fact groups against `gold`, over the units both label (one story's or many: fact
    ids are story-local, so a fact is (story, id) here), counted by claim_groups.py's own rules."""
    groups: dict[tuple[str, str], list[tuple[str, frozenset]]] = defaultdict(list)
    gold_outlets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (story, ext_id, start), facts in gold.items():
        channel = ext_id.split("/")[0]
        keyed = frozenset((story, fact) for fact in facts)
        for fact in keyed:
            gold_outlets[fact].add(channel)
        for fact in system.get((story, ext_id, start), frozenset()):
            groups[(story, fact)].append((channel, keyed))
    pure = mapped = 0
    found: set[tuple] = set()
    for items in groups.values():
        found |= claim_groups.cross_outlet_matches(items)
        if len({o for o, _ in items}) < 2:
            continue
        majority = claim_groups.majority_fact(items)
        pure += sum(1 for _, facts in items if majority in facts)
        mapped += len(items)
    pairs = claim_groups.gold_matches(gold_outlets)
    return {"pure": pure, "mapped_in_multi_outlet_groups": mapped, "gold_pairs": len(pairs),
            "found_pairs": len(pairs & found)}


def agreement(first: Path = GOLD, second: Path = SECOND) -> dict:
    """{parts: part -> {second_vs_first, first_vs_second}, pooled: ...}, over the stories `second` labels."""
    a, part_of = read_units(first)
    b, _ = read_units(second)
    stories = {s for s, _, _ in b}
    missing = sorted(k for k in a if k[0] in stories and k not in b)
    extra = sorted(k for k in b if k not in a)
    if missing or extra:
        raise ValueError(f"{second}: units differ from {first}: {len(missing)} missing (first {missing[:1]}), "
                         f"{len(extra)} not in {first.name} (first {extra[:1]})")
    result: dict = {"parts": {}, "stories": len(stories), "units": len(b)}
    for part in sorted({part_of[s] for s in stories}) + ["pooled"]:
        keep = {s for s in stories if part in ("pooled", part_of[s])}
        a_part = {k: v for k, v in a.items() if k[0] in keep}
        b_part = {k: v for k, v in b.items() if k[0] in keep}
        result["parts"][part] = {"second_vs_first": claim_groups.summarize([score_grouping(b_part, a_part)]),
                                 "first_vs_second": claim_groups.summarize([score_grouping(a_part, b_part)])}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--second", type=Path, default=SECOND)
    parser.add_argument("--out", default="claim_facts_agreement")
    args = parser.parse_args(argv)
    result = agreement(args.gold, args.second)
    for part, both in result["parts"].items():
        for direction, numbers in both.items():
            print(f"{part:7} {direction:16} purity {numbers['purity']:.3f} recall {numbers['cross_outlet_recall']:.3f} "
                  f"({numbers['pure']}/{numbers['mapped_in_multi_outlet_groups']}, "
                  f"{numbers['found_pairs']}/{numbers['gold_pairs']})")
    (HERE / "results" / f"{args.out}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
