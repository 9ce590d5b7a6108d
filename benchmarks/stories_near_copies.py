"""Near copies and digests on the Telegram corpus (silver check, no labels): what the two rules change.

Clusters all 22,097 posts of telegram-ru-news-channels (items cached by stories_scale.py) three ways:
the default config, without the near-copy rule, and with the previous decision (hand-set score, no
near-copy rule, digests not kept apart). Reports:

* near-copy pairs: posts whose titles (first lines) are near copies (character 3-gram Jaccard >=
  ``near_copy_jaccard``, both >= ``near_copy_min_chars`` characters, within ``near_copy_max_days``) and
  how many of them each run leaves in different stories, with a sample to read;
* digests: how many posts are flagged and how many shared a story with another outlet's post before
  (the BBC «Главное к вечеру вторника» case of issue 12);
* story counts.

    python benchmarks/stories_near_copies.py [--no-save]
"""
from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stories_scale  # noqa: E402
from stories_common import benchmark_parser, write_result  # noqa: E402

from parallax.stories import ClusterConfig, StoryClusterer  # noqa: E402
from parallax.stories.clustering import near_copy  # noqa: E402

RUNS = {"default": {}, "without the near-copy rule": {"near_copy_jaccard": 2.0},
        "previous version": {"decision": "score", "near_copy_jaccard": 2.0, "digests_apart": False}}


def near_copy_pairs(items, config: ClusterConfig) -> list[tuple[int, int, float]]:
    """(i, j, jaccard) of near-copy titles within near_copy_max_days (titles bucketed by their first
    word, which a near copy almost always shares)."""
    by_word = defaultdict(list)
    for i, it in enumerate(items):
        words = (it.title or "").lower().split()
        if len(it.title or "") >= config.near_copy_min_chars and words:
            by_word[words[0]].append(i)
    out = []
    limit = config.near_copy_max_days * 86400
    for rows in by_word.values():
        for x, i in enumerate(rows):
            for j in rows[x + 1:]:
                if abs(items[i].time.timestamp() - items[j].time.timestamp()) > limit:
                    continue
                score = near_copy(items[i].title, items[j].title, config.near_copy_min_chars)
                if score >= config.near_copy_jaccard:
                    out.append((i, j, round(score, 3)))
    return out


def main() -> None:
    args = benchmark_parser(__doc__, backend=False).parse_args()
    stories_scale.prepare()
    items = sorted(stories_scale.load_items(), key=lambda it: (it.time.timestamp(), it.article_id))
    config = ClusterConfig()
    pairs = near_copy_pairs(items, config)
    digests = [i for i, it in enumerate(items) if it.digest]
    result: dict = {"posts": len(items), "near_copy_pairs": len(pairs),
                    "near_copy_pairs_cross_outlet": sum(1 for i, j, _ in pairs if items[i].outlet != items[j].outlet),
                    "digests_flagged": len(digests), "runs": {}}
    assignments = {}
    for name, overrides in RUNS.items():
        ids = StoryClusterer(config.with_(**overrides)).add_many(items)
        assignments[name] = ids
        members = defaultdict(list)
        for i, sid in enumerate(ids):
            members[sid].append(i)
        result["runs"][name] = {
            "stories": len(members),
            "multi_outlet_stories": sum(1 for m in members.values() if len({items[i].outlet for i in m}) > 1),
            "near_copy_pairs_split": sum(1 for i, j, _ in pairs if ids[i] != ids[j]),
            "digests_sharing_a_story_with_another_outlet": sum(
                1 for i in digests if any(items[k].outlet != items[i].outlet for k in members[ids[i]]))}
    before, after = assignments["previous version"], assignments["default"]
    joined = [(i, j, s) for i, j, s in pairs if before[i] != before[j] and after[i] == after[j]]
    rng = random.Random(12)
    result["near_copy_joins_sample"] = [
        {"jaccard": s, "hours_apart": round(abs(items[i].time.timestamp() - items[j].time.timestamp()) / 3600, 1),
         "a": f"{items[i].outlet}: {items[i].title[:110]}", "b": f"{items[j].outlet}: {items[j].title[:110]}"}
        for i, j, s in rng.sample(joined, min(20, len(joined)))]
    result["near_copy_joins"] = len(joined)
    result["near_copy_joins_over_a_day_apart"] = [
        {"hours_apart": round(abs(items[i].time.timestamp() - items[j].time.timestamp()) / 3600, 1),
         "a": f"{items[i].outlet}: {items[i].title[:110]}", "b": f"{items[j].outlet}: {items[j].title[:110]}"}
        for i, j, s in joined if abs(items[i].time.timestamp() - items[j].time.timestamp()) > 86400]
    by_id = {it.article_id: k for k, it in enumerate(items)}
    result["issue_12_cases"] = {
        "BBC Biden headline repeated 39 h later (73619 / 73689)": {
            name: ids[by_id["1001003921752/73619"]] == ids[by_id["1001003921752/73689"]]
            for name, ids in assignments.items()},
        "stories with 'военное положение' in a title, 2024-12-03..04": {
            name: len({ids[k] for k, it in enumerate(items) if "военное положение" in (it.title or "").lower()
                       and "2024-12-03" <= it.time.date().isoformat() <= "2024-12-04"})
            for name, ids in assignments.items()}}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        write_result("stories_near_copies", result)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
