"""Break an article into claims: a sentence, or a clause where a sentence joins separate facts
('Путин поблагодарил Кима за поддержку, а Ким пообещал прислать строителей'; 'Один утонул, второго
вытащили рабочие'). Questions and channel furniture are no claims."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from parallax.compare.events import event_tables
from parallax.model import AnalyzedArticle, Token
from parallax.nlp.morph import parses
from parallax.nlp.spans import SpanIndex, quoted_tokens
from parallax.resources import load_yaml
from parallax.text import fold

# Where a sentence may join two facts: a coordinating conjunction or semicolon after a comma.
_JOINERS = {("а",), ("а", "также"), ("но",), ("однако",), ("при", "этом"), ("кроме", "того"), ("тогда", "как")}
_CLOSE_QUOTES = "»“”\""
# a clause of fewer tokens is too short to be a fact of its own ('Один утонул' stays with what follows)
MIN_CLAUSE_TOKENS = 4
# joined without a conjunction ('Один утонул, второго вытащили рабочие — они протянули ему трубу'): a comma,
# dash or colon followed by a new clause, not by a subordinate one ('…, который…', '…, что…'), a
# participle or gerund phrase, a conjunction or a preposition
_ASYNDETIC = {",", "—", "–", ":"}
_NOT_A_NEW_CLAUSE_POS = {"GRND", "PRTF", "PRTS", "CONJ", "PREP", "PRCL"}


@functools.lru_cache(maxsize=1)
def _subordinators() -> frozenset[str]:
    return frozenset(load_yaml("compare/data/alignment.yaml")["clauses"]["subordinators"])


@dataclass
class Claim:
    article: str
    index: int                   # position in the article's claim list
    start: int
    end: int
    text: str
    sentence: int
    tokens: list[Token] = field(default_factory=list)

    # the claim without its attribution phrases ('по данным Минфина', 'сообщает ТАСС'): who is cited is
    # compared separately (a 'source' conflict) and must not decide whether two claims state one fact
    core_text: str = ""
    core_tokens: list[Token] = field(default_factory=list)

    @functools.cached_property
    def content_lemmas(self) -> frozenset[str]:
        return content_lemmas(self.core_tokens or self.tokens)


CONTENT_POS = {"NOUN", "VERB", "INFN", "ADJF", "ADJS", "PRTF", "PRTS", "NUMR", "ADVB", "GRND", "COMP", "LATN", "UNKN"}


def content_lemmas(tokens) -> frozenset[str]:
    """The content words of a claim's tokens, as lemmas. Figures are left out: two outlets giving different
    numbers for one fact is a conflict to report, not a reason to miss the alignment."""
    return frozenset(t.lemma for t in tokens if t.pos in CONTENT_POS and not t.text[:1].isdigit())
_FINITE = {"VERB"}


def _after_quote(tokens: list[Token], i: int) -> bool:
    """Whether punctuation at i follows a closing quote ('«…», — сказал министр': the speech's attribution)."""
    while i > 0 and tokens[i - 1].pos is None and tokens[i - 1].text not in _CLOSE_QUOTES:
        i -= 1
    return i > 0 and tokens[i - 1].text in _CLOSE_QUOTES


def _clause_cuts(tokens: list[Token]) -> list[int]:
    """Token indexes where a new clause (a separate fact) starts."""
    quoted = quoted_tokens(tokens)
    cuts = []
    for i, t in enumerate(tokens):
        if quoted[i] or i == 0:
            continue
        prev = tokens[i - 1].text
        if t.text == ";":
            cuts.append(i + 1)
            continue
        if prev in _ASYNDETIC and t.pos is not None and t.pos not in _NOT_A_NEW_CLAUSE_POS \
                and t.lemma not in _subordinators() and not _after_quote(tokens, i - 1):
            cuts.append(i)
            continue
        if prev != ",":
            continue
        for joiner in _JOINERS:
            n = len(joiner)
            if tuple(x.lemma for x in tokens[i:i + n]) == joiner:
                cuts.append(i)
                break
    good = []
    last = 0
    for c in cuts:
        left, right = tokens[last:c], tokens[c:]
        if (len(left) >= MIN_CLAUSE_TOKENS and len(right) >= MIN_CLAUSE_TOKENS
                and any(x.pos in _FINITE for x in left) and any(x.pos in _FINITE for x in right)):
            good.append(c)
            last = c
    return good


def _attribution_tail(tokens: list[Token]) -> bool:
    """Whether a clause is only the attribution of the one before it ('…в Тбилиси, — сообщили в ведомстве.',
    '…, передает агентство Рёнхап'): a speech verb, then its source, no verb or «что»/«о» of its own. It is
    no fact: cut off, such tails of different facts were one another's repeats and grouped across outlets."""
    words, tables = [t for t in tokens if t.pos is not None], event_tables()
    if not words or words[0].lemma not in tables.speech:
        return False
    return not any(t.pos in _FINITE or t.pos == "INFN" or t.lemma in _subordinators() or t.lemma in tables.about
                   for t in words[1:])


MAX_FURNITURE_WORDS = 6


def is_channel_furniture(tokens: list[Token]) -> bool:
    """Short calls to action that outlets append to posts ('Подписывайся на SHOT', 'Прислать новость'):
    an imperative or a bare infinitive with no statement around it is not a claim about the event."""
    words = [t for t in tokens if t.pos is not None]
    if not words or len(words) > MAX_FURNITURE_WORDS or any(t.text in "«»„“\"" for t in tokens):
        return False
    finite = [t for t in words if t.pos == "VERB"]
    imperative = [t for t in finite if "impr" in parses(t.text.lower())[0].tag.grammemes]
    if finite:
        return len(imperative) == len(finite)
    return words[0].pos == "INFN"


# ---- channel furniture: lines an outlet repeats under its posts ('👉 Топор Live. Подписаться') ----

# links (with or without a scheme: 'bit.ly/bbcrussian', 't.me/+Knf…', 'https://…') and @handles
_LINKS = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b(?:/\S*)?|@\w+", re.I)
_LETTERS = re.compile(r"[^\W\d_]+")
# a longer line says something; furniture is short ('Читать нас без VPN можно здесь' is 30 letters)
MAX_FURNITURE_KEY = 120


def line_key(line: str) -> str:
    """What a line is recognised by as furniture: folded, links, @handles, digits, emoji and punctuation
    dropped, the words joined by one space ('👉 Топор +18. Подписаться' -> 'топор подписаться')."""
    return " ".join(_LETTERS.findall(_LINKS.sub(" ", fold(line))))


@functools.lru_cache(maxsize=1)
def _default_phrases() -> tuple[str, ...]:
    groups = load_yaml("compare/data/furniture.yaml")["phrases"]
    return tuple(phrase for phrases in groups.values() for phrase in phrases)


@functools.lru_cache(maxsize=256)
def _default_furniture(outlet: str) -> re.Pattern:
    """A key made up entirely of the shared furniture phrases and the outlet's own name words."""
    names = sorted({re.escape(w) for w in line_key(outlet).split() if len(w) >= 3}, key=len, reverse=True)
    atom = "|".join(f"(?:{p})" for p in (*_default_phrases(), *names))
    return re.compile(rf"(?:{atom})(?: (?:{atom}))*")


def is_furniture_key(key: str, outlet: str = "", learned: frozenset[str] = frozenset()) -> bool:
    """A line key is furniture when it is empty (a bare link, handle, emoji or figure), one the outlet
    repeats across its posts (`learned`, from the corpus), or made of the shared furniture phrases
    (compare/data/furniture.yaml) and the outlet's name."""
    if not key:
        return True
    if len(key) > MAX_FURNITURE_KEY:
        return False
    return key in learned or _default_furniture(outlet).fullmatch(key) is not None


_CHAPTERS_START = re.compile(r"\s*0?0:00\b")
_TIMECODE = re.compile(r"\s*(?:\d{1,2}:)?\d{1,2}:\d{2}\b")


def furniture_spans(text: str, outlet: str = "", learned: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line of `text` that is channel furniture, or a chapter of a video or
    podcast: a line opening with 00:00 and the timecoded lines after it ('03:39 Почему Байден нарушил…')."""
    spans, pos, chapters = [], 0, False
    for line in text.split("\n"):
        if line.strip():
            chapters = bool(_CHAPTERS_START.match(line) or (chapters and _TIMECODE.match(line)))
            if chapters or is_furniture_key(line_key(line), outlet, learned):
                spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def is_spaced_out(tokens: list[Token]) -> bool:
    """Whether every word of a sentence is a single letter: a word spelt out for emphasis ('К Р А С И В О.')."""
    words = [t.text for t in tokens if t.text[:1].isalpha()]
    return len(words) >= 3 and all(len(w) == 1 for w in words)


def _without_furniture(toks: list[Token], spans) -> list[Token]:
    if not spans:
        return toks
    # bisection: a scan of every span per token was quadratic on long texts; split_claims passes the
    # index built once per article (building it per claim was quadratic too)
    inside = (spans if isinstance(spans, SpanIndex) else SpanIndex(spans)).inside
    return [t for t in toks if not inside(t.start)]


def split_claims(doc: AnalyzedArticle, furniture: frozenset[str] = frozenset()) -> list[Claim]:
    """The claims of one article. Channel furniture is no claim: lines the outlet repeats across its posts
    (`furniture`: their line keys, learned from the corpus), lines of the shared furniture list, and short
    calls to action; those lines stay in the text, only no claim is made of them."""
    outlet = doc.article.outlet or ""
    spans = furniture_spans(doc.text, outlet, furniture)
    spans = SpanIndex(spans) if spans else spans
    by_sentence: dict[int, list[Token]] = {}
    for t in doc.tokens:
        by_sentence.setdefault(t.sentence, []).append(t)
    claims: list[Claim] = []
    for sent in doc.sentences:
        toks = _without_furniture(by_sentence.get(sent.index, []), spans)
        if toks and toks[-1].text == "?":
            continue            # a question states nothing ('Почему Байден помиловал сына?')
        if is_spaced_out(toks):
            continue            # emphasis spelt out letter by letter ('К Р А С И В О.') is a reaction, not a fact
        if not any(t.pos is not None for t in toks) or is_channel_furniture(toks) or \
                is_furniture_key(line_key(doc.text[toks[0].start:toks[-1].end]), outlet, furniture):
            continue
        if _attribution_tail(toks[1:] if toks[0].lemma == "как" else toks):
            continue            # a line that only names a source ('Как передает корреспондент РИА Новости')
        bounds = [0, *[c for c in _clause_cuts(toks) if not _attribution_tail(toks[c:])], len(toks)]
        for a, b in zip(bounds, bounds[1:]):
            part = toks[a:b]
            while part and part[0].pos is None and part[0].text in ",;—–-":
                part = part[1:]
            while part and part[-1].text in ",;":
                part = part[:-1]
            if not part:
                continue
            start, end = part[0].start, part[-1].end
            claim = Claim(article=doc.id, index=len(claims), start=start, end=end,
                          text=doc.text[start:end], sentence=sent.index, tokens=part)
            _strip_attributions(claim, doc)
            claims.append(claim)
    return claims


def _strip_attributions(claim: Claim, doc: AnalyzedArticle) -> None:
    spans = [(a.start, a.end) for a in doc.attributions if claim.start <= a.start and a.end <= claim.end]
    if not spans:
        claim.core_text, claim.core_tokens = claim.text, claim.tokens
        return
    keep = [t for t in claim.tokens if not any(s <= t.start and t.end <= e for s, e in spans)]
    while keep and keep[0].pos is None:
        keep = keep[1:]
    while keep and keep[-1].pos is None and keep[-1].text not in ".!?»\"":
        keep = keep[:-1]
    claim.core_tokens = keep or claim.tokens
    pieces, pos = [], claim.start
    for s, e in sorted(spans):
        pieces.append(doc.text[pos:s])
        pos = max(pos, e)
    pieces.append(doc.text[pos:claim.end])
    core = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s+", " ", "".join(pieces))).strip(" ,;—–-")
    claim.core_text = core[:1].upper() + core[1:] if core else claim.text


def normalize_words(text: str) -> list[str]:
    """Words for verbatim comparison: lower case, ё as е, punctuation and quote marks ignored."""
    return re.findall(r"\w+(?:-\w+)*", fold(text))
