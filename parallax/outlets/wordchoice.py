"""Word choice discovery: expressions different outlets use for the same referent, found across a corpus.

1. **Observations.** In every story covered by two or more outlets, each aligned claim group is compared
   pairwise across outlets with :func:`parallax.compare.framing.differing_phrases` (words only one side
   uses; linked entity mentions count as the same word). Two differing phrases are paired when they fill
   the same *slot*: the nearest shared content word before them, or after them, is the same in both
   claims ('освобождение | Курской области' vs 'бои в | Курской области'). That shared word is the
   *anchor*: what the two expressions are about.
2. **Terms** are phrases as lemma sequences ('бой в', 'освобождение'); short phrases only (1-3 words),
   without digits, not made only of entity names (two different entities are two referents).
3. **Association.** Each term of a pair is counted in every article of every outlet (lemma n-grams).
   For each outlet, the log-odds ratio of term A vs term B in that outlet against all others, with an
   informative Dirichlet prior (Monroe, Colaresi & Quinn 2008; the prior is the pooled counts), divided
   by its standard deviation, says how strongly the outlet prefers A over B. A pair's score is the
   largest |z| over outlets; pairs seen in aligned claims of at least `min_observations` claim pairs are
   ranked by it.
4. **Concepts.** Pairs that share a term and an anchor are one concept ('Курская область: освобождение
   / бои / ...').

Only the outlet's own words count (:class:`parallax.compare.framing.Voices`): a differing phrase inside a
quote, reported speech or quotation marks is the speaker's and makes no observation, and the corpus counts
leave quoted words out (they are counted apart, as `quoted`).

Discovered pairs can be written as a lexicon candidate file in the contested-terms format
(:func:`candidates_yaml`), for review before anything enters ``compare/data/contested_terms.yaml``.
"""
from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from parallax.compare import embed
from parallax.compare.framing import Voices, differing_phrases, load_stopwords
from parallax.compare.story import entity_tokens
from parallax.model import AnalyzedArticle, StoryComparison, Token
from parallax.nlp import morph
from parallax.nlp.models import news_embedding
from parallax.outlets.omissions import cache_path as omissions_cache_path
from parallax.outlets.omissions import read_cache, story_fingerprint, write_cache
from parallax.pipeline import story_comparison
from parallax.resources import load_yaml, resource_path
from parallax.text import fold

MAX_TERM_WORDS = 3
MIN_OBSERVATIONS = 2
PRIOR_STRENGTH = 10.0
CACHE_VERSION = 7
_DIGIT = re.compile(r"\d")
_WORDLIKE = re.compile(r"\w")




DATA_PATH = resource_path("outlets/data/wordchoice.yaml")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class Settings:
    ignore: frozenset[str]
    pos_class: dict[str | None, str]
    min_similarity: float
    min_claim_overlap: float
    max_differences: int


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    data = load_yaml(DATA_PATH)
    ignore = {fold(w) for w in data.get("ignore_lemmas", [])}
    try:
        speech = load_yaml("nlp/data/speech_verbs_ru.yaml") or {}
        for value in speech.values():
            if isinstance(value, list):
                ignore |= {fold(str(v)) for v in value if isinstance(v, str)}
        attribution = load_yaml("nlp/data/attribution_ru.yaml") or {}
        ignore |= {fold(v) for v in attribution.get("report_verbs", []) + attribution.get("belief_verbs", [])}
    except OSError:
        pass
    pos_class = {pos: name for name, tags in data.get("pos_classes", {}).items() for pos in tags}
    return Settings(ignore=frozenset(ignore), pos_class=pos_class,
                    min_similarity=float(data.get("min_similarity", 0.0)),
                    min_claim_overlap=float(data.get("min_claim_overlap", 0.0)),
                    max_differences=int(data.get("max_differences", 99)))


@functools.lru_cache(maxsize=200_000)
def _clean_key(text: str, lemma: str) -> str:
    """The lemma of a token with emoji and punctuation stripped from its edges ('⚡️Путин' -> 'путин');
    abbreviations in capitals keep their surface form ('БПЛА', which pymorphy would lemmatize)."""
    clean = _EDGE.sub("", text)
    if not clean:
        return ""
    if clean.isupper() and len(clean) > 1:
        return fold(clean)
    if clean == text and lemma:
        return fold(lemma)
    return fold(morph.lemma(fold(clean)))


def _key(tok: Token) -> str:
    if (tok.lemma or "").startswith("@"):
        return tok.lemma
    return _clean_key(tok.text, tok.lemma or "")


@dataclass
class PairObservation:
    story: str
    group: str
    outlet_a: str
    term_a: str                        # lemma key, space-separated
    text_a: str                        # as written
    outlet_b: str
    term_b: str
    text_b: str
    anchor: str                        # lemma of the shared neighbouring word
    anchor_text: str
    article_a: str = ""
    start_a: int = 0
    end_a: int = 0
    article_b: str = ""
    start_b: int = 0
    end_b: int = 0


# ---- observations from one story ------------------------------------------------------------------------

def _entity_tokens(tokens: Sequence[Token], doc: AnalyzedArticle) -> list[Token]:
    return entity_tokens(list(tokens), doc)


def _claim_tokens(doc: AnalyzedArticle, start: int, end: int) -> list[Token]:
    """The claim's tokens without its attributing phrases: whom a claim is attributed to is sourcing
    ('сообщили в Минобороны' / 'передает Reuters'), not wording of the fact."""
    spans = [(a.start, a.end) for a in doc.attributions if a.start < end and start < a.end]
    return [t for t in doc.tokens if t.start >= start and t.end <= end
            and not any(s <= t.start and t.end <= e for s, e in spans)]


def _anchors(tokens: Sequence[Token], first: int, last: int, shared: set[str], function: set[str]
             ) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """(key, index) of the nearest shared content word before token `first` and after token `last`,
    within the same clause (no punctuation in between except hyphens)."""
    return (_nearest_anchor(tokens, range(first - 1, -1, -1), shared, function),
            _nearest_anchor(tokens, range(last + 1, len(tokens)), shared, function))


def _nearest_anchor(tokens: Sequence[Token], indices: range, shared: set[str], function: set[str]
                    ) -> tuple[str, int] | None:
    """The first content word walking `indices` if it is shared; None at punctuation or a non-shared word."""
    for i in indices:
        t = tokens[i]
        if not _WORDLIKE.search(t.text):
            return None
        k = _key(t)
        if k not in function:
            return (k, i) if k in shared else None
    return None


def _term_ok(phrase_tokens: Sequence[Token], function: set[str]) -> bool:
    words = [t for t in phrase_tokens if _WORDLIKE.search(t.text)]
    content = [t for t in words if _key(t) not in function]
    if not content or len(words) > MAX_TERM_WORDS + 1 or len(content) > MAX_TERM_WORDS:
        return False
    if any(_DIGIT.search(t.text) for t in words):
        return False
    if all(_key(t).startswith("@") for t in content):
        return False
    ignore = settings().ignore
    return not all(_key(t) in ignore for t in content)


def _head(phrase_tokens: Sequence[Token], function: set[str]) -> Token | None:
    return next((t for t in phrase_tokens if _WORDLIKE.search(t.text) and _key(t) not in function), None)


def same_slot_kind(a: Token, b: Token) -> bool:
    """Whether two phrase heads can name the same thing in one slot: the same part-of-speech class and,
    for nouns and adjectives, a case in common (indeclinable words fit any case)."""
    classes = settings().pos_class
    ca, cb = classes.get(a.pos, "other"), classes.get(b.pos, "other")
    if ca != cb:
        return False
    if ca in ("noun", "adjective"):
        xa = morph.cases_of(fold(_EDGE.sub("", a.text)))
        xb = morph.cases_of(fold(_EDGE.sub("", b.text)))
        if xa and xb and not (xa & xb):
            return False
    return True


def claim_pair_observations(doc_a: AnalyzedArticle, start_a: int, end_a: int,
                            doc_b: AnalyzedArticle, start_b: int, end_b: int,
                            story: str = "", group: str = "") -> list[PairObservation]:
    """Pairs of differing phrases that fill the same slot in two aligned claims."""
    lang = doc_a.language if doc_a.language == doc_b.language else None
    function = set(load_stopwords(lang if lang in ("ru", "en") else None))
    orig_a = _claim_tokens(doc_a, start_a, end_a)
    orig_b = _claim_tokens(doc_b, start_b, end_b)
    toks_a = _entity_tokens(orig_a, doc_a)
    toks_b = _entity_tokens(orig_b, doc_b)
    if not toks_a or not toks_b:
        return []
    only_a, only_b = differing_phrases(toks_a, toks_b, lang)
    keys_a = {_key(t) for t in toks_a}
    keys_b = {_key(t) for t in toks_b}
    shared = (keys_a & keys_b) - function
    cfg = settings()
    content_a, content_b = keys_a - function - {""}, keys_b - function - {""}
    overlap = len(content_a & content_b) / max(len(content_a | content_b), 1)
    if overlap < cfg.min_claim_overlap or len(only_a) > cfg.max_differences or len(only_b) > cfg.max_differences:
        return []           # not close paraphrases: their differences are different facts, not wording
    index_a = {(t.start, t.end): i for i, t in enumerate(toks_a)}
    index_b = {(t.start, t.end): i for i, t in enumerate(toks_b)}

    def slots(phrases, toks, index, voices):
        out = []
        for p in phrases:
            idx = [index[(t.start, t.end)] for t in p.tokens if (t.start, t.end) in index]
            if not idx or not _term_ok([toks[i] for i in idx], function):
                continue
            if not all(voices.own(toks[i].start, toks[i].end) for i in idx):
                continue        # a speaker's words, not the outlet's wording
            left, right = _anchors(toks, min(idx), max(idx), shared, function)
            out.append((p, idx, left, right, _head([toks[i] for i in idx], function)))
        return out

    slots_a = slots(only_a, toks_a, index_a, Voices(doc_a))
    slots_b = slots(only_b, toks_b, index_b, Voices(doc_b))

    def entities(doc, phrase) -> set[str]:
        return {m.entity or m.canonical or m.normal for m in doc.mentions
                if m.start < phrase.end and phrase.start < m.end}

    out = []
    for pa, ia, la, ra, ha in slots_a:
        for pb, ib, lb, rb, hb in slots_b:
            if ha is None or hb is None or not same_slot_kind(ha, hb):
                continue
            ents_a, ents_b = entities(doc_a, pa), entities(doc_b, pb)
            if ents_a and ents_b and not (ents_a & ents_b):
                continue        # two different named entities (or roles of them): two referents
            anchor = None
            if la and lb and la[0] == lb[0]:
                anchor = (la[0], la[1], "left")
            elif ra and rb and ra[0] == rb[0]:
                anchor = (ra[0], ra[1], "right")
            if anchor is None:
                continue
            term_a = " ".join(k for i in ia if (k := _key(orig_a[i])))
            term_b = " ".join(k for i in ib if (k := _key(orig_b[i])))
            if not term_a or not term_b or set(term_a.split()) <= set(term_b.split()) \
                    or set(term_b.split()) <= set(term_a.split()):
                # the same words, or one phrase elaborating the other ('Владимир Путин' / 'Путин')
                continue
            anchor_tok = orig_a[anchor[1]]
            out.append(PairObservation(
                story=story, group=group, outlet_a=doc_a.article.outlet, term_a=term_a, text_a=pa.text,
                outlet_b=doc_b.article.outlet, term_b=term_b, text_b=pb.text,
                anchor=_key(anchor_tok),     # entity ids are per story: the word itself names the anchor
                anchor_text=anchor_tok.text,
                article_a=doc_a.id, start_a=pa.start, end_a=pa.end,
                article_b=doc_b.id, start_b=pb.start, end_b=pb.end))
    return out


def story_observations(comparison: StoryComparison) -> list[PairObservation]:
    """Observations from every aligned claim group of a story, for each pair of members from two
    different outlets."""
    docs = {d.id: d for d in comparison.articles}
    out: list[PairObservation] = []
    for group in comparison.claims:
        if len(group.members) < 2:
            continue
        for ma, mb in combinations(group.members, 2):
            da, db = docs.get(ma.article), docs.get(mb.article)
            if da is None or db is None or da.article.outlet == db.article.outlet:
                continue
            if da.article.meta.get("reprint_of") or db.article.meta.get("reprint_of"):
                continue        # a reprint repeats its original's wording
            out.extend(claim_pair_observations(da, ma.start, ma.end, db, mb.start, mb.end,
                                               story=comparison.id, group=group.id))
    return out


# ---- corpus counts and association ----------------------------------------------------------------------

def doc_lemma_runs(doc: AnalyzedArticle) -> list[tuple[bool, list[str]]]:
    """The lemma keys of the word tokens in runs that stay within one sentence and one voice: (own, keys),
    where `own` is False for words inside quotes, reported speech or quotation marks."""
    voices = Voices(doc)
    runs: list[tuple[bool, list[str]]] = []
    last: tuple[int, bool] | None = None
    for t in doc.tokens:
        if not _WORDLIKE.search(t.text):
            continue
        own = voices.own(t.start, t.end)
        if (t.sentence, own) != last:
            runs.append((own, []))
            last = (t.sentence, own)
        runs[-1][1].append(_key(t))
    return runs


def count_terms_by_voice(docs_by_outlet: dict[str, Iterable[AnalyzedArticle]], terms: Iterable[str]
                         ) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """Occurrences of each term (a space-separated lemma sequence) in each outlet's articles: in the
    outlet's own words, and inside quotes (an n-gram never spans the two)."""
    wanted = {tuple(t.split()) for t in terms}
    lengths = sorted({len(t) for t in wanted})
    own: dict[str, Counter] = {}
    quoted: dict[str, Counter] = {}
    for outlet, docs in docs_by_outlet.items():
        counts = {True: Counter(), False: Counter()}
        for doc in docs:
            for is_own, keys in doc_lemma_runs(doc):
                for n in lengths:
                    for i in range(len(keys) - n + 1):
                        gram = tuple(keys[i:i + n])
                        if gram in wanted:
                            counts[is_own][" ".join(gram)] += 1
        own[outlet], quoted[outlet] = counts[True], counts[False]
    return own, quoted


def count_terms(docs_by_outlet: dict[str, Iterable[AnalyzedArticle]], terms: Iterable[str]) -> dict[str, Counter]:
    """Occurrences of each term in each outlet's own words (see :func:`count_terms_by_voice`)."""
    return count_terms_by_voice(docs_by_outlet, terms)[0]


def pair_log_odds(counts: dict[str, Counter], term_a: str, term_b: str,
                  prior_strength: float = PRIOR_STRENGTH) -> dict[str, float]:
    """Per outlet: z-score of the log-odds ratio of term_a vs term_b in that outlet against all other
    outlets, with an informative Dirichlet prior from the pooled counts (Monroe et al. 2008). Positive:
    the outlet prefers term_a."""
    total_a = sum(c.get(term_a, 0) for c in counts.values())
    total_b = sum(c.get(term_b, 0) for c in counts.values())
    total = total_a + total_b
    if total == 0:
        return {o: 0.0 for o in counts}
    alpha_a = prior_strength * (total_a + 0.5) / (total + 1.0)
    alpha_b = prior_strength * (total_b + 0.5) / (total + 1.0)
    out = {}
    for outlet, c in counts.items():
        ya, yb = c.get(term_a, 0), c.get(term_b, 0)
        ra, rb = total_a - ya, total_b - yb
        delta = (math.log((ya + alpha_a) / (yb + alpha_b)) - math.log((ra + alpha_a) / (rb + alpha_b)))
        var = 1 / (ya + alpha_a) + 1 / (yb + alpha_b) + 1 / (ra + alpha_a) + 1 / (rb + alpha_b)
        out[outlet] = delta / math.sqrt(var)
    return out


@dataclass
class WordChoicePair:
    term_a: str
    term_b: str
    text_a: str                        # most frequent written form
    text_b: str
    anchor: str
    concept: str
    observations: int                  # aligned claim groups showing the pair (one per group)
    stories: int
    score: float                       # max |z| over outlets
    favours_a: str | None              # outlet with the highest z (prefers term_a)
    favours_b: str | None              # outlet with the lowest z (prefers term_b)
    similarity: float | None = None    # of the two terms' word vectors
    counts: dict[str, dict[str, int]] = field(default_factory=dict)   # outlet -> {term_a: n, term_b: n}
    quoted: dict[str, dict[str, int]] = field(default_factory=dict)   # the same, inside quotes (not counted)
    z: dict[str, float] = field(default_factory=dict)
    example: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def navec_similarity():
    """cosine(term a, term b) of the mean navec news vectors of their lemmas (None when a term has no
    known word). navec ships inside the natasha wheel."""
    emb = news_embedding()

    @functools.lru_cache(maxsize=50_000)
    def vector(term: str):
        vecs = [emb[w] for w in term.split() if emb.get(w) is not None]
        if not vecs:
            return None
        v = np.mean(vecs, axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n else None

    def similarity(a: str, b: str) -> float | None:
        va, vb = vector(a), vector(b)
        if va is None or vb is None:
            return None
        return float(va @ vb)
    return similarity


def rank_pairs(observations: Sequence[PairObservation], counts: dict[str, Counter],
               min_observations: int = MIN_OBSERVATIONS, prior_strength: float = PRIOR_STRENGTH,
               min_stories: int = 1, similarity=None, min_similarity: float | None = None,
               quoted: dict[str, Counter] | None = None) -> list[WordChoicePair]:
    """Unordered term pairs with their association to outlets, strongest first. `similarity(a, b)`
    (e.g. :func:`navec_similarity`) drops pairs less similar than `min_similarity`. `counts` are the
    outlets' own uses; `quoted`, their uses inside quotes, is shown with each pair but not scored."""
    if min_similarity is None:
        min_similarity = settings().min_similarity
    grouped: dict[tuple[str, str], list[PairObservation]] = defaultdict(list)
    for o in observations:
        a, b = sorted((o.term_a, o.term_b))
        grouped[(a, b)].append(o)
    pairs = []
    for (a, b), obs in grouped.items():
        groups = {(o.story, o.group) for o in obs}
        if len(groups) < min_observations or len({o.story for o in obs}) < min_stories:
            continue
        sim = similarity(a, b) if similarity is not None else None
        if sim is not None and sim < min_similarity:
            continue
        z = pair_log_odds(counts, a, b, prior_strength)
        best = max(z, key=lambda k: z[k]) if z else None
        worst = min(z, key=lambda k: z[k]) if z else None
        texts_a: Counter = Counter()
        texts_b: Counter = Counter()
        anchors: Counter = Counter()
        for o in obs:
            ta, tb = _display(o.text_a), _display(o.text_b)
            if o.term_a == a:
                texts_a[ta] += 1
                texts_b[tb] += 1
            else:
                texts_a[tb] += 1
                texts_b[ta] += 1
            anchors[(o.anchor, o.anchor_text)] += 1
        (anchor, anchor_text), _ = anchors.most_common(1)[0]
        first = obs[0]
        pairs.append(WordChoicePair(
            term_a=a, term_b=b, text_a=texts_a.most_common(1)[0][0], text_b=texts_b.most_common(1)[0][0],
            anchor=anchor, concept=anchor_text, observations=len(groups), stories=len({o.story for o in obs}),
            score=round(max((abs(v) for v in z.values()), default=0.0), 3),
            favours_a=best if best is not None and z[best] > 0 else None,
            favours_b=worst if worst is not None and z[worst] < 0 else None,
            similarity=None if sim is None else round(sim, 3),
            counts={o: {a: counts[o].get(a, 0), b: counts[o].get(b, 0)} for o in counts},
            quoted={o: {a: c.get(a, 0), b: c.get(b, 0)} for o, c in (quoted or {}).items()},
            z={o: round(v, 3) for o, v in z.items()},
            example={"story": first.story, first.outlet_a: first.text_a, first.outlet_b: first.text_b}))
    pairs.sort(key=lambda p: (-p.score, -p.observations, p.term_a, p.term_b))
    _name_concepts(pairs)
    return pairs


def _display(text: str) -> str:
    """A phrase as shown: without the emoji and marks Telegram posts open with ('⚡️Минобороны')."""
    return _EDGE.sub("", text.split(" ", 1)[0]) + (" " + text.split(" ", 1)[1] if " " in text else "")


def _name_concepts(pairs: list[WordChoicePair]) -> None:
    """Pairs sharing an anchor and a term are one concept, named after the anchor's commonest form."""
    parent: dict[int, int] = {i: i for i in range(len(pairs))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[tuple[str, str], int] = {}
    for i, p in enumerate(pairs):
        for term in (p.term_a, p.term_b):
            k = (p.anchor, term)
            if k in by_key:
                parent[find(i)] = find(by_key[k])
            else:
                by_key[k] = i
    names: dict[int, Counter] = defaultdict(Counter)
    for i, p in enumerate(pairs):
        names[find(i)][p.concept] += p.observations
    for i, p in enumerate(pairs):
        p.concept = names[find(i)].most_common(1)[0][0]


# ---- over a stored corpus -------------------------------------------------------------------------------

def cache_path(store) -> Path | None:
    path = omissions_cache_path(store)
    return path.with_name(path.name.replace(".omissions.json", ".wordchoice.json")) if path else None


def corpus_observations(store, *, since: float | None = None, until: float | None = None,
                        min_outlets: int = 2, encoder=None, use_cache: bool = True,
                        progress=None) -> list[PairObservation]:
    """Observations from every stored story with >= `min_outlets` outlets; cached per story version
    next to a SQLite database (<db>.wordchoice.json)."""
    stories = store.list_stories(since=since, until=until, min_outlets=min_outlets)
    path = cache_path(store) if use_cache else None
    cache = read_cache(path)
    if cache.get("version") != CACHE_VERSION:
        cache = {"version": CACHE_VERSION, "stories": {}}
    changed = False
    out: list[PairObservation] = []
    for i, story in enumerate(stories):
        fp = story_fingerprint(story.articles)
        entry = cache["stories"].get(story.id)
        if entry is None or entry.get("fingerprint") != fp:
            if encoder is None:
                encoder = embed.get_encoder()
            comparison = story_comparison(store, story.id, encoder=encoder)
            entry = {"fingerprint": fp, "observations": [asdict(o) for o in story_observations(comparison)]}
            cache["stories"][story.id] = entry
            changed = True
        out.extend(PairObservation(**o) for o in entry["observations"])
        if progress:
            progress(i + 1, len(stories))
    if changed:
        write_cache(path, cache)
    return out


def outlet_documents(store, *, since: float | None = None, until: float | None = None
                     ) -> dict[str, list[AnalyzedArticle]]:
    """Every stored analysis, by outlet (reprints left out: they repeat their original's words)."""
    by_outlet: dict[str, list] = defaultdict(list)
    for a in store.iter_articles(since=since, until=until):
        if a.reprint_of is None:
            by_outlet[a.outlet].append(a)
    out = {}
    for outlet, arts in by_outlet.items():
        out[outlet] = list(store.load_analyses(arts, None).values())
    return out


def discover(store, *, since: float | None = None, until: float | None = None, min_outlets: int = 2,
             min_observations: int = MIN_OBSERVATIONS, min_stories: int = 2, progress=None
             ) -> list[WordChoicePair]:
    """Word-choice pairs of the corpus, strongest first: seen in at least `min_observations` aligned
    claim pairs from at least `min_stories` stories."""
    observations = corpus_observations(store, since=since, until=until, min_outlets=min_outlets,
                                       progress=progress)
    terms = {o.term_a for o in observations} | {o.term_b for o in observations}
    counts, quoted = count_terms_by_voice(outlet_documents(store, since=since, until=until), terms)
    return rank_pairs(observations, counts, min_observations=min_observations, min_stories=min_stories,
                      similarity=navec_similarity(), quoted=quoted)


# ---- lexicon candidates -----------------------------------------------------------------------------------

def _slug(text: str) -> str:
    table = str.maketrans("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "abvgdeejziiklmnoprstufhccss_y_eua")
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text).translate(table)).strip("-")
    return slug or "outlet"


def candidates_yaml(pairs: Sequence[WordChoicePair], top: int | None = None) -> str:
    """The pairs as a lexicon candidate file in the contested-terms format (category `discovered`, one
    concept per discovered concept, each term labelled with the outlet that prefers it). For review:
    a reviewer moves accepted terms into compare/data/contested_terms.yaml with real labels."""
    chosen = list(pairs[:top] if top else pairs)
    labels: dict[str, str] = {}
    concepts: dict[str, list[dict[str, Any]]] = {}
    seen_terms: set[str] = set()
    for p in chosen:
        for term, text, outlet in ((p.term_a, p.text_a, p.favours_a), (p.term_b, p.text_b, p.favours_b)):
            if term in seen_terms:
                continue
            seen_terms.add(term)
            label = f"preferred-by-{_slug(outlet)}" if outlet else "no-preference"
            labels.setdefault(label, f"Discovered: preferred by {outlet}." if outlet
                              else "Discovered: no outlet prefers it.")
            counts = json.dumps({o: c[term] for o, c in p.counts.items() if c.get(term)}, ensure_ascii=False)
            concepts.setdefault(f"{p.concept} ({p.anchor})", []).append({
                "term": term, "label": label,
                "note": f"as written: '{text}'; score {p.score}; {p.observations} aligned claim groups; "
                        f"counts {counts}"})
    data = {"version": 1, "labels": labels or {"no-preference": "Discovered: no outlet prefers it."},
            "categories": [{"category": "discovered",
                            "description": "Word-choice pairs discovered from aligned claims; not reviewed.",
                            "concepts": [{"concept": name, "description": "Discovered concept.", "terms": terms}
                                         for name, terms in concepts.items()]}]}
    header = ("# Word-choice candidates discovered by `parallax wordchoice` (parallax/wordchoice.py).\n"
              "# NOT REVIEWED. Same format as parallax/compare/data/contested_terms.yaml (docs/lexicon.md):\n"
              "# terms are lemma sequences (matched in every inflection); move accepted ones there with a real\n"
              "# label.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
