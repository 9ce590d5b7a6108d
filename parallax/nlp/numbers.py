"""Numbers in news text, with what they count and how exact they are.

'около 15 тысяч военнослужащих' -> value 15000, qualifier 'about', approximate, unit 'военнослужащий'.

Read: digits ('15', '15 000', '15,5', '1.5'), digits with multiplier words or abbreviations ('15 тысяч',
'1,5 млн', '15 тыс.'), number words ('двух', 'двадцать пять', 'полторы тысячи'), vague plurals
('десятки', 'сотни тысяч', 'несколько тысяч' -> 'more_than' the multiplier), ranges ('10–15 тысяч',
'от 10 до 15', 'двух-трех': two mentions, 'at_least' and 'up_to'), currency and percent signs.

The span runs from the qualifier to the counted noun: 'около 15 тысяч военнослужащих'. `unit` is the
pymorphy3 lemma of the first noun after the number (adjectives in between are skipped; a
substantivized adjective or participle standing alone counts: '15 погибших' -> 'погибший').

Not reported: dates and their parts ('3 сентября', '2025 года'; found by `extract_dates`), identifiers
('статья 51', 'Су-57', '№ 5', 'COVID-19'), times ('10:30'), bare years ('в 2024'), list markers.
Ordinals ('80-й годовщины', '80-летия', '2-го') ARE reported, with qualifier 'ordinal',
approximate False and the noun as unit ('годовщина'), so that '80-й' against '79-й' can still be
compared; callers that want counts only pass `ordinals=False` or drop qualifier 'ordinal'.
'один' is not read as a number ('один из', 'одна сторона' are rarely counts).
"""
from __future__ import annotations

import functools
import heapq
import math
import re
from dataclasses import dataclass

from parallax.model import DateMention, NumberMention
from parallax.nlp.dates import extract_dates, finditer_words, normalize, trie_regex
from parallax.nlp.models import morph_analyzer
from parallax.nlp.morph import parses
from parallax.nlp.ner_uk import uk_morph, uk_parses
from parallax.nlp.spans import SpanIndex
from parallax.resources import load_yaml, resource_path
from parallax.text import fold

DATA_DIR = resource_path("nlp/data")
APPROXIMATE_QUALIFIERS = {"about", "more_than", "less_than", "up_to", "at_least"}
# Bare four-digit numbers in this range with nothing counted are years ('в 2024', 'до 2030').
YEAR_LIKE = range(1900, 2101)
_UNIT_LOOKAHEAD_WORDS = 4
_ADJECTIVE_POS = {"ADJF", "PRTF"}
_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})

_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_NEXT_WORD = re.compile(r"[ \t\u00a0]+(" + _WORD + r")(?![\w-])")
_CODE_AHEAD = re.compile(r"[ \t\u00a0]+[^\W\d_]+-?[0-9]")     # 'Су-25', 'F16'

_PREV_TOKEN = re.compile(r"(\S+)\s*$")
_GLUED_TO_NUMBER = re.compile(r"[0-9]-$")
_DIGITS_THEN_MULTIPLIER = re.compile(r"[ \t\u00a0]+(?P<n>[0-9]{1,3})[ \t\u00a0]+(?P<mult>[^\W\d_]+\.?)")
_LATIN_BEFORE = re.compile(r"[A-Za-z][\w.+-]*[ \t\u00a0]+$")
_CYRILLIC_WORD = re.compile(r"[а-яіїєґ'’ʼ]+(?:-[а-яіїєґ'’ʼ]+)*$")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*\d{1,2}[.)][ \t]")


@dataclass
class _Atom:
    start: int
    end: int
    kind: str                 # digits | cardinal | fixed | half | vague | group | big
    value: float
    plural: bool = False      # the form can be a plural ('тысячи', 'сотни'): 'many' when it leads


@dataclass
class _Phrase:
    start: int
    end: int
    atoms: list[_Atom]
    value: float | None       # None: no number after all ('несколько' alone)
    scale: float = 1.0        # multipliers after the last digit or numeral ('15 тысяч' -> 1000)
    vague: bool = False       # 'сотни', 'тысячи людей', 'несколько тысяч': more than the multiplier




class _Lexicon:
    """Compiled vocabulary and patterns for one language."""

    def __init__(self, language: str, table: dict):
        self.language = language
        self.english = language == "en"
        self.word: dict[str, _Atom] = {}
        self._load_words(table)
        self.multiplier_abbr = {k.lower(): float(v)
                                for k, v in table["multiplier_abbreviations"].items()}
        self.qualifier_of = {p.lower(): q for q, phrases in table["qualifiers"].items() for p in phrases}
        self.unit_symbols = dict(table["unit_symbols"])
        self.unit_abbr = {k.lower(): v for k, v in table["unit_abbreviations"].items()}
        self.identifier_nouns = {w.lower() for w in table["identifier_nouns"]}
        self.compound_counts = dict(table.get("compound_counts") or {})
        self.cardinal_endings = set(table.get("cardinal_endings") or [])
        self.single_digit_cardinal_endings = set(table.get("single_digit_cardinal_endings") or [])
        self.ordinal_endings = set(table.get("ordinal_endings") or [])
        self.anniversary_stem = table.get("anniversary_stem")
        self.anniversary_unit = table.get("anniversary_unit")
        self.stop_words = set(table.get("unit_stop_words") or [])
        self.irregular_plurals = dict(table.get("irregular_plurals") or {})

        # Everything is matched against dates.normalize(text): lower case, 'ё' as 'е'.
        first_digit = r"[0-9](?<![\w/:][0-9])(?<![^\W\d_]-[0-9])(?<![0-9][.,][0-9])"
        if self.english:
            digits = first_digit + r"(?:[0-9]{0,2}(?:,[0-9]{3})+(?![0-9])|[0-9]*)(?:\.[0-9]+)?"
        else:
            digits = (first_digit + r"(?:[0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])|[0-9]*)"
                      r"(?:[.,][0-9]+)?")
        # not glued to letters ('5G'), a time ('10:30'), a fraction or a hyphenated ending ('80-й')
        self.digits_re = re.compile(rf"(?P<digits>{digits})(?![^\W_]|[.,][0-9]|:[0-9]|/[0-9]|-[^\W\d_]|[\ufe0f\u20e3])")
        words = trie_regex(self.word)
        self.words_re = re.compile(rf"(?P<word>{words})(?![\w])")
        abbr_alts = [re.escape(a) + ("" if a.endswith(".") else r"(?![\w])(?!\.\w)")
                     for a in sorted(self.multiplier_abbr, key=len, reverse=True)]
        half = trie_regex(table["half_phrases"]) if table.get("half_phrases") else "(?!)"
        self.follow_re = re.compile(
            r"[ \t\u00a0\u202f]*(?:(?P<abbr>" + "|".join(abbr_alts) + r")"
            r"|(?<=[\s-])(?P<word>" + words + r")(?![\w])"
            r"|(?<=\s)(?P<half>" + half + r")(?![\w]))")
        self.range_re = re.compile(
            r"[ \t\u00a0]*(?:[-–—]|" + trie_regex(table["range_words"]) + r")[ \t\u00a0]*")
        self.range_to = set(table["range_to_words"])
        self.change_start_re = re.compile(
            r"(?<![\w])" + trie_regex(table["change_start_words"]) + r"[ \t\u00a0]+$")
        hyphen = "-?" if self.english else "-"
        self.ordinal_re = re.compile(
            r"[0-9](?<![\w/:.,][0-9])(?<![^\W\d_]-[0-9])(?P<rest>[0-9]*)" + hyphen
            + r"(?P<suffix>[^\W\d_]+)(?![\w])")
        # 'между двумя странами': a small number in words after these names the parties, not a figure
        parties = table.get("party_prepositions") or []
        self.party_re = re.compile(r"(?<![\w])(?:" + trie_regex(parties) + r")[ \t\u00a0]+$") if parties else None
        self.qualifier_re = re.compile(
            r"(?<![\w])(?P<q>" + trie_regex(self.qualifier_of) + r")[ \t\u00a0]+$")
        self.symbol_before_re = re.compile(
            "(?P<sym>" + trie_regex(k for k in self.unit_symbols if k != "%") + r")[ \u00a0]?$")
        self.unit_after_re = re.compile(
            r"[ \t\u00a0]*(?P<sym>" + trie_regex(self.unit_symbols) + r")"
            r"|[ \t\u00a0]+(?P<abbr>" + "|".join(
                re.escape(a) + ("" if a.endswith(".") else r"(?![\w])(?!\.\w)")
                for a in sorted(self.unit_abbr, key=len, reverse=True)) + ")")

    def multiplier_value(self, token: str) -> float:
        """The value of a big multiplier written as `token` ('млн', 'тысяч'), else infinity."""
        if token in self.multiplier_abbr:
            return self.multiplier_abbr[token]
        if token.rstrip(".") in self.multiplier_abbr:
            return self.multiplier_abbr[token.rstrip(".")]
        atom = self.word.get(token)
        return atom.value if atom is not None and atom.kind == "big" else math.inf

    def starts(self, text: str):
        """Where a number may begin, in order: digits or a number word."""
        return heapq.merge(self.digits_re.finditer(text), finditer_words(self.words_re, text),
                           key=lambda m: m.start())

    def start_at(self, text: str, pos: int) -> re.Match | None:
        m = self.digits_re.match(text, pos)
        if m is None and (pos == 0 or not text[pos - 1].isalnum()):
            m = self.words_re.match(text, pos)
        return m

    def _load_words(self, table: dict) -> None:
        add = self.word.setdefault
        if self.english:
            for form, value in table["cardinals"].items():
                add(form, _Atom(0, 0, "cardinal", float(value)))
            for lemma, spec in table["multipliers"].items():
                kind = "group" if spec.get("group") else "big"
                add(lemma, _Atom(0, 0, kind, float(spec["value"])))
                for form in spec.get("plural", []):
                    add(form, _Atom(0, 0, kind, float(spec["value"]), plural=True))
        else:
            morph = uk_morph() if self.language == "uk" else morph_analyzer()
            for lemma, value in table["cardinals"].items():
                for form in _lexeme(morph, lemma, "NUMR"):
                    for spelling in _apostrophes(fold(form, keep_case=True)):
                        add(spelling, _Atom(0, 0, "cardinal", float(value)))
            for lemma, spec in table["multipliers"].items():
                kind = "group" if spec.get("group") else "big"
                forms: dict[str, bool] = {}
                for p in _lexeme_parses(morph, lemma, "NOUN"):
                    forms[fold(p.word, keep_case=True)] = forms.get(fold(p.word, keep_case=True), False) or "plur" in p.tag
                for form, plural in forms.items():
                    add(form, _Atom(0, 0, kind, float(spec["value"]), plural=plural))
        for form, value in (table.get("fixed_forms") or {}).items():
            self.word[form] = _Atom(0, 0, "fixed", float(value))
        for form in table.get("vague_words") or []:
            self.word[form] = _Atom(0, 0, "vague", 1.0)


def _apostrophes(form: str) -> list[str]:
    """A Ukrainian form with an apostrophe (п'ять) as sites print it: ', ’ or ʼ."""
    return [form.replace("'", a) for a in "'’ʼ"] if "'" in form else [form]


def _lexeme_parses(morph, lemma: str, pos: str):
    for p in morph.parse(lemma):
        if p.tag.POS == pos and p.normal_form == lemma:
            return p.lexeme
    return morph.parse(lemma)[0].lexeme


def _lexeme(morph, lemma: str, pos: str) -> list[str]:
    return [p.word for p in _lexeme_parses(morph, lemma, pos)]


@functools.lru_cache(maxsize=None)
def _lexicon(language: str) -> _Lexicon:
    path = DATA_DIR / f"numbers_{language}.yaml"
    return _Lexicon(language, load_yaml(path))


# ---- reading one number -----------------------------------------------------------------------------

def _digits_value(s: str, english: bool) -> float:
    s = s.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    s = s.replace(",", "") if english else s.replace(",", ".")
    return float(s)


def _place(value: float) -> float:
    """10 ** (trailing zeros): a following number word must be smaller ('сто двадцать', not
    'двадцать сто')."""
    if value <= 0 or value != int(value):
        return 1.0
    v, place = int(value), 1
    while v % 10 == 0:
        v //= 10
        place *= 10
    return float(place)


def _atom_at(lex: _Lexicon, m: re.Match, english: bool) -> _Atom:
    if m.groupdict().get("digits"):
        return _Atom(m.start(), m.end(), "digits", _digits_value(m.group("digits"), english))
    proto = lex.word[m.group("word").lower()]
    return _Atom(m.start(), m.end(), proto.kind, proto.value, proto.plural)


def _accepts(prev: list[_Atom], nxt: _Atom, last_big: float) -> bool:
    """Whether `nxt` continues the number read so far (digits after a multiplier are handled by
    the caller: '1 млрд 200 млн')."""
    last = prev[-1]
    if nxt.kind == "half":                        # 'два с половиной (миллиона)'
        return last.kind in ("digits", "cardinal") and last.value == int(last.value)
    if nxt.kind == "big":
        return nxt.value < last_big and last.kind != "big"
    if nxt.kind == "group":
        return last.kind in ("digits", "cardinal", "fixed", "vague") and \
            not any(a.kind == "group" for a in prev)
    if nxt.kind == "cardinal":
        if last.kind == "big":
            return True
        return last.kind == "cardinal" and nxt.value < _place(last.value) and nxt.value >= 1
    return False


def _read_phrase(lex: _Lexicon, text: str, m: re.Match) -> _Phrase:
    atoms = [_atom_at(lex, m, lex.english)]
    pos = m.end()
    last_big = math.inf
    while True:
        if atoms[-1].kind == "big":               # '1 млрд 200 млн': digits, then a smaller multiplier
            d = _DIGITS_THEN_MULTIPLIER.match(text, pos)
            if d and lex.multiplier_value(d.group("mult")) < last_big:
                atoms.append(_Atom(d.start("n"), d.end("n"), "digits",
                                   _digits_value(d.group("n"), lex.english)))
                pos = d.end("n")
                continue
        f = lex.follow_re.match(text, pos)
        if not f:
            break
        if f.group("abbr"):
            nxt = _Atom(f.start("abbr"), f.end("abbr"), "big",
                        lex.multiplier_abbr[f.group("abbr")])
        elif f.group("half"):
            nxt = _Atom(f.start("half"), f.end("half"), "half", 0.5)
        else:
            proto = lex.word[f.group("word").lower()]
            nxt = _Atom(f.start("word"), f.end("word"), proto.kind, proto.value, proto.plural)
        if not _accepts(atoms, nxt, last_big):
            break
        atoms.append(nxt)
        if nxt.kind == "big":
            last_big = nxt.value
        pos = nxt.end
    return _compose(atoms)


def _compose(atoms: list[_Atom]) -> _Phrase:
    total, group = 0.0, None
    vague = False
    for i, a in enumerate(atoms):
        if a.kind in ("digits", "cardinal", "fixed", "half"):
            group = (group or 0.0) + a.value
        elif a.kind == "vague":
            vague = True
        elif a.kind == "group":
            if group is None and (a.plural or vague):
                vague = True                      # 'сотни', 'несколько десятков'
            group = (group if group is not None else 1.0) * a.value
        elif a.kind == "big":
            if i == 0 and a.plural:
                vague = True                      # 'тысячи людей'
            total += (group if group is not None else 1.0) * a.value
            group = None
    value = total + (group or 0.0)
    counted = [i for i, a in enumerate(atoms) if a.kind in ("digits", "cardinal", "fixed", "half")]
    scale = 1.0
    if counted:
        for a in atoms[counted[-1] + 1:]:
            scale *= a.value
    if atoms[-1].kind == "vague":                 # 'несколько' alone is not a number
        return _Phrase(atoms[0].start, atoms[-1].end, atoms, value=None)
    return _Phrase(atoms[0].start, atoms[-1].end, atoms, value=value, scale=scale, vague=vague)


# ---- what is counted --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=50_000)
def _word_role(word: str, language: str = "ru") -> tuple[str | None, str | None, str | None]:
    """(role, lemma, case) of a Russian (or, with `language` 'uk', Ukrainian) word after a number. Roles:
    'noun'; 'adj' and 'participle' (skipped on the way to the noun); 'adj_or_noun' ('военных': a noun when
    nothing follows); 'name' and 'abbr' (a proper name or an abbreviation: not a lemma); None: stop looking."""
    if not _CYRILLIC_WORD.match(word):
        return None, None, None
    ps = uk_parses(word) if language == "uk" else parses(word)
    if not ps:
        return None, None, None
    best = ps[0]
    pos = best.tag.POS
    if pos == "NOUN" and "Abbr" in best.tag.grammemes:
        return ("name" if "Geox" in best.tag.grammemes else "abbr"), None, None
    if pos == "NOUN" and _PROPER & best.tag.grammemes:    # 'двух Корей': a name, not a unit
        return "name", None, None
    if pos == "NOUN":
        return "noun", fold(best.normal_form, keep_case=True), best.tag.case
    if pos in _ADJECTIVE_POS:
        noun_reading = next((p for p in ps if p.tag.POS == "NOUN"), None)
        if noun_reading is not None:
            return "adj_or_noun", fold(noun_reading.normal_form, keep_case=True), noun_reading.tag.case
        # a substantivized one is reported in masculine nominative, not as the verb's infinitive
        try:
            form = best.inflect({"masc", "sing", "nomn"})
        except ValueError:
            form = None
        lemma = fold(form.word, keep_case=True) if form is not None else fold(best.normal_form, keep_case=True)
        return ("participle" if pos == "PRTF" else "adj"), lemma, best.tag.case
    return None, None, None


def _english_singular(word: str, lex: _Lexicon) -> str:
    w = word.lower()
    if w in lex.irregular_plurals:
        return lex.irregular_plurals[w]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _find_unit(lex: _Lexicon, text: str, pos: int, original: str) -> tuple[str | None, int]:
    """What the number ending at `pos` counts, and where that word ends (`pos` if nothing).
    `text` is normalized, `original` as written (for abbreviations: '8 БПЛА')."""
    m = lex.unit_after_re.match(text, pos)
    if m:
        if m.group("sym"):
            return lex.unit_symbols[m.group("sym")], m.end()
        return lex.unit_abbr[m.group("abbr")], m.end()
    if lex.english:
        return _find_unit_english(lex, text, pos)
    origin = pos
    adjective: tuple[str, int] | None = None
    after_participle = False
    for _ in range(_UNIT_LOOKAHEAD_WORDS):
        w = _NEXT_WORD.match(text, pos)
        if not w:
            if _CODE_AHEAD.match(text, pos):    # '17 украинских Су-25': a model, not 'украинский'
                return None, origin
            break
        word = w.group(1)
        if word in lex.word:                    # another number: a new mention, not a unit
            break
        role, lemma, case = _word_role(word, lex.language)
        written = original[w.start(1):w.end(1)]
        if len(written) > 1 and written.isupper() and role in (None, "abbr"):
            return written, w.end()             # '8 БПЛА', '2 ЛЭП' (but 'ПОГИБЛИ 15 ЧЕЛОВЕК')
        if role in ("abbr", "name"):            # 'двух Корей', '15 тысяч КНДР'
            return None, origin
        if role == "noun" and after_participle and case == "ablt":
            pos = w.end()                       # 'разрушенных паводком домов': skip the agent
            continue
        if role == "noun":
            return lemma, w.end()
        if role in ("adj", "participle", "adj_or_noun"):
            nxt = _NEXT_WORD.match(text, w.end())
            nxt_role = _word_role(nxt.group(1), lex.language)[0] if nxt else None
            if role == "adj_or_noun" and nxt_role not in ("noun", "adj", "participle", "adj_or_noun"):
                return lemma, w.end()           # 'военных', 'раненых' standing alone
            if role != "adj_or_noun":
                adjective = adjective or (lemma, w.end())
            after_participle = after_participle or role == "participle"
            pos = w.end()
            continue
        break
    if adjective is not None:
        return adjective
    return None, origin


def _find_unit_english(lex: _Lexicon, text: str, pos: int) -> tuple[str | None, int]:
    origin = pos
    first: tuple[str, int] | None = None
    for i in range(_UNIT_LOOKAHEAD_WORDS - 1):
        w = _NEXT_WORD.match(text, pos)
        if not w:
            break
        word = w.group(1)
        low = word.lower()
        if low == "of" and i == 0:
            pos = w.end()
            continue
        if low in lex.stop_words or low in lex.word:
            break
        if first is None:
            first = (_english_singular(word, lex), w.end())
        if low.endswith("s") or low in lex.irregular_plurals:
            return _english_singular(word, lex), w.end()
        pos = w.end()
    if first is not None:
        return first
    return None, origin


# ---- the whole text ---------------------------------------------------------------------------------

def _identifier_before(lex: _Lexicon, text: str, start: int) -> bool:
    m = _PREV_TOKEN.search(text, max(0, start - 40), start)
    if not m:
        return False
    token = m.group(1).lower()
    if token in lex.identifier_nouns or "№" in token:
        return True
    word = token.strip("«»\"'()[],;:")
    if not word or word in lex.identifier_nouns or lex.english:
        return word in lex.identifier_nouns
    role, lemma, _ = _word_role(word, lex.language)
    return role == "noun" and lemma in lex.identifier_nouns


def _qualifier_before(lex: _Lexicon, text: str, start: int) -> tuple[str | None, int]:
    m = lex.qualifier_re.search(text, max(0, start - 40), start)
    if not m:
        return None, start
    return lex.qualifier_of[m.group("q").lower()], m.start("q")


def _overlaps(spans: SpanIndex, start: int, end: int) -> bool:
    return spans.overlaps(start, end)


def _hyphenated(lex: _Lexicon, text: str, folded: str, m: re.Match) -> NumberMention | None:
    """Digits with an ending: '80-й годовщины', '80-летия', '30-летний', '5-ти лет', '80th'."""
    n, suffix = int(m.string[m.start():m.end("rest")]), m.group("suffix")
    stem = next((s for s in lex.compound_counts if suffix.startswith(s)), None)
    if stem is not None:
        qualifier, start = _qualifier_before(lex, folded, m.start())
        return _mention(text, start, m.end(), float(n), qualifier, lex.compound_counts[stem])
    if suffix in lex.cardinal_endings or (suffix in lex.single_digit_cardinal_endings and n < 10):
        qualifier, start = _qualifier_before(lex, folded, m.start())
        unit, end = _find_unit(lex, folded, m.end(), text)
        return _mention(text, start, end, float(n), qualifier, unit)
    if lex.anniversary_stem and suffix.startswith(lex.anniversary_stem):
        return _mention(text, m.start(), m.end(), float(n), "ordinal", lex.anniversary_unit)
    if suffix not in lex.ordinal_endings:
        return None
    if n in YEAR_LIKE:                           # 'в 2025-м', '1990-х годов': a year or decade
        return None
    unit, end = _find_unit(lex, folded, m.end(), text)
    return _mention(text, m.start(), end, float(n), "ordinal", unit)


def _range_end(lex: _Lexicon, text: str, first: _Phrase,
               blocked: SpanIndex) -> tuple[_Phrase | None, bool]:
    """The upper end of 'A–B', 'от A до B', 'двух-трех' (inheriting B's multiplier: '10–15 тысяч'),
    and whether it is a change ('с A до B') rather than a range."""
    r = lex.range_re.match(text, first.end)
    if not r or first.value is None:
        return None, False
    m = lex.start_at(text, r.end())
    if not m or _overlaps(blocked, m.start(), m.end()):
        return None, False
    second = _read_phrase(lex, text, m)
    if second.value is None:
        return None, False
    if first.scale == 1.0 and len(first.atoms) == 1 and second.scale > 1.0 \
            and first.value < second.value / second.scale:
        first.value *= second.scale
    if second.value <= first.value:
        return None, False
    change = bool(lex.change_start_re.search(text, max(0, first.start - 6), first.start)) \
        and r.group().strip() in lex.range_to
    return second, change


def extract_numbers(text: str, language: str = "ru", *, dates: list[DateMention] | None = None,
                    ordinals: bool = True) -> list[NumberMention]:
    """Every number in `text` with its qualifier and counted unit, in order of appearance.

    `dates`: the text's date mentions, if already extracted (they are excluded from numbers);
    otherwise `extract_dates` is run here. `ordinals=False` drops ordinals ('80-й')."""
    lex = _lexicon(language if language in ("ru", "uk", "en") else "ru")
    folded = normalize(text)
    if dates is None:
        dates = extract_dates(text, None, language)
    # indexed: every number candidate of the text is tested against it (a list scan made long texts quadratic)
    blocked = SpanIndex([(d.start, d.end) for d in dates]
                        + [(m.start(), m.end()) for m in _LIST_MARKER.finditer(folded)])
    found: list[NumberMention] = []

    for m in lex.ordinal_re.finditer(folded):
        if _overlaps(blocked, m.start(), m.end()):
            continue
        mention = _hyphenated(lex, text, folded, m)
        if mention is None:
            continue
        blocked.add(mention.start, mention.end)
        if ordinals or mention.qualifier != "ordinal":
            found.append(mention)

    consumed = 0
    for m in lex.starts(folded):
        if m.start() < consumed or _overlaps(blocked, m.start(), m.end()):
            continue
        if _GLUED_TO_NUMBER.match(folded, max(0, m.start() - 2), m.start()):
            continue                              # 'части 58661-49', 'K2-32': not a range end
        first = _read_phrase(lex, folded, m)
        second, change = _range_end(lex, folded, first, blocked)
        last = second or first
        consumed = last.end
        if first.value is None:
            continue
        start = first.start
        unit, end = _find_unit(lex, folded, last.end, text)
        sym = lex.symbol_before_re.search(folded, max(0, start - 2), start)
        if sym:                                   # '$5 млрд'
            start = sym.start()
            unit = unit or lex.unit_symbols[sym.group("sym")]
        qualifier, q_start = _qualifier_before(lex, folded, start)
        if second is None:
            if qualifier is None and first.vague:
                qualifier = "more_than"
            if _skip_bare(lex, folded, first, unit, qualifier) or _names_parties(lex, folded, first, qualifier):
                continue
            found.append(_mention(text, q_start, end, first.value, qualifier, unit))
        elif change:                              # 'выросло с 10 до 15 процентов': two exact values
            found.append(_mention(text, start, first.end, first.value, None, unit))
            found.append(_mention(text, second.start, end, second.value, None, unit))
        else:
            shared = qualifier if qualifier == "about" else None
            found.append(_mention(text, q_start, first.end, first.value, shared or "at_least", unit))
            found.append(_mention(text, second.start, end, second.value, shared or "up_to", unit))
        consumed = max(consumed, end)

    found.sort(key=lambda n: n.start)
    return found


def _skip_bare(lex: _Lexicon, text: str, phrase: _Phrase, unit: str | None,
               qualifier: str | None) -> bool:
    only_digits = len(phrase.atoms) == 1 and phrase.atoms[0].kind == "digits"
    if not only_digits:
        return False
    if unit is None and phrase.value == int(phrase.value) and int(phrase.value) in YEAR_LIKE \
            and qualifier not in ("about", "more_than", "less_than"):
        return True
    if unit is None and not lex.english and qualifier is None \
            and _LATIN_BEFORE.search(text, max(0, phrase.start - 30), phrase.start):
        return True                               # 'React 19', 'iPhone 16', 'Superjet 100'
    return _identifier_before(lex, text, phrase.start)


def _names_parties(lex: _Lexicon, text: str, phrase: _Phrase, qualifier: str | None) -> bool:
    """'между двумя странами', 'between the two leaders': the sides of the story, not a reported figure."""
    return (lex.party_re is not None and qualifier is None and phrase.scale == 1 and phrase.value is not None
            and phrase.value < 10 and all(a.kind == "cardinal" for a in phrase.atoms)
            and lex.party_re.search(text, max(0, phrase.start - 20), phrase.start) is not None)


def _mention(text: str, start: int, end: int, value: float, qualifier: str | None,
             unit: str | None) -> NumberMention:
    return NumberMention(start=start, end=end, text=text[start:end], value=value,
                         approximate=qualifier in APPROXIMATE_QUALIFIERS, unit=unit,
                         qualifier=qualifier)
