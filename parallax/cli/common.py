"""What the command modules share: the `--db` help text, the exit codes, how a command reports a usage
error, how it writes an output file (atomically) and how every command behaves in a pipe and on Ctrl-C.

Exit codes (README "Exit codes"):
  0    done
  1    failed, nothing done (fewer than two readable articles, every record rejected, a database error, ...)
  2    usage error (bad option or value, no input given)
  3    done, but some inputs were skipped (unreadable files, rejected records, bad rows; stderr says which)
  130  interrupted (Ctrl-C): no output file is left half-written
  141  the reader of standard output went away (`parallax stories | head`): stopped quietly, as a Unix tool
       killed by SIGPIPE reports it to the shell (128 + 13)
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

DB_HELP = "corpus database: SQLite file or postgresql:// URL (default: $PARALLAX_DB or ./parallax.sqlite)"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


_interrupted = False          # Ctrl-C was pressed during the running command


class OutputError(Exception):
    """An output file cannot be written (no such folder, no permission): reported in one line, exit 1."""


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """Print `parallax: message` on stderr; returns `code` for the command to return."""
    print(f"parallax: {message}", file=sys.stderr)
    return code


def done(skipped: int) -> int:
    """The exit code of a command that did its work: 3 when `skipped` inputs were left out, else 0."""
    return EXIT_SKIPPED if skipped else EXIT_OK


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A temporary name in the folder of `path` to write to: renamed onto `path` (os.replace) when the block
    ends normally, removed when it raises, Ctrl-C included. So `path` is either the old file or the whole new
    one, never half written. A device or pipe (`/dev/stdout`) is written directly."""
    target = Path(path)
    if target.exists() and not target.is_file():
        yield str(target)
        return
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        yield str(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_writable(*paths: str | os.PathLike | None) -> None:
    """OutputError unless each given path's folder exists and is writable: checked before a long run, so a
    typo in `--json out/x.json` does not cost the whole comparison."""
    for path in paths:
        if path is None:
            continue
        target = Path(path)
        if target.exists() and not target.is_file():
            continue
        folder = target.parent
        if not folder.is_dir():
            raise OutputError(f"cannot write {target}: no such folder {folder}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {target}: folder {folder} is not writable")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, newline: str | None = None) -> Iterator[TextIO]:
    """`atomic_path` opened as a UTF-8 text file."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as f:
        yield f


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_output(path) as f:
        f.write(text)


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the flush at exit does not raise a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass            # stdout is no real file (a test's capture): nothing will flush into a closed pipe


def _on_sigint(signum, frame) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def checkpoint() -> None:
    """Raise KeyboardInterrupt again when Ctrl-C was pressed but its exception got lost below, e.g. replaced by
    a database error while a savepoint was rolled back, and that error then caught as one bad record. Long
    loops call this from their progress callbacks, so Ctrl-C stops them at the next batch at the latest."""
    if _interrupted:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _sigint_noted() -> Iterator[None]:
    """Note Ctrl-C (see `checkpoint`) while the command runs. An ignored SIGINT (a job started with `&` or
    nohup) stays ignored; outside the main thread signals cannot be handled and nothing changes."""
    global _interrupted
    _interrupted = False
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _interrupted = False


def run_command(func: Callable[..., int | None], args) -> int:
    """Run one command; a closed pipe, Ctrl-C and an unwritable output file end it without a traceback."""
    try:
        with _sigint_noted():
            code = int(func(args) or 0)
            if _interrupted:        # Ctrl-C was swallowed all the way up: the work may be incomplete
                raise KeyboardInterrupt
        sys.stdout.flush()          # inside the try: a pipe closed early shows here for short outputs
        return code
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            print("parallax: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OutputError as exc:
        return fail(str(exc), EXIT_FAILED)
