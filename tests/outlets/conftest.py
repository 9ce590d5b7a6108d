"""Small documents and a small stored corpus for the profile layer (no NER, no encoder model)."""
from __future__ import annotations

import datetime as dt

import pytest
from profile_docs import WordEncoder, make_doc

from parallax.model import Article


@pytest.fixture(scope="session")
def doc_factory():
    return make_doc


@pytest.fixture
def word_encoder():
    return WordEncoder()


@pytest.fixture
def small_store(tmp_path):
    """A SQLite corpus of two stories: 'kursk' (three outlets) and 'korea' (two outlets), analysed by
    segmenting only, with the story assignment written directly."""
    from parallax.nlp.attribution import extract_attributions
    from parallax.nlp.quotes import extract_quotes
    from parallax.pipeline import analyzer_version
    from parallax.store import Store

    texts = [
        ("r1", "РИА Новости", "2024-11-27T10:00:00+00:00", "kursk",
         "По данным Минобороны России, освобождение Курской области продолжается. "
         "Погибли 12 человек. ВСУ потеряли 300 военнослужащих."),
        ("b1", "BBC News | Русская служба", "2024-11-27T11:00:00+00:00", "kursk",
         "Бои в Курской области продолжаются, сообщает Reuters. "
         "По словам Зеленского, война в Украине не закончится. Погибли 12 человек."),
        ("t1", "Топор Live", "2024-11-27T12:00:00+00:00", "kursk",
         "Бои в Курской области продолжаются. Погибли 12 человек."),
        ("r2", "РИА Новости", "2024-12-02T09:00:00+00:00", "korea",
         "Президент Южной Кореи объявил военное положение, передает агентство Ренхап."),
        ("b2", "BBC News | Русская служба", "2024-12-02T09:30:00+00:00", "korea",
         "Президент Южной Кореи ввел военное положение, сообщают источники."),
    ]
    store = Store(str(tmp_path / "corpus.sqlite"))
    articles = [Article(id=ext, text=text, outlet=outlet, date=dt.date.fromisoformat(when[:10]),
                        source=f"test:{ext}", meta={"published": when})
                for ext, outlet, when, _, text in texts]
    results = store.add_articles(articles)
    version = analyzer_version()
    items = []
    for res, article in zip(results, articles):
        mentions = [("Зеленского", "PER")] if "Зеленского" in article.text else []
        doc = make_doc(article.text, *mentions, article_id=article.id, outlet=article.outlet,
                       date=str(article.date))
        doc.article = article
        doc.quotes = extract_quotes(doc)
        doc.attributions = extract_attributions(doc)
        items.append((res.pk, 1, doc))
    store.save_analyses(items, version)
    story_of = {ext: sid for ext, _, _, sid, _ in texts}
    store.assign_stories({res.pk: story_of[a.id] for res, a in zip(results, articles)},
                         {"kursk": "Курская область", "korea": "Военное положение"})
    yield store
    store.close()
