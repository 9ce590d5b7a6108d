"""Entity-aware features for tone classification.

Each (sentence, entity span) becomes a token sequence in which the entity span is one placeholder token
`<E>`, plus string features grouped by what they describe: the whole sentence, the window around the
entity, the entity itself. The same sentence can carry opposite tones toward two entities ('X осудил Y'),
so what sits next to the placeholder has to be told apart from the rest of the sentence.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from razdel import tokenize

from parallax.nlp.morph import lemma
from parallax.resources import resource_path
from parallax.text import fold

LEXICON_PATH = resource_path("tone/polarity_ru.tsv")

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
    return lemma(word)


@functools.lru_cache(maxsize=20_000)
def _tokens(sentence: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((t.start, t.stop, t.text) for t in tokenize(sentence))


def _inside_quotes(sentence: str, start: int) -> bool:
    """Inside «...» (nesting counted) or inside an odd number of straight quotes."""
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
        forms.append(fold(text))
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
    feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
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


@functools.lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, int]:
    """lemma -> polarity (-1/1) from the TSV lexicon (see the file's header)."""
    lexicon: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line or line.startswith(("#", "lemma\t")):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[1] not in ("-1", "1"):
                raise ValueError(f"{path}:{n}: expected 'lemma<TAB>-1|1<TAB>kind', got {line!r}")
            lexicon[parts[0]] = int(parts[1])
    return lexicon


def lexicon_features(p: Prepared, lexicon: dict[str, int] | None = None) -> list[str]:
    """Polar words of the lexicon: anywhere in the sentence, near the entity (by side), a bit further
    off, and inside the entity itself ('террорист', 'чемпион')."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    feats: list[str] = []
    i = p.entity_index
    for j, w in enumerate(p.lemmas):
        polarity = lexicon.get(w)
        if polarity is None:
            continue
        name = "neg" if polarity < 0 else "pos"
        distance = abs(j - i)
        feats.append(f"lx:{name}")
        if distance <= 3:
            feats.append(f"lxn:{name}")
            feats.append(f"lxn:{'L' if j < i else 'R'}{name}")
        elif distance <= 8:
            feats.append(f"lxm:{name}")
    for w in p.entity_lemmas:
        polarity = lexicon.get(w)
        if polarity is not None:
            feats.append(f"lxe:{'neg' if polarity < 0 else 'pos'}")
    return feats or ["lx:none"]


SPARSE_GROUPS = {
    "sentence": sentence_features,
    "window": window_features,
    "entity": entity_features,
    "lexicon": lexicon_features,
}

WINDOW_WORDS = 5
EMBEDDING_DIM = 300


def _mean_unit(vectors: list[np.ndarray]) -> np.ndarray:
    if not vectors:
        return np.zeros(EMBEDDING_DIM, dtype=np.float32)
    v = np.mean(vectors, axis=0)
    norm = np.linalg.norm(v)
    return (v / norm if norm else v).astype(np.float32)


def embedding_features(p: Prepared, embedding) -> np.ndarray:
    """Mean navec vector of the sentence's words and of the words within WINDOW_WORDS of the entity
    (entity excluded), each unit length: 600 values. `embedding` is natasha's NewsEmbedding."""
    def vecs(words):
        out = []
        for w in words:
            if w == ENTITY:
                continue
            v = embedding.get(w)
            if v is not None:
                out.append(v)
        return out

    i = p.entity_index
    window = p.forms[max(0, i - WINDOW_WORDS):i] + p.forms[i + 1:i + 1 + WINDOW_WORDS]
    return np.concatenate([_mean_unit(vecs(p.forms)), _mean_unit(vecs(window))])
