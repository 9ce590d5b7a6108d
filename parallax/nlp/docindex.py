"""The per-article index that quote and attribution extraction share: offsets to tokens and sentences,
the speech cue at each token, and the speaker candidates (mentions and personal pronouns), built once per
article (`doc_index`) and used by both stages, which run one after the other."""
from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass

from parallax.model import AnalyzedArticle, Mention, Token
from parallax.nlp import morph
from parallax.nlp.entities import NAME_GRAMMEMES
from parallax.nlp.speech import can_be_nominative, likely_nominative, speech_lexicon, verb_lemmas, verb_shape
from parallax.text import fold

_NOMINATIVE_PRONOUNS = frozenset({"он", "она", "они", "he", "she", "they"})


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

    def forget_person_spans(self) -> None:
        self._person_spans: tuple[list[int], list[int]] | None = None

    def has_person_within(self, start: int, end: int) -> bool:
        """Whether a PER mention lies inside [start, end) (a bisection instead of a scan of every mention)."""
        if getattr(self, "_person_spans", None) is None:
            spans = sorted((m.start, m.end) for m in self.mentions if m.type == "PER")
            self._person_spans = ([s for s, _ in spans], [e for _, e in spans])
        starts, ends = self._person_spans
        k = bisect.bisect_left(starts, start)
        while k < len(starts) and starts[k] <= end:
            if ends[k] <= end:
                return True
            k += 1
        return False

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
        return verb_shape(fold(t.text))[0] or t.pos == "LATN"

    def is_plural_verb(self, t: Token) -> bool:
        return verb_shape(fold(t.text))[1]

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
