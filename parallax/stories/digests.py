"""Digests: one post that lists several unrelated events ("Главное к вечеру вторника", "Итоги дня",
"Новости к этому часу"). A digest is not a report of one event, so it joins no event story, and no
story joins it (stories/clustering.py); :func:`digest_items` gives its items, each of which may be
matched to its own story by a caller.

Rules (written after the labelled sample benchmarks/data/digest_posts.tsv was labelled; guideline
benchmarks/data/digest_guideline.md; the 2026-12-06 changes, «коротко» as a word, «расследование»
and «по делу» as one subject, the weekly round-up wordings, were made after reading the errors on the
`fresh` sample of digest_posts_fresh.tsv and are checked on its `confirm` sample):

1. the first line is a round-up heading: «Главное к/за …», «Главные новости», «Главные события на
   <день>» (RIA's daily «Спецоперация. Обстановка и главные события на 28 ноября»: ninth session, issue 12),
   «Новости к этому часу»,
   «Итоги дня/недели», «Коротко» (the word, not «короткое замыкание»), «Самые популярные
   новости/материалы», «Самое популярное за неделю», «Новости за неделю», «дайджест», «Что произошло»;
   a heading about one speech, meeting or investigation («Главное из заявлений Путина», «Главное из
   выступления», «дайджест по расследованию …») is not a round-up. (A heading that names one subject
   before the round-up word, «Выборы президента в США. Главное к этому часу», is left alone: as many such
   posts are theme round-ups of separate events, «995-й день войны в Украине. Главное к этому часу».)
2. at least ``digest_min_items`` items follow: lines or paragraphs of at least 4 words (a bullet,
   a dash, an emoji or a number may lead them);
3. the items are unrelated: on average two items share less than ``_MAX_ITEM_OVERLAP`` of their
   content words (5-letter stems). The points of one statement share its subject.

A statement round-up is a digest too (seventh session, issue 12): «Другие заявления Пескова на
брифинге», «Главное из брифинга … Захаровой» list a briefing's answers on unrelated subjects (Scholz,
Biden's pardon, the dollar, Putin's schedule), each of which belongs to its own story, and joined whichever
story one point matched. Rule 1's heading is then «другие заявления …», «главное из брифинга …» or
«заявления … на брифинге» (not «главное из заявлений Путина на сессии …»: one speech, one theme), and it
needs ``_STATEMENT_MIN_ITEMS`` unrelated points (rule 3): three or four points are as often one theme
(«Другие заявления Путина» about «Орешник» alone). Checked on the 15 statement round-ups of the Telegram
corpus (benchmarks/data/digest_statements.tsv).
"""
from __future__ import annotations

import re
from itertools import combinations

from parallax.text import fold

_HEADING = re.compile(
    r"(?:^|[^\w])(?:главное\s+(?:к|за|на|в|о|об)\b|главное\s*$|главное\s+(?:утра|дня|вечера|недели)|"
    r"главные\s+новост|главные\s+события\s+(?:на|за|к|дня|недели|утра|вечера)\b|"
    r"новости\s+к\s+этому\s+часу|к\s+этому\s+часу|"
    r"самое\s+(?:интересное|главное|важное|популярное)\s+(?:к|за)\b|"
    r"итоги\s+(?:дня|недели|вечера|утра)|коротко(?!\w)|дайджест|самые\s+популярные\s+(?:новости|материалы)|"
    r"материалы\s+за\s+(?:эту\s+|прошедшую\s+)?неделю|новости\s+за\s+(?:неделю|день|сутки)|"
    r"что\s+произошло\s+(?:за|к|ночью|утром|сегодня)|новости\s+(?:дня|недели|утра|вечера)\b)")
# a round-up of one speech, meeting or document lists its points, not separate events
_ONE_EVENT = re.compile(r"заявлени|выступлени|интервью|пресс-конференц|послани|обращени|доклад|совещани|"
                        r"речи|реч[ьи]\b|саммит|заседани|из\s+слов|сказал|заявил|расследовани|по\s+делу|о\s+деле\b")
# a briefing's leftover answers, or a briefing's round-up: unrelated subjects by construction (see above)
_STATEMENT_HEADING = re.compile(r"^[\W\d_]*(?:другие\s+заявлени|главное\s+из\s+брифинга|"
                                r"заявлени\w*\s+[^:]{0,60}?на\s+брифинге)")
_STATEMENT_MIN_ITEMS = 5
_LEADER = re.compile(r"^[\W\d_]*")
_WORD = re.compile(r"[^\W\d_]{4,}")
_URL = re.compile(r"https?://\S+|www\.\S+|t\.me/\S+")
_MIN_ITEM_WORDS = 4
_MAX_ITEM_OVERLAP = 0.2


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _heading_and_body(text: str, title: str | None) -> tuple[str, list[str]]:
    """(heading, body lines): a separate title is the heading of the whole text; a post without one
    (Telegram: the title is the first line) is headed by its first line."""
    lines = _lines(text)
    title = (title or "").strip()
    if title and not text.lstrip().startswith(title):
        return title, lines
    return (lines[0] if lines else ""), lines[1:]


def digest_items(text: str, min_words: int = _MIN_ITEM_WORDS, title: str | None = None) -> list[str]:
    """The items of a post after its heading: lines of at least `min_words` words, bullets and
    leading emoji or numbers removed (subscription footers and hashtags are not items)."""
    items = []
    for line in _heading_and_body(text, title)[1]:
        body = _LEADER.sub("", line).strip()
        if body.startswith("#") or "подпис" in fold(body)[:40]:
            continue
        if len(body.split()) >= min_words:
            items.append(body)
    return items


def _stems(text: str) -> frozenset[str]:
    """Content stems of an item; links are left out (one site's address is in every item)."""
    return frozenset(w[:5] for w in _WORD.findall(fold(_URL.sub(" ", text))))


def items_overlap(items: list[str]) -> float:
    """Mean Jaccard of the content stems of every two items (0 = nothing in common)."""
    stems = [_stems(i) for i in items]
    pairs = [(a, b) for a, b in combinations(stems, 2) if a and b]
    if not pairs:
        return 0.0
    return sum(len(a & b) / len(a | b) for a, b in pairs) / len(pairs)


def is_digest(text: str, min_items: int = 3, title: str | None = None) -> bool:
    """True when the post is a round-up of several unrelated events (see the module docstring)."""
    heading = fold(_heading_and_body(text, title)[0])[:120]
    if heading and _STATEMENT_HEADING.search(heading):
        min_items = max(min_items, _STATEMENT_MIN_ITEMS)
    elif not heading or not _HEADING.search(heading) or _ONE_EVENT.search(heading):
        return False
    items = digest_items(text, title=title)
    return len(items) >= min_items and items_overlap(items) < _MAX_ITEM_OVERLAP
