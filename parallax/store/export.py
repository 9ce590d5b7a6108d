"""Export the corpus for research: one row per article, JSON Lines or Parquet.

Columns: story_id, story_title, id (as the input gave it), key (the store's article key), url, outlet,
title, published, revision, reprint_of (key of the original) and reprint_of_id, reprint_similarity,
text, analyzer_version, analysis (every analysis layer; a JSON object in JSONL, a JSON string in Parquet),
entities and embedding (the clustering features). Rows are ordered by story, then time.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parallax.store.store import Store, StoredArticle

CHUNK = 500


def _rows(store: Store, *, since, until, outlet, story_id, with_text: bool,
          with_analysis: bool) -> Iterator[list[dict[str, Any]]]:
    titles = store.story_titles()
    chunk: list[StoredArticle] = []

    def emit(articles: list[StoredArticle]) -> list[dict[str, Any]]:
        pks = [a.pk for a in articles]
        analyses = store.raw_analyses(pks) if with_analysis else {}
        features = store.features_of(pks) if with_analysis else {}
        originals = {a.pk: a.ext_id for a in store.get_articles(
            sorted({a.reprint_of for a in articles if a.reprint_of is not None}))}
        rows = []
        for a in articles:
            version, revision, analysis = analyses.get(a.pk, (None, None, None))
            if analysis is not None and revision != a.revision:
                version, analysis = None, None     # analysis of an older text: not this article any more
            embedding, entities = features.get(a.pk, (None, None))
            row: dict[str, Any] = {
                "story_id": a.story_id, "story_title": titles.get(a.story_id) if a.story_id else None,
                "id": a.ext_id, "key": a.pk, "url": a.url, "outlet": a.outlet, "title": a.title,
                "published": a.published, "revision": a.revision, "reprint_of": a.reprint_of,
                "reprint_of_id": originals.get(a.reprint_of) if a.reprint_of is not None else None,
                "reprint_similarity": a.reprint_similarity,
            }
            if with_text:
                row["text"] = a.text
            if with_analysis:
                row["analyzer_version"] = version
                row["analysis"] = analysis
                row["entities"] = entities
                row["embedding"] = None if embedding is None else [float(x) for x in embedding]
            rows.append(row)
        return rows

    for article in store.iter_articles(since=since, until=until, story_id=story_id, outlet=outlet):
        chunk.append(article)
        if len(chunk) >= CHUNK:
            yield emit(chunk)
            chunk = []
    if chunk:
        yield emit(chunk)


def export_corpus(store: Store, out: str | Path, *, fmt: str = "jsonl", since: float | None = None,
                  until: float | None = None, outlet: str | None = None, story_id: str | None = None,
                  with_text: bool = True, with_analysis: bool = True) -> int:
    """Write the selected articles to `out`; return how many."""
    chunks = _rows(store, since=since, until=until, outlet=outlet, story_id=story_id, with_text=with_text,
                   with_analysis=with_analysis)
    if fmt == "jsonl":
        n = 0
        with open(out, "w", encoding="utf-8") as fh:
            for rows in chunks:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += len(rows)
        return n
    if fmt == "parquet":
        return _write_parquet(out, chunks, with_text=with_text, with_analysis=with_analysis)
    raise ValueError(f"unknown export format {fmt!r} (jsonl | parquet)")


def _write_parquet(out, chunks, *, with_text: bool, with_analysis: bool) -> int:
    # lazy: pyarrow takes ~0.1 s to import and only Parquet export needs it
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = [("story_id", pa.string()), ("story_title", pa.string()), ("id", pa.string()), ("key", pa.int64()),
              ("url", pa.string()), ("outlet", pa.string()), ("title", pa.string()), ("published", pa.string()),
              ("revision", pa.int32()), ("reprint_of", pa.int64()), ("reprint_of_id", pa.string()),
              ("reprint_similarity", pa.float64())]
    if with_text:
        fields.append(("text", pa.string()))
    if with_analysis:
        fields += [("analyzer_version", pa.string()), ("analysis", pa.string()),
                   ("entities", pa.list_(pa.string())), ("embedding", pa.list_(pa.float32()))]
    schema = pa.schema(fields)
    n = 0
    with pq.ParquetWriter(str(out), schema, compression="zstd") as writer:
        for rows in chunks:
            if with_analysis:
                for row in rows:
                    if row["analysis"] is not None:
                        row["analysis"] = json.dumps(row["analysis"], ensure_ascii=False)
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            n += len(rows)
    return n
