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
