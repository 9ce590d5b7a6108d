"""Search across articles and the quotes found in them: "who said X", "which outlets said Y".

Candidates come from the full-text index (every word, any inflection, as `parallax stories --query`);
quotes are then read from the stored analyses of those articles and kept when the quote itself contains
every word (and, with `speaker`, when its speaker's name does).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from parallax.nlp.linking import full_name, surname_index
from parallax.store.queries import (
    Filters,
    article_rows,
    iso_utc,
    list_articles,
    matching_pks,
    outlet_counts,
)
from parallax.store.store import search_terms
from parallax.text import fold

QUOTE_CANDIDATES = 400     # newest matching articles whose analyses are read for quotes
MAX_QUOTES = 200
SNIPPET_CHARS = 110

_WORD = re.compile(r"\w+")




def contains_all(stems: list[str], text: str) -> bool:
    """Every stem starts some word of `text` (the prefix match the full-text index does)."""
    words = _WORD.findall(fold(text))
    return all(any(w.startswith(s) for w in words) for s in stems)


def marked_segments(text: str, stems: list[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_match) so a template can escape each piece and mark the matches."""
    if not stems:
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    pos = 0
    folded = fold(text)
    for m in _WORD.finditer(folded):
        if any(m.group(0).startswith(s) for s in stems):
            if m.start() > pos:
                out.append((text[pos:m.start()], False))
            out.append((text[m.start():m.end()], True))
            pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def snippet(text: str, stems: list[str], width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """The part of `text` around its first match, as marked segments, with ellipses where cut."""
    folded = fold(text)
    first = None
    for m in _WORD.finditer(folded):
        if any(m.group(0).startswith(s) for s in stems):
            first = m.start()
            break
    if first is None:
        first = 0
    start = max(0, first - width // 2)
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start, first) if first > start else -1
        start = space + 1 if space >= 0 else start
    piece = " ".join(text[start:end].split())
    segments = marked_segments(piece, stems)
    if start > 0:
        segments.insert(0, ("…", False))
    if end < len(text):
        segments.append(("…", False))
    return segments


@dataclass
class QuoteHit:
    pk: int
    outlet: str
    title: str | None
    published: str | None
    story_id: str | None
    text: str
    kind: str
    speaker: str | None
    start: int
    end: int
    segments: list[tuple[str, bool]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"article": self.pk, "outlet": self.outlet, "title": self.title, "published": self.published,
                "story": self.story_id, "text": self.text, "kind": self.kind, "speaker": self.speaker,
                "start": self.start, "end": self.end}


def speaker_name(quote: dict, mentions: list[dict]) -> str | None:
    index = quote.get("speaker_mention")
    if isinstance(index, int) and 0 <= index < len(mentions):
        m = mentions[index]
        name = m.get("canonical") or m.get("normal") or m.get("text")
        if name:
            return name
    return quote.get("speaker_text")


def story_surnames(rows: dict, analyses: dict) -> dict[Any, dict[str, str]]:
    """Per story (an article without one is its own), surname -> the full person name its articles give
    ('песков' -> 'Дмитрий Песков'), from the person mentions of the analyses at hand."""
    names: dict[Any, list[str]] = defaultdict(list)
    for pk, (_, _, data) in analyses.items():
        row = rows.get(pk)
        if row is not None:
            names[row.story_id or pk] += [m.get("normal") or "" for m in data.get("mentions") or []
                                          if m.get("type") == "PER"]
    return {key: surname_index(found) for key, found in names.items()}


def find_quotes(store, filters: Filters, text: str | None, speaker: str | None, *,
                candidates: int = QUOTE_CANDIDATES, limit: int = MAX_QUOTES) -> list[QuoteHit]:
    text_stems = search_terms(text or "")
    speaker_stems = search_terms(speaker or "")
    if not text_stems and not speaker_stems:
        return []
    # the speaker's last word only: a post that names «Песков» alone is found by «Дмитрий Песков»
    surname = (speaker or "").split()[-1:] or [None]
    words = " ".join(w for w in (text, surname[0]) if w)
    pks = matching_pks(store.db, replace(filters, query=words), limit=candidates)
    rows = {r.pk: r for r in article_rows(store.db, pks)}
    analyses = store.raw_analyses(pks)
    full_names = story_surnames(rows, analyses)
    hits: list[QuoteHit] = []
    for pk in pks:
        row = rows.get(pk)
        found = analyses.get(pk)
        if row is None or found is None:
            continue
        _, revision, data = found
        if revision != row.revision:
            continue
        mentions = data.get("mentions") or []
        for quote in data.get("quotes") or []:
            body = quote.get("text") or ""
            if text_stems and not contains_all(text_stems, body):
                continue
            who = speaker_name(quote, mentions)
            if who:
                who = full_name(who, full_names.get(row.story_id or pk, {}))
            if speaker_stems and not (who and contains_all(speaker_stems, who)):
                continue
            hits.append(QuoteHit(pk, row.outlet, row.title, row.published or iso_utc(row.published_ts),
                                 row.story_id, body, quote.get("kind") or "direct", who, int(quote["start"]),
                                 int(quote["end"]), marked_segments(body, text_stems)))
            if len(hits) >= limit:
                return hits
    return hits


def search(store, filters: Filters, text: str | None, speaker: str | None = None, *, limit: int = 20,
           offset: int = 0) -> dict[str, Any]:
    """Quotes (with who said them and which outlets carried them), the outlets whose articles contain the
    words, and one page of those articles with a snippet."""
    stems = search_terms(text or "")
    quotes = find_quotes(store, filters, text, speaker)
    out: dict[str, Any] = {
        "quotes": quotes,
        "speakers": Counter(q.speaker or "unknown speaker" for q in quotes).most_common(),
        "quote_outlets": Counter(q.outlet for q in quotes).most_common(),
        "quote_outlet_counts": dict(Counter(q.outlet for q in quotes)),
        "outlets": [], "articles": [], "total": 0,
    }
    if stems:
        f = replace(filters, query=text)
        out["outlets"] = [{"outlet": o, "articles": n, "first": iso_utc(a), "last": iso_utc(b)}
                          for o, n, a, b in outlet_counts(store.db, f)]
        rows, total = list_articles(store.db, f, limit=limit, offset=offset)
        texts = {}
        if rows:
            texts = dict(store.db.query(f"SELECT pk, text FROM articles WHERE pk IN ({','.join('?' * len(rows))})",
                                        [r.pk for r in rows]))
        out["articles"] = [(r, snippet(texts.get(r.pk, ""), stems)) for r in rows]
        out["total"] = total
    return out
