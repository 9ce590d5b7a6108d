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

Features: parallax/nlp/ner_uk.py (word, morphology, the gazetteer parallax/nlp/data/gazetteer_uk.yaml,
a hand-written list of places and organisations, word classes, address/building context from
parallax/nlp/data/ner_uk_context.yaml). Sequences are ner_uk.tagging_units (sentences, joined across
razdel's breaks after 'вул.', 'м.', initials), in training as at run time. Tokens are the Analyzer's own (parallax.nlp.segment: razdel sentences within lines, razdel tokens), so
training sees what inference sees. CRFsuite L-BFGS with L1 (c1) + L2 (c2): L1 zeroes most feature
weights and keeps the model small. Deterministic: fixed data order, no randomness in L-BFGS.

Word classes (features c0/c1/c2): `--clusters ner-uk` rebuilds parallax/nlp/data/word_clusters_uk.yaml
from the text of the training documents minus the dev part (no labels; `both` adds tgcontest-2019-html's
Ukrainian pages, which were tried on dev only: that data set is for evaluation and tuning). Retrain after.

    python benchmarks/train_ner_uk.py            # -> parallax/nlp/models/ner_uk.crfsuite
    python benchmarks/train_ner_uk.py --dev      # tuning run: train minus dev, scores on dev + tune topics
    python benchmarks/train_ner_uk.py --clusters ner-uk     # -> parallax/nlp/data/word_clusters_uk.yaml
    python benchmarks/train_ner_uk.py --gazetteer-ablation  # -> benchmarks/results/ner_uk_gazetteer_ablation.json
    python benchmarks/train_ner_uk.py --cv 5     # cross-validation on the training part -> benchmarks/results/ner_uk_cv.json
    python benchmarks/train_ner_uk.py --cv 5 --cv-reuse   # the same with the fold models kept in --cv-dir (a rule change)

Cross-validation (session 9): the training part (dev included; the held-out part never) in 5 folds by
document (cv_folds), each fold tagged by a model trained on the other four: every training document is
scored once, 1 665 gold LOCs against dev's 217, so rule and feature changes can be judged on a larger,
less noisy signal than the dev part, and the error analysis sees held-out-like errors (dev was tuned on).
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
from parallax.resources import resource_path  # noqa: E402

SHARED = REPO / ".." / "shared" / "data"
NER_UK = SHARED / "ner-uk-2.0" / "data"
SLAVIC = SHARED / "slavicner-ru-uk"
SEED = 14
TEST_SHARE = 0.20
DEV_SHARE = 0.15
NER_UK_TYPES = {"PERS": "PER", "LOC": "LOC", "ORG": "ORG"}
SLAVIC_TYPES = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}
TUNE_TOPICS = ("asia_bibi", "brexit")
PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 300, "feature.minfreq": 2,
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
    index = {id(t): i for i, t in enumerate(doc.tokens)}
    out = [([t.text for t in unit], [label[index[id(t)]] for t in unit])
           for unit in ner_uk.tagging_units(doc.text, doc.tokens)]
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


def loc_error_classes(gold: list[set], pred: list[set]) -> Counter:
    """Each LOC span error by what went wrong: a gold LOC not found ('missed': nothing overlaps it;
    'extent': a LOC of other bounds does; 'extent+type', 'type': another type does), and a predicted LOC
    not in the gold ('false: spurious', 'false: extent', 'false: extent+type', 'false: type PER/ORG')."""
    out: Counter = Counter()
    for g, p in zip(gold, pred):
        for mine, other, prefix in ((g, p, ""), (p, g, "false: ")):
            bounds = {(s, e): t for s, e, t in other}
            for s, e, t in mine:
                if t != "LOC" or bounds.get((s, e)) == "LOC":
                    continue
                overlapping = {ot for (os, oe), ot in bounds.items() if os < e and s < oe}
                if (s, e) in bounds:
                    what = f"type {bounds[(s, e)]}" if prefix else "type"
                elif not overlapping:
                    what = "spurious" if prefix else "missed"
                else:
                    what = "extent" if "LOC" in overlapping else "extent+type"
                out[prefix + what] += 1
    return out


def evaluate(docs: list[Doc], errors: int = 0) -> dict:
    """Scores; with `errors`, also print that many of the commonest LOC misses and false LOCs."""
    gold, pred = [], []
    for doc in docs:
        doc.segment()
        gold.append(set(doc.spans))
        pred.append(set(ner_uk.tag_document(doc.text, doc.sentences, doc.tokens)))
    if errors:
        print("  LOC error classes:", dict(loc_error_classes(gold, pred)))
        missed = Counter(f"{t} {d.text[s:e]}" for d, g, p in zip(docs, gold, pred) for s, e, t in g - p if t == "LOC")
        wrong = Counter(f"{t} {d.text[s:e]}" for d, g, p in zip(docs, gold, pred) for s, e, t in p - g if t == "LOC")
        print("  LOC missed:", missed.most_common(errors))
        print("  LOC wrong:", wrong.most_common(errors))
    return score(gold, pred)


# ---- cross-validation on the training part ---------------------------------------------------------------

CV_FOLDS = 5
CV_DIR = Path("/tmp/ner_uk_cv")
CV_RESULTS = REPO / "benchmarks" / "results" / "ner_uk_cv.json"


def cv_folds(docs: list[Doc], k: int) -> dict[str, int]:
    """Document id -> fold (0..k-1): the sorted ids shuffled with random.Random(SEED + 2), dealt round
    robin, so each fold holds a fifth of the bruk and of the ng documents."""
    out: dict[str, int] = {}
    for folder in sorted({d.id.split("/")[0] for d in docs}):
        ids = sorted(d.id for d in docs if d.id.startswith(folder + "/"))
        random.Random(SEED + 2).shuffle(ids)
        out.update({doc_id: i % k for i, doc_id in enumerate(ids)})
    return out


def use_model(path: Path) -> None:
    ner_uk.MODEL_PATH = path
    ner_uk.crf_tagger.cache_clear()


def cross_validate(parts: dict[str, list[Doc]], k: int, model_dir: Path, params: dict, retrain: bool) -> dict:
    """k-fold cross-validation by document over the training part (dev included, the held-out test part
    never): train on k-1 folds, tag the k-th, so every training document is scored once by a model that
    did not see it. Fold models are kept in `model_dir` (`retrain=False` reuses them to score a rule
    change); the pooled predictions go to model_dir/predictions.json for error analysis."""
    import json  # lazy: only the cross-validation writes JSON
    docs = parts["train"]
    fold = cv_folds(docs, k)
    model_dir.mkdir(parents=True, exist_ok=True)
    gold, pred, scored = [], [], []
    for i in range(k):
        path = model_dir / f"fold{i}.crfsuite"
        if retrain or not path.exists():
            print(f"fold {i}", train([d for d in docs if fold[d.id] != i], path, params), flush=True)
        use_model(path)
        for doc in (d for d in docs if fold[d.id] == i):
            doc.segment()
            gold.append(set(doc.spans))
            pred.append(set(ner_uk.tag_document(doc.text, doc.sentences, doc.tokens)))
            scored.append(doc)
    result = {"all": score(gold, pred)}
    for folder in sorted({d.id.split("/")[0] for d in scored}):
        idx = [j for j, d in enumerate(scored) if d.id.startswith(folder + "/")]
        result[folder] = score([gold[j] for j in idx], [pred[j] for j in idx])
        result[folder]["LOC errors"] = dict(loc_error_classes([gold[j] for j in idx], [pred[j] for j in idx]))
    for name, value in result.items():
        print(f"cv {name}:", {t: (v["p"], v["r"], v["f1"]) for t, v in value.items() if t in (*ner_uk.TYPES, "ALL")},
              value.get("LOC errors", ""))
    (model_dir / "predictions.json").write_text(json.dumps(
        [{"id": d.id, "gold": sorted(g), "pred": sorted(p)} for d, g, p in zip(scored, gold, pred)],
        ensure_ascii=False), encoding="utf-8")
    CV_RESULTS.write_text(json.dumps({
        "what": f"{k}-fold cross-validation by document over NER-UK's training part (dev included, held-out never); "
                "the shipped recipe and rules, each document tagged by the fold model that did not see it",
        "command": f"python benchmarks/train_ner_uk.py --cv {k}", "folds": k, "documents": len(scored),
        "params": params, "format": "type: {p, r, f1, gold, tp, pred}, exact span; LOC errors: loc_error_classes",
        **result}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return result


# ---- word classes from unlabelled text ----------------------------------------------------------------

CLUSTER_LEVELS = (32, 128, 512)
CLUSTER_MIN_COUNT = 3
CONTEXT_WORDS = 3000
SVD_DIMS = 100
TGCONTEST = SHARED / "tgcontest-2019-html" / "pages"


def unlabelled_texts(parts: dict[str, list[Doc]], source: str) -> list[str]:
    """Unlabelled Ukrainian text for the word classes: the NER-UK training documents minus the dev part
    (their text only, never the test part), and with source 'both' also the pages of tgcontest-2019-html
    that the project's language id calls Ukrainian. SlavicNER is never used."""
    from parallax.ingest.errors import InputError  # lazy: only the --clusters run reads HTML
    from parallax.ingest.html import read_html_file  # lazy: the same
    from parallax.nlp.pipeline import detect_language  # lazy: the same
    dev = {d.id for d in parts["dev"]}
    texts = [d.text for d in parts["train"] if d.id not in dev]
    if source == "both":
        for page in sorted(TGCONTEST.rglob("*.html")):
            try:
                text = read_html_file(page).text
            except InputError:          # a page without an article body (a few dozen): nothing to learn from
                continue
            if detect_language(text)[0] == "uk":
                texts.append(text)
    return texts


def build_clusters(texts: list[str], out: Path, source: str) -> dict:
    """K-means classes (CLUSTER_LEVELS of them, three independent clusterings) of the words' context
    vectors: counts of the CONTEXT_WORDS commonest words at positions -2, -1, +1, +2, weighted by
    positive PMI, reduced to SVD_DIMS by truncated SVD, unit length. Words are keyed as the CRF looks
    them up (ner_uk.word_features: the Ukrainian lemma, else the lower-case form); words seen fewer than
    CLUSTER_MIN_COUNT times get no class. Deterministic (fixed seeds)."""
    import numpy as np  # lazy: only the --clusters run needs numpy, scipy, scikit-learn
    import yaml  # lazy: the same
    from scipy import sparse  # lazy: the same
    from sklearn.cluster import KMeans  # lazy: the same
    from sklearn.decomposition import TruncatedSVD  # lazy: the same
    sents = []
    for text in texts:
        doc = Doc("", text, []).segment()
        for unit in ner_uk.tagging_units(text, doc.tokens):
            sents.append(["<s>", *(ner_uk.cluster_key(t.text) for t in unit), "</s>"])
    counts = Counter(k for s in sents for k in s[1:-1])
    vocab = [k for k, c in counts.most_common() if c >= CLUSTER_MIN_COUNT and any(ch.isalpha() for ch in k)]
    context = {k: i for i, (k, _) in enumerate(counts.most_common(CONTEXT_WORDS))}
    row_of = {k: i for i, k in enumerate(vocab)}
    width = len(context) + 1                      # + one column for every rarer word and the padding
    rows, cols = [], []
    for s in sents:
        for i, k in enumerate(s):
            if k in row_of:
                for slot, d in enumerate((-2, -1, 1, 2)):
                    if 0 <= i + d < len(s):
                        rows.append(row_of[k])
                        cols.append(slot * width + context.get(s[i + d], len(context)))
    m = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(vocab), 4 * width)).tocsr().tocoo()
    row_sum, col_sum = np.asarray(m.sum(1)).ravel(), np.asarray(m.sum(0)).ravel()
    col_p = col_sum ** 0.75 / (col_sum ** 0.75).sum()            # context distribution smoothing
    pmi = np.log(m.data / row_sum[m.row] / col_p[m.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    vectors = TruncatedSVD(SVD_DIMS, random_state=0).fit_transform(ppmi)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    labels = [KMeans(k, n_init=1, random_state=0).fit(vectors).labels_ for k in CLUSTER_LEVELS]
    groups: dict[str, list[str]] = {}
    for i, word in enumerate(vocab):
        groups.setdefault(" ".join(str(int(lab[i])) for lab in labels), []).append(word)
    header = ("# Word classes for the Ukrainian NER (parallax/nlp/ner_uk.py: features c0/c1/c2), written by\n"
              f"# `python benchmarks/train_ner_uk.py --clusters {source}`: k-means classes (32, 128, 512) of\n"
              "# PPMI-SVD context vectors. `clusters` maps 'coarse middle fine' to the words (Ukrainian lemmas or\n"
              "# lower-case forms) of that class. Learned from the text, without labels, of NER-UK 2.0's training\n"
              "# documents minus the dev part (CC BY-NC-SA 4.0, lang-uk: parallax/nlp/models/LICENSE-ner-uk.md)"
              + (",\n# and of the Ukrainian pages of tgcontest-2019-html (news pages, their publishers')" if source == "both" else "")
              + ".\n# No text is stored, only words and class numbers.\n")
    body = {"levels": list(CLUSTER_LEVELS), "source_tokens": sum(len(s) - 2 for s in sents),
            "clusters": {path: " ".join(sorted(words)) for path, words in sorted(groups.items())}}
    out.write_text(header + yaml.safe_dump(body, allow_unicode=True, width=10_000, sort_keys=False), encoding="utf-8")
    return {"texts": len(texts), "tokens": body["source_tokens"], "words": len(vocab), "classes": len(groups),
            "bytes": out.stat().st_size}


# ---- gazetteer ablation -----------------------------------------------------------------------------

# entries the gazetteer's writer had seen in session 5's test error lists, and other obvious ones for the
# SlavicNER test topics (benchmarks/NER_UK.md, "Ablation")
ABLATION_REMOVED = ("BioNTech", "Moderna", "Nord Stream 2 AG", "Pfizer", "Reuters", "Ryanair", "ЄС",
                    "Європейський Союз", "Євросоюз", "Білий дім", "Газпром", "Демократична партія", "Капітолій",
                    "Конгрес", "Нафтогаз", "Нафтогаз України", "Палата представників", "Північний потік",
                    "Північний потік-2", "Республіканська партія", "США", "Сенат", "Сполучені Штати",
                    "Сполучені Штати Америки", "Цуг")
ABLATION_RESULTS = REPO / "benchmarks" / "results" / "ner_uk_gazetteer_ablation.json"


def gazetteer_ablation(parts: dict[str, list[Doc]], out: Path, params: dict) -> None:
    """Retrain the shipped recipe without ABLATION_REMOVED in the gazetteer and score both test sets
    (-> ABLATION_RESULTS): what the names seen in the test error lists are worth."""
    import json  # lazy: only the ablation writes JSON
    full = ner_uk._gazetteer_file()
    removed = set(ABLATION_REMOVED)
    filtered = {key: ([[n for n in group if str(n) not in removed] for group in value] if key in ner_uk.TYPES else value)
                for key, value in full.items()}
    ner_uk._gazetteer_file = lambda: filtered
    for cache in (ner_uk.gazetteer, ner_uk.word_features):
        cache.cache_clear()
    info = train(parts["train"], out, params)
    ner_uk.MODEL_PATH = out
    ner_uk.crf_tagger.cache_clear()
    result = {"what": "gazetteer ablation: the shipped recipe retrained without the gazetteer entries the writer "
                      "had seen in session 5's test error lists (and other obvious ones)",
              "command": "python benchmarks/train_ner_uk.py --gazetteer-ablation", "removed_entries": sorted(removed),
              "model_bytes": info["model_bytes"], "format": "type: [precision, recall, F1], exact span"}
    for name, docs in (("ner_uk_test", parts["test"]), ("slavicner_uk_test_topics", load_slavic("test"))):
        result[name] = {k: [v["p"], v["r"], v["f1"]] for k, v in evaluate(docs).items()}
        print(name, result[name])
    ABLATION_RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", action="store_true", help="train without the dev part and score dev + tune topics")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    ap.add_argument("--minfreq", type=float, default=PARAMS["feature.minfreq"])
    ap.add_argument("--out", type=Path, default=ner_uk.MODEL_PATH)
    ap.add_argument("--clusters", choices=("ner-uk", "both"),
                    help="only (re)build the word classes from NER-UK's training text (and tgcontest's Ukrainian pages)")
    ap.add_argument("--clusters-file", type=Path, default=resource_path(ner_uk.CLUSTERS),
                    help="the word-class table to write (--clusters) or to train and score with")
    ap.add_argument("--cv", type=int, metavar="K",
                    help="K-fold cross-validation by document over the training part (dev included)")
    ap.add_argument("--cv-dir", type=Path, default=CV_DIR, help="where --cv keeps its fold models")
    ap.add_argument("--cv-reuse", action="store_true", help="--cv: tag with the fold models already in --cv-dir")
    ap.add_argument("--gazetteer-ablation", action="store_true",
                    help="retrain without the gazetteer names seen in test error lists; score the test sets")
    args = ap.parse_args()
    ner_uk.CLUSTERS = str(args.clusters_file.resolve())
    if args.clusters:
        print(build_clusters(unlabelled_texts(load_ner_uk(), args.clusters), args.clusters_file, args.clusters))
        return
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
              "feature.minfreq": args.minfreq}
    parts = load_ner_uk()
    if args.cv:
        cross_validate(parts, args.cv, args.cv_dir, params, retrain=not args.cv_reuse)
        return
    if args.gazetteer_ablation:
        gazetteer_ablation(parts, args.out if args.out != ner_uk.MODEL_PATH else Path("/tmp/ner_uk_ablation.crfsuite"),
                           params)
        return
    dev_ids = {d.id for d in parts["dev"]}
    if args.dev:
        out = args.out if args.out != ner_uk.MODEL_PATH else Path("/tmp/ner_uk_dev.crfsuite")
        info = train([d for d in parts["train"] if d.id not in dev_ids], out, params)
        use_model(out)
        print(info)
        labels = Counter(lab for d in parts["dev"] for _, labs in sequences(d)[0] for lab in labs)
        print("dev labels", dict(labels))
        for name, docs in (("ner-uk dev", parts["dev"]), ("slavicner tune topics", load_slavic("tune"))):
            print(name, {k: (v["p"], v["r"], v["f1"]) for k, v in evaluate(docs, 40 if "dev" in name else 0).items()})
        return
    info = train(parts["train"], args.out, params)
    print(info)


if __name__ == "__main__":
    main()
