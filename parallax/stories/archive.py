"""Closed stories held compactly, so that a long stream's clusterer keeps one window of Python objects.

A story is closed when every member is retired (stories/clustering.py, ``retire_after_days``): no new
article can reach it any more, as its members are out of every later article's window. Later windows
never read its features; only its id, representative title, article ids, span and the question "is this
article already clustered, and where?" remain. Held as rows of the clusterer (the id and its dict entry,
18 per-row list slots, a ``_Story`` with its members list, two float objects and the title), and at 1M
articles nearly all of them are closed. Here a closed story is one string (its title and article ids)
under its id, and the article ids are found through sorted arrays of their hashes (12 bytes an article).
Measured on a synthetic stream: 288 -> 141 bytes held per article beyond the window (benchmarks/STORIES.md,
"Density", session 7).

Rows of archived stories leave the clusterer's per-row lists by :func:`compact_rows` (rows are renumbered;
the embedding chunks are copied chunk by chunk, so the copy adds one chunk to the peak, not the window).
"""
from __future__ import annotations

import ctypes
import ctypes.util
from collections import defaultdict
from typing import Any, Callable, Iterator

import numpy as np

try:      # glibc keeps freed heap pages; malloc_trim hands them back after a compaction frees many objects
    _TRIM = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "malloc_trim", None)
except OSError:
    _TRIM = None
_SEP = "\x1f"          # between a record's fields: article ids never contain it (a title may: it goes first)


class ClosedStories:
    """story id -> (representative title, article ids in time order, first and last publication times)."""

    def __init__(self):
        self._records: dict[str, str] = {}      # sid -> "<len(title)>\x1f<title><id>\x1f<id>..."
        self._sids: list[str] = []               # story number -> sid (the hash blocks point here)
        self._number: dict[str, int] = {}
        self._spans = np.empty((0, 2), dtype=np.float64)
        # (sorted hashes of article ids, story number of each), merged like a binary counter: O(log n) blocks
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []
        self.articles = 0

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, sid: str) -> bool:
        return sid in self._records

    def add(self, sid: str, title: str, article_ids: list[str], first: float, last: float) -> None:
        if sid in self._records:            # a story closed again after it was reopened: one record
            old_ids = self._read(sid)[1]
            self.articles -= len(old_ids)
            article_ids = old_ids + list(article_ids)
            old_first, old_last = self._spans[self._number[sid]]
            first, last = min(first, old_first), max(last, old_last)
        number = self._number.get(sid)
        if number is None:
            number = self._number[sid] = len(self._sids)
            self._sids.append(sid)
            if number == len(self._spans):
                self._spans = np.concatenate([self._spans, np.zeros((max(1024, number), 2))])
        self._spans[number] = first, last
        self._records[sid] = f"{len(title)}{_SEP}{title}{_SEP.join(article_ids)}"
        self._add_hashes(article_ids, number)
        self.articles += len(article_ids)

    def _add_hashes(self, article_ids: list[str], number: int) -> None:
        hashes = np.fromiter((hash(a) for a in article_ids), dtype=np.int64, count=len(article_ids))
        numbers = np.full(len(article_ids), number, dtype=np.int32)
        order = np.argsort(hashes, kind="stable")
        self._blocks.append((hashes[order], numbers[order]))
        while len(self._blocks) > 1 and len(self._blocks[-1][0]) * 2 >= len(self._blocks[-2][0]):
            (h1, n1), (h2, n2) = self._blocks.pop(), self._blocks.pop()
            h, n = np.concatenate([h2, h1]), np.concatenate([n2, n1])
            order = np.argsort(h, kind="stable")
            self._blocks.append((h[order], n[order]))

    def _read(self, sid: str) -> tuple[str, list[str]]:
        record = self._records[sid]
        head, rest = record.split(_SEP, 1)
        size = int(head)
        return rest[:size], rest[size:].split(_SEP)

    def title(self, sid: str) -> str:
        return self._read(sid)[0]

    def article_ids(self, sid: str) -> list[str]:
        return self._read(sid)[1]

    def span(self, sid: str) -> tuple[float, float]:
        first, last = self._spans[self._number[sid]]
        return float(first), float(last)

    def story_of(self, article_id: str) -> str | None:
        """The closed story holding `article_id` (None: none does)."""
        if not self._blocks:
            return None
        key = hash(article_id)
        for hashes, numbers in self._blocks:
            at = int(np.searchsorted(hashes, key))
            while at < len(hashes) and hashes[at] == key:
                sid = self._sids[numbers[at]]
                if sid in self._records and article_id in self._read(sid)[1]:
                    return sid
                at += 1
        return None

    def known(self, article_ids: list[str]) -> list[bool]:
        """Per id: whether its hash is archived (a cheap filter before :meth:`story_of`)."""
        if not self._blocks or not article_ids:
            return [False] * len(article_ids)
        keys = np.fromiter((hash(a) for a in article_ids), dtype=np.int64, count=len(article_ids))
        found = np.zeros(len(keys), dtype=bool)
        for hashes, _ in self._blocks:
            at = np.minimum(np.searchsorted(hashes, keys), len(hashes) - 1)
            found |= hashes[at] == keys
        return found.tolist()

    def remove(self, article_ids: set[str]) -> None:
        """Take `article_ids` out of their closed stories (recluster moves them); an emptied story goes.
        Their hashes stay: a lookup reads the record, which no longer lists them."""
        for sid in list(self._records):
            title, ids = self._read(sid)
            kept = [a for a in ids if a not in article_ids]
            if len(kept) == len(ids):
                continue
            self.articles -= len(ids) - len(kept)
            if kept:
                self._records[sid] = f"{len(title)}{_SEP}{title}{_SEP.join(kept)}"
            else:
                del self._records[sid]

    def items(self) -> Iterator[tuple[str, list[str]]]:
        for sid in self._records:
            yield sid, self._read(sid)[1]


def compact_rows(clusterer, cutoff: float, row_lists: tuple[str, ...]) -> int:
    """Archive every closed story whose members all lie before `cutoff` (no day index holds them any more)
    and renumber the remaining rows so that the archived ones leave every per-row list; returns how many
    rows left. Open stories and the day indexes are remapped; the embeddings are copied chunk by chunk."""
    c = clusterer
    n = c._n
    gone = np.zeros(n, dtype=bool)
    for sid in [sid for sid, story in c._stories.items() if story.title is not None and story.last < cutoff]:
        story = c._stories.pop(sid)
        c._closed.add(sid, story.title, [c._ids[m] for m in story.members], story.first, story.last)
        gone[story.members] = True
    kept = np.flatnonzero(~gone)
    if len(kept) == n:
        return 0
    remap = np.full(n, -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    keep_list = kept.tolist()
    for name in row_lists:
        values = getattr(c, name)
        setattr(c, name, [values[r] for r in keep_list])
    c._row = {article_id: row for row, article_id in enumerate(c._ids)}
    capacity = max(1024, len(kept) + len(kept) // 2)
    for name in ("_time", "_live", "_held"):
        values = getattr(c, name)
        out = np.zeros(capacity, dtype=values.dtype)
        out[:len(kept)] = values[kept]
        setattr(c, name, out)
    for story in c._stories.values():
        story.members = remap[story.members].tolist()
    for bucket in c._buckets.values():
        bucket.rows = remap[bucket.rows]
    c._emb = c._emb.take(kept, c._held[:len(kept)])
    c._n = len(kept)
    if _TRIM is not None:
        _TRIM(0)
    return n - len(kept)


# ---- the change report of StoryClusterer.recluster (it reads closed stories too) ----------------------

def change_report(groups: dict[str, list[str]], final_of_group: dict[str, str], old_of: dict[str, str | None],
                  member_ids: Callable[[str], list[str]]) -> dict:
    """StoryClusterer.recluster's report: `groups` (temporary story -> article ids) got the ids `final_of_group`;
    `old_of` is each article's story before; `member_ids` gives every article of an old story, closed or not."""
    report: dict[str, Any] = {"unchanged": [], "changed": [], "new": [], "merged": {}, "split": {},
                              "removed": []}
    old_members: dict[str, set[str]] = defaultdict(set)
    for a, old in old_of.items():
        if old is not None:
            old_members[old].add(a)
    new_of_old: dict[str, set[str]] = defaultdict(set)
    for temp, members in groups.items():
        sid = final_of_group[temp]
        olds = {old_of[a] for a in members if old_of[a] is not None}
        for old in olds:
            new_of_old[old].add(sid)
        if not olds:
            report["new"].append(sid)
        elif len(olds) > 1:
            report["merged"][sid] = sorted(olds)
        elif olds == {sid} and old_members[sid] == set(members):
            report["unchanged"].append(sid)
        else:
            report["changed"].append(sid)
    for old, news in new_of_old.items():
        if len(news) > 1:
            report["split"][old] = sorted(news)
        if old not in news:
            # every article of this old story moved; it survives only if articles outside the
            # period still belong to it
            still = any(a not in old_of for a in member_ids(old))
            if not still:
                report["removed"].append(old)
    for key in ("unchanged", "changed", "new", "removed"):
        report[key].sort()
    report["counts"] = {key: len(value) for key, value in report.items()}
    return report
