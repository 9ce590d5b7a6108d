"""Character spans as quote extraction reads them: the top-level pairs of quotation marks of a text,
tests of a position or span against a list of spans, trimming a span, and the punctuation involved."""
from __future__ import annotations

import re

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


def inside(pos: int, spans) -> bool:
    return any(s <= pos < e for s, e in spans)


def overlaps(start: int, end: int, spans) -> bool:
    return any(start < e and s < end for s, e in spans)


def strip_inner(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))
