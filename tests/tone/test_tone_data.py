"""RuSentNE reading, the held-out split and the metric."""
from __future__ import annotations

import pytest

from parallax.tone.data import (
    LabelledItem,
    ToneItem,
    heldout_split,
    macro_f1_pn,
    prf,
    read_rusentne,
    sentence_folds,
)


def _items(n_sentences: int) -> list[LabelledItem]:
    out = []
    for s in range(n_sentences):
        sentence = f"Предложение номер {s} про Петрова и Сидорова."
        labels = [(-1 if s % 5 == 0 else 1 if s % 7 == 0 else 0), 0]
        for entity, label in zip(("Петрова", "Сидорова"), labels):
            start = sentence.index(entity)
            out.append(LabelledItem(ToneItem(sentence, entity, "PERSON", start, start + len(entity)), label))
    return out


def test_split_keeps_a_sentence_on_one_side_and_is_stable():
    items = _items(200)
    dev, held = heldout_split(items)
    assert len(dev) + len(held) == len(items)
    assert not {i.item.sentence for i in dev} & {i.item.sentence for i in held}
    # 20% of the sentences, up to one per stratum from rounding
    assert 40 <= len({i.item.sentence for i in held}) <= 43
    _dev2, held2 = heldout_split(list(reversed(items)))
    assert {id(i) for i in held} == {id(i) for i in held2}     # input order does not matter


def test_split_is_stratified_by_polar_labels():
    items = _items(200)
    _, held = heldout_split(items)
    neg_sentences = {i.item.sentence for i in held if i.label == -1}
    assert len(neg_sentences) == 8                              # 40 of 200 sentences carry -1
    folds = sentence_folds(items, 5)
    assert sorted(set(folds)) == [0, 1, 2, 3, 4]


def test_seed_changes_the_split():
    items = _items(100)
    a = sentence_folds(items, 5, seed="a")
    b = sentence_folds(items, 5, seed="b")
    assert a != b


def test_metric_is_mean_of_positive_and_negative_f1():
    gold = [1, 1, -1, -1, 0, 0]
    pred = [1, 0, -1, 1, 0, 0]
    assert prf(gold, pred, 1) == pytest.approx((0.5, 0.5, 0.5))
    assert prf(gold, pred, -1) == pytest.approx((1.0, 0.5, 2 / 3))
    assert macro_f1_pn(gold, pred) == pytest.approx((0.5 + 2 / 3) / 2)
    assert macro_f1_pn(gold, [0] * 6) == 0.0                   # neutral F1 does not count


def test_read_rusentne_skips_rows_whose_offsets_miss_the_entity(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\tlabel\n"
                    "Петров уехал.\tПетров\tPERSON\t0\t6\t0\n"
                    "Петров уехал.\tПетров\tPERSON\t1\t7\t0\n"
                    # CSV quoting, as in the RuSentNE files: the sentence is '"Цитата" Петрова.'
                    '"""Цитата"" Петрова."\tПетрова\tPERSON\t9\t16\t-1\n', encoding="utf-8")
    rows = read_rusentne(path)
    assert [(r.item.entity, r.label, r.line) for r in rows] == [("Петров", 0, 2), ("Петрова", -1, 4)]
