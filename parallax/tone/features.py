"""Entity-aware features for tone classification.

Each (sentence, entity span) becomes a token sequence in which the entity span is one placeholder token
`<E>`, plus string features grouped by what they describe: the whole sentence, the window around the
entity, the entity itself. The same sentence can carry opposite tones toward two entities ('X осудил Y'),
so what sits next to the placeholder has to be told apart from the rest of the sentence.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from razdel import tokenize

from ..nlp.morph import lemma_and_pos

ENTITY = "<E>"
_WORDLIKE = re.compile(r"\w", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d.,]*$")


@dataclass(frozen=True)
class Prepared:
    """A sentence tokenized and lemmatized, with the entity span collapsed into one `<E>` token."""
    lemmas: tuple[str, ...]          # lowercased lemmas; `<E>` for the entity; '<num>' for numbers
    forms: tuple[str, ...]           # lowercased surface forms, same positions
    entity_index: int                # position of `<E>` in lemmas
    entity_lemmas: tuple[str, ...]   # lemmas of the entity's own words
    entity_tag: str
    entity_in_quotes: bool           # the entity sits inside a quotation: someone else's words


def _norm_lemma(word: str) -> str:
    if _NUMBER.match(word):
        return "<num>"
    return lemma_and_pos(word)[0].lower().replace("ё", "е")


@functools.lru_cache(maxsize=20_000)
def _tokens(sentence: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((t.start, t.stop, t.text) for t in tokenize(sentence))


_OPEN_QUOTES = "«„“\""
_CLOSE_QUOTES = "»“”\""


def _inside_quotes(sentence: str, start: int) -> bool:
    depth = 0
    for ch in sentence[:start]:
        if ch == "«" or ch == "„":
            depth += 1
        elif ch == "»" and depth > 0:
            depth -= 1
    straight = sentence[:start].count('"') % 2 == 1
    return depth > 0 or straight


def prepare(sentence: str, start: int, end: int, entity_tag: str = "") -> Prepared:
    """Tokenize `sentence` and collapse the tokens overlapping [start, end) into `<E>`.

    Offsets outside the sentence are clipped; an empty span puts `<E>` at `start`."""
    start = max(0, min(start, len(sentence)))
    end = max(start, min(end, len(sentence)))
    lemmas: list[str] = []
    forms: list[str] = []
    entity_lemmas: list[str] = []
    entity_index = -1
    for t_start, t_stop, text in _tokens(sentence):
        overlaps = t_start < end and t_stop > start
        if overlaps or (start == end and entity_index < 0 and t_start >= start):
            if entity_index < 0:
                entity_index = len(lemmas)
                lemmas.append(ENTITY)
                forms.append(ENTITY)
            if overlaps and _WORDLIKE.search(text):
                entity_lemmas.append(_norm_lemma(text))
            continue
        lemmas.append(_norm_lemma(text))
        forms.append(text.lower().replace("ё", "е"))
    if entity_index < 0:
        entity_index = len(lemmas)
        lemmas.append(ENTITY)
        forms.append(ENTITY)
    return Prepared(tuple(lemmas), tuple(forms), entity_index, tuple(entity_lemmas), entity_tag,
                    _inside_quotes(sentence, start))


def _is_word(lemma: str) -> bool:
    return lemma == ENTITY or bool(_WORDLIKE.search(lemma))


def sentence_features(p: Prepared) -> list[str]:
    """Lemma unigrams and bigrams of the whole sentence (entity masked)."""
    words = [w for w in p.lemmas if _is_word(w)]
    feats = [f"u:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in zip(words, words[1:])]
    return feats


def window_features(p: Prepared, size: int = 4) -> list[str]:
    """Words within `size` words of the entity, with their side, and the bigrams touching `<E>`.

    Punctuation is skipped when counting the distance, but a comma or dash next to the entity is kept
    as a feature of its own: 'X, обвиненный в ...' and 'X обвинил ...' differ exactly there."""
    feats: list[str] = []
    i = p.entity_index
    left = [w for w in p.lemmas[:i]]
    right = [w for w in p.lemmas[i + 1:]]
    if left:
        feats.append(f"l1:{left[-1]}")
    if right:
        feats.append(f"r1:{right[0]}")
    left_words = [w for w in left if _is_word(w)][-size:]
    right_words = [w for w in right if _is_word(w)][:size]
    feats += [f"l:{w}" for w in left_words]
    feats += [f"r:{w}" for w in right_words]
    if left_words:
        feats.append(f"lb:{left_words[-1]}_E")
    if right_words:
        feats.append(f"rb:E_{right_words[0]}")
    if len(right_words) >= 2:
        feats.append(f"rb2:E_{right_words[0]}_{right_words[1]}")
    if len(left_words) >= 2:
        feats.append(f"lb2:{left_words[-2]}_{left_words[-1]}_E")
    return feats


def entity_features(p: Prepared) -> list[str]:
    feats = [f"t:{p.entity_tag}"]
    feats += [f"e:{w}" for w in p.entity_lemmas]
    if p.entity_lemmas:
        feats.append("e:" + "_".join(p.entity_lemmas))
    if p.entity_in_quotes:
        feats.append("q:in_quotes")
    feats.append(f"pos:{min(p.entity_index, 10) // 3}")
    return feats


def masked_text(p: Prepared) -> str:
    """The sentence as surface forms with the entity replaced: input for character n-grams."""
    return " ".join(p.forms)


def char_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (sklearn's char_wb)."""
    feats: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            feats += [padded[k:k + n] for k in range(len(padded) - n + 1)]
    return feats


def window_chars(p: Prepared, size: int = 3) -> list[str]:
    i = p.entity_index
    words = [w for w in p.forms[max(0, i - size * 2):i + 1 + size * 2] if _is_word(w)]
    return char_ngrams(" ".join(words))
