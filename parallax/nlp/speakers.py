"""Finding the speaker of a quote: the subject of the speech verb before or after it, picked among the
speaker candidates by type and case, an impersonal place ('В Кремле заявили'), a common-noun subject
('Эксперты полагают', 'сообщила пресс-служба вуза'), the addressee to skip ('сказал ТАСС'), the speaker
clause of an anaphoric sentence ('Об этом заявил Песков') and the antecedent of a speaker pronoun.
Direct quotes (quotes.py) and indirect speech (indirect_speech.py) both use these."""
from __future__ import annotations

import re
from dataclasses import dataclass

from parallax.model import Mention, Quote
from parallax.nlp import morph
from parallax.nlp.docindex import Candidate, DocIndex
from parallax.nlp.nounphrase import institution_after_preposition
from parallax.nlp.spans import overlaps
from parallax.nlp.speech import mention_gender
from parallax.text import fold

# Where a speaker clause ends: sentence punctuation, a spaced dash or a colon.
AUTHOR_END = re.compile(r"[.!?…\n]|\s[—–]\s|:")


@dataclass
class QuoteDraft:
    """A quote being assembled: its span, kind, cue and speaker candidate. `quote` is set once it is
    finished, so that a later pronoun speaker can resolve to the speaker of an earlier quote."""
    start: int
    end: int
    kind: str
    cue: str | None
    speaker: Candidate | None
    anchor: int                    # where a pronoun speaker's antecedent search starts
    quote: Quote | None = None


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
    cands = [c for c in ix.candidates_in(lo, verb_start) if not overlaps(c.start, c.end, exclude)]
    return _pick(cands, nearest_last=True)


def subject_after(ix: DocIndex, verb_end: int, hi: int, exclude) -> Candidate | None:
    cands = [c for c in ix.candidates_in(verb_end, hi) if not overlaps(c.start, c.end, exclude)]
    return _pick(cands, nearest_last=False)


def impersonal_place(ix: DocIndex, first: int, last: int, lo: int) -> Candidate | None:
    """'В Кремле заявили', 'заявили в Минобороны', 'в военном ведомстве сообщили': the place an
    impersonal plural verb speaks from."""
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


def resolve_pronoun(ix: DocIndex, gender: str | None, anchor: int, previous: list[QuoteDraft],
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
                   and not overlaps(c.start, c.end, exclude) and fits(ix.mentions[c.mention])]
        for c in persons:
            if c.nominative:
                return c.mention
        if persons and fallback is None:
            fallback = persons[-1].mention
    return fallback


def _speaker_mention_index(d: QuoteDraft) -> int | None:
    if d.quote is not None and d.quote.speaker_mention is not None:
        return d.quote.speaker_mention
    return d.speaker.mention if d.speaker is not None and d.speaker.pronoun is None else None


def verb_in(ix: DocIndex, start: int, end: int, max_words: int, speech_only: bool = True):
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


def anaphoric_author(ix: DocIndex, start: int):
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
            found = verb_in(ix, window[-1].end, end, 3)
            if not found:
                continue
            i, (cue, _, last) = found
            speaker = (subject_after(ix, toks[last].end, end, ()) or subject_before(ix, toks[i].start, start, ())
                       or impersonal_place(ix, i, last, start))
            return cue, speaker
    return None


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
