"""Direct and indirect quotes with their speakers.

Direct quotes are spans in quotation marks (« », „ “, “ ”, " ", nested in any combination) that a speech
cue attaches to a speaker:

    «…», — сказал Путин.          the speaker clause follows after a dash (or a comma)
    «Мы готовы, — сказал он, — но не сейчас».      an author's clause interrupting the quote
    Путин сказал: «…»  /  Путин: «…»                a colon introduces the quote
    назвал помощь «братским долгом»                 a quoted fragment that is the object of a speech verb
                                                    in the same clause, at most five words after it,
                                                    two words or more and starting in lower case
                                                    (one-word fragments are scare quotes; capitalized
                                                    ones are titles: 'пишет газета «Новые известия»')
    «…». Об этом заявил Путин.                      a whole-sentence quote claimed by the next sentence
    — Мы готовы, — сказал он.                       dialogue dashes, as in interviews

Quotation marks with no cue are names or scare quotes («Аурус», борьба с «неонацизмом») and are not quotes.

Indirect speech is the reported clause of 'X заявил, что …', 'По словам X, …', 'Как отметил X, …',
'…, заявил X.' and '…. Об этом сообщил X.'; the span runs from after the complementizer to the end of the
clause (the sentence, cut before ', а также заявил …' or ', передает ТАСС').

The speaker is the subject of the speech verb: the nearest nominative person (a name, a role such as
'российский лидер', or a pronoun), else an organisation or place ('Минобороны заявило', 'В Кремле
заявили'). A pronoun speaker keeps its own text and points `speaker_mention` at its antecedent.
"""
from __future__ import annotations

import bisect
import functools
import re
import weakref
from dataclasses import dataclass

from parallax.model import AnalyzedArticle, Mention, Quote, Token
from parallax.nlp import morph
from parallax.resources import load_yaml
from parallax.text import fold

NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
_DASH = "—–−-"
_DASH_RE = r"[—–−‒-]{1,2}"
_SENT_END = ".!?…"
_NOMINATIVE_PRONOUNS = frozenset({"он", "она", "они", "he", "she", "they"})
_POSSESSIVE_PRONOUNS = frozenset({"его", "ее", "её", "их"})
_CLAUSE_BREAK_WORDS = frozenset({"что", "чтобы", "как", "ли", "будто", "который", "которая", "которое",
                                 "которые", "если", "когда", "где", "that"})
# A quoted object fragment counts only this close to its verb ('назвал помощь России «братским долгом»').
_MAX_OBJECT_GAP_WORDS = 6
# Speaker clauses after a quote: the speech verb must come within this many words ('— в свою очередь
# заявил он').
_MAX_WORDS_BEFORE_VERB = 4


# ---- lexicon ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpeechLexicon:
    speech: frozenset[str]
    opinion: frozenset[str]
    phrases: dict[str, tuple[tuple[str, ...], ...]]      # verb lemma -> object lemma sequences
    english: dict[str, str]                               # surface form -> lemma
    english_opinion: frozenset[str]
    complementizers: frozenset[str]
    anaphoric_leads: tuple[tuple[str, ...], ...]
    clause_joiners: tuple[tuple[str, ...], ...]
    pronouns: dict[str, str]                              # pronoun -> masc | femn | plur




@functools.lru_cache(maxsize=1)
def speech_lexicon() -> SpeechLexicon:
    data = load_yaml("nlp/data/speech_verbs_ru.yaml")
    english = {fold(form): lemma for lemma, forms in data["english"].items() for form in forms}
    return SpeechLexicon(
        speech=frozenset(fold(v) for v in data["speech"]),
        opinion=frozenset(fold(v) for v in data["opinion"]),
        phrases={fold(v): tuple(tuple(fold(w) for w in obj.split()) for obj in objs)
                 for v, objs in data["phrases"].items()},
        english=english,
        english_opinion=frozenset(data.get("english_opinion", [])),
        complementizers=frozenset(fold(w) for w in data["complementizers"]),
        anaphoric_leads=tuple(tuple(fold(p).split()) for p in data["anaphoric_leads"]),
        clause_joiners=tuple(tuple(fold(p).split()) for p in data["clause_joiners"]),
        pronouns={fold(k): v for k, v in data["pronouns"].items()},
    )


@functools.lru_cache(maxsize=50_000)
def verb_lemmas(word: str) -> frozenset[str]:
    """Infinitives a word form can belong to as a verb, participle, gerund or short participle.
    Passive full participles are left out: 'так называемый' is not a speech act."""
    out = set()
    for p in morph.parses(word):
        pos = p.tag.POS
        if pos in ("VERB", "INFN", "GRND", "PRTS") or (pos == "PRTF" and "actv" in p.tag):
            out.add(fold(p.normal_form))
    return frozenset(out)


@functools.lru_cache(maxsize=50_000)
def _verb_shape(word: str) -> tuple[bool, bool, bool]:
    """(finite, plural-or-impersonal, present/future tense) for the verb parses of a word form."""
    finite = plural = present = False
    for p in morph.parses(word):
        if p.tag.POS == "VERB":
            finite = True
            if p.tag.number == "plur":
                plural = True
            if p.tag.tense in ("pres", "futr"):
                present = True
    return finite, plural, present


@functools.lru_cache(maxsize=50_000)
def can_be_nominative(word: str) -> bool:
    """Whether a word may be in the nominative case. Words pymorphy does not know (most foreign
    names), Latin words and abbreviations count as possibly nominative."""
    if not re.search(r"[А-Яа-яЁё]", word) or (word.isupper() and len(word) > 1):
        return True
    known = _case_parses(word)
    if not known:
        return True
    return any(p.tag.case == "nomn" for p in known)


def _case_parses(word: str) -> list:
    """Dictionary readings that carry a case ('Силуанов' has only a short-adjective one: none)."""
    return [p for p in morph.parses(fold(word)) if morph.is_dictionary_parse(p) and p.tag.case]


@functools.lru_cache(maxsize=50_000)
def likely_nominative(word: str) -> bool:
    """Whether the most probable reading of a word (among its name readings, if it has any) is
    nominative: 'Ким', 'Песков' yes; 'Кима', 'Лаврова' (more likely genitive) no."""
    if not re.search(r"[А-Яа-яЁё]", word) or (word.isupper() and len(word) > 1):
        return True
    known = _case_parses(word)
    if not known:
        return True
    names = [p for p in known if NAME_GRAMMEMES & set(p.tag.grammemes)]
    best = (names or known)[0]
    return best.tag.case == "nomn" or "Fixd" in best.tag


@functools.lru_cache(maxsize=50_000)
def _word_genders(word: str) -> frozenset[str]:
    out = set()
    for p in morph.parses(fold(word)):
        if morph.is_dictionary_parse(p) and p.tag.case == "nomn" and (
                p.tag.POS == "ADJF" or p.tag.POS == "NOUN" and "anim" in p.tag):
            if p.tag.number == "plur":
                out.add("plur")
            elif p.tag.gender:
                out.add(p.tag.gender)
    return frozenset(out)


def mention_gender(text: str) -> str | None:
    """masc | femn | plur when the words of a mention settle it ('Дональд Трамп', 'Мария Захарова',
    'российский лидер'), else None ('Ким', 'глава МИД'). The first name word that settles it decides;
    a common noun ends the search (its dependents say nothing about the person)."""
    for word in re.findall(r"[\w-]+", text):
        genders = _word_genders(word)
        if len(genders) == 1 and next(iter(genders)) in ("masc", "femn", "plur"):
            return next(iter(genders))
        parses = [p for p in morph.parses(fold(word)) if morph.is_dictionary_parse(p)]
        if parses and parses[0].tag.POS == "NOUN" and not NAME_GRAMMEMES & set(parses[0].tag.grammemes):
            return None
    return None


# ---- quotation marks ----------------------------------------------------------------------------------

_OPEN_CHARS = "«„‹"
_CLOSE_FOR = {"»": "«", "›": "‹", "”": "“„\"", "“": "„"}
_QUOTE_CHARS = frozenset("«»„“”‹›\"")
_OPENING_CONTEXT = set("([{/:;—–-") | set(_OPEN_CHARS) | {"“", "\""}
_QUOTE_OR_BREAK = re.compile("[«»„“”‹›\"\n]")


def find_quote_spans(text: str) -> list[tuple[int, int]]:
    """Top-level pairs of quotation marks as (open, close) character positions. Pairs never cross a line
    break; unbalanced marks are dropped. Inner quotes of any style nest inside outer ones."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    n = len(text)
    if not _QUOTE_OR_BREAK.search(text):
        return spans

    def close(opener_chars: str, pos: int) -> bool:
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] in opener_chars:
                start = stack[k][1]
                del stack[k:]
                if not stack:
                    spans.append((start, pos))
                return True
        return False

    for mark in _QUOTE_OR_BREAK.finditer(text):
        i = mark.start()
        ch = text[i]
        if ch == "\n":
            stack.clear()
            continue
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        looks_open = (prev.isspace() or prev in _OPENING_CONTEXT) and not nxt.isspace()
        looks_close = not prev.isspace() and (nxt.isspace() or not nxt.isalnum())
        top = stack[-1][0] if stack else None
        if ch in _OPEN_CHARS:
            stack.append((ch, i))
        elif ch in ("»", "›", "”"):
            close(_CLOSE_FOR[ch], i)
        elif ch == "“":
            if top == "„":
                close("„", i)
            elif looks_open:
                stack.append((ch, i))
            elif any(s[0] == "“" for s in stack):
                close("“", i)
        else:   # the straight quote opens or closes by context
            inside = any(s[0] == '"' for s in stack)
            if inside and (looks_close or not looks_open or top == '"' and not prev.isspace()):
                close('"', i)
            elif looks_open:
                stack.append((ch, i))
    return spans


# ---- per-document index --------------------------------------------------------------------------------

@dataclass
class Candidate:
    """Something that can be a speaker: a mention or a personal pronoun."""
    start: int
    end: int
    text: str
    type: str                      # PER | ORG | LOC
    mention: int | None            # index into doc.mentions
    pronoun: str | None = None     # masc | femn | plur, for pronouns
    nominative: bool = True
    likely: bool = True            # the most probable reading is nominative
    after_preposition: bool = False


@dataclass
class _Draft:
    start: int
    end: int
    kind: str
    cue: str | None
    speaker: Candidate | None
    anchor: int                    # where a pronoun speaker's antecedent search starts
    quote: Quote | None = None


class DocIndex:
    """Offsets-to-tokens, sentences and speaker candidates for one article, built once."""

    def __init__(self, doc: AnalyzedArticle):
        self.doc = doc
        self.text = doc.text
        self.tokens: list[Token] = doc.tokens
        self.token_starts = [t.start for t in self.tokens]
        self.sentences = doc.sentences
        self.sentence_starts = [s.start for s in self.sentences]
        self.mentions: list[Mention] = doc.mentions
        self.norms = [fold(t.text) for t in self.tokens]
        self._cues: dict[int, tuple[str, str, int] | None] = {}
        self.mention_by_start: dict[int, int] = {}
        for k, m in enumerate(self.mentions):
            prev = self.mention_by_start.get(m.start)
            if prev is None or m.end > self.mentions[prev].end:
                self.mention_by_start[m.start] = k
        self.lex = speech_lexicon()
        self.candidates = self._build_candidates()
        self.candidate_starts = [c.start for c in self.candidates]

    # tokens and sentences

    def token_at_or_after(self, offset: int) -> int:
        return bisect.bisect_left(self.token_starts, offset)

    def token_range(self, start: int, end: int) -> range:
        lo = bisect.bisect_left(self.token_starts, start)
        hi = lo
        while hi < len(self.tokens) and self.tokens[hi].end <= end:
            hi += 1
        return range(lo, hi)

    def sentence_index(self, offset: int) -> int:
        i = bisect.bisect_right(self.sentence_starts, offset) - 1
        return max(i, 0)

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        if not self.sentences:
            return 0, len(self.text)
        s = self.sentences[self.sentence_index(offset)]
        return s.start, s.end

    @staticmethod
    def is_word(t: Token) -> bool:
        return t.text[:1].isalnum()

    def prev_token(self, i: int) -> Token | None:
        return self.tokens[i - 1] if i > 0 else None

    # speech cues

    def speech_cue(self, i: int) -> tuple[str, str, int] | None:
        """(cue, 'speech' | 'opinion', index of the cue's last token) when token i is a speech verb."""
        if i in self._cues:
            return self._cues[i]
        found = self._speech_cue(i)
        self._cues[i] = found
        return found

    def _speech_cue(self, i: int) -> tuple[str, str, int] | None:
        t = self.tokens[i]
        if not self.is_word(t):
            return None
        word = self.norms[i]
        if t.pos == "LATN" or not re.search(r"[а-я]", word):
            lemma = self.lex.english.get(word)
            if lemma is None:
                return None
            return lemma, "opinion" if lemma in self.lex.english_opinion else "speech", i
        lemmas = verb_lemmas(word)
        if not lemmas:
            return None
        for lemma in lemmas:
            for obj in self.lex.phrases.get(lemma, ()):
                j = i + 1
                window = self.tokens[j:j + len(obj)]
                if len(window) == len(obj) and all(fold(w.lemma) == o for w, o in zip(window, obj)) \
                        and window[-1].sentence == t.sentence:
                    surface = self.text[window[0].start:window[-1].end].lower()
                    return f"{lemma} {surface}", "speech", j + len(obj) - 1
        for lemma in sorted(lemmas):
            if lemma in self.lex.speech:
                return lemma, "speech", i
        for lemma in sorted(lemmas):
            if lemma in self.lex.opinion:
                return lemma, "opinion", i
        return None

    def is_finite(self, t: Token) -> bool:
        return _verb_shape(fold(t.text))[0] or t.pos == "LATN"

    def is_plural_verb(self, t: Token) -> bool:
        return _verb_shape(fold(t.text))[1]

    def is_participle(self, t: Token) -> bool:
        return t.pos in ("PRTF", "GRND")

    # speaker candidates

    def _build_candidates(self) -> list[Candidate]:
        ms = self.mentions
        priority = {"PER": 0, "ORG": 1, "LOC": 2}
        order = sorted(range(len(ms)), key=lambda k: (ms[k].start, -(ms[k].end - ms[k].start),
                                                      priority.get(ms[k].type, 3)))
        out: list[Candidate] = []
        covered_until = -1
        for k in order:
            m = ms[k]
            if m.end <= covered_until or (out and m.start < out[-1].end):
                continue        # inside a longer mention ('России' in 'президент России')
            covered_until = m.end
            gender = None
            if m.kind == "pronoun":
                gender = self.lex.pronouns.get(fold(m.text))
            out.append(self._candidate(m.start, m.end, m.type, k, gender))
        taken = {(c.start, c.end) for c in out}
        for i, t in enumerate(self.tokens):
            w = self.norms[i]
            if w in self.lex.pronouns and (t.start, t.end) not in taken:
                out.append(self._candidate(t.start, t.end, "PER", None, self.lex.pronouns[w]))
        out.sort(key=lambda c: c.start)
        return out

    def _candidate(self, start: int, end: int, typ: str, mention: int | None, pronoun: str | None) -> Candidate:
        i = self.token_at_or_after(start)
        first = self.tokens[i] if i < len(self.tokens) else None
        prev = self.prev_token(i)
        same = prev is not None and (first is None or prev.sentence == first.sentence)
        after_prep = same and prev.pos == "PREP"
        # a genitive dependent: 'полиция Спрингфилда', 'рынок РФ' (but 'директор Иван Петров' is apposition)
        dependent = (same and prev.pos == "NOUN" and pronoun is None and first is not None
                     and first.pos != "LATN" and not (typ == "PER" and (
                         self._titled(i - 1) or "nomn" in morph.cases_of(self.norms[i], NAME_GRAMMEMES))))
        surface = self.text[start:end]
        if pronoun is not None:
            nominative = likely = fold(surface) in _NOMINATIVE_PRONOUNS
        else:
            nominative = first is not None and can_be_nominative(first.text)
            likely = nominative and likely_nominative(first.text)
        blocked = after_prep or dependent
        cand = Candidate(start=start, end=end, text=surface, type=typ, mention=mention, pronoun=pronoun,
                         nominative=nominative and not blocked, likely=likely and not blocked,
                         after_preposition=after_prep)
        if pronoun is None and typ == "PER":
            _trim_merged_names(cand)
        return cand

    def _titled(self, j: int) -> bool:
        """Whether the noun chain ending at token j starts with a person's title: 'министр внутренних
        дел' (so a following name is in apposition), not 'полиция' or 'рынок'."""
        for k in range(j, max(j - 5, -1), -1):
            t = self.tokens[k]
            if t.pos not in ("NOUN", "ADJF"):
                return False
            if t.pos == "NOUN" and "anim" in morph.parses(self.norms[k])[0].tag:
                return True
        return False

    def candidates_in(self, start: int, end: int) -> list[Candidate]:
        lo = bisect.bisect_left(self.candidate_starts, start)
        out = []
        for c in self.candidates[lo:]:
            if c.start >= end:
                break
            if c.end <= end:
                out.append(c)
        return out



def _trim_merged_names(cand: Candidate) -> None:
    """'сказал Ким Путину' read as one mention: keep the words before the first dictionary name whose
    possible cases exclude the nominative and share none with the words before it (the addressee)."""
    words = list(re.finditer(r"[\w'’-]+", cand.text))
    if len(words) < 2:
        return
    cases = [morph.cases_of(fold(w.group()), NAME_GRAMMEMES) for w in words]
    for k in range(1, len(words)):
        right = cases[k]
        if not right or "nomn" in right or not words[k].group()[:1].isupper():
            continue
        if likely_nominative(words[0].group()):
            cand.end = cand.start + words[k - 1].end()
            cand.text = cand.text[:words[k - 1].end()]
        return


def _inside(pos: int, spans) -> bool:
    return any(s <= pos < e for s, e in spans)


def _overlaps(start: int, end: int, spans) -> bool:
    return any(start < e and s < end for s, e in spans)


# ---- speaker search ------------------------------------------------------------------------------------

def _pick(cands: list[Candidate], nearest_last: bool) -> Candidate | None:
    """Persons (names, roles, pronouns) most likely in the nominative first, then persons possibly in
    the nominative ('Лаврова' is usually genitive), then organisations and places."""
    ordered = cands[::-1] if nearest_last else cands
    for wanted, strict in ((("PER",), True), (("PER",), False), (("ORG", "LOC"), False)):
        for c in ordered:
            if c.nominative and c.type in wanted and (c.likely or not strict):
                return c
    return None


def subject_before(ix: DocIndex, verb_start: int, lo: int, exclude) -> Candidate | None:
    cands = [c for c in ix.candidates_in(lo, verb_start) if not _overlaps(c.start, c.end, exclude)]
    return _pick(cands, nearest_last=True)


def subject_after(ix: DocIndex, verb_end: int, hi: int, exclude) -> Candidate | None:
    cands = [c for c in ix.candidates_in(verb_end, hi) if not _overlaps(c.start, c.end, exclude)]
    return _pick(cands, nearest_last=False)


def impersonal_place(ix: DocIndex, first: int, last: int, lo: int) -> Candidate | None:
    """'В Кремле заявили', 'заявили в Минобороны', 'в военном ведомстве сообщили': the place an
    impersonal plural verb speaks from."""
    from parallax.nlp.attribution import institution_after_preposition
    toks = ix.tokens
    if not ix.is_plural_verb(toks[first]):
        return None
    sent_stop = first
    while sent_stop < len(toks) and toks[sent_stop].sentence == toks[first].sentence:
        sent_stop += 1
    # before the verb, possibly with one adverb between: 'В Кремле также заявили'
    j = first - 1
    while j >= 0 and toks[j].start >= lo and toks[j].pos in ("ADVB", "PRCL", "CONJ"):
        j -= 1
    for p in range(j - 1, max(j - 6, -1), -1):
        if toks[p].start < lo:
            break
        if toks[p].pos == "PREP":
            if fold(toks[p].text) in ("в", "во", "на"):
                span = institution_after_preposition(ix, p, j + 1)
                if span and span[1] == j:
                    return _place_candidate(ix, *span)
            break
    # after the verb, past an addressee: 'сообщили журналистам в военном ведомстве'
    j = skip_addressee(ix, last + 1)
    if j + 1 < sent_stop and toks[j].pos == "PREP" and fold(toks[j].text) in ("в", "во", "на"):
        span = institution_after_preposition(ix, j, sent_stop)
        if span:
            return _place_candidate(ix, *span)
    return None


def _place_candidate(ix: DocIndex, first: int, last: int) -> Candidate:
    start, end = ix.tokens[first].start, ix.tokens[last].end
    for c in ix.candidates_in(start, end + 1):
        if c.start == start and c.pronoun is None:
            return c
    return Candidate(start=start, end=end, text=ix.text[start:end], type="ORG", mention=None)


def skip_addressee(ix: DocIndex, j: int) -> int:
    """Index after a dative addressee right after a verb ('сообщили журналистам', 'рассказал «Медузе»',
    'сказал ТАСС'); j itself when there is none."""
    toks = ix.tokens
    if j >= len(toks):
        return j
    k = j
    quoted = toks[k].text in "«\"„“"
    if quoted:
        k += 1
    if k < len(toks) and ix.is_word(toks[k]):
        m = ix.mention_by_start.get(toks[k].start)
        if m is not None and ix.mentions[m].end > toks[k].end and (
                toks[k].text.isupper() or "datv" in morph.cases_of(ix.norms[k])):
            # a multi-word name as addressee: 'уточнили РИА Новости в пресс-службе'
            while k < len(toks) and toks[k].end <= ix.mentions[m].end:
                k += 1
            if quoted and k < len(toks) and toks[k].text in "»\"“”":
                k += 1
            return k
        cases = morph.cases_of(fold(toks[k].text))
        if "datv" in cases and (len(cases) == 1 or toks[k].text.isupper() or quoted) and toks[k].pos != "PREP":
            k += 1
            if quoted and k < len(toks) and toks[k].text in "»\"“”":
                k += 1
            return k
    return j


def resolve_pronoun(ix: DocIndex, gender: str | None, anchor: int, previous: list[_Draft],
                    exclude, window: int = 4) -> int | None:
    """Antecedent of a speaker pronoun: the most recent person before `anchor` (outside direct quotes)
    whose gender fits, preferring the speaker of a previous quote and, within a sentence, the subject."""
    if gender == "plur" or not ix.sentences:
        return None

    def fits(m: Mention) -> bool:
        g = mention_gender(m.normal or m.text)
        return g is None or g == gender or gender is None

    here = ix.sentence_index(max(anchor - 1, 0))
    fallback = None
    for s in range(here, max(-1, here - window), -1):
        sent = ix.sentences[s]
        hi = min(sent.end, anchor)
        for d in reversed(previous):
            if d.speaker is None or d.start >= anchor:
                continue
            ref = _speaker_mention_index(d)
            if ref is None or ix.mentions[ref].type != "PER":
                continue
            if ix.sentence_index(d.start) == s or ix.sentence_index(d.speaker.start) == s:
                if fits(ix.mentions[ref]):
                    return ref
        persons = [c for c in ix.candidates_in(sent.start, hi)
                   if c.type == "PER" and c.pronoun is None and c.mention is not None
                   and not _overlaps(c.start, c.end, exclude) and fits(ix.mentions[c.mention])]
        for c in persons:
            if c.nominative:
                return c.mention
        if persons and fallback is None:
            fallback = persons[-1].mention
    return fallback


def _speaker_mention_index(d: _Draft) -> int | None:
    if d.quote is not None and d.quote.speaker_mention is not None:
        return d.quote.speaker_mention
    return d.speaker.mention if d.speaker is not None and d.speaker.pronoun is None else None


# ---- direct quotes --------------------------------------------------------------------------------------

_AFTER_QUOTE = re.compile(r"[^\S\n]*([,.!?…]*)[^\S\n]*(" + _DASH_RE + r")?[^\S\n]*")
_AUTHOR_END = re.compile(r"[.!?…\n]|\s[—–]\s|:")
_INTERRUPTION = re.compile(r"([,.!?…]+)\s+[—–]\s+([^«»\"„“”—–\n]{2,120}?)([.,:])\s+[—–]\s+")
_DIALOGUE = re.compile(r"^[^\S\n]*[—–-][^\S\n]+(?P<q>[^\n]+?)(?P<p>[,!?…]+)[^\S\n]+[—–-][^\S\n]+(?P<a>[^\n]+)$",
                       re.MULTILINE)


def _verb_in(ix: DocIndex, start: int, end: int, max_words: int, speech_only: bool = True):
    """The first speech verb among the first `max_words` words of [start, end)."""
    words = 0
    for i in ix.token_range(start, end):
        t = ix.tokens[i]
        if not ix.is_word(t):
            continue
        words += 1
        if words > max_words:
            return None
        cue = ix.speech_cue(i)
        if cue and (cue[1] == "speech" or not speech_only):
            return i, cue
    return None


def _author_clause(ix: DocIndex, start: int, hard_end: int | None = None):
    """A speaker clause such as 'сказал Путин лидеру КНДР' starting at `start`: (cue, speaker, end of
    the clause) or None."""
    text = ix.text
    m = _AUTHOR_END.search(text, start)
    end = m.start() if m else len(text)
    if hard_end is not None:
        end = min(end, hard_end)
    found = _verb_in(ix, start, end, _MAX_WORDS_BEFORE_VERB)
    if not found:
        return None
    i, (cue, _, last) = found
    t = ix.tokens[i]
    speaker = (subject_after(ix, ix.tokens[last].end, end, ()) or subject_before(ix, t.start, start, ())
               or impersonal_place(ix, i, last, start))
    if speaker is None and m is not None and m.group().strip() in ("—", "–") and hard_end is None \
            and text[:m.start()].rstrip()[-1:] not in ".,:":
        # '— заявил один из организаторов — президент общества Иван Петров.': the apposition names him
        m2 = _AUTHOR_END.search(text, m.end())
        end2 = m2.start() if m2 else len(text)
        speaker = subject_after(ix, m.end(), end2, ())
    if speaker is None:
        speaker = noun_after(ix, last, end)
    return cue, speaker, end


def _strip_inner(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _direct_quotes(ix: DocIndex, marks: list[tuple[int, int]]) -> list[_Draft]:
    text = ix.text
    out: list[_Draft] = []
    for o, c in marks:
        inner_start, inner_end = _strip_inner(text, o + 1, c)
        if inner_end <= inner_start or not re.search(r"\w", text[inner_start:inner_end]):
            continue
        drafts = (_interrupted(ix, o, c) or _quote_then_author(ix, o, c, inner_start, inner_end)
                  or _author_then_quote(ix, o, inner_start, inner_end)
                  or _object_fragment(ix, o, inner_start, inner_end, marks)
                  or _claimed_by_next_sentence(ix, o, c, inner_start, inner_end))
        if drafts:
            out.extend(drafts)
    out.extend(_dialogue_quotes(ix, marks))
    return out


def _quote_then_author(ix: DocIndex, o: int, c: int, s: int, e: int) -> list[_Draft] | None:
    """«…», — сказал X   /   "…," he said"""
    text = ix.text
    m = _AFTER_QUOTE.match(text, c + 1)
    punct, dash = m.group(1), m.group(2)
    inner_punct = text[c - 1] in ",!?…" if c > 0 else False
    english = inner_punct and _english_verb_next(ix, m.end())
    if not dash and "," not in punct and not english:
        return None
    if not _opens_clause(ix, o):
        return None     # 'борьба с «неонацизмом», передает ТАСС': the clause is the speaker's, not the fragment
    if punct and "." in punct and not dash:
        return None
    found = _author_clause(ix, m.end())
    if not found:
        return None
    if not dash and not english and not _starts_with_verb(ix, m.end()):
        return None     # '«Газпром», как сообщается, …': without a dash the verb must come first
    cue, speaker, _ = found
    return [_Draft(s, e, "direct", cue, speaker, anchor=o)]


def _opens_clause(ix: DocIndex, o: int) -> bool:
    """Whether the quote at `o` starts its sentence, or follows a colon, a dash or an earlier quote."""
    sent_start, _ = ix.sentence_bounds(o)
    before = ix.text[sent_start:o].rstrip()
    return not before or before[-1] in ":" + _DASH + _SENT_END + "»”\""


def _starts_with_verb(ix: DocIndex, start: int) -> bool:
    i = ix.token_at_or_after(start)
    return i < len(ix.tokens) and ix.speech_cue(i) is not None


def _english_verb_next(ix: DocIndex, start: int) -> bool:
    found = _verb_in(ix, start, start + 60, 3)
    return bool(found) and ix.tokens[found[0]].pos == "LATN"


def _author_then_quote(ix: DocIndex, o: int, s: int, e: int) -> list[_Draft] | None:
    """X сказал: «…»   /   X: «…»"""
    text = ix.text
    k = o - 1
    while k >= 0 and text[k] in " \t\u00a0":
        k -= 1
    if k < 0 or text[k] != ":":
        return None
    sent_start, _ = ix.sentence_bounds(k)
    lo = max(sent_start, _last_break(text, sent_start, k))
    verb = None
    for i in reversed(ix.token_range(lo, k)):
        cue = ix.speech_cue(i)
        if cue and cue[1] == "speech":
            verb = (i, cue)
            break
    if verb:
        i, (cue, _, last) = verb
        speaker = (subject_before(ix, ix.tokens[i].start, lo, ()) or subject_after(ix, ix.tokens[last].end, k, ())
                   or impersonal_place(ix, i, last, lo))
        return [_Draft(s, e, "direct", cue, speaker, anchor=o)]
    lead = ix.candidates_in(lo, k)
    if lead and lead[-1].nominative and not text[lead[-1].end:k].strip():
        return [_Draft(s, e, "direct", None, lead[-1], anchor=o)]
    if lead and lead[0].nominative and _word_count(text[lo:k]) <= 4 and not text[lo:lead[0].start].strip():
        return [_Draft(s, e, "direct", None, lead[0], anchor=o)]
    return None


def _last_break(text: str, lo: int, hi: int) -> int:
    """Start of the clause ending at `hi`: after the last closing quote mark or dash before it."""
    best = lo
    for m in re.finditer(r"[»”\"]|\s[—–]\s", text[lo:hi]):
        best = lo + m.end()
    return best


def _object_fragment(ix: DocIndex, o: int, s: int, e: int, marks) -> list[_Draft] | None:
    """назвал помощь «братским долгом»: a quoted fragment of two words or more that is the object of a
    speech verb in the same clause."""
    if _word_count(ix.text[s:e]) < 2 or not ix.text[s].islower():
        return None     # capitalized: a title or a name ('пишет газета «Новые известия»')
    sent_start, _ = ix.sentence_bounds(o)
    words = 0
    for i in reversed(ix.token_range(sent_start, o)):
        t = ix.tokens[i]
        if not ix.is_word(t):
            if t.text in ",;:.!?()—–-" or t.text in _QUOTE_CHARS:
                return None
            continue
        if fold(t.text) in _CLAUSE_BREAK_WORDS:
            return None
        cue = ix.speech_cue(i)
        if cue and cue[1] == "speech":
            verb_start = t.start
            exclude = [(a, b + 1) for a, b in marks]
            _, sent_end = ix.sentence_bounds(o)
            speaker = (subject_before(ix, verb_start, sent_start, exclude)
                       or impersonal_place(ix, i, cue[2], sent_start))
            if speaker is None and t.pos == "GRND":
                # 'Назвав закон «ошибкой», министр подчеркнул …': the gerund's subject is the clause's
                speaker = subject_after(ix, e, sent_end, exclude)
                main = next((k for k in ix.token_range(e, sent_end) if ix.tokens[k].pos == "VERB"), None)
                if speaker is None and main is not None:
                    speaker = noun_subject(ix, main, e + 1)
            return [_Draft(s, e, "direct", cue[0], speaker, anchor=o)]
        words += 1
        if words >= _MAX_OBJECT_GAP_WORDS:
            return None
    return None


def _claimed_by_next_sentence(ix: DocIndex, o: int, c: int, s: int, e: int) -> list[_Draft] | None:
    """«…». Об этом заявил Путин.   A quote that is a whole sentence, claimed by an anaphoric next one."""
    text = ix.text
    sent_start, _ = ix.sentence_bounds(o)
    if text[sent_start:o].strip(" \t\u00a0" + _DASH):
        return None
    tail = re.match(r"[^\S\n]*([.!?…]*)[^\S\n]*", text[c + 1:])
    nxt_start = c + 1 + tail.end()
    if nxt_start >= len(text) or not text[nxt_start].isupper():
        return None
    if not tail.group(1) and text[e - 1] not in _SENT_END:
        return None     # the quote does not end its sentence
    found = _anaphoric_author(ix, nxt_start)
    if not found:
        return None
    cue, speaker = found
    return [_Draft(s, e, "direct", cue, speaker, anchor=o)]


def _anaphoric_author(ix: DocIndex, start: int):
    """'Об этом заявил Путин' / 'Так ответил он' at `start`: (cue, speaker)."""
    idx = ix.token_at_or_after(start)
    toks = ix.tokens
    if idx >= len(toks):
        return None
    for lead in ix.lex.anaphoric_leads:
        window = toks[idx:idx + len(lead)]
        if len(window) == len(lead) and all(fold(t.text) == w for t, w in zip(window, lead)):
            sent = ix.sentences[toks[idx].sentence] if ix.sentences else None
            end = sent.end if sent else len(ix.text)
            found = _verb_in(ix, window[-1].end, end, 3)
            if not found:
                continue
            i, (cue, _, last) = found
            speaker = (subject_after(ix, toks[last].end, end, ()) or subject_before(ix, toks[i].start, start, ())
                       or impersonal_place(ix, i, last, start))
            return cue, speaker
    return None


def _interrupted(ix: DocIndex, o: int, c: int) -> list[_Draft] | None:
    """«Мы готовы, — сказал Путин, — но не сейчас»: two spans around the author's clause."""
    text = ix.text
    for m in _INTERRUPTION.finditer(text, o + 1, c):
        found = _author_clause(ix, m.start(2), hard_end=m.end(2))
        if not found:
            continue
        cue, speaker, _ = found
        a = _strip_inner(text, o + 1, m.start(1) + (1 if m.group(1)[0] in "!?…" else 0))
        b = _strip_inner(text, m.end(), c)
        out = []
        for s, e in (a, b):
            if e > s and re.search(r"\w", text[s:e]):
                out.append(_Draft(s, e, "direct", cue, speaker, anchor=o))
        return out or None
    return None


def _dialogue_quotes(ix: DocIndex, marks) -> list[_Draft]:
    """— Мы готовы, — сказал он. — Но не сейчас.   Dialogue lines without quotation marks."""
    text = ix.text
    out = []
    for m in _DIALOGUE.finditer(text):
        if _overlaps(m.start(), m.end(), [(a, b + 1) for a, b in marks]):
            continue
        found = _author_clause(ix, m.start("a"))
        if not found:
            continue
        cue, speaker, author_end = found
        s, e = _strip_inner(text, m.start("q"), m.end("q"))
        if m.group("p")[0] in "!?…":
            e = m.end("p")
        out.append(_Draft(s, e, "direct", cue, speaker, anchor=m.start("q")))
        rest = re.match(r"[^\S\n]*[.,:]?[^\S\n]*[—–-][^\S\n]+(\S[^\n]*)", text[author_end:m.end("a")])
        closed = (text[:author_end].rstrip()[-1:] in ".,:") or text[author_end:author_end + 1] in ".,:"
        if rest and closed:
            s2, e2 = _strip_inner(text, author_end + rest.start(1), m.end("a"))
            if text[e2 - 1] == ".":
                e2 -= 1
            out.append(_Draft(s2, e2, "direct", cue, speaker, anchor=m.start("q")))
    return out


# ---- indirect speech ------------------------------------------------------------------------------------

_PO_SLOVAM = re.compile(r"(?<!\w)по\s+(?:(его|её|ее|их)\s+)?словам(?!\w)", re.IGNORECASE)


def _clause_end(ix: DocIndex, start: int, sent_end: int, participle: bool, protected) -> int:
    """End of a reported clause starting at `start`: the sentence end, or earlier before ', а также
    заявил', ', передает ТАСС', ', по данным …', or (for a participle clause) the next comma."""
    toks = ix.tokens
    end = sent_end
    for i in ix.token_range(start, sent_end):
        t = toks[i]
        if t.text != "," or _inside(t.start, protected):
            continue
        if participle:
            return t.start
        j = i + 1
        while j < len(toks) and toks[j].text in _DASH:
            j += 1
        matched_joiner = True
        while matched_joiner:
            matched_joiner = False
            for joiner in ix.lex.clause_joiners:
                window = toks[j:j + len(joiner)]
                if len(window) == len(joiner) and all(fold(w.text) == p for w, p in zip(window, joiner)):
                    j += len(joiner)
                    matched_joiner = True
                    break
        if j < len(toks) and toks[j].start < sent_end:
            cue = ix.speech_cue(j)
            if cue and ix.is_finite(toks[j]):
                return t.start
            if fold(toks[j].text) in ("по", "как", "согласно") and j + 1 < len(toks) and \
                    fold(toks[j + 1].text) in ("словам", "данным", "информации", "сообщает", "сообщил",
                                                "сообщила", "сообщили", "передает", "пишет", "заявил",
                                                "отметил", "мнению", "сведениям"):
                return t.start
    return end


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SENT_END + ",;:" + _DASH):
        end -= 1
    return end


def _indirect_quotes(ix: DocIndex, taken: list[_Draft], marks) -> list[_Draft]:
    text, toks = ix.text, ix.tokens
    protected = [(a, b + 1) for a, b in marks]
    direct_spans = [(d.start, d.end) for d in taken]
    out: list[_Draft] = []
    used: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not _overlaps(s, e, used) and not _overlaps(s, e, direct_spans)

    for sent in ix.sentences:
        rng = ix.token_range(sent.start, sent.end)
        sent_end = _trim_end(text, sent.start, sent.end)
        i = rng.start
        while i < rng.stop:
            t = toks[i]
            cue = ix.speech_cue(i)
            if not cue or _inside(t.start, protected) or _inside(t.start, direct_spans):
                i += 1
                continue
            lemma, _, last = cue
            if i > rng.start and fold(toks[i - 1].text) == "не":
                i += 1
                continue        # 'не пояснил, что имеет в виду' reports nothing
            comp = _complementizer_after(ix, last, rng.stop)
            if comp is None:
                i += 1
                continue
            start = toks[comp].end
            while start < sent_end and (text[start].isspace() or text[start] in ",;"):
                start += 1
            end = _clause_end(ix, start, sent_end, ix.is_participle(t), protected)
            end = _trim_end(text, start, end)
            if end <= start or not free(start, end):
                i = comp + 1
                continue
            speaker = _indirect_speaker(ix, i, last, comp, sent.start, out, protected)
            d = _Draft(start, end, "indirect", lemma, speaker, anchor=t.start)
            out.append(d)
            used.append((start, end))
            i = comp + 1
        for d in _po_slovam(ix, sent, sent_end, protected) + _kak_zayavil(ix, sent, sent_end):
            if free(d.start, d.end):
                out.append(d)
                used.append((d.start, d.end))
    for d in _trailing_author(ix, protected) + _anaphoric_indirect(ix):
        if free(d.start, d.end):
            out.append(d)
            used.append((d.start, d.end))
    return out


def _complementizer_after(ix: DocIndex, last: int, stop: int) -> int | None:
    """'заявил журналистам, что', 'заявил о том, что', 'признавший, что': the index of 'что'."""
    toks = ix.tokens
    words = 0
    for j in range(last + 1, min(stop, last + 10)):
        t = toks[j]
        w = fold(t.text)
        if w in ix.lex.complementizers:
            return j
        if t.text in ".;:!?" or t.text in _QUOTE_CHARS or t.text in _DASH:
            return None
        if ix.is_word(t):
            words += 1
            if words > 5 or (t.pos in ("VERB", "INFN") and w not in ("том",)):
                return None
    return None


def _indirect_speaker(ix: DocIndex, i: int, last: int, comp: int, sent_start: int, earlier: list[_Draft],
                      protected) -> Candidate | None:
    toks = ix.tokens
    verb_start = toks[i].start
    prior = [d for d in earlier if d.start >= sent_start and d.end <= verb_start]
    exclude = list(protected) + [(d.start, d.end) for d in prior]
    # ', а также заявил, что …' continues the previous reported clause of the same speaker
    if prior and prior[-1].speaker is not None:
        between = ix.text[prior[-1].end:verb_start]
        if re.fullmatch(r"[\s,]*(?:(?:а|и|но|однако|также|затем|потом|при этом|кроме того)[\s,]+)*", between,
                        re.IGNORECASE):
            return prior[-1].speaker
    before = subject_before(ix, verb_start, sent_start, exclude)
    noun = noun_subject(ix, i, sent_start)
    if noun is not None:
        # the same phrase as a mention: 'Дональд Туск' (noun_subject reads only 'Туск'), 'Маленький Гриша'
        same = [c for c in ix.candidates_in(max(0, noun.start - 60), noun.end + 60) if c.pronoun is None and (
            c.start <= noun.start < c.end or c.type == "PER" and c.end == noun.end and c.start >= noun.start
            and all(t.pos == "ADJF" for t in toks[ix.token_at_or_after(noun.start):ix.token_at_or_after(c.start)]))]
        if same:
            return same[0]
        if before is None or before.end <= noun.end:
            # the noun phrase right before the verb is the subject: 'Комментируя рынок РФ, собеседник
            # заявил', 'профессор Высшей школы экономики заявил'
            return noun
    return (before
            or impersonal_place(ix, i, last, sent_start)
            or subject_after(ix, toks[last].end, toks[comp].start, exclude))


def noun_after(ix: DocIndex, last: int, end: int) -> Candidate | None:
    """'…, сообщила в пятницу пресс-служба вуза': a common-noun subject after the verb, with the
    genitive words that follow it."""
    toks = ix.tokens
    j = last + 1
    words = 0
    while j < len(toks) and toks[j].end <= end and words < 4:
        t = toks[j]
        if t.pos == "NOUN" and (j == 0 or toks[j - 1].pos != "PREP"):
            best = morph.parses(fold(t.text))[0]
            if best.tag.case != "nomn":
                j += 1
                words += 1
                continue
            k = j
            while k + 1 < len(toks) and toks[k + 1].end <= end and ix.is_word(toks[k + 1]) \
                    and toks[k + 1].pos in ("NOUN", "ADJF", "LATN") and "gent" in morph.cases_of(fold(toks[k + 1].text)) | (
                        {"gent"} if toks[k + 1].pos == "LATN" or toks[k + 1].text.isupper() else set()):
                k += 1
            return Candidate(start=t.start, end=toks[k].end, text=ix.text[t.start:toks[k].end],
                             type="PER" if "anim" in best.tag else "ORG", mention=None)
        if not ix.is_word(t):
            return None
        j += 1
        words += 1
    return None


def noun_subject(ix: DocIndex, i: int, sent_start: int) -> Candidate | None:
    """'Эксперты полагают, что …': a common-noun subject right before the verb, with its adjectives."""
    toks = ix.tokens
    j = i - 1
    while j >= 0 and toks[j].start >= sent_start and (toks[j].pos in ("ADVB", "PRCL") or fold(toks[j].text) == "также"):
        j -= 1
    # skip prepositional phrases between subject and verb: 'Иванов в свою очередь заявил'
    for _ in range(2):
        k = j
        while k >= 0 and toks[k].start >= sent_start and j - k < 4 and toks[k].pos in ("NOUN", "ADJF", "NPRO"):
            k -= 1
        if k < j and k >= 0 and toks[k].start >= sent_start and toks[k].pos == "PREP":
            j = k - 1
        else:
            break
    end = j
    # walk back over genitive dependents to the head: 'шеф российской дипломатии', 'Автор статьи'
    while j >= 0 and toks[j].start >= sent_start and end - j < 4 and toks[j].pos in ("NOUN", "ADJF"):
        best = morph.parses(fold(toks[j].text))[0]
        if toks[j].pos == "NOUN" and best.tag.case == "nomn":
            k = j
            while k > 0 and toks[k - 1].start >= sent_start and toks[k - 1].pos == "ADJF":
                k -= 1
            if k > 0 and toks[k - 1].pos == "PREP":
                return None
            return Candidate(start=toks[k].start, end=toks[end].end, text=ix.text[toks[k].start:toks[end].end],
                             type="PER" if "anim" in best.tag else "ORG", mention=None)
        cases = morph.cases_of(fold(toks[j].text))
        if cases and "gent" not in cases:
            return None
        j -= 1
    return None


def _po_slovam(ix: DocIndex, sent, sent_end: int, protected) -> list[_Draft]:
    """По словам X, … / …, по его словам, … / …, по словам X."""
    text = ix.text
    out = []
    for m in _PO_SLOVAM.finditer(text, sent.start, sent_end):
        if _inside(m.start(), protected):
            continue
        comma = text.find(",", m.end(), sent_end)
        np_end = comma if comma != -1 else sent_end
        if m.group(1):
            speaker = next((c for c in ix.candidates_in(m.start(1), m.end(1))), None)
        else:
            first_word = re.search(r"\w", text[m.end():np_end])
            first_at = m.end() + first_word.start() if first_word else np_end
            cands = [c for c in ix.candidates_in(m.end(), np_end) if c.type in ("PER", "ORG")]
            persons = [c for c in cands if c.type == "PER"]
            speaker = next((c for c in cands if c.start == first_at), None) or (persons[0] if persons else None)
            if speaker is None and text[m.end():np_end].strip():
                # 'по словам представителя Пентагона': the phrase, not the organisation in it
                s, e = _strip_inner(text, m.end(), np_end)
                speaker = Candidate(start=s, end=e, text=text[s:e], type="PER", mention=None)
        # skip a relative clause about the speaker: 'По словам X, которого цитирует CNN, …'
        while comma != -1 and re.match(r"\s*котор", text[comma + 1:sent_end]):
            comma = text.find(",", comma + 1, sent_end)
        before = text[sent.start:m.start()].strip(" \t\u00a0,—–-")
        if not before or re.fullmatch(r"(?i)(а|и|но|однако|при этом|также)", before):
            if comma == -1:
                continue
            s, e = comma + 1, sent_end
        elif text[m.start() - 2:m.start()].strip() == "," and comma == -1:
            s, e = sent.start, _trim_end(text, sent.start, m.start())
        else:
            s, e = sent.start, sent_end
        s, e = _strip_inner(text, s, e)
        if e > s and _word_count(text[s:e]) >= 2:
            out.append(_Draft(s, e, "indirect", "по словам", speaker, anchor=m.start()))
    return out


_KAK = re.compile(r"(?i)(?<!\w)как\s+")


def _kak_zayavil(ix: DocIndex, sent, sent_end: int) -> list[_Draft]:
    """Как заявил X, … (at the start of a sentence)."""
    text = ix.text
    m = _KAK.match(text, sent.start)
    if not m:
        return []
    comma = text.find(",", m.end(), sent_end)
    if comma == -1:
        return []
    found = _verb_in(ix, m.end(), comma, 2, speech_only=False)
    if not found:
        return []
    i, (cue, _, last) = found
    speaker = (subject_after(ix, ix.tokens[last].end, comma, ()) or impersonal_place(ix, i, last, sent.start)
               or noun_after(ix, last, comma))
    if speaker is None or _is_publication(ix, speaker):
        return []       # 'Как сообщает «Газета.ру», …' is an attribution
    s, e = _strip_inner(text, comma + 1, sent_end)
    return [_Draft(s, e, "indirect", cue, speaker, anchor=m.start())] if e > s else []


def _trailing_author(ix: DocIndex, protected) -> list[_Draft]:
    """'Москва готова к диалогу, заявил Песков.': the clause before a closing speaker clause."""
    text, toks = ix.text, ix.tokens
    out = []
    for sent in ix.sentences:
        sent_end = _trim_end(text, sent.start, sent.end)
        rng = ix.token_range(sent.start, sent.end)
        commas = [i for i in rng if toks[i].text == "," and not _inside(toks[i].start, protected)]
        for ci in commas:
            j = ci + 1
            while j < rng.stop and toks[j].text in _DASH:
                j += 1
            found = _verb_in(ix, toks[j].start if j < rng.stop else sent_end, sent_end, 1)
            if not found:
                continue
            i, (cue, _, last) = found
            if not ix.is_finite(toks[i]) or any(fold(toks[k].text) in ix.lex.complementizers
                                                for k in range(last + 1, rng.stop)):
                continue
            clause = _AUTHOR_END.search(text, toks[last].end)
            clause_end = min(sent_end, clause.start() if clause else sent_end)
            speaker = subject_after(ix, toks[last].end, clause_end, protected)
            if speaker is None:
                speaker = impersonal_place(ix, i, last, sent.start) or noun_after(ix, last, clause_end)
            elif speaker.type != "PER" and not _past_tense(toks[i]):
                speaker = None
            if speaker is None or _is_publication(ix, speaker):
                continue
            s, e = _strip_inner(text, sent.start, toks[ci].start)
            if _word_count(text[s:e]) >= 3 and not _overlaps(s, e, protected):
                out.append(_Draft(s, e, "indirect", cue, speaker, anchor=toks[i].start))
            break
    return out


def _past_tense(t: Token) -> bool:
    return not _verb_shape(fold(t.text))[2]


def _is_publication(ix: DocIndex, cand: Candidate) -> bool:
    """Agencies and media cited with 'передает', 'пишет' are attributions, not speakers."""
    from parallax.nlp.attribution import classify_source
    return classify_source(cand.text) in ("agency", "media", "social")


def _anaphoric_indirect(ix: DocIndex) -> list[_Draft]:
    """'Москва готова к диалогу. Об этом заявил Песков.': the previous sentence is the reported clause."""
    text = ix.text
    out = []
    for k in range(1, len(ix.sentences)):
        sent, prev = ix.sentences[k], ix.sentences[k - 1]
        if prev.paragraph != sent.paragraph:
            continue
        found = _anaphoric_author(ix, sent.start)
        if not found:
            continue
        cue, speaker = found
        if speaker is None or _is_publication(ix, speaker):
            continue
        s, e = _strip_inner(text, prev.start, _trim_end(text, prev.start, prev.end))
        if _word_count(text[s:e]) >= 3:
            out.append(_Draft(s, e, "indirect", cue, speaker, anchor=sent.start))
    return out


# ---- assembly ---------------------------------------------------------------------------------------------

_last_index: list = [None, None]      # (weak reference to a document, its DocIndex)


def doc_index(doc: AnalyzedArticle) -> DocIndex:
    """The DocIndex of `doc`, shared by the quote and attribution stages that run one after the other."""
    ref, ix = _last_index
    if ref is not None and ref() is doc and ix.tokens is doc.tokens and ix.mentions is doc.mentions \
            and len(ix.tokens) == len(doc.tokens) and len(ix.mentions) == len(doc.mentions):
        return ix
    ix = DocIndex(doc)
    _last_index[:] = [weakref.ref(doc), ix]
    return ix


def extract_quotes(doc: AnalyzedArticle) -> list[Quote]:
    """Direct and indirect quotes of an article, in text order, each with its speaker when found."""
    if not doc.text:
        return []
    ix = doc_index(doc)
    marks = find_quote_spans(doc.text)
    direct = _direct_quotes(ix, marks)
    direct = _dedupe(direct)
    indirect = _indirect_quotes(ix, direct, marks)
    drafts = sorted(direct + indirect, key=lambda d: d.start)
    direct_spans = [(a, b + 1) for a, b in marks] + [(d.start, d.end) for d in direct]
    done: list[_Draft] = []
    for d in drafts:
        d.quote = _to_quote(ix, d, done, direct_spans)
        done.append(d)
    return [d.quote for d in done]


def _dedupe(drafts: list[_Draft]) -> list[_Draft]:
    out: list[_Draft] = []
    for d in sorted(drafts, key=lambda d: (d.start, -(d.end - d.start))):
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out


def _to_quote(ix: DocIndex, d: _Draft, previous: list[_Draft], direct_spans) -> Quote:
    text = ix.text
    q = Quote(start=d.start, end=d.end, text=text[d.start:d.end], kind=d.kind,
              sentence=ix.sentence_index(d.start), cue=d.cue)
    sp = d.speaker
    if sp is not None:
        q.speaker_text, q.speaker_start, q.speaker_end = sp.text, sp.start, sp.end
        if sp.pronoun is not None:
            anchor = min(d.anchor, sp.start, d.start)
            q.speaker_mention = resolve_pronoun(ix, sp.pronoun, anchor, previous, direct_spans)
        else:
            q.speaker_mention = sp.mention
        if q.speaker_mention is not None:
            q.speaker_entity = ix.mentions[q.speaker_mention].entity
    return q
