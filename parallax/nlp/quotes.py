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

Modules: spans.py (quotation marks), speech.py (the lexicon), docindex.py (the per-article index),
speakers.py (speaker search), indirect_speech.py (reported clauses); this one holds the direct-quote
patterns and puts the two kinds together.
"""
from __future__ import annotations

import functools
import re

from parallax.model import AnalyzedArticle, Quote
from parallax.nlp import attribution_en
from parallax.nlp.docindex import Candidate, DocIndex, doc_index
from parallax.nlp.indirect_speech import indirect_quotes
from parallax.nlp.spans import (
    DASH,
    QUOTE_CHARS,
    SENT_END,
    SpanIndex,
    find_quote_spans,
    overlaps,
    strip_inner,
    word_count,
)
from parallax.nlp.speakers import (
    AUTHOR_END,
    QuoteDraft,
    anaphoric_author,
    impersonal_place,
    noun_after,
    noun_subject,
    resolve_pronoun,
    subject_after,
    subject_before,
    verb_in,
)
from parallax.nlp.speech import mention_gender, rules_for, rules_language, speech_lexicon, verb_lemmas
from parallax.resources import load_yaml
from parallax.text import fold

# The public API of quote extraction; the lexicon helpers are re-exported for callers that test words.
__all__ = ["extract_quotes", "find_quote_spans", "mention_gender", "speech_lexicon", "verb_lemmas"]

_DASH_RE = r"[—–−‒-]{1,2}"
_CLAUSE_BREAK_WORDS = frozenset({"что", "чтобы", "как", "ли", "будто", "который", "которая", "которое",
                                 "которые", "если", "когда", "где", "that"})
# A quoted object fragment counts only this close to its verb ('назвал помощь России «братским долгом»').
_MAX_OBJECT_GAP_WORDS = 6
# Speaker clauses after a quote: the speech verb must come within this many words ('— в свою очередь
# заявил он').
_MAX_WORDS_BEFORE_VERB = 4
# English puts the speaker's titles and name before the verb: '"…," Lt. Col. Alexander Vindman said'.
_MAX_WORDS_BEFORE_VERB_EN = 6


# ---- direct quotes -------------------------------------------------------------------------------------

_AFTER_QUOTE = re.compile(r"[^\S\n]*([,.!?…]*)[^\S\n]*(" + _DASH_RE + r")?[^\S\n]*")
_INTERRUPTION = re.compile(r"([,.!?…]+)\s+[—–]\s+([^«»\"„“”—–\n]{2,120}?)([.,:])\s+[—–]\s+")
_DIALOGUE = re.compile(r"^[^\S\n]*[—–-][^\S\n]+(?P<q>[^\n]+?)(?P<p>[,!?…]+)[^\S\n]+[—–-][^\S\n]+(?P<a>[^\n]+)$",
                       re.MULTILINE)


@functools.lru_cache(maxsize=1)
def _english_abbreviation() -> re.Pattern:
    words = load_yaml("nlp/data/speech_verbs_en.yaml")["abbreviations"]
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, words)) + r"|[A-Z]|[A-Z](?:\.[A-Z])+)$")


def _author_end(text: str, start: int):
    """Where a speaker clause starting at `start` ends (AUTHOR_END); in English not at an abbreviation's
    dot ('Lt. Col. Alexander Vindman said')."""
    m = AUTHOR_END.search(text, start)
    if rules_language() == "en":
        while m is not None and m.group() == "." and _english_abbreviation().search(text, max(0, m.start() - 8),
                                                                                     m.start()):
            m = AUTHOR_END.search(text, m.end())
    return m


def _author_clause(ix: DocIndex, start: int, hard_end: int | None = None):
    """A speaker clause such as 'сказал Путин лидеру КНДР' starting at `start`: (cue, speaker, end of
    the clause) or None."""
    text = ix.text
    m = _author_end(text, start)
    end = m.start() if m else len(text)
    if hard_end is not None:
        end = min(end, hard_end)
    found = verb_in(ix, start, end, _MAX_WORDS_BEFORE_VERB_EN if rules_language() == "en" else _MAX_WORDS_BEFORE_VERB)
    if not found:
        return None
    i, (cue, _, last) = found
    t = ix.tokens[i]
    if rules_language() == "en":
        return cue, _english_author(ix, i, last, start, end), end
    speaker = (subject_after(ix, ix.tokens[last].end, end, ()) or subject_before(ix, t.start, start, ())
               or impersonal_place(ix, i, last, start))
    if speaker is None and m is not None and m.group().strip() in ("—", "–") and hard_end is None \
            and text[:m.start()].rstrip()[-1:] not in ".,:":
        # '— заявил один из организаторов — президент общества Иван Петров.': the apposition names him
        m2 = AUTHOR_END.search(text, m.end())
        end2 = m2.start() if m2 else len(text)
        speaker = subject_after(ix, m.end(), end2, ())
    if speaker is None:
        speaker = noun_after(ix, last, end)
    return cue, speaker, end


def _english_author(ix: DocIndex, i: int, last: int, start: int, end: int):
    """English puts the subject before the verb ('"…," Putin told Reuters': not Reuters), or after it
    when the verb comes first ('"…," said Merkel'); else a common-noun subject ('a Pentagon spokesman')."""
    speaker = subject_before(ix, ix.tokens[i].start, start, ()) or subject_after(ix, ix.tokens[last].end, end, ())
    if speaker is None and (span := attribution_en.noun_subject(ix.text, ix.tokens[i].start, start)):
        kind = attribution_en.classify(ix.text[span[0]:span[1]])
        speaker = Candidate(start=span[0], end=span[1], text=ix.text[span[0]:span[1]],
                            type="PER" if kind in (None, "anonymous") else "ORG", mention=None)
    return speaker


def _direct_quotes(ix: DocIndex, marks: list[tuple[int, int]]) -> list[QuoteDraft]:
    text = ix.text
    out: list[QuoteDraft] = []
    marked = SpanIndex((a, b + 1) for a, b in marks)     # built once: a long text has thousands of marks
    for o, c in marks:
        inner_start, inner_end = strip_inner(text, o + 1, c)
        if inner_end <= inner_start or not re.search(r"\w", text[inner_start:inner_end]):
            continue
        drafts = (_interrupted(ix, o, c) or _quote_then_author(ix, o, c, inner_start, inner_end)
                  or _author_then_quote(ix, o, inner_start, inner_end)
                  or _object_fragment(ix, o, inner_start, inner_end, marked)
                  or _claimed_by_next_sentence(ix, o, c, inner_start, inner_end))
        if drafts:
            out.extend(drafts)
    out.extend(_dialogue_quotes(ix, marked))
    return out


def _quote_then_author(ix: DocIndex, o: int, c: int, s: int, e: int) -> list[QuoteDraft] | None:
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
    return [QuoteDraft(s, e, "direct", cue, speaker, anchor=o)]


def _opens_clause(ix: DocIndex, o: int) -> bool:
    """Whether the quote at `o` starts its sentence, or follows a colon, a dash or an earlier quote."""
    sent_start, _ = ix.sentence_bounds(o)
    before = ix.text[sent_start:o].rstrip()
    return not before or before[-1] in ":" + DASH + SENT_END + "»”\""


def _starts_with_verb(ix: DocIndex, start: int) -> bool:
    i = ix.token_at_or_after(start)
    return i < len(ix.tokens) and ix.speech_cue(i) is not None


def _english_verb_next(ix: DocIndex, start: int) -> bool:
    # '"…," a Pentagon spokesman told AFP' in an English article; an English verb in another language's text
    # must come within three words
    english = rules_language() == "en"
    found = verb_in(ix, start, start + (80 if english else 60), _MAX_WORDS_BEFORE_VERB_EN if english else 3)
    return bool(found) and ix.tokens[found[0]].pos == "LATN"


def _author_then_quote(ix: DocIndex, o: int, s: int, e: int) -> list[QuoteDraft] | None:
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
        return [QuoteDraft(s, e, "direct", cue, speaker, anchor=o)]
    lead = ix.candidates_in(lo, k)
    if lead and lead[-1].nominative and not text[lead[-1].end:k].strip():
        return [QuoteDraft(s, e, "direct", None, lead[-1], anchor=o)]
    if lead and lead[0].nominative and word_count(text[lo:k]) <= 4 and not text[lo:lead[0].start].strip():
        return [QuoteDraft(s, e, "direct", None, lead[0], anchor=o)]
    return None


def _last_break(text: str, lo: int, hi: int) -> int:
    """Start of the clause ending at `hi`: after the last closing quote mark or dash before it."""
    best = lo
    for m in re.finditer(r"[»”\"]|\s[—–]\s", text[lo:hi]):
        best = lo + m.end()
    return best


def _object_fragment(ix: DocIndex, o: int, s: int, e: int, marked: SpanIndex) -> list[QuoteDraft] | None:
    """назвал помощь «братским долгом»: a quoted fragment of two words or more that is the object of a
    speech verb in the same clause."""
    if word_count(ix.text[s:e]) < 2 or not ix.text[s].islower():
        return None     # capitalized: a title or a name ('пишет газета «Новые известия»')
    sent_start, _ = ix.sentence_bounds(o)
    words = 0
    for i in reversed(ix.token_range(sent_start, o)):
        t = ix.tokens[i]
        if not ix.is_word(t):
            if t.text in ",;:.!?()—–-" or t.text in QUOTE_CHARS:
                return None
            continue
        if fold(t.text) in _CLAUSE_BREAK_WORDS:
            return None
        cue = ix.speech_cue(i)
        if cue and cue[1] == "speech":
            verb_start = t.start
            exclude = marked
            _, sent_end = ix.sentence_bounds(o)
            speaker = (subject_before(ix, verb_start, sent_start, exclude)
                       or impersonal_place(ix, i, cue[2], sent_start))
            if speaker is None and t.pos == "GRND":
                # 'Назвав закон «ошибкой», министр подчеркнул …': the gerund's subject is the clause's
                speaker = subject_after(ix, e, sent_end, exclude)
                main = next((k for k in ix.token_range(e, sent_end) if ix.tokens[k].pos == "VERB"), None)
                if speaker is None and main is not None:
                    speaker = noun_subject(ix, main, e + 1)
            return [QuoteDraft(s, e, "direct", cue[0], speaker, anchor=o)]
        words += 1
        if words >= _MAX_OBJECT_GAP_WORDS:
            return None
    return None


def _claimed_by_next_sentence(ix: DocIndex, o: int, c: int, s: int, e: int) -> list[QuoteDraft] | None:
    """«…». Об этом заявил Путин.   A quote that is a whole sentence, claimed by an anaphoric next one."""
    text = ix.text
    sent_start, _ = ix.sentence_bounds(o)
    if text[sent_start:o].strip(" \t\u00a0" + DASH):
        return None
    tail = re.match(r"[^\S\n]*([.!?…]*)[^\S\n]*", text[c + 1:])
    nxt_start = c + 1 + tail.end()
    if nxt_start >= len(text) or not text[nxt_start].isupper():
        return None
    if not tail.group(1) and text[e - 1] not in SENT_END:
        return None     # the quote does not end its sentence
    found = anaphoric_author(ix, nxt_start)
    if not found:
        return None
    cue, speaker = found
    return [QuoteDraft(s, e, "direct", cue, speaker, anchor=o)]


def _interrupted(ix: DocIndex, o: int, c: int) -> list[QuoteDraft] | None:
    """«Мы готовы, — сказал Путин, — но не сейчас»: two spans around the author's clause."""
    text = ix.text
    for m in _INTERRUPTION.finditer(text, o + 1, c):
        found = _author_clause(ix, m.start(2), hard_end=m.end(2))
        if not found:
            continue
        cue, speaker, _ = found
        a = strip_inner(text, o + 1, m.start(1) + (1 if m.group(1)[0] in "!?…" else 0))
        b = strip_inner(text, m.end(), c)
        out = []
        for s, e in (a, b):
            if e > s and re.search(r"\w", text[s:e]):
                out.append(QuoteDraft(s, e, "direct", cue, speaker, anchor=o))
        return out or None
    return None


def _dialogue_quotes(ix: DocIndex, marked: SpanIndex) -> list[QuoteDraft]:
    """— Мы готовы, — сказал он. — Но не сейчас.   Dialogue lines without quotation marks."""
    text = ix.text
    out = []
    for m in _DIALOGUE.finditer(text):
        if overlaps(m.start(), m.end(), marked):
            continue
        found = _author_clause(ix, m.start("a"))
        if not found:
            continue
        cue, speaker, author_end = found
        s, e = strip_inner(text, m.start("q"), m.end("q"))
        if m.group("p")[0] in "!?…":
            e = m.end("p")
        out.append(QuoteDraft(s, e, "direct", cue, speaker, anchor=m.start("q")))
        rest = re.match(r"[^\S\n]*[.,:]?[^\S\n]*[—–-][^\S\n]+(\S[^\n]*)", text[author_end:m.end("a")])
        closed = (text[:author_end].rstrip()[-1:] in ".,:") or text[author_end:author_end + 1] in ".,:"
        if rest and closed:
            s2, e2 = strip_inner(text, author_end + rest.start(1), m.end("a"))
            if text[e2 - 1] == ".":
                e2 -= 1
            out.append(QuoteDraft(s2, e2, "direct", cue, speaker, anchor=m.start("q")))
    return out


# ---- assembly ------------------------------------------------------------------------------------------

def extract_quotes(doc: AnalyzedArticle) -> list[Quote]:
    """Direct and indirect quotes of an article, in text order, each with its speaker when found; with
    the speech verbs and dictionaries of the article's language (speech.rules_for)."""
    if not doc.text:
        return []
    with rules_for(doc.language):
        return _extract_quotes(doc)


def _extract_quotes(doc: AnalyzedArticle) -> list[Quote]:
    ix = doc_index(doc)
    marks = find_quote_spans(doc.text)
    direct = _direct_quotes(ix, marks)
    direct = _dedupe(direct)
    indirect = indirect_quotes(ix, direct, marks)
    drafts = sorted(direct + indirect, key=lambda d: d.start)
    direct_spans = SpanIndex([(a, b + 1) for a, b in marks] + [(d.start, d.end) for d in direct])
    done: list[QuoteDraft] = []
    for d in drafts:
        d.quote = _to_quote(ix, d, done, direct_spans)
        done.append(d)
    return [d.quote for d in done]


def _dedupe(drafts: list[QuoteDraft]) -> list[QuoteDraft]:
    out: list[QuoteDraft] = []
    for d in sorted(drafts, key=lambda d: (d.start, -(d.end - d.start))):
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out


def _to_quote(ix: DocIndex, d: QuoteDraft, previous: list[QuoteDraft], direct_spans) -> Quote:
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
