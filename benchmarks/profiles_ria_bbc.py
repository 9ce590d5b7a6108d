"""RIA Novosti and BBC News Russian side by side: the numbers and plots of docs/profiles/ria_vs_bbc.md.

    python benchmarks/profiles_ria_bbc.py --db /tmp/profiles.sqlite [--since 2024-11-26]

The corpus is the telegram-ru-news-channels posts of the two channels plus five other news channels
(for omissions, which need stories with three outlets), ingested with `parallax ingest`. The default
period is the one both channels cover (RIA's posts start on 2024-11-26). Writes
benchmarks/results/profiles_ria_bbc.json and docs/profiles/*.png.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parallax.outlets.profiles import outlet_profile  # noqa: E402
from parallax.outlets.sourcing import KINDS  # noqa: E402
from parallax.render.profile import plot_source_mix  # noqa: E402
from parallax.store import Store  # noqa: E402

RIA, BBC = "РИА Новости", "BBC News | Русская служба"
DOCS = ROOT / "docs" / "profiles"
RESULTS = ROOT / "benchmarks" / "results" / "profiles_ria_bbc.json"


def log_odds_z(a: int, a_total: int, b: int, b_total: int, prior: float = 1.0) -> float:
    """z of the log-odds ratio of a feature in A vs B (counts out of totals), with a small symmetric
    prior (Monroe et al. 2008 with a uniform prior); positive: more frequent in A."""
    a_, b_ = a + prior, b + prior
    ra, rb = a_total - a + prior, b_total - b + prior
    delta = math.log(a_ / ra) - math.log(b_ / rb)
    return delta / math.sqrt(1 / a_ + 1 / b_ + 1 / ra + 1 / rb)


def label_table(profiles):
    """Per (concept, label): uses per 100 articles in each outlet and the log-odds z over articles."""
    rows = {}
    for p in profiles:
        for t in p["contested_terms"]:
            key = (t["category"], t["concept"], t["label"])
            row = rows.setdefault(key, {"category": key[0], "concept": key[1], "label": key[2], "terms": {}})
            row.setdefault("uses", {}).setdefault(p["outlet"], 0)
            row["uses"][p["outlet"]] += t["count"]
            row.setdefault("articles", {}).setdefault(p["outlet"], 0)
            row["articles"][p["outlet"]] += t.get("articles", 0)
            row["terms"].setdefault(p["outlet"], []).append(f"{t['term']} ({t['count']})")
    out = []
    n = {p["outlet"]: p["articles"] for p in profiles}
    words = {p["outlet"]: p["loaded"]["words"] for p in profiles}
    for row in rows.values():
        ua, ub = row["uses"].get(RIA, 0), row["uses"].get(BBC, 0)
        row["per_100_articles"] = {RIA: round(100 * ua / n[RIA], 1), BBC: round(100 * ub / n[BBC], 1)}
        row["per_10k_words"] = {RIA: round(1e4 * ua / words[RIA], 1), BBC: round(1e4 * ub / words[BBC], 1)}
        # over words, not articles: BBC posts are three times as long as RIA's
        row["z"] = round(log_odds_z(ua, words[RIA], ub, words[BBC]), 2)
        out.append(row)
    out.sort(key=lambda r: -abs(r["z"]))
    return out


def kind_table(profiles):
    totals = {p["outlet"]: sum(p["sources"]["kinds"].values()) for p in profiles}
    kinds = {p["outlet"]: p["sources"]["kinds"] for p in profiles}
    rows = []
    for k in KINDS:
        a, b = kinds[RIA].get(k, 0), kinds[BBC].get(k, 0)
        rows.append({"kind": k, RIA: a, BBC: b,
                     "share": {RIA: round(100 * a / totals[RIA], 1), BBC: round(100 * b / totals[BBC], 1)},
                     "z": round(log_odds_z(a, totals[RIA], b, totals[BBC]), 2)})
    return rows, totals


def plot_labels(rows, path: Path, top: int = 14):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    chosen = [r for r in rows if r["uses"].get(RIA, 0) + r["uses"].get(BBC, 0) >= 5][:top][::-1]
    names = [f"{r['concept']}: {r['label']}" for r in chosen]
    y = range(len(chosen))
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.38 * len(chosen)))
    ax.barh([i + 0.2 for i in y], [r["per_10k_words"][RIA] for r in chosen], height=0.4, label=RIA,
            color="#b2182b")
    ax.barh([i - 0.2 for i in y], [r["per_10k_words"][BBC] for r in chosen], height=0.4, label=BBC,
            color="#2166ac")
    ax.set_yticks(list(y))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("uses per 10,000 words")
    ax.set_title("Contested-term labels with the largest difference (|z| of the log-odds ratio)")
    ax.legend(fontsize=8)
    fig.savefig(path, bbox_inches="tight", dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--since", default="2024-11-26")
    ap.add_argument("--until", default=None)
    args = ap.parse_args(argv)
    with Store(args.db) as store:
        profiles = [outlet_profile(store, name, args.since, args.until) for name in (RIA, BBC)]
    labels = label_table(profiles)
    kinds, totals = kind_table(profiles)
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / "ria_bbc_sources.png").write_bytes(plot_source_mix(profiles, fmt="png"))
    plot_labels(labels, DOCS / "ria_bbc_terms.png")
    result = {"period": {"since": args.since, "until": args.until},
              "outlets": {p["outlet"]: {k: p[k] for k in ("articles", "stories", "first", "last")} for p in profiles},
              "labels": labels, "source_kinds": kinds, "attributions": totals,
              "top_sources": {p["outlet"]: p["sources"]["top"][:12] for p in profiles},
              "omissions": {p["outlet"]: {"summary": p["omission_summary"], "by_kind": p["omissions"]}
                            for p in profiles},
              "loaded": {p["outlet"]: p.get("loaded") for p in profiles}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("outlets", "attributions")}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
