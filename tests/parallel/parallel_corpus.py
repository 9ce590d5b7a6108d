"""The corpus of the parallel-ingest tests: the crash-loop test's generated posts (a dozen events, six outlets,
four days, with duplicates, revisions and reprints) as a JSON Lines file."""
from __future__ import annotations

import json
from pathlib import Path

from test_crash_loop import make_corpus


def write_corpus(path: Path, posts: int, seed: int = 15) -> tuple[Path, set[tuple[str, str]]]:
    records, identities = make_corpus(posts, seed)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path, identities
