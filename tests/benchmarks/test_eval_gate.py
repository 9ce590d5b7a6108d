"""Quality floors of benchmarks/eval_gate.py: story decisions on the tuning pairs, claim alignment on
ParaPhraser, quote extraction on the labelled sample must stay at or above the floors in
benchmarks/eval_baseline.json. A gate skips when ../shared/data is absent and fails when its data is
not the data the floors were measured on (rerun `python benchmarks/eval_gate.py --update NAME` after
checking the new numbers). Plus the gate's own parts, on made-up files and documents."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark
from parallax.model import AnalyzedArticle, Article, Mention, Quote

REPO = Path(__file__).resolve().parents[2]
OWNED = ("stories_pairs", "alignment_paraphraser", "quotes", "claim_groups", "digests")


@pytest.fixture(scope="module")
def gate():
    return load_benchmark("eval_gate")


@pytest.fixture(scope="module")
def quotes(gate):
    return sys.modules["quotes_eval"]


# ---- the gates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", OWNED)
def test_quality_stays_above_the_floors(gate, name):
    baseline = gate.read_baseline()
    assert name in baseline, f"benchmarks/eval_baseline.json has no {name!r} (run eval_gate.py --update {name})"
    recorded = baseline[name]
    assert set(recorded["floors"]) == set(gate.GATES[name].gated), "floors and gated metrics differ"
    files = gate.GATES[name].data()
    missing = gate.missing_data(files)
    if missing:
        pytest.skip(missing)
    changed = gate.changed_data(files, recorded["data_sha256"])
    assert not changed, (f"data changed since the floors were measured: {changed}; check the new numbers, "
                         f"then `python benchmarks/eval_gate.py --update {name}`")
    measured = gate.GATES[name].measure()
    below = gate.below_floors(measured, recorded["floors"])
    assert not below, f"{name} below the floor (measured, floor): {below}"


def test_existing_gates_are_kept(gate):
    baseline = gate.read_baseline()
    assert {"ner_factrueval", "tone_rusentne"} <= set(baseline)
    assert all(baseline[name]["floors"] for name in baseline)


# ---- the gate's parts -----------------------------------------------------------------------------

def test_a_changed_or_added_data_file_is_noticed(gate, tmp_path):
    one, two = tmp_path / "a.tsv", tmp_path / "b.json"
    one.write_text("x\t1\n", encoding="utf-8")
    two.write_text("[]", encoding="utf-8")
    files = {"a.tsv": [one], "raw/*.json": [two]}
    recorded = gate.data_sha256(files)
    assert gate.changed_data(files, recorded) == []
    one.write_text("x\t2\n", encoding="utf-8")
    assert gate.changed_data(files, recorded) == ["a.tsv"]
    three = tmp_path / "c.json"
    three.write_text("[1]", encoding="utf-8")
    assert gate.changed_data({"a.tsv": [one], "raw/*.json": [two, three]}, recorded) == ["a.tsv", "raw/*.json"]


def test_missing_data_names_what_is_missing(gate, tmp_path):
    assert gate.missing_data({"x": [tmp_path / "nope.tsv"]}).startswith("x is not available")
    assert gate.missing_data({"raw/*.json": []}) is not None
    assert gate.missing_data({"here": [tmp_path]}) is None


def test_floors_and_what_falls_below_them(gate):
    assert gate.floor_of(0.8057) == 0.785
    assert gate.floor_of(0.01) == 0.0
    below = gate.below_floors({"f1": 0.7, "auc": 0.9}, {"f1": 0.75, "auc": 0.8, "gone": 0.5})
    assert below == {"f1": (0.7, 0.75), "gone": (None, 0.5)}


def test_lost_line_breaks_of_the_ods_dumps_are_restored(quotes):
    text = "Отвечает губернаторnВ зонах пожаров.nГалямину задержали.nБирюковnзаявилn«ОВД-Инфо», что… сообщаетnРЕН-ТВn."
    assert quotes.restore_line_breaks(text) == ("Отвечает губернатор В зонах пожаров.\nГалямину задержали.\n"
                                                "Бирюков заявил «ОВД-Инфо», что… сообщает РЕН-ТВ.")
    assert quotes.restore_line_breaks("Instagram и Putin") == "Instagram и Putin"


def test_speakers_match_by_words_and_stems(quotes):
    assert quotes.same_speaker("Песков", "Дмитрий Песков")
    assert quotes.same_speaker("Дмитрий Пескова", "Песков")
    assert quotes.same_speaker("синоптик центра", 'синоптик центра "Фобос"')
    assert not quotes.same_speaker("Путин", "Песков")
    assert not quotes.same_speaker(None, "Песков")
    assert not quotes.same_speaker("Ким", "Кимура")          # a short word is no stem


def _doc(text: str, quotes_: list[Quote], mentions: list[Mention] = ()) -> AnalyzedArticle:
    return AnalyzedArticle(article=Article(id="1", text=text, outlet="t"), quotes=quotes_, mentions=list(mentions))


def test_quotes_match_inside_the_sentence_by_half_the_longer_span(quotes):
    text = "Песков заявил, что визит готовят. «Всё будет хорошо», — сказал он. Потом ушёл."
    sent = quotes.LabelledSentence("s", "1", 0, 33, text[:24], [
        quotes.LabelledQuote(19, 32, "Дмитрий Песков", "indirect")])
    speaker = Mention(0, 6, "Песков", "PER", "Песков")
    hit = Quote(19, 32, text[19:32], "indirect", speaker_mention=0)
    long_one = Quote(19, 66, text[19:66], "indirect")            # clipped to the sentence: still the same span
    elsewhere = Quote(35, 51, text[35:51], "direct")              # another sentence: not a prediction here
    got = quotes.match_sentence(sent, _doc(text, [hit, elsewhere], [speaker]))
    assert (got["tp"], got["fp"], got["fn"], got["speaker_scored"], got["speaker_correct"]) == (1, 0, 0, 1, 1)
    assert quotes.match_sentence(sent, _doc(text, [long_one]))["tp"] == 1
    assert quotes.match_sentence(sent, _doc(text, [long_one]))["speaker_correct"] == 0
    short = Quote(27, 32, text[27:32], "indirect")                 # 5 of 13 characters: no match
    got = quotes.match_sentence(sent, _doc(text, [short]))
    assert (got["tp"], got["fp"], got["fn"]) == (0, 1, 1)
    assert quotes.span_overlap((0, 10), (5, 20)) == pytest.approx(1 / 3)


def test_the_labelled_sample_is_well_formed(quotes):
    sample = quotes.read_labelled()
    assert len(sample) == 80
    assert sum(len(s.quotes) for s in sample) >= 30
    for s in sample:
        assert len(s.check) <= quotes.CHECK_CHARS and s.start < s.end
        for q in s.quotes:
            assert s.start <= q.start < q.end <= s.end and q.kind in ("direct", "indirect") and q.speaker
