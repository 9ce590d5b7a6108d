"""What the routers share: the corpus of the app serving the request (a FastAPI dependency) and the async
loaders over its caches, which answer from memory without a worker thread when they can."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from parallax.outlets.profiles import outlet_profile
from parallax.web import i18n
from parallax.web.cache import corpus_version
from parallax.web.params import ProfileQuery, day_end, day_start
from parallax.web.service import Corpus, StoryBundle

_MISS = object()


async def get_corpus(request: Request) -> Corpus:
    """The corpus `create_app` put on the app's state."""
    return request.app.state.corpus


CorpusDep = Annotated[Corpus, Depends(get_corpus)]


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no such {what}")


async def cached(corpus: Corpus, key: tuple, build: Callable[[], Any]) -> Any:
    """`build()` (run in a worker thread) cached under `key` and the corpus version; a page (a key whose
    first item ends in "-page") also under the reader's language and time zone."""
    localized = i18n.current().key() if str(key[0]).endswith("-page") else None
    version = await corpus_version(corpus)
    corpus.pages.note_version(version)
    full = (*key, localized, version)
    hit = corpus.pages.get(full, _MISS)
    if hit is not _MISS:
        return hit
    return await run_in_threadpool(corpus.pages.get_or_compute, full, build)


async def story_bundle(corpus: Corpus, story_id: str) -> StoryBundle:
    """The story's comparison bundle (404 when there is no such story)."""
    version = await corpus_version(corpus)
    corpus.keys.note_version(version)
    key = corpus.keys.get((story_id, version))
    bundle = corpus.stories.get(key) if key is not None else None
    if bundle is None:
        bundle = await run_in_threadpool(corpus.story_bundle, story_id)
    if bundle is None:
        raise not_found("story")
    return bundle


PROFILE_WAIT = 2.0      # seconds a page waits for a profile before it shows "being computed" instead
_RUNNING: set[asyncio.Task] = set()


def _finished(task: asyncio.Task) -> None:
    _RUNNING.discard(task)
    if not task.cancelled():
        task.exception()        # retrieved: a failure nobody waited for is not logged as "never retrieved"


async def profile_within(corpus: Corpus, name: str, pq: ProfileQuery, wait: float | None = None) -> dict | None:
    """The profile if it is ready within `wait` seconds, else None while it goes on being computed in the
    background (the next request finds it cached): a page never keeps the reader waiting on a blank screen.
    404 when there is no such outlet."""
    task = asyncio.ensure_future(profile_of(corpus, name, pq))
    _RUNNING.add(task)
    task.add_done_callback(_finished)
    done, _ = await asyncio.wait({task}, timeout=PROFILE_WAIT if wait is None else wait)
    return task.result() if done else None


async def profile_of(corpus: Corpus, name: str, pq: ProfileQuery) -> dict:
    """The profile of the outlet named exactly `name` over the query's period (404 when there is none)."""
    if name not in await run_in_threadpool(corpus.outlet_names):
        raise not_found("outlet")
    return await cached(corpus, ("profile", name, pq.since, pq.until),
                        lambda: outlet_profile(corpus.store(), name, since=day_start(pq.since),
                                               until=day_end(pq.until)))
