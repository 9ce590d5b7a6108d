"""English NER: spaCy's en_core_web_sm 3.8.0, only its `ner` component, from a pinned PyPI wheel.

Chosen by measurement on English news (benchmarks/ner_en.py, benchmarks/README.md); the model, its
licence, the files pinned by sha256 and the label mapping are in `data/spacy_model_en.yaml`. Loaded once per
process, lazily (English articles only), with the files checked against their pinned hashes first.

    tag_texts(texts) -> [[(start, end, type), ...], ...]      # character offsets, type PER / LOC / ORG
    extract_mentions(text, sentences, spans) -> [Mention]     # with English normal forms
    normal_form('the United States') -> 'United States'; normal_form("Trump's") -> 'Trump'
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import re
import threading
from pathlib import Path

import numpy as np

from parallax.model import Mention, Sentence
from parallax.nlp.entities import text_chunks
from parallax.nlp.segment import mask_symbols
from parallax.resources import ResourceError, load_yaml_mapping

MODEL_FILE = "nlp/data/spacy_model_en.yaml"
MODEL_NAME = "spacy en_core_web_sm 3.8.0 (ner)"
BATCH_SIZE = 32
# A long text goes to the NER in pieces cut at line breaks (else sentence ends): every character is
# tagged, and spaCy's memory per call stays small.
CHUNK_CHARS = 20_000
_load_lock = threading.Lock()
_tag_lock = threading.Lock()


class ModelError(RuntimeError):
    """The English model package is missing or its files are not the pinned ones."""


@functools.lru_cache(maxsize=1)
def model_spec() -> dict:
    spec = load_yaml_mapping(MODEL_FILE)
    for key in ("package", "version", "files", "labels", "exclude"):
        if key not in spec:
            raise ResourceError(f"{MODEL_FILE}: missing `{key}`")
    return spec


def _spec_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in model_spec()["labels"].items()}


LABELS: dict[str, str] = _spec_labels()


def model_dir() -> Path:
    """The folder of the model's files inside the installed package."""
    spec = model_spec()
    found = importlib.util.find_spec(spec["package"])
    if found is None or found.origin is None:
        raise ModelError(f"English NER: the package {spec['package']} {spec['version']} is not installed "
                         f"(pip install -e . installs it; see pyproject.toml)")
    return Path(found.origin).parent / f"{spec['package']}-{spec['version']}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_model_files(folder: Path | None = None) -> None:
    """Raise ModelError naming the first file that is missing or differs from its pinned sha256."""
    folder = folder or model_dir()
    for rel, want in model_spec()["files"].items():
        path = folder / rel
        if not path.is_file():
            raise ModelError(f"English NER: {path} is missing (expected {model_spec()['package']} "
                             f"{model_spec()['version']})")
        got = file_sha256(path)
        if got != want:
            raise ModelError(f"English NER: {path} has sha256 {got}, not the pinned {want} "
                             f"({MODEL_FILE}): a different model package is installed")


@functools.lru_cache(maxsize=1)
def english_nlp():
    """The spaCy pipeline with only the `ner` component, checked and loaded once per process."""
    with _load_lock:
        folder = model_dir()
        verify_model_files(folder)
        import spacy  # lazy: 1 s to import with the model; only English articles need it
        from thinc.api import NumpyOps  # lazy: comes with spaCy
        nlp = spacy.load(folder, exclude=list(model_spec()["exclude"]))
        # numpy's BLAS instead of blis for the NER's matrix products: its tok2vec runs 2-3x and the whole
        # NER ~1.3x faster on one thread (benchmarks/README.md, English NER); the entities are the same
        ops = NumpyOps(use_blis=False)
        for node in nlp.get_pipe("ner").model.walk():
            node.ops = ops
        return nlp


# ---- spans ------------------------------------------------------------------------------------------

_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A spaCy span without a leading 'the' (except 'The Hague'), a possessive 's, or punctuation and
    spaces at its edges (an abbreviation keeps its dot: 'U.S.'); a name never runs over a line break
    ('Vikas Wadhawan\nMurmurs': the byline is the name) or into an unclosed bracket ('National Democratic
    Congress (NDC')."""
    surface = text[start:end]
    if "\n" in surface.strip():
        end = start + surface.index("\n", len(surface) - len(surface.lstrip()))
    surface = text[start:end]
    if "(" in surface and ")" not in surface[surface.index("("):] and surface.index("(") > 0:
        end = start + surface.index("(")
    while True:
        surface = text[start:end]
        m = _LEADING_THE.match(surface)
        if m and not surface.startswith(("The Hague", "THE HAGUE")):
            start += m.end()
            continue
        m = _POSSESSIVE.search(surface)
        if m and end - start > len(m.group()):
            end -= len(m.group())
            continue
        if surface and not surface[0].isalnum():
            start += 1
            continue
        if surface and not (surface[-1].isalnum() or surface[-1] == "." and re.search(r"\b\w\.\w?\.?$", surface)):
            end -= 1
            continue
        return start, end


@functools.lru_cache(maxsize=1)
def _token_attrs() -> tuple[int, int, int, int]:
    from spacy import attrs  # lazy: spaCy loads only for English articles
    return attrs.ENT_IOB, attrs.ENT_TYPE, attrs.IDX, attrs.LENGTH


def raw_entities(doc) -> list[tuple[int, int, str]]:
    """(start_char, end_char, spaCy label) of a Doc's entities, read from its token arrays: `doc.ents`
    makes a Python object of every token (half of the NER's time under cProfile)."""
    rows = doc.to_array(list(_token_attrs()))
    if not len(rows):
        return []
    iob, typ, idx, length = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    outside = np.flatnonzero(iob != 1)           # IOB codes: 1 = I, 2 = O, 3 = B, 0 = unset
    out = []
    for first in np.flatnonzero(iob == 3):
        k = np.searchsorted(outside, first, side="right")
        stop = int(outside[k]) if k < len(outside) else len(iob)
        out.append((int(idx[first]), int(idx[stop - 1] + length[stop - 1]), doc.vocab.strings[int(typ[first])]))
    return out


# A one-word "place" that is a nationality adjective ('Ukrainian officials', tagged GPE by the small model):
# not an entity (the guideline's NORP rule); no country or city name of the news ends so.
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish)$")


def spans_of(doc, shift: int = 0, text: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, type) of a spaCy Doc's entities of a mapped label, trimmed, offsets + `shift`. `text`:
    the text the Doc was made of (`doc.text` rebuilds it token by token)."""
    text = doc.text if text is None else text
    out = []
    for start, end, label in raw_entities(doc):
        typ = LABELS.get(label)
        if typ is None:
            continue
        a, b = trim_span(text, start, end)
        if b > a and not (typ == "LOC" and _DEMONYM.match(text[a:b])):
            out.append((a + shift, b + shift, typ))
    return out


def chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Cut `text` into pieces of at most ~`size` characters at line breaks, else after '. '."""
    return text_chunks(text, size) or [(0, 0)]


def tag_texts(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Entity spans (start, end, type) of each text, sorted; emoji masked (same length) as for slovnet."""
    pieces, owner = [], []
    for k, text in enumerate(texts):
        masked = mask_symbols(text)
        for a, b in chunks(masked):
            if masked[a:b].strip():
                pieces.append(masked[a:b])
                owner.append((k, a))
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    if not pieces:
        return out
    nlp = english_nlp()
    with _tag_lock:                # one spaCy pipeline per process: one caller at a time
        docs = list(nlp.pipe(pieces, batch_size=BATCH_SIZE))
    for (k, shift), piece, doc in zip(owner, pieces, docs):
        out[k].extend(spans_of(doc, shift, piece))
    return [harmonize(text, sorted(spans)) for text, spans in zip(texts, out)]


# ---- one article, one type per name -----------------------------------------------------------------

def _name_words(surface: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in re.findall(r"[\w.&'-]+", surface))


def harmonize(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """One type per name within an article: the small model calls 'Trump' PER in one sentence and ORG in
    the next, 'Glasgow' LOC then PER. A name (its words, lower case) takes the type most of its mentions
    have; a name whose words are the first or last words of a longer PER name of the article ('Ooi' after
    'Ooi Chieng Sim', 'Trump' after 'Donald Trump') is that person. Decided on the sample's dev part only
    (benchmarks/ner_en.py)."""
    if not spans:
        return spans
    votes: dict[tuple[str, ...], dict[str, int]] = {}
    for a, b, typ in spans:
        words = _name_words(normal_form(text[a:b]))
        votes.setdefault(words, {}).setdefault(typ, 0)
        votes[words][typ] += 1
    persons = [w for w, v in votes.items() if len(w) > 1 and max(v, key=v.get) == "PER"]
    parts = {w[:1] for w in persons} | {w[-1:] for w in persons}
    out = []
    for a, b, typ in spans:
        words = _name_words(normal_form(text[a:b]))
        v = votes[words]
        best = max(v.values())
        winners = [t for t, n in v.items() if n == best]
        if len(words) == 1 and words in parts:
            typ = "PER"
        elif len(winners) == 1:
            typ = winners[0]
        out.append((a, b, typ))
    return out


# ---- mentions ---------------------------------------------------------------------------------------

def _title_case(name: str) -> str:
    """'JAKARTA' -> 'Jakarta', 'ROBERT DE NIRO' -> 'Robert De Niro' (datelines, headlines in capitals);
    acronyms stay ('USA', 'UK', 'U.S.')."""
    words = name.split(" ")
    if not name.isupper() or not (max(map(len, words)) > 4 or sum(len(w) >= 3 for w in words) >= 2):
        return name
    return " ".join(w.capitalize() if w.isalpha() else w for w in words)


def normal_form(surface: str, typ: str = "") -> str:
    """An English name's normal form: no 'the', no possessive, one space between words, words in
    capitals (datelines) in title case for people and places."""
    text = re.sub(r"\s+", " ", surface).strip()
    text = _LEADING_THE.sub("", text) if not text.lower().startswith("the hague") else text
    text = _POSSESSIVE.sub("", text)
    if typ in ("PER", "LOC"):
        text = _title_case(text)
    return text or surface


def extract_mentions(text: str, sentences: list[Sentence], spans: list[tuple[int, int, str]]) -> list[Mention]:
    """Mentions of an English article from its NER spans (tag_texts), each with its sentence and normal
    form; the language-independent key comes from the normal form (entity_keys.mention_key)."""
    starts = [s.start for s in sentences]
    out = []
    for a, b, typ in spans:
        k = max(bisect.bisect_right(starts, a) - 1, 0)
        surface = text[a:b]
        out.append(Mention(start=a, end=b, text=surface, type=typ, normal=normal_form(surface, typ), sentence=k))
    return out
