"""Tone toward named entities: is a sentence positive, neutral or negative about a given entity?

A linear model over entity-aware features (the entity masked, words around it, a polarity lexicon,
navec vectors), trained on RuSentNE-2023 by `python -m parallax.tone.train`; the trained model ships
as `tone_model.json`. Scores and the variants tried: benchmarks/TONE.md."""
from __future__ import annotations

from collections.abc import Sequence

from parallax.model import AnalyzedArticle, Mention
from parallax.tone.data import ToneItem
from parallax.tone.model import ToneModel, default_model

__all__ = ["MENTION_TAGS", "ToneItem", "ToneModel", "predict_tone", "tone_for_mentions"]

# Parallax mention types -> the closest RuSentNE entity tag (the model was trained on those tags).
# Places are mostly countries in news; role mentions ('российский лидер') are professions.
MENTION_TAGS = {"PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "COUNTRY"}
ROLE_TAG = "PROFESSION"


def predict_tone(items: Sequence[ToneItem], model: ToneModel | None = None) -> list[int]:
    """Tone toward each item's entity in its sentence: -1 negative, 0 neutral, 1 positive."""
    return (model or default_model()).predict(list(items))


def tone_for_mentions(doc: AnalyzedArticle, model: ToneModel | None = None) -> list[tuple[Mention, int]]:
    """The tone of every PER/ORG/LOC mention of `doc` within its own sentence, in mention order."""
    items: list[ToneItem] = []
    kept: list[Mention] = []
    for m in doc.mentions:
        if m.type not in MENTION_TAGS:
            continue
        sent = doc.sentence_at(m.start)
        if sent is None or m.end > sent.end:
            continue
        tag = ROLE_TAG if m.kind == "role" else MENTION_TAGS[m.type]
        items.append(ToneItem(sent.text, m.text, tag, m.start - sent.start, m.end - sent.start))
        kept.append(m)
    return list(zip(kept, predict_tone(items, model)))
