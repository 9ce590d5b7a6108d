"""How well the language-independent entity key (parallax/nlp/entity_keys.py) joins one entity's Russian and
Ukrainian mentions, measured on SlavicNER's cross-lingual entity ids (../shared/data/slavicner-ru-uk;
licence: evaluation only, nothing of it ships).

For every pair (a Russian mention, a Ukrainian mention) the key predicts "same entity" when both mentions
get the same key; the truth is "same cross-lingual id". Pairwise precision, recall and F1 are counted
without listing the pairs: over the cells (key, id), true pairs = sum n_ru * n_uk of each cell.

The key is computed from the corpus' normal form (its `lemma` column) and type, so this measures linking
across languages, not NER or normalization. Two weightings: every mention pair (frequent entities weigh
most, as they do in a story), and distinct names (each (normal form, id) once per language). Types PER,
LOC, ORG (the types Parallax's NER gives); EVT and PRO reported apart.

Split by topic: the alias table was checked against the development topics only; the test topics
(covid-19, us_election_2020) were never looked at for tuning.

    .venv/bin/python benchmarks/entity_keys_slavicner.py [--data ../shared/data/slavicner-ru-uk] [--errors N]
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.nlp.entity_keys import entity_key  # noqa: E402

TEST_TOPICS = ("covid-19", "us_election_2020")
MAIN_TYPES = ("PER", "LOC", "ORG")


def read_mentions(root: Path) -> list[tuple[str, str, str, str, str]]:
    """(topic, language, normal form, type, cross-lingual id) of every mention in ner/TOPIC/LANG/*.tsv."""
    out = []
    for path in sorted((root / "ner").glob("*/*/*.tsv")):
        topic, lang = path.parts[-3], path.parts[-2]
        if lang not in ("ru", "uk"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            cols = line.split("\t")
            if len(cols) < 6 or not cols[5].strip():
                continue
            out.append((topic, lang, cols[3].strip() or cols[2].strip(), cols[4].strip(), cols[5].strip()))
    return out


def pairwise(mentions, distinct: bool) -> dict[str, float]:
    """Pairwise P/R/F1 of 'same key' against 'same id' over Russian x Ukrainian mentions."""
    if distinct:
        mentions = list(dict.fromkeys(mentions))
    cell = collections.Counter()     # (lang, key, id)
    by_key = collections.Counter()   # (lang, key)
    by_id = collections.Counter()    # (lang, id)
    for lang, name, type_, cid in mentions:
        key = entity_key(name, type_)
        cell[lang, key, cid] += 1
        by_key[lang, key] += 1
        by_id[lang, cid] += 1
    tp = sum(n * cell["uk", key, cid] for (lang, key, cid), n in cell.items() if lang == "ru")
    predicted = sum(n * by_key["uk", key] for (lang, key), n in by_key.items() if lang == "ru")
    gold = sum(n * by_id["uk", cid] for (lang, cid), n in by_id.items() if lang == "ru")
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "ru": sum(1 for m in mentions if m[0] == "ru"), "uk": sum(1 for m in mentions if m[0] == "uk")}


def errors(mentions, limit: int) -> None:
    """The ids whose Russian and Ukrainian names get different keys, most mention pairs first."""
    names = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for lang, name, type_, cid in mentions:
        names[cid][lang][entity_key(name, type_)] += 1
    missed = []
    for cid, by_lang in names.items():
        ru, uk = by_lang.get("ru", {}), by_lang.get("uk", {})
        lost = sum(n * m for k, n in ru.items() for k2, m in uk.items() if k != k2)
        if lost:
            missed.append((lost, cid, ru.most_common(3), uk.most_common(3)))
    for lost, cid, ru, uk in sorted(missed, reverse=True)[:limit]:
        print(f"  {lost:6d} {cid}: ru {ru} | uk {uk}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/slavicner-ru-uk"))
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="show the N worst-joined dev ids")
    args = parser.parse_args(argv)
    root = Path(args.data)
    if not (root / "ner").is_dir():
        print(f"no SlavicNER data at {root}", file=sys.stderr)
        return 1
    allm = read_mentions(root)
    print("part   types        weighting        ru_mentions uk_mentions  P      R      F1")
    for part, topics in (("dev", lambda t: t not in TEST_TOPICS), ("test", lambda t: t in TEST_TOPICS)):
        for label, types in (("PER/LOC/ORG", MAIN_TYPES), ("EVT/PRO", ("EVT", "PRO"))):
            sel = [(lang, name, type_, cid) for topic, lang, name, type_, cid in allm
                   if topics(topic) and type_ in types]
            for distinct in (False, True):
                s = pairwise(sel, distinct)
                print(f"{part:6} {label:12} {'distinct names' if distinct else 'mention pairs':16} "
                      f"{s['ru']:11d} {s['uk']:11d}  {s['precision']:.3f}  {s['recall']:.3f}  {s['f1']:.3f}")
    if args.errors:
        print("worst-joined ids (development topics, PER/LOC/ORG):")
        errors([(lang, name, type_, cid) for topic, lang, name, type_, cid in allm
                if topic not in TEST_TOPICS and type_ in MAIN_TYPES], args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
