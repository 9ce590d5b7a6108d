"""Ukrainian dates (parallax/nlp/data/dates_uk.yaml): one line per pattern, anchor Tuesday 2024-03-05."""
from __future__ import annotations

import datetime as dt

import pytest

from parallax.nlp.dates import extract_dates

ANCHOR = dt.date(2024, 3, 5)
CASES = [
    ("3 вересня 2025 року відбулася зустріч.", [("3 вересня 2025 року", "2025-09-03")]),
    ("Він прибув до Києва у вівторок.", [("вівторок", "2024-03-05")]),
    ("Це сталося в п’ятницю.", [("п’ятницю", "2024-03-01")]),
    ("Це сталося в п'ятницю.", [("п'ятницю", "2024-03-01")]),
    ("У квітні минулого року", [("квітні минулого року", "2023-04")]),
    ("на минулому тижні", [("минулому тижні", "2024-02-26")]),
    ("вчора ввечері", [("вчора", "2024-03-04")]),
    ("два роки тому", [("два роки тому", "2022")]),
    ("з 1 по 3 травня", [("1", "2024-05-01"), ("3 травня", "2024-05-03")]),
    ("у 2024 році", [("2024 році", "2024")]),
    ("у середу, 6 березня", [("середу", "2024-03-06"), ("6 березня", "2024-03-06")]),
    ("Ми тому не прийшли.", []),
    ("Середа впливає на людину.", []),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_ukrainian_dates(text, expected):
    assert [(d.text, d.label) for d in extract_dates(text, ANCHOR, "uk")] == expected
