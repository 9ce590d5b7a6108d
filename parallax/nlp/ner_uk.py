"""Ukrainian NER: a CRF (CRFsuite) over the project's own tokens, trained inside the project.

No Ukrainian NER model ships in a PyPI package, and slovnet's Russian model misses many Ukrainian
names (benchmarks/NER_UK.md). `benchmarks/train_ner_uk.py` trains this one on NER-UK 2.0 (lang-uk,
CC BY-NC-SA 4.0: see parallax/nlp/models/LICENSE-ner-uk.md) and writes `models/ner_uk.crfsuite`.

Features of a token (no gazetteer): its lower-case form, suffixes, prefix, word shape, pymorphy3's
Ukrainian analysis (lemma, POS, case, and the name grammemes Name/Surn/Patr/Geox/Orgn/Abbr over all
parses), the Russian dictionary's name grammemes, article-level capitalisation, and the same for its
neighbours. Labels are BIO over PER/LOC/ORG. The features of a word form are memoized: news vocabulary
is Zipfian.

    tag_document(text, sentences, tokens) -> [(start, end, type), ...]    # character offsets into text
    add_latin_names(text, spans, russian_spans)    # + slovnet's Latin-script names ('Pfizer'), optional
"""
from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

from parallax.model import Sentence, Token
from parallax.nlp import morph
from parallax.nlp.segment import split_sentences, split_tokens

MODEL_PATH = Path(__file__).resolve().parent / "models" / "ner_uk.crfsuite"
TYPES = ("PER", "LOC", "ORG")
NAME_GRAMMEMES = ("Name", "Surn", "Patr", "Geox", "Orgn", "Abbr")
_WINDOW = (-2, -1, 1, 2)
_lock = threading.Lock()
_tag_lock = threading.Lock()


def available() -> bool:
    """Whether the model file ships (it is CC BY-NC-SA: a redistribution may leave it out)."""
    return MODEL_PATH.exists()


# ---- models -----------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def uk_morph():
    """pymorphy3 with the Ukrainian dictionaries (package pymorphy3-dicts-uk)."""
    import pymorphy3  # lazy: 0.1 s to import; only Ukrainian NER needs the Ukrainian dictionaries
    return pymorphy3.MorphAnalyzer(lang="uk")


@functools.lru_cache(maxsize=1)
def crf_tagger():
    import pycrfsuite  # lazy: only Ukrainian articles need the CRF
    with _lock:
        tagger = pycrfsuite.Tagger()
        tagger.open(str(MODEL_PATH))
    return tagger


# ---- features ---------------------------------------------------------------------------------------

_SHAPE_RUNS = re.compile(r"(.)\1+")


def shape(word: str) -> str:
    """'Зеленський' -> 'Xx', 'НАТО' -> 'X', 'COVID-19' -> 'X-d', '«' -> '«'."""
    out = []
    for ch in word:
        if ch.isupper():
            out.append("X")
        elif ch.isalpha():
            out.append("x")
        elif ch.isdigit():
            out.append("d")
        else:
            out.append(ch)
    return _SHAPE_RUNS.sub(r"\1", "".join(out))[:6]


def _script(word: str) -> str:
    if re.search(r"[A-Za-z]", word):
        return "lat"
    if re.search(r"[А-Яа-яІіЇїЄєҐґЁё]", word):
        return "cyr"
    return "other"


@functools.lru_cache(maxsize=200_000)
def word_features(word: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(features of the word itself, the smaller set its neighbours see, its Ukrainian lemma or '')."""
    low = word.lower().replace("’", "'")
    sh = shape(word)
    own = [f"w={low}", f"sh={sh}", f"s2={low[-2:]}", f"s3={low[-3:]}", f"s4={low[-4:]}", f"p3={low[:3]}",
           f"sc={_script(word)}"]
    near = [f"w={low}", f"sh={sh}", f"s3={low[-3:]}"]
    lemma = ""
    if word[:1].isupper():
        own.append("title")
        near.append("title")
    if word.isupper() and len(word) > 1:
        own.append("upper")
    if any(ch.isalpha() for ch in word) and _script(word) == "cyr":
        parses = uk_morph().parse(low)
        best = parses[0]
        pos = str(best.tag.POS or "none")
        lemma = best.normal_form
        own += [f"l={lemma}", f"pos={pos}", f"case={best.tag.case or 'none'}"]
        near += [f"pos={pos}", f"case={best.tag.case or 'none'}"]
        grammemes = set()
        for p in parses:
            grammemes |= set(p.tag.grammemes) & set(NAME_GRAMMEMES)
        for g in sorted(grammemes):
            own.append(f"g={g}")
            near.append(f"g={g}")
        if not uk_morph().word_is_known(low):
            own.append("oov")
            near.append("oov")
        # the Russian dictionary marks place names (Geox) and organisations, which the Ukrainian one
        # mostly does not; many Ukrainian forms of foreign names are also Russian forms ('Лондон')
        for g in sorted(_russian_grammemes(low)):
            own.append(f"rg={g}")
            near.append(f"rg={g}")
    return tuple(own), tuple(near), lemma


_UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "'": ""})


def _russian_grammemes(low: str) -> set[str]:
    """Name grammemes of the Russian dictionary readings of a word, or of its letter-by-letter Russian
    spelling ('британії' -> 'британии')."""
    out = set()
    for form in {low, low.translate(_UK_TO_RU)}:
        out |= {g for p in morph.parses(form) if morph.is_dictionary_parse(p)
                for g in p.tag.grammemes if g in NAME_GRAMMEMES}
    return out


def document_stats(sentences: list[list[str]]) -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case forms seen capitalised inside a sentence, and forms seen in lower case: a capitalised
    sentence-initial word is a name if the article also capitalises it mid-sentence."""
    mid_cap, lower = set(), set()
    for words in sentences:
        for i, w in enumerate(words):
            if w[:1].isupper() and i > 0 and words[i - 1] not in _OPENERS:
                mid_cap.add(w.lower())
            elif w[:1].islower():
                lower.add(w)
    return frozenset(mid_cap), frozenset(lower)


_OPENERS = frozenset({".", "!", "?", "…", "«", '"', "„", "“", "(", "—", "–", "-", ":"})


def sentence_features(words: list[str], stats=(frozenset(), frozenset())) -> list[list[str]]:
    """CRFsuite attribute lists for one sentence's tokens; `stats` is document_stats of its article."""
    feats = [word_features(w) for w in words]
    out = []
    n = len(words)
    mid_cap, lower = stats
    for i, (own, _, _) in enumerate(feats):
        row = ["bias", *own]
        if words[i][:1].isupper():
            low = words[i].lower()
            row.append(f"doc:midcap={low in mid_cap}")
            row.append(f"doc:lower={low in lower}")
        if i == 0:
            row.append("BOS")
        if i == n - 1:
            row.append("EOS")
        for d in _WINDOW:
            j = i + d
            if 0 <= j < n:
                row.extend(f"{d}:{f}" for f in feats[j][1])
            else:
                row.append(f"{d}:pad")
        for d in (-1, 1):
            if 0 <= i + d < n and feats[i + d][2]:
                row.append(f"{d}:l={feats[i + d][2]}")
        if i > 0:
            row.append(f"-1|0:{feats[i - 1][0][0][2:]}|{own[0][2:]}")
        if i < n - 1:
            row.append(f"0|1:{own[0][2:]}|{feats[i + 1][0][0][2:]}")
        out.append(row)
    return out


# ---- tagging ----------------------------------------------------------------------------------------

def bio_to_spans(labels: list[str]) -> list[tuple[int, int, str]]:
    """BIO labels -> (first token, last token + 1, type); an I- without its B- starts a span."""
    spans, start, typ = [], None, None
    for i, label in enumerate([*labels, "O"]):
        kind, _, t = label.partition("-")
        if start is not None and (kind != "I" or t != typ):
            spans.append((start, i, typ))
            start, typ = None, None
        if kind == "B" or (kind == "I" and start is None):
            start, typ = i, t
    return spans


_QUOTES = (("«", "»"), ("„", "“"), ('"', '"'))


def balance_quotes(words: list[str], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A name that opens a quote inside it takes the closing quote right after it too: NER-UK writes
    'ТОВ «Омокс»' (the CRF, tagging tokens, sometimes stops before the '»')."""
    out = []
    for a, b, typ in spans:
        inside = words[a:b]
        for opener, closer in _QUOTES:
            unclosed = inside.count(opener) % 2 if opener == closer else inside.count(opener) - inside.count(closer)
            if unclosed > 0 and b < len(words) and words[b] == closer:
                b += 1
                break
        out.append((a, b, typ))
    return out


def tag_words(words: list[str], stats=(frozenset(), frozenset())) -> list[str]:
    """BIO labels for one sentence's words (`stats`: document_stats of its article)."""
    if not words:
        return []
    xseq = sentence_features(words, stats)
    tagger = crf_tagger()
    with _tag_lock:                    # a CRFsuite Tagger keeps the sequence it tags: one caller at a time
        return tagger.tag(xseq)


def tag_document(text: str, sentences: list[Sentence], tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Entity spans (start, end, type) of a segmented Ukrainian text, character offsets into `text`,
    sorted; type is PER, LOC or ORG. `sentences`/`tokens` are the Analyzer's (segment.split_sentences,
    segment.split_tokens)."""
    by_sentence: list[list[Token]] = [[] for _ in sentences]
    for tok in tokens:
        if 0 <= tok.sentence < len(by_sentence):
            by_sentence[tok.sentence].append(tok)
    words = [[t.text for t in toks] for toks in by_sentence]
    stats = document_stats(words)
    out: list[tuple[int, int, str]] = []
    previous_end = -1
    for toks, ws in zip(by_sentence, words):
        labels = tag_words(ws, stats)
        spans = [(toks[a].start, toks[b - 1].end, typ) for a, b, typ in balance_quotes(ws, bio_to_spans(labels))]
        # razdel ends a Ukrainian sentence after abbreviations ('вул.', 'м.'); a sentence that opens with
        # I-X continues the X span that closed the previous one ('вул. | Богдана Хмельницького')
        if (spans and labels[0] == f"I-{spans[0][2]}" and out and out[-1][2] == spans[0][2]
                and out[-1][1] == previous_end):
            spans[0] = (out.pop()[0], spans[0][1], spans[0][2])
        out.extend(spans)
        previous_end = toks[-1].end if toks else -1
    return sorted(out)


_CYRILLIC_LETTER = re.compile(r"[А-Яа-яІіЇїЄєҐґЁё]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def add_latin_names(text: str, spans: list[tuple[int, int, str]],
                    russian_spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` plus the Russian model's names written in Latin letters ('Pfizer', 'Nord Stream 2 AG')
    where they overlap none of `spans`: NER-UK has few Latin-script names, slovnet's news data many."""
    out = list(spans)
    for s, e, typ in russian_spans:
        surface = text[s:e]
        if (_LATIN_LETTER.search(surface) and not _CYRILLIC_LETTER.search(surface)
                and not any(a < e and s < b for a, b, _ in spans)):
            out.append((s, e, typ))
    return sorted(out)


def tag_text(text: str) -> list[tuple[int, int, str]]:
    """Segment `text` the way the Analyzer does, then tag it."""
    sentences = split_sentences(text)
    return tag_document(text, sentences, split_tokens(text, sentences, "uk"))


# ---- normal forms -----------------------------------------------------------------------------------

_UK_WORD = re.compile(r"[А-Яа-яІіЇїЄєҐґ]+(?:['’ʼ][А-Яа-яІіЇїЄєҐґ]+)*")
_NAME_PARSE = frozenset({"Name", "Surn", "Patr"})


def normalize_mention(text: str, typ: str) -> str:
    """A Ukrainian name in the nominative, with pymorphy3's Ukrainian dictionaries (the Russian ones the
    Analyzer normalizes with leave `Києва`, `Генштабі ЗСУ` as they are): every word of a person's name
    (`Володимира Зеленського` -> `Володимир Зеленський`); a place's or organisation's adjectives and the noun
    they agree with (`Верховній Раді` -> `Верховна Рада`, `Білого дому` -> `Білий дім`), the words after it
    (`сил України`) left as they are. Abbreviations (ЗСУ) and unknown words stay as written."""
    matches = list(_UK_WORD.finditer(text))
    words = [m.group(0) for m in matches]
    parses = [[p for p in uk_morph().parse(w.replace("’", "'").replace("ʼ", "'")) if p.tag.POS in ("NOUN", "ADJF")]
              if not (w.isupper() and len(w) > 1) else [] for w in words]
    chosen = _person_parses(parses) if typ == "PER" else _phrase_parses(parses)
    out, last = [], 0
    for match, word, parse in zip(matches, words, chosen):
        out.append(text[last:match.start()])
        last = match.end()
        form = parse.inflect({"nomn"}) if parse is not None and "nomn" not in parse.tag else None
        out.append(morph.match_case(word, form.word.replace("'", "’") if "’" in word else form.word)
                   if form is not None else word)
    out.append(text[last:])
    return "".join(out)


def _person_parses(parses: list[list]) -> list:
    """Each word's name parse (given name, surname, patronymic) when it has one, else its likeliest."""
    return [next((p for p in ps if _NAME_PARSE & p.tag.grammemes), ps[0] if ps else None) for ps in parses]


def _phrase_parses(parses: list[list]) -> list:
    """Adjectives that agree in case with the next word, then that word as the head noun (an inanimate
    common noun preferred: `Куп'янська` is the town's genitive, not a surname); None after the head."""
    chosen: list = [None] * len(parses)
    k = 0
    while k + 1 < len(parses):
        nxt_cases = {p.tag.case for p in parses[k + 1]}
        adj = next((p for p in parses[k] if p.tag.POS == "ADJF" and p.tag.case in nxt_cases), None)
        if adj is None:
            break
        chosen[k] = adj
        k += 1
    if k < len(parses) and parses[k]:
        cases = {chosen[k - 1].tag.case} if k else None
        nouns = [p for p in parses[k] if p.tag.POS == "NOUN" and (cases is None or p.tag.case in cases)]
        common = [p for p in nouns if "inan" in p.tag and not _NAME_PARSE & p.tag.grammemes]
        chosen[k] = (common or nouns or parses[k])[0]
        head = chosen[k].tag
        for i in range(k):      # the adjectives take the head's number and gender
            agreeing = [p for p in parses[i] if p.tag.POS == "ADJF" and p.tag.case == head.case
                        and p.tag.number == head.number and (head.number == "plur" or p.tag.gender == head.gender)]
            chosen[i] = agreeing[0] if agreeing else chosen[i]
    return chosen


def normalize_mentions(mentions) -> None:
    """`normalize_mention` on every NER name of a Ukrainian article (aliases and roles keep theirs)."""
    for m in mentions:
        if m.kind == "name":
            m.normal = normalize_mention(m.text, m.type)


# ---- lemmas -----------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=200_000)
def lemma_and_pos(word: str) -> tuple[str, str] | None:
    """The lemma (lower case) and POS of a Ukrainian word form from the Ukrainian dictionaries; None for a
    word without Cyrillic letters (kept as segment.split_tokens gave it)."""
    if not _CYRILLIC_LETTER.search(word):
        return None
    best = uk_morph().parse(word.lower().replace("’", "'").replace("ʼ", "'"))[0]
    return best.normal_form.replace("'", "’") if "’" in word else best.normal_form, str(best.tag.POS or "UNKN")


def set_lemmas(tokens) -> None:
    """Give the tokens of a Ukrainian article Ukrainian lemmas (`сказав` -> `сказати`, `України` ->
    `україна`): segment.split_tokens lemmatizes with the Russian dictionaries."""
    for tok in tokens:
        if tok.pos is not None:
            found = lemma_and_pos(tok.text)
            if found is not None:
                tok.lemma, tok.pos = found
