"""Small documents and a small stored corpus for the profile layer (no NER, no encoder model)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from parallax.model import AnalyzedArticle, Article, Mention
from parallax.nlp.segment import split_sentences, split_tokens

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def make_doc(text: str, *mentions, article_id: str = "a", outlet: str = "Outlet",
             date: str | None = "2024-12-01") -> AnalyzedArticle:
    """Sentences and tokens from the real segmenter; `mentions` placed by hand as (surface, type[, entity])."""
    doc = AnalyzedArticle(article=Article(id=article_id, text=text, outlet=outlet,
                                          date=dt.date.fromisoformat(date) if date else None))
    doc.sentences = split_sentences(text)
    doc.tokens = split_tokens(text, doc.sentences)
    out = []
    for spec in mentions:
        surface, typ = spec[0], spec[1]
        start = text.index(surface)
        sent = doc.sentence_at(start)
        out.append(Mention(start=start, end=start + len(surface), text=surface, type=typ, normal=surface,
                           sentence=sent.index if sent else 0, entity=spec[2] if len(spec) > 2 else None))
    doc.mentions = sorted(out, key=lambda m: m.start)
    return doc


@pytest.fixture(scope="session")
def doc_factory():
    return make_doc


class WordEncoder:
    """Bag of hashed word stems -> unit vector (texts sharing words get a high cosine)."""

    dim = 128
    name = "usem3"

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(word[:5].encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


@pytest.fixture
def word_encoder():
    return WordEncoder()


@pytest.fixture
def small_store(tmp_path):
    """A SQLite corpus of two stories: 'kursk' (three outlets) and 'korea' (two outlets), analysed by
    segmenting only, with the story assignment written directly."""
    from parallax.store import Store
    from parallax.nlp.attribution import extract_attributions
    from parallax.store.corpus import analyzer_version

    texts = [
        ("r1", "РИА Новости", "2024-11-27T10:00:00+00:00", "kursk",
         "Освобождение Курской области продолжается, сообщили в Минобороны России. "
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
        doc.attributions = extract_attributions(doc)
        items.append((res.pk, 1, doc))
    store.save_analyses(items, version)
    story_of = {ext: sid for ext, _, _, sid, _ in texts}
    store.assign_stories({res.pk: story_of[a.id] for res, a in zip(results, articles)},
                         {"kursk": "Курская область", "korea": "Военное положение"})
    yield store
    store.close()
