import dataclasses
import datetime as dt

import numpy as np

from parallax.model import (
    AnalyzedArticle,
    Article,
    Attribution,
    DateMention,
    Mention,
    NumberMention,
    Quote,
    Sentence,
    Token,
)
from parallax.store.serialize import (
    analysis_from_dict,
    analysis_to_dict,
    dumps_analysis,
    from_jsonable,
    loads_analysis,
    to_jsonable,
)


def _rich_doc() -> AnalyzedArticle:
    text = "Путин заявил: «Мы готовы». По данным ТАСС, около 15 тысяч военных прибыли 3 сентября."
    art = Article(id="a1", text=text, outlet="ТАСС", date=dt.date(2025, 9, 3), meta={"published": "2025-09-03T10:00:00+00:00"})
    return AnalyzedArticle(
        article=art, language="ru", language_confidence=0.98,
        sentences=[Sentence(0, 0, 25, text[:25], 0), Sentence(1, 26, len(text), text[26:], 0)],
        tokens=[Token(0, 5, "Путин", "путин", "NOUN", 0), Token(5, 6, " ", " ", None, 0)],
        mentions=[Mention(0, 5, "Путин", "PER", "Путин", 0, canonical="Владимир Путин")],
        dates=[DateMention(74, 84, "3 сентября", dt.date(2025, 9, 3), "day", False, 1)],
        numbers=[NumberMention(42, 56, "около 15 тысяч", 15000.0, True, "военный", 1, "about")],
        quotes=[Quote(15, 24, "Мы готовы", "direct", 0, "заявить", "Путин", 0, 5, 0)],
        attributions=[Attribution(26, 40, "По данным ТАСС", "ТАСС", "по данным", 1, 36, 40, "agency")],
    )


def test_round_trip_every_layer():
    doc = _rich_doc()
    back = loads_analysis(dumps_analysis(doc), doc.article)
    assert back == doc
    assert isinstance(back.dates[0].value, dt.date) and back.numbers[0].value == 15000.0
    assert back.quotes[0].speaker_mention == 0


def test_blob_is_compressed_and_omits_the_article():
    doc = _rich_doc()
    assert dumps_analysis(doc)[:1] == b"x"           # zlib header
    assert "article" not in analysis_to_dict(doc)


def test_unknown_keys_ignored_and_missing_keys_default():
    doc = _rich_doc()
    data = {"language": "uk", "from_a_future_version": [1, 2], "sentences": [to_jsonable(doc.sentences[0])]}
    back = analysis_from_dict(data, doc.article)
    assert back.language == "uk" and len(back.sentences) == 1 and back.mentions == []


def test_arrays_and_sets_survive():
    @dataclasses.dataclass
    class Holder:
        vec: np.ndarray
        names: frozenset[str]
        when: dt.datetime | None = None

    h = Holder(np.arange(6, dtype=np.float32).reshape(2, 3), frozenset({"б", "а"}),
               dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.timezone.utc))
    back = from_jsonable(Holder, to_jsonable(h))
    assert back.vec.dtype == np.float32 and back.vec.shape == (2, 3) and np.array_equal(back.vec, h.vec)
    assert back.names == h.names and back.when == h.when
