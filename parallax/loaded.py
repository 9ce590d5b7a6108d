"""Loaded and evaluative language: words in an article that judge rather than describe.

Two sources, both marked with offsets into ``Article.text``:

* a curated lexicon, ``data/loaded_ru.yaml`` (name calling, loaded adjectives, emotive words, euphemisms,
  distancing words), read with the contested-terms loader so that terms match every inflection and can
  carry context rules;
* a word list learned from data we ship: ``data/evaluative_ru.tsv``. Each lemma has a score for how
  strongly it marks a sentence that expresses sentiment toward someone, learned from the RuSentNE-2023
  train file (``../shared/data/rusentne-2023/train_data.csv``; built by ``benchmarks/loaded_eval.py``).
  The sentences there are labelled by the sentiment toward one entity; a sentence counts as negative when
  some entity in it is viewed negatively, positive likewise, neutral otherwise. A lemma's score is its
  log-odds ratio between the negative (or positive) sentences and the neutral ones with an informative
  Dirichlet prior (Monroe, Colaresi & Quinn 2008), as a z-score. Words the lexicon does not list but
  the data ties to sentiment ('обвинить', 'скандал', 'победа') are marked as `evaluative` with the
  polarity of the side they lean to.

The learned list is weak supervision: it learns which words go with sentiment in news, which includes
descriptive words of negative events (a word can be negative news without being loaded wording). Read
model hits as candidates; lexicon hits as the reviewed list.
"""
from __future__ import annotations

import csv
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .compare.framing import Lexicon, find_contested_terms, load_lexicon
from .model import AnalyzedArticle, Token

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_PATH = DATA_DIR / "loaded_ru.yaml"
MODEL_PATH = DATA_DIR / "evaluative_ru.tsv"

# z-score above which a learned word is marked; chosen on the training part of the split in
# benchmarks/loaded_eval.py (see benchmarks/PROFILES.md).
MODEL_THRESHOLD = 3.0
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


def load_loaded_lexicon(path: str | Path | None = None) -> Lexicon:
    return load_lexicon(path or LEXICON_PATH)


# ---- the learned word list ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvaluativeWord:
    lemma: str
    polarity: str                      # negative | positive
    score: float                       # z-score of the log-odds ratio against neutral sentences
    count: int                         # training sentences containing it


@functools.lru_cache(maxsize=4)
def _load_model_cached(path: str) -> dict[str, EvaluativeWord]:
    p = Path(path)
    if not p.exists():
        return {}
    out: dict[str, EvaluativeWord] = {}
    with p.open(encoding="utf-8") as fh:
        for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            out[row["lemma"]] = EvaluativeWord(row["lemma"], row["polarity"], float(row["score"]),
                                               int(row["count"]))
    return out


def load_evaluative_model(path: str | Path | None = None) -> dict[str, EvaluativeWord]:
    """lemma -> EvaluativeWord; empty when the file is absent."""
    return _load_model_cached(str(Path(path or MODEL_PATH).resolve()))


@functools.lru_cache(maxsize=200_000)
def _lemma_pos(word: str) -> tuple[str, str | None]:
    from .nlp import morph
    lemma, pos = morph.lemma_and_pos(word.lower().replace("ё", "е"))
    return lemma.lower().replace("ё", "е"), pos


def sentence_lemmas(text: str) -> list[str]:
    """Content-word lemmas of a sentence (the features of the learned list)."""
    out = []
    for w in _WORD.findall(text):
        lemma, pos = _lemma_pos(w)
        if pos in CONTENT_POS and len(lemma) > 2:
            out.append(lemma)
    return out


def read_rusentne(path: str | Path) -> list[tuple[str, int]]:
    """(sentence, label) per sentence of a RuSentNE file: -1 when some entity in it is viewed negatively,
    1 when positively (and none negatively), 0 otherwise. Sentences with both count as negative."""
    labels: dict[str, set[int]] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels.setdefault(row["sentence"], set()).add(int(row["label"]))
    return [(s, -1 if -1 in ls else 1 if 1 in ls else 0) for s, ls in labels.items()]


def log_odds_z(counts_a: Counter, n_a: int, counts_b: Counter, n_b: int, prior: Counter, prior_total: float,
               prior_strength: float = 200.0) -> dict[str, float]:
    """Monroe et al. (2008) log-odds ratio of each word between corpora a and b with an informative
    Dirichlet prior (the pooled counts scaled to `prior_strength` pseudo-counts), divided by its
    standard deviation. Positive: the word leans to a."""
    out = {}
    a0 = prior_strength
    for w in set(counts_a) | set(counts_b):
        aw = a0 * prior[w] / prior_total
        if aw <= 0:
            continue
        ya, yb = counts_a.get(w, 0), counts_b.get(w, 0)
        delta = (math.log((ya + aw) / (n_a + a0 - ya - aw)) - math.log((yb + aw) / (n_b + a0 - yb - aw)))
        var = 1.0 / (ya + aw) + 1.0 / (yb + aw)
        out[w] = delta / math.sqrt(var)
    return out


def train_evaluative_words(examples: Iterable[tuple[str, int]], min_count: int = 3,
                           prior_strength: float = 200.0) -> dict[str, EvaluativeWord]:
    """Learn the evaluative word list from (sentence, label) pairs: each lemma's z-score for negative vs
    neutral and positive vs neutral sentences (counted once per sentence); the larger decides."""
    docs = {-1: Counter(), 0: Counter(), 1: Counter()}
    n_tokens = {-1: 0, 0: 0, 1: 0}
    df: Counter = Counter()
    for text, label in examples:
        lemmas = set(sentence_lemmas(text))
        docs[label].update(lemmas)
        n_tokens[label] += len(lemmas)
        df.update(lemmas)
    prior = docs[-1] + docs[0] + docs[1]
    total = float(sum(prior.values())) or 1.0
    z_neg = log_odds_z(docs[-1], n_tokens[-1], docs[0], n_tokens[0], prior, total, prior_strength)
    z_pos = log_odds_z(docs[1], n_tokens[1], docs[0], n_tokens[0], prior, total, prior_strength)
    out: dict[str, EvaluativeWord] = {}
    for w, n in df.items():
        if n < min_count:
            continue
        zn, zp = z_neg.get(w, 0.0), z_pos.get(w, 0.0)
        if zn >= zp and zn > 0:
            out[w] = EvaluativeWord(w, "negative", round(zn, 3), n)
        elif zp > 0:
            out[w] = EvaluativeWord(w, "positive", round(zp, 3), n)
    return out


def write_evaluative_words(words: dict[str, EvaluativeWord], path: Path, header: Sequence[str] = (),
                           min_score: float = 1.0) -> int:
    rows = sorted((w for w in words.values() if w.score >= min_score), key=lambda w: (-w.score, w.lemma))
    with path.open("w", encoding="utf-8", newline="") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        fh.write("lemma\tpolarity\tscore\tcount\n")
        for w in rows:
            fh.write(f"{w.lemma}\t{w.polarity}\t{w.score:.3f}\t{w.count}\n")
    return len(rows)


def score_sentence(text: str, words: dict[str, EvaluativeWord]) -> tuple[float, str | None]:
    """The strongest learned word of a sentence: (z-score, polarity), (0, None) without one."""
    best = (0.0, None)
    for lemma in sentence_lemmas(text):
        w = words.get(lemma)
        if w is not None and w.score > best[0]:
            best = (w.score, w.polarity)
    return best


# ---- marking an article ---------------------------------------------------------------------------------

def _token_lemma(tok: Token) -> tuple[str, str | None]:
    if not _WORD.fullmatch(tok.text):
        return "", None
    return _lemma_pos(tok.text)


def find_loaded_language(doc: AnalyzedArticle, lexicon: Lexicon | None = None,
                         model: dict[str, EvaluativeWord] | None = None,
                         threshold: float = MODEL_THRESHOLD, use_model: bool = True) -> list[LoadedHit]:
    """Loaded wording in `doc`, in text order: lexicon terms, then learned evaluative words (score at
    least `threshold`) that no lexicon term covers."""
    lex = lexicon or load_loaded_lexicon()
    hits = [LoadedHit(start=h.start, end=h.end, text=h.term, category=h.category, label=h.label, term=h.entry,
                      sentence=h.sentence, source="lexicon", polarity=POLARITY_OF_LABEL.get(h.label))
            for h in find_contested_terms(doc, lex)]
    if use_model:
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
            hits.append(LoadedHit(start=tok.start, end=tok.end, text=doc.text[tok.start:tok.end],
                                  category="evaluative", label=w.polarity, term=w.lemma, sentence=tok.sentence,
                                  source="model", polarity=w.polarity, score=w.score))
    hits.sort(key=lambda h: (h.start, h.end))
    return hits
