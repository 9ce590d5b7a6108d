"""A small corpus for the web tests: three stories written for them, one full of markup and script.

The articles are analysed by the real analyzer; stories are assigned by hand, so the tests do not depend on
the clusterer. The hostile story's title, text, outlet name and URL carry the classic XSS payloads: every
one of them must reach the browser as text.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from parallax.model import Article

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_LINK = '<a href="javascript:window.__xss=1">жми</a>'
XSS_OUTLET = 'Злой <img src=x onerror="window.__xss=1"> вестник'
XSS_URL = "javascript:window.__xss=1"

BRIDGE = "s-bridge"
FLOOD = "s-flood"
HOSTILE = "s-hostile"


def _article(ext_id: str, outlet: str, when: str, title: str, text: str, url: str | None = None) -> Article:
    return Article(id=ext_id, text=text, outlet=outlet, title=title, date=dt.date.fromisoformat(when[:10]),
                   url=url, source=f"web-test:{ext_id}", meta={"published": when})


STORIES: dict[str, list[Article]] = {
    BRIDGE: [
        _article("b1", "Вестник Сибири", "2024-11-27T09:00:00+00:00",
                 "В Новосибирске открыли новый мост через Обь",
                 "В среду в Новосибирске открыли новый мост через Обь. Длина моста составила 1500 метров, "
                 "сообщает ТАСС. Губернатор Андрей Травников заявил: «Мост станет главной транспортной артерией "
                 "города». На строительство потратили 30 миллиардов рублей.",
                 url="https://vestnik.example/most"),
        _article("b2", "Сибирь Онлайн", "2024-11-27T11:30:00+00:00",
                 "Мост через Обь открыт",
                 "В Новосибирске в среду открыли новый мост через реку Обь. Длина моста составляет 2000 метров, "
                 "по данным мэрии. «Мост станет главной артерией города», — сказал губернатор Андрей Травников. "
                 "Движение по мосту начнется в четверг."),
        _article("b3", "Обозреватель", "2024-11-28T07:15:00+00:00",
                 "Травников открыл мост",
                 "Новый мост через Обь открыли в Новосибирске. Губернатор Андрей Травников сказал, что мост станет "
                 "главной транспортной артерией. Эксперты полагают, что пробки в центре города сократятся."),
    ],
    FLOOD: [
        _article("f1", "Вестник Сибири", "2024-11-20T08:00:00+00:00",
                 "Паводок в Томской области",
                 "В Томской области из-за паводка подтоплены 40 домов, сообщили в МЧС. Уровень воды в реке Томь "
                 "поднялся на два метра."),
        _article("f2", "Обозреватель", "2024-11-20T10:00:00+00:00",
                 "Томь вышла из берегов",
                 "Река Томь вышла из берегов, подтоплены 40 домов. Спасатели эвакуировали жителей, сообщает МЧС."),
    ],
    HOSTILE: [
        _article("x1", XSS_OUTLET, "2024-11-25T12:00:00+00:00",
                 f"{XSS_SCRIPT}Заголовок {XSS_IMG}",
                 f"Министр Иван Петров заявил: «Всё под контролем {XSS_SCRIPT}». Подробности {XSS_IMG} по ссылке "
                 f"{XSS_LINK}. Министр Иван Петров добавил, что проверка продолжится.",
                 url=XSS_URL),
        _article("x2", "Обозреватель", "2024-11-25T13:00:00+00:00",
                 "Министр прокомментировал проверку",
                 "«Всё под контролем», — сказал министр Иван Петров журналистам. Проверка продолжится."),
    ],
}


def build_corpus(path: Path | str) -> dict[str, list[int]]:
    """Store, analyse and group the articles; returns story id -> article pks in story order."""
    from parallax.nlp.pipeline import Analyzer
    from parallax.pipeline import analyzer_version
    from parallax.store import Store

    analyzer = Analyzer()
    pks: dict[str, list[int]] = {}
    with Store(str(path)) as store:
        for story_id, articles in STORIES.items():
            results = store.add_articles(articles)
            assert all(r.status == "new" for r in results), results
            docs = analyzer.analyze_many(articles)
            store.save_analyses([(r.pk, 1, d) for r, d in zip(results, docs)], analyzer_version())
            pks[story_id] = [r.pk for r in results]
        assignments = {pk: sid for sid, items in pks.items() for pk in items}
        titles = {sid: STORIES[sid][0].title for sid in STORIES}
        store.assign_stories(assignments, titles)
    return pks
