"""The web app's message catalogues and the reader's language and time zone (parallax/web/i18n.py)."""
from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from parallax.outlet_kinds import outlet_kinds
from parallax.render.page import words
from parallax.resources import load_yaml, resource_path
from parallax.web import i18n

TEMPLATES = resource_path("web/templates")
# words that are the same in every language (names, formats) and may stand in a template as they are
NOT_ENGLISH_UI = {"Parallax", "API", "JSON", "OpenAPI", "HTML", "SOURCE", "parallax", "ingest", "UTC", "MSK"}
PLURALS = {"ru": {"one", "few", "many"}, "en": {"one", "other"}}


def _fields(value) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {f for t in texts for _, f, _, _ in string.Formatter().parse(t) if f}


def test_every_language_has_the_same_keys_and_fields():
    ru, en = i18n.catalogue("ru"), i18n.catalogue("en")
    assert set(ru) == set(en), sorted(set(ru) ^ set(en))
    for key in ru:
        assert _fields(ru[key]) == _fields(en[key]), key
        for lang, cat in (("ru", ru), ("en", en)):
            if isinstance(cat[key], dict):
                assert set(cat[key]) == PLURALS[lang], (lang, key)


def test_a_key_defined_twice_is_an_error_naming_both_files(tmp_path, monkeypatch):
    for lang in ("ru",):
        folder = tmp_path / "web" / "locales" / lang
        folder.mkdir(parents=True)
        (folder / "a.yaml").write_text("x.one: один\n", encoding="utf-8")
        (folder / "b.yaml").write_text("x.one: снова\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "resource_path", lambda rel: tmp_path / rel)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"b\.yaml: x\.one is already defined in a\.yaml"):
            i18n.catalogue("ru")
    finally:
        i18n.catalogue.cache_clear()


def _template_keys() -> set[str]:
    keys = set()
    for path in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r"""_\(\s*["']([\w.\-/]+)["']""", path.read_text(encoding="utf-8")))
    return keys


def test_every_key_a_template_uses_is_in_the_catalogue():
    known = set(i18n.catalogue("ru"))
    assert _template_keys()
    missing = sorted(k for k in _template_keys() if k not in known and not k.endswith("."))
    assert not missing, missing


def _visible_text(source: str) -> str:
    """A template's text as a reader sees it, minus everything Jinja fills in: tags, expressions, comments,
    <script>/<style>; attributes that are read aloud or shown (placeholder, aria-label, title, alt) kept."""
    text = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    shown = " ".join(re.findall(r"""\b(?:placeholder|aria-label|title|alt)\s*=\s*["']([^"']*)["']""", text))
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"(?<!\w)/[\w./{}-]+", " ", text)          # paths shown as they are: /openapi.json
    return text + " " + shown


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_no_template_has_raw_english_ui_text(path: Path):
    text = _visible_text(path.read_text(encoding="utf-8"))
    english = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", text) if w not in NOT_ENGLISH_UI]
    assert not english, f"{path.name}: text outside _(): {english[:10]}"


def test_the_check_finds_english_text():
    assert re.findall(r"[A-Za-z]{3,}", _visible_text('<h1>Stories {{ _("x") }}</h1><input placeholder="Any outlet">'))


def test_every_id_shown_on_a_page_has_a_label_in_both_languages():
    """Kinds of outlet, framing labels, kinds of sources and claim statuses are shown by label, never as ids."""
    frames = set()
    for cat in load_yaml("compare/data/contested_terms.yaml")["categories"]:
        for concept in cat["concepts"]:
            for term in concept.get("terms", []):
                if isinstance(term, dict) and term.get("label"):
                    frames.add(term["label"])
    assert {"retaliation-framing", "preposition-na"} <= frames
    source_kinds = set(load_yaml("outlets/data/source_kinds.yaml")["kinds"])
    assert {"state_agency", "foreign_gov"} <= source_kinds
    needed = ({f"frame.{f}" for f in frames} | {f"source_kind.{k}" for k in source_kinds}
              | {f"status.{s}" for s in ("consensus", "partial", "unique", "conflict")})
    for lang in ("ru", "en"):
        missing = sorted(k for k in needed if k not in words(lang))
        assert not missing, (lang, missing)
        for kind in outlet_kinds().kinds():
            assert i18n.label("kind", kind, lang) != kind or lang == "en" and kind.isalpha(), (lang, kind)
    assert i18n.label("source_kind", "foreign_gov", "ru") == "иностранные власти"
    assert i18n.label("frame", "retaliation-framing", "en") == '"retaliation"'


def test_the_reader_chooses_by_query_then_cookie_then_accept_language():
    assert i18n.choose({}, {}, None) == i18n.Locale("ru", "Europe/Moscow")
    assert i18n.choose({}, {}, "en-GB,en;q=0.9,ru;q=0.5").lang == "en"
    assert i18n.choose({}, {}, "de-DE,ru;q=0.3,en;q=0.2").lang == "ru"
    assert i18n.choose({}, {"lang": "en"}, "ru").lang == "en"
    assert i18n.choose({"lang": "ru"}, {"lang": "en"}, "en").lang == "ru"
    assert i18n.choose({"lang": "fr"}, {}, None).lang == "ru"                       # unknown: ignored
    assert i18n.choose({"tz": "Europe/Berlin"}, {"tz": "UTC"}, None).tz == "Europe/Berlin"
    assert i18n.choose({"tz": "Mars/Olympus"}, {"tz": "UTC"}, None).tz == "UTC"      # no such zone
    assert i18n.choose({"tz": "../../etc/passwd"}, {}, None).tz == "Europe/Moscow"


def test_times_carry_their_zone():
    stamp = "2024-12-04T08:55:00+00:00"
    assert i18n.format_time(stamp, i18n.Locale("ru", "Europe/Moscow")) == "04.12.2024 11:55 МСК"
    assert i18n.format_time(stamp, i18n.Locale("en", "Europe/Moscow")) == "2024-12-04 11:55 MSK"
    assert i18n.format_time(stamp, i18n.Locale("en", "Asia/Kolkata")) == "2024-12-04 14:25 UTC+5:30"
    assert i18n.format_time(stamp, i18n.Locale("ru", "America/New_York")) == "04.12.2024 03:55 UTC−5"
    when = dt.datetime(2024, 12, 4, 8, 55, tzinfo=dt.timezone.utc).timestamp()
    assert i18n.format_time(when, i18n.Locale("ru", "UTC")) == "04.12.2024 08:55 UTC"
    assert i18n.format_time("2024-12-04", i18n.Locale("ru")) == "04.12.2024"        # a date has no zone
    assert i18n.format_time(None, i18n.Locale("en")) == "no date"


def test_plural_forms():
    assert [i18n.translate("count.articles", lang="ru", n=n) for n in (1, 2, 5, 11, 21, 22, 112)] == \
        ["1 статья", "2 статьи", "5 статей", "11 статей", "21 статья", "22 статьи", "112 статей"]
    assert i18n.translate("count.articles", lang="en", n=1) == "1 article"
    assert i18n.translate("count.articles", lang="en", n=3) == "3 articles"


def test_pages_follow_the_choice_and_remember_it(client):
    body = client.get("/stories", params={"lang": "en"}, cookies={})
    assert '<html lang="en">' in body.text and body.headers["content-language"] == "en"
    assert "lang=en" in body.headers.get("set-cookie", "")
    assert ">Stories <" in body.text
    client.cookies.clear()
    ru = client.get("/stories")
    assert '<html lang="ru">' in ru.text and ">Сюжеты <" in ru.text and "set-cookie" not in ru.headers
    en = client.get("/stories", headers={"accept-language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in en.text
    # a cached Russian page is never served to a reader who chose English, and the other way round
    client.cookies.set("lang", "en")
    try:
        assert '<html lang="en">' in client.get("/stories").text
    finally:
        client.cookies.clear()
    assert '<html lang="ru">' in client.get("/stories").text


def test_times_on_pages_are_in_the_chosen_zone(client):
    client.cookies.clear()
    moscow = client.get("/stories", params={"min_outlets": 1}).text
    assert "МСК" in moscow
    utc = client.get("/stories", params={"min_outlets": 1, "tz": "UTC"}).text
    client.cookies.clear()
    assert "МСК" not in utc.split("<footer")[0] and " UTC</time>" in utc
