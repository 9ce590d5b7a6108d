"""Speed of `parallax compare`: model loading, per-stage articles/s, the example pair end to end, and a
20-article comparison after models are loaded.

    python benchmarks/speed.py [--articles 400] [--out benchmarks/results/speed.json]
    python benchmarks/speed.py --long 100,1000,5000 [--no-compare]    # long inputs (issue 15 item 4)
    python benchmarks/speed.py --long 1000 --exact-pairs    # every claim pair scored (no candidates), to compare
    python benchmarks/speed.py --long 5000 --cache /tmp/long    # analyses pickled once, then the compare stage alone

Articles for the per-stage numbers are real posts of the news channels in
../shared/data/telegram-ru-news-channels (RIA Novosti, BBC News Russian, ...), the longest ones first so
the numbers are not flattered by one-line posts; falls back to the example pair repeated when absent.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
NEWS_CHANNELS = {"РИА Новости", "BBC News | Русская служба"}


def load_posts(limit: int):
    from parallax.ingest.textfile import article_from_text
    posts = []
    if DATA.is_dir():
        for path in sorted(DATA.glob("*_messages.json")):
            for rec in json.loads(path.read_text("utf-8")):
                text = (rec.get("text") or "").strip()
                if len(text) > 400 and rec.get("category") not in ("gaming", "it", "tech"):
                    posts.append((rec["channel"], rec["message_id"], text))
    posts.sort(key=lambda p: -len(p[2]))
    arts = [article_from_text(t, name=f"{c}-{i}", outlet=c, article_id=f"{c}-{i}") for c, i, t in posts[:limit]]
    if not arts:
        ex = [ROOT / "examples" / n for n in sorted(os.listdir(ROOT / "examples")) if n.endswith(".txt")]
        from parallax.ingest.textfile import read_article_file
        arts = [read_article_file(p) for p in ex] * (limit // 2)
    return arts


def long_texts(kb: int) -> list[str]:
    """Two texts of about `kb` kilobytes (UTF-8) each: different real posts (> 200 characters) joined by
    blank lines, the first text from one half of the shuffled posts and the second from the other."""
    import random
    posts = []
    for path in sorted(DATA.glob("*_messages.json")):
        posts += [t for t in ((r.get("text") or "").strip() for r in json.loads(path.read_text("utf-8"))) if len(t) > 200]
    random.Random(4).shuffle(posts)
    out = []
    for pool in (posts[:len(posts) // 2], posts[len(posts) // 2:]):
        used, size = [], 0
        for text in pool:
            if size >= kb * 1000:
                break
            used.append(text)
            size += len(text.encode()) + 2
        out.append("\n\n".join(used) + "\n")
    return out


def long_inputs(sizes: list[int], with_compare: bool, exact_pairs: bool = False, cache: str | None = None) -> dict:
    """CPU seconds of analysing one text of each size, and of comparing the two (after analysis); the compare
    stage's CPU per KB relative to the first size, and the peak RSS so far (sizes ascending: that size's).
    With `cache`, the two analysed texts of a size are pickled there once and read back on later runs."""
    import pickle

    from parallax.compare import accounts, compare_story
    from parallax.compare.embed import get_encoder
    from parallax.model import Article
    from parallax.nlp import models
    from parallax.nlp.pipeline import Analyzer
    models.ner_tagger(), models.morph_analyzer(), models.language_detector()
    if exact_pairs:   # score every claim pair, as below accounts.EXACT_UP_TO claims
        accounts.EXACT_UP_TO = 1 << 62
    if with_compare:
        get_encoder().encode(["прогрев"])     # the encoder's load is not the first size's compare time
    kept: list[int] = []                      # claim pairs kept by each `_fact_pairs` call of a comparison
    fact_pairs = accounts._fact_pairs

    def counted_fact_pairs(claims, scores, blend, parts=None):
        pairs = fact_pairs(claims, scores, blend, parts)
        kept.append(sum(len(row) for row in pairs.score) // 2)
        return pairs
    accounts._fact_pairs = counted_fact_pairs
    out, first_per_kb = {}, None
    for kb in sizes:
        texts = long_texts(kb)
        arts = [Article(id=f"{o}{kb}", text=t, outlet=o) for o, t in zip("AB", texts)]
        cached = Path(cache) / f"docs_{kb}.pkl" if cache else None
        if cached and cached.exists():
            docs, row = pickle.loads(cached.read_bytes()), {"chars": len(texts[0]), "analysis": "cached"}
        else:
            c = time.process_time()
            docs = [Analyzer().analyze(arts[0])]
            row = {"chars": len(texts[0]), "analysis_cpu_s": round(time.process_time() - c, 2)}
            row["analysis_ms_per_kb"] = round(row["analysis_cpu_s"] / kb * 1000, 2)
        if with_compare:
            if len(docs) < 2:
                docs.append(Analyzer().analyze(arts[1]))
            if cached and not cached.exists():
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
            kept.clear()
            c = time.process_time()
            comp = compare_story(docs)
            cpu = time.process_time() - c
            first_per_kb = first_per_kb or cpu / kb
            row |= {"compare_cpu_s": round(cpu, 2), "claim_groups": len(comp.claims),
                    "compare_ms_per_kb": round(cpu / kb * 1000, 1),
                    "compare_per_kb_vs_first": round(cpu / kb / first_per_kb, 2),
                    # the last call is the cross-outlet grouping of all facts; the others, each outlet's repeats
                    "kept_pairs_grouping": kept[-1] if kept else 0, "kept_pairs_repeats": sum(kept[:-1])}
        row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        out[f"{kb}KB"] = row
        print(kb, row, flush=True)
    return out


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed.json"))
    ap.add_argument("--long", metavar="KB,KB", help="long inputs: analysis (and compare) time per size")
    ap.add_argument("--no-compare", action="store_true", help="with --long: analysis only")
    ap.add_argument("--cache", metavar="DIR", help="with --long: pickle the analysed texts here once, reuse them")
    ap.add_argument("--exact-pairs", action="store_true",
                    help="with --long: score every claim pair (no candidate pairs), to check the candidates")
    args = ap.parse_args()
    if args.long:
        results = long_inputs([int(k) for k in args.long.split(",")], not args.no_compare, args.exact_pairs, args.cache)
        out = ROOT / "benchmarks" / "results" / ("speed_long_exact.json" if args.exact_pairs else "speed_long.json")
        out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        return
    results: dict = {"cpu_count": os.cpu_count(), "load_avg_start": os.getloadavg()[0]}

    t0 = time.perf_counter()
    from parallax.nlp import models
    models.ner_tagger(); models.morph_analyzer(); models.language_detector()
    from parallax.compare.embed import get_encoder
    enc = get_encoder(); enc.encode(["прогрев"])
    results["model_load_s"] = round(time.perf_counter() - t0, 2)

    arts = load_posts(args.articles)
    n = len(arts)
    chars = sum(len(a.text) for a in arts)
    results["articles"] = n
    results["mean_chars"] = round(chars / n)

    from parallax.model import AnalyzedArticle
    from parallax.nlp import attribution, dates, entities, numbers, quotes
    from parallax.nlp.pipeline import Analyzer, detect_language
    from parallax.nlp.segment import split_sentences, split_tokens
    stages = {}
    docs = [AnalyzedArticle(article=a) for a in arts]
    _, t = timed(lambda: [setattr(d, "language", detect_language(d.text)[0]) for d in docs]); stages["language"] = t
    _, t = timed(lambda: [setattr(d, "sentences", split_sentences(d.text)) for d in docs]); stages["sentences"] = t
    _, t = timed(lambda: [setattr(d, "tokens", split_tokens(d.text, d.sentences)) for d in docs]); stages["tokens+lemmas"] = t
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):          # as the Analyzer runs it
        spans, t = timed(entities.document_ner, [d.text for d in docs]); stages["ner"] = t

    def mentions():
        for d, sp in zip(docs, spans):
            d.mentions = entities.extract_mentions(d.text, d.sentences, d.tokens, entities.spans_by_sentence(sp, d.sentences))
    _, t = timed(mentions); stages["normalize+aliases+roles"] = t
    _, t = timed(lambda: [setattr(d, "dates", dates.extract_dates(d.text, d.article.date)) for d in docs]); stages["dates"] = t
    _, t = timed(lambda: [setattr(d, "numbers", numbers.extract_numbers(d.text)) for d in docs]); stages["numbers"] = t
    _, t = timed(lambda: [setattr(d, "quotes", quotes.extract_quotes(d)) for d in docs]); stages["quotes"] = t
    _, t = timed(lambda: [setattr(d, "attributions", attribution.extract_attributions(d)) for d in docs]); stages["attributions"] = t
    total = sum(stages.values())
    results["stages"] = {k: {"seconds": round(v, 3), "articles_per_s": round(n / v, 1) if v else None} for k, v in stages.items()}
    results["analysis_articles_per_s"] = round(n / total, 1)

    # the same through the public Analyzer (batching as in production), wall and CPU time: on a shared
    # machine articles per CPU-second is the per-core figure
    c0 = time.process_time()
    _, t = timed(Analyzer().analyze_many, arts)
    cpu = time.process_time() - c0
    results["analyzer_articles_per_s"] = round(n / t, 1)
    results["analyzer_articles_per_cpu_s"] = round(n / cpu, 1)

    # encoding claims is part of compare, measured separately
    from parallax.compare.claims import split_claims
    claims = [c for d in docs for c in split_claims(d)]
    enc.clear_cache()
    _, t = timed(enc.encode, [c.text for c in claims])
    results["embedding_sentences_per_s"] = round(len(claims) / t, 1)

    # the example pair end to end (models already loaded)
    from parallax.api import compare_articles, read_articles
    ex = sorted(str(p) for p in (ROOT / "examples").glob("*.txt"))
    enc.clear_cache()
    (_, doc), t = timed(lambda: compare_articles(*read_articles(ex, [])))
    results["example_pair_compare_s"] = round(t, 3)

    # a 20-article comparison: the examples plus the 18 longest RIA/BBC posts
    twenty = [a for a in arts if a.outlet in NEWS_CHANNELS][:18]
    ex_arts, _ = read_articles(ex, [])
    twenty = (ex_arts + twenty + arts)[:20]
    from parallax.compare import compare_story
    docs20 = Analyzer().analyze_many(twenty)
    enc.clear_cache()
    comp, t = timed(compare_story, docs20)
    results["compare_20_articles_s"] = round(t, 3)
    results["compare_20_claims"] = len(comp.claims)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["load_avg_end"] = os.getloadavg()[0]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
