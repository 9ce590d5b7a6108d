"""Train and evaluate the learned evaluative word list of parallax/loaded.py.

    python benchmarks/loaded_eval.py [--rusentne ../shared/data/rusentne-2023/train_data.csv] [--write]

Training data (weak supervision, nothing labelled by hand for it):
  positives  the one-word terms of the loaded-language lexicon (parallax/data/loaded_ru.yaml);
  negatives  content lemmas seen in >= 3 sentences of the RuSentNE-2023 *train* file, minus the lexicon
             and stopwords, from the 80 % part of a split by sha1(sentence) (the other 20 % is test), and
             3000 dictionary lemmas of the navec vocabulary drawn at random as unlabelled negatives (most
             words are not loaded; without them rare words, unlike anything in the news sentences, score
             high);
  features   the navec news vectors of the lemmas (shipped inside the natasha wheel), L2-normalized.

Measured:
  1. 5-fold cross-validation over those words (seeded): precision/recall of 'loaded' at each threshold
     (a lower bound on precision: some unlabelled negatives are loaded words); the shipped threshold is
     fixed at 0.8 (parallax.loaded.MODEL_THRESHOLD) after judging samples of the shipped words;
  2. on the held-out 20 % of the RuSentNE sentences: does a sentence that expresses sentiment toward an
     entity contain a marked word? (learned list, lexicon, both). Sentiment toward an entity is not the
     same thing as loaded wording, so this is a weak external check, not a gold standard;
  3. a seeded sample of 40 shipped words outside the lexicon, printed for a manual judgement
     (recorded in benchmarks/PROFILES.md).

With --write the classifier is refit on all words and every dictionary lemma of the navec vocabulary is
scored; words at or above the threshold go to parallax/data/evaluative_ru.tsv.
Results: benchmarks/results/loaded_eval.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parallax.compare.framing import load_stopwords  # noqa: E402
from parallax.model import AnalyzedArticle, Article  # noqa: E402
from parallax.nlp.segment import split_sentences, split_tokens  # noqa: E402
from parallax.outlets.loaded import (  # noqa: E402
    MODEL_PATH,
    MODEL_THRESHOLD,
    POLARITY_OF_LABEL,
    EvaluativeWord,
    find_loaded_language,
    load_loaded_lexicon,
    predict_logistic,
    read_rusentne,
    score_sentence,
    sentence_lemmas,
    train_logistic,
    write_evaluative_words,
)

DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "rusentne-2023" / "train_data.csv"
RESULTS = ROOT / "benchmarks" / "results" / "loaded_eval.json"
SEED = 5
UNLABELLED_NEGATIVES = 3000
_PROPER = {"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad", "Init"}
_VOCAB_POS = {"ADJF", "NOUN", "VERB", "INFN", "ADVB"}


def held_out(sentence: str) -> bool:
    return int(hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def prf(pred, gold) -> dict[str, float]:
    tp = sum(bool(p) and bool(g) for p, g in zip(pred, gold))
    fp = sum(bool(p) and not g for p, g in zip(pred, gold))
    fn = sum(bool(g) and not p for p, g in zip(pred, gold))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "marked": tp + fp}


def auc(scores, gold) -> float:
    pairs = sorted(zip(scores, gold))
    n_pos = sum(1 for _, g in pairs if g)
    n_neg = len(pairs) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        avg = (i + j) / 2 + 1
        rank_sum += avg * sum(1 for k in range(i, j + 1) if pairs[k][1])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _vectors(emb, words):
    x = np.array([emb[w] for w in words], dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _dictionary_lemmas(vocab):
    """Cyrillic navec words that are their own dictionary lemma, of a content part of speech, not names."""
    from parallax.nlp import morph
    out = []
    for w in vocab:
        if not re.fullmatch(r"[а-яё]+(?:-[а-яё]+)?", w) or len(w) < 4:
            continue
        parses = morph.parses(w)
        if not parses:
            continue
        best = parses[0]
        if best.normal_form != w or best.tag.POS not in _VOCAB_POS or _PROPER & set(best.tag.grammemes) \
                or not morph.is_dictionary_parse(best):
            continue
        out.append(w)
    return out


def lexicon_marks(sentences) -> list[bool]:
    lex = load_loaded_lexicon()
    out = []
    for s in sentences:
        doc = AnalyzedArticle(article=Article(id="s", text=s, outlet="-"))
        doc.sentences = split_sentences(s)
        doc.tokens = split_tokens(s, doc.sentences)
        out.append(bool(find_loaded_language(doc, lex, use_model=False)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rusentne", default=str(DEFAULT_DATA))
    ap.add_argument("--write", action="store_true", help="score the navec vocabulary and write the word list")
    args = ap.parse_args(argv)
    data = Path(args.rusentne)
    if not data.exists():
        print(f"no data at {data}", file=sys.stderr)
        return 1
    from parallax.nlp.models import news_embedding
    emb = news_embedding()
    stop = load_stopwords("ru")

    lex = load_loaded_lexicon()
    polarity_of = {}
    for t in lex.terms:
        if len(t.lemmas) == 1 and not t.lemmas[0].endswith("*") and emb.get(t.lemmas[0]) is not None:
            polarity_of[t.lemmas[0]] = POLARITY_OF_LABEL.get(t.label)
    positives = sorted(polarity_of)

    examples = read_rusentne(data)
    train = [e for e in examples if not held_out(e[0])]
    test = [e for e in examples if held_out(e[0])]
    df: Counter = Counter()
    for s, _ in train:
        df.update(set(sentence_lemmas(s)))
    # the ordinary words of news sentences, and (as unlabelled negatives: most words are not loaded) the
    # dictionary lemmas of the navec vocabulary, so that rare words are not loaded by default
    vocab = _dictionary_lemmas(emb.vocab.words)
    unlabelled = random.Random(SEED).sample([w for w in vocab if w not in polarity_of and w not in stop],
                                            UNLABELLED_NEGATIVES)
    negatives = sorted({w for w, n in df.items()
                        if n >= 3 and w not in polarity_of and w not in stop and emb.get(w) is not None}
                       | set(unlabelled))
    words = positives + negatives
    x = _vectors(emb, words)
    y = np.array([1] * len(positives) + [0] * len(negatives), dtype=np.float64)

    # 1. cross-validation over words
    rng = random.Random(SEED)
    folds = list(range(len(words)))
    rng.shuffle(folds)
    fold_of = {i: k % 5 for k, i in enumerate(folds)}
    cv = np.zeros(len(words))
    for k in range(5):
        tr = np.array([fold_of[i] != k for i in range(len(words))])
        w, b = train_logistic(x[tr], y[tr])
        cv[~tr] = predict_logistic(x[~tr], w, b)
    grid = [round(0.5 + 0.025 * i, 3) for i in range(20)]
    cv_table = {t: prf(cv >= t, y == 1) for t in grid}
    threshold = MODEL_THRESHOLD

    # 2. held-out RuSentNE sentences
    w, b = train_logistic(x, y)
    test_vocab = sorted({lm for s, _ in test for lm in sentence_lemmas(s)
                         if lm not in stop and emb.get(lm) is not None})
    scores = dict(zip(test_vocab, predict_logistic(_vectors(emb, test_vocab), w, b))) if test_vocab else {}
    lexicon_words = set(polarity_of)
    learned = {lm: EvaluativeWord(lm, None, float(p)) for lm, p in scores.items()}
    for lm in lexicon_words:
        learned.pop(lm, None)        # the lexicon itself is measured apart
    sents = [s for s, _ in test]
    gold = [lab != 0 for _, lab in test]
    sent_scores = [score_sentence(s, learned) for s in sents]
    model_pred = [sc >= threshold for sc in sent_scores]
    lex_pred = lexicon_marks(sents)
    result = {
        "training_words": {"positives_lexicon": len(positives), "negatives": len(negatives),
                           "of_which_unlabelled_navec": UNLABELLED_NEGATIVES},
        "cross_validation": {str(t): v for t, v in cv_table.items()},
        "threshold": threshold,
        "rusentne_heldout": {
            "sentences": len(test), "with_sentiment": sum(gold),
            "task": "sentence expresses sentiment toward an entity (label != 0) <-> it contains a marked word",
            "all_marked_f1": round(2 * (sum(gold) / len(gold)) / (1 + sum(gold) / len(gold)), 3),
            "model": {**prf(model_pred, gold), "auc_max_score": round(auc(sent_scores, gold), 3)},
            "lexicon": prf(lex_pred, gold),
            "model_or_lexicon": prf([a or c for a, c in zip(model_pred, lex_pred)], gold),
        },
    }

    if args.write:
        shipped = []
        lex_list = sorted(polarity_of)
        lex_x = _vectors(emb, lex_list)
        for i in range(0, len(vocab), 5000):
            chunk = vocab[i:i + 5000]
            cx = _vectors(emb, chunk)
            probs = predict_logistic(cx, w, b)
            sims = cx @ lex_x.T
            for j, (word, p) in enumerate(zip(chunk, probs)):
                if p < threshold or word in stop:
                    continue
                near = np.argsort(-sims[j])[:3]
                votes = Counter(polarity_of[lex_list[k]] for k in near)
                polarity = votes.most_common(1)[0][0]
                shipped.append(EvaluativeWord(word, polarity, float(p), lex_list[near[0]]))
        n = write_evaluative_words(shipped, MODEL_PATH, header=[
            "Loaded-word candidates learned by benchmarks/loaded_eval.py --write: logistic regression on navec",
            "news vectors (natasha wheel); positives: one-word terms of parallax/data/loaded_ru.yaml; negatives:",
            "content lemmas of RuSentNE-2023 train_data.csv (MIT) and random navec dictionary lemmas.",
            "score: P(loaded); polarity: majority of the 3 most similar lexicon terms; nearest: the most similar.",
            f"Threshold {threshold}.",
        ])
        result["written"] = {"path": str(MODEL_PATH.relative_to(ROOT)), "words": n, "vocabulary_scored": len(vocab)}
        new_words = sorted(w_.lemma for w_ in shipped if w_.lemma not in lexicon_words)
        sample = random.Random(SEED).sample(new_words, min(40, len(new_words)))
        result["judgement_sample"] = sample
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
