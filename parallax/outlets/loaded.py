"""Loaded and evaluative language: words in an article that judge rather than describe.

Two sources, both marked with offsets into ``Article.text``:

* a curated lexicon, ``data/loaded_ru.yaml`` (name calling, loaded adjectives, emotive words, euphemisms,
  distancing words), read with the contested-terms loader so that terms match every inflection and can
  carry context rules;
* a learned word list, ``data/evaluative_ru.tsv``, built by ``benchmarks/loaded_eval.py`` from data that
  ships with our dependencies or with the project: a logistic regression over the navec news word
  vectors (shipped inside the natasha wheel), trained with the lexicon's one-word terms as positive
  examples and, as negative ones, the ordinary content words of the RuSentNE-2023 train sentences
  (``../shared/data/rusentne-2023``) plus a random sample of the navec vocabulary (weak supervision:
  no word was labelled by hand for it). Every dictionary lemma of the navec vocabulary is scored; the
  words above the threshold are shipped with a polarity (that of the most similar lexicon words) and the
  lexicon term they are closest to. At run time only the TSV is read.

Lexicon hits are the reviewed list; model hits (category `evaluative`) are candidates: the vectors put
'агрессор' and 'дезинформация' next to 'лживый', so topical words of conflict news also score high.

Every hit says whose words it is (:class:`parallax.compare.framing.Voices`): `voice` 'own', 'quoted' (inside a
quote or reported speech, with the `speaker`) or 'marked' (inside quotation marks no speech cue claims). Only
'own' hits are the outlet's loaded language; profiles count the others apart.
"""
from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.compare.framing import OWN, Lexicon, Voices, find_contested_terms, load_lexicon
from parallax.model import AnalyzedArticle, Token
from parallax.nlp import morph
from parallax.resources import resource_path
from parallax.text import fold

DATA_DIR = resource_path("outlets/data")
LEXICON_PATH = DATA_DIR / "loaded_ru.yaml"
MODEL_PATH = DATA_DIR / "evaluative_ru.tsv"

# The file holds only words the classifier calls loaded with at least this probability (chosen by judging
# samples of the shipped words, see benchmarks/PROFILES.md).
MODEL_THRESHOLD = 0.8
CONTENT_POS = frozenset({"ADJF", "ADJS", "ADVB", "NOUN", "VERB", "INFN", "PRTF", "PRTS", "GRND", "COMP", "PRED"})
POLARITY_OF_LABEL = {"pejorative": "negative", "derogatory": "negative", "emotive": "negative",
                     "laudatory": "positive", "euphemism": None, "distancing": None}
_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")


@dataclass(frozen=True)
class LoadedHit:
    start: int
    end: int
    text: str
    category: str                      # name-calling | loaded-adjective | emotive | euphemism | distancing | evaluative
    label: str                         # a label of the lexicon, or 'negative' / 'positive' for model hits
    term: str                          # the lexicon entry or the learned lemma
    sentence: int = 0
    source: str = "lexicon"            # lexicon | model
    polarity: str | None = None        # negative | positive | None
    score: float | None = None         # model z-score
    voice: str = OWN                   # own | quoted | marked: whose words (see parallax.compare.framing.Voices)
    speaker: str | None = None         # for a quoted hit: who said it


def load_loaded_lexicon(path: str | Path | None = None) -> Lexicon:
    return load_lexicon(path or LEXICON_PATH)


# ---- the learned word list ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvaluativeWord:
    lemma: str
    polarity: str | None               # negative | positive | None (euphemism-like or distancing)
    score: float                       # probability that the word is loaded, from the classifier
    nearest: str = ""                  # the most similar lexicon term, to explain the score


@functools.lru_cache(maxsize=4)
def _load_model_cached(path: str) -> dict[str, EvaluativeWord]:
    p = Path(path)
    if not p.exists():
        return {}
    out: dict[str, EvaluativeWord] = {}
    with p.open(encoding="utf-8") as fh:
        for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            lemma = fold(row["lemma"], keep_case=True)
            out[lemma] = EvaluativeWord(lemma, row["polarity"] or None, float(row["score"]), row.get("nearest") or "")
    return out


def load_evaluative_model(path: str | Path | None = None) -> dict[str, EvaluativeWord]:
    """lemma -> EvaluativeWord; empty when the file is absent."""
    return _load_model_cached(str(Path(path or MODEL_PATH).resolve()))


@functools.lru_cache(maxsize=200_000)
def _lemma_pos(word: str) -> tuple[str, str | None]:
    lemma, pos = morph.lemma_and_pos(fold(word))
    return fold(lemma), pos


def sentence_lemmas(text: str) -> list[str]:
    """Content-word lemmas of a sentence."""
    out = []
    for w in _WORD.findall(text):
        lemma, pos = _lemma_pos(w)
        if pos in CONTENT_POS and len(lemma) > 2:
            out.append(lemma)
    return out


def read_rusentne(path: str | Path) -> list[tuple[str, int]]:
    """(sentence, label) per sentence of a RuSentNE file: -1 when some entity in it is viewed negatively,
    1 when positively (and none negatively), 0 otherwise."""
    labels: dict[str, set[int]] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels.setdefault(row["sentence"], set()).add(int(row["label"]))
    return [(s, -1 if -1 in ls else 1 if 1 in ls else 0) for s, ls in labels.items()]


def train_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 500,
                   learning_rate: float = 0.5) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression with balanced class weights, by full-batch gradient descent
    (the training sets here have a few thousand rows). Returns (weights, bias)."""
    n, d = x.shape
    pos = max(int(y.sum()), 1)
    neg = max(n - pos, 1)
    sample_w = np.where(y == 1, n / (2.0 * pos), n / (2.0 * neg))
    w = np.zeros(d)
    b = 0.0
    for _ in range(iterations):
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = sample_w * (p - y)
        w -= learning_rate * (x.T @ g / n + l2 * w / n)
        b -= learning_rate * float(g.mean())
    return w, b


def predict_logistic(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -30, 30)))


def write_evaluative_words(words: Iterable[EvaluativeWord], path: Path, header: Sequence[str] = ()) -> int:
    rows = sorted(words, key=lambda w: (-w.score, w.lemma))
    with path.open("w", encoding="utf-8", newline="") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        fh.write("lemma\tpolarity\tscore\tnearest\n")
        for w in rows:
            fh.write(f"{w.lemma}\t{w.polarity or ''}\t{w.score:.3f}\t{w.nearest}\n")
    return len(rows)


def score_sentence(text: str, words: dict[str, EvaluativeWord]) -> float:
    """The highest score of a learned word in a sentence (0 without one)."""
    return max((words[lm].score for lm in sentence_lemmas(text) if lm in words), default=0.0)


# ---- marking an article ---------------------------------------------------------------------------------

def _token_lemma(tok: Token) -> tuple[str, str | None]:
    if not _WORD.fullmatch(tok.text):
        return "", None
    return _lemma_pos(tok.text)


def find_loaded_language(doc: AnalyzedArticle, lexicon: Lexicon | None = None,
                         model: dict[str, EvaluativeWord] | None = None,
                         threshold: float = MODEL_THRESHOLD, use_model: bool = True) -> list[LoadedHit]:
    """Loaded wording in `doc`, in text order: lexicon terms, then learned evaluative words (score at
    least `threshold`) that no lexicon term covers; each with whose words it is (`voice`, `speaker`)."""
    lex = lexicon or load_loaded_lexicon()
    hits = [LoadedHit(start=h.start, end=h.end, text=h.term, category=h.category, label=h.label, term=h.entry,
                      sentence=h.sentence, source="lexicon", polarity=POLARITY_OF_LABEL.get(h.label),
                      voice=h.voice, speaker=h.speaker)
            for h in find_contested_terms(doc, lex)]
    if use_model:
        voices = Voices(doc)
        words = load_evaluative_model() if model is None else model
        covered = [(h.start, h.end) for h in hits]
        for tok in doc.tokens:
            lemma, pos = _token_lemma(tok)
            if not lemma or pos not in CONTENT_POS:
                continue
            w = words.get(lemma)
            if w is None or w.score < threshold:
                continue
            if any(s < tok.end and tok.start < e for s, e in covered):
                continue
            voice = voices.at(tok.start, tok.end)
            hits.append(LoadedHit(start=tok.start, end=tok.end, text=doc.text[tok.start:tok.end],
                                  category="evaluative", label=w.polarity or "evaluative", term=w.lemma,
                                  sentence=tok.sentence, source="model", polarity=w.polarity, score=w.score,
                                  voice=voice.voice, speaker=voice.speaker))
    hits.sort(key=lambda h: (h.start, h.end))
    return hits
