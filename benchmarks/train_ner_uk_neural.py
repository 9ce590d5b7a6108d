"""Train the BiLSTM of parallax/nlp/ner_uk_neural.py (PyTorch, training only) and cross-validate it.

The network reads a whole tagging unit (a sentence) where the CRF sees ±2 words: the question (issue 14,
session 10) is whether wider context lifts LOC, whose largest error class is LOC <-> PER in essays and
fiction. Input per token: the CRF's own attribute list (ner_uk.sentence_features, neighbours' attributes
left out), each attribute hashed twice into BUCKETS rows of DIM-wide embeddings and summed; one BiLSTM
layer (HIDDEN per direction); a linear layer to the 7 BIO labels; cross-entropy; Adam. Decoding (numpy,
ner_uk_neural.viterbi) is BIO-constrained Viterbi, over the network's probabilities alone ('neural') or
averaged with the CRF's marginals ('ensemble').

Same data, split and folds as benchmarks/train_ner_uk.py (NER-UK 2.0, CC BY-NC-SA 4.0; the held-out 20 %
is never read here). Deterministic: seeded torch and shuffling, one thread, deterministic algorithms.
After training, the exported weights are run by numpy and by torch on the same units and must agree
(`check_numpy`).

PyTorch is not a dependency of the project: install it into a separate environment that can also import
the project, e.g.
    python3 -m venv /tmp/torch-venv --system-site-packages
    /tmp/torch-venv/bin/pip install torch==2.13.0
    echo "$PWD/.venv/lib/python3.11/site-packages
    $PWD" > /tmp/torch-venv/lib/python3.11/site-packages/parallax.pth
and run this script with /tmp/torch-venv/bin/python:

    python benchmarks/train_ner_uk_neural.py               # -> parallax/nlp/models/ner_uk_neural.npz
    python benchmarks/train_ner_uk_neural.py --cv 5 --folds 0   # one fold, quick check
    python benchmarks/train_ner_uk_neural.py --cv 5 --crf-dir /tmp/ner_uk_cv   # CRF vs neural vs ensemble
        (the CRF fold models from `train_ner_uk.py --cv 5 --cv-dir /tmp/ner_uk_cv`)
        -> benchmarks/results/ner_uk_neural_cv.json (session 10: --epochs 3 --snapshots 1)
    python benchmarks/train_ner_uk_neural.py --cv 5 --context article --batch 2 --crf-dir /tmp/ner_uk_cv
        (one sequence per article) -> benchmarks/results/ner_uk_neural_cv_article.json

Session 10's verdict (benchmarks/NER_UK.md, "Session 10"): no cross-validated LOC gain, so the CRF stays
the shipped labeler and these weights are not committed.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402
from train_ner_uk import Doc, cv_folds, load_ner_uk, score, sequences  # noqa: E402

from parallax.nlp import ner_uk, ner_uk_neural  # noqa: E402

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
BUCKETS = 1 << 15
DIM = 32
HIDDEN = 64
EPOCHS = 3
BATCH = 16
LR = 3e-3
DROPOUT = 0.3
SEED = 14
CV_RESULTS = REPO / "benchmarks" / "results" / "ner_uk_neural_cv.json"
CV_DIR = Path("/tmp/ner_uk_neural_cv")
ENSEMBLE_WEIGHTS = (0.5, 0.7)
CONTEXT = "unit"            # what the BiLSTM reads at once: a tagging unit, or (--context article) the article


class Tagger(nn.Module):
    def __init__(self, buckets: int = BUCKETS, dim: int = DIM, hidden: int = HIDDEN, dropout: float = DROPOUT):
        super().__init__()
        self.emb = nn.EmbeddingBag(buckets, dim, mode="sum")
        nn.init.normal_(self.emb.weight, std=0.05)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, len(LABELS))

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor, lengths: list[int]) -> torch.Tensor:
        """(units, max length, labels) logits; `ids`/`offsets` as EmbeddingBag takes them, token by token
        of the units in order."""
        vectors = self.drop(self.emb(ids, offsets))
        padded = nn.utils.rnn.pad_sequence(list(torch.split(vectors, lengths)), batch_first=True)
        packed = pack_padded_sequence(padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        hidden, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
        return self.out(self.drop(hidden))


def units_of(docs: list[Doc], context: str = CONTEXT) -> list[tuple[list[list[str]], list[int]]]:
    """Per tagging unit of every document: the tokens' CRF attribute lists and label indices; with
    context 'article', one sequence per document (the units one after another)."""
    out = []
    for doc in docs:
        seqs, _ = sequences(doc)
        stats = ner_uk.document_stats([words for words, _ in seqs])
        mine = [(ner_uk.sentence_features(words, stats), [LABELS.index(y) for y in labels])
                for words, labels in seqs if words]
        if context == "article" and mine:
            mine = [([r for rows, _ in mine for r in rows], [y for _, labels in mine for y in labels])]
        out.extend(mine)
    return out


def batch_tensors(units: list[list[list[str]]]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    ids, offsets = [], []
    for rows in units:
        for row in rows:
            offsets.append(len(ids))
            ids.extend(ner_uk_neural.token_ids(row, BUCKETS))
    return torch.tensor(ids), torch.tensor(offsets), [len(u) for u in units]


def train(data: list[tuple[list[list[str]], list[int]]], epochs: int = EPOCHS, seed: int = SEED,
          snapshots: dict[int, Path] | None = None, context: str = CONTEXT, batch: int = BATCH) -> Tagger:
    """The network after `epochs` passes; `snapshots` {epoch: path} also exports it after those epochs
    (cross-validation compares epoch counts from one run)."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    model = Tagger()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    encoded = [(batch_tensors([rows]), labels) for rows, labels in data]
    order = list(range(len(data)))
    rng = random.Random(seed)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
    for epoch in range(epochs):
        model.train()
        rng.shuffle(order)
        t0, total = time.process_time(), 0.0
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            ids = torch.cat([encoded[k][0][0] for k in chosen])
            lengths = [encoded[k][0][2][0] for k in chosen]
            shifts = np.cumsum([0, *(len(encoded[k][0][0]) for k in chosen[:-1])])   # ids before each unit
            offsets = torch.cat([encoded[k][0][1] + int(shift) for k, shift in zip(chosen, shifts)])
            gold = nn.utils.rnn.pad_sequence([torch.tensor(encoded[k][1]) for k in chosen], batch_first=True,
                                             padding_value=-1)
            logits = model(ids, offsets, lengths)
            loss = loss_fn(logits.reshape(-1, len(LABELS)), gold.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += float(loss.detach()) * len(chosen)
        print(f"  epoch {epoch}: loss {total / len(order):.4f}, {time.process_time() - t0:.0f} CPU-s", flush=True)
        if snapshots and epoch + 1 in snapshots and epoch + 1 < epochs:
            model.eval()
            export(copy.deepcopy(model), snapshots[epoch + 1], context)
    model.eval()
    return model


def export(model: Tagger, path: Path, context: str = CONTEXT) -> dict:
    """The weights as ner_uk_neural.py reads them; the embedding table as float16 (the model is then run
    with the rounded table, also by torch in check_numpy)."""
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    arrays = {"emb": sd["emb.weight"].astype(np.float16), "labels": np.array(LABELS), "context": np.array(context),
              "w_out": sd["out.weight"], "b_out": sd["out.bias"]}
    for suffix, tag in (("", "f"), ("_reverse", "b")):
        arrays[f"w_ih_{tag}"] = sd[f"lstm.weight_ih_l0{suffix}"]
        arrays[f"w_hh_{tag}"] = sd[f"lstm.weight_hh_l0{suffix}"]
        arrays[f"b_{tag}"] = sd[f"lstm.bias_ih_l0{suffix}"] + sd[f"lstm.bias_hh_l0{suffix}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    with torch.no_grad():
        model.emb.weight.copy_(torch.from_numpy(arrays["emb"].astype(np.float32)))
    return {"bytes": path.stat().st_size, "parameters": sum(p.numel() for p in model.parameters())}


def use_neural(path: Path) -> None:
    ner_uk_neural.MODEL_PATH = path
    ner_uk_neural.weights.cache_clear()


def check_numpy(model: Tagger, path: Path, units: list[list[list[str]]]) -> float:
    """Max |numpy - torch| of the log-probabilities on `units`; raises if above 1e-4."""
    use_neural(path)
    mine = [ner_uk_neural.unit_log_probs([u])[0] for u in units]      # one sequence each, as torch reads them
    with torch.no_grad():
        ids, offsets, lengths = batch_tensors(units)
        theirs = torch.log_softmax(model(ids, offsets, lengths), dim=2).numpy()
    diff = max(float(np.abs(m - theirs[b, :len(m)]).max()) for b, m in enumerate(mine) if len(m))
    if diff > 1e-4:
        raise SystemExit(f"numpy inference differs from torch by {diff} on {path}")
    return diff


def tag_docs(docs: list[Doc], labeler: str, weight: float = 0.5) -> list[set]:
    ner_uk.LABELER, ner_uk.ENSEMBLE_CRF_WEIGHT = labeler, weight
    out = []
    for doc in docs:
        doc.segment()
        out.append(set(ner_uk.tag_document(doc.text, doc.sentences, doc.tokens)))
    ner_uk.LABELER = "crf"
    return out


def cross_validate(docs: list[Doc], k: int, folds: list[int], model_dir: Path, crf_dir: Path | None,
                   retrain: bool, epochs: int = EPOCHS, snapshots: tuple[int, ...] = (), context: str = CONTEXT,
                   batch: int = BATCH) -> dict:
    """CRF, BiLSTM (after `epochs` and after each of `snapshots` epochs) and ensembles, fold by fold."""
    fold_of = cv_folds(docs, k)
    model_dir.mkdir(parents=True, exist_ok=True)
    if retrain:
        for old in model_dir.glob("fold*.npz"):
            old.unlink()
    todo = [i for i in folds if not (model_dir / f"fold{i}.npz").exists()]
    units = {d.id: units_of([d], context) for d in docs} if todo else {}      # extracted once for every fold
    pooled: dict[str, list[set]] = {}
    gold: list[set] = []
    per_fold = {}
    for i in folds:
        path = model_dir / f"fold{i}.npz"
        held = [d for d in docs if fold_of[d.id] == i]
        if i in todo:
            t0 = time.process_time()
            model = train([u for d in docs if fold_of[d.id] != i for u in units[d.id]], epochs,
                          snapshots={e: model_dir / f"fold{i}_e{e}.npz" for e in snapshots}, context=context,
                          batch=batch)
            info = export(model, path, context)
            info["train_cpu_seconds"] = round(time.process_time() - t0)
            info["numpy_vs_torch"] = check_numpy(model, path, [rows for d in held[:10] for rows, _ in units[d.id]])
            print(f"fold {i}", info, flush=True)
        nets = {f"e{epochs}": path, **{f"e{e}": model_dir / f"fold{i}_e{e}.npz" for e in snapshots if e < epochs}}
        modes = {f"neural {n}": ("neural", 0.5, p) for n, p in nets.items()}
        if crf_dir is not None:
            while not (crf_dir / f"fold{i}.crfsuite").exists():     # train_ner_uk.py --cv still training it
                time.sleep(30)
            ner_uk.MODEL_PATH = crf_dir / f"fold{i}.crfsuite"
            ner_uk.crf_tagger.cache_clear()
            modes = {"crf": ("crf", 0.5, path), **modes, **{f"ensemble {n} {w}": ("ensemble", w, p)
                                                           for n, p in nets.items() for w in ENSEMBLE_WEIGHTS}}
        g = [set(d.spans) for d in held]
        gold.extend(g)
        per_fold[i] = {}
        for name, (labeler, w, net) in modes.items():
            use_neural(net)
            pred = tag_docs(held, labeler, w)
            pooled.setdefault(name, []).extend(pred)
            s = score(g, pred)
            per_fold[i][name] = {t: s[t]["f1"] for t in (*ner_uk.TYPES, "ALL")}
            print(f"fold {i} {name}:", per_fold[i][name], flush=True)
    result = {name: score(gold, pred) for name, pred in pooled.items()}
    for name, s in result.items():
        print(f"cv {name}:", {t: (v["p"], v["r"], v["f1"]) for t, v in s.items()})
    return {"folds": per_fold, "pooled": result}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ner_uk_neural.MODEL_PATH)
    ap.add_argument("--cv", type=int, metavar="K")
    ap.add_argument("--folds", type=int, nargs="*", help="--cv: only these folds (a quick check)")
    ap.add_argument("--cv-dir", type=Path, default=CV_DIR, help="where --cv keeps its fold models")
    ap.add_argument("--cv-reuse", action="store_true",
                    help="--cv: keep the fold models already in --cv-dir (train only the missing ones)")
    ap.add_argument("--crf-dir", type=Path, help="--cv: the CRF fold models (train_ner_uk.py --cv --cv-dir)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--batch", type=int, default=BATCH, help="sequences per update (articles: 2)")
    ap.add_argument("--context", choices=("unit", "article"), default=CONTEXT,
                    help="what the BiLSTM reads at once: a sentence (tagging unit) or the whole article")
    ap.add_argument("--snapshots", type=int, nargs="*", default=[], help="also export (--cv: and score) the network after these epochs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    train_docs = load_ner_uk()["train"]
    if args.cv:
        folds = args.folds if args.folds else list(range(args.cv))
        result = cross_validate(train_docs, args.cv, folds, args.cv_dir, args.crf_dir, not args.cv_reuse, args.epochs,
                                tuple(args.snapshots), args.context, args.batch)
        if len(folds) == args.cv:
            out = CV_RESULTS if args.context == "unit" else CV_RESULTS.with_name(f"{CV_RESULTS.stem}_{args.context}.json")
            out.write_text(json.dumps({
                "what": f"{args.cv}-fold cross-validation by document over NER-UK's training part (train_ner_uk.py's "
                        "folds): the CRF, the BiLSTM and their ensembles, each fold tagged by models that did not see it",
                "command": "python benchmarks/train_ner_uk_neural.py " + " ".join(sys.argv[1:]),
                "model": {"context": args.context, "buckets": BUCKETS, "dim": DIM, "hidden": HIDDEN, "epochs": args.epochs, "batch": args.batch,
                          "lr": LR, "dropout": DROPOUT, "seed": SEED},
                "format": "folds: F1 per type; pooled: type: {p, r, f1, gold, tp, pred}, exact span", **result},
                ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    t0 = time.process_time()
    data = units_of(train_docs, args.context)
    model = train(data, args.epochs, snapshots={e: args.out.with_name(f"{args.out.stem}_e{e}.npz") for e in args.snapshots},
                  context=args.context, batch=args.batch)
    info = export(model, args.out, args.context)
    info["numpy_vs_torch"] = check_numpy(model, args.out, [rows for rows, _ in data[:200]])
    info["train_cpu_seconds"] = round(time.process_time() - t0)
    print(info)


if __name__ == "__main__":
    main()
