"""AnalyzedArticle <-> JSON, driven by the dataclass type hints of parallax.model.

The codec is generic on purpose: when a layer is added to the model (a new field with a default), it is
stored and loaded without touching this file. Unknown keys in stored data are ignored and missing ones take
the field default, so analyses written by an older model still load (they are re-analysed anyway when
ANALYZER_VERSION changes).

Stored form: compact UTF-8 JSON compressed with zlib (`dumps_analysis` / `loads_analysis`). The Article is
not part of it - the store keeps articles in their own table and re-attaches them on load.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import types
import typing
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

from parallax.model import AnalyzedArticle, Article

_NDARRAY = "__ndarray__"


_PLAIN = frozenset({str, int, float, bool, type(None)})


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, None for any other type (looked up once per type: an analysis
    has ~600 values to walk and `dataclasses.fields` is the slow part of the walk)."""
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


def to_jsonable(value: Any) -> Any:
    cls = type(value)
    if cls in _PLAIN:
        return value
    names = _field_names(cls)
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        return {_NDARRAY: base64.b64encode(arr.tobytes()).decode("ascii"), "dtype": str(arr.dtype),
                "shape": list(arr.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot store a {type(value).__name__} in an analysis")


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild a value of type `tp` from its JSON form."""
    if value is None:
        return None
    if tp is Any or tp is object:
        return _decode_untyped(value)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        for option in options:
            try:
                return from_jsonable(option, value)
            except (TypeError, ValueError, KeyError):
                continue
        return _decode_untyped(value)
    if origin in (list, set, frozenset, tuple):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        items = [from_jsonable(inner, v) for v in value]
        return items if origin is list else origin(items)
    if origin is dict:
        args = typing.get_args(tp)
        inner = args[1] if len(args) == 2 else Any
        return {k: from_jsonable(inner, v) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {f.name: from_jsonable(hints.get(f.name, Any), value[f.name])
                  for f in dataclasses.fields(tp) if f.init and f.name in value}
        return tp(**kwargs)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value[:10])
    if tp is np.ndarray:
        return _decode_untyped(value)
    if tp in (int, float, str, bool):
        if tp is float and isinstance(value, (int, float)):
            return float(value)
        if not isinstance(value, tp):
            raise TypeError(f"expected {tp.__name__}, got {type(value).__name__}")
        return value
    return _decode_untyped(value)


def _decode_untyped(value: Any) -> Any:
    if isinstance(value, dict):
        if _NDARRAY in value:
            data = base64.b64decode(value[_NDARRAY])
            return np.frombuffer(data, dtype=value["dtype"]).reshape(value["shape"]).copy()
        return {k: _decode_untyped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_untyped(v) for v in value]
    return value


def analysis_to_dict(doc: AnalyzedArticle) -> dict[str, Any]:
    """Every analysis layer of `doc`, without the Article itself."""
    return {f.name: to_jsonable(getattr(doc, f.name)) for f in dataclasses.fields(doc) if f.name != "article"}


def analysis_from_dict(data: dict[str, Any], article: Article) -> AnalyzedArticle:
    hints = _hints(AnalyzedArticle)
    kwargs = {f.name: from_jsonable(hints.get(f.name, Any), data[f.name])
              for f in dataclasses.fields(AnalyzedArticle)
              if f.init and f.name != "article" and f.name in data}
    return AnalyzedArticle(article=article, **kwargs)


# ---- the fast encoder: json's C encoder walks the lists, strings and numbers, Python only the dataclasses ----

@lru_cache(maxsize=None)
def _plain_fields(cls: type) -> int:
    """How many fields an instance of dataclass `cls` holds in its ``__dict__`` (in field order, as
    ``__init__`` sets them), -1 when it cannot be read that way (slots, a non-dataclass, a field ``__init__``
    does not set, which would come later in ``__dict__``)."""
    names = _field_names(cls)
    if names is None or "__slots__" in cls.__dict__ or not all(f.init for f in dataclasses.fields(cls)):
        return -1
    return len(names)


def _encode_default(value: Any) -> Any:
    """What json's encoder cannot write itself: a dataclass is its fields (its ``__dict__`` when that holds
    exactly the fields, which is what ``__init__`` makes), anything else as `to_jsonable` writes it."""
    count = _plain_fields(type(value))
    if count > 0:
        attrs = value.__dict__
        if len(attrs) == count:
            return attrs
        return {name: getattr(value, name) for name in _field_names(type(value))}
    return to_jsonable(value)


@lru_cache(maxsize=None)
def _c_encodable(tp: Any) -> bool:
    """Whether every value of type `tp` comes out of json's C encoder exactly as `to_jsonable` + `json.dumps`
    write it. Only a dict differs (json writes a key True as 'true', to_jsonable as 'True'), so a type that
    may hold a dict, or anything (Any, object), goes the generic way."""
    if tp is Any or tp is object or tp is dict:
        return False
    origin = typing.get_origin(tp)
    if origin is dict:
        return False
    if origin is not None:
        return all(_c_encodable(a) for a in typing.get_args(tp) if a is not Ellipsis)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return all(_c_encodable(hints.get(name, Any)) for name in _field_names(tp))
    return isinstance(tp, type)


@lru_cache(maxsize=1)
def _layers_c_encodable() -> bool:
    hints = _hints(AnalyzedArticle)
    return all(_c_encodable(hints.get(name, Any)) for name in _ANALYSIS_LAYERS)


_ANALYSIS_LAYERS = tuple(f.name for f in dataclasses.fields(AnalyzedArticle) if f.name != "article")
_FAST_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False,
                                 default=_encode_default)


def analysis_json(doc: AnalyzedArticle) -> str:
    """The stored JSON of an analysis: byte for byte `json.dumps(analysis_to_dict(doc))`, written by json's C
    encoder with a hook for the dataclasses (the recursive walk was ~5 % of `ingest`; SPEED.md, session 9)."""
    if _layers_c_encodable():
        return _FAST_ENCODER.encode({name: getattr(doc, name) for name in _ANALYSIS_LAYERS})
    return json.dumps(analysis_to_dict(doc), ensure_ascii=False, separators=(",", ":"))


def dumps_analysis(doc: AnalyzedArticle) -> bytes:
    return zlib.compress(analysis_json(doc).encode("utf-8"), 6)


def loads_analysis(blob: bytes, article: Article) -> AnalyzedArticle:
    return analysis_from_dict(json.loads(zlib.decompress(bytes(blob)).decode("utf-8")), article)


def article_from_dict(data: dict[str, Any]) -> Article:
    return from_jsonable(Article, data)
