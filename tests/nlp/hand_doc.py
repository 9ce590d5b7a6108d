"""Documents with hand-placed entity mentions, for testing quote and attribution rules apart from NER."""
from __future__ import annotations

from parallax.model import AnalyzedArticle, Article, Mention
from parallax.nlp.entities import normalize_mention
from parallax.nlp.segment import split_sentences, split_tokens


def hand_doc(text: str, *mentions) -> AnalyzedArticle:
    """`mentions`: (surface, type) or (surface, type, kind) or (surface, type, kind, occurrence)."""
    doc = AnalyzedArticle(article=Article(id="t", text=text, outlet="t"))
    doc.sentences = split_sentences(text)
    doc.tokens = split_tokens(text, doc.sentences)
    out = []
    for spec in mentions:
        surface, typ = spec[0], spec[1]
        kind = spec[2] if len(spec) > 2 else "name"
        occurrence = spec[3] if len(spec) > 3 else 0
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(surface, start + 1)
        end = start + len(surface)
        sent = doc.sentence_at(start)
        normal = surface if kind == "role" else normalize_mention(surface, typ)
        out.append(Mention(start=start, end=end, text=surface, type=typ, normal=normal,
                           sentence=sent.index if sent else 0, kind=kind))
    doc.mentions = sorted(out, key=lambda m: (m.start, m.end))
    return doc


def mention_text(doc: AnalyzedArticle, index: int | None) -> str | None:
    return doc.mentions[index].text if index is not None else None
