"""Analysis speed per language: Ukrainian and English news pages against Russian ones, side by side in one
process, in articles per CPU-second of the Analyzer (issue 14: uk and en >= 25 articles/s per core).

Pages from ../shared/data/tgcontest-2019-html (the contest's HTML: `<article>` paragraphs, read with lxml as
benchmarks/article_pairs_sample.py reads them; page reading is not timed), language by the Analyzer's own
detector, the first N pages of each language in file order with at least 300 characters of text. One
warm-up pass loads every model first; each language is then analysed in rounds, interleaved (ru, uk, en,
ru, uk, en, ...) so that the shared machine's load falls on all three alike; CPU time is the process's.

    .venv/bin/python benchmarks/speed_languages.py [--per-language 200] [--rounds 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from article_pairs_sample import DATA, read_page  # noqa: E402

from parallax.model import Article  # noqa: E402
from parallax.nlp.pipeline import Analyzer, detect_language  # noqa: E402

LANGUAGES = ("ru", "uk", "en")
MIN_CHARS = 300


def load(per_language: int) -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = {lang: [] for lang in LANGUAGES}
    for path in sorted((DATA / "pages").glob("*/*/*.html")):
        page = read_page(path, DATA)
        if len(page.body) < MIN_CHARS:
            continue
        lang, _ = detect_language(page.body)
        if lang in out and len(out[lang]) < per_language:
            out[lang].append(Article(id=path.stem, text=page.body, outlet=page.site or page.domain,
                                     title=page.title or None))
        if all(len(v) >= per_language for v in out.values()):
            break
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-language", type=int, default=200, metavar="N")
    parser.add_argument("--rounds", type=int, default=2, metavar="N")
    args = parser.parse_args(argv)
    if not (DATA / "pages").is_dir():
        print(f"no tgcontest pages at {DATA}", file=sys.stderr)
        return 1
    articles = load(args.per_language)
    analyzer = Analyzer()
    for lang in LANGUAGES:                   # warm-up: models, dictionaries, memoized word features
        analyzer.analyze_many(articles[lang][:20])
    cpu = {lang: 0.0 for lang in LANGUAGES}
    wall = {lang: 0.0 for lang in LANGUAGES}
    entities = {lang: 0 for lang in LANGUAGES}
    for _ in range(args.rounds):
        for lang in LANGUAGES:
            c0, w0 = time.process_time(), time.perf_counter()
            docs = analyzer.analyze_many(articles[lang])
            cpu[lang] += time.process_time() - c0
            wall[lang] += time.perf_counter() - w0
            entities[lang] = sum(len(d.mentions) for d in docs)
    print("lang  articles  mean_chars  articles/CPU-s  chars/CPU-ms  wall_articles/s  entities  vs_ru(per article)")
    ru_rate = len(articles["ru"]) * args.rounds / cpu["ru"] if articles["ru"] else 0.0
    for lang in LANGUAGES:
        n = len(articles[lang])
        if not n:
            print(f"{lang:4}  no pages")
            continue
        chars = sum(len(a.text) for a in articles[lang])
        rate = n * args.rounds / cpu[lang]
        print(f"{lang:4}  {n:8d}  {chars / n:10.0f}  {rate:14.1f}  {chars * args.rounds / cpu[lang] / 1000:12.1f}  "
              f"{n * args.rounds / wall[lang]:15.1f}  {entities[lang]:8d}  {rate / ru_rate if ru_rate else 0:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
