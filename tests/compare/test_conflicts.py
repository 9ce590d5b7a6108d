import datetime as dt

from parallax.compare.claims import Claim
from parallax.compare.conflicts import find_conflicts
from parallax.model import (
    AnalyzedArticle,
    Article,
    Attribution,
    DateMention,
    Mention,
    NumberMention,
    Quote,
)


def _doc(aid, text):
    return AnalyzedArticle(article=Article(id=aid, text=text, outlet=aid))


def _claim(doc):
    return Claim(article=doc.id, index=0, start=0, end=len(doc.text), text=doc.text, sentence=0)


def _num(doc, surface, value, unit, approx=False, qualifier=None):
    s = doc.text.index(surface)
    doc.numbers.append(NumberMention(start=s, end=s + len(surface), text=surface, value=value,
                                     approximate=approx, unit=unit, qualifier=qualifier))


def test_different_counts_of_the_same_thing_conflict():
    a, b = _doc("a", "Погибли 12 человек."), _doc("b", "Погибли 20 человек.")
    _num(a, "12 человек", 12, "человек"); _num(b, "20 человек", 20, "человек")
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {})
    assert c.kind == "number" and c.values == {"a": "12 человек", "b": "20 человек"}
    assert c.spans["a"] == [8, 18]


def test_approximate_figures_within_tolerance_agree_and_other_units_are_ignored():
    a, b = _doc("a", "около 15 тысяч военных"), _doc("b", "14,5 тысячи военных и 3 танка")
    _num(a, "около 15 тысяч военных", 15000, "военный", True, "about")
    _num(b, "14,5 тысячи военных", 14500, "военный")
    _num(b, "3 танка", 3, "танк")
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []


def test_dates_conflict_only_at_same_granularity():
    a, b = _doc("a", "Встреча прошла 3 сентября."), _doc("b", "Встреча прошла 4 сентября в 2025 году.")
    a.dates.append(DateMention(start=15, end=25, text="3 сентября", value=dt.date(2025, 9, 3), granularity="day", relative=False))
    b.dates.append(DateMention(start=15, end=25, text="4 сентября", value=dt.date(2025, 9, 4), granularity="day", relative=False))
    b.dates.append(DateMention(start=28, end=37, text="2025 году", value=dt.date(2025, 1, 1), granularity="year", relative=False))
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {})
    assert c.kind == "date" and c.values == {"a": "2025-09-03", "b": "2025-09-04"}


def test_place_after_location_preposition_conflicts():
    from parallax.nlp.segment import split_sentences, split_tokens
    a, b = _doc("a", "Саммит прошел в Пекине."), _doc("b", "Саммит прошел в Шанхае.")
    for d, city, eid in ((a, "Пекине", "e1"), (b, "Шанхае", "e2")):
        d.sentences = split_sentences(d.text); d.tokens = split_tokens(d.text, d.sentences)
        s = d.text.index(city)
        d.mentions.append(Mention(start=s, end=s + len(city), text=city, type="LOC", normal=city, entity=eid))
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {"e1": "Пекин", "e2": "Шанхай"})
    assert c.kind == "place" and c.values == {"a": "Пекин", "b": "Шанхай"}


def test_same_quote_given_to_different_speakers_conflicts():
    a, b = _doc("a", "«Мы победим», — сказал министр."), _doc("b", "«Мы победим», — сказал генерал.")
    a.mentions.append(Mention(start=22, end=29, text="министр", type="PER", normal="министр", entity="e1"))
    b.mentions.append(Mention(start=22, end=29, text="генерал", type="PER", normal="генерал", entity="e2"))
    a.quotes.append(Quote(start=1, end=10, text="Мы победим", kind="direct", speaker_text="министр", speaker_entity="e1",
                          speaker_mention=0))
    b.quotes.append(Quote(start=1, end=10, text="Мы победим", kind="direct", speaker_text="генерал", speaker_entity="e2",
                          speaker_mention=0))
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {"e1": "Министр", "e2": "Генерал"})
    assert c.kind == "speaker" and c.values == {"a": "Министр", "b": "Генерал"}


def test_different_cited_sources_conflict_but_one_sided_attribution_does_not():
    a, b = _doc("a", "По данным разведки, потери велики."), _doc("b", "По данным министерства, потери велики.")
    a.attributions.append(Attribution(start=0, end=18, text="По данным разведки", source="разведка", cue="по данным"))
    b.attributions.append(Attribution(start=0, end=22, text="По данным министерства", source="министерство", cue="по данным"))
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {})
    assert c.kind == "source"
    b.attributions.clear()
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []


def test_agencies_relaying_a_fact_are_not_conflicting_sources():
    a, b = _doc("a", "По данным министерства, потери велики."), _doc("b", "Потери велики, сообщает ТАСС.")
    a.attributions.append(Attribution(start=0, end=22, text="По данным министерства", source="министерство",
                                      cue="по данным", kind="official"))
    b.attributions.append(Attribution(start=15, end=28, text="сообщает ТАСС", source="ТАСС", cue="сообщать",
                                      kind="agency"))
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []


def _place_docs(place_a, place_b, ent_a, ent_b, canon_a=None, canon_b=None):
    from parallax.nlp.segment import split_sentences, split_tokens
    a, b = _doc("a", f"Министр прибыл в {place_a}."), _doc("b", f"Министр прибыл в {place_b}.")
    for d, place, eid, canon in ((a, place_a, ent_a, canon_a), (b, place_b, ent_b, canon_b)):
        d.sentences = split_sentences(d.text); d.tokens = split_tokens(d.text, d.sentences)
        s = d.text.index(place)
        from parallax.nlp.entities import normalize_place
        d.mentions.append(Mention(start=s, end=s + len(place), text=place, type="LOC", normal=normalize_place(place),
                                  entity=eid, canonical=canon, kind="alias" if canon else "name"))
    return a, b


def test_a_country_and_its_capital_or_a_region_and_its_town_do_not_conflict():
    a, b = _place_docs("КНДР", "Пхеньяне", "e1", "e2", canon_a="Северная Корея")
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []
    a, b = _place_docs("Курской области", "Судже", "e1", "e2")
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []


def test_a_country_and_another_countrys_capital_conflict():
    a, b = _place_docs("КНДР", "Пекине", "e1", "e2", canon_a="Северная Корея")
    [c] = find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {})
    assert c.kind == "place"


def test_a_site_inside_a_city_does_not_conflict():
    a, b = _place_docs("Москве", "Красной площади", "e1", "e2")
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []


def test_nested_speech_by_a_country_is_not_a_speaker_conflict():
    a, b = _doc("a", "«Мы победим», — сказал министр."), _doc("b", "«Мы победим», — заявила Россия.")
    a.mentions.append(Mention(start=22, end=29, text="министр", type="PER", normal="министр", entity="e1"))
    b.mentions.append(Mention(start=23, end=29, text="Россия", type="LOC", normal="Россия", entity="e2"))
    a.quotes.append(Quote(start=1, end=10, text="Мы победим", kind="direct", speaker_entity="e1", speaker_mention=0))
    b.quotes.append(Quote(start=1, end=10, text="Мы победим", kind="direct", speaker_entity="e2", speaker_mention=0))
    assert find_conflicts([_claim(a), _claim(b)], {"a": a, "b": b}, {}) == []
