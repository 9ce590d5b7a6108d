"""Character spans as quote extraction reads them: the top-level pairs of quotation marks of a text and the
tokens of a sentence they quote, tests of a position or span against a list of spans, trimming a span, and
the punctuation involved."""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

DASH = "—–−-"
SENT_END = ".!?…"


_OPEN_CHARS = "«„‹"
_CLOSE_FOR = {"»": "«", "›": "‹", "”": "“„\"", "“": "„"}
QUOTE_CHARS = frozenset("«»„“”‹›\"")
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


def quoted_tokens(tokens: Sequence) -> list[bool]:
    """Which tokens of one sentence or clause (`model.Token`s, in order) belong to a quotation: its marks and
    the words between them, read as `find_quote_spans` reads text (the tokens laid out at their offsets), so
    that a claim's clauses, its events and the framing of its article agree on whose words are whose. A claim
    is often one sentence of a longer quotation: an opening mark whose quotation does not close inside the
    tokens quotes the rest of them. A closing mark with no opening one quotes nothing (the quotation may have
    begun a sentence earlier, but a stray mark is as likely: read as quoting what precedes it, it cost a
    claim on the claim-groups tune part and gained nothing elsewhere, session 11)."""
    if not any(t.text in QUOTE_CHARS for t in tokens):
        return [False] * len(tokens)
    base = tokens[0].start
    chars = [" "] * max(tokens[-1].end - base, 0)
    for t in tokens:
        chars[t.start - base:t.end - base] = t.text[:t.end - t.start].ljust(t.end - t.start)
    text = "".join(chars)
    spans = find_quote_spans(text)
    starts = [t.start - base for t in tokens]
    quoted = [any(a <= s <= b for a, b in spans) for s in starts]
    for k, t in enumerate(tokens):
        if quoted[k] or t.text not in QUOTE_CHARS:
            continue
        prev = text[starts[k] - 1] if starts[k] else " "
        nxt = text[starts[k] + 1] if starts[k] + 1 < len(text) else " "
        opens = t.text in _OPEN_CHARS or (t.text in "“\"" and (prev.isspace() or prev in _OPENING_CONTEXT)
                                           and not nxt.isspace())
        if opens:
            quoted[k:] = [True] * (len(tokens) - k)
            break
    return quoted


class SpanIndex:
    """(start, end) spans sorted by start, for `inside` and `overlaps` without a scan of every span: a span
    that reaches a position starts at most `longest` characters before it, so only the spans starting in that
    window are looked at. Without it those tests made quote extraction quadratic in the length of a text
    (every comma and speech verb tested against every quotation of the text). Spans can be added."""

    def __init__(self, spans=()):
        items = sorted(spans)
        self.starts = [s for s, _ in items]
        self.ends = [e for _, e in items]
        self.longest = max((e - s for s, e in items), default=0)

    def add(self, start: int, end: int) -> None:
        k = bisect.bisect_right(self.starts, start)
        self.starts.insert(k, start)
        self.ends.insert(k, end)
        self.longest = max(self.longest, end - start)

    def __iter__(self):
        return iter(zip(self.starts, self.ends))

    def __len__(self) -> int:
        return len(self.starts)

    def _reaching(self, lo: int, hi_start: int, right: bool) -> range:
        """Indices of the spans that start after lo - longest and before (or at, `right`) hi_start."""
        first = bisect.bisect_right(self.starts, lo - self.longest)
        last = (bisect.bisect_right if right else bisect.bisect_left)(self.starts, hi_start)
        return range(first, last)

    def inside(self, pos: int) -> bool:
        return any(pos < self.ends[k] for k in self._reaching(pos, pos, True))

    def overlaps(self, start: int, end: int) -> bool:
        return any(start < self.ends[k] for k in self._reaching(start, end, False))


class SpanUnion:
    """Several span collections tested as one."""

    def __init__(self, *parts):
        self.parts = parts

    def __iter__(self):
        return (span for part in self.parts for span in part)


def inside(pos: int, spans) -> bool:
    if isinstance(spans, SpanIndex):
        return spans.inside(pos)
    if isinstance(spans, SpanUnion):
        return any(inside(pos, part) for part in spans.parts)
    return any(s <= pos < e for s, e in spans)


def overlaps(start: int, end: int, spans) -> bool:
    if isinstance(spans, SpanIndex):
        return spans.overlaps(start, end)
    if isinstance(spans, SpanUnion):
        return any(overlaps(start, end, part) for part in spans.parts)
    return any(start < e and s < end for s, e in spans)


def strip_inner(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))
