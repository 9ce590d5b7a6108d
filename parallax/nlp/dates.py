"""Date mentions in news text, resolved to calendar dates.

Absolute dates ('3 сентября 2025 года', '3.09.2025', '2025-09-03', 'в 2024 году') are read as written.
Partial and relative ones ('1 сентября', 'в апреле', 'в среду', 'вчера', 'на прошлой неделе',
'в июне прошлого года', 'два года назад') are resolved against an anchor, the article's (or the story's)
date; without an anchor they are still reported, with `value=None`.

Spans cover the date words themselves, not a leading preposition: 'в среду' -> 'среду',
'на прошлой неделе' -> 'прошлой неделе'. Vocabulary lives in data/dates_<language>.yaml; languages
without a table ('uk') use the Russian one, so digits and ISO dates still work there.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

from parallax.model import DateMention
from parallax.nlp.morph import parses
from parallax.resources import load_yaml, resource_path
from parallax.text import fold

DATA_DIR = resource_path("nlp/data")

# Year of a partial date ('1 сентября', 'в октябре'): the anchor's year, unless that lands more than
# FUTURE_WINDOW after the anchor (news report the past; 'в декабре' in a January article is last
# December); a date that is more than STALE_PAST behind the anchor but within NEXT_YEAR_WINDOW of it
# next year is an upcoming one ('15 января' in a late-December article).
FUTURE_WINDOW = dt.timedelta(days=183)
STALE_PAST = dt.timedelta(days=300)
NEXT_YEAR_WINDOW = dt.timedelta(days=62)

# A digit that does not continue a word or a number ('Су-57', '1.5'). The digit comes first and the
# look-behind second so that the regex engine can skip ahead to the next digit.
_DIGIT_START = r"[0-9](?<![\w.,/][0-9])"
_YEAR_START = r"[12](?<![\w.,/\-][12])"
_YEAR4 = r"[12]\d{3}"
_E = r"(?![\w])"           # word end; word starts are checked in code (see _finditer), which
                           # lets the regex engine skip ahead on the first letter
_WEEKDAY_DATE_GAP = re.compile(r"^[\s,(]*$")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")
_DIGITS = re.compile(r"\d{1,2}")


def trie_regex(forms) -> str:
    """One regex for a set of words, as a character trie: 'прошл(?:ая|ого|...)'. A flat alternation of
    hundreds of forms is tried form by form at every position; the trie fails on the first letter."""
    root: dict = {}
    for form in set(forms):
        node = root
        for ch in form.lower():
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return "(?:" + build(root) + ")"


def normalize(text: str) -> str:
    """Lower case with 'ё' as 'е', the same length as `text` so offsets carry over."""
    low = fold(text)
    if len(low) == len(text):
        return low
    return fold("".join(c if len(c.lower()) != 1 else c.lower() for c in text), keep_case=True)


def finditer_words(rx: re.Pattern, text: str):
    """`rx.finditer`, keeping only matches that start at a word start (or at a non-letter)."""
    pos, n = 0, len(text)
    while pos <= n:
        m = rx.search(text, pos)
        if m is None:
            return
        s = m.start()
        if s > 0 and m.group()[:1].isalpha() and (text[s - 1].isalnum() or text[s - 1] == "_"):
            pos = s + 1
            continue
        yield m
        pos = m.end() if m.end() > s else s + 1


@dataclass
class _Candidate:
    start: int
    end: int
    kind: str                       # day | month | month_mod | year | period | weekday | relday | ago
    year: int | None = None         # as written
    month: int | None = None
    day: int | None = None
    offset: int | None = None       # modifier offset / relative days / count for 'ago'
    unit: str | None = None         # period unit (week | month | year) or 'ago' unit
    weekday: int | None = None
    value: dt.date | None = None
    granularity: str = "day"
    relative: bool = False


class _Grammar:
    """Compiled patterns for one language, built once from its YAML table."""

    def __init__(self, language: str, table: dict):
        self.language = language
        gen_forms, all_forms = self._read_months(table)
        self._read_vocabulary(table)
        words = self._word_regexes(table, gen_forms, all_forms)
        self._compile_gaps(table, words)
        # matched against normalize(text): lower case, so no IGNORECASE (which defeats the engine's
        # first-character skipping); English names are checked for their capital in `candidates`
        self.patterns = [(kind, re.compile(rx)) for kind, rx in self._pattern_sources(table, words)]

    # ---- building ----------------------------------------------------------------------------------

    def _read_months(self, table: dict) -> tuple[list[str], list[str]]:
        """Fill `month_of`; return the genitive (and abbreviated) month forms and all full forms."""
        self.month_of: dict[str, int] = {}
        gen_forms, all_forms = [], []
        for month, forms in table["months"].items():
            if isinstance(forms, dict):
                gen = forms["genitive"] + forms.get("abbreviated", [])
                other = forms["other"]
            else:
                gen, other = forms, []
            for f in (*gen, *other):
                self.month_of[f.lower()] = int(month)
            gen_forms += gen
            all_forms += other + (forms["genitive"] if isinstance(forms, dict) else gen)
        return gen_forms, all_forms

    def _read_vocabulary(self, table: dict) -> None:
        """The word -> value tables: weekdays, modifiers ('прошлой'), periods, relative days, 'ago'."""
        self.weekday_of = {f.lower(): int(wd)
                           for wd, forms in table["weekdays"].items() for f in forms}
        self.modifier_of = {f.lower(): int(off) for off, forms in table["modifiers"].items()
                            for f in forms}
        weekday_modifier_of = dict(self.modifier_of)
        for off, forms in (table.get("weekday_only_modifiers") or {}).items():
            weekday_modifier_of.update({f.lower(): int(off) for f in forms})
        self.weekday_modifier_of = weekday_modifier_of
        self.period_of = {f.lower(): unit for unit, forms in table["periods"].items() for f in forms}
        self.relative_days = {k.lower(): int(v) for k, v in table["relative_days"].items()}
        self.also_prepositions = set(table.get("relative_days_also_prepositions") or [])
        ago = table["ago"]
        self.ago_unit_of = {f.lower(): unit for unit, forms in ago["units"].items() for f in forms}
        self.ago_numbers = {k.lower(): v for k, v in ago["numbers"].items()}
        self.ago_implicit_one = {f.lower() for f in ago.get("implicit_one", [])}

    def _word_regexes(self, table: dict, gen_forms: list[str], all_forms: list[str]) -> dict[str, str]:
        """One trie regex per word class, by name."""
        english = self.language == "en"
        return {
            "month_gen": trie_regex(gen_forms if not english else all_forms),
            "month_any": trie_regex(all_forms),
            "weekday": trie_regex(self.weekday_of),
            "mods": trie_regex(self.modifier_of),
            "wd_mods": trie_regex(self.weekday_modifier_of),
            "periods": trie_regex(self.period_of),
            "year_period": trie_regex(table["periods"]["year"]),
            "month_lead": trie_regex(table["month_lead_words"]),
            "weekday_lead": trie_regex(table["weekday_lead_words"]),
            "year_lead": trie_regex(table["year_lead_words"]),
            "reldays": trie_regex(self.relative_days),
            "ago_units": trie_regex(self.ago_unit_of),
            "ago_numbers": trie_regex(self.ago_numbers),
            "range_words": trie_regex(table["range_words"]),
        }

    def _compile_gaps(self, table: dict, words: dict[str, str]) -> None:
        """The patterns read around a match: range and list gaps, the weekday gap, what stands before."""
        # the text between two dates of one range ('с 1 по 3', '31 августа — 3 сентября')
        self.range_gap = re.compile(rf"^\s*(?:[-–—]|,|{words['range_words']})?\s*$")
        self.list_end = re.compile(rf"(?<!\w){trie_regex(table['list_end_words'])}(?!\w)")
        # between a date and its weekday: '3 июня, в понедельник'
        self.date_weekday_gap = re.compile(rf"^[\s,(—–-]*(?:{words['weekday_lead']}\s+)?$")
        # What may stand before a weekday or an 'ago' unit, read backwards from the match: leading
        # optional words in the main pattern would be tried at every position of the text.
        self.before = {
            "weekday": re.compile(rf"(?<!\w)(?:(?P<lead>{words['weekday_lead']})\s+)?"
                                  rf"(?:(?P<mod>{words['wd_mods']})\s+)?$"),
            "ago": re.compile(rf"(?<!\w)(?:(?P<n>\d{{1,3}}|{words['ago_numbers']})\s+)?$"),
        }

    def _year_forms(self, table: dict) -> tuple[str, str, str, str | None]:
        """(what may follow a year, a day-number suffix, a year suffix, the required 'года' words)."""
        if self.language == "en":
            return "", r"(?:st|nd|rd|th)?", "", None
        year_tail = (r"(?:-?" + trie_regex(table["year_suffixes"]) + r")?"
                     r"(?:\s*" + trie_regex(table["year_words"]) + r"(?![\w]))?")
        year_suffix = r"(?:-?" + trie_regex(table["year_suffixes"]) + r")?"
        year_words_req = year_suffix + r"\s*" + trie_regex(table["year_words"]) + r"(?![\w])"
        return year_tail, r"(?:-?(?:го|е))?", year_suffix, year_words_req

    def _pattern_sources(self, table: dict, words: dict[str, str]) -> list[tuple[str, str]]:
        """(kind, regex) in priority order: among equal spans the earlier pattern wins."""
        month_gen, month_any, mods = words["month_gen"], words["month_any"], words["mods"]
        year_period, range_words = words["year_period"], words["range_words"]
        year4 = _YEAR4
        year_forms = self._year_forms(table)
        year_tail, day_suffix = year_forms[0], year_forms[1]
        list_connector = rf"(?:[-–—]|,|{range_words})"
        day_list = (rf"(?P<days>{_DIGIT_START}[0-9]?{day_suffix}"
                    rf"(?:\s*{list_connector}\s*\d{{1,2}}{day_suffix})*)")
        year_or_mod = (rf"(?:,?\s+(?P<year>{year4})(?!\d){year_tail}"
                       rf"|\s+(?:of\s+)?(?P<mod>{mods})\s+{year_period}{_E})?")
        patterns: list[tuple[str, str]] = [
            ("iso", rf"(?P<year>{_YEAR_START}[0-9]{{3}})-(?P<month>[0-9]{{2}})-(?P<day>[0-9]{{2}})"
                    r"(?![0-9\-])"),
            ("dotted", rf"(?P<day>{_DIGIT_START}[0-9]?)\.(?P<month>[0-9]{{1,2}})\."
                       r"(?P<year>[12][0-9]{3}|[0-9]{2})(?![\w]|\.[0-9])"),
            ("day", rf"{day_list}\s+(?:of\s+)?(?P<month>{month_gen}){_E}{year_or_mod}"),
            ("month_year", rf"(?P<month>{month_any}){_E}\s+(?:of\s+)?(?P<year>{year4})(?!\d)"
                           f"{year_tail}"),
            ("month_mod", rf"(?P<month>{month_any}){_E}\s+(?:of\s+)?(?P<mod>{mods})\s+"
                          rf"{year_period}{_E}"),
            ("month_bare", rf"(?P<lead>{words['month_lead']})\s+(?P<core>(?P<month>{month_any})){_E}"),
            ("period", rf"(?P<mod>{mods})\s+(?P<period>{words['periods']}){_E}"),
            ("weekday", rf"(?P<wd>{words['weekday']}){_E}"),
            ("relday", rf"(?P<word>{words['reldays']}){_E}"),
            ("ago", rf"(?P<unit>{words['ago_units']})\s+{re.escape(table['ago']['word'])}{_E}"),
        ]
        return patterns + self._year_patterns(words, year_forms)

    def _year_patterns(self, words: dict[str, str], year_forms: tuple) -> list[tuple[str, str]]:
        """The language's own patterns: English 'September 3, 2025'; years with or without 'год'."""
        year4 = _YEAR4
        _, day_suffix, year_suffix, year_words_req = year_forms
        year_lead, range_words = words["year_lead"], words["range_words"]
        if self.language == "en":
            return [
                ("day", rf"(?P<month>{words['month_any']})\s+(?P<days>\d{{1,2}}){day_suffix}(?!\d)"
                        rf"(?:,?\s+(?P<year>{year4})(?!\d))?"),
                # 'in 2024', but not 'in 2024 people' (a count)
                ("year_bare", rf"(?P<lead>{year_lead})\s+"
                              rf"(?P<core>(?P<year>(?:19|20)\d{{2}}))(?![\w%]|[.,]\d)"
                              r"(?!\s+(?:[a-z]+s|people|men|women|children)\b)"),
            ]
        return [
            ("year", rf"(?P<year>{_YEAR_START}[0-9]{{3}})(?:{year_words_req}|{year_suffix}\s*"
                     rf"(?:[-–—]|{range_words})\s*(?P<year2>{year4}){year_words_req})"),
            # 'как и в 2014,': a year without 'год' only before punctuation or a conjunction
            ("year_bare", rf"(?P<lead>{year_lead})\s+"
                          rf"(?P<core>(?P<year>(?:19|20)\d{{2}}))(?![\w%]|[.,]\d)"
                          r"(?=\s*(?:[,.;:!?)»\"”\n]|$)|\s+(?:и|или|—|–)\s)"),
        ]

    # ---- reading matches ---------------------------------------------------------------------------

    def month_number(self, form: str) -> int | None:
        return self.month_of.get(form)

    def candidates(self, kind: str, m: re.Match, text: str, original: str) -> list[_Candidate]:
        """Candidates from match `m` of pattern `kind` in `text` (normalized; `original` as given)."""
        g = m.groupdict()
        if self.language == "en":           # 'May', 'Monday': names only with their capital
            for name in ("month", "wd"):
                if g.get(name) and not original[m.start(name)].isupper():
                    return []
        if "core" in g and g["core"] is not None:
            start, end = m.span("core")
        else:
            start, end = m.span()
        if kind == "iso" or kind == "dotted":
            return self._numeric_date(g, start, end)
        if kind == "day":
            return self._day_list(m, g, start, end)
        if kind == "month_year":
            y = int(g["year"])
            return [_Candidate(start, end, "month", year=y, month=self.month_number(g["month"]))]
        if kind == "month_mod":
            return [_Candidate(start, end, "month", month=self.month_number(g["month"]),
                               offset=self.modifier_of[g["mod"]])]
        if kind == "month_bare":
            return [_Candidate(start, end, "month", month=self.month_number(g["month"]))]
        if kind == "period":
            return [_Candidate(start, end, "period", offset=self.modifier_of[g["mod"]],
                               unit=self.period_of[g["period"]])]
        if kind == "weekday":
            return self._weekday(g, start, end, text)
        if kind == "relday":
            return [_Candidate(start, end, "relday", offset=self.relative_days[g["word"]])]
        if kind == "ago":
            return self._ago(g, start, end, text)
        if kind == "year":
            return self._years(m, g, start, end)
        if kind == "year_bare":
            return [_Candidate(start, end, "year", year=int(g["year"]))]
        raise ValueError(kind)

    def _numeric_date(self, g: dict, start: int, end: int) -> list[_Candidate]:
        """'2025-09-03', '3.09.2025', '03.09.25'."""
        d, mo, y = int(g["day"]), int(g["month"]), int(g["year"])
        if len(g["year"]) == 2:             # '03.09.25' but never '3.9.25'
            if len(g["day"]) != 2 or len(g["month"]) != 2:
                return []
            y += 2000
        if _valid(y, mo, d):
            return [_Candidate(start, end, "day", year=y, month=mo, day=d)]
        return []

    def _day_list(self, m: re.Match, g: dict, start: int, end: int) -> list[_Candidate]:
        """'3 сентября 2025 года', '1, 2 и 3 сентября', 'September 3': one candidate per day number."""
        month = self.month_number(g["month"])
        year = int(g["year"]) if g.get("year") else None
        offset = self.modifier_of.get(g["mod"]) if g.get("mod") else None
        days_start = m.start("days")
        numbers = list(_DIGITS.finditer(g["days"]))
        if "," in g["days"] and not self.list_end.search(g["days"]):
            numbers = numbers[-1:]          # 'погибли 15, 3 сентября': a list needs its 'и'
        out = []
        for i, dm in enumerate(numbers):
            day = int(dm.group())
            if not 1 <= day <= 31 or (year and not _valid(year, month, day)):
                continue
            if not _valid(2024, month, day):          # a leap year admits every real day
                continue
            last = i == len(numbers) - 1
            s = days_start + dm.start()
            e = end if last else days_start + dm.end()
            if self.language == "en" and not last:
                continue
            if self.language == "en" and m.start("month") < days_start:
                s = start                              # 'September 3, 2025'
            out.append(_Candidate(s, e, "day", year=year, month=month, day=day, offset=offset))
        return out

    def _weekday(self, g: dict, start: int, end: int, text: str) -> list[_Candidate]:
        """'в среду', 'в прошлую пятницу': a weekday counts only after a lead word or a modifier."""
        b = self.before["weekday"].search(text, max(0, start - 40), start)
        if not b.group("lead") and not b.group("mod"):
            return []
        offset = None
        if b.group("mod"):
            offset = self.weekday_modifier_of[b.group("mod")]
            start = b.start("mod")
        return [_Candidate(start, end, "weekday", weekday=self.weekday_of[g["wd"]], offset=offset)]

    def _ago(self, g: dict, start: int, end: int, text: str) -> list[_Candidate]:
        """'два года назад', 'год назад'."""
        b = self.before["ago"].search(text, max(0, start - 20), start)
        n = b.group("n")
        if n is not None:
            start = b.start("n")
        elif g["unit"] not in self.ago_implicit_one:
            return []                       # 'более 3 миллиардов лет назад' is not 'a year ago'
        if n is None:
            count = 1
        elif n.isdigit():
            count = int(n)
        else:
            count = self.ago_numbers.get(n)
        if count is None:                   # 'несколько дней назад'
            return []
        return [_Candidate(start, end, "ago", offset=count, unit=self.ago_unit_of[g["unit"]])]

    @staticmethod
    def _years(m: re.Match, g: dict, start: int, end: int) -> list[_Candidate]:
        """'в 2024 году', '2014–2015 годах' (two candidates)."""
        out = [_Candidate(start, end if not g.get("year2") else m.start("year") + 4, "year",
                          year=int(g["year"]))]
        if g.get("year2"):
            out.append(_Candidate(m.start("year2"), end, "year", year=int(g["year2"])))
        return out


def _valid(y: int, m: int | None, d: int) -> bool:
    if m is None or not 1 <= m <= 12 or not 1 <= y <= 9999:
        return False
    return 1 <= d <= calendar.monthrange(y, m)[1]


def _shift_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    y, m = divmod(total, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def infer_year(anchor: dt.date, month: int, day: int = 1) -> int | None:
    """The year of 'day month' as mentioned in a text written on `anchor` (see FUTURE_WINDOW)."""
    y = anchor.year
    if _valid(y, month, day):
        cand = dt.date(y, month, day)
        if cand - anchor > FUTURE_WINDOW:
            y -= 1
        elif anchor - cand > STALE_PAST and _valid(y + 1, month, day) \
                and dt.date(y + 1, month, day) - anchor <= NEXT_YEAR_WINDOW:
            y += 1
    for year in (y, y - 1, y - 2, y - 3):              # 29 February: the nearest leap year back
        if _valid(year, month, day):
            return year
    return None


@functools.lru_cache(maxsize=None)
def _grammar(language: str) -> _Grammar:
    path = DATA_DIR / f"dates_{language}.yaml"
    if not path.exists():
        return _grammar("ru")
    return _Grammar(language, load_yaml(path))


def _governs_a_genitive(text: str, end: int) -> bool:
    """Whether the word after `end` is a genitive noun phrase: 'накануне визита' (before the
    visit) uses 'накануне' as a preposition, not as 'the day before'."""
    m = _NEXT_WORD.match(text, end)
    if not m:
        return False
    best = parses(m.group(1))[0]
    return best.tag.POS in {"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"} and best.tag.case == "gent"


def _select(groups: list[tuple[int, int, int, list[_Candidate]]]) -> list[_Candidate]:
    """Longest match wins; among equal spans the earlier pattern does."""
    groups.sort(key=lambda g: (-(g[1] - g[0]), g[2], g[0]))
    taken: list[tuple[int, int]] = []
    out: list[_Candidate] = []
    for start, end, _, cands in groups:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        out.extend(cands)
    out.sort(key=lambda c: c.start)
    return out


def _propagate_years(cands: list[_Candidate], text: str, grammar: _Grammar) -> None:
    """'с 31 августа по 3 сентября 2025 года': the first date takes the year of the second."""
    for i in range(len(cands) - 2, -1, -1):
        c, nxt = cands[i], cands[i + 1]
        if c.kind not in ("day", "month") or c.year is not None or c.offset is not None:
            continue
        if nxt.kind not in ("day", "month") or nxt.year is None or nxt.month is None:
            continue
        if not grammar.range_gap.match(text[c.end:nxt.start]):
            continue
        later_in_year = (c.month, c.day or 1) > (nxt.month, nxt.day or 1)
        c.year = nxt.year - 1 if later_in_year else nxt.year


def _resolve(c: _Candidate, anchor: dt.date | None) -> None:
    if c.kind == "day":
        c.granularity = "day"
        if c.year is not None:
            c.relative = False
            c.value = dt.date(c.year, c.month, c.day) if _valid(c.year, c.month, c.day) else None
            return
        c.relative = True
        if anchor is None:
            return
        year = anchor.year + c.offset if c.offset is not None else infer_year(anchor, c.month, c.day)
        if year is not None and _valid(year, c.month, c.day):
            c.value = dt.date(year, c.month, c.day)
    elif c.kind == "month":
        c.granularity = "month"
        if c.year is not None:
            c.relative = False
            c.value = dt.date(c.year, c.month, 1)
            return
        c.relative = True
        if anchor is not None:
            year = anchor.year + c.offset if c.offset is not None else infer_year(anchor, c.month)
            c.value = dt.date(year, c.month, 1)
    elif c.kind == "year":
        c.granularity, c.relative, c.value = "year", False, dt.date(c.year, 1, 1)
    elif c.kind == "period":
        c.relative = True
        c.granularity = c.unit
        if anchor is None:
            return
        if c.unit == "week":
            c.value = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(weeks=c.offset)
        elif c.unit == "month":
            c.value = _shift_months(anchor.replace(day=1), c.offset)
        else:
            c.value = dt.date(anchor.year + c.offset, 1, 1)
    elif c.kind == "weekday":
        c.granularity, c.relative = "weekday", True
        if anchor is None:
            return
        back = (anchor.weekday() - c.weekday) % 7
        if c.offset is None:                    # news past tense: the last such day, today included
            c.value = anchor - dt.timedelta(days=back)
        elif c.offset < 0:
            c.value = anchor - dt.timedelta(days=back or 7) - dt.timedelta(weeks=-c.offset - 1)
        elif c.offset == 0:
            c.value = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(days=c.weekday)
        else:
            ahead = (c.weekday - anchor.weekday()) % 7 or 7
            c.value = anchor + dt.timedelta(days=ahead) + dt.timedelta(weeks=c.offset - 1)
    elif c.kind == "relday":
        c.granularity, c.relative = "relative_day", True
        if anchor is not None:
            c.value = anchor + dt.timedelta(days=c.offset)
    elif c.kind == "ago":
        c.relative = True
        c.granularity = "year" if c.unit == "year" else "relative_day"
        if anchor is None:
            return
        if c.unit == "day":
            c.value = anchor - dt.timedelta(days=c.offset)
        elif c.unit == "week":
            c.value = anchor - dt.timedelta(weeks=c.offset)
        elif c.unit == "month":
            c.value = _shift_months(anchor, -c.offset)
        elif c.unit == "half_year":
            c.value = _shift_months(anchor, -6 * c.offset)
        else:
            c.value = dt.date(anchor.year - c.offset, 1, 1)


def _order_ranges(cands: list[_Candidate], text: str, grammar: _Grammar) -> None:
    """'с 28 декабря по 8 января' in a November article: the end comes after the start."""
    for prev, c in zip(cands, cands[1:]):
        if c.kind not in ("day", "month") or not c.relative or c.offset is not None:
            continue
        if prev.kind not in ("day", "month") or prev.value is None or c.value is None:
            continue
        if c.value < prev.value and grammar.range_gap.match(text[prev.end:c.start]) \
                and _valid(c.value.year + 1, c.value.month, c.value.day):
            c.value = c.value.replace(year=c.value.year + 1)


def _link_weekdays(cands: list[_Candidate], text: str, grammar: _Grammar) -> None:
    """'в понедельник, 1 сентября' / '1 сентября, в понедельник': the weekday is that date."""
    for i, c in enumerate(cands):
        if c.kind != "weekday":
            continue
        partner = None
        if i + 1 < len(cands) and cands[i + 1].kind == "day" \
                and _WEEKDAY_DATE_GAP.match(text[c.end:cands[i + 1].start]):
            partner = cands[i + 1]
        elif i > 0 and cands[i - 1].kind == "day" \
                and grammar.date_weekday_gap.match(text[cands[i - 1].end:c.start]):
            partner = cands[i - 1]
        if partner is not None and partner.value is not None:
            c.value, c.relative = partner.value, partner.relative


def extract_dates(text: str, anchor: dt.date | None, language: str = "ru") -> list[DateMention]:
    """Every date mention in `text`, in order of appearance; relative ones resolved against `anchor`."""
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    grammar = _grammar(language if language in ("ru", "uk", "en") else "ru")
    folded = normalize(text)
    groups: list[tuple[int, int, int, list[_Candidate]]] = []
    for priority, (kind, rx) in enumerate(grammar.patterns):
        for m in finditer_words(rx, folded):
            cands = grammar.candidates(kind, m, folded, text)
            if not cands:
                continue
            if kind == "relday" and m.group("word") in grammar.also_prepositions \
                    and _governs_a_genitive(folded, m.end()):
                continue
            groups.append((min(c.start for c in cands), max(c.end for c in cands), priority, cands))
    cands = _select(groups)
    _propagate_years(cands, folded, grammar)
    for c in cands:
        _resolve(c, anchor)
    _order_ranges(cands, folded, grammar)
    _link_weekdays(cands, folded, grammar)
    return [DateMention(start=c.start, end=c.end, text=text[c.start:c.end], value=c.value,
                        granularity=c.granularity, relative=c.relative) for c in cands]
