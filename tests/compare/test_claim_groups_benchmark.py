"""The scorer of benchmarks/claim_groups.py reads the labelled facts as the guideline writes them."""
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _claim_groups():
    spec = importlib.util.spec_from_file_location("claim_groups_bench", REPO / "benchmarks" / "claim_groups.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_also_is_a_comma_separated_list_of_facts(tmp_path):
    tsv = tmp_path / "facts.tsv"
    tsv.write_text("story\tpart\tchannel\tmessage_id\tstart\tend\tcheck\tfact\talso\tfurniture\tnote\n"
                   "pond\ttune\t1\t7\t0\t40\tОдин утонул\tf3\tf4,f5\t0\t\n"
                   "pond\ttune\t1\t7\t41\t60\t@handle\t-\t-\t1\t\n", encoding="utf-8")
    units = _claim_groups().read_labels(tsv)["pond"]["units"]["1/7"]
    assert units == [(0, 40, frozenset({"f3", "f4", "f5"}), False), (41, 60, frozenset(), True)]


def test_the_labelled_file_has_no_fact_id_with_a_comma():
    stories = _claim_groups().read_labels()
    facts = {f for story in stories.values() for rows in story["units"].values() for *_, fs, _ in rows for f in fs}
    assert facts and not any("," in f for f in facts)
