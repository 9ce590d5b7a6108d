"""Indirect speech: the reported clause of 'X заявил, что …', 'По словам X, …', 'Как отметил X, …',
'…, заявил X.' and '…. Об этом сообщил X.', each with its speaker. The span runs from after the
complementizer to the end of the clause (the sentence, cut before ', а также заявил …' or ', передает
ТАСС'); spans inside quotation marks or direct quotes are left alone."""
from __future__ import annotations

import re

from parallax.model import Token
from parallax.nlp.docindex import Candidate, DocIndex
from parallax.nlp.sources import classify_source
from parallax.nlp.spans import (
    DASH,
    QUOTE_CHARS,
    SENT_END,
    SpanIndex,
    SpanUnion,
    inside,
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
    subject_after,
    subject_before,
    verb_in,
)
from parallax.nlp.speech import verb_shape
from parallax.text import fold

_PO_SLOVAM = re.compile(r"(?<!\w)по\s+(?:(его|её|ее|их)\s+)?словам(?!\w)", re.IGNORECASE)


def _clause_end(ix: DocIndex, start: int, sent_end: int, participle: bool, protected) -> int:
    """End of a reported clause starting at `start`: the sentence end, or earlier before ', а также
    заявил', ', передает ТАСС', ', по данным …', or (for a participle clause) the next comma."""
    toks = ix.tokens
    end = sent_end
    for i in ix.token_range(start, sent_end):
        t = toks[i]
        if t.text != "," or inside(t.start, protected):
            continue
        if participle:
            return t.start
        j = i + 1
        while j < len(toks) and toks[j].text in DASH:
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
    while end > start and (text[end - 1].isspace() or text[end - 1] in SENT_END + ",;:" + DASH):
        end -= 1
    return end


def indirect_quotes(ix: DocIndex, taken: list[QuoteDraft], marks) -> list[QuoteDraft]:
    text, toks = ix.text, ix.tokens
    # indexed, not lists: every comma and speech verb of the text is tested against them
    protected = SpanIndex((a, b + 1) for a, b in marks)
    direct_spans = SpanIndex((d.start, d.end) for d in taken)
    out: list[QuoteDraft] = []
    used = SpanIndex()

    def free(s: int, e: int) -> bool:
        return not overlaps(s, e, used) and not overlaps(s, e, direct_spans)

    for sent in ix.sentences:
        rng = ix.token_range(sent.start, sent.end)
        sent_end = _trim_end(text, sent.start, sent.end)
        i = rng.start
        while i < rng.stop:
            t = toks[i]
            cue = ix.speech_cue(i)
            if not cue or inside(t.start, protected) or inside(t.start, direct_spans):
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
            d = QuoteDraft(start, end, "indirect", lemma, speaker, anchor=t.start)
            out.append(d)
            used.add(start, end)
            i = comp + 1
        for d in _po_slovam(ix, sent, sent_end, protected) + _kak_zayavil(ix, sent, sent_end):
            if free(d.start, d.end):
                out.append(d)
                used.add(d.start, d.end)
    for d in _trailing_author(ix, protected) + _anaphoric_indirect(ix):
        if free(d.start, d.end):
            out.append(d)
            used.add(d.start, d.end)
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
        if t.text in ".;:!?" or t.text in QUOTE_CHARS or t.text in DASH:
            return None
        if ix.is_word(t):
            words += 1
            if words > 5 or (t.pos in ("VERB", "INFN") and w not in ("том",)):
                return None
    return None


def _indirect_speaker(ix: DocIndex, i: int, last: int, comp: int, sent_start: int, earlier: list[QuoteDraft],
                      protected) -> Candidate | None:
    toks = ix.tokens
    verb_start = toks[i].start
    prior = [d for d in earlier if d.start >= sent_start and d.end <= verb_start]
    exclude = SpanUnion(protected, [(d.start, d.end) for d in prior])
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


def _po_slovam(ix: DocIndex, sent, sent_end: int, protected) -> list[QuoteDraft]:
    """По словам X, … / …, по его словам, … / …, по словам X."""
    text = ix.text
    out = []
    for m in _PO_SLOVAM.finditer(text, sent.start, sent_end):
        if inside(m.start(), protected):
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
                s, e = strip_inner(text, m.end(), np_end)
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
        s, e = strip_inner(text, s, e)
        if e > s and word_count(text[s:e]) >= 2:
            out.append(QuoteDraft(s, e, "indirect", "по словам", speaker, anchor=m.start()))
    return out


_KAK = re.compile(r"(?i)(?<!\w)как\s+")


def _kak_zayavil(ix: DocIndex, sent, sent_end: int) -> list[QuoteDraft]:
    """Как заявил X, … (at the start of a sentence)."""
    text = ix.text
    m = _KAK.match(text, sent.start)
    if not m:
        return []
    comma = text.find(",", m.end(), sent_end)
    if comma == -1:
        return []
    found = verb_in(ix, m.end(), comma, 2, speech_only=False)
    if not found:
        return []
    i, (cue, _, last) = found
    speaker = (subject_after(ix, ix.tokens[last].end, comma, ()) or impersonal_place(ix, i, last, sent.start)
               or noun_after(ix, last, comma))
    if speaker is None or _is_publication(ix, speaker):
        return []       # 'Как сообщает «Газета.ру», …' is an attribution
    s, e = strip_inner(text, comma + 1, sent_end)
    return [QuoteDraft(s, e, "indirect", cue, speaker, anchor=m.start())] if e > s else []


def _trailing_author(ix: DocIndex, protected) -> list[QuoteDraft]:
    """'Москва готова к диалогу, заявил Песков.': the clause before a closing speaker clause."""
    text, toks = ix.text, ix.tokens
    out = []
    for sent in ix.sentences:
        sent_end = _trim_end(text, sent.start, sent.end)
        rng = ix.token_range(sent.start, sent.end)
        commas = [i for i in rng if toks[i].text == "," and not inside(toks[i].start, protected)]
        for ci in commas:
            j = ci + 1
            while j < rng.stop and toks[j].text in DASH:
                j += 1
            found = verb_in(ix, toks[j].start if j < rng.stop else sent_end, sent_end, 1)
            if not found:
                continue
            i, (cue, _, last) = found
            if not ix.is_finite(toks[i]) or any(fold(toks[k].text) in ix.lex.complementizers
                                                for k in range(last + 1, rng.stop)):
                continue
            clause = AUTHOR_END.search(text, toks[last].end)
            clause_end = min(sent_end, clause.start() if clause else sent_end)
            speaker = subject_after(ix, toks[last].end, clause_end, protected)
            if speaker is None:
                speaker = impersonal_place(ix, i, last, sent.start) or noun_after(ix, last, clause_end)
            elif speaker.type != "PER" and not _past_tense(toks[i]):
                speaker = None
            if speaker is None or _is_publication(ix, speaker):
                continue
            s, e = strip_inner(text, sent.start, toks[ci].start)
            if word_count(text[s:e]) >= 3 and not overlaps(s, e, protected):
                out.append(QuoteDraft(s, e, "indirect", cue, speaker, anchor=toks[i].start))
            break
    return out


def _past_tense(t: Token) -> bool:
    return not verb_shape(fold(t.text))[2]


def _is_publication(ix: DocIndex, cand: Candidate) -> bool:
    """Agencies and media cited with 'передает', 'пишет' are attributions, not speakers."""
    return classify_source(cand.text) in ("agency", "media", "social")


def _anaphoric_indirect(ix: DocIndex) -> list[QuoteDraft]:
    """'Москва готова к диалогу. Об этом заявил Песков.': the previous sentence is the reported clause."""
    text = ix.text
    out = []
    for k in range(1, len(ix.sentences)):
        sent, prev = ix.sentences[k], ix.sentences[k - 1]
        if prev.paragraph != sent.paragraph:
            continue
        found = anaphoric_author(ix, sent.start)
        if not found:
            continue
        cue, speaker = found
        if speaker is None or _is_publication(ix, speaker):
            continue
        s, e = strip_inner(text, prev.start, _trim_end(text, prev.start, prev.end))
        if word_count(text[s:e]) >= 3:
            out.append(QuoteDraft(s, e, "indirect", cue, speaker, anchor=sent.start))
    return out
