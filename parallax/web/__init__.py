"""`parallax serve`: the web app and JSON API over the corpus database (see `app.py`)."""
from __future__ import annotations


def create_app(db: str | None = None, **kwargs):
    """The ASGI app (FastAPI); keyword arguments as `parallax.web.app.create_app`."""
    # lazy: parallax.web.app loads fastapi, starlette and jinja2; `import parallax.web` must need no web packages
    from parallax.web.app import create_app as _create_app
    return _create_app(db, **kwargs)


__all__ = ["create_app"]
