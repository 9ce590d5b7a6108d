"""Train and evaluate the learned evaluative word list of parallax/loaded.py on RuSentNE-2023.

    python benchmarks/loaded_eval.py [--data ../shared/data/rusentne-2023/train_data.csv] [--write]

Only the train file is used. Its sentences (labelled by the sentiment toward an entity) are split 80/20
by a hash of the sentence text. On the 80 % part the word list is learned and the marking threshold is
chosen (best F1 of 'the sentence carries sentiment' on that part); on the held-out 20 % the task is the
same: does a sentence that expresses sentiment toward someone contain a marked word? Reported for the
learned list, the curated lexicon (data/loaded_ru.yaml) and both. This measures whether the marks point
at evaluative sentences; it is not a word-level gold standard (none ships).

With --write the list is re-learned on the whole train file and written to parallax/data/evaluative_ru.tsv.
Results: benchmarks/results/loaded_eval.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parallax.loaded import (MODEL_PATH, find_loaded_language, load_loaded_lexicon, read_rusentne,  # noqa: E402
                             score_sentence, train_evaluative_words, write_evaluative_words)
from parallax.model import AnalyzedArticle, Article  # noqa: E402
from parallax.nlp.segment import split_sentences, split_tokens  # noqa: E402

DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "rusentne-2023" / "train_data.csv"
RESULTS = ROOT / "benchmarks" / "results" / "loaded_eval.json"


def held_out(sentence: str) -> bool:
    return int(hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def prf(pred: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "marked": tp + fp}


def auc(scores: list[float], gold: list[bool]) -> float:
    pos = [s for s, g in zip(scores, gold) if g]
    neg = [s for s, g in zip(scores, gold) if not g]
    if not pos or not neg:
        return float("nan")
    ranked = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    pos_ranks = sum(r for r, g in zip(ranks, gold) if g)
    return (pos_ranks - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def lexicon_marks(sentences: list[str]) -> list[bool]:
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
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--write", action="store_true", help="re-learn on the whole file and write the word list")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not data.exists():
        print(f"no data at {data}", file=sys.stderr)
        return 1
    examples = read_rusentne(data)
    train = [e for e in examples if not held_out(e[0])]
    test = [e for e in examples if held_out(e[0])]
    words = train_evaluative_words(train)

    # threshold: best F1 on the training part
    train_scores = [score_sentence(s, words) for s, _ in train]
    train_gold = [y != 0 for _, y in train]
    grid = [x / 2 for x in range(2, 17)]
    best_t = max(grid, key=lambda t: prf([sc >= t for sc, _ in train_scores], train_gold)["f1"])

    sents = [s for s, _ in test]
    gold = [y != 0 for _, y in test]
    scored = [score_sentence(s, words) for s in sents]
    model_pred = [sc >= best_t for sc, _ in scored]
    lex_pred = lexicon_marks(sents)
    both = [a or b for a, b in zip(model_pred, lex_pred)]
    polar = [(pol, y) for (sc, pol), (_, y) in zip(scored, test) if y != 0 and sc >= best_t]
    polarity_acc = sum((pol == "negative") == (y < 0) for pol, y in polar) / len(polar) if polar else None
    share = sum(gold) / len(gold)
    lex_rate_polar = sum(p for p, g in zip(lex_pred, gold) if g) / max(sum(gold), 1)
    lex_rate_neutral = sum(p for p, g in zip(lex_pred, gold) if not g) / max(len(gold) - sum(gold), 1)
    result = {
        "data": "rusentne-2023 train_data.csv (sentences; 20% held out by sha1(sentence) % 5 == 0)",
        "sentences": {"train": len(train), "test": len(test), "test_with_sentiment": sum(gold)},
        "threshold": best_t,
        "task": "sentence expresses sentiment toward an entity (label != 0) <-> it contains a marked word",
        "baseline_all_marked_f1": round(2 * share / (1 + share), 3),
        "model": {**prf(model_pred, gold), "auc_max_score": round(auc([sc for sc, _ in scored], gold), 3),
                  "polarity_accuracy_on_marked_polar": None if polarity_acc is None else round(polarity_acc, 3)},
        "lexicon": {**prf(lex_pred, gold), "marked_share_polar": round(lex_rate_polar, 3),
                    "marked_share_neutral": round(lex_rate_neutral, 3)},
        "model_or_lexicon": prf(both, gold),
        "learned_words_at_threshold": sum(1 for w in words.values() if w.score >= best_t),
    }
    if args.write:
        full = train_evaluative_words(examples)
        n = write_evaluative_words(full, MODEL_PATH, header=[
            "Evaluative words learned by benchmarks/loaded_eval.py --write from RuSentNE-2023 train_data.csv",
            "(MIT licence, dialogue-evaluation/RuSentNE-evaluation). score: z-score of the log-odds ratio",
            "(informative Dirichlet prior, Monroe et al. 2008) of sentences with negative (positive) sentiment",
            "toward an entity against neutral ones; count: training sentences with the lemma. Scores >= 2.",
        ], min_score=2.0)
        result["written"] = {"path": str(MODEL_PATH.relative_to(ROOT)), "words": n}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
