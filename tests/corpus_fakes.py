"""Articles, a fake analyzer and a fake encoder for corpus tests (no models needed)."""
from __future__ import annotations

import datetime as dt
import re

from hashed_encoder import HashedWordEncoder
from parallax.model import AnalyzedArticle, Article, Mention, Sentence


def make_article(ext_id: str, text: str, outlet: str = "Вести", *, url: str | None = None,
                 when: str | None = "2024-12-01T10:00:00+00:00", title: str | None = None, **meta) -> Article:
    meta = dict(meta)
    date = None
    if when:
        meta["published"] = when
        date = dt.date.fromisoformat(when[:10])
    return Article(id=ext_id, text=text, outlet=outlet, title=title, date=date, url=url, source=f"test:{ext_id}",
                   meta=meta)


class FakeAnalyzer:
    """Sentences split on '. ', capitalised words as PER mentions; counts what it analysed."""

    def __init__(self):
        self.analysed: list[str] = []

    def analyze(self, article, anchor_date=None):
        return self.analyze_many([article], anchor_date)[0]

    def analyze_many(self, articles, anchor_date=None):
        out = []
        for article in articles:
            self.analysed.append(article.id)
            doc = AnalyzedArticle(article=article, language="ru", language_confidence=0.9)
            pos = 0
            for i, part in enumerate(re.split(r"(?<=\.) ", article.text)):
                start = article.text.index(part, pos)
                doc.sentences.append(Sentence(i, start, start + len(part), part, 0))
                pos = start + len(part)
            for m in re.finditer(r"\b[А-ЯЁA-Z][а-яёa-z]{3,}", article.text):
                sent = next(s.index for s in doc.sentences if s.start <= m.start() < s.end)
                doc.mentions.append(Mention(m.start(), m.end(), m.group(), "PER", m.group(), sentence=sent))
            out.append(doc)
        return out


class FakeEncoder(HashedWordEncoder):
    """Bag of hashed word stems -> unit vector: texts sharing words get high cosine."""
