"""Digest detection (parallax/stories/digests.py) on labelled Telegram posts (benchmarks/data/digest_posts.tsv).

A digest is one post with several unrelated items ("Главное к вечеру вторника", "Итоги дня"); the
guideline is benchmarks/data/digest_guideline.md (with its Amendment of 2026-12-06). ``--sample`` drew
the first posts to label (seed 20241205; writes the TSV with empty labels and /tmp/digests/batch.md to
read); ``--fresh PART --seed N`` draws a fresh sample of posts never labelled, flagged and unflagged
mixed (see draw_fresh); the default mode measures the detector: precision and recall on the old parts
(as labelled, and as re-judged by the amendment), stratified estimates over the corpus on the fresh
parts, and how many of the 22,097 posts of the corpus it flags.

    python benchmarks/stories_digests.py [--sample | --fresh PART --seed N --per-stratum K] [--no-save]
"""
from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import benchmark_parser, prf, write_result  # noqa: E402
from stories_telegram_pairs import RAW  # noqa: E402

from parallax.ingest.telegram import iter_telegram  # noqa: E402
from parallax.stories.digests import digest_items, is_digest  # noqa: E402

LABELS = Path(__file__).resolve().parent / "data" / "digest_posts.tsv"
FRESH = LABELS.with_name("digest_posts_fresh.tsv")
SEED = 20241205
PER_STRATUM = 30
# the sampling filter: broader than the detector, so that its recall can be measured
_CUE_HEADING = re.compile(r"(?i)главное|итоги|коротко|к этому часу|дайджест|что произошло|новости дня|за день|за неделю")
_LIST_LINE = re.compile(r"^\s*(?:[-–—•·▪►▶➡👉🔻🔹🔸⚡❗️✅📌🔴🟢]|\d{1,2}[.)]|[^\w\s«\"(]{1,3}\s)")


def read_posts() -> list:
    posts = []
    for path in sorted(RAW.glob("*_messages.json")):
        for rec in iter_telegram(path, path.read_text(encoding="utf-8")):
            if not isinstance(rec, Exception):
                posts.append(rec)
    return posts


def stratum(post) -> str | None:
    text = post.text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if _CUE_HEADING.search(text[:80]):
        return "heading"
    if sum(1 for ln in lines if _LIST_LINE.match(ln)) >= 3:
        return "list"
    if len(text.split()) >= 40:
        return "random"
    return None


def sample(posts: list) -> None:
    if read_labels():
        raise SystemExit(f"{LABELS} is labelled already; --sample would overwrite it: draw with --fresh PART --seed N")
    rng = random.Random(SEED)
    frames: dict[str, list] = {"heading": [], "list": [], "random": []}
    for post in posts:
        s = stratum(post)
        if s:
            frames[s].append(post)
    chosen = []
    for name, frame in frames.items():
        rng.shuffle(frame)
        chosen += [(name, p) for p in frame[:PER_STRATUM]]
    rng.shuffle(chosen)
    with open(LABELS, "w", encoding="utf-8", newline="") as f:
        f.write("# Digest posts of ../shared/data/telegram-ru-news-channels; guideline: digest_guideline.md.\n"
                f"# Drawn by benchmarks/stories_digests.py --sample (seed {SEED}): {PER_STRATUM} per stratum; "
                "frames: " + ", ".join(f"{k} {len(v)}" for k, v in frames.items()) + " posts.\n")
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["post_id", "stratum", "label", "confidence", "note"])
        for name, p in chosen:
            w.writerow([p.id, name, "", "", ""])
    out = Path("/tmp/digests/batch.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n\n".join(f"## {p.id} ({p.outlet})\n{p.text[:1500]}" for _, p in chosen), encoding="utf-8")
    print(f"wrote {LABELS} and {out}")


def draw_fresh(posts: list, seed: int, part: str, per_stratum: int, out: Path = Path("/tmp/digests")) -> None:
    """A fresh sample to label: `per_stratum` posts the detector flags, and `per_stratum` // 2 of each of
    the heading and list strata it does not flag, none of them labelled before; the posts are shuffled
    together and written without their stratum (/tmp/s6/digests/<part>_batch.md), so the labeller cannot
    tell which the detector flags; the strata go to <part>_key.tsv, joined to the labels afterwards
    (as `drawn_as` in digest_posts_fresh.tsv, with a `# frames <part>: ...` line)."""
    seen = {r["post_id"] for r in read_labels(with_unlabelled=True)}
    frames: dict[str, list] = {"flagged": [], "heading": [], "list": []}
    for post in posts:
        if post.id in seen:
            continue
        if is_digest(post.text):
            frames["flagged"].append(post)
        elif (s := stratum(post)) in frames:
            frames[s].append(post)
    rng = random.Random(seed)
    wanted = {"flagged": per_stratum, "heading": per_stratum // 2, "list": per_stratum - per_stratum // 2}
    chosen = []
    for name, frame in frames.items():
        rng.shuffle(frame)
        chosen += [(name, p) for p in frame[:wanted[name]]]
    rng.shuffle(chosen)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{part}_batch.md").write_text("\n\n".join(f"## {p.id} ({p.outlet})\n{p.text[:1500]}" for _, p in chosen),
                                          encoding="utf-8")
    (out / f"{part}_key.tsv").write_text(
        f"# seed {seed}; frames: " + ", ".join(f"{k} {len(v)}" for k, v in frames.items()) + "\n"
        + "".join(f"{p.id}\t{name}\n" for name, p in chosen), encoding="utf-8")
    print(f"wrote {out}/{part}_batch.md and {part}_key.tsv ({len(chosen)} posts)")


def read_labels(with_unlabelled: bool = False) -> list[dict]:
    """The labelled posts of digest_posts.tsv (parts first, held_out) and digest_posts_fresh.tsv (fresh
    samples: their header gives each part's frames)."""
    rows = []
    for path in (LABELS, FRESH):
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as f:
            rows += list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))
    return [r for r in rows if with_unlabelled or r["label"] in ("0", "1")]


def read_frames() -> dict[str, dict[str, int]]:
    """{part: {stratum: posts in its frame}} from the lines `# frames <part>: flagged 141, heading 68, ...`."""
    frames = {}
    for line in FRESH.read_text(encoding="utf-8").splitlines() if FRESH.exists() else []:
        if m := re.match(r"# frames (\w+): (.*)", line):
            frames[m[1]] = {k: int(v) for k, v in (kv.split() for kv in m[2].split(", "))}
    return frames


def stratified(rows: list[dict], pred: np.ndarray, frames: dict[str, int]) -> dict:
    """Precision and recall over the corpus, estimated from a stratified sample: each post stands for
    frame / sample posts of its stratum (drawn_as). The random stratum (posts of >= 40 words that are
    neither flagged nor heading/list) is not drawn: 0 of its 30 posts in part first were digests."""
    gold = np.array([r["label"] == "1" for r in rows])
    drawn = [r["drawn_as"] for r in rows]
    weight = np.array([frames[d] / drawn.count(d) for d in drawn])
    tp = float((weight * (pred & gold)).sum())
    per_stratum = {d: {"posts": drawn.count(d), "frame": frames[d],
                       "digests": int(sum(g for g, x in zip(gold, drawn) if x == d)),
                       "flagged_now": int(sum(q for q, x in zip(pred, drawn) if x == d))} for d in frames}
    return {"posts": len(rows), "digests": int(gold.sum()), "per_stratum": per_stratum,
            "sample": prf(pred, gold), "high_confidence_only": prf(*_high(rows, pred, gold)),
            "estimate": {"precision": round(tp / max(1e-9, float((weight * pred).sum())), 4),
                         "recall": round(tp / max(1e-9, float((weight * gold).sum())), 4),
                         "digests_in_frames": round(float((weight * gold).sum()), 1)}}


def _high(rows: list[dict], pred: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    high = np.array([r["confidence"] == "high" for r in rows])
    return pred[high], gold[high]


def old_parts(rows: list[dict], pred: np.ndarray) -> dict:
    """Parts first and held_out: as labelled (label) and as re-judged by the amendment (amended_label)."""
    out = {}
    for part in ("first", "held_out"):
        sel = np.array([r["part"] == part for r in rows])
        sub = [r for r, s in zip(rows, sel) if s]
        gold = np.array([r["label"] == "1" for r in sub])
        amended = np.array([r["amended_label"] == "1" for r in sub])
        out[part] = {"posts": len(sub), "digests": int(gold.sum()), **prf(pred[sel], gold),
                     "high_confidence_only": prf(*_high(sub, pred[sel], gold)),
                     "amended_labels_rejudged_after_results": prf(pred[sel], amended)}
    sel = np.array([r["part"] == "first" for r in rows])
    gold = np.array([r["label"] == "1" for r in rows])
    out["first_by_stratum"] = {name: prf(pred[sel & strat], gold[sel & strat]) for name in ("heading", "list", "random")
                               for strat in [np.array([r["stratum"] == name for r in rows])]}
    return out


def evaluate(posts: list) -> dict:
    """The detector on every labelled part: old parts as labelled and re-judged, fresh parts as
    stratified estimates (with the detector of now and the one each part was drawn with), the errors."""
    by_id = {p.id: p for p in posts}
    rows = read_labels()
    pred = np.array([is_digest(by_id[r["post_id"]].text) for r in rows])
    gold = np.array([r["label"] == "1" for r in rows])
    old = [i for i, r in enumerate(rows) if r["part"] in ("first", "held_out")]
    result = {"old_parts": old_parts([rows[i] for i in old], pred[old]), "fresh_parts": {},
              "errors": [{"post_id": r["post_id"], "part": r["part"], "gold": r["label"],
                          "items": len(digest_items(by_id[r["post_id"]].text)), "start": by_id[r["post_id"]].text[:80]}
                         for r, p, g in zip(rows, pred, gold) if p != g]}
    for part, frames in read_frames().items():
        idx = [i for i, r in enumerate(rows) if r["part"] == part]
        sub = [rows[i] for i in idx]
        result["fresh_parts"][part] = {
            "detector_now": stratified(sub, pred[idx], frames),
            # the detector the part was drawn with flagged exactly the posts drawn_as=flagged
            "detector_when_drawn": stratified(sub, np.array([r["drawn_as"] == "flagged" for r in sub]), frames)}
    return result


def gate_metrics(result: dict) -> dict[str, float]:
    """The numbers benchmarks/eval_gate.py holds against floors (gate `digests`)."""
    old, fresh = result["old_parts"], result["fresh_parts"]
    return {**{f"{part}_{k}": old[part][k] for part in ("first", "held_out") for k in ("precision", "recall")},
            **{f"{part}_precision_estimate": fresh[part]["detector_now"]["estimate"]["precision"] for part in fresh},
            **{f"{part}_recall_estimate": fresh[part]["detector_now"]["estimate"]["recall"] for part in fresh}}


def main() -> None:
    ap = benchmark_parser(__doc__, backend=False)
    ap.add_argument("--sample", action="store_true", help="draw the posts to label (overwrites the TSV)")
    ap.add_argument("--fresh", metavar="PART", help="draw a fresh sample to label, named PART (see draw_fresh)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--per-stratum", type=int, default=40)
    args = ap.parse_args()
    posts = read_posts()
    if args.sample:
        sample(posts)
        return
    if args.fresh:
        draw_fresh(posts, args.seed, args.fresh, args.per_stratum)
        return
    result = evaluate(posts)
    flagged = [p for p in posts if is_digest(p.text)]
    result["corpus"] = {"posts": len(posts), "flagged": len(flagged),
                        "by_outlet": dict(sorted(((o, sum(1 for p in flagged if p.outlet == o))
                                                  for o in {p.outlet for p in flagged}), key=lambda kv: -kv[1]))}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_digests", result)


if __name__ == "__main__":
    main()
