import pytest

from parallax.model import AnalyzedArticle, Article
from parallax.nlp import entities
from parallax.nlp.segment import split_sentences, split_tokens


def _doc(text: str, article_id: str = "a") -> AnalyzedArticle:
    doc = AnalyzedArticle(article=Article(id=article_id, text=text, outlet=article_id))
    doc.sentences = split_sentences(text)
    doc.tokens = split_tokens(text, doc.sentences)
    spans = entities.spans_by_sentence(entities.document_ner([text])[0], doc.sentences)
    doc.mentions = entities.extract_mentions(text, doc.sentences, doc.tokens, spans)
    return doc


@pytest.fixture(scope="session")
def make_doc():
    """A document with sentences, tokens and entity mentions (real NER, no dates/quotes layers)."""
    return _doc
