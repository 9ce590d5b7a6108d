"""Framing, first version: how each outlet words the same story.

Two views:

* a curated lexicon of contested terms in coverage of Russia's war against Ukraine
  (``data/contested_terms.yaml``, described in ``docs/lexicon.md``): every term found in an article,
  with the concept it names ("the war", "Ukrainian armed forces") and the framing its wording carries
  (``euphemism-official``, ``invasion``, ...), grouped per concept across the articles of a story;
* for two aligned claims, the phrases only one of them uses (:func:`phrase_differences`).

Whose words: a term inside a quote of the article (a direct quote or reported speech, ``doc.quotes``) is
the speaker's, and a term inside quotation marks that no speech cue attributes (scare quotes: 'борьба с
«неонацизмом»', a one-word 'назвал решение «русофобским»') is a word the outlet holds at arm's length.
Both are still found, with ``voice`` 'quoted' (and the speaker) or 'marked', but only ``voice == 'own'``
counts as the outlet's own wording (:class:`Voices`).

Russian terms are matched on lemmas, so one lexicon entry covers every inflection ('война против
Украины' finds 'войне против Украины'). A token matches a lexicon word when any pymorphy reading of
the token shares a lemma with any reading of the lexicon word: the pipeline picks one reading per token
and may pick another than the lexicon did ('рашисты' is read first as a short adjective).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from razdel import tokenize

from parallax.model import AnalyzedArticle, FramingEntry, Quote, Token
from parallax.nlp.morph import parses
from parallax.nlp.spans import find_quote_spans
from parallax.resources import ResourceError, load_yaml, resource_path
from parallax.text import fold

DATA_DIR = resource_path("compare/data")
LEXICON_PATH = DATA_DIR / "contested_terms.yaml"
STOPWORD_PATHS = {"ru": DATA_DIR / "stopwords_ru.txt", "en": DATA_DIR / "stopwords_en.txt"}

LANGUAGES = ("ru", "en", "uk")
MATCH_MODES = ("lemma", "surface")
DEFAULT_WINDOW = 3
# Russian has a pymorphy dictionary; the others are matched on word forms (with `*` prefixes).
DEFAULT_MATCH = {"ru": "lemma", "en": "surface", "uk": "surface"}

_TERM_KEYS = {"term", "label", "language", "match", "case_sensitive", "not_preceded_by",
              "not_followed_by", "followed_by", "window", "note", "examples", "not_examples"}
_CONCEPT_KEYS = {"concept", "description", "terms"}
_CATEGORY_KEYS = {"category", "description", "concepts"}
_TOP_KEYS = {"version", "labels", "categories"}

_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_WORDLIKE = re.compile(r"\w")


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the place."""


def normalize(text: str) -> str:
    return fold(text).replace("’", "'").replace("ʼ", "'")


@functools.lru_cache(maxsize=200_000)
def _lemmas_of(word: str) -> frozenset[str]:
    """Every lemma pymorphy offers for a (normalized) Russian word form, plus the form itself."""
    if not _CYRILLIC.search(word):
        return frozenset({word})
    return frozenset({word} | {normalize(p.normal_form) for p in parses(word)})


def _first_lemma(word: str) -> str:
    if not _CYRILLIC.search(word):
        return word
    found = parses(word)
    return normalize(found[0].normal_form) if found else word


# ---- the lexicon ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WordPattern:
    """One word of a lexicon term."""
    text: str                          # as written in the lexicon
    keys: frozenset[str]               # normalized forms/lemmas that match (empty for a prefix)
    prefix: str | None = None          # `*` words: any token starting with this
    capitalized: bool = False


@dataclass(frozen=True)
class LexiconTerm:
    term: str
    category: str
    concept: str
    label: str
    language: str
    match: str
    words: tuple[WordPattern, ...]
    lemmas: tuple[str, ...]            # one lemma (or prefix*) per word, for display and identity
    case_sensitive: bool = False
    not_preceded_by: frozenset[str] = frozenset()
    not_followed_by: frozenset[str] = frozenset()
    followed_by: frozenset[str] = frozenset()
    window: int = DEFAULT_WINDOW
    note: str | None = None
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()
    order: int = 0                     # position in the file: ties resolve to the earlier entry

    @property
    def signature(self) -> tuple[str, str, tuple[str, ...]]:
        """Two terms with the same signature match the same text."""
        return self.language, self.match, self.lemmas


@dataclass(frozen=True)
class Concept:
    category: str
    name: str
    description: str
    terms: tuple[LexiconTerm, ...]


@dataclass
class Lexicon:
    labels: dict[str, str]                       # label -> what the wording does
    categories: dict[str, str]                   # category -> description
    concepts: list[Concept]
    terms: list[LexiconTerm]
    path: Path | None = None
    _indexes: dict[str | None, "_TermIndex"] = field(default_factory=dict, repr=False)

    @property
    def languages(self) -> set[str]:
        return {t.language for t in self.terms}

    def terms_for(self, language: str | None) -> list[LexiconTerm]:
        """Terms of `language`; all terms when the lexicon has none in that language (or it is
        unknown), so that a misdetected language still finds something."""
        if language in self.languages:
            return [t for t in self.terms if t.language == language]
        return list(self.terms)

    def concept(self, name: str) -> Concept:
        for c in self.concepts:
            if c.name == name:
                return c
        raise KeyError(name)

    def index(self, language: str | None) -> "_TermIndex":
        key = language if language in self.languages else None
        if key not in self._indexes:
            self._indexes[key] = _TermIndex(self.terms_for(key))
        return self._indexes[key]


class _TermIndex:
    """Terms by the keys of their first word, so each token tries only the terms it could start."""

    def __init__(self, terms: Iterable[LexiconTerm]):
        self.by_key: dict[str, list[LexiconTerm]] = {}
        self.by_prefix: list[tuple[str, LexiconTerm]] = []
        for term in terms:
            first = term.words[0]
            if first.prefix is not None:
                self.by_prefix.append((first.prefix, term))
            else:
                for key in first.keys:
                    self.by_key.setdefault(key, []).append(term)

    def candidates(self, keys: Iterable[str], surface: str) -> list[LexiconTerm]:
        found: dict[int, LexiconTerm] = {}
        for key in keys:
            for term in self.by_key.get(key, ()):
                found[id(term)] = term
        for prefix, term in self.by_prefix:
            if surface.startswith(prefix):
                found[id(term)] = term
        return sorted(found.values(), key=lambda t: t.order)


def _split_words(text: str) -> list[str]:
    """razdel tokens of a lexicon term, with a trailing `*` kept on its word."""
    words: list[str] = []
    prev_end = None
    for tok in tokenize(text):
        if tok.text == "*" and words and prev_end == tok.start:
            words[-1] += "*"
        else:
            words.append(tok.text)
        prev_end = tok.stop
    return words


def _context_keys(words: Iterable[str]) -> frozenset[str]:
    keys: set[str] = set()
    for w in words:
        n = normalize(str(w))
        keys |= _lemmas_of(n)
    return frozenset(keys)


def _compile_term(raw: dict[str, Any], category: str, concept: str, labels: dict[str, str],
                  order: int, where: str) -> LexiconTerm:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: a term must be a mapping, got {raw!r}")
    unknown = set(raw) - _TERM_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown field(s) {sorted(unknown)}")
    text = raw.get("term")
    if not isinstance(text, str) or not text.strip():
        raise LexiconError(f"{where}: missing 'term'")
    where = f"{where} {text!r}"
    label = raw.get("label")
    if not label or label not in labels:
        raise LexiconError(f"{where}: label {label!r} is not defined in 'labels'")
    language = raw.get("language", "ru")
    if language not in LANGUAGES:
        raise LexiconError(f"{where}: language {language!r} not in {LANGUAGES}")
    match = raw.get("match", DEFAULT_MATCH[language])
    if match not in MATCH_MODES:
        raise LexiconError(f"{where}: match {match!r} not in {MATCH_MODES}")
    window = raw.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or window < 1:
        raise LexiconError(f"{where}: window must be a positive integer")
    for key in ("not_preceded_by", "not_followed_by", "followed_by", "examples", "not_examples"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise LexiconError(f"{where}: {key} must be a list of strings")

    words: list[WordPattern] = []
    lemmas: list[str] = []
    for w in _split_words(text.strip()):
        capitalized = w[:1].isupper()
        n = normalize(w)
        if n.endswith("*"):
            if match != "surface" or len(n) < 2:
                raise LexiconError(f"{where}: '*' prefixes need match: surface")
            words.append(WordPattern(w, frozenset(), n[:-1], capitalized))
            lemmas.append(n)
        elif match == "lemma":
            words.append(WordPattern(w, _lemmas_of(n), None, capitalized))
            lemmas.append(_first_lemma(n))
        else:
            words.append(WordPattern(w, frozenset({n}), None, capitalized))
            lemmas.append(n)
    if not words:
        raise LexiconError(f"{where}: the term has no words")
    return LexiconTerm(
        term=text.strip(), category=category, concept=concept, label=label, language=language,
        match=match, words=tuple(words), lemmas=tuple(lemmas),
        case_sensitive=bool(raw.get("case_sensitive", False)),
        not_preceded_by=_context_keys(raw.get("not_preceded_by", [])),
        not_followed_by=_context_keys(raw.get("not_followed_by", [])),
        followed_by=_context_keys(raw.get("followed_by", [])),
        window=window, note=raw.get("note"),
        examples=tuple(raw.get("examples", [])), not_examples=tuple(raw.get("not_examples", [])),
        order=order,
    )


def parse_lexicon(data: Any, path: Path | None = None) -> Lexicon:
    """Build a :class:`Lexicon` from the parsed YAML structure, checking it on the way."""
    if not isinstance(data, dict):
        raise LexiconError("the lexicon must be a mapping with 'labels' and 'categories'")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"unknown top-level field(s) {sorted(unknown)}")
    labels = data.get("labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) and v for v in labels.values()):
        raise LexiconError("'labels' must map each label to a description")
    categories: dict[str, str] = {}
    concepts: list[Concept] = []
    terms: list[LexiconTerm] = []
    seen: dict[tuple, LexiconTerm] = {}
    for ci, cat in enumerate(data.get("categories") or []):
        if not isinstance(cat, dict) or not cat.get("category"):
            raise LexiconError(f"categories[{ci}]: missing 'category'")
        if set(cat) - _CATEGORY_KEYS:
            raise LexiconError(f"category {cat['category']!r}: unknown field(s) "
                               f"{sorted(set(cat) - _CATEGORY_KEYS)}")
        cat_name = str(cat["category"])
        if cat_name in categories:
            raise LexiconError(f"category {cat_name!r} appears twice")
        categories[cat_name] = str(cat.get("description", ""))
        for ki, con in enumerate(cat.get("concepts") or []):
            if not isinstance(con, dict) or not con.get("concept"):
                raise LexiconError(f"{cat_name}/concepts[{ki}]: missing 'concept'")
            if set(con) - _CONCEPT_KEYS:
                raise LexiconError(f"concept {con['concept']!r}: unknown field(s) "
                                   f"{sorted(set(con) - _CONCEPT_KEYS)}")
            con_name = str(con["concept"])
            if any(c.name == con_name for c in concepts):
                raise LexiconError(f"concept {con_name!r} appears twice")
            con_terms = []
            for ti, raw in enumerate(con.get("terms") or []):
                term = _compile_term(raw, cat_name, con_name, labels, len(terms),
                                     f"{cat_name}/{con_name}/terms[{ti}]")
                other = seen.get(term.signature)
                if other is not None:
                    raise LexiconError(
                        f"{term.term!r} ({con_name}, {term.label}) duplicates {other.term!r} "
                        f"({other.concept}, {other.label})")
                seen[term.signature] = term
                con_terms.append(term)
                terms.append(term)
            if not con_terms:
                raise LexiconError(f"concept {con_name!r} has no terms")
            concepts.append(Concept(cat_name, con_name, str(con.get("description", "")),
                                    tuple(con_terms)))
    if not terms:
        raise LexiconError("the lexicon has no terms")
    return Lexicon(labels=dict(labels), categories=categories, concepts=concepts, terms=terms,
                   path=path)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Lexicon:
    p = Path(path)
    try:
        data = load_yaml(p)
    except ResourceError as exc:
        raise LexiconError(str(exc)) from exc
    try:
        return parse_lexicon(data, p)
    except LexiconError as exc:
        raise LexiconError(f"{p}: {exc}") from exc


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The contested-terms lexicon, lemmatized; loaded once per path and process."""
    return _load_cached(str(Path(path or LEXICON_PATH).resolve()))


# ---- whose words -------------------------------------------------------------------------------------

OWN, QUOTED, MARKED = "own", "quoted", "marked"


@dataclass(frozen=True)
class Voice:
    """Whose words a span of an article is."""
    voice: str = OWN                   # own | quoted (a quote or reported speech) | marked (quotation marks only)
    speaker: str | None = None         # who is quoted, as the article names them (None: not found or marked)
    speaker_entity: str | None = None  # entity id, after story-level linking


OWN_VOICE = Voice()


def speaker_name(doc: AnalyzedArticle, quote: Quote, names: dict[str, str] | None = None) -> str | None:
    """The quote's speaker: the linked entity's name from `names`, else the speaker mention's canonical or
    nominative form (a pronoun's antecedent), else the speaker's words as written."""
    if names and quote.speaker_entity in names:
        return names[quote.speaker_entity]
    index = quote.speaker_mention
    if index is not None and 0 <= index < len(doc.mentions) and doc.mentions[index].kind != "pronoun":
        mention = doc.mentions[index]
        return mention.canonical or mention.normal or quote.speaker_text
    return quote.speaker_text


class Voices:
    """The quotes and quotation marks of one article, to tell whose words a span is: a span inside a
    quote is the speaker's (the innermost quote's, when quotes nest); a span inside quotation marks that
    no quote claims is marked; anything else, including a span that only overlaps a quote ('так
    называемая «ДНР»'), is the outlet's own."""

    def __init__(self, doc: AnalyzedArticle, names: dict[str, str] | None = None):
        self.doc = doc
        self.names = names
        self.quotes = sorted(doc.quotes, key=lambda q: (q.end - q.start, q.start))
        self.marks = find_quote_spans(doc.text) if doc.text else []

    def at(self, start: int, end: int) -> Voice:
        for q in self.quotes:
            if q.start <= start and end <= q.end:
                return Voice(QUOTED, speaker_name(self.doc, q, self.names), q.speaker_entity)
        if any(open_ < start and end <= close for open_, close in self.marks):
            return Voice(MARKED)
        return OWN_VOICE

    def own(self, start: int, end: int) -> bool:
        return self.at(start, end).voice == OWN


# ---- finding terms in an article --------------------------------------------------------------------

@dataclass(frozen=True)
class TermHit:
    category: str
    concept: str
    term: str                          # the text as the article has it
    label: str
    start: int
    end: int
    sentence: int
    entry: str = ""                    # the lexicon term as written ('война против Украины')
    language: str = "ru"
    voice: str = OWN                   # own | quoted | marked (see Voices)
    speaker: str | None = None         # for a quoted term: who said it
    speaker_entity: str | None = None


def _is_punct(tok: Token) -> bool:
    return not _WORDLIKE.search(tok.text)


def _token_keys(tok: Token) -> frozenset[str]:
    surface = normalize(tok.text)
    keys = _lemmas_of(surface)
    lemma = normalize(tok.lemma) if tok.lemma else surface
    return keys if lemma in keys else keys | {lemma}


def _word_matches(word: WordPattern, term: LexiconTerm, tok: Token, keys: frozenset[str]) -> bool:
    if term.case_sensitive and word.capitalized and not tok.text[:1].isupper():
        return False
    surface = normalize(tok.text)
    if word.prefix is not None:
        return surface.startswith(word.prefix) and not _is_punct(tok)
    if term.match == "surface":
        return surface in word.keys
    return not word.keys.isdisjoint(keys)


def _neighbours(tokens: Sequence[Token], index: int, step: int, count: int) -> list[int]:
    """Up to `count` word tokens of the same sentence before (step -1) or after (step 1) `index`."""
    out: list[int] = []
    sentence = tokens[index].sentence
    i = index + step
    while 0 <= i < len(tokens) and len(out) < count and tokens[i].sentence == sentence:
        if not _is_punct(tokens[i]):
            out.append(i)
        i += step
    return out


def _match_at(term: LexiconTerm, tokens: Sequence[Token], i: int, key_of) -> int | None:
    """Index of the last token when `term` matches starting at token `i`, else None."""
    n = len(term.words)
    if i + n > len(tokens):
        return None
    sentence = tokens[i].sentence
    for k, word in enumerate(term.words):
        tok = tokens[i + k]
        if tok.sentence != sentence or not _word_matches(word, term, tok, key_of(i + k)):
            return None
    last = i + n - 1
    if term.not_preceded_by and any(
            not key_of(j).isdisjoint(term.not_preceded_by)
            for j in _neighbours(tokens, i, -1, term.window)):
        return None
    after = _neighbours(tokens, last, 1, term.window)
    if term.not_followed_by and any(not key_of(j).isdisjoint(term.not_followed_by) for j in after):
        return None
    if term.followed_by and not any(not key_of(j).isdisjoint(term.followed_by) for j in after):
        return None
    return last


def find_contested_terms(doc: AnalyzedArticle, lexicon: Lexicon | None = None,
                         names: dict[str, str] | None = None) -> list[TermHit]:
    """Lexicon terms in `doc`, in text order, each with whose words it is (:class:`Voices`; `names`:
    entity id -> name, for speakers).

    Where matches overlap within one category the longest wins ('вторжение ВСУ в Курскую область'
    is one Kursk term, not also 'вторжение'); matches of different categories may nest ('ВСУ' inside
    it is still how the outlet names the Ukrainian army).
    """
    lex = lexicon or load_lexicon()
    tokens = doc.tokens
    if not tokens:
        return []
    index = lex.index(doc.language)
    cache: dict[int, frozenset[str]] = {}

    def key_of(j: int) -> frozenset[str]:
        if j not in cache:
            cache[j] = _token_keys(tokens[j])
        return cache[j]

    found: list[tuple[int, int, LexiconTerm]] = []
    for i, tok in enumerate(tokens):
        if _is_punct(tok):
            continue
        for term in index.candidates(key_of(i), normalize(tok.text)):
            last = _match_at(term, tokens, i, key_of)
            if last is not None:
                found.append((tokens[i].start, tokens[last].end, term))

    found.sort(key=lambda h: (-(h[1] - h[0]), h[0], h[2].order))
    kept: list[tuple[int, int, LexiconTerm]] = []
    for start, end, term in found:
        if any(t.category == term.category and start < e and s < end for s, e, t in kept):
            continue
        kept.append((start, end, term))
    kept.sort(key=lambda h: (h[0], h[2].order))

    text = doc.text
    sentence_of = {t.start: t.sentence for t in tokens}
    voices = Voices(doc, names)
    out = []
    for start, end, term in kept:
        voice = voices.at(start, end)
        out.append(TermHit(category=term.category, concept=term.concept, term=text[start:end],
                           label=term.label, start=start, end=end, sentence=sentence_of.get(start, 0),
                           entry=term.term, language=term.language, voice=voice.voice,
                           speaker=voice.speaker, speaker_entity=voice.speaker_entity))
    return out


def entity_names(docs: Sequence[AnalyzedArticle]) -> dict[str, str]:
    """Entity id -> a name for linked mentions: the fullest name form the articles use (most words,
    then most frequent), a stand-in for the story's entity names when the caller has none."""
    forms: dict[str, Counter] = {}
    for d in docs:
        for m in d.mentions:
            if m.entity and m.kind in ("name", "alias"):
                forms.setdefault(m.entity, Counter())[m.canonical or m.normal] += 1
    return {e: sorted(c.items(), key=lambda kv: (-len(kv[0].split()), -kv[1], kv[0]))[0][0]
            for e, c in forms.items()}


def _outlet_names(docs: Sequence[AnalyzedArticle]) -> dict[str, str]:
    counts = Counter(d.article.outlet for d in docs)
    return {d.id: (d.article.outlet if d.article.outlet and counts[d.article.outlet] == 1
                   else f"{d.article.outlet or 'article'} ({d.id})")
            for d in docs}


def framing_by_article(docs: list[AnalyzedArticle], lexicon: Lexicon | None = None,
                       names: dict[str, str] | None = None) -> list[FramingEntry]:
    """One entry per lexicon concept that at least one article names, in lexicon order, with every
    article's terms (an empty list where an article does not name it). Each term says whose words it
    is (`voice`: own, quoted or marked, and the `speaker` of a quoted one; `names`: entity id -> name).
    The note says when articles name a concept with different labels in their own voice: a term an
    article quotes is listed but is not its label."""
    lex = lexicon or load_lexicon()
    names = names if names is not None else entity_names(docs)
    hits = {d.id: find_contested_terms(d, lex, names) for d in docs}
    names = _outlet_names(docs)
    entries: list[FramingEntry] = []
    for concept in lex.concepts:
        terms: dict[str, list[dict[str, Any]]] = {}
        for d in docs:
            terms[d.id] = [
                {"term": h.term, "label": h.label, "start": h.start, "end": h.end,
                 "sentence": h.sentence, "entry": h.entry, "voice": h.voice, "speaker": h.speaker}
                for h in hits[d.id] if h.concept == concept.name and h.category == concept.category]
        if not any(terms.values()):
            continue
        entries.append(FramingEntry(category=concept.category, concept=concept.name, terms=terms,
                                    note=_label_note(terms, names)))
    return entries


def _label_note(terms: dict[str, list[dict[str, Any]]], names: dict[str, str]) -> str | None:
    labels_by_article = {}
    for article, items in terms.items():
        own = [item for item in items if item.get("voice", OWN) == OWN]
        if own:
            counted = Counter(item["label"] for item in own)
            labels_by_article[article] = [label for label, _ in counted.most_common()]
    if len(labels_by_article) < 2:
        return None
    if len({frozenset(v) for v in labels_by_article.values()}) == 1:
        return None
    return "labels differ: " + "; ".join(
        f"{names.get(a, a)}: {', '.join(v)}" for a, v in labels_by_article.items())


# ---- wording differences between aligned claims -------------------------------------------------------

@functools.lru_cache(maxsize=4)
def load_stopwords(language: str | None = None) -> dict[str, bool]:
    """Function words -> whether each is a preposition. `None`: every language's list together."""
    languages = [language] if language else sorted(STOPWORD_PATHS)
    words: dict[str, bool] = {}
    for lang in languages:
        path = STOPWORD_PATHS.get(lang)
        if path is None:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            word, _, tag = line.partition("\t")
            key = normalize(word.strip())
            words[key] = words.get(key, False) or tag.strip() == "prep"
    return words


@dataclass(frozen=True)
class Phrase:
    text: str
    start: int
    end: int
    tokens: tuple[Token, ...]


def _key(tok: Token) -> str:
    return normalize(tok.lemma or tok.text)


class _Classified:
    def __init__(self, tokens: Sequence[Token], stopwords: dict[str, bool]):
        self.tokens = list(tokens)
        self.punct = [_is_punct(t) for t in self.tokens]
        self.keys = [_key(t) for t in self.tokens]
        self.prep = []
        self.function = []
        for t, k, p in zip(self.tokens, self.keys, self.punct):
            surface = normalize(t.text)
            is_prep = t.pos == "PREP" or stopwords.get(k, False) or stopwords.get(surface, False)
            self.prep.append(not p and is_prep)
            # Only the list decides what else is a function word: pymorphy tags 'якобы' and 'будто'
            # as conjunctions, but they are the distancing words framing is made of.
            self.function.append(not p and (is_prep or k in stopwords or surface in stopwords))
        self.content_keys = {k for k, p, f in zip(self.keys, self.punct, self.function)
                             if not p and not f}
        self.all_keys = {k for k, p in zip(self.keys, self.punct) if not p} | \
            {normalize(t.text) for t, p in zip(self.tokens, self.punct) if not p}


def _phrase(tokens: Sequence[Token]) -> Phrase:
    parts = [tokens[0].text]
    for prev, tok in zip(tokens, tokens[1:]):
        parts.append((" " if tok.start > prev.end else "") + tok.text)
    return Phrase("".join(parts), tokens[0].start, tokens[-1].end, tuple(tokens))


def _own_phrases(side: _Classified, other: _Classified) -> list[Phrase]:
    """Runs of `side`'s content words that `other` lacks, with the function words between them.

    A preposition that `other` lacks opens the phrase it governs ('на войну' vs 'в освобождении');
    a preposition both share belongs to their common frame and stays out. A run that began as a bare
    noun phrase ends where a new prepositional phrase begins ('отправку войск' | 'на войну против
    Украины'), while a prepositional phrase absorbs the ones that follow it.
    """
    phrases: list[Phrase] = []
    current: list[int] = []
    pending: list[int] = []
    opens_with_prep = False

    def lead(pend: list[int]) -> list[int]:
        preps = [j for j in pend if side.prep[j]]
        if not preps:
            return []
        first = preps[-1]
        if side.keys[first] in other.all_keys:
            return []
        return [j for j in pend if j >= first]

    def flush() -> None:
        nonlocal current
        if current:
            phrases.append(_phrase([side.tokens[j] for j in current]))
        current = []

    for i in range(len(side.tokens)):
        if side.punct[i]:
            flush()
            pending = []
            continue
        if side.function[i]:
            pending.append(i)
            continue
        if side.keys[i] in other.content_keys:
            flush()
            pending = []
            continue
        if current and not (any(side.prep[j] for j in pending) and not opens_with_prep):
            current.extend(pending)
            current.append(i)
        else:
            flush()
            opening = lead(pending)
            opens_with_prep = bool(opening)
            current = opening + [i]
        pending = []
    flush()
    return phrases


def _preposition_swaps(side: _Classified, other: _Classified) -> list[Phrase]:
    """'на Украине' against 'в Украине': the same word governed by a different preposition."""
    governed_in_other: dict[str, set[str]] = {}
    for j in range(1, len(other.tokens)):
        if not other.punct[j] and not other.function[j] and other.prep[j - 1]:
            governed_in_other.setdefault(other.keys[j], set()).add(other.keys[j - 1])
    out: list[Phrase] = []
    for j in range(1, len(side.tokens)):
        if side.punct[j] or side.function[j] or not side.prep[j - 1]:
            continue
        preps = governed_in_other.get(side.keys[j])
        if preps and side.keys[j - 1] not in preps:
            out.append(_phrase([side.tokens[j - 1], side.tokens[j]]))
    return out


def differing_phrases(a_tokens: Sequence[Token], b_tokens: Sequence[Token],
                      language: str | None = None) -> tuple[list[Phrase], list[Phrase]]:
    """:func:`phrase_differences` with offsets: the phrases as spans of the given tokens."""
    stopwords = load_stopwords(language)
    a = _Classified(a_tokens, stopwords)
    b = _Classified(b_tokens, stopwords)

    def collect(side: _Classified, other: _Classified) -> list[Phrase]:
        phrases = _own_phrases(side, other)
        covered = {(t.start, t.end) for p in phrases for t in p.tokens}
        phrases += [p for p in _preposition_swaps(side, other)
                    if not any((t.start, t.end) in covered for t in p.tokens)]
        phrases.sort(key=lambda p: p.start)
        return phrases

    return collect(a, b), collect(b, a)


def phrase_differences(a_tokens: list[Token], b_tokens: list[Token],
                       language: str | None = None) -> tuple[list[str], list[str]]:
    """For two aligned claims, the content phrases only A uses and only B uses.

    Words are compared by lemma, so a difference of inflection is not a difference of wording;
    function words and punctuation are never differences by themselves. `language` picks the
    stopword list (default: all lists).
    """
    a, b = differing_phrases(a_tokens, b_tokens, language)
    return _unique_texts(a), _unique_texts(b)


def _unique_texts(phrases: Iterable[Phrase]) -> list[str]:
    return list(dict.fromkeys(p.text for p in phrases))
