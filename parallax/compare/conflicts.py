"""Where aligned claims disagree: a number, a date, a place, who said it, or whom it is attributed to."""
from __future__ import annotations

import bisect
from itertools import combinations

from parallax.compare.align import alignment_config, spans_within
from parallax.compare.claims import Claim
from parallax.compare.crosslingual import place_stand_ins
from parallax.compare.crosslingual import same_unit as counts_same
from parallax.compare.quotes import containment
from parallax.model import AnalyzedArticle, Conflict
from parallax.nlp.entities import alias_table, lemma_key
from parallax.nlp.morph import parses


def _within(items, claim: Claim):
    return spans_within(items, claim.start, claim.end)


def _numbers_agree(a, b, tolerance: float) -> bool:
    if a.value == b.value:
        return True
    if a.approximate or b.approximate or a.qualifier or b.qualifier:
        hi = max(abs(a.value), abs(b.value)) or 1.0
        return abs(a.value - b.value) / hi <= tolerance
    return False


def _number_label(n) -> str:
    value = int(n.value) if float(n.value).is_integer() else n.value
    prefix = {"about": "≈", "more_than": ">", "less_than": "<", "up_to": "≤", "at_least": "≥"}.get(n.qualifier or "", "")
    if not prefix and n.approximate:
        prefix = "≈"
    return f"{prefix}{value} {n.unit or ''}".strip()


def number_conflicts(ca: Claim, da: AnalyzedArticle, cb: Claim, db: AnalyzedArticle) -> list[Conflict]:
    tol = alignment_config()["conflicts"]["approximate_tolerance"]
    out = []
    na = [n for n in _within(da.numbers, ca) if n.unit and n.qualifier != "ordinal"]
    nb = [n for n in _within(db.numbers, cb) if n.unit and n.qualifier != "ordinal"]
    across = da.language != db.language      # 'тысяч военнослужащих' / 'thousand soldiers': compare/data/units_xl.yaml
    for x in na:
        same_unit = [y for y in nb if counts_same(x.unit, y.unit, across)]
        if same_unit and not any(_numbers_agree(x, y, tol) for y in same_unit):
            y = same_unit[0]
            out.append(Conflict(kind="number",
                                values={da.id: _number_label(x), db.id: _number_label(y)},
                                description=f"{x.unit}: {x.text} vs {y.text}",
                                spans={da.id: [x.start, x.end], db.id: [y.start, y.end]}))
    return out


def date_conflicts(ca: Claim, da: AnalyzedArticle, cb: Claim, db: AnalyzedArticle) -> list[Conflict]:
    out = []
    xa = [d for d in _within(da.dates, ca) if d.value is not None]
    xb = [d for d in _within(db.dates, cb) if d.value is not None]
    for g in ("day", "weekday", "relative_day", "month", "year"):
        ga = [d for d in xa if d.granularity == g]
        gb = [d for d in xb if d.granularity == g or (g == "day" and d.granularity in ("weekday", "relative_day"))]
        if g in ("weekday", "relative_day"):
            gb = [d for d in xb if d.granularity in ("day", "weekday", "relative_day")]
        if ga and gb and not ({d.value for d in ga} & {d.value for d in gb}):
            x, y = ga[0], gb[0]
            out.append(Conflict(kind="date", values={da.id: x.label, db.id: y.label},
                                description=f"{x.text} ({x.label}) vs {y.text} ({y.label})",
                                spans={da.id: [x.start, x.end], db.id: [y.start, y.end]}))
            break
    return out


def _places(claim: Claim, doc: AnalyzedArticle) -> list:
    cfg = alignment_config()["conflicts"]
    preps = set(cfg.get("location_prepositions_by_language", {}).get(doc.language, cfg["location_prepositions"]))
    out = []
    for m in _within(doc.mentions, claim):
        if m.type != "LOC" or not m.entity:
            continue
        prev = _token_before(doc.tokens, m.start, m.sentence)
        if prev is not None and prev.lemma in preps:
            out.append(m)
    return out


def _token_before(tokens, offset: int, sentence: int):
    """The last token of `sentence` ending at or before `offset`: a bisection of the tokens (in text
    order, sentence numbers ascending) instead of a scan of the whole text per place mention."""
    k = bisect.bisect_right(tokens, offset, key=_token_end) - 1
    while k >= 0 and tokens[k].sentence > sentence:
        k -= 1
    return tokens[k] if k >= 0 and tokens[k].sentence == sentence else None


def _token_end(token) -> int:
    return token.end


def place_level(m) -> tuple[str, str | None]:
    """(level, country) of a place mention: 'country', 'capital' (with its country), 'region' or 'city'.
    Without a gazetteer, only places whose relation is known can be said to contradict each other."""
    table = alias_table()
    if m.canonical and m.canonical in {name for name, typ in table.canonical.values() if typ == "LOC"}:
        if m.kind == "alias" and lemma_key(m.text) in table.metonyms:
            return "capital", m.canonical     # 'Пхеньян направил': the country by metonymy, but a city
        return "country", m.canonical
    key = lemma_key(m.normal or m.text)
    if key in table.metonyms:
        return "capital", table.metonyms[key][0]
    region_words = set(alignment_config()["conflicts"]["region_words"])
    if region_words & set(key.split()):
        return "region", None
    # a settlement has a geographic-name reading ('Шанхай'); a square, street or building
    # ('Красная площадь') lies inside one and contradicts nothing
    words = (m.normal or m.text).split()
    if words and any("Geox" in p.tag.grammemes for p in parses(words[-1].lower())):
        return "city", None
    return "site", None


def _places_disagree(x, y) -> bool:
    # `x` / `y`: a Russian mention, or the Russian stand-in of a Ukrainian or English one (place_conflicts)
    (lx, cx), (ly, cy) = place_level(x), place_level(y)
    if {lx, ly} == {"country", "capital"}:
        return cx != cy                     # 'в КНДР' vs 'в Пхеньяне' agree; 'в КНДР' vs 'в Пекине' do not
    lx, ly = ("city" if lx == "capital" else lx), ("city" if ly == "capital" else ly)
    if lx != ly or lx == "site":
        return False                        # a region and a town in it, a country and a city in it...
    return x.entity != y.entity


def place_conflicts(ca: Claim, da: AnalyzedArticle, cb: Claim, db: AnalyzedArticle, names: dict,
                    stand_ins: dict | None = None) -> list[Conflict]:
    """`stand_ins`: entity -> a Russian mention of it (crosslingual.place_stand_ins), whose level a
    Ukrainian or English mention takes; without one such a mention contradicts nothing."""
    pa, pb = _places(ca, da), _places(cb, db)
    level_a = pa if da.language == "ru" else [(stand_ins or {}).get(m.entity) for m in pa]
    level_b = pb if db.language == "ru" else [(stand_ins or {}).get(m.entity) for m in pb]
    if pa and pb and not ({m.entity for m in pa} & {m.entity for m in pb}) and None not in level_a + level_b \
            and all(_places_disagree(x, y) for x in level_a for y in level_b):
        x, y = pa[0], pb[0]
        return [Conflict(kind="place", values={da.id: names.get(x.entity, x.normal), db.id: names.get(y.entity, y.normal)},
                         description=f"{x.text} vs {y.text}",
                         spans={da.id: [x.start, x.end], db.id: [y.start, y.end]})]
    return []


def _speaker_is_person(q, doc: AnalyzedArticle) -> bool:
    if q.speaker_mention is None or not (0 <= q.speaker_mention < len(doc.mentions)):
        return False
    return doc.mentions[q.speaker_mention].type == "PER"


def speaker_conflicts(ca: Claim, da: AnalyzedArticle, cb: Claim, db: AnalyzedArticle, names: dict) -> list[Conflict]:
    """The same words given to two different people. Only person speakers count (a statement by
    'Россия' nested in one by Путин is no contradiction), and only quotes that share most words."""
    qa = [q for q in da.quotes if ca.start <= q.start < ca.end and q.speaker_entity and _speaker_is_person(q, da)]
    qb = [q for q in db.quotes if cb.start <= q.start < cb.end and q.speaker_entity and _speaker_is_person(q, db)]
    for x in qa:
        for y in qb:
            if x.speaker_entity != y.speaker_entity and containment(x.text, y.text) >= 0.5:
                return [Conflict(kind="speaker", values={da.id: names.get(x.speaker_entity, x.speaker_text or ""),
                                                         db.id: names.get(y.speaker_entity, y.speaker_text or "")},
                                 description=f"said by {x.speaker_text} vs {y.speaker_text}",
                                 spans={da.id: [x.speaker_start or x.start, x.speaker_end or x.end],
                                        db.id: [y.speaker_start or y.start, y.speaker_end or y.end]})]
    return []


def source_conflicts(ca: Claim, da: AnalyzedArticle, cb: Claim, db: AnalyzedArticle) -> list[Conflict]:
    # agencies and other media relaying a fact ('сообщает ТАСС') are channels, not its source
    channel = {"agency", "media"}
    aa = [a for a in da.attributions if ca.start <= a.start < ca.end and a.kind not in channel]
    ab = [a for a in db.attributions if cb.start <= a.start < cb.end and a.kind not in channel]

    def key(a):
        return a.entity or a.source.lower()
    if aa and ab and not ({key(a) for a in aa} & {key(a) for a in ab}):
        x, y = aa[0], ab[0]
        return [Conflict(kind="source", values={da.id: x.source, db.id: y.source},
                         description=f"{x.text} vs {y.text}",
                         spans={da.id: [x.start, x.end], db.id: [y.start, y.end]})]
    return []


def find_conflicts(group: list[Claim], docs: dict[str, AnalyzedArticle], names: dict) -> list[Conflict]:
    out: list[Conflict] = []
    languages = {docs[c.article].language for c in group}
    stand_ins = place_stand_ins(docs.values()) if languages != {"ru"} else None
    for ca, cb in combinations(group, 2):
        da, db = docs[ca.article], docs[cb.article]
        out += number_conflicts(ca, da, cb, db)
        out += date_conflicts(ca, da, cb, db)
        out += place_conflicts(ca, da, cb, db, names, stand_ins)
        out += speaker_conflicts(ca, da, cb, db, names)
        out += source_conflicts(ca, da, cb, db)
    return out
