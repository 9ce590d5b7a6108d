"""Ukrainian NER: a CRF (CRFsuite) over the project's own tokens, trained inside the project.

No Ukrainian NER model ships in a PyPI package, and slovnet's Russian model misses many Ukrainian
names (benchmarks/NER_UK.md). `benchmarks/train_ner_uk.py` trains this one on NER-UK 2.0 (lang-uk,
CC BY-NC-SA 4.0: see parallax/nlp/models/LICENSE-ner-uk.md) and writes `models/ner_uk.crfsuite`.

Features of a token: its lower-case form, suffixes, prefix, word shape, pymorphy3's Ukrainian analysis
(lemma, POS, case, and the name grammemes Name/Surn/Patr/Geox/Orgn/Abbr over all parses), the Russian
dictionary's name grammemes, article-level capitalisation, whether it is part of a name listed in
data/gazetteer_uk.yaml (places, organisations; matched by lemma), its word classes (data/
word_clusters_uk.yaml: k-means classes of contexts in unlabelled text), its address and building context
(data/ner_uk_context.yaml: after a street word, before a building word, inside quotes), and the same for
its neighbours. Labels are BIO over PER/LOC/ORG; a sentence razdel ended after 'вул.', 'м.' or an
initial is tagged together with the next (`tagging_units`). After the CRF, capitalised runs of
Latin-script words it left untagged become ORG (`latin_organisations`: Ukrainian writes people and
places in Cyrillic); an ORG and the region right after it become one ORG and a LOC running past a comma
into a capital is split into its items (`span_rules`: NER-UK's conventions); untagged repetitions of a
name tagged elsewhere in the article take its type (`repeat_names`), and a name tagged with several types
takes the one most of its mentions have (`vote_types`); places joined by a conjunction are split
(`split_place_lists`), a capitalised word after 'с.'/'м.' is a LOC (`settlement_names`), and abbreviated
states are LOC (`state_abbreviations`). The features of a word form are memoized: news
vocabulary is Zipfian. `LABELER` can put a BiLSTM (ner_uk_neural.py), or its average with the CRF, in
the CRF's place (session 10: not better on cross-validated LOC, so the CRF stays).

    tag_document(text, sentences, tokens) -> [(start, end, type), ...]    # character offsets into text
    add_latin_names(text, spans, russian_spans)    # + slovnet's Latin-script names (benchmark ablation)
"""
from __future__ import annotations

import bisect
import functools
import re
import threading
from collections import Counter
from pathlib import Path

from parallax.model import Sentence, Token
from parallax.nlp import morph, ner_uk_neural
from parallax.nlp.segment import split_sentences, split_tokens
from parallax.resources import load_yaml

MODEL_PATH = Path(__file__).resolve().parent / "models" / "ner_uk.crfsuite"
LABELER = "crf"                  # or "neural", "ensemble": chosen by cross-validation (unit_labels)
ENSEMBLE_CRF_WEIGHT = 0.5
CLUSTERS = "nlp/data/word_clusters_uk.yaml"        # the model's features name these classes: keep them together
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


@functools.lru_cache(maxsize=200_000)
def uk_parses(word: str) -> tuple:
    """pymorphy3's Ukrainian readings of a word form, memoized once for the features, the gazetteer, the
    lemmas and the speech rules, which all ask for the same forms (a parse is a pure-Python DAWG walk)."""
    return tuple(uk_morph().parse(word))


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
        parses = uk_parses(low)
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
    classes = word_clusters().get(cluster_key(word))
    if classes:                 # distributional classes of the lemma, coarse to fine (data/word_clusters_uk.yaml)
        own += [f"c{n}={c}" for n, c in enumerate(classes)]
        near.append(f"c1={classes[1]}")
    return tuple(own), tuple(near), lemma


@functools.lru_cache(maxsize=200_000)
def cluster_key(word: str) -> str:
    """How the word-class table names a word: its Ukrainian lemma (best parse) if it is a Cyrillic word,
    else its lower-case form."""
    low = word.lower().replace("’", "'")
    if any(ch.isalpha() for ch in word) and _script(word) == "cyr":
        return uk_parses(low)[0].normal_form
    return low


@functools.lru_cache(maxsize=1)
def word_clusters() -> dict[str, tuple[str, ...]]:
    """data/word_clusters_uk.yaml as {lemma or lower-case form: (coarse, middle, fine class)}: k-means
    classes of the words' contexts in unlabelled Ukrainian text (benchmarks/train_ner_uk.py --clusters)."""
    data = load_yaml(CLUSTERS)
    return {word: tuple(path.split()) for path, words in data["clusters"].items() for word in words.split()}


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


# ---- gazetteer ---------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """What a token can match in the gazetteer: its lower-case form and its Ukrainian lemmas
    ('Києва' -> {'києва', 'київ'}; 'Раді' -> {'раді', 'рада', ...})."""
    low = word.lower().replace("’", "'").replace("ʼ", "'")
    if _script(word) != "cyr" or (word.isupper() and len(word) < 5):      # 'США', 'ЗСУ' as written
        return frozenset({low})
    return frozenset({low, *(p.normal_form for p in uk_parses(low))})     # 'КИЄВА' too


def _entry_keys(word: str) -> frozenset[str]:
    """Keys of a gazetteer word written in the nominative: its form and the lemmas of its nominative
    readings ('Верховна' -> 'верховний')."""
    low = word.lower()
    if _script(word) != "cyr" or (word.isupper() and len(word) > 1):
        return frozenset({low})
    parses = uk_morph().parse(low)
    nominative = [p for p in parses if p.tag.case == "nomn"] or parses
    return frozenset({low, *(p.normal_form for p in nominative)})


@functools.lru_cache(maxsize=1)
def _gazetteer_file() -> dict:
    """data/gazetteer_uk.yaml, parsed once for the name index and the Latin-word exceptions."""
    return load_yaml("nlp/data/gazetteer_uk.yaml")


@functools.lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[tuple[tuple[frozenset[str], ...], str]]]:
    """data/gazetteer_uk.yaml as {key of an entry's first word: [(keys of each word, type), ...]}."""
    data = _gazetteer_file()
    index: dict[str, list[tuple[tuple[frozenset[str], ...], str]]] = {}
    seen = set()
    for typ in TYPES:
        for group in data.get(typ, []):
            for name in group:
                sentences = split_sentences(str(name))
                words = tuple(_entry_keys(t.text) for t in split_tokens(str(name), sentences, "uk"))
                if not words or (words, typ) in seen:
                    continue
                seen.add((words, typ))
                for key in words[0]:
                    index.setdefault(key, []).append((words, typ))
    return index


def gazetteer_labels(words: list[str]) -> list[tuple[str, ...]]:
    """Per word, the gazetteer labels of the longest listed names covering it ('B-LOC', 'I-ORG')."""
    index = gazetteer()
    keys = [word_keys(w) for w in words]
    out: list[set[str]] = [set() for _ in words]
    covered_until = 0
    for i, ks in enumerate(keys):
        if i < covered_until:       # inside a longer listed name: 'Раді' of 'Верховній Раді' starts none
            continue
        best: dict[str, int] = {}
        for k in ks:
            for entry, typ in index.get(k, ()):
                n = len(entry)
                if n > best.get(typ, 0) and i + n <= len(words) and all(
                        keys[i + j] & entry[j] for j in range(1, n)):
                    best[typ] = n
        for typ, n in best.items():
            covered_until = max(covered_until, i + n)
            out[i].add(f"B-{typ}")
            for j in range(i + 1, i + n):
                out[j].add(f"I-{typ}")
    return [tuple(sorted(x)) for x in out]


# ---- address and building context ----------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def context_words() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """data/ner_uk_context.yaml: (street words, building words, abbreviations razdel wrongly ends a
    sentence after, region words)."""
    data = load_yaml("nlp/data/ner_uk_context.yaml")
    return tuple(frozenset(str(w).lower() for w in data[key]) for key in ("street", "building", "join_after", "region"))


_OPEN_QUOTES = {"«": "»", "„": "“", '"': '"', "“": "”"}


def _name_like(word: str) -> bool:
    return word[:1].isupper()


def _run_after(words: list[str], j: int, limit: int) -> int:
    """The end of the name after position j: a quoted stretch ('«Україна»') or capitalised words and
    initials ('Т . Шевченка'), at most `limit` tokens."""
    n = len(words)
    if j < n and words[j] in _OPEN_QUOTES:
        close = _OPEN_QUOTES[words[j]]
        k = j + 1
        while k < n and k - j < limit and words[k] != close:
            k += 1
        return k + 1 if k < n and words[k] == close else j
    k = j
    while k < n and k - j < limit and (_name_like(words[k]) or (words[k] == "." and k > j and len(words[k - 1]) == 1)):
        k += 1
    return k


def context_flags(words: list[str]) -> list[set[str]]:
    """Per word, its address and building context (data/ner_uk_context.yaml): addr:kw a street word,
    addr:in the name after it, addr:num the house number after that ('вул . Богдана Хмельницького , 58-А');
    fac:kw a building word, fac:pre the capitalised word before it ('Гостинного двору'), fac:post the
    name after it ('палац « Україна »'); q:in inside quotes."""
    street, building = context_words()[:2]
    keys = [word_keys(w) for w in words]
    flags: list[set[str]] = [set() for _ in words]
    n = len(words)
    for i, ks in enumerate(keys):
        if ks & street:
            flags[i].add("addr:kw")
            j = i + 2 if i + 1 < n and words[i + 1] == "." else i + 1
            end = _run_after(words, j, 5)
            for k in range(j, end):
                flags[k].add("addr:in")
            if end > j:
                k = end + 1 if end < n and words[end] == "," else end
                if k < n and words[k][:1].isdigit():
                    for m in range(end, k + 1):
                        flags[m].add("addr:num")
        if ks & building:
            flags[i].add("fac:kw")
            if i > 0 and _name_like(words[i - 1]):
                flags[i - 1].add("fac:pre")
            for k in range(i + 1, _run_after(words, i + 1, 6)):
                flags[k].add("fac:post")
    depth = 0
    for i, w in enumerate(words):
        if w in ("»", "”"):
            depth = max(0, depth - 1)
        if depth:
            flags[i].add("q:in")
        if w in ("«", "“", "„"):
            depth += 1
    return flags


def sentence_features(words: list[str], stats=(frozenset(), frozenset())) -> list[list[str]]:
    """CRFsuite attribute lists for one sentence's tokens; `stats` is document_stats of its article."""
    feats = [word_features(w) for w in words]
    gaz = gazetteer_labels(words)
    flags = context_flags(words)
    out = []
    n = len(words)
    mid_cap, lower = stats
    for i, (own, _, _) in enumerate(feats):
        row = ["bias", *own, *(f"gz={g}" for g in gaz[i]), *sorted(flags[i])]
        for d in (-1, 1):
            if 0 <= i + d < n:
                row.extend(f"{d}:gz={g}" for g in gaz[i + d])
                row.extend(f"{d}:{f}" for f in sorted(flags[i + d]))
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


def span_rules(words: list[str], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """NER-UK's span conventions the CRF, tagging one token at a time, misses: `join_region_to_org`, then
    `split_place_lists`."""
    return split_place_lists(words, join_region_to_org(words, spans))


def join_region_to_org(words: list[str], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """An ORG followed at once by a LOC of two or more words ending in a region word of
    data/ner_uk_context.yaml ('Хмільницької райради | Вінницької області') is one ORG: NER-UK tags it so
    28 times in the training part, and 2 times as ORG + LOC."""
    region = context_words()[3]
    out: list[tuple[int, int, str]] = []
    for a, b, typ in spans:
        if (out and typ == "LOC" and out[-1][2] == "ORG" and out[-1][1] == a and b - a >= 2
                and word_keys(words[b - 1] if words[b - 1] != "." else words[b - 2]) & region):
            out[-1] = (out[-1][0], b, "ORG")
            continue
        out.append((a, b, typ))
    return out


def split_place_lists(words: list[str], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A LOC that runs on past a comma into a capitalised word is a list of places ('Поштовій площі ,
    Подолі'): one LOC per item. NER-UK's LOC spans hold a comma before a house number (45 times in the
    training part: 'вул . Богдана Хмельницького , 58-А') and almost never before a capital (once).
    (Session 9) So does a conjunction of data/ner_uk_context.yaml's `conjunctions` between a complete
    name and a capitalised word or a street word ('Києві та Київській області', 'вул . Арнаутської та
    вул . Катерининської': 34 pairs of LOCs in the training part, 3 joined), but not after an adjective,
    which shares the noun after it ('Донецької і Луганської областей')."""
    street = context_words()[0] - context_words()[3]         # 'Києві та області' is one place
    conjunctions = _more_context()["conjunctions"]
    out = []
    for a, b, typ in spans:
        if typ == "LOC":
            for k in range(a + 1, b - 1):
                after = words[k + 1]
                if (words[k] == "," and after[:1].isupper()) or (words[k].lower() in conjunctions and (
                        word_keys(after) & street or (after[:1].isupper() and not _adjective(words[k - 1])))):
                    if k > a:
                        out.append((a, k, typ))
                    a = k + 1
        out.append((a, b, typ))
    return out


def _adjective(word: str) -> bool:
    return any(p.tag.POS == "ADJF" for p in uk_parses(word.lower().replace("’", "'")))


@functools.lru_cache(maxsize=1)
def _more_context() -> dict[str, frozenset[str]]:
    """Session 9's lists in data/ner_uk_context.yaml: conjunctions, settlement words, words of a
    measure before 'м.' (metres), function-word POS, abbreviations of states."""
    data = load_yaml("nlp/data/ner_uk_context.yaml")
    return {key: frozenset(str(w) if key in ("state_abbreviations", "not_a_name_pos") else str(w).lower() for w in data[key])
            for key in ("conjunctions", "settlement", "measure_before", "not_a_name_pos", "state_abbreviations")}


def settlement_names(text: str, tokens: list[Token], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` plus a capitalised Cyrillic word right after a settlement word ('с.', 'м.', 'смт') that no
    span covers, as a LOC without the settlement word (NER-UK: 'в с. | Ясногородка', 50 times outside
    the span, 6 inside). Across a line break too, which ends the CRF's sentence: lists of places are often
    broken after 'с.'. Not after metres ('100 кв. м. Про це ...') nor before a function word."""
    ctx = _more_context()
    taken = sorted((s, e) for s, e, _ in spans)
    starts = [s for s, _ in taken]
    out = list(spans)
    for i, tok in enumerate(tokens[:-1]):
        if tok.text not in ctx["settlement"]:
            continue
        j = i + 2 if tokens[i + 1].text == "." else i + 1
        h = i - 2 if i > 1 and tokens[i - 1].text == "." else i - 1       # 'кв. м.', 'кв м.', '1,4 м.'
        if j >= len(tokens) or (h >= 0 and (tokens[h].text.lower() in ctx["measure_before"]
                                            or tokens[h].text[:1].isdigit())):
            continue
        word = tokens[j].text
        k = bisect.bisect_right(starts, tokens[j].start) - 1
        if (not word[:1].isupper() or not _CYRILLIC_LETTER.search(word) or (word.isupper() and len(word) > 1)
                or "\n\n" in text[tokens[j - 1].end:tokens[j].start] or (k >= 0 and taken[k][1] > tokens[j].start)
                or any(str(p.tag.POS) in ctx["not_a_name_pos"] for p in uk_parses(word.lower().replace("’", "'")))):
            continue
        out.append((tokens[j].start, tokens[j].end, "LOC"))
    return out


def state_abbreviations(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A span that is an abbreviated state's name of data/ner_uk_context.yaml ('СРСР', 'ДНР') is a LOC,
    as NER-UK tags them (the CRF often calls an all-caps word an ORG)."""
    states = _more_context()["state_abbreviations"]
    return [(s, e, "LOC" if text[s:e] in states else typ) for s, e, typ in spans]


def tag_words(words: list[str], stats=(frozenset(), frozenset())) -> list[str]:
    """BIO labels for one sentence's words (`stats`: document_stats of its article)."""
    if not words:
        return []
    xseq = sentence_features(words, stats)
    tagger = crf_tagger()
    with _tag_lock:                    # a CRFsuite Tagger keeps the sequence it tags: one caller at a time
        return tagger.tag(xseq)


def unit_labels(words: list[list[str]], stats) -> list[list[str]]:
    """BIO labels of an article's tagging units from LABELER: 'crf' (the shipped model), 'neural' (the
    BiLSTM of ner_uk_neural.py) or 'ensemble' (both models' probabilities averaged); benchmarks/NER_UK.md."""
    if LABELER == "crf" or not ner_uk_neural.available():
        return [tag_words(ws, stats) for ws in words]
    rows = [sentence_features(ws, stats) for ws in words]
    with _tag_lock:                    # the CRF's marginals, like its tags, are of the sequence it holds
        return ner_uk_neural.label_units(rows, crf_tagger() if LABELER == "ensemble" else None, ENSEMBLE_CRF_WEIGHT)


def tagging_units(text: str, tokens: list[Token]) -> list[list[Token]]:
    """The tokens grouped into the sequences the CRF tags: the Analyzer's sentences, but one that razdel
    ended after an abbreviation of data/ner_uk_context.yaml's join_after or an initial ('вул. | Богдана
    Хмельницького', 'Т. | Шевченка') goes on into the next one on the same line."""
    join = context_words()[2]
    units: list[list[Token]] = []
    current = None
    for tok in tokens:
        if tok.sentence != current:
            current = tok.sentence
            prev = units[-1] if units else []
            if (len(prev) >= 2 and prev[-1].text == "." and "\n" not in text[prev[-1].end:tok.start]
                    and (prev[-2].text.lower() in join or (len(prev[-2].text) == 1 and prev[-2].text.isupper()))):
                prev.append(tok)
                continue
            units.append([])
        units[-1].append(tok)
    return units


def tag_document(text: str, sentences: list[Sentence], tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Entity spans (start, end, type) of a segmented Ukrainian text, character offsets into `text`,
    sorted; type is PER, LOC or ORG. `sentences`/`tokens` are the Analyzer's (segment.split_sentences,
    segment.split_tokens)."""
    by_sentence = tagging_units(text, [t for t in tokens if 0 <= t.sentence < len(sentences)])
    words = [[t.text for t in toks] for toks in by_sentence]
    stats = document_stats(words)
    out: list[tuple[int, int, str]] = []
    previous_end = -1
    for toks, ws, labels in zip(by_sentence, words, unit_labels(words, stats)):
        found = latin_organisations(ws, span_rules(ws, balance_quotes(ws, bio_to_spans(labels))))
        spans = [(toks[a].start, toks[b - 1].end, typ) for a, b, typ in found]
        # razdel ends a Ukrainian sentence after abbreviations ('вул.', 'м.'); a sentence that opens with
        # I-X continues the X span that closed the previous one ('вул. | Богдана Хмельницького')
        if (spans and labels[0] == f"I-{spans[0][2]}" and out and out[-1][2] == spans[0][2]
                and out[-1][1] == previous_end):
            spans[0] = (out.pop()[0], spans[0][1], spans[0][2])
        out.extend(spans)
        previous_end = toks[-1].end if toks else -1
    flat = [t for toks in by_sentence for t in toks]
    out = settlement_names(text, flat, out)
    return sorted(state_abbreviations(text, vote_types(flat, repeat_names(flat, out))))


def repeat_names(tokens: list[Token], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` plus the untagged repetitions of a name tagged elsewhere in the article: the same words
    (by lemma, capitalised first word, no capitalised word glued on either side), and the type it has
    everywhere it was tagged (a name tagged with two types is left alone). The CRF sees one sentence at a
    time and misses some repetitions that lack the context of the first mention."""
    keys = [cluster_key(t.text) for t in tokens]
    first = {t.start: i for i, t in enumerate(tokens)}
    last = {t.end: i for i, t in enumerate(tokens)}
    taken = [False] * len(tokens)
    types: dict[tuple[str, ...], set[str]] = {}
    for s, e, typ in spans:
        if s in first and e in last:
            types.setdefault(tuple(keys[first[s]:last[e] + 1]), set()).add(typ)
            for k in range(first[s], last[e] + 1):
                taken[k] = True
    out = list(spans)
    starts: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        starts.setdefault(key, []).append(i)
    for name, typs in types.items():
        n = len(name)
        if len(typs) != 1 or not any(ch.isalpha() for ch in "".join(name)):
            continue
        for i in starts.get(name[0], ()):
            if (tuple(keys[i:i + n]) != name or any(taken[i:i + n]) or not tokens[i].text[:1].isupper()
                    or (i + n < len(tokens) and tokens[i + n].text[:1].isupper())
                    or (i > 0 and tokens[i - 1].text[:1].isupper() and tokens[i - 1].sentence == tokens[i].sentence)):
                continue
            out.append((tokens[i].start, tokens[i + n - 1].end, next(iter(typs))))
            for k in range(i, i + n):
                taken[k] = True
    return out


def vote_types(tokens: list[Token], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A name (the same lemmas) tagged with more than one type in an article takes the type most of its
    mentions have, when one type has more than any other ('Одарки' LOC once, PER three times: PER). The
    CRF sees one sentence at a time; an article names one thing the same way throughout."""
    keys = [cluster_key(t.text) for t in tokens]
    first = {t.start: i for i, t in enumerate(tokens)}
    last = {t.end: i for i, t in enumerate(tokens)}

    def name(s: int, e: int) -> tuple[str, ...] | None:
        return tuple(keys[first[s]:last[e] + 1]) if s in first and e in last else None

    votes: dict[tuple[str, ...], Counter] = {}
    for s, e, typ in spans:
        if (key := name(s, e)) is not None:
            votes.setdefault(key, Counter())[typ] += 1
    out = []
    for s, e, typ in spans:
        top = votes[key].most_common(2) if (key := name(s, e)) is not None else []
        out.append((s, e, top[0][0] if len(top) == 2 and top[0][1] > top[1][1] else typ))
    return out


_CYRILLIC_LETTER = re.compile(r"[А-Яа-яІіЇїЄєҐґЁё]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.-]*$")
_LATIN_JOINERS = frozenset({"&", "-", "+"})


@functools.lru_cache(maxsize=1)
def latin_not_org() -> frozenset[str]:
    return frozenset(str(w).lower() for w in _gazetteer_file().get("latin_not_org", []))


def latin_organisations(words: list[str], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` (token indices) plus each capitalised run of Latin-script words that overlaps none of them
    as an ORG ('Pfizer', 'Nord Stream 2 AG', 'Johnson & Johnson'); runs starting with a word of
    gazetteer_uk.yaml's latin_not_org ('COVID-19', 'Brexit') are left out, and spans made only of such
    words are dropped. Ukrainian spells people and places in Cyrillic; NER-UK has few Latin names."""
    skip = latin_not_org()

    def listed(w: str) -> bool:
        return bool(_LATIN_WORD.match(w)) and (w.lower() in skip or len(w) == 1)

    out = []
    for a, b, t in spans:           # 'Brexit Домінік Рааб': the CRF took the word before the name
        while a < b and listed(words[a]):
            a += 1
        while b > a and listed(words[b - 1]):
            b -= 1
        if a < b:
            out.append((a, b, t))
    taken = [False] * len(words)
    for a, b, _ in out:
        for k in range(a, b):
            taken[k] = True
    i = 0
    while i < len(words):
        w = words[i]
        if taken[i] or not _LATIN_WORD.match(w) or not w[:1].isupper() or listed(w):
            i += 1
            continue
        j = i + 1
        while j < len(words) and not taken[j] and (
                _LATIN_WORD.match(words[j]) or words[j].isdigit()
                or (words[j] in _LATIN_JOINERS and j + 1 < len(words) and _LATIN_WORD.match(words[j + 1]))):
            j += 1
        while j > i + 1 and not _LATIN_WORD.match(words[j - 1]) and not words[j - 1].isdigit():
            j -= 1
        out.append((i, j, "ORG"))
        i = j
    return sorted(out)


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
    """Each word's name parse (given name, surname, patronymic) when it has one, else its likeliest, all
    in one case and gender when the words allow it: 'Юлії' alone reads best as the masculine 'Юлій'
    (locative), but with 'Тимошенко' only the feminine genitive fits both, so it is 'Юлія'. The
    nominative is tried first (a name already in it stays as it is)."""
    singular = [[p for p in ps if p.tag.number != "plur"] or ps for ps in parses]
    names = [[p for p in ps if _NAME_PARSE & p.tag.grammemes] or ps for ps in singular]
    words = [ps for ps in names if ps]
    pairs = [(p.tag.case, p.tag.gender) for ps in words[:1] for p in ps]
    pairs.sort(key=lambda cg: cg[0] != "nomn")        # stable: otherwise the dictionary's order
    for case, gender in pairs:
        chosen = [next((p for p in ps if p.tag.case == case and p.tag.gender in (gender, None)), None)
                  if ps else None for ps in names]
        if all(c is not None for c, ps in zip(chosen, names) if ps):
            return chosen
    return [ps[0] if ps else None for ps in names]


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
    best = uk_parses(word.lower().replace("’", "'").replace("ʼ", "'"))[0]
    return best.normal_form.replace("'", "’") if "’" in word else best.normal_form, str(best.tag.POS or "UNKN")


def set_lemmas(tokens) -> None:
    """Give the tokens of a Ukrainian article Ukrainian lemmas (`сказав` -> `сказати`, `України` ->
    `україна`): segment.split_tokens lemmatizes with the Russian dictionaries."""
    for tok in tokens:
        if tok.pos is not None:
            found = lemma_and_pos(tok.text)
            if found is not None:
                tok.lemma, tok.pos = found
