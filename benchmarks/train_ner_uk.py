"""Train the Ukrainian NER model shipped as parallax/nlp/models/ner_uk.crfsuite.

Data: NER-UK 2.0 (lang-uk/ner-uk, CC BY-NC-SA 4.0), the part in ../shared/data/ner-uk-2.0/data
({bruk,ng}/*.txt + .ann: 391 documents). Types kept: PERS -> PER, LOC -> LOC, ORG -> ORG; the other ten
(ART, DATE, DOC, JOB, MISC, MON, PCT, PERIOD, QUANT, TIME) are O. Nested annotations: among the kept types
the outermost span wins (an ORG inside a JOB, 'начальника [Генерального штабу]', stays an ORG because JOB
is dropped first).

Split (document level, seeded, fixed): within each source folder (bruk, ng) the sorted document ids are
shuffled with random.Random(SEED) and the first 20 % are the held-out test part, never trained or tuned on.
For tuning, 15 % of the remaining documents (random.Random(SEED + 1)) are a dev part: `--dev` trains on
the rest and scores the dev part; the shipped model is trained on all non-test documents.

SlavicNER (uk) is not trained on: its SOURCE.txt allows evaluation and tuning only (no licence stated).
Its topics brexit and asia_bibi are the tuning topics (`--dev` scores them too); the other four are test.

Features: parallax/nlp/ner_uk.py (word, morphology, and the gazetteer parallax/nlp/data/gazetteer_uk.yaml,
a hand-written list of places and organisations). Tokens are the Analyzer's own (parallax.nlp.segment: razdel sentences within lines, razdel tokens), so
training sees what inference sees. CRFsuite L-BFGS with L1 (c1) + L2 (c2): L1 zeroes most feature
weights and keeps the model small. Deterministic: fixed data order, no randomness in L-BFGS.

    python benchmarks/train_ner_uk.py            # -> parallax/nlp/models/ner_uk.crfsuite
    python benchmarks/train_ner_uk.py --dev      # tuning run: train minus dev, scores on dev + tune topics
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import pycrfsuite  # noqa: E402
from span_scores import exact_span_scores  # noqa: E402

from parallax.nlp import ner_uk  # noqa: E402
from parallax.nlp.segment import split_sentences, split_tokens  # noqa: E402

SHARED = REPO / ".." / "shared" / "data"
NER_UK = SHARED / "ner-uk-2.0" / "data"
SLAVIC = SHARED / "slavicner-ru-uk"
SEED = 14
TEST_SHARE = 0.20
DEV_SHARE = 0.15
NER_UK_TYPES = {"PERS": "PER", "LOC": "LOC", "ORG": "ORG"}
SLAVIC_TYPES = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}
TUNE_TOPICS = ("asia_bibi", "brexit")
PARAMS = {"c1": 0.1, "c2": 0.01, "max_iterations": 300, "feature.minfreq": 2,
          "feature.possible_transitions": True}


@dataclass
class Doc:
    id: str
    text: str
    spans: list[tuple[int, int, str]]             # gold (start, end, type), PER/LOC/ORG only
    sentences: list = field(default_factory=list)
    tokens: list = field(default_factory=list)

    def segment(self) -> Doc:
        if not self.sentences:
            self.sentences = split_sentences(self.text)
            self.tokens = split_tokens(self.text, self.sentences, "uk")
        return self


def outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop spans inside (or overlapping) an earlier, longer one; duplicates collapse; one extent with
    two types keeps the first type in alphabetical order (LOC, ORG, PER), whatever the hash seed."""
    out: list[tuple[int, int, str]] = []
    for s, e, t in sorted(set(spans), key=lambda x: (x[0], -x[1], x[2])):
        if out and s < out[-1][1]:
            continue
        out.append((s, e, t))
    return out


def parse_ann(path: Path) -> list[tuple[int, int, str]]:
    """NER-UK .ann lines: 'T1<TAB>TYPE<TAB>start<TAB>end<TAB>text' (or brat's 'TYPE start end')."""
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if not parts[0].startswith("T") or len(parts) < 3:
            continue
        head = parts[1].split() if len(parts) < 5 else parts[1:4]
        try:
            typ, start, end = head[0], int(head[1]), int(head[2])
        except (IndexError, ValueError):
            continue
        if typ in NER_UK_TYPES:
            spans.append((start, end, NER_UK_TYPES[typ]))
    return outermost(spans)


def load_ner_uk() -> dict[str, list[Doc]]:
    """{'train': [...], 'dev': [...], 'test': [...]} (train includes dev)."""
    parts: dict[str, list[Doc]] = {"train": [], "dev": [], "test": []}
    for folder in sorted(p for p in NER_UK.iterdir() if p.is_dir()):
        ids = sorted(p.stem for p in folder.glob("*.txt"))
        random.Random(SEED).shuffle(ids)
        n_test = round(len(ids) * TEST_SHARE)
        test, train = set(ids[:n_test]), ids[n_test:]
        random.Random(SEED + 1).shuffle(train)
        dev = set(train[:round(len(train) * DEV_SHARE)])
        for stem in sorted(ids):
            text = (folder / f"{stem}.txt").read_text(encoding="utf-8")
            doc = Doc(f"{folder.name}/{stem}", text, parse_ann(folder / f"{stem}.ann"))
            parts["test" if stem in test else "train"].append(doc)
            if stem in dev:
                parts["dev"].append(doc)
    return parts


def load_slavic(topics_wanted: str = "test") -> list[Doc]:
    """SlavicNER uk documents of the tune topics (`tune`) or of the others (`test`)."""
    docs = []
    for topic_dir in sorted((SLAVIC / "ner").iterdir()):
        if (topic_dir.name in TUNE_TOPICS) != (topics_wanted == "tune"):
            continue
        for tsv in sorted((topic_dir / "uk").glob("*.tsv")) if (topic_dir / "uk").exists() else []:
            raw = SLAVIC / "raw" / topic_dir.name / "uk" / f"{tsv.stem}.txt"
            spans = []
            for line in tsv.read_text(encoding="utf-8").splitlines():
                cols = line.split("\t")
                if len(cols) >= 5 and cols[4] in SLAVIC_TYPES:
                    spans.append((int(cols[0]), int(cols[1]), SLAVIC_TYPES[cols[4]]))
            docs.append(Doc(f"{topic_dir.name}/{tsv.stem}", raw.read_text(encoding="utf-8"), outermost(spans)))
    return docs


def sequences(doc: Doc) -> tuple[list[tuple[list[str], list[str]]], int]:
    """Per sentence (words, BIO labels) from the gold spans; and how many spans did not align to tokens."""
    doc.segment()
    label = ["O"] * len(doc.tokens)
    starts = {t.start: i for i, t in enumerate(doc.tokens)}
    ends = {t.end: i for i, t in enumerate(doc.tokens)}
    misaligned = 0
    for s, e, typ in doc.spans:
        if s not in starts or e not in ends or ends[e] < starts[s]:
            misaligned += 1
            continue
        a, b = starts[s], ends[e]
        label[a] = f"B-{typ}"
        for i in range(a + 1, b + 1):
            label[i] = f"I-{typ}"
    out: list[tuple[list[str], list[str]]] = []
    current = None
    for tok, lab in zip(doc.tokens, label):
        if tok.sentence != current:
            out.append(([], []))
            current = tok.sentence
        out[-1][0].append(tok.text)
        out[-1][1].append(lab)
    return out, misaligned


def train(docs: list[Doc], model_path: Path, params: dict) -> dict:
    trainer = pycrfsuite.Trainer(verbose=False)
    n_seq = n_tok = misaligned = 0
    for doc in docs:
        seqs, bad = sequences(doc)
        misaligned += bad
        stats = ner_uk.document_stats([words for words, _ in seqs])
        for words, labels in seqs:
            trainer.append(ner_uk.sentence_features(words, stats), labels)
            n_seq += 1
            n_tok += len(words)
    trainer.set_params(params)
    t0 = time.time()
    model_path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    return {"documents": len(docs), "sentences": n_seq, "tokens": n_tok,
            "gold_spans": sum(len(d.spans) for d in docs), "spans_not_on_token_bounds": misaligned,
            "train_seconds": round(time.time() - t0, 1), "params": params,
            "model_bytes": model_path.stat().st_size}


def score(gold: list[set], pred: list[set]) -> dict:
    """Exact-span P/R/F1 per type (and micro over all three)."""
    return exact_span_scores(gold, pred, ner_uk.TYPES, "ALL")


def evaluate(docs: list[Doc]) -> dict:
    gold, pred = [], []
    for doc in docs:
        doc.segment()
        gold.append(set(doc.spans))
        pred.append(set(ner_uk.tag_document(doc.text, doc.sentences, doc.tokens)))
    return score(gold, pred)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", action="store_true", help="train without the dev part and score dev + tune topics")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    ap.add_argument("--minfreq", type=float, default=PARAMS["feature.minfreq"])
    ap.add_argument("--out", type=Path, default=ner_uk.MODEL_PATH)
    args = ap.parse_args()
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
              "feature.minfreq": args.minfreq}
    parts = load_ner_uk()
    dev_ids = {d.id for d in parts["dev"]}
    if args.dev:
        out = args.out if args.out != ner_uk.MODEL_PATH else Path("/tmp/ner_uk_dev.crfsuite")
        info = train([d for d in parts["train"] if d.id not in dev_ids], out, params)
        ner_uk.MODEL_PATH = out
        ner_uk.crf_tagger.cache_clear()
        print(info)
        labels = Counter(lab for d in parts["dev"] for _, labs in sequences(d)[0] for lab in labs)
        print("dev labels", dict(labels))
        for name, docs in (("ner-uk dev", parts["dev"]), ("slavicner tune topics", load_slavic("tune"))):
            print(name, {k: (v["p"], v["r"], v["f1"]) for k, v in evaluate(docs).items()})
        return
    info = train(parts["train"], args.out, params)
    print(info)


if __name__ == "__main__":
    main()
