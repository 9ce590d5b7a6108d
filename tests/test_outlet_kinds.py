"""The outlet kinds registry (parallax/outlet_kinds.py, parallax/data/outlet_kinds.yaml): the shipped file is
valid and backed by sources, users extend and override it, unknown outlets are unrated, names match in any
case and with ё or е, and original links point at the post."""
from __future__ import annotations

import collections
import glob
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from parallax.outlet_kinds import (
    ENV_VAR,
    FLAGS,
    UNRATED,
    load_outlet_kinds,
    name_key,
    original_link,
    outlet_kinds,
)
from parallax.resources import ResourceError, resource_path

SHIPPED = resource_path("data/outlet_kinds.yaml")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TELEGRAM = DATA / "telegram-ru-news-channels" / "data" / "raw"
TGCONTEST = DATA / "tgcontest-2019-html" / "pages"
LEFT_UNRATED = {"LetKnow News", "RuNews24", "YesAsia", "Регион Online"}
KIND_IDS = {"state", "state_aligned", "independent", "exile", "foreign_public", "ukrainian", "business", "tabloid",
            "aggregator", "milblogger", "regional", "other", "unrated"}


@pytest.fixture(autouse=True)
def no_user_file(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def write(tmp_path, text: str, name: str = "kinds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- the shipped file -----------------------------------------------------------------------------------

def test_the_shipped_registry_loads_with_ascii_kinds_in_display_order():
    registry = load_outlet_kinds()
    assert set(registry.kinds()) == KIND_IDS
    assert registry.kinds()[0] == "state" and registry.kinds()[-1] == UNRATED
    assert all(re.fullmatch(r"[a-z_]+", k) for k in registry.kinds())
    assert len(registry.entries) >= 100
    for kind in registry.kinds():
        assert registry.label(kind, "ru") and registry.label(kind, "en"), kind


def test_every_shipped_entry_has_a_known_kind_flags_and_url_sources():
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    for entry in raw["outlets"]:
        assert entry["kind"] in KIND_IDS - {UNRATED}, entry["name"]
        assert entry.get("sources"), f"{entry['name']}: no sources"
        assert all(u.startswith("https://") for u in entry["sources"]), entry["name"]
        assert set(entry.get("flags", [])) <= set(FLAGS), entry["name"]


def test_flags_are_backed_by_a_register_or_an_encyclopedia():
    """A flag is a legal status: an entry that carries one cites the Minjust register or Wikipedia."""
    for info in load_outlet_kinds().entries:
        if info.flags:
            assert any("minjust.gov.ru" in u or "wikipedia.org" in u for u in info.sources), info.name
        if {"foreign_agent_ru", "undesirable_ru"} & set(info.flags):
            assert any("minjust.gov.ru" in u for u in info.sources), info.name


def test_no_name_or_alias_is_used_twice_in_the_shipped_file():
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    seen = collections.Counter(key for e in raw["outlets"]
                               for key in {name_key(s) for s in (e["name"], *e.get("aliases", []))})
    assert [k for k, n in seen.items() if n > 1] == []


def test_a_duplicate_alias_in_the_shipped_format_is_refused(tmp_path, monkeypatch):
    import parallax.outlet_kinds as module
    path = write(tmp_path, "outlets:\n"
                           "  - {name: A, kind: state, sources: [https://x.org/a], aliases: [Общее]}\n"
                           "  - {name: B, kind: state, sources: [https://x.org/b], aliases: [общее]}\n")
    monkeypatch.setattr(module, "SHIPPED", str(path))
    with pytest.raises(ResourceError, match="alias 'общее' is already used by 'A'"):
        load_outlet_kinds()


def test_telegram_usernames_are_plain_usernames():
    for info in load_outlet_kinds().entries:
        if info.telegram:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", info.telegram), info.name


# ---- lookups ----------------------------------------------------------------------------------------------

def test_names_match_in_any_case_with_yo_folded_and_spaces_collapsed():
    registry = load_outlet_kinds()
    assert registry.kind_of("РИА Новости") == "state"
    assert registry.kind_of("риа  новости") == "state"
    assert registry.kind_of("RIA Novosti") == "state"
    assert registry.info("ria.ru").name == "РИА Новости"
    assert registry.kind_of("Медуза") == registry.kind_of("MEDUZA") == "exile"
    assert registry.kind_of("BBC News | Русская служба") == "foreign_public"
    assert name_key("Ёжик  в тумане") == name_key("ежик в тумане")


def test_yo_and_ye_are_one_letter_for_matching(tmp_path):
    path = write(tmp_path, "outlets:\n  - {name: Всё о Москве, kind: regional, sources: [https://example.org/m],"
                           " aliases: [Новости Орла]}\n")
    registry = load_outlet_kinds(path)
    assert registry.kind_of("Все о Москве") == registry.kind_of("ВСЁ О МОСКВЕ") == "regional"
    assert registry.kind_of("новости орёла") == UNRATED and registry.kind_of("Новости орла") == "regional"


def test_unknown_outlets_are_unrated_never_guessed():
    registry = load_outlet_kinds()
    for name in ("Государственное ТВ Новостей", "state", "РИА", "Независимая газета Тест", "", None):
        if name == "РИА":
            continue            # an alias of RIA Novosti on purpose
        assert registry.kind_of(name) == UNRATED
        assert registry.info(name) is None


def test_coverage_counts_distinct_outlets_by_kind_in_display_order():
    registry = load_outlet_kinds()
    cov = registry.coverage(["Mash", "РИА Новости", "SHOT", "Mash", "Неизвестное"])
    assert cov == {"state": 1, "tabloid": 2, UNRATED: 1}
    assert list(cov) == ["state", "tabloid", UNRATED]
    assert registry.rated(["Mash", "Неизвестное"]) == {"Mash": "tabloid"}


# ---- the user's file ---------------------------------------------------------------------------------------

def test_a_user_file_extends_and_overrides_field_by_field(tmp_path):
    path = write(tmp_path, """
kinds:
  partisan: {ru: партийные, en: partisan}
outlets:
  - name: Mash
    kind: other
    sources: [https://example.org/mash]
  - name: Новое издание
    kind: partisan
    aliases: [Новое-издание, НИ]
    sources: [https://example.org/new]
  - name: RIA Novosti
    owner: test owner
""")
    registry = load_outlet_kinds(path)
    assert registry.kind_of("Mash") == "other"
    assert registry.info("Mash").telegram == "mash"           # fields it does not give are kept
    assert registry.kind_of("ни") == "partisan"
    assert registry.kinds()[-2:] == ["partisan", UNRATED]
    assert registry.label("partisan", "en") == "partisan"
    ria = registry.info("РИА Новости")                        # overridden through an alias
    assert ria.owner == "test owner" and ria.kind == "state" and ria.name == "РИА Новости"
    assert load_outlet_kinds().kind_of("Mash") == "tabloid"   # the shipped registry is untouched


def test_the_environment_names_the_user_file_and_the_cache_follows_edits(tmp_path, monkeypatch):
    path = write(tmp_path, "outlets:\n  - {name: Канал Тест, kind: regional, sources: [https://example.org/t]}\n")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert outlet_kinds().kind_of("канал тест") == "regional"
    path.write_text("outlets:\n  - {name: Канал Тест, kind: tabloid, sources: [https://example.org/t]}\n"
                    "# longer\n", encoding="utf-8")
    import os
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert outlet_kinds().kind_of("канал тест") == "tabloid"
    monkeypatch.delenv(ENV_VAR)
    assert outlet_kinds().kind_of("канал тест") == UNRATED


@pytest.mark.parametrize("text,problem", [
    ("outlets:\n  - {name: X, kind: heroic, sources: [https://x.org]}\n", "kind 'heroic' is not one of"),
    ("outlets:\n  - {name: X, kind: unrated, sources: [https://x.org]}\n", "kind 'unrated' is not one of"),
    ("outlets:\n  - {name: X, kind: state}\n", "no `sources`"),
    ("outlets:\n  - {name: X, kind: state, sources: [wikipedia]}\n", "is not a URL"),
    ("outlets:\n  - {name: X, kind: state, sources: [https://x.org], flags: [banned]}\n", "unknown flag"),
    ("outlets:\n  - {name: X, sources: [https://x.org]}\n", "has no `kind`"),
    ("outlets:\n  - {kind: state}\n", "without `name`"),
    ("outlets:\n  - {name: X, kind: state, sources: [https://x.org], colour: red}\n", "unknown field"),
    ("outlets:\n  - {name: X, kind: state, sources: [https://x.org], telegram: 't.me/x y'}\n", "not a Telegram"),
    ("outlets: [\n", "not valid YAML"),
    ("- just a list\n", "expected a mapping"),
    ("kinds: {Bad Kind: {en: x}}\n", "ASCII ids"),
])
def test_a_bad_user_file_is_refused_naming_the_file_and_the_problem(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(ResourceError) as err:
        load_outlet_kinds(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_a_missing_user_file_is_refused(tmp_path):
    with pytest.raises(ResourceError, match="no such outlet kinds file"):
        load_outlet_kinds(tmp_path / "nope.yaml")


# ---- original links --------------------------------------------------------------------------------------

def test_original_link_prefers_the_article_url():
    assert original_link("РИА Новости", "https://ria.ru/x.html", {"message_id": 5}) == "https://ria.ru/x.html"


def test_original_link_of_a_telegram_post_uses_the_public_username():
    meta = {"channel_id": "1001101170442", "message_id": 271643}
    assert original_link("РИА Новости", None, meta) == "https://t.me/rian_ru/271643"


def test_original_link_of_an_unknown_channel_uses_its_id_without_the_100_prefix():
    assert original_link("Топор Live", None, {"channel_id": "1001754252633", "message_id": "126168"}) == \
        "https://t.me/c/1754252633/126168"
    # a Desktop export gives the id without the prefix
    assert original_link("Канал", None, {"channel_id": "1754252633", "message_id": 7}) == "https://t.me/c/1754252633/7"
    assert original_link("Канал", None, {"channel_id": "-1001754252633", "message_id": 7}) == \
        "https://t.me/c/1754252633/7"


@pytest.mark.parametrize("url,meta", [
    (None, {}), (None, None), ("file:///etc/passwd", {}), ("javascript:alert(1)", {"channel_id": "x"}),
    (None, {"channel_id": "abc", "message_id": 3}), (None, {"channel_id": "123", "message_id": "3/../x"}),
])
def test_original_link_is_none_without_a_safe_source(url, meta):
    assert original_link("Неизвестный", url, meta) is None


# ---- coverage of the data sets ----------------------------------------------------------------------------

@pytest.mark.skipif(not TELEGRAM.is_dir(), reason="../shared/data/telegram-ru-news-channels is absent")
def test_every_channel_of_the_telegram_data_set_is_rated():
    registry = load_outlet_kinds()
    channels = set()
    for path in sorted(TELEGRAM.glob("*.json")):
        channels |= {m.get("channel") for m in json.loads(path.read_text(encoding="utf-8")) if m.get("channel")}
    assert len(channels) >= 19
    assert sorted(c for c in channels if registry.kind_of(c) == UNRATED) == []
    # the usernames the registry gives are the ones the channels link their own posts with
    assert registry.info("РИА Новости").telegram == "rian_ru"
    assert registry.info("Mash").telegram == "mash"


@pytest.mark.skipif(not TGCONTEST.is_dir(), reason="../shared/data/tgcontest-2019-html is absent")
def test_the_common_russian_language_outlets_of_tgcontest_are_rated():
    """og:site_name of the pages in Russian (Cyrillic, few Ukrainian letters): the 40 with most pages."""
    counts: collections.Counter = collections.Counter()
    for name in glob.glob(str(TGCONTEST / "*" / "*" / "*.html")):
        text = Path(name).read_text(encoding="utf-8", errors="replace")
        site = re.search(r'og:site_name" content="([^"]*)"', text)
        body = re.sub(r"<[^>]+>", "", text)
        cyrillic = len(re.findall("[а-яё]", body, re.I))
        if site and cyrillic > len(re.findall("[a-z]", body, re.I)) and \
                50 * len(re.findall("[іїєґ]", body, re.I)) < cyrillic:
            counts[html.unescape(site.group(1))] += 1
    registry = load_outlet_kinds()
    top = [name for name, _ in counts.most_common(40)]
    # left unrated on purpose: too little is known about these sites to name a kind
    unrated = [name for name in top if registry.kind_of(name) == UNRATED and name not in LEFT_UNRATED]
    assert unrated == []
