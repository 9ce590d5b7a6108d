"""Fixtures of the claim-facts tests (the labelled parts of benchmarks/data/claim_facts.tsv): the scorer and the
extraction script as modules, the labels as the scorer reads them, and which channels report each fact."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark

LABELS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "claim_facts.tsv"


@pytest.fixture(scope="module")
def scorer():
    return load_benchmark("claim_groups")


@pytest.fixture(scope="module")
def extract():
    return load_benchmark("claim_facts_extract")


@pytest.fixture(scope="module")
def labels(scorer):
    return scorer.read_labels(LABELS)


def _fact_channels(units: dict) -> dict[str, set[str]]:
    """fact -> channels reporting it (a channel is one outlet in these stories)"""
    channels = defaultdict(set)
    for ext_id, rows in units.items():
        for _start, _end, facts, _furniture in rows:
            for fact in facts:
                channels[fact].add(ext_id.split("/")[0])
    return channels


@pytest.fixture(scope="session")
def fact_channels():
    return _fact_channels


def _part_counts(labels: dict, part: str) -> dict[str, tuple[int, ...]]:
    """slug -> (posts, outlets, units, facts, facts of two or more outlets, furniture lines) of one part's stories,
    the counts each part's guideline section gives (a channel is one outlet in these stories)"""
    counts = {}
    for slug, story in labels.items():
        if story["part"] != part:
            continue
        shared = _fact_channels(story["units"])
        counts[slug] = (len(story["units"]), len({ext_id.split("/")[0] for ext_id in story["units"]}),
                        sum(len(rows) for rows in story["units"].values()), len(shared),
                        sum(len(c) > 1 for c in shared.values()),
                        sum(f for rows in story["units"].values() for *_, f in rows))
    return counts


@pytest.fixture(scope="session")
def part_counts():
    return _part_counts
