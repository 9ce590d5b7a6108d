"""The `parallax` command: one module per command group, each a thin layer over `parallax.api`.

`build_parser` and `main` are looked up on first use, so `python -m parallax.cli.main` does not find the
module it runs already imported by its package (runpy's RuntimeWarning on stderr)."""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["build_parser", "main"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'parallax.cli' has no attribute {name!r}")
    module = importlib.import_module("parallax.cli.main")
    for exported in __all__:        # the package attribute `main` is the function, not the submodule
        globals()[exported] = getattr(module, exported)
    return globals()[name]
