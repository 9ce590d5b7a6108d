"""Quote extraction on a labelled sample of news sentences (benchmarks/data/quotes_labelled.tsv).

The sample: sentences of ../shared/data/corus-news-samples (ODS outlet dumps) and
../shared/data/telegram-ru-news-channels, drawn with a fixed seed (``--sample``), labelled by hand
following benchmarks/data/quotes_guideline.md. The TSV holds no texts: a record is named by its source
file and record id, a sentence and each quote by character offsets into the record text (plus the
sentence's first 24 characters, to notice a changed source or reader).

Evaluation: every record is analysed whole with ``parallax.nlp.pipeline.Analyzer``; the quotes whose
span overlaps a labelled sentence are its predictions. Spans are clipped to the sentence; a predicted
quote matches a labelled one when their overlap covers at least half of the longer of the two (one
match per quote, largest overlap first). Reported: span precision / recall / F1, and speaker accuracy
over the matched quotes whose speaker is labelled (see ``same_speaker``).

    python benchmarks/quotes_eval.py                # evaluate; prints JSON
    python benchmarks/quotes_eval.py --sample OUT   # draw the unlabelled sample again (seeded)
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".." / "shared" / "data"
LABELLED = REPO / "benchmarks" / "data" / "quotes_labelled.tsv"
CORUS = DATA / "corus-news-samples" / "ods"
TELEGRAM = DATA / "telegram-ru-news-channels" / "data" / "raw"
sys.path.insert(0, str(REPO))

from parallax.ingest.telegram import iter_telegram  # noqa: E402
from parallax.model import AnalyzedArticle, Article  # noqa: E402
from parallax.nlp.pipeline import Analyzer  # noqa: E402
from parallax.nlp.segment import split_sentences  # noqa: E402
from parallax.text import fold  # noqa: E402

CHECK_CHARS = 24
MIN_OVERLAP = 0.5
SEED = 10
# per source group: sentences with a quote mark or a speech verb, then any sentences
SAMPLE_PLAN = {"corus": (25, 15), "telegram": (25, 15)}
PER_RECORD = {"corus": 2, "telegram": 1}
_QUOTE_MARKS = re.compile(r"[«»“”„\"]")
_SPEECH_VERB = re.compile(r"\b(заяв|сказа|сообщи|отмети|подчеркну|рассказа|написа|поясни|добави|уточни|призна|"
                          r"по словам|по мнению|считает|говори|передае|цитиру|объясни)", re.I)


@dataclass
class LabelledQuote:
    start: int
    end: int
    speaker: str                       # normal form; "?" = not said in the record
    kind: str                          # direct | indirect


@dataclass
class LabelledSentence:
    source: str                        # path under ../shared/data
    record: str                        # corus: data row number (0-based); Telegram: <channel>/<message id>
    start: int
    end: int
    check: str
    quotes: list[LabelledQuote] = field(default_factory=list)


# ---- reading the sources -------------------------------------------------------------------------

def iter_records(source: str) -> Iterator[Article]:
    """The records of one source file, as the benchmark reads them (offsets point into `text`)."""
    path = DATA / source
    if source.startswith("corus-news-samples/"):
        csv.field_size_limit(10 ** 9)
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                yield Article(id=str(i), text=restore_line_breaks(row["text"]), title=row["title"] or None,
                              outlet=path.name)
        return
    for record in iter_telegram(path, path.read_text(encoding="utf-8")):
        if isinstance(record, Article):
            yield record


# The ODS dumps lost the backslash of every "\\n": a Latin n glued to Cyrillic text or punctuation. After a
# sentence end it was a paragraph break; before punctuation or around a link's words it was HTML layout.
_LOST_BREAK = re.compile(r"(?<=[а-яёА-ЯЁ0-9.,:;!?…«»\")—–])n(?=[^\sA-Za-z])")


def restore_line_breaks(text: str) -> str:
    def one(m: re.Match) -> str:
        before, after = text[m.start() - 1], text[m.end()]
        if after in ".,;:!?)»" or before == "«":
            return ""
        return "\n" if before in ".!?…:" or (before in "»\"" and after.isupper()) else " "
    return _LOST_BREAK.sub(one, text)


def source_files() -> list[str]:
    """Every file the sample may be drawn from, relative to ../shared/data."""
    files = sorted(CORUS.glob("*.csv.gz")) + sorted(TELEGRAM.glob("*_messages.json"))
    return [str(p.relative_to(DATA)) for p in files]


def group_of(source: str) -> str:
    return "corus" if source.startswith("corus-news-samples/") else "telegram"


# ---- the sample ------------------------------------------------------------------------------------

def candidate_sentences(sources: list[str]) -> dict[str, list[tuple[str, str, int, int, str]]]:
    """(source, record, start, end, text) of every sentence of 30-400 characters, by source group."""
    out: dict[str, list] = defaultdict(list)
    for source in sources:
        for article in iter_records(source):
            for s in split_sentences(article.text):
                if 30 <= len(s.text) <= 400:
                    out[group_of(source)].append((source, article.id, s.start, s.end, s.text))
    return out


def draw_sample(seed: int = SEED) -> list[tuple[str, str, int, int, str]]:
    """Per group: sentences with a quote mark or a speech verb first, then any sentences; at most
    PER_RECORD sentences of one record."""
    rng = random.Random(seed)
    chosen = []
    for group, sentences in sorted(candidate_sentences(source_files()).items()):
        cued_n, any_n = SAMPLE_PLAN[group]
        cued = [s for s in sentences if _QUOTE_MARKS.search(s[4]) or _SPEECH_VERB.search(s[4])]
        used: dict[tuple[str, str], int] = defaultdict(int)
        picked: set[tuple] = set()
        for pool, n in ((cued, cued_n), (sentences, any_n)):
            order = rng.sample(range(len(pool)), len(pool))
            taken = 0
            for i in order:
                s = pool[i]
                if taken == n:
                    break
                if s in picked or used[s[:2]] >= PER_RECORD[group]:
                    continue
                picked.add(s)
                used[s[:2]] += 1
                chosen.append(s)
                taken += 1
    return chosen


def write_sample(path: Path, seed: int = SEED) -> None:
    """The unlabelled sample as a TSV in the labelled file's columns, and the texts on stdout for labelling."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(COLUMNS)
        for n, (source, record, start, end, text) in enumerate(draw_sample(seed)):
            w.writerow([n, source, record, start, end, text[:CHECK_CHARS], "", "", "", ""])
            print(f"## {n}\t{source}\t{record}\t{start}\t{end}\n{text}\n")


# ---- the labelled file ---------------------------------------------------------------------------

COLUMNS = ["sentence", "source", "record", "sent_start", "sent_end", "check", "quote_start", "quote_end",
           "speaker", "kind"]


def read_labelled(path: Path = LABELLED) -> list[LabelledSentence]:
    """One row per labelled quote; a sentence without quotes has one row with empty quote fields."""
    by_id: dict[str, LabelledSentence] = {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t",
                              quoting=csv.QUOTE_NONE)
        for row in rows:
            sent = by_id.setdefault(row["sentence"], LabelledSentence(
                row["source"], row["record"], int(row["sent_start"]), int(row["sent_end"]), row["check"]))
            if row["quote_start"]:
                sent.quotes.append(LabelledQuote(int(row["quote_start"]), int(row["quote_end"]),
                                                 row["speaker"], row["kind"]))
    return list(by_id.values())


def load_articles(sample: list[LabelledSentence]) -> dict[tuple[str, str], Article]:
    """The records the sample points at; raises if a sentence no longer starts with its check string."""
    wanted = defaultdict(set)
    for s in sample:
        wanted[s.source].add(s.record)
    articles = {}
    for source, records in sorted(wanted.items()):
        for article in iter_records(source):
            if article.id in records:
                articles[(source, article.id)] = article
    for s in sample:
        article = articles.get((s.source, s.record))
        if article is None or article.text[s.start:s.start + CHECK_CHARS] != s.check:
            raise ValueError(f"{s.source} record {s.record}: the sentence at {s.start} is not the labelled one "
                             "(source data or reader changed)")
    return articles


# ---- scoring -------------------------------------------------------------------------------------

def _clip(start: int, end: int, sent: LabelledSentence) -> tuple[int, int]:
    return max(start, sent.start), min(end, sent.end)


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Overlap of two spans as a share of the longer one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    longer = max(a[1] - a[0], b[1] - b[0])
    return inter / longer if inter > 0 and longer > 0 else 0.0


def same_speaker(predicted: str | None, gold: str) -> bool:
    """Folded (ё→е, lower case), every word of the shorter name matches a word of the longer one: equal,
    or one a prefix of the other of at least four letters ('Песков' = 'Дмитрий Пескова')."""
    if not predicted:
        return False
    a, b = fold(predicted).replace('"', " ").split(), fold(gold).replace('"', " ").split()
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return all(any(_same_word(w, x) for x in longer) for w in shorter)


def _same_word(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= 4 and long.startswith(short))


def predicted_speakers(quote, doc: AnalyzedArticle) -> list[str]:
    """What Parallax says the speaker is: the speaker mention's normal form and its canonical name (the
    alias tables' 'Украина' for 'Киев'), else the speaker's surface text."""
    if quote.speaker_mention is not None and 0 <= quote.speaker_mention < len(doc.mentions):
        mention = doc.mentions[quote.speaker_mention]
        return [name for name in (mention.normal, mention.canonical) if name]
    return [quote.speaker_text] if quote.speaker_text else []


def match_sentence(sent: LabelledSentence, doc: AnalyzedArticle) -> dict:
    """tp / fp / fn and speaker agreement of one labelled sentence."""
    predicted = [q for q in doc.quotes if q.start < sent.end and q.end > sent.start]
    pairs = []
    for pi, q in enumerate(predicted):
        for gi, g in enumerate(sent.quotes):
            share = span_overlap(_clip(q.start, q.end, sent), _clip(g.start, g.end, sent))
            if share >= MIN_OVERLAP:
                pairs.append((share, pi, gi))
    used_p, used_g, matched = set(), set(), []
    for share, pi, gi in sorted(pairs, reverse=True):
        if pi not in used_p and gi not in used_g:
            used_p.add(pi)
            used_g.add(gi)
            matched.append((predicted[pi], sent.quotes[gi]))
    scored = [(q, g) for q, g in matched if g.speaker != "?"]
    return {"tp": len(matched), "fp": len(predicted) - len(matched), "fn": len(sent.quotes) - len(matched),
            "speaker_scored": len(scored),
            "speaker_correct": sum(any(same_speaker(name, g.speaker) for name in predicted_speakers(q, doc))
                                   for q, g in scored),
            "misses": [(sent.source, sent.record, g.start, g.end) for gi, g in enumerate(sent.quotes)
                       if gi not in used_g],
            "false": [(sent.source, sent.record, q.start, q.end) for pi, q in enumerate(predicted)
                      if pi not in used_p]}


def score(sample: list[LabelledSentence], docs: dict[tuple[str, str], AnalyzedArticle]) -> dict:
    total = defaultdict(int)
    by_kind = {k: defaultdict(int) for k in ("direct", "indirect")}
    misses, false = [], []
    for sent in sample:
        doc = docs[(sent.source, sent.record)]
        result = match_sentence(sent, doc)
        for key in ("tp", "fp", "fn", "speaker_scored", "speaker_correct"):
            total[key] += result[key]
        for g in sent.quotes:
            by_kind[g.kind]["labelled"] += 1
        for source, record, start, end in result["misses"]:
            kind = next(g.kind for g in sent.quotes if (g.start, g.end) == (start, end))
            by_kind[kind]["missed"] += 1
        misses += result["misses"]
        false += result["false"]
    tp, fp, fn = total["tp"], total["fp"], total["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"sentences": len(sample), "labelled_quotes": tp + fn, "predicted_quotes": tp + fp,
            "span_precision": round(p, 4), "span_recall": round(r, 4),
            "span_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "speaker_accuracy": round(total["speaker_correct"] / total["speaker_scored"], 4)
            if total["speaker_scored"] else 0.0,
            "speaker_scored": total["speaker_scored"],
            "recall_by_kind": {k: round(1 - v["missed"] / v["labelled"], 4) if v["labelled"] else None
                               for k, v in by_kind.items()},
            "missed": misses, "false_positives": false}


def evaluate(path: Path = LABELLED) -> dict:
    """Analyse every sampled record whole and score its quotes against the labels."""
    sample = read_labelled(path)
    articles = load_articles(sample)
    keys = sorted(articles)
    analysed = Analyzer().analyze_many([articles[k] for k in keys])
    return score(sample, dict(zip(keys, analysed)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=Path, help="write the unlabelled seeded sample here and print its sentences")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    if not (CORUS.exists() and TELEGRAM.exists()):
        sys.exit(f"source data not found under {DATA}")
    if args.sample:
        write_sample(args.sample, args.seed)
        return
    print(json.dumps(evaluate(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
