"""`parallax analyze` and `px.analyze_files`: each article's layers, with offsets that point into its text."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import parallax.api as px
from parallax.ingest.errors import InputError
from parallax.nlp import ner_en

RU = ("---\noutlet: Утренняя газета\ndate: 2024-03-05\n---\n"
      "Президент России Владимир Путин прибыл в Пекин во вторник.\n"
      "«Мы договорились о поставках», — сказал Путин журналистам. По данным ТАСС, переговоры длились "
      "около трех часов.\n")
UK = ("---\noutlet: Ранкова газета\ndate: 2024-03-05\n---\n"
      "Президент України Володимир Зеленський прибув до Києва у вівторок. Бійці ЗСУ звільнили два села біля "
      "Харкова. Володимир Путін не коментував.\n")
EN = ("Ukraine's president arrived in Kyiv on Tuesday. \"We agreed on the deliveries,\" he said.\n")


def run(*args):
    return subprocess.run([sys.executable, "-m", "parallax.cli.main", "analyze", *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("ru.txt", RU), ("uk.txt", UK), ("en.txt", EN)):
        paths[name] = tmp_path / name
        paths[name].write_text(text, "utf-8")
    return paths


def spans_match(article: dict) -> list[str]:
    """Every layer item whose `text` is not article text[start:end]."""
    text, bad = article["text"], []
    for layer in ("entities", "dates", "numbers", "quotes", "attributions"):
        for item in article[layer]:
            if text[item["start"]:item["end"]] != item["text"]:
                bad.append(f"{layer}: {item}")
    for q in article["quotes"]:
        if q["speaker_start"] is not None and text[q["speaker_start"]:q["speaker_end"]] != q["speaker"]:
            bad.append(f"speaker: {q}")
    return bad


def test_analyze_files_gives_every_layer_with_keys_across_languages(files):
    ru, uk, en = px.analyze_files([files["ru.txt"], files["uk.txt"], files["en.txt"]])
    assert [a["language"] for a in (ru, uk, en)] == ["ru", "uk", "en"]
    for article in (ru, uk, en):
        assert not spans_match(article), spans_match(article)
        assert article["sentences"] and 0 < article["language_confidence"] <= 1
    keys = {lang: {e["key"] for e in a["entities"]} for lang, a in (("ru", ru), ("uk", uk))}
    assert "putin" in keys["ru"] and "putin" in keys["uk"]          # Путин / Путін
    assert {"armed forces of ukraine", "kyiv", "kharkiv"} <= keys["uk"]   # ЗСУ, Києва, Харкова (alias table)
    assert {e["normal"] for e in uk["entities"]} >= {"Київ", "Харків", "Володимир Зеленський"}
    assert [d["value"] for d in uk["dates"]] == ["2024-03-05"]       # «у вівторок» (nlp/data/dates_uk.yaml)
    assert ru["ner"] == "slovnet" and uk["ner"] and en["ner"] == ner_en.MODEL_NAME   # spaCy en_core_web_sm
    assert [d["value"] for d in ru["dates"]] == ["2024-03-05"]       # «во вторник» in the week of 2024-03-05
    assert any(n["value"] == 3 for n in ru["numbers"])
    quote = ru["quotes"][0]
    assert quote["text"] == "Мы договорились о поставках" and quote["speaker_key"] == "putin"
    assert [t["source"] for t in ru["attributions"]] == ["ТАСС"]


def test_analyze_files_names_the_unreadable_file(tmp_path, files):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.txt"):
        px.analyze_files([files["ru.txt"], empty])
    errors: list[dict] = []
    out = px.analyze_files([files["ru.txt"], empty], errors=errors)
    assert len(out) == 1 and errors[0]["file"].endswith("empty.txt")


def test_cli_writes_json_and_lists_layers(tmp_path, files):
    out = tmp_path / "a.json"
    r = run(str(files["ru.txt"]), str(files["en.txt"]), str(tmp_path / "missing.txt"), "--json", str(out))
    assert r.returncode == 3, r.stderr                                 # done, one file skipped
    assert "missing.txt" in r.stderr and "Traceback" not in r.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["version"] == 1 and [a["language"] for a in doc["articles"]] == ["ru", "en"]
    assert doc["errors"][0]["file"].endswith("missing.txt")
    assert "Путин [PER] Путин -> putin" in r.stdout
    assert f"NER: {ner_en.MODEL_NAME}" in r.stdout                   # English has its own model now


def test_cli_json_to_stdout_and_usage_errors(files, tmp_path):
    r = run(str(files["uk.txt"]), "--json", "-")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["articles"][0]["language"] == "uk"
    assert run().returncode == 2
    assert run(str(files["uk.txt"]), "--max-chars", "0").returncode == 2
    r = run(str(tmp_path / "missing.txt"))
    assert r.returncode == 1 and "no readable article" in r.stderr
    r = run(str(files["uk.txt"]), "--json", str(tmp_path / "no" / "such" / "dir.json"))
    assert r.returncode == 1 and "no such folder" in r.stderr
