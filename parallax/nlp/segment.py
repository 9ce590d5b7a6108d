"""Sentences and tokens. Paragraph breaks are sentence boundaries even without a full stop."""
from __future__ import annotations

import re

from razdel import sentenize, tokenize

from parallax.model import Sentence, Token
from parallax.nlp.morph import lemma_and_pos

_PARAGRAPH = re.compile(r"\n\s*\n|\n")

# Emoji and pictographs, with what joins and modifies them (variation selectors, zero-width joiner,
# keycaps, skin tones, flags, tags). Telegram posts glue them to words ('❗️Президент', '🇰🇷Сеул'),
# which razdel keeps as one token.
SYMBOLS = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d"
    "\u3297\u3299\u200d\u20e3\ufe00-\ufe0f\U0001f000-\U0001faff\U000e0000-\U000e007f]+")


def mask_symbols(text: str) -> str:
    """`text` with emoji and pictographs replaced by spaces: same length, so offsets carry over."""
    return SYMBOLS.sub(lambda m: " " * len(m.group()), text)


def _pieces(text: str) -> list[tuple[int, int]]:
    """A razdel token cut where emoji meet letters: '❗️Президент' -> '❗️', 'Президент'."""
    if not SYMBOLS.search(text):
        return [(0, len(text))]
    out, pos = [], 0
    for m in SYMBOLS.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        out.append((m.start(), m.end()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


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


# A Ukrainian word is written with an apostrophe inside it (пам'ятник, Прип’ять, В'ячеслав), which razdel
# cuts into three tokens; NER-UK's gold keeps each such word whole.
_UK_APOSTROPHE_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)+")


def _razdel_tokens(text: str, language: str):
    """razdel's tokens of a sentence, with a Ukrainian word's apostrophe kept inside it."""
    tokens = list(tokenize(text))
    if language != "uk" or not any(t.text in ("'", "’", "ʼ") for t in tokens):
        return tokens
    out, i = [], 0
    for m in _UK_APOSTROPHE_WORD.finditer(text):
        while i < len(tokens) and tokens[i].stop <= m.start():
            out.append(tokens[i])
            i += 1
        j = i
        while j < len(tokens) and tokens[j].stop <= m.end():
            j += 1
        # join only when razdel's tokens tile the word exactly
        if j > i + 1 and tokens[i].start == m.start() and tokens[j - 1].stop == m.end():
            out.append(type(tokens[i])(m.start(), m.end(), m.group()))
            i = j
    out.extend(tokens[i:])
    return out


def split_tokens(text: str, sentences: list[Sentence], language: str = "ru") -> list[Token]:
    tokens: list[Token] = []
    for sent in sentences:
        for t in _razdel_tokens(sent.text, language):
            for a, b in _pieces(t.text):
                word = t.text[a:b]
                lemma, pos = lemma_and_pos(word, language)
                tokens.append(Token(start=sent.start + t.start + a, end=sent.start + t.start + b, text=word,
                                    lemma=lemma, pos=pos, sentence=sent.index))
    return tokens
