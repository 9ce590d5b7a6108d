"""The canonical example pair, end to end: snapshot of the full JSON, schema, offsets, and the things a
reader must see in it. Set PARALLAX_UPDATE_SNAPSHOTS=1 to rewrite the snapshot after an intended change
(and read the diff)."""
import json
import os
from pathlib import Path

import pytest

from parallax.api import compare_articles, read_articles
from parallax.render.jsonout import check_offsets, validate_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.txt"))
SNAPSHOT = ROOT / "tests" / "snapshots" / "example_pair.json"


@pytest.fixture(scope="module")
def doc():
    articles, errors = read_articles(EXAMPLES, ["independent", "state"])
    _, out = compare_articles(articles, errors)
    for art in out["stories"][0]["articles"]:       # where the checkout lives is not part of the output
        art["source"] = str(Path(art["source"]).relative_to(ROOT))
    return out


def test_snapshot_of_full_json(doc):
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("PARALLAX_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text, "utf-8")
    assert text == SNAPSHOT.read_text("utf-8"), "output changed: rerun with PARALLAX_UPDATE_SNAPSHOTS=1 and review the diff"


def test_valid_against_schema_and_every_offset_points_at_its_text(doc):
    validate_document(doc)
    assert check_offsets(doc) == []


def _story(doc):
    [story] = doc["stories"]
    return story


def test_articles_metadata(doc):
    arts = _story(doc)["articles"]
    assert [a["outlet"] for a in arts] == ["independent", "state"]
    assert [a["language"] for a in arts] == ["ru", "ru"]
    assert arts[1]["date"] == "2025-09-03" and not arts[1]["text"].startswith(" date")


def test_foreign_name_forms_are_one_person(doc):
    kim = [e for e in _story(doc)["entities"] if e["name"] == "Ким Чен Ын"]
    assert len(kim) == 1
    forms = {m["text"] for m in kim[0]["mentions"]}
    assert {"Ким Чен Ына", "Ким Чен Ыну", "Ким Чен Ыном", "Кима"} <= forms
    # roles resolved through the story: 'лидер Северной Кореи' titles Kim in the first article
    assert any(m["kind"] == "role" for m in kim[0]["mentions"])


def test_roles_and_metonyms_resolved(doc):
    ents = {e["name"]: e for e in _story(doc)["entities"]}
    putin = {m["text"] for m in ents["Владимир Путин"]["mentions"]}
    assert "российский лидер" in putin
    assert "американский лидер" in {m["text"] for m in ents["Дональд Трамп"]["mentions"]}
    nk = {m["text"] for m in ents["Северная Корея"]["mentions"]}
    assert {"КНДР", "Пхеньян"} <= nk


def test_relative_dates_resolved_against_story_date(doc):
    first = _story(doc)["articles"][0]
    values = {d["text"]: d["value"] for d in first["dates"]}
    assert values["среду"] == "2025-09-03"          # the undated article takes the story's date
    second = _story(doc)["articles"][1]
    assert {d["text"]: d["value"] for d in second["dates"]}["июне прошлого года"] == "2024-06-01"


def test_number_with_what_it_counts(doc):
    nums = _story(doc)["articles"][0]["numbers"]
    n = next(n for n in nums if n["unit"] == "военнослужащий")
    assert n["value"] == 15000 and n["qualifier"] == "about"


def test_shared_quotes_are_grouped_with_relation_and_diff(doc):
    quotes = _story(doc)["quotes"]
    shared = [q for q in quotes if len({r["article"] for r in q["renderings"]}) == 2]
    by_speaker = {q["speaker_name"]: q for q in shared}
    assert by_speaker["Дональд Трамп"]["relation"] == "reworded"
    diff_ops = {d["op"] for r in by_speaker["Дональд Трамп"]["renderings"] for d in r["diff"]}
    assert {"insert", "delete"} <= diff_ops
    assert by_speaker["Владимир Путин"]["relation"] in ("trimmed", "verbatim")


def test_claim_statuses_and_unique_facts(doc):
    claims = _story(doc)["claims"]
    statuses = {c["status"] for c in claims}
    assert "consensus" in statuses and "unique" in statuses
    unique_texts = " ".join(m["text"] for c in claims if c["status"] == "unique" for m in c["members"])
    # what only the independent outlet reports: the intelligence estimate
    assert "южнокорейской разведки" in unique_texts


def test_framing_and_sources_per_outlet(doc):
    story = _story(doc)
    kursk = next(f for f in story["framing"] if "Kursk" in f["concept"])
    labels = {aid: {t["label"] for t in terms} for aid, terms in kursk["terms"].items()}
    a, b = [x["id"] for x in story["articles"]]
    assert labels[a] != labels[b]
    kinds = {(x["article"], x["kind"]) for x in story["attributions"]}
    assert (a, "intelligence") in kinds and (b, "agency") in kinds
