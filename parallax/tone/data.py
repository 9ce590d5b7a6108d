"""RuSentNE-2023 rows, the held-out split and the metric.

The split is by sentence: the same sentence appears once per annotated entity (6637 rows, 3716
sentences in train_data.csv), and a model that has seen a sentence with one entity has nearly seen it
with the others. Sentences are grouped, the groups stratified by which labels they carry, and ordered
within each stratum by a seeded hash, so the split is the same on every machine and needs no RNG."""
from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LABELS = (-1, 0, 1)
SPLIT_SEED = "parallax-tone-2025"
HELDOUT_FRACTION = 0.2


@dataclass(frozen=True)
class ToneItem:
    """An entity mention inside one sentence; `start`/`end` index into `sentence`."""
    sentence: str
    entity: str
    entity_tag: str
    start: int
    end: int


@dataclass
class LabelledItem:
    item: ToneItem
    label: int
    line: int = 0                     # line number in the source file (1 = header)
    extra: dict[str, str] = field(default_factory=dict)


def read_rusentne(path: str | Path) -> list[LabelledItem]:
    """Read a labelled RuSentNE TSV (tab-separated, CSV quoting). Rows whose offsets do not point at the
    entity are skipped: they are the dataset's own errors, not a model's."""
    out: list[LabelledItem] = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        for line, row in enumerate(reader, start=2):
            start, end = int(row["entity_pos_start_rel"]), int(row["entity_pos_end_rel"])
            item = ToneItem(row["sentence"], row["entity"], row["entity_tag"], start, end)
            if row["sentence"][start:end] != row["entity"]:
                continue
            out.append(LabelledItem(item, int(row["label"]), line))
    return out


def _stratum(labels: Iterable[int]) -> tuple[bool, bool]:
    labels = set(labels)
    return (-1 in labels, 1 in labels)


def _hash(text: str, seed: str) -> str:
    return hashlib.sha1(f"{seed}\x00{text}".encode()).hexdigest()


def sentence_folds(items: Sequence[LabelledItem], n_folds: int, seed: str = SPLIT_SEED) -> list[int]:
    """Fold number (0..n_folds-1) of every item; all items of one sentence share a fold, and each fold
    gets the same share of sentences with negative / positive / both / no polar labels."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        groups[it.item.sentence].append(i)
    strata: dict[tuple[bool, bool], list[str]] = defaultdict(list)
    for sentence, idx in groups.items():
        strata[_stratum(items[i].label for i in idx)].append(sentence)
    fold_of = [0] * len(items)
    for key in sorted(strata):
        ordered = sorted(strata[key], key=lambda s: _hash(s, seed))
        for rank, sentence in enumerate(ordered):
            for i in groups[sentence]:
                fold_of[i] = rank % n_folds
    return fold_of


def heldout_split(items: Sequence[LabelledItem], seed: str = SPLIT_SEED
                  ) -> tuple[list[LabelledItem], list[LabelledItem]]:
    """(development, held-out): held-out is fold 0 of 5, i.e. 20% of the sentences."""
    n_folds = round(1 / HELDOUT_FRACTION)
    folds = sentence_folds(items, n_folds, seed)
    dev = [it for it, f in zip(items, folds) if f != 0]
    held = [it for it, f in zip(items, folds) if f == 0]
    return dev, held


def prf(gold: Sequence[int], pred: Sequence[int], label: int) -> tuple[float, float, float]:
    tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
    n_pred = sum(1 for p in pred if p == label)
    n_gold = sum(1 for g in gold if g == label)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def macro_f1_pn(gold: Sequence[int], pred: Sequence[int]) -> float:
    """The RuSentNE-2023 score: mean of F1(positive) and F1(negative), computed on 3-class predictions."""
    return (prf(gold, pred, 1)[2] + prf(gold, pred, -1)[2]) / 2
