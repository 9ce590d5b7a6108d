"""Small hand-built documents for the profile tests (kept out of conftest.py: test modules import them,
and every test folder has a conftest.py, so `from conftest import` would pick whichever was loaded first)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from hashed_encoder import HashedWordEncoder
from parallax.model import AnalyzedArticle, Article, Mention
from parallax.nlp.quotes import extract_quotes
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


def quoted_doc(text: str, *mentions, **kwargs) -> AnalyzedArticle:
    """`make_doc` plus the quotes the real extractor finds (whose words each span is)."""
    doc = make_doc(text, *mentions, **kwargs)
    doc.quotes = extract_quotes(doc)
    return doc


class WordEncoder(HashedWordEncoder):
    """The hashed stand-in encoder, wide enough for the profile tests' vocabularies."""

    dim = 128
    name = "usem3"
