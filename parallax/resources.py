"""One cached loader for the data files that ship inside the package: lexicons, rule tables, configs.

Every path is relative to the package root (``"nlp/data/aliases.yaml"``), so a module names the file it
reads in one string, wherever it lives. Parsed YAML is cached once per process and handed out as a deep
copy, so a caller that edits what it got cannot change what the next caller sees.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

PACKAGE_ROOT = Path(__file__).resolve().parent


class ResourceError(ValueError):
    """A shipped or user-given data file is missing or not what its reader expects."""


def resource_path(relative: str) -> Path:
    """The absolute path of a data file inside the package."""
    return PACKAGE_ROOT / relative


@functools.lru_cache(maxsize=None)
def read_text(relative: str) -> str:
    return resource_path(relative).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _parsed_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ResourceError(f"{path}: not valid YAML: {exc}") from exc


def load_yaml(relative: str | Path) -> Any:
    """The parsed YAML file: a path relative to the package root, or an absolute path (a user's file)."""
    path = Path(relative)
    if not path.is_absolute():
        path = resource_path(str(relative))
    return copy.deepcopy(_parsed_yaml(path.resolve()))


def load_yaml_mapping(relative: str | Path) -> dict[str, Any]:
    """`load_yaml` for files whose top level must be a mapping (configs), with a clear error otherwise."""
    data = load_yaml(relative)
    if not isinstance(data, dict):
        raise ResourceError(f"{relative}: expected a mapping at the top level")
    return data
