"""Language detection without lingua where the answer is certain (nlp/pipeline.py, session 9).

* `surely_russian`: a text it settles gets exactly lingua's answer, ("ru", 1.0): checked on a table of texts
  and, when ../shared/data is present, on a sample of the Telegram posts and on tgcontest-2019 pages;
* `written_in_russian`: a Russian post full of Latin names or code, which lingua calls English, is Russian;
  English with a Russian name or quote, Bulgarian and Uzbek stay what lingua says."""
from __future__ import annotations

import glob
import random
from pathlib import Path

import pytest

from parallax.nlp import pipeline as nlp_pipeline
from parallax.nlp.pipeline import detect_language

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RAW = DATA / "telegram-ru-news-channels" / "data" / "raw"
PAGES = DATA / "tgcontest-2019-html" / "pages"

LONG_RU = ("Вчера вечером в Москве прошёл фестиваль: тысячи зрителей смотрели выступления музыкантов, а "
           "организаторы объявили, что в следующем году площадка станет больше. Местные жители были рады, "
           "хотя дождь и мешал этому событию. Мэр обещал, что ёлки поставят уже в начале декабря.")
# text -> (decided without lingua, language)
SHORTCUT = [
    (LONG_RU, True, "ru"),
    (LONG_RU + " Подробнее: https://example.com/very/long/english/looking/url?with=params", True, "ru"),
    ("Срочно: подробности по ссылке https://example.com/news/2024/12/01/item", False, "ru"),   # too few ы э ъ ё
    ("Мы в старости", False, "ru"),
    ("Мы вышли из дома, и тут выяснилось, что ёлка уже стоит на площади.", False, "ru"),    # under 200 letters
    (LONG_RU + " Read more in English: the festival was a success, the organisers said, and the city plans "
     "a bigger one next year with more stages and more artists from abroad.", False, "ru"),  # too much Latin
    ("Президент України Володимир Зеленський заявив, що переговори тривають, і що Київ готовий до "
     "діалогу. Європейські партнери підтримали цю позицію, а Росія відкинула пропозицію.", False, "uk"),
    ("Манчестер Юнайтед бош мураббийи Оле Гуннар Сульшер Англия Лига Кубоги доирасидаги ўйиндан сўнг "
     "ўйинчиларининг тикланиш жараёни ҳақида гапирди, деб ёзди ыыыыыыыыыыыы.", False, None),  # Uzbek letters
    ("The president met members of the government on Tuesday.", False, "en"),
]


def _lingua_only(text: str, monkeypatch) -> tuple[str, float]:
    with monkeypatch.context() as m:
        m.setattr(nlp_pipeline, "RUSSIAN_ONLY_MIN", 10 ** 9)
        return detect_language(text)


def _settled(text: str) -> bool:
    sample = nlp_pipeline._URL.sub(" ", text[:3000])
    return nlp_pipeline.surely_russian(sample, len(nlp_pipeline._CYRILLIC.findall(sample)),
                                       len(nlp_pipeline._LATIN.findall(sample)))


@pytest.mark.parametrize("text,settled,language", SHORTCUT)
def test_shortcut_settles_only_certain_russian(text, settled, language, monkeypatch):
    assert _settled(text) is settled
    got = detect_language(text)
    assert got == _lingua_only(text, monkeypatch)
    if language is not None:
        assert got[0] == language
    if settled:
        assert got == ("ru", 1.0)


RUSSIAN_WITH_LATIN = [
    # a post of a Go channel (Telegram corpus), as posted
    '🧰 avo — пакет для генерации x86 assembly с помощью Go. Основная цель — облегчить'
    ' процесс написания и поддержки assembly кода, который часто используется для опт'
    'имизации производительности в критических участках программ.\n\n//go:build ignore\n'
    '\npackage main\n\nimport . "github.com/mmcloughlin/avo/build"\n\nfunc main() {\n TEXT('
    '"Add", NOSPLIT, "func(x, y uint64) uint64")\n Doc("Add adds x and y.")\n x := Load'
    '(Param("x"), GP64())\n y := Load(Param("y"), GP64())\n ADDQ(x, y)\n Store(y, Return'
    'Index(0))\n RET()\n Generate()\n}\n\n\n//go:generate go run asm.go -out add.s -stubs s'
    'tub.go\n\n\n👉 GitHub с полным описанием и примерами',
    "Выпустили трейлер антологии Secret Level от авторов «Любовь. Смерть. Роботы», включая Тима Миллера.\n\n"
    "В ней будут эпизоды по таким играм, как: Armored Core, Concord, Crossfire, Dungeons & Dragons, Exodus, "
    "Honor of Kings, Mega Man, New World: Aeternum, PAC-MAN, играм PlayStation Studios, Sifu, Spelunky, The "
    "Outer Worlds и Warhammer 40,000.\n\nConcord ещё живой.",
]
STAYS = [
    ("The Kremlin said on Tuesday that talks with Kyiv would continue. «Мы готовы», said Dmitry Peskov, "
     "the spokesman, adding that no date had been set for the next round of negotiations in Istanbul.", "en"),
    ("15 Nov 2019 by Irina Skenderska. Днешното утро започна с новини from Sofia about the new budget, "
     "the parliament and the government of Boyko Borissov.", None),
]


@pytest.mark.parametrize("text", RUSSIAN_WITH_LATIN)
def test_russian_full_of_latin_names_is_russian(text, monkeypatch):
    assert detect_language(text)[0] == "ru"
    with monkeypatch.context() as m:          # what lingua alone says: the rule is what changes it
        m.setattr(nlp_pipeline, "RUSSIAN_WORDS_SHARE", None)
        assert detect_language(text)[0] == "en"


@pytest.mark.parametrize("text,language", STAYS)
def test_english_with_cyrillic_and_bulgarian_are_not_made_russian(text, language, monkeypatch):
    got = detect_language(text)
    with monkeypatch.context() as m:
        m.setattr(nlp_pipeline, "RUSSIAN_WORDS_SHARE", None)
        assert got == detect_language(text)
    if language is not None:
        assert got[0] == language


@pytest.mark.skipif(not RAW.is_dir() or not PAGES.is_dir(), reason=f"{DATA} is absent")
def test_shortcut_agrees_with_lingua_on_real_posts_and_pages(monkeypatch):
    """A seeded sample: 3,000 Telegram posts and 400 tgcontest pages (the whole corpora, 22,097 + 4,665,
    agree too: SPEED.md, session 9)."""
    from parallax.ingest.sources import iter_sources
    from parallax.model import Article
    rng = random.Random(9)
    posts = [r.text for r in iter_sources(sorted(str(p) for p in RAW.glob("*_messages.json")))
             if isinstance(r, Article)]
    pages = [r.text for r in iter_sources(rng.sample(sorted(glob.glob(str(PAGES / "**" / "*.html"),
                                                                        recursive=True)), 400))
             if isinstance(r, Article)]
    texts = rng.sample(posts, 3000) + pages
    settled = [t for t in texts if _settled(t)]
    assert len(settled) > 500
    assert [detect_language(t) for t in settled] == [_lingua_only(t, monkeypatch) for t in settled]
