"""NER, normalization and linking quality on the FactRuEval-2016 devset, plus NER throughput.

What is measured (see benchmarks/NER.md for the numbers and their reading):

1. NER span F1 per type, on the gold spans built exactly as naeval (the harness behind slovnet's published
   factru figures) builds them: Person -> the whole object (first to last span), Org -> its `org_name`
   spans, Location and LocOrg -> their `loc_name` spans (LocOrg counts as LOC), overlapping spans dropped
   (the earlier/longer one kept), spans not aligned to razdel tokens dropped. Two scores:
     * token: naeval's metric — every razdel token tagged I-type/O from the spans, precision/recall over
       the I tokens of each type (predicted spans not aligned to razdel tokens dropped first, as naeval
       does). This is the metric of the published slovnet PER 0.959 / LOC 0.915 / ORG 0.825.
     * exact: a predicted span is correct iff (start, end, type) equal a gold span's.
   for these layers: the raw slovnet spans (sentence by sentence, as Parallax runs it); Parallax's NER
   mentions (trimmed, split, alias-retyped: kinds 'name' and NER-derived 'alias'); the same after
   `link_entities` (which adds missed surname repeats and splits merged names); all mentions including
   the alias and role mentions Parallax adds on top of NER (FactRuEval does not mark role phrases as
   persons; they are also checked separately against its `job` spans); and, for reference, slovnet on
   whole documents, as naeval feeds it.
2. Normalization: for gold spans we found exactly, `Mention.normal` against the nominative the .coref
   layer records (firstname/lastname/patronymic/nickname per span for persons, `name` for places and
   organisations), where that value is a case form of the span (same words, shared stems).
3. Linking: per document, `link_entities([doc])`; pairwise and B-cubed precision/recall of
   "mentions of one .coref chain share an entity id", against an exact-normal-string baseline; and for
   person chains, whether the linked entity's name is the gold full name.
4. Speed: documents/s and sentences/s of segmentation + NER + normalization.

    python benchmarks/ner_quality.py                  # whole devset -> benchmarks/results/ner_quality.json
    python benchmarks/ner_quality.py --write-floors   # ... and the gate floors in benchmarks/eval_baseline.json
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".." / "shared" / "data" / "factrueval-2016" / "devset"
RESULTS = REPO / "benchmarks" / "results" / "ner_quality.json"
BASELINE = REPO / "benchmarks" / "eval_baseline.json"
BASELINE_KEY = "ner_factrueval"
GATE_DOCS = 30          # the quality gate re-runs the first GATE_DOCS devset documents
FLOOR_MARGIN = 0.02
sys.path.insert(0, str(REPO))

from razdel import tokenize as razdel_tokenize  # noqa: E402

from parallax.model import AnalyzedArticle, Article, Mention  # noqa: E402
from parallax.nlp import entities  # noqa: E402
from parallax.nlp.linking import link_entities  # noqa: E402
from parallax.nlp.segment import split_sentences, split_tokens  # noqa: E402

TYPES = ("PER", "LOC", "ORG")
# slovnet README, NER evaluation table, row `slovnet`, columns factru PER/LOC/ORG (naeval token F1)
PUBLISHED_SLOVNET = {"PER": 0.959, "LOC": 0.915, "ORG": 0.825}
FACTRU_TYPES = {"Person": "PER", "Org": "ORG", "LocOrg": "LOC", "Location": "LOC"}
# which span types of an object become the entity span (naeval adapt_factru); Person takes all of them
NAME_SPAN_TYPE = {"Org": "org_name", "LocOrg": "loc_name", "Location": "loc_name"}
# person span type -> .coref slot keys that hold its nominative
PERSON_SLOTS = {"name": ("firstname",), "surname": ("lastname",), "patronymic": ("patronymic",),
                "nickname": ("nickname",)}
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_WORD_PART = re.compile(r"[\w'’]+")          # hyphenated names as separate parts: 'Жан-Мари', 'Саишвили-Чантурия'


# ---- FactRuEval reading ---------------------------------------------------------------------------

@dataclass
class RawSpan:
    id: str
    type: str
    start: int
    stop: int


@dataclass
class GoldObject:
    id: str
    type: str
    spans: list[RawSpan]


@dataclass
class FactruDoc:
    id: str
    text: str
    spans: dict[str, RawSpan]
    objects: list[GoldObject]
    chain_of: dict[str, str]                        # object id -> coref chain id
    slots: dict[str, list[tuple[str, str]]]         # chain id -> [(key, value)]
    jobs: list[tuple[int, int]] = field(default_factory=list)   # 'job' spans (role phrases)


@dataclass
class GoldSpan:
    start: int
    stop: int
    type: str
    object: GoldObject


def list_doc_ids(data_dir: Path = DATA) -> list[str]:
    ids = [p.stem.split("_", 1)[1] for p in data_dir.glob("book_*.txt")]
    return sorted(ids, key=int)


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []


def load_doc(doc_id: str, data_dir: Path = DATA) -> FactruDoc:
    base = data_dir / f"book_{doc_id}"
    text = (base.with_suffix(".txt")).read_text("utf-8")
    spans: dict[str, RawSpan] = {}
    for line in _lines(base.with_suffix(".spans")):
        parts = line.split()
        if len(parts) < 4:
            continue
        start = int(parts[2])
        spans[parts[0]] = RawSpan(parts[0], parts[1], start, start + int(parts[3]))
    objects = []
    for line in _lines(base.with_suffix(".objects")):
        parts = line.split("#", 1)[0].split()
        if len(parts) < 3:
            continue
        objects.append(GoldObject(parts[0], parts[1], [spans[s] for s in parts[2:] if s in spans]))
    chain_of: dict[str, str] = {}
    slots: dict[str, list[tuple[str, str]]] = {}
    block: list[str] = []
    for line in _lines(base.with_suffix(".coref")) + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            head = block[0].split()
            chain = head[0]
            for obj in head[1:]:
                chain_of[obj] = chain
            slots[chain] = [tuple(l.split(None, 1)) for l in block[1:] if len(l.split(None, 1)) == 2]
            block = []
    jobs = [(s.start, s.stop) for s in spans.values() if s.type == "job"]
    return FactruDoc(doc_id, text, spans, objects, chain_of, slots, jobs)


def load_devset(limit: int | None = None, data_dir: Path = DATA) -> list[FactruDoc]:
    ids = list_doc_ids(data_dir)
    return [load_doc(i, data_dir) for i in (ids[:limit] if limit else ids)]


def _drop_overlapping(spans: list) -> list:
    """naeval filter_overlapping: in (start, -stop) order, a span starting inside the last kept one goes."""
    dropped, previous = set(), None
    for span in sorted(spans, key=lambda s: (s.start, -s.stop)):
        if previous is not None and previous.stop > span.start:
            dropped.add(id(span))
            continue
        previous = span
    return [s for s in spans if id(s) not in dropped]


def razdel_bounds(text: str) -> tuple[set[int], set[int], list[tuple[int, int]]]:
    toks = [(t.start, t.stop) for t in razdel_tokenize(text)]
    return {s for s, _ in toks}, {e for _, e in toks}, toks


def gold_entity_spans(doc: FactruDoc) -> list[GoldSpan]:
    """Entity spans as naeval's adapt_factru builds them (see the module docstring)."""
    out: list[GoldSpan] = []
    for obj in doc.objects:
        typ = FACTRU_TYPES.get(obj.type)
        if typ is None or not obj.spans:
            continue
        if obj.type == "Person":
            out.append(GoldSpan(min(s.start for s in obj.spans), max(s.stop for s in obj.spans), typ, obj))
        else:
            names = [s for s in obj.spans if s.type == NAME_SPAN_TYPE[obj.type]]
            out.extend(GoldSpan(s.start, s.stop, typ, obj) for s in _drop_overlapping(names))
    out = _drop_overlapping(out)
    starts, stops, _ = razdel_bounds(doc.text)
    out = [g for g in out if g.start in starts and g.stop in stops]
    return sorted(out, key=lambda g: (g.start, g.stop))


# ---- running Parallax ------------------------------------------------------------------------------

@dataclass
class Analysis:
    doc: AnalyzedArticle
    raw_ner: list[tuple[int, int, str]]        # slovnet spans, document offsets
    ner_base: list[tuple[int, int]]            # the same after Parallax trims them (entities.ner_mentions)
    ner_mentions: list[Mention]                # extract_mentions output, before linking
    linked_mentions: list[Mention] = field(default_factory=list)
    entity_names: dict[str, str] = field(default_factory=dict)     # entity id -> Entity.name

    def is_ner(self, m: Mention) -> bool:
        """A mention that comes from a slovnet span: kind 'name', or an 'alias' the alias table gave
        to an NER span. (An added alias never overlaps an NER mention, but it may sit in the part of a
        raw span that trimming cut off: 'банк Китая (… of China)'.)"""
        return m.kind == "name" or (m.kind == "alias" and _within(m, self.ner_base))


def _within(m: Mention, spans) -> bool:
    return any(span[0] <= m.start and m.end <= span[1] for span in spans)


def analyze(docs: list[FactruDoc], batch_size: int = 64) -> tuple[list[Analysis], dict]:
    """Segmentation, NER (batched across documents, as Analyzer does), mention extraction, then
    per-document linking. Returns the analyses and the seconds each stage took."""
    timing = Counter()
    out: list[Analysis] = []
    for b in range(0, len(docs), batch_size):
        batch = docs[b:b + batch_size]
        t0 = time.perf_counter()
        prepared = []
        for fd in batch:
            art = AnalyzedArticle(article=Article(id=fd.id, text=fd.text, outlet="factrueval"))
            art.sentences = split_sentences(fd.text)
            art.tokens = split_tokens(fd.text, art.sentences)
            prepared.append(art)
        t1 = time.perf_counter()
        # as the pipeline does: NER over whole documents, spans then assigned to sentences
        doc_spans = entities.document_ner([d.text for d in prepared])
        t2 = time.perf_counter()
        for art, dspans in zip(prepared, doc_spans):
            per_sentence = entities.spans_by_sentence(dspans, art.sentences)
            raw = [(sent.start + s, sent.start + e, t) for sent, ss in zip(art.sentences, per_sentence)
                   for s, e, t in ss]
            base = [(m.start, m.end) for m in entities.ner_mentions(art.text, art.sentences, per_sentence)]
            art.mentions = entities.extract_mentions(art.text, art.sentences, art.tokens, per_sentence)
            out.append(Analysis(art, raw, base, list(art.mentions)))
        t3 = time.perf_counter()
        for a in out[len(out) - len(prepared):]:
            a.entity_names = {e.id: e.name for e in link_entities([a.doc])}
            a.linked_mentions = list(a.doc.mentions)
        t4 = time.perf_counter()
        timing["segment"] += t1 - t0
        timing["ner"] += t2 - t1
        timing["normalize"] += t3 - t2
        timing["link"] += t4 - t3
    return out, dict(timing)


# ---- metrics ---------------------------------------------------------------------------------------

def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "pred": n_pred, "gold": n_gold}


def _token_tags(tokens: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[bool]:
    """naeval spans_io: a token is inside a span when it starts at or after the span start and before
    its end."""
    return [any(s <= ts < e for s, e in spans) for ts, _ in tokens]


def ner_scores(docs: list[FactruDoc], golds: list[list[GoldSpan]],
               preds: list[list[tuple[int, int, str]]]) -> dict:
    token = {t: Counter() for t in TYPES}
    exact = {t: Counter() for t in TYPES}
    for doc, gold, pred in zip(docs, golds, preds):
        starts, stops, toks = razdel_bounds(doc.text)
        for typ in TYPES:
            g = [(x.start, x.stop) for x in gold if x.type == typ]
            p = [(s, e) for s, e, t in pred if t == typ]
            # naeval drops predicted spans not aligned to razdel tokens before tagging, too
            aligned = [(s, e) for s, e in p if s in starts and e in stops]
            gt, pt = _token_tags(toks, g), _token_tags(toks, aligned)
            token[typ]["tp"] += sum(a and b for a, b in zip(gt, pt))
            token[typ]["pred"] += sum(pt)
            token[typ]["gold"] += sum(gt)
            exact[typ]["tp"] += len(set(g) & set(p))
            exact[typ]["pred"] += len(set(p))
            exact[typ]["gold"] += len(set(g))
    return {"token": {t: _prf(c["tp"], c["pred"], c["gold"]) for t, c in token.items()},
            "exact": {t: _prf(c["tp"], c["pred"], c["gold"]) for t, c in exact.items()}}


def _key(text: str) -> str:
    text = text.replace("ё", "е").replace("Ё", "Е").lower()
    text = re.sub(r"[«»\"“”„]", "", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return " ".join(text.split())


def _parts(text: str) -> list[str]:
    return _WORD_PART.findall(_key(text))


def is_case_form(value: str, surface: str) -> bool:
    """True when `value` could be `surface` put in another case: same number of words, each pair
    sharing a stem (a common prefix missing at most three letters of the shorter word: 'Льва'/'Лев',
    'Соединенных'/'Соединенные'). Decides whether a .coref value is this mention's nominative rather
    than another name of the entity ('США' for 'Соединенных Штатов')."""
    a, b = _parts(value), _parts(surface)
    if not a or len(a) != len(b):
        return False
    for x, y in zip(a, b):
        common = len(os.path.commonprefix([x, y]))
        if common < max(1, min(len(x), len(y)) - 3):
            return False
    return True


def _closest(values: list[str], surface: str) -> str | None:
    """The value that is a case form of `surface` with the longest shared stems ('Китай', not 'КНР',
    for 'Китаю')."""
    fits = [v.strip() for v in values if is_case_form(v, surface)]
    if not fits:
        return None
    return max(fits, key=lambda v: sum(len(os.path.commonprefix([x, y]))
                                       for x, y in zip(_parts(v), _parts(surface))))


def expected_normal(doc: FactruDoc, gold: GoldSpan) -> str | None:
    """The gold nominative of this entity span, or None when the .coref layer has none for it."""
    chain = doc.chain_of.get(gold.object.id)
    if chain is None:
        return None
    slots = doc.slots.get(chain, [])
    if gold.type != "PER":
        return _closest([v for k, v in slots if k == "name"], doc.text[gold.start:gold.stop])
    parts = []
    for span in sorted(gold.object.spans, key=lambda s: s.start):
        surface = doc.text[span.start:span.stop]
        keys = PERSON_SLOTS.get(span.type, ())
        value = (_closest([v for k, v in slots if k.rstrip("0123456789") in keys], surface)
                 or _closest([v for k, v in slots if k != "wikidata"], surface))
        if value is None:
            return None
        parts.append(value)
    expected = " ".join(parts)
    # spans must cover the whole entity span, or the joined value is not the name as written
    if len(_parts(expected)) != len(_parts(doc.text[gold.start:gold.stop])):
        return None
    return expected


def normalization_scores(docs: list[FactruDoc], golds: list[list[GoldSpan]],
                         analyses: list[Analysis], max_errors: int = 200) -> dict:
    counts = {t: Counter() for t in TYPES}
    errors: dict[str, list] = {t: [] for t in TYPES}
    for doc, gold, a in zip(docs, golds, analyses):
        by_span = {(m.start, m.end): m for m in a.ner_mentions if a.is_ner(m)}
        for g in gold:
            m = by_span.get((g.start, g.stop))
            if m is None:
                continue
            counts[g.type]["found"] += 1
            expected = expected_normal(doc, g)
            if expected is None:
                continue
            counts[g.type]["evaluable"] += 1
            if _key(m.normal) == _key(expected):
                counts[g.type]["correct"] += 1
            elif len(errors[g.type]) < max_errors:
                errors[g.type].append({"doc": doc.id, "surface": m.text, "ours": m.normal,
                                       "expected": expected})
    total = sum((c for c in counts.values()), Counter())
    out = {t: _acc(c) for t, c in counts.items()}
    out["all"] = _acc(total)
    out["errors"] = errors
    return out


def _acc(c: Counter) -> dict:
    return {"found": c["found"], "evaluable": c["evaluable"], "correct": c["correct"],
            "accuracy": round(c["correct"] / c["evaluable"], 4) if c["evaluable"] else 0.0}


def _cluster_scores(items: list[tuple[str, str, str]]) -> dict:
    """items: (doc, gold chain, predicted cluster). Pairwise P/R/F1 within each document and B-cubed."""
    by_doc = defaultdict(list)
    for doc, g, p in items:
        by_doc[doc].append((g, p))
    same_pred = same_gold = both = 0
    b3_p = b3_r = 0.0
    for members in by_doc.values():
        for i in range(len(members)):
            gi, pi = members[i]
            for j in range(i + 1, len(members)):
                gj, pj = members[j]
                same_pred += pi == pj
                same_gold += gi == gj
                both += pi == pj and gi == gj
            pred_cluster = [k for k, (g, p) in enumerate(members) if p == pi]
            gold_cluster = [k for k, (g, p) in enumerate(members) if g == gi]
            inter = len(set(pred_cluster) & set(gold_cluster))
            b3_p += inter / len(pred_cluster)
            b3_r += inter / len(gold_cluster)
    n = len(items)
    pair = _prf(both, same_pred, same_gold)
    bp, br = (b3_p / n, b3_r / n) if n else (0.0, 0.0)
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    return {"pairwise": {k: pair[k] for k in ("precision", "recall", "f1")} |
            {"pred_pairs": same_pred, "gold_pairs": same_gold, "correct_pairs": both},
            "b3": {"precision": round(bp, 4), "recall": round(br, 4), "f1": round(bf, 4)},
            "mentions": n}


def linking_scores(docs: list[FactruDoc], golds: list[list[GoldSpan]], analyses: list[Analysis]) -> dict:
    """Gold entity spans matched exactly (any type) by a mention after linking; predicted cluster =
    entity id (Parallax) or type + lower-cased normal (baseline). Wrong and missed pairs of Parallax
    are counted by cause."""
    ours, baseline = [], []
    per_type = defaultdict(lambda: ([], []))
    wrong, missed = Counter(), Counter()
    gold_total = 0
    for doc, gold, a in zip(docs, golds, analyses):
        by_span = {(m.start, m.end): m for m in a.linked_mentions}
        matched = []
        for g in gold:
            chain = doc.chain_of.get(g.object.id)
            if chain is None:
                continue
            gold_total += 1
            m = by_span.get((g.start, g.stop))
            if m is None:
                continue
            matched.append((chain, m))
            ours.append((doc.id, chain, m.entity or f"none:{m.start}"))
            baseline.append((doc.id, chain, f"{m.type}:{_key(m.normal)}"))
            per_type[g.type][0].append(ours[-1])
            per_type[g.type][1].append(baseline[-1])
        for i, (ci, mi) in enumerate(matched):
            for cj, mj in matched[i + 1:]:
                if mi.entity == mj.entity and ci != cj:
                    wrong[_wrong_pair_cause(mi, mj)] += 1
                elif mi.entity != mj.entity and ci == cj:
                    missed["type_differs" if mi.type != mj.type else "same_type"] += 1
    return {"gold_mentions": gold_total, "parallax": _cluster_scores(ours),
            "baseline_exact_normal": _cluster_scores(baseline),
            "parallax_wrong_pairs_by_cause": dict(wrong),
            "parallax_missed_pairs_by_cause": dict(missed),
            "per_type": {t: {"parallax": _cluster_scores(o), "baseline_exact_normal": _cluster_scores(b)}
                         for t, (o, b) in sorted(per_type.items())}}


def _wrong_pair_cause(a: Mention, b: Mention) -> str:
    """Why two mentions of different gold chains share an entity: the alias/metonym table sent one of
    them to another name ('Анкара заявила' -> Турция; FactRuEval keeps the capital a separate object),
    they have the same normal form (two people called 'Бут'), or something else (short-name joins)."""
    if any(m.canonical and _key(m.canonical) != _key(m.normal) for m in (a, b)):
        return "alias_or_metonym"
    if _key(a.normal) == _key(b.normal):
        return "same_normal"
    return "other"


def person_entity_names(docs: list[FactruDoc], golds: list[list[GoldSpan]], analyses: list[Analysis],
                        max_errors: int = 40) -> dict:
    """For gold person chains with a first name and a surname: is the name of the entity most of the
    chain's found mentions link to made of exactly the chain's name words and does it contain the
    surname and a first name? Tests the story-level reconciliation of foreign names ('Ким Чен Ына')."""
    checked = correct = 0
    errors = []
    for doc, gold, a in zip(docs, golds, analyses):
        names = a.entity_names
        by_span = {(m.start, m.end): m for m in a.linked_mentions}
        chains = defaultdict(list)
        for g in gold:
            m = by_span.get((g.start, g.stop))
            if g.type == "PER" and m is not None and m.entity:
                chains[doc.chain_of.get(g.object.id)].append(m.entity)
        for chain, ents in chains.items():
            slots = doc.slots.get(chain, [])
            first = {w for k, v in slots if k.startswith("firstname") for w in _parts(v)}
            last = {w for k, v in slots if k.startswith("lastname") for w in _parts(v)}
            patr = {w for k, v in slots if k == "patronymic" for w in _parts(v)}
            if not first or not last:
                continue
            checked += 1
            ent = Counter(ents).most_common(1)[0][0]
            got = set(_parts(names.get(ent, "")))
            ok = got <= first | last | patr and got & first and got & last
            correct += bool(ok)
            if not ok and len(errors) < max_errors:
                order = ("firstname", "firstname1", "firstname2", "patronymic", "lastname")
                gold_name = " ".join(v for key in order for k, v in slots if k == key)
                errors.append({"doc": doc.id, "ours": names.get(ent, ""), "expected": gold_name})
    return {"chains": checked, "correct": correct,
            "accuracy": round(correct / checked, 4) if checked else 0.0, "errors": errors}


def addition_scores(docs: list[FactruDoc], golds: list[list[GoldSpan]], analyses: list[Analysis]) -> dict:
    """Mentions Parallax adds on top of NER, checked against what FactRuEval marks there."""
    alias = Counter()
    role = Counter()
    for doc, gold, a in zip(docs, golds, analyses):
        gold_exact = {(g.start, g.stop, g.type) for g in gold}
        objects = [(min(s.start for s in o.spans), max(s.stop for s in o.spans))
                   for o in doc.objects if o.spans]
        for m in a.ner_mentions:
            if m.kind == "alias" and not a.is_ner(m):
                alias["count"] += 1
                alias["exact_gold"] += (m.start, m.end, m.type) in gold_exact
                alias["inside_gold_object"] += any(s <= m.start and m.end <= e for s, e in objects)
            elif m.kind == "role":
                role["count"] += 1
                role["overlaps_job_span"] += any(s < m.end and m.start < e for s, e in doc.jobs)
    return {"added_alias": dict(alias), "role": dict(role)}


def evaluate(docs: list[FactruDoc], analyses: list[Analysis],
             extra_layers: dict[str, list[list[tuple[int, int, str]]]] | None = None) -> dict:
    golds = [gold_entity_spans(d) for d in docs]
    layers = {
        "slovnet_raw": [a.raw_ner for a in analyses],
        "parallax_ner": [[(m.start, m.end, m.type) for m in a.ner_mentions if a.is_ner(m)]
                         for a in analyses],
        "parallax_ner_linked": [[(m.start, m.end, m.type) for m in a.linked_mentions
                                 if a.is_ner(m)] for a in analyses],
        "parallax_all_mentions": [[(m.start, m.end, m.type) for m in a.linked_mentions] for a in analyses],
        **(extra_layers or {}),
    }
    gold_counts = Counter(g.type for gold in golds for g in gold)
    return {
        "docs": len(docs),
        "sentences": sum(len(a.doc.sentences) for a in analyses),
        "gold_spans": {t: gold_counts[t] for t in TYPES},
        "ner": {name: ner_scores(docs, golds, preds) for name, preds in layers.items()},
        "additions": addition_scores(docs, golds, analyses),
        "normalization": normalization_scores(docs, golds, analyses),
        "linking": linking_scores(docs, golds, analyses),
        "person_entity_names": person_entity_names(docs, golds, analyses),
    }


def run(docs: list[FactruDoc]) -> tuple[dict, dict]:
    analyses, timing = analyze(docs)
    return evaluate(docs, analyses), timing


def gate_metrics(result: dict) -> dict[str, float]:
    """The flat numbers the quality gate holds floors for."""
    ner = result["ner"]["parallax_ner"]
    out = {f"ner_token_f1_{t}": ner["token"][t]["f1"] for t in TYPES}
    out |= {f"ner_exact_f1_{t}": ner["exact"][t]["f1"] for t in TYPES}
    out["normalization_accuracy"] = result["normalization"]["all"]["accuracy"]
    out["linking_pairwise_f1"] = result["linking"]["parallax"]["pairwise"]["f1"]
    out["linking_b3_f1"] = result["linking"]["parallax"]["b3"]["f1"]
    return out


# ---- main ------------------------------------------------------------------------------------------

def _environment() -> dict:
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "date": dt.date.today().isoformat()}


def write_floors(gate: dict[str, float], docs: int) -> None:
    data = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else {}
    data[BASELINE_KEY] = {
        "what": f"benchmarks/ner_quality.py metrics on the first {docs} FactRuEval-2016 devset docs "
                "(tests/benchmarks/test_ner_quality_gate.py); floors = measured - "
                f"{FLOOR_MARGIN}",
        "subset_docs": docs,
        "measured": gate,
        "floors": {k: math.floor(max(0.0, v - FLOOR_MARGIN) * 1000) / 1000 for k, v in gate.items()},
    }
    BASELINE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first N devset documents")
    ap.add_argument("--write-floors", action="store_true",
                    help=f"write gate floors for the first {GATE_DOCS} docs to {BASELINE.name}")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"no data at {DATA}")
    env = _environment()
    t0 = time.perf_counter()
    from parallax.nlp.models import morph_analyzer, ner_tagger
    ner_tagger()
    morph_analyzer()
    load_seconds = time.perf_counter() - t0

    docs = load_devset(args.limit)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    analyses, timing = analyze(docs)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    # reference: slovnet on whole documents, as naeval feeds it (Parallax tags sentence by sentence)
    t_whole = time.perf_counter()
    whole = [[(s.start, s.stop, s.type) for s in markup.spans]
             for markup in ner_tagger().map([d.text for d in docs])]
    whole_seconds = time.perf_counter() - t_whole
    env["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result = evaluate(docs, analyses, {"slovnet_whole_document": whole})
    sentences = result["sentences"]
    mention_seconds = timing["segment"] + timing["ner"] + timing["normalize"]
    result["speed"] = {
        "model_load_seconds": round(load_seconds, 2),
        "stage_seconds": {k: round(v, 3) for k, v in timing.items()},
        "ner_plus_normalization": {
            "what": "segmentation+lemmas, slovnet NER (batched), extract_mentions; first pass, cold caches",
            "seconds": round(mention_seconds, 2),
            "docs_per_s": round(len(docs) / mention_seconds, 2),
            "sentences_per_s": round(sentences / mention_seconds, 1),
            "chars_per_s": round(sum(len(d.text) for d in docs) / mention_seconds),
        },
        "slovnet_whole_document_ner": {"seconds": round(whole_seconds, 2),
                                       "docs_per_s": round(len(docs) / whole_seconds, 2)},
        "with_linking": {"seconds": round(wall, 2), "docs_per_s": round(len(docs) / wall, 2),
                         "cpu_seconds": round(cpu, 2)},
    }
    if args.limit is None or args.limit > GATE_DOCS:
        subset = evaluate(docs[:GATE_DOCS], analyses[:GATE_DOCS])
        result["gate_subset"] = {"docs": GATE_DOCS, "metrics": gate_metrics(subset)}
    report = {
        "benchmark": "ner_factrueval",
        "dataset": {"path": "../shared/data/factrueval-2016/devset", "docs": len(docs),
                    "note": "devset only (the published slovnet figures are on naeval's factru, which "
                            "loads devset+testset through corus)"},
        "published_slovnet_token_f1": PUBLISHED_SLOVNET,
        "type_mapping": {"Person": "PER", "Location": "LOC", "LocOrg": "LOC", "Org": "ORG",
                         "Project/Facility": "dropped"},
        "environment": env,
        "metrics": gate_metrics(result),
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
    if args.write_floors:
        if "gate_subset" not in result:
            sys.exit(f"--write-floors needs more than {GATE_DOCS} documents (drop --limit)")
        write_floors(result["gate_subset"]["metrics"], GATE_DOCS)
    _print_summary(report)


def _print_summary(report: dict) -> None:
    print(f"docs {report['docs']}  sentences {report['sentences']}  gold {report['gold_spans']}")
    for layer, scores in report["ner"].items():
        row = "  ".join(f"{t} tok {scores['token'][t]['f1']:.3f} exact {scores['exact'][t]['f1']:.3f}"
                        for t in TYPES)
        print(f"{layer:24s} {row}")
    print("published slovnet (token):", PUBLISHED_SLOVNET)
    n = report["normalization"]
    print("normalization:", {t: (n[t]["correct"], n[t]["evaluable"], n[t]["accuracy"]) for t in (*TYPES, "all")})
    lk = report["linking"]
    print("linking pairwise/B3 F1: parallax", lk["parallax"]["pairwise"]["f1"], lk["parallax"]["b3"]["f1"],
          " baseline", lk["baseline_exact_normal"]["pairwise"]["f1"], lk["baseline_exact_normal"]["b3"]["f1"])
    print("person entity names:", report["person_entity_names"]["accuracy"])
    print("speed:", report["speed"]["ner_plus_normalization"])


if __name__ == "__main__":
    main()
