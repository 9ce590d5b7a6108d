"""Digest detection (parallax/stories/digests.py) on labelled Telegram posts (benchmarks/data/digest_posts.tsv).

A digest is one post with several unrelated items ("Главное к вечеру вторника", "Итоги дня"); the
guideline is benchmarks/data/digest_guideline.md. ``--sample`` draws the posts to label (seed 20241205;
writes the TSV with empty labels and /tmp/digests/batch.md to read); the default mode measures the
detector: precision, recall and F1 per stratum and over all labelled posts, and how many of the 22,097
posts of the corpus it flags.

    python benchmarks/stories_digests.py [--sample] [--no-save]
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


def read_labels() -> list[dict]:
    with open(LABELS, encoding="utf-8") as f:
        rows = list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))
    return [r for r in rows if r["label"] in ("0", "1")]


def main() -> None:
    ap = benchmark_parser(__doc__, backend=False)
    ap.add_argument("--sample", action="store_true", help="draw the posts to label (overwrites the TSV)")
    args = ap.parse_args()
    posts = read_posts()
    if args.sample:
        sample(posts)
        return
    by_id = {p.id: p for p in posts}
    rows = read_labels()
    gold = np.array([r["label"] == "1" for r in rows])
    pred = np.array([is_digest(by_id[r["post_id"]].text) for r in rows])
    result = {"posts": len(rows), "digests": int(gold.sum()), "all": prf(pred, gold), "strata": {},
              "errors": [{"post_id": r["post_id"], "gold": r["label"], "items": len(digest_items(by_id[r["post_id"]].text)),
                          "start": by_id[r["post_id"]].text[:80]} for r, p, g in zip(rows, pred, gold) if p != g]}
    for name in ("heading", "list", "random"):
        sel = np.array([r["stratum"] == name and r["part"] == "first" for r in rows])
        result["strata"][name] = {"posts": int(sel.sum()), "digests": int(gold[sel].sum()), **prf(pred[sel], gold[sel])}
    result["parts"] = {}
    for part in ("first", "held_out"):
        sel = np.array([r["part"] == part for r in rows])
        high = sel & np.array([r["confidence"] == "high" for r in rows])
        result["parts"][part] = {"posts": int(sel.sum()), "digests": int(gold[sel].sum()), **prf(pred[sel], gold[sel]),
                                 "high_confidence_only": prf(pred[high], gold[high])}
    flagged = [p for p in posts if is_digest(p.text)]
    result["corpus"] = {"posts": len(posts), "flagged": len(flagged),
                        "by_outlet": dict(sorted(((o, sum(1 for p in flagged if p.outlet == o))
                                                  for o in {p.outlet for p in flagged}), key=lambda kv: -kv[1]))}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_digests", result)


if __name__ == "__main__":
    main()
