"""Sentences and tokens. Paragraph breaks are sentence boundaries even without a full stop."""
from __future__ import annotations

import re

from razdel import sentenize, tokenize

from parallax.model import Sentence, Token
from parallax.nlp.morph import lemma_and_pos

_PARAGRAPH = re.compile(r"\n\s*\n|\n")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line block. Any line break ends a paragraph: news dumps often
    use single newlines between paragraphs."""
    spans, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        if text[pos:m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for p_index, (p_start, p_end) in enumerate(paragraphs(text)):
        chunk = text[p_start:p_end]
        for s in sentenize(chunk):
            start, end = p_start + s.start, p_start + s.stop
            # razdel keeps leading whitespace out, but be safe with stripped offsets
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                out.append(Sentence(index=len(out), start=start, end=end, text=text[start:end],
                                    paragraph=p_index))
    return out


def split_tokens(text: str, sentences: list[Sentence], language: str = "ru") -> list[Token]:
    tokens: list[Token] = []
    for sent in sentences:
        for t in tokenize(sent.text):
            lemma, pos = lemma_and_pos(t.text, language)
            tokens.append(Token(start=sent.start + t.start, end=sent.start + t.stop, text=t.text,
                                lemma=lemma, pos=pos, sentence=sent.index))
    return tokens
