"""English NER on a labelled sample of English news: the model Parallax ships for English
(parallax/nlp/ner_en.py: spaCy's en_core_web_sm 3.8.0, tok2vec + ner only) against the alternatives, plus
speed.

    python benchmarks/ner_en.py --sample    # draw the sample -> benchmarks/data/ner_en_sample.tsv (an index)
    python benchmarks/ner_en.py --label     # check that every page's labels (ner_en_labels.txt) place
    python benchmarks/ner_en.py             # score -> benchmarks/results/ner_en.json

No page text is stored in the project: ../shared/data/tgcontest-2019-html/SOURCE.txt allows its pages for
evaluation and tuning only, never copied into the project. The sample is an index (path, site, domain, part,
and the length and sha1 of each page's excerpt); `load_labelled` rebuilds the labelled records at run time
from the pages (excerpt(read_page(...))), checks each excerpt against the index and places the labels on it.

Sample and labels: benchmarks/data/ner_en_guideline.md (60 pages of ../shared/data/tgcontest-2019-html,
title + ~700 characters of body; part `test` = windows 2019-11-01 12h and 2019-11-08 18h, held out;
part `dev` = 2019-11-15 00h). Score: exact span (start, end, type) precision/recall/F1 per type, PER/LOC/ORG,
micro over the part. Systems:

  * `spacy_sm_ner` — what the Analyzer runs (ner_en.tag_texts): the `ner` component alone (it has its own
    tok2vec), labels mapped, spans trimmed ('the', possessive 's, line breaks), one type per name in an
    article (ner_en.harmonize);
  * `spacy_sm_full` — the same with the model's whole pipeline (tok2vec, tagger, parser, lemmatizer...),
    to show that leaving those out costs no F1;
  * `spacy_sm_trim_only` — `spacy_sm_ner` without harmonize;
  * `spacy_sm_raw` — labels mapped, spans as spaCy gives them (no trimming, no harmonize);
  * `slovnet_ru` — slovnet's Russian news model on the English text, which is what Parallax did before
    (entities.document_ner), for comparison.

Speed (one BLAS thread, process time, side by side in one run, rounds interleaved): the NER alone in articles
per CPU-second over the whole bodies of the sample's pages (not the excerpts) for the Analyzer's pipeline,
the whole pipeline, and the Analyzer's pipeline with spaCy's default ops (blis) instead of numpy's BLAS.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import platform
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from article_pairs_sample import DATA, Page, read_page  # noqa: E402
from span_scores import exact_span_scores  # noqa: E402

SAMPLE = REPO / "benchmarks" / "data" / "ner_en_sample.tsv"
LABELS = REPO / "benchmarks" / "data" / "ner_en_labels.txt"
RESULTS = REPO / "benchmarks" / "results" / "ner_en.json"
SEED = 20191114
WINDOWS = ("20191101/12", "20191108/18", "20191115/00")
TEST_WINDOWS = ("20191101/12", "20191108/18")
PER_WINDOW = 20
MIN_BODY = 400
EXCERPT = 700
EXCERPT_MAX = 900
TYPES = ("PER", "LOC", "ORG")
INDEX_COLUMNS = ("path", "site", "domain", "part", "chars", "sha1")
ANNOTATOR = "Claude (helper english-nlp), by reading"


# ---- sample -----------------------------------------------------------------------------------------

def excerpt(page: Page) -> str:
    """Title, a line break, then the body's paragraphs up to ~EXCERPT characters (guideline)."""
    out, size = [], 0
    for para in page.body.split("\n"):
        if size + len(para) <= EXCERPT:
            out.append(para)
            size += len(para) + 1
            continue
        room = para[:EXCERPT_MAX - size]
        ends = [m.end() for m in re.finditer(r"[.!?][\"”’)]?(?=\s)", room)]
        if ends and size + ends[-1] > EXCERPT // 2:
            out.append(para[:ends[-1]])
        elif size < EXCERPT // 2:
            head = para[:EXCERPT - size]
            out.append(head[:head.rfind(" ")] if " " in head else head)
        break
    return page.title + "\n" + "\n".join(out)


def english_pages() -> list[Page]:
    from lingua import Language, LanguageDetectorBuilder
    detector = LanguageDetectorBuilder.from_languages(Language.RUSSIAN, Language.UKRAINIAN,
                                                      Language.ENGLISH).build()
    pages, seen = [], set()
    for path in sorted((DATA / "pages").glob("*/*/*.html")):
        page = read_page(path, DATA)
        if len(page.body) < MIN_BODY or not page.title or not page.domain:
            continue
        key = hashlib.sha1(page.body.encode()).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        if detector.detect_language_of(page.body[:2000]) == Language.ENGLISH:
            pages.append(page)
    return pages


def draw_sample() -> list[dict]:
    rng = random.Random(SEED)
    pages = english_pages()
    out = []
    for window in WINDOWS:
        here = [p for p in pages if p.window == window]
        rng.shuffle(here)
        domains: set[str] = set()
        for p in here:
            if p.domain in domains:
                continue
            domains.add(p.domain)
            out.append({"path": p.path, "site": p.site, "domain": p.domain,
                        "part": "test" if window in TEST_WINDOWS else "dev", "text": excerpt(p)})
            if len(domains) == PER_WINDOW:
                break
    return out


# ---- labels -----------------------------------------------------------------------------------------

def parse_labels(path: Path) -> dict[str, list[tuple[str, str]]]:
    """`## <page path>` then one `TYPE surface` line per entity, in text order."""
    out: dict[str, list[tuple[str, str]]] = {}
    current = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") and not line.startswith("## "):
            continue
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = []
            continue
        typ, _, surface = line.partition(" ")
        if current is None or typ not in TYPES or not surface:
            raise SystemExit(f"{path}:{n}: expected 'TYPE surface' after a '## path' line, got {line!r}")
        out[current].append((typ, surface))
    return out


_CONTEXT = re.compile(r"^(.*)\[(.+)\](.*)$")


def place_labels(text: str, labels: list[tuple[str, str]], where: str) -> list[list]:
    """Each label's span: the first whole-word occurrence of its surface after the previous label. A
    surface written with context, `the [Huawei]’s model`, is the bracketed part of that context (to pass
    over an earlier occurrence that is not an entity)."""
    spans, pos = [], 0
    for typ, written in labels:
        context = _CONTEXT.match(written)
        left, surface, right = context.groups() if context else ("", written, "")
        for m in re.finditer(re.escape(left + surface + right), text[pos:]):
            a = pos + m.start() + len(left)
            b = a + len(surface)
            # a whole word: not inside a longer word
            if (a == 0 or not text[a - 1].isalnum()) and (b == len(text) or not text[b].isalnum()):
                break
        else:
            raise SystemExit(f"{where}: {typ} {surface!r} not found after offset {pos}")
        spans.append([a, b, typ, surface])
        pos = b
    return spans


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def write_sample(rows: list[dict], path: Path = SAMPLE) -> None:
    """The sample as an index, no text: each excerpt's length and sha1 pin it."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("# English NER sample (benchmarks/ner_en.py --sample; labels: ner_en_labels.txt). No page texts\n"
                "# are stored: ../shared/data/tgcontest-2019-html/SOURCE.txt allows its pages for evaluation and\n"
                "# tuning only, never copied into the project. load_labelled() rebuilds each excerpt from the page\n"
                "# (excerpt(read_page(...))) and checks it against chars (its length) and sha1 (of its UTF-8).\n")
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(INDEX_COLUMNS)
        for r in rows:
            w.writerow([r["path"], r["site"], r["domain"], r["part"], len(r["text"]), text_sha1(r["text"])])


def read_sample(path: Path = SAMPLE) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    if rows and tuple(rows[0]) != INDEX_COLUMNS:
        raise SystemExit(f"{path}: expected columns {INDEX_COLUMNS}, got {tuple(rows[0])}")
    return rows


def load_labelled(index: Path = SAMPLE, labels_path: Path = LABELS, data: Path = DATA) -> list[dict]:
    """The labelled records, rebuilt from the pages: {path, site, domain, part, text, annotator, entities}
    with entities [start, end, type, surface] in the excerpt `text`."""
    if not data.is_dir():
        raise SystemExit(f"missing {data}: the labelled sample is rebuilt from its pages (no text is stored)")
    labels = parse_labels(labels_path)
    out = []
    for row in read_sample(index):
        if row["path"] not in labels:
            raise SystemExit(f"{labels_path}: no labels for {row['path']}")
        text = excerpt(read_page(data / row["path"], data))
        if len(text) != int(row["chars"]) or text_sha1(text) != row["sha1"]:
            raise SystemExit(f"{index}: the excerpt of {row['path']} is not the indexed one "
                             f"({len(text)} characters, sha1 {text_sha1(text)}; index: {row['chars']}, "
                             f"{row['sha1']}): the page or excerpt() changed")
        out.append({"path": row["path"], "site": row["site"], "domain": row["domain"], "part": row["part"],
                    "text": text, "annotator": ANNOTATOR,
                    "entities": place_labels(text, labels[row["path"]], f"{labels_path} [{row['path']}]")})
    return out


def check_labels() -> None:
    """Every page of the index has labels and each label places on its rebuilt excerpt (nothing written)."""
    records = load_labelled()
    n = sum(len(r["entities"]) for r in records)
    print(f"{len(records)} records, {n} entities placed ({SAMPLE.name} + {LABELS.name})")


# ---- scoring ----------------------------------------------------------------------------------------

def score(gold: list[set], pred: list[set]) -> dict:
    return exact_span_scores(gold, pred, TYPES, "all")


def errors(records: list[dict], pred: list[set], n: int = 20) -> dict:
    fp, fn = Counter(), Counter()
    for r, p in zip(records, pred):
        g = {tuple(e[:3]) for e in r["entities"]}
        for a, b, t in p - g:
            fp[f"{t} {r['text'][a:b]}"] += 1
        for a, b, t in g - p:
            fn[f"{t} {r['text'][a:b]}"] += 1
    return {"false_positives": fp.most_common(n), "false_negatives": fn.most_common(n)}


def systems():
    from threadpoolctl import threadpool_limits

    from parallax.nlp import entities, ner_en

    def slovnet_ru(texts):
        with threadpool_limits(1):
            return [set(s) for s in entities.document_ner(texts)]

    def spacy_ner(texts):
        with threadpool_limits(1):
            return [set(s) for s in ner_en.tag_texts(texts)]

    def spacy_raw(texts):
        with threadpool_limits(1):
            return [{(e.start_char, e.end_char, ner_en.LABELS[e.label_]) for e in doc.ents if e.label_ in ner_en.LABELS}
                    for doc in ner_en.english_nlp().pipe(texts)]

    def spacy_trim_only(texts):
        with threadpool_limits(1):
            return [set(ner_en.spans_of(doc)) for doc in ner_en.english_nlp().pipe(texts)]

    def spacy_full(texts):
        with threadpool_limits(1):
            return [set(ner_en.harmonize(t, sorted(ner_en.spans_of(doc))))
                    for t, doc in zip(texts, full_pipeline().pipe(texts))]
    return {"spacy_sm_ner": spacy_ner, "spacy_sm_full": spacy_full, "spacy_sm_trim_only": spacy_trim_only,
            "spacy_sm_raw": spacy_raw, "slovnet_ru": slovnet_ru}


def full_pipeline(numpy_ops: bool = True):
    """The model's whole pipeline, with numpy's BLAS as the Analyzer's NER uses it."""
    import spacy  # lazy: benchmark only
    from thinc.api import NumpyOps

    from parallax.nlp import ner_en
    nlp = spacy.load(ner_en.model_dir())
    if numpy_ops:
        ops = NumpyOps(use_blis=False)
        for name in nlp.pipe_names:
            model = getattr(nlp.get_pipe(name), "model", None)
            for node in model.walk() if model is not None else ():
                node.ops = ops
    return nlp


def lean_blis():
    """The Analyzer's pipeline (ner alone) with spaCy's default ops (blis), to measure the ops choice."""
    import spacy  # lazy: benchmark only

    from parallax.nlp import ner_en
    return spacy.load(ner_en.model_dir(), exclude=list(ner_en.model_spec()["exclude"]))


def speed(records: list[dict], rounds: int = 3) -> dict:
    """NER alone over the sample's whole bodies, articles per CPU-second, both spaCy pipelines
    interleaved round by round (the machine is shared)."""
    from threadpoolctl import threadpool_limits

    from parallax.nlp import ner_en
    bodies = [read_page(DATA / r["path"], DATA) for r in records]
    texts = [p.title + "\n" + p.body for p in bodies]
    full = full_pipeline()
    lean = ner_en.english_nlp()
    blis = lean_blis()
    times = {"spacy_sm_ner": [], "spacy_sm_full": [], "spacy_sm_ner_blis": []}
    with threadpool_limits(1):
        for nlp in (lean, full, blis):
            list(nlp.pipe(texts[:5]))
        for _ in range(rounds):
            for name, nlp in (("spacy_sm_ner", lean), ("spacy_sm_full", full), ("spacy_sm_ner_blis", blis)):
                t = time.process_time()
                list(nlp.pipe(texts, batch_size=ner_en.BATCH_SIZE))
                times[name].append(time.process_time() - t)
    out = {name: {"articles_per_cpu_s": round(len(texts) / min(v), 1), "cpu_s_best": round(min(v), 3)}
           for name, v in times.items()}
    out["articles"] = len(texts)
    out["characters"] = sum(len(t) for t in texts)
    out["lean_over_full"] = round(out["spacy_sm_ner"]["articles_per_cpu_s"]
                                  / out["spacy_sm_full"]["articles_per_cpu_s"], 2)
    out["numpy_over_blis"] = round(out["spacy_sm_ner"]["articles_per_cpu_s"]
                                   / out["spacy_sm_ner_blis"]["articles_per_cpu_s"], 2)
    return out


def evaluate() -> dict:
    records = load_labelled()
    result: dict = {"date": dt.date.today().isoformat(), "python": platform.python_version(),
                    "annotator": ANNOTATOR, "records": len(records),
                    "entities": Counter(e[2] for r in records for e in r["entities"]),
                    "parts": Counter(r["part"] for r in records), "systems": {}}
    for name, run in systems().items():
        pred = run([r["text"] for r in records])
        result["systems"][name] = {}
        for part in ("test", "dev"):
            idx = [i for i, r in enumerate(records) if r["part"] == part]
            gold = [{tuple(e[:3]) for e in records[i]["entities"]} for i in idx]
            result["systems"][name][part] = score(gold, [pred[i] for i in idx])
        if name == "spacy_sm_ner":
            test = [i for i, r in enumerate(records) if r["part"] == "test"]
            result["errors_test"] = errors([records[i] for i in test], [pred[i] for i in test])
    result["speed"] = speed(records)
    return result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", action="store_true", help="draw the sample (no labels)")
    ap.add_argument("--label", action="store_true", help="check that the labels place on every page (no file written)")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    if args.sample:
        rows = draw_sample()
        write_sample(rows)
        print(f"{len(rows)} pages -> {SAMPLE}")
        return
    if args.label:
        check_labels()
        return
    result = evaluate()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, parts in result["systems"].items():
        t = parts["test"]
        print(f"{name:14s} test " + "  ".join(f"{k} {t[k]['p']:.2f}/{t[k]['r']:.2f}/{t[k]['f1']:.2f}"
                                               for k in (*TYPES, "all")))
    print(json.dumps(result["speed"]))


if __name__ == "__main__":
    main()
