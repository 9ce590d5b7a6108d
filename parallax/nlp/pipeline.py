"""analyze: Article -> AnalyzedArticle, one layer at a time (natasha's Doc style).

    language -> sentences -> tokens/lemmas -> entity mentions -> dates -> numbers -> quotes -> attributions

NER runs over the sentences of a whole batch of articles at once; everything else is per article.
"""
from __future__ import annotations

import bisect
import functools
import re
from typing import Callable, Iterable

from threadpoolctl import ThreadpoolController

from parallax.model import AnalyzedArticle, Article
from parallax.nlp import attribution, dates, entities, ner_en, ner_uk, numbers, quotes
from parallax.nlp.models import language_detector
from parallax.nlp.segment import split_sentences, split_tokens

_UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The process's BLAS libraries, found once: `threadpool_limits` scans every loaded library (reading
    /proc) on each call, ~0.5-2 ms, once per batch and per language (10 % of an English article's analysis)."""
    return ThreadpoolController()


_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[#@]\w+")
# A text lingua is sure to call Russian (confidence 1.0 after rounding) is decided without it (lingua is ~5 % of
# `ingest`): at least RUSSIAN_ALPHABET_MIN letters of the Russian alphabet, RUSSIAN_ONLY_MIN of them only Russian
# has among ru/uk (ы э ъ ё), no letter of another Cyrillic alphabet (Ukrainian і ї є ґ, Uzbek ў қ ғ ...: lingua
# calls Uzbek pages Ukrainian), and at most LATIN_SHARE_MAX Latin letters per Russian one. Chosen on the 22,097
# Telegram posts (150 letters is the shortest with no disagreement), checked on the 4,665 tgcontest-2019 pages:
# the same language and confidence as lingua on every one of both (benchmarks/SPEED.md, session 9).
_RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
_CYRILLIC_ANY = re.compile(r"[\u0400-\u052F]")
RUSSIAN_ALPHABET_MIN, RUSSIAN_ONLY_MIN, LATIN_SHARE_MAX = 200, 3, 0.2
# A Russian post full of Latin names or code (`avo — пакет для генерации x86 assembly с помощью Go`, a list of game
# titles) is what lingua calls English: its Latin words outnumber the Cyrillic ones. It is Russian when at least
# RUSSIAN_WORDS_SHARE Cyrillic words per Latin word and RUSSIAN_LETTERS_MIN of ы э ё (no Bulgarian word has
# them) are written, and no letter of another Cyrillic alphabet. It turns 31 of the 22,097 Telegram posts and 1
# of the 4,665 tgcontest-2019 pages from English to Russian, all Russian when read (SPEED.md, session 9);
# RUSSIAN_WORDS_SHARE = None turns the rule off.
_CYRILLIC_WORD = re.compile(r"\b[А-Яа-яЁё]{2,}\b")
_LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
_RUSSIAN_NOT_BULGARIAN = re.compile(r"[ыэёЫЭЁ]")
RUSSIAN_WORDS_SHARE: float | None = 0.25
RUSSIAN_LETTERS_MIN = 2


def detect_language(text: str) -> tuple[str, float]:
    # links, handles and hashtags are Latin whatever the language of the post around them
    sample = _URL.sub(" ", text[:3000])
    russian = len(_CYRILLIC.findall(sample))
    letters = russian + len(_UKRAINIAN_LETTERS.findall(sample))
    latin = len(_LATIN.findall(sample))
    if letters + latin == 0:
        return "ru", 0.0
    if surely_russian(sample, russian, latin):
        return "ru", 1.0
    from lingua import Language  # lazy: 0.1 s to import (nearly doubles importing this module); see models
    codes = {Language.RUSSIAN: "ru", Language.UKRAINIAN: "uk", Language.ENGLISH: "en"}
    values = language_detector().compute_language_confidence_values(sample)
    if not values:
        return "ru", 0.0
    best = values[0]
    code, conf = codes[best.language], float(best.value)
    # a mostly-Cyrillic text is not English, whatever a short sample makes lingua think; nor is a Russian
    # text that names things in Latin letters
    if code == "en" and (letters > 2 * latin or written_in_russian(sample, russian)):
        cyr = [v for v in values if v.language != Language.ENGLISH]
        code, conf = codes[cyr[0].language], float(cyr[0].value)
    # lingua sometimes hesitates on short Russian/Ukrainian snippets; letters unique to Ukrainian settle it
    if code == "ru" and len(_UKRAINIAN_LETTERS.findall(sample)) > 3:
        code = "uk"
    return code, round(conf, 3)


def surely_russian(sample: str, russian: int, latin: int) -> bool:
    """Whether lingua would call `sample` (URLs removed; `russian` letters of the Russian alphabet, `latin`
    Latin ones) Russian with confidence 1.0: the pre-decision above, so only what it cannot settle reaches
    lingua."""
    return (russian >= RUSSIAN_ALPHABET_MIN and latin <= LATIN_SHARE_MAX * russian
            and len(_RUSSIAN_ONLY.findall(sample)) >= RUSSIAN_ONLY_MIN and len(_CYRILLIC_ANY.findall(sample)) == russian)


def written_in_russian(sample: str, russian: int) -> bool:
    """Whether a text lingua calls English is Russian with Latin names or code in it (see RUSSIAN_WORDS_SHARE)."""
    if RUSSIAN_WORDS_SHARE is None or len(_RUSSIAN_NOT_BULGARIAN.findall(sample)) < RUSSIAN_LETTERS_MIN:
        return False
    if len(_CYRILLIC_ANY.findall(sample)) != russian:
        return False
    return len(_CYRILLIC_WORD.findall(sample)) >= RUSSIAN_WORDS_SHARE * len(_LATIN_WORD.findall(sample))


def _sentence_at(doc: AnalyzedArticle, starts: list[int], offset: int):
    """`doc.sentence_at(offset)` by bisection (sentences are in text order and do not overlap); the scan
    made analysis quadratic in the length of a text."""
    k = bisect.bisect_right(starts, offset) - 1
    if k >= 0 and offset < doc.sentences[k].end:
        return doc.sentences[k]
    return None


class Analyzer:
    """Holds nothing but settings: the models are process-wide singletons (parallax.nlp.models)."""

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def analyze(self, article: Article, anchor_date=None) -> AnalyzedArticle:
        return self.analyze_many([article], anchor_date=anchor_date)[0]

    def analyze_many(self, articles: Iterable[Article], anchor_date=None,
                     on_progress: Callable[[int], None] | None = None) -> list[AnalyzedArticle]:
        """`anchor_date` resolves relative dates in articles that carry no date of their own
        (the story's date). `on_progress(n)` is told of every n characters analysed, half of an article's
        length after its sentences and tokens, the other half when it is done (a progress bar for long
        texts). An article's analysis does not depend on the batch it runs in."""
        out: list[AnalyzedArticle] = []
        batch: list[AnalyzedArticle] = []

        def finish() -> None:
            out.extend(self._finish(batch, anchor_date))
            if on_progress is not None:
                on_progress(sum(len(d.text) - len(d.text) // 2 for d in batch))
            batch.clear()

        for article in articles:
            batch.append(self._prepare(article))
            if on_progress is not None:
                on_progress(len(article.text) // 2)
            if len(batch) >= self.batch_size:
                finish()
        if batch:
            finish()
        return out

    def _prepare(self, article: Article) -> AnalyzedArticle:
        doc = AnalyzedArticle(article=article)
        doc.language, doc.language_confidence = detect_language(article.text)
        doc.sentences = split_sentences(article.text)
        doc.tokens = split_tokens(article.text, doc.sentences, doc.language)
        if doc.language == "uk":
            ner_uk.set_lemmas(doc.tokens)     # the Russian dictionaries' lemmas of Ukrainian words are guesses
        return doc

    def _finish(self, docs: list[AnalyzedArticle], anchor_date) -> list[AnalyzedArticle]:
        # Ukrainian: the project's own CRF with its gazetteer and Latin-name rule (benchmarks/NER_UK.md:
        # far above slovnet's Russian model on Ukrainian, which it no longer needs for Latin names);
        # Russian, and Ukrainian when the model file is absent: slovnet
        uk_docs = [d for d in docs if d.language == "uk" and ner_uk.available()]
        slovnet_docs = [d for d in docs if d.language == "ru" or d.language == "uk" and not ner_uk.available()]
        # one BLAS thread: the NER's small matrix products run slower with two threads, and parallel
        # analysis comes from processes (measured in benchmarks/speed.py)
        with _blas().limit(limits=1):
            doc_spans = entities.document_ner([d.text for d in slovnet_docs])
        doc_spans += [ner_uk.tag_document(d.text, d.sentences, d.tokens) for d in uk_docs]
        for d, spans in zip(slovnet_docs + uk_docs, doc_spans):
            d.mentions = entities.extract_mentions(d.text, d.sentences, d.tokens,
                                                   entities.spans_by_sentence(spans, d.sentences))
            if d.language == "uk":
                # the Russian dictionaries leave Ukrainian case forms as they are (Києва, Генштабі ЗСУ)
                ner_uk.normalize_mentions(d.mentions)
        # English: spaCy's en_core_web_sm, its NER alone (benchmarks/ner_en.py: far above slovnet on English)
        en_docs = [d for d in docs if d.language == "en"]
        if en_docs:
            with _blas().limit(limits=1):
                en_spans = ner_en.tag_texts([d.text for d in en_docs])
            for d, spans in zip(en_docs, en_spans):
                d.mentions = ner_en.extract_mentions(d.text, d.sentences, spans)
        for d in docs:
            if d.language not in ("ru", "uk", "en"):
                d.mentions = entities.extract_mentions(d.text, d.sentences, d.tokens,
                                                       [[] for _ in d.sentences])
            self._add_layers(d, anchor_date)
        return docs

    def _add_layers(self, doc: AnalyzedArticle, anchor_date) -> None:
        anchor = doc.article.date or anchor_date
        doc.dates = dates.extract_dates(doc.text, anchor, doc.language)
        doc.numbers = numbers.extract_numbers(doc.text, doc.language, dates=doc.dates)
        starts = [s.start for s in doc.sentences]
        for item in (*doc.dates, *doc.numbers):
            sent = _sentence_at(doc, starts, item.start)
            item.sentence = sent.index if sent else 0
        doc.quotes = quotes.extract_quotes(doc)
        doc.attributions = attribution.extract_attributions(doc)

