"""Quality gate: the shipped tone model on the held-out 20% of RuSentNE-2023 train_data.csv must stay at
or above the floor in benchmarks/eval_baseline.json ("tone_rusentne"; written by
`python benchmarks/tone_quality.py --write-floors`). Skipped when ../shared/data is absent."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data" / "rusentne-2023" / "train_data.csv"
BASELINE = REPO / "benchmarks" / "eval_baseline.json"


@pytest.mark.skipif(not DATA.exists(), reason="RuSentNE-2023 data not available")
def test_heldout_macro_f1_stays_above_the_floor():
    from parallax.tone.data import heldout_split, macro_f1_pn, read_rusentne
    from parallax.tone.model import default_model
    floor = json.loads(BASELINE.read_text("utf-8"))["tone_rusentne"]["floors"]["macro_f1_pn"]
    dev, held = heldout_split(read_rusentne(DATA))
    assert len(held) > 1000 and len(dev) > 4 * len(held) - 200
    pred = default_model().predict([i.item for i in held])
    score = macro_f1_pn([i.label for i in held], pred)
    assert score >= floor, f"held-out macro-F1(pos,neg) {score:.4f} below the floor {floor}"
    # the majority class scores 0: the floor has to mean something
    assert floor > 0.3
