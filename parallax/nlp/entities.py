"""Article-level entity mentions: NER spans, their nominative forms, merged spans split, and mentions
the NER model does not give (aliases such as 'КНДР', metonyms such as 'Пхеньян направил', roles such as
'российский лидер'). Linking mentions to entities across a story is `linking.py`."""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from parallax.model import Mention, Sentence, Token
from parallax.nlp import morph
from parallax.nlp.models import ner_tagger
from parallax.nlp.segment import mask_symbols
from parallax.resources import load_yaml
from parallax.text import fold

NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
PLACE_GRAMMEMES = frozenset({"Geox", "Orgn", "Abbr"})
_LATIN = re.compile(r"[A-Za-z]")


# ---- data tables ------------------------------------------------------------------------------------

@dataclass
class AliasTable:
    canonical: dict[str, tuple[str, str]] = field(default_factory=dict)    # lemma key -> (name, type)
    metonyms: dict[str, tuple[str, str]] = field(default_factory=dict)
    adjectives: dict[str, str] = field(default_factory=dict)                # adjective lemma -> name
    metonym_prepositions: frozenset[str] = frozenset()
    max_len: int = 1
    first_words: frozenset[str] = frozenset()   # first word of every canonical key: a quick "starts none"


def lemma_key(text: str) -> str:
    """A case- and inflection-insensitive key for a name: lemmas of its words, lower case, ё as е."""
    words = re.findall(r"[\w'’-]+", text)
    return fold(" ".join(morph.lemma(w) if not w.isupper() else w for w in words))


@functools.lru_cache(maxsize=1)
def alias_table() -> AliasTable:
    data = load_yaml("nlp/data/aliases.yaml")
    table = AliasTable(metonym_prepositions=frozenset(data.get("metonym_prepositions", [])))
    for entry in data["entities"]:
        name, typ = entry["name"], entry["type"]
        for alias in [name, *entry.get("aliases", [])]:
            key = lemma_key(alias)
            table.canonical[key] = (name, typ)
            table.max_len = max(table.max_len, len(key.split()))
        for metonym in entry.get("metonyms", []):
            table.metonyms[lemma_key(metonym)] = (name, typ)
        for adj in entry.get("adjectives", []):
            table.adjectives[adj.lower()] = name
    table.first_words = frozenset(key.split(" ")[0] for key in table.canonical)
    return table


@dataclass
class RoleTable:
    nouns: dict[tuple[str, ...], str]     # lemma sequence -> role class
    organisation_heads: frozenset[str]
    max_len: int


@functools.lru_cache(maxsize=1)
def role_table() -> RoleTable:
    data = load_yaml("nlp/data/roles.yaml")
    nouns: dict[tuple[str, ...], str] = {}
    for cls, spec in data["classes"].items():
        for noun in spec["nouns"]:
            key = tuple(lemma_key(noun).split())
            nouns.setdefault(key, cls)
    return RoleTable(nouns=nouns, organisation_heads=frozenset(data.get("organisation_heads", [])),
                     max_len=max(len(k) for k in nouns))


# ---- NER --------------------------------------------------------------------------------------------

def run_ner(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """slovnet NER over many short texts (sentences) at once: batching across articles keeps padding low."""
    tagger = ner_tagger()
    return [[(s.start, s.stop, s.type) for s in markup.spans] for markup in tagger.map(texts)]


NER_CHUNK_CHARS = 1000


def _chunks(text: str) -> list[tuple[int, int]]:
    """Cut a text at line breaks into pieces of at most ~NER_CHUNK_CHARS, so a huge article neither
    blows up the NER batch nor pads every other text in it."""
    if len(text) <= NER_CHUNK_CHARS:
        return [(0, len(text))]
    return text_chunks(text, NER_CHUNK_CHARS)


def text_chunks(text: str, size: int) -> list[tuple[int, int]]:
    """Cut `text` into pieces of at most ~`size` characters at line breaks, else after '. ' (every NER)."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + 1, end)
            if cut <= start:
                cut = text.rfind(". ", start + 1, end)
            end = cut + 1 if cut > start else end
        out.append((start, end))
        start = end
    return out


def document_ner(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """NER over whole articles (chunked at line breaks when long). Whole-text tagging finds more
    sentence-initial surnames than tagging sentence by sentence, and is about twice as fast
    (benchmarks/NER.md)."""
    pieces, owner = [], []
    for k, text in enumerate(texts):
        # emoji glued to a word ('❗️Юн Сок Ёль') hide it from the NER's tokenizer
        text = mask_symbols(text)
        for s, e in _chunks(text):
            if text[s:e].strip():          # slovnet fails on a piece without tokens
                pieces.append(text[s:e])
                owner.append((k, s))
    # pieces of similar length batched together pad less
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
    tagged = run_ner([pieces[i] for i in order]) if pieces else []
    by_piece: list[list[tuple[int, int, str]]] = [[] for _ in pieces]
    for i, spans in zip(order, tagged):
        by_piece[i] = spans
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for (k, shift), spans in zip(owner, by_piece):
        out[k].extend((shift + a, shift + b, t) for a, b, t in spans)
    for spans in out:
        spans.sort()
    return out


def spans_by_sentence(doc_spans: list[tuple[int, int, str]], sentences: list[Sentence]) -> list[list[tuple[int, int, str]]]:
    """Document-level spans -> spans relative to the sentence they start in (clipped to it)."""
    starts = [s.start for s in sentences]
    out: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
    for a, b, t in doc_spans:
        i = bisect.bisect_right(starts, a) - 1
        if i < 0 or a >= sentences[i].end:
            continue
        sent = sentences[i]
        out[i].append((a - sent.start, min(b, sent.end) - sent.start, t))
    return out


def ner_mentions(text: str, sentences: list[Sentence], spans_per_sentence) -> list[Mention]:
    out = []
    for sent, spans in zip(sentences, spans_per_sentence):
        for start, stop, typ in spans:
            s, e = sent.start + start, sent.start + stop
            surface = text[s:e]
            # NER sometimes swallows an opening bracket ('организации сотрудничества (ШОС'), a
            # trailing quote or dash, or markup around a name ('**Юн Сок Ёль**')
            while e > s and not surface[0].isalnum():
                s += 1
                surface = text[s:e]
            while e > s and not surface[-1].isalnum():
                e -= 1
                surface = text[s:e]
            if "(" in surface and ")" not in surface:
                e = s + surface.index("(")
                surface = text[s:e].rstrip()
                e = s + len(surface)
            if e > s:
                out.append(Mention(start=s, end=e, text=surface, type=typ, normal=surface,
                                   sentence=sent.index))
    return out


# ---- normalization ----------------------------------------------------------------------------------

def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"[\w'’]+(?:-[\w'’]+)*", text)]


def _name_parses(word: str, dictionary_only: bool = True) -> list:
    """Singular person-name readings (a person's name is never plural: pymorphy also offers
    'Вельмакин' as the genitive plural of a female name 'Вельмакина')."""
    return [p for p in morph.parses(word.lower())
            if (not dictionary_only or morph.is_dictionary_parse(p))
            and NAME_GRAMMEMES & set(p.tag.grammemes) and p.tag.number != "plur"]


def _rebuild(text: str, words: list[tuple[int, int, str]], forms: list[str]) -> str:
    """Put new word forms back in place, keeping the separators ('Лента.ру', 'Нью-Йорк', ' — ')."""
    out, pos = [], 0
    for (s, e, _), form in zip(words, forms):
        out.append(text[pos:s])
        out.append(form)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _inflect_in_case(word: str, case: str, gender: str | None, required: set[str],
                     prefer: frozenset[str] | None = None) -> str | None:
    """Inflect `word` from the reading that is in `case` (and `gender`, when it has one)."""
    cands = [p for p in morph.parses(word.lower()) if p.tag.case == case and p.tag.number != "plur"
             and (gender is None or p.tag.gender is None or str(p.tag.gender) == gender
                  or "ms-f" in p.tag.grammemes)]
    if prefer:
        cands = sorted(cands, key=lambda p: (not (prefer & set(p.tag.grammemes)), not morph.is_dictionary_parse(p)))
    for p in cands:
        form = morph.safe_inflect(p, required | ({gender} if gender else set())) or morph.safe_inflect(p, required)
        if form is not None:
            return form
    return None


def normalize_person(text: str) -> str:
    """'Владимиру Путину' -> 'Владимир Путин', 'Александром Налбандовым' -> 'Александр Налбандов'.
    The case and gender of the whole name come from its first name (else its first known word); a
    name already in the nominative is left as written ('Светлана Яковлева', 'Эдуард Мишлен'). Words
    pymorphy does not know at all ('Ына') stay; the story-level linker reconciles their forms."""
    words = _words(text)
    if not words or _LATIN.search(text):
        return text
    known = [(i, ps) for i, (_, _, w) in enumerate(words) if (ps := _name_parses(w))]
    if not known:
        return text
    if known[0][1][0].tag.case == "nomn":      # names start with their first word: 'Ким Ир Сен'
        return text
    anchor = next((ps for _, ps in known if "Name" in ps[0].tag.grammemes), known[0][1])
    case = str(anchor[0].tag.case) if anchor[0].tag.case else None
    gender = str(anchor[0].tag.gender) if anchor[0].tag.gender else None
    if case in (None, "nomn"):
        return text
    forms = []
    for _, _, w in words:
        form = _inflect_in_case(w, case, gender, {"nomn", "sing"}, prefer=NAME_GRAMMEMES)
        forms.append(morph.match_case(w, form) if form else w)
    return _rebuild(text, words, forms)


_ADJ_POS = {"ADJF", "PRTF"}


def normalize_place(text: str) -> str:
    """'Северной Кореи' -> 'Северная Корея', 'Соединенных Штатов Америки' -> 'Соединенные Штаты Америки':
    the head is the first word that is a noun in its best reading; the adjectives before it agree with
    it; words after it (genitive dependents) stay. A name that can already be nominative is kept."""
    words = _words(text)
    if not words or _LATIN.search(text) or (words[0][2].isupper() and len(words[0][2]) > 1):
        return text
    readings = [[p for p in morph.parses(w.lower()) if morph.is_dictionary_parse(p)] for _, _, w in words]
    head_i = next((i for i, ps in enumerate(readings) if ps and ps[0].tag.POS == "NOUN"), None)
    if head_i is None:
        return text
    adjectives = [i for i in range(head_i) if any(p.tag.POS in _ADJ_POS for p in readings[i])]

    def agrees(head) -> bool:
        for i in adjectives:
            if not any(p.tag.POS in _ADJ_POS and p.tag.case == head.tag.case and p.tag.number == head.tag.number
                       and (head.tag.number == "plur" or p.tag.gender in (None, head.tag.gender))
                       for p in readings[i]):
                return False
        return True
    nouns = [p for p in readings[head_i] if p.tag.POS == "NOUN"]
    agreeing = [p for p in nouns if agrees(p)] or nouns
    # place and organisation readings first, then singular, then pymorphy's own ranking
    agreeing.sort(key=lambda p: (not (PLACE_GRAMMEMES & set(p.tag.grammemes)), p.tag.number == "plur" and not adjectives))
    head = agreeing[0]
    if head.tag.case == "nomn":
        return text
    case, number, gender = head.tag.case, head.tag.number or "sing", head.tag.gender
    forms = []
    for i, (_, _, w) in enumerate(words):
        form = None
        if i in adjectives:
            cands = [p for p in readings[i] if p.tag.POS in _ADJ_POS and p.tag.case == case and p.tag.number == number]
            for p in cands:
                form = morph.safe_inflect(p, {"nomn", number} | ({gender} if number == "sing" and gender else set()))
                if form is not None:
                    break
        elif i == head_i:
            form = morph.safe_inflect(head, {"nomn", number})
        forms.append(morph.match_case(w, form) if form else w)
    return _rebuild(text, words, forms)


def normalize_mention(text: str, typ: str) -> str:
    out = normalize_person(text) if typ == "PER" else normalize_place(text)
    return fold(out, keep_case=True)


def split_merged_person(m: Mention) -> list[Mention]:
    """NER merges adjacent names: 'сказал Ким Путину' gives one span 'Ким Путину'. Split where the
    words on each side are dictionary person names whose possible cases do not overlap."""
    words = _words(m.text)
    if len(words) < 2 or m.type != "PER":
        return [m]
    readings = [_name_parses(w) for _, _, w in words]
    case_sets = [{p.tag.case for p in ps} for ps in readings]
    for k in range(1, len(words)):
        left, right = case_sets[:k], case_sets[k:]
        if not all(left) or not all(right):
            continue
        lc = set.intersection(*left)
        rc = set.intersection(*right)
        if lc and rc and not (lc & rc):
            cut = words[k][0]
            end_left = words[k - 1][1]
            a = Mention(start=m.start, end=m.start + end_left, text=m.text[:end_left], type="PER",
                        normal="", sentence=m.sentence)
            b = Mention(start=m.start + cut, end=m.end, text=m.text[cut:], type="PER", normal="",
                        sentence=m.sentence)
            return [a, b]
    return [m]


# ---- aliases, metonyms and roles the NER does not mark -------------------------------------------

def _overlaps(start: int, end: int, mentions: list[Mention]) -> Mention | None:
    for m in mentions:
        if m.start < end and start < m.end:
            return m
    return None


def tag_aliases(tokens: list[Token], mentions: list[Mention], text: str) -> list[Mention]:
    """Resolve NER mentions through the alias table and add alias mentions NER missed."""
    table = alias_table()
    ends = [t.end for t in tokens]
    for m in mentions:
        if m.type == "PER":
            continue
        key = lemma_key(m.text)
        if key in table.canonical:
            m.canonical, m.type = table.canonical[key][0], table.canonical[key][1]
            if lemma_key(m.canonical) != key:
                m.kind = "alias"
        elif key in table.metonyms:
            _resolve_metonym(m, tokens, table, ends)
    added: list[Mention] = []
    # each token's part of a key, folded once; a window whose first part starts no key cannot match
    parts = [fold(t.lemma if not t.text.isupper() else t.text) for t in tokens]
    firsts = table.first_words
    i = 0
    while i < len(tokens):
        matched = False
        for n in range(min(table.max_len, len(tokens) - i), 0, -1) if parts[i] in firsts else ():
            window = tokens[i:i + n]
            if window[-1].sentence != window[0].sentence or any(t.pos is None for t in window):
                continue
            key = " ".join(parts[i:i + n])
            hit = table.canonical.get(key)
            start, end = window[0].start, window[-1].end
            if hit and not _overlaps(start, end, mentions) and (window[0].text[:1].isupper() or n > 1):
                added.append(Mention(start=start, end=end, text=text[start:end], type=hit[1],
                                     normal=normalize_place(text[start:end]), canonical=hit[0], kind="alias",
                                     sentence=window[0].sentence))
                i += n
                matched = True
                break
        if not matched:
            i += 1
    return sorted(mentions + added, key=lambda m: m.start)


def _resolve_metonym(m: Mention, tokens: list[Token], table: AliasTable, ends: list[int]) -> None:
    """'Пхеньян направил войска' is the country; 'в Пхеньяне' is the city. `ends`: the tokens' end offsets
    (in text order), to find the token before the mention without a scan of the whole text."""
    k = bisect.bisect_right(ends, m.start) - 1
    if k >= 0 and tokens[k].sentence == m.sentence and tokens[k].lemma in table.metonym_prepositions:
        return
    name, typ = table.metonyms[lemma_key(m.text)]
    m.canonical, m.type, m.kind = name, typ, "alias"


def tag_roles(tokens: list[Token], mentions: list[Mention], text: str) -> list[Mention]:
    """Find role phrases with a qualifier: 'президент России', 'российский лидер', 'глава Северной
    Кореи', 'глава российского Генштаба'. A role right before a person's name ('президент России
    Владимир Путин') titles that person: the name mention gets the role key, no role mention is added.
    A standalone role becomes a role mention for the linker to resolve."""
    roles, aliases = role_table(), alias_table()
    by_start = {m.start: m for m in mentions}
    added: list[Mention] = []
    n_tok = len(tokens)
    i = 0
    firsts = frozenset(key[0] for key in roles.nouns)
    while i < n_tok:
        found = None
        for n in range(min(roles.max_len, n_tok - i), 0, -1) if tokens[i].lemma in firsts else ():
            key = tuple(t.lemma for t in tokens[i:i + n])
            if key in roles.nouns and tokens[i + n - 1].sentence == tokens[i].sentence:
                found = (n, roles.nouns[key])
                break
        if not found:
            i += 1
            continue
        n, cls = found
        if _is_plural(tokens[i + n - 1].text):      # 'лидеры России и КНДР' names two people
            i += n
            continue
        start, end = tokens[i].start, tokens[i + n - 1].end
        qualifier = None
        # adjective qualifier right before the role noun: 'российский лидер'
        if i > 0 and tokens[i - 1].sentence == tokens[i].sentence and tokens[i - 1].lemma in aliases.adjectives:
            qualifier = aliases.adjectives[tokens[i - 1].lemma]
            start = tokens[i - 1].start
        # noun-phrase qualifier right after: 'президент России', 'глава российского Генштаба'
        j = i + n
        if j < n_tok and tokens[j].lemma in aliases.adjectives and tokens[j].sentence == tokens[i].sentence \
                and j + 1 < n_tok:
            nxt = by_start.get(tokens[j + 1].start)
            if nxt is not None and nxt.type == "ORG" and tokens[i].lemma in roles.organisation_heads:
                qualifier = nxt.canonical or nxt.normal
                end = nxt.end
                j = next((k for k in range(j + 1, n_tok) if tokens[k].start >= nxt.end), n_tok)
        if j < n_tok and qualifier is None:
            nxt = by_start.get(tokens[j].start)
            if nxt is not None and nxt.type in ("LOC", "ORG"):
                if nxt.type == "ORG" and tokens[i].lemma not in roles.organisation_heads and nxt.kind != "alias":
                    nxt = None
                if nxt is not None:
                    qualifier = nxt.canonical or nxt.normal
                    end = nxt.end
                    j = next((k for k in range(j, n_tok) if tokens[k].start >= nxt.end), n_tok)
        if qualifier is None:
            i += n
            continue
        role_key = f"{cls}@{qualifier}"
        person = by_start.get(tokens[j].start) if j < n_tok else None
        if person is not None and person.type == "PER" and tokens[j].sentence == tokens[i].sentence:
            person.role = role_key
        elif not _overlaps(start, end, [m for m in mentions if m.type == "PER"]):
            added.append(Mention(start=start, end=end, text=text[start:end], type="PER",
                                 normal=_normalize_role(text[start:end]), kind="role", role=role_key,
                                 sentence=tokens[i].sentence))
        i = max(j, i + n)
    return sorted(mentions + added, key=lambda m: (m.start, m.end))


def _is_plural(word: str) -> bool:
    best = morph.parses(word.lower())[0]
    return best.tag.number == "plur"


def _normalize_role(text: str) -> str:
    words = _words(text)
    out = []
    noun_seen = False
    for _, _, w in words:
        if noun_seen:
            out.append(w)
            continue
        cands = [p for p in morph.parses(w.lower()) if morph.is_dictionary_parse(p)]
        if cands and cands[0].tag.POS == "NOUN":
            form = morph.inflect_word(w.lower(), {"nomn", "sing"})
            out.append(morph.match_case(w, form) if form else w)
            noun_seen = True
        else:
            form = morph.inflect_word(w.lower(), {"nomn", "sing", "masc"})
            out.append(morph.match_case(w, form) if form else w)
    return " ".join(out)


def extract_mentions(text: str, sentences: list[Sentence], tokens: list[Token],
                     ner_spans: list[list[tuple[int, int, str]]]) -> list[Mention]:
    mentions: list[Mention] = []
    for m in ner_mentions(text, sentences, ner_spans):
        mentions.extend(split_merged_person(m))
    for m in mentions:
        m.normal = normalize_mention(m.text, m.type)
    mentions = tag_aliases(tokens, mentions, text)
    mentions = tag_roles(tokens, mentions, text)
    return mentions
