"""Loading the packaged models, once per process.

natasha 1.6 imports `pymorphy2`, whose analyzer imports `pkg_resources`, which setuptools removed in
version 81. pymorphy3 is the maintained fork of pymorphy2 with the same API and it finds its dictionaries
through importlib.metadata. So before natasha is imported we register pymorphy3 under the name
`pymorphy2`: natasha then runs unchanged on any setuptools, and nothing pins setuptools. (pip still
installs pymorphy2 as natasha's declared dependency; it is never imported.)
"""
from __future__ import annotations

import functools
import sys
import threading

_lock = threading.Lock()


def _use_pymorphy3_for_natasha() -> None:
    import pymorphy3  # lazy: see morph_analyzer
    sys.modules.setdefault("pymorphy2", pymorphy3)


@functools.lru_cache(maxsize=1)
def natasha():
    with _lock:
        _use_pymorphy3_for_natasha()
        import natasha as _natasha  # lazy: natasha + slovnet take 0.3 s to import; only the NER needs them
    return _natasha


@functools.lru_cache(maxsize=1)
def morph_analyzer():
    import pymorphy3  # lazy: 0.1 s to import; `import parallax.nlp.morph` (tone, outlets) stays light
    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=1)
def news_embedding():
    return natasha().NewsEmbedding()


@functools.lru_cache(maxsize=1)
def ner_tagger():
    """slovnet's news NER (PER/LOC/ORG), the model file shipped inside the natasha wheel."""
    return natasha().NewsNERTagger(news_embedding())


@functools.lru_cache(maxsize=1)
def language_detector():
    # Restricted to the languages Parallax analyses: the all-language detector is 1.1 GB and
    # confuses Ukrainian with Kazakh.
    from lingua import Language, LanguageDetectorBuilder  # lazy: 0.1 s to import; only analysis detects languages
    return LanguageDetectorBuilder.from_languages(
        Language.RUSSIAN, Language.UKRAINIAN, Language.ENGLISH).build()
