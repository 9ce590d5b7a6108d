"""The `parallax compare` JSON document, version 1.

`document_to_dict` turns analysed stories into plain JSON data; the HTML and text renderers read only
that data, so every output format shows exactly what the JSON says. The layout is pinned down by
`schema/parallax-v1.schema.json`.

Output is deterministic for a deterministic analysis: groups keep the order the analysis gave them,
everything keyed by article follows the story's article order, spans inside an article are sorted by
offset, and floats are rounded so that a snapshot of the whole document is stable.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from functools import lru_cache
from typing import Any, Iterable

from parallax import __version__
from parallax.compare.crosslingual import outlet_language
from parallax.model import (
    AnalyzedArticle,
    Attribution,
    ClaimGroup,
    Entity,
    FramingEntry,
    QuoteGroup,
    StoryComparison,
)
from parallax.nlp import ner_en, ner_uk
from parallax.nlp.entity_keys import mention_key
from parallax.resources import read_text

FORMAT_VERSION = 1
# 1.1 adds, and changes nothing of 1: stories[].outlets, stories[].key_differences, claims[].members[].outlet
# and .repeats. A reader of version 1 ignores them.
MINOR_VERSION = 1
SCHEMA_DIR, SCHEMA_FILE = "schema", "parallax-v1.schema.json"
SIMILARITY_DIGITS = 3
TITLE_CHARS = 120


class DocumentError(ValueError):
    """A document that does not match the parallax-v1 schema."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"invalid parallax-v1 document ({len(problems)} problem(s)):\n  {shown}{more}")


# ---- building -------------------------------------------------------------------------------------

def document_to_dict(
    comparisons: list[StoryComparison],
    errors: list[dict],
    *,
    created: dt.datetime | str | None = None,
) -> dict:
    """The whole output. `errors` are files that could not be read; each story's own `errors` are
    appended (duplicates dropped). `created` is left out unless given, so snapshots stay stable."""
    doc: dict[str, Any] = {"version": FORMAT_VERSION, "minor_version": MINOR_VERSION,
                           "generator": f"parallax {__version__}"}
    if created is not None:
        doc["created"] = created.isoformat(timespec="seconds") if isinstance(created, dt.datetime) else str(created)
    doc["stories"] = [comparison_to_dict(comp) for comp in comparisons]
    pooled = list(errors) + [err for comp in comparisons for err in comp.errors]
    doc["errors"] = _dedupe([_error(err) for err in pooled])
    return doc


def comparison_to_dict(comp: StoryComparison) -> dict:
    """One story."""
    order = {a.id: i for i, a in enumerate(comp.articles)}
    dates = [_date(a.article.date) for a in comp.articles if a.article.date is not None]
    return _with_languages({
        "id": comp.id,
        "title": story_title(comp),
        "date": min(dates) if dates else None,
        "articles": [_article(a) for a in comp.articles],
        "entities": [_entity(e, order) for e in comp.entities],
        "claims": [_claim(c, order) for c in comp.claims],
        "quotes": [_quote_group(q) for q in comp.quotes],
        "framing": [_framing_entry(f, order) for f in comp.framing],
        "attributions": [
            _attribution(a)
            for a in sorted(comp.attributions, key=lambda a: (_rank(order, a.article), a.start, a.end))
        ],
        "outlets": [{"name": o.name, "kind": o.kind, "articles": list(o.articles)} for o in comp.outlets],
        "key_differences": [
            {"kind": k.kind, "text": k.text, "weight": _round(k.weight), "claims": list(k.claims),
             "quotes": list(k.quotes), "outlets": list(k.outlets), **({"params": k.params} if k.params else {})}
            for k in comp.key_differences
        ],
    })


def _with_languages(story: dict) -> dict:
    """Each claim member (and repeat), quote rendering and outlet with its language (`lang`, the article's:
    a story may mix ru / uk / en; JSON 1.1, optional); an outlet's is the language most of its posts use."""
    langs = {a["id"]: a["language"] for a in story["articles"]}
    for claim in story["claims"]:
        for m in claim["members"]:
            m["lang"] = langs.get(m["article"])
            for r in m["repeats"]:
                r["lang"] = langs.get(r["article"])
    for group in story["quotes"]:
        for r in group["renderings"]:
            r["lang"] = langs.get(r["article"])
    for outlet in story["outlets"]:
        outlet["lang"] = outlet_language(outlet["articles"], langs)
    return story


def story_title(comp: StoryComparison) -> str:
    """The first article title there is, else the story's first sentence, shortened."""
    for analyzed in comp.articles:
        if analyzed.article.title and analyzed.article.title.strip():
            return " ".join(analyzed.article.title.split())
    for analyzed in comp.articles:
        if analyzed.sentences:
            first = analyzed.sentences[0]
            return shorten(analyzed.text[first.start:first.end], TITLE_CHARS)
        if analyzed.text.strip():
            return shorten(analyzed.text, TITLE_CHARS)
    return comp.id


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed; cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-—–") + "…"


def document_to_json(doc: dict) -> str:
    """The serialized document: UTF-8 text as is, two-space indent, trailing newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _article(a: AnalyzedArticle) -> dict:
    art = a.article
    return {
        "id": art.id,
        "outlet": art.outlet,
        "title": art.title,
        "date": _date(art.date),
        "language": a.language,
        "language_confidence": _round(a.language_confidence),
        "url": art.url,
        "source": art.source,
        "encoding": art.encoding,
        "text": art.text,
        "sentences": [
            {"index": s.index, "start": s.start, "end": s.end, "paragraph": s.paragraph}
            for s in sorted(a.sentences, key=lambda s: (s.start, s.end, s.index))
        ],
        "dates": [
            {"text": d.text, "start": d.start, "end": d.end, "value": _date(d.value),
             "granularity": d.granularity, "relative": bool(d.relative)}
            for d in sorted(a.dates, key=lambda d: (d.start, d.end))
        ],
        "numbers": [
            {"text": n.text, "start": n.start, "end": n.end, "value": _number(n.value),
             "approximate": bool(n.approximate), "unit": n.unit, "qualifier": n.qualifier}
            for n in sorted(a.numbers, key=lambda n: (n.start, n.end))
        ],
    }


# ---- one article's layers (`parallax analyze`) -------------------------------------------------------

def ner_model(language: str) -> str | None:
    """Which NER tagged an article of `language`; None when no model covers it (its entities are then only
    the alias-table names, and `parallax analyze` says so instead of showing an empty list as a result)."""
    if language == "uk":
        return "ner_uk CRF + slovnet (Latin names)" if ner_uk.available() else "slovnet (Russian model)"
    if language == "en":
        return ner_en.MODEL_NAME
    return "slovnet" if language == "ru" else None


def article_analysis_to_dict(a: AnalyzedArticle) -> dict:
    """Every analysis layer of one article, offsets into `text`: the `articles[]` entry of a comparison plus
    entities (type, normal form, the language-independent `key` of nlp/entity_keys.py), quotes with
    speakers and attributions."""
    out = _article(a)
    out["ner"] = ner_model(a.language)
    out["entities"] = [
        {"text": m.text, "start": m.start, "end": m.end, "sentence": m.sentence, "type": m.type,
         "normal": m.normal, "kind": m.kind, "canonical": m.canonical,
         "key": mention_key(m)}
        for m in sorted(a.mentions, key=lambda m: (m.start, m.end))
    ]
    out["quotes"] = [
        {"text": q.text, "start": q.start, "end": q.end, "sentence": q.sentence, "kind": q.kind, "cue": q.cue,
         "speaker": q.speaker_text, "speaker_start": q.speaker_start, "speaker_end": q.speaker_end,
         "speaker_key": _speaker_key(a, q.speaker_mention)}
        for q in sorted(a.quotes, key=lambda q: (q.start, q.end))
    ]
    out["attributions"] = [
        {k: v for k, v in _attribution(t).items() if k not in ("article", "entity")} | {"sentence": t.sentence}
        for t in sorted(a.attributions, key=lambda t: (t.start, t.end))
    ]
    return out


def _speaker_key(a: AnalyzedArticle, index: int | None) -> str | None:
    if index is None or not 0 <= index < len(a.mentions):
        return None
    return mention_key(a.mentions[index])


def _entity(e: Entity, order: dict[str, int]) -> dict:
    mentions = sorted(e.mentions, key=lambda m: (_rank(order, m.article), m.start, m.end))
    return {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "aliases": list(e.aliases),
        "mentions": [
            {"article": m.article, "text": m.text, "start": m.start, "end": m.end, "kind": m.kind}
            for m in mentions
        ],
    }


def _claim(c: ClaimGroup, order: dict[str, int]) -> dict:
    return {
        "id": c.id,
        "status": c.status,
        "members": [
            {"article": m.article, "text": m.text, "start": m.start, "end": m.end, "sentence": m.sentence,
             "similarity": _round(m.similarity), "outlet": m.outlet,
             "repeats": [{"article": r.article, "text": r.text, "start": r.start, "end": r.end,
                          "sentence": r.sentence, "published": r.published, "update": r.update}
                         for r in m.repeats]}
            for m in c.members
        ],
        "conflicts": [
            {"kind": x.kind, "description": x.description,
             "values": {k: str(v) for k, v in _by_article(x.values, order)},
             "spans": {k: [int(v[0]), int(v[1])] for k, v in _by_article(x.spans, order)}}
            for x in c.conflicts
        ],
        "framing": None if c.framing is None else {
            "terms": {k: list(v) for k, v in _by_article(c.framing.terms, order)},
        },
    }


def _quote_group(q: QuoteGroup) -> dict:
    return {
        "id": q.id,
        "speaker": q.speaker,
        "speaker_name": q.speaker_name,
        "relation": q.relation,
        "renderings": [
            {"article": r.article, "text": r.text, "start": r.start, "end": r.end, "kind": r.kind,
             "relation": r.relation, "similarity": _round(r.similarity), "speaker_text": r.speaker_text,
             "diff": [{"op": d["op"], "text": d["text"]} for d in r.diff]}
            for r in q.renderings
        ],
    }


def _framing_entry(f: FramingEntry, order: dict[str, int]) -> dict:
    return {
        "category": f.category,
        "concept": f.concept,
        "note": f.note,
        "terms": {
            article: [
                {"term": t["term"], "label": t.get("label"), "start": t["start"], "end": t["end"],
                 "voice": t.get("voice", "own"), "speaker": t.get("speaker")}
                for t in sorted(terms, key=lambda t: (t["start"], t["end"]))
            ]
            for article, terms in _by_article(f.terms, order)
        },
    }


def _attribution(a: Attribution) -> dict:
    return {
        "article": a.article,
        "source": a.source,
        "kind": a.kind,
        "cue": a.cue,
        "text": a.text,
        "start": a.start,
        "end": a.end,
        "source_start": a.source_start,
        "source_end": a.source_end,
        "entity": a.entity,
    }


def _error(err: dict) -> dict:
    out = {"file": str(err.get("file", "")), "error": str(err.get("error", ""))}
    if err.get("line") is not None:
        out["line"] = int(err["line"])
    return out


def _dedupe(items: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _rank(order: dict[str, int], article: str | None) -> tuple[int, str]:
    # Ids the story does not know sort after its articles, by name, so the order is still total.
    return (order.get(article, len(order)), article or "") if article is not None else (len(order) + 1, "")


def _by_article(mapping: dict[str, Any], order: dict[str, int]) -> list[tuple[str, Any]]:
    return sorted(mapping.items(), key=lambda kv: _rank(order, kv[0]))


def _date(value: dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, SIMILARITY_DIGITS) + 0.0   # + 0.0 turns -0.0 into 0.0


def _number(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    value = float(value)
    if not math.isfinite(value):
        return None
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return round(value, 6)


# ---- reading helpers shared by the renderers --------------------------------------------------------

def article_labels(story: dict) -> dict[str, str]:
    """Article id -> a short display name: the outlet, or 'outlet (id)' when two articles share it."""
    outlets = [a.get("outlet") or a["id"] for a in story["articles"]]
    labels = {}
    for article, outlet in zip(story["articles"], outlets):
        labels[article["id"]] = outlet if outlets.count(outlet) == 1 else f"{outlet} ({article['id']})"
    return labels


# ---- checking -------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def load_schema() -> dict:
    text = read_text(f"render/{SCHEMA_DIR}/{SCHEMA_FILE}")
    return json.loads(text)


def validate_document(doc: dict) -> None:
    """Raise `DocumentError` listing every place `doc` breaks the parallax-v1 schema."""
    # lazy: jsonschema takes ~0.1 s to import and only the tests validate documents
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema())
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        problems.append(f"{_json_path(error.absolute_path)}: {error.message}")
    if problems:
        raise DocumentError(problems)


def _json_path(parts: Iterable) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_offsets(doc: dict) -> list[str]:
    """Every span that does not match its article: a `text` that differs from `article.text[start:end]`,
    offsets outside the text or reversed, or a reference to an article the story does not have.
    Returns one readable line per problem (empty when all is well)."""
    problems: list[str] = []
    for si, story in enumerate(doc.get("stories", [])):
        texts = {a["id"]: a["text"] for a in story.get("articles", [])}
        where = f"stories[{si}]"

        def check(path: str, article: str | None, start, end, text: str | None = None) -> None:
            if article not in texts:
                problems.append(f"{where}.{path}: unknown article {article!r}")
                return
            body = texts[article]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(body)):
                problems.append(f"{where}.{path} (article {article}): bad offsets [{start}, {end}] "
                                f"for a text of {len(body)} characters")
                return
            if text is not None and body[start:end] != text:
                problems.append(f"{where}.{path} (article {article}): text {text!r} "
                                f"!= article text[{start}:{end}] {body[start:end]!r}")

        def known(path: str, article: str) -> None:
            if article not in texts:
                problems.append(f"{where}.{path}: unknown article {article!r}")

        for ai, art in enumerate(story.get("articles", [])):
            for i, s in enumerate(art.get("sentences", [])):
                check(f"articles[{ai}].sentences[{i}]", art["id"], s["start"], s["end"])
            for layer in ("dates", "numbers"):
                for i, item in enumerate(art.get(layer, [])):
                    check(f"articles[{ai}].{layer}[{i}]", art["id"], item["start"], item["end"], item["text"])
        for ei, ent in enumerate(story.get("entities", [])):
            for i, m in enumerate(ent.get("mentions", [])):
                check(f"entities[{ei}].mentions[{i}]", m["article"], m["start"], m["end"], m["text"])
        for ci, claim in enumerate(story.get("claims", [])):
            for i, m in enumerate(claim.get("members", [])):
                check(f"claims[{ci}].members[{i}]", m["article"], m["start"], m["end"], m["text"])
                for ri, r in enumerate(m.get("repeats", [])):
                    check(f"claims[{ci}].members[{i}].repeats[{ri}]", r["article"], r["start"], r["end"], r["text"])
            for xi, conflict in enumerate(claim.get("conflicts", [])):
                for article in conflict.get("values", {}):
                    known(f"claims[{ci}].conflicts[{xi}].values", article)
                for article, span in conflict.get("spans", {}).items():
                    check(f"claims[{ci}].conflicts[{xi}].spans.{article}", article, span[0], span[1])
            for article in (claim.get("framing") or {}).get("terms", {}):
                known(f"claims[{ci}].framing.terms", article)
        for qi, group in enumerate(story.get("quotes", [])):
            for i, r in enumerate(group.get("renderings", [])):
                check(f"quotes[{qi}].renderings[{i}]", r["article"], r["start"], r["end"], r["text"])
        for fi, entry in enumerate(story.get("framing", [])):
            for article, terms in entry.get("terms", {}).items():
                for i, t in enumerate(terms):
                    check(f"framing[{fi}].terms.{article}[{i}]", article, t["start"], t["end"])
        for i, att in enumerate(story.get("attributions", [])):
            check(f"attributions[{i}]", att["article"], att["start"], att["end"], att["text"])
            if att.get("source_start") is not None or att.get("source_end") is not None:
                check(f"attributions[{i}].source", att["article"], att.get("source_start"), att.get("source_end"))
    return problems
