"""One thin connection layer over SQLite (sqlite3) and PostgreSQL (psycopg 3).

Queries are written once with `?` placeholders; the PostgreSQL side rewrites them to `%s`. Where the two
dialects differ (DDL, full-text search) the caller picks the text with :meth:`Database.dialect`.

Transactions are explicit: ``with db.transaction(): ...`` commits at the end or rolls back on an
exception; nested blocks become savepoints, so one failing record can be undone without losing its batch.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_DB = "parallax.sqlite"
ENV_DB = "PARALLAX_DB"

_PG_URL = re.compile(r"^postgres(ql)?(\+psycopg)?://", re.I)


def resolve_db(db: str | os.PathLike | None) -> str:
    """`--db` if given, else $PARALLAX_DB, else ./parallax.sqlite."""
    if db:
        return str(db)
    return os.environ.get(ENV_DB) or DEFAULT_DB


def is_postgres_url(target: str) -> bool:
    return bool(_PG_URL.match(target))


def redact(target: str) -> str:
    """The target for messages: a PostgreSQL URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", target)


class Database:
    dialect: str

    def __init__(self, target: str):
        self.target = target
        self._depth = 0
        if is_postgres_url(target):
            self.dialect = "postgresql"
            self._conn = _connect_postgres(target)
        else:
            self.dialect = "sqlite"
            self._conn = _connect_sqlite(target)

    # ---- statements ----

    def _sql(self, sql: str) -> str:
        if self.dialect == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cur = self._conn.cursor()
        cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        row = self.one(sql, params)
        return default if row is None or row[0] is None else row[0]

    def iterate(self, sql: str, params: Sequence[Any] = (), size: int = 500) -> Iterator[tuple]:
        """Stream a large result without holding it in memory (a server-side cursor on PostgreSQL)."""
        if self.dialect == "postgresql":
            with self._conn.transaction():
                with self._conn.cursor(name=f"parallax_iter_{id(self)}_{self._depth}") as cur:
                    cur.itersize = size
                    cur.execute(self._sql(sql), tuple(params))
                    yield from cur
        else:
            cur = self._conn.cursor()
            cur.execute(sql, tuple(params))
            while True:
                rows = cur.fetchmany(size)
                if not rows:
                    return
                yield from rows

    # ---- transactions ----

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        if self.dialect == "postgresql":
            self._depth += 1
            try:
                with self._conn.transaction():
                    yield self
            finally:
                self._depth -= 1
            return
        if self._depth == 0:
            # IMMEDIATE takes the write lock now, so two writers queue instead of failing at commit.
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException as exc:
                self._undo(exc, "ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0
        else:
            name = f"sp{self._depth}"
            self._conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException as exc:
                self._undo(exc, f"ROLLBACK TO {name}", f"RELEASE {name}")
                raise
            else:
                self._conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1


    def _undo(self, cause: BaseException, *statements: str) -> None:
        """Roll back after `cause`. A rollback that itself fails (SQLite refuses one while a statement is
        still running when Ctrl-C lands mid-query) must not replace `cause`: the caller re-raises `cause`,
        so an interrupt stays an interrupt and is not counted as a refused record. Nor must it escape a
        transaction closed unfinished (GeneratorExit: Ctrl-C landed between the block's start and its `with`,
        and the suspended transaction is finalised after the connection closed): Python would print it as an
        ignored exception's traceback under the interrupt message."""
        try:
            for statement in statements:
                self._conn.execute(statement)
        except sqlite3.Error:
            if not isinstance(cause, (KeyboardInterrupt, GeneratorExit, sqlite3.Error)):
                raise

    def close(self) -> None:
        try:
            if self.dialect == "sqlite" and self._depth == 0:
                # Fold the WAL back into the main file so a copied .sqlite is complete on its own.
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self._conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _connect_sqlite(path: str) -> sqlite3.Connection:
    if path != ":memory:" and not path.startswith("file:"):
        parent = Path(path).expanduser().resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        path = str(Path(path).expanduser())
    conn = sqlite3.connect(path, isolation_level=None, timeout=60.0, check_same_thread=False,
                           uri=path.startswith("file:"))
    _set_wal(conn)
    # NORMAL in WAL mode: a committed transaction survives a killed process (only power loss can
    # drop the last commits), at a fraction of FULL's fsync cost.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=60000")
    return conn


def _set_wal(conn: sqlite3.Connection, patience: float = 60.0) -> None:
    """PRAGMA journal_mode=WAL, waiting its turn: switching a fresh database to WAL takes an exclusive lock,
    and SQLite answers 'database is locked' at once, without the busy timeout, to a connection that asks
    while another one holds it (several workers opening a new corpus together: 42 of 300 such races failed
    before this wait). The mode is stored in the file, so once one connection has set it the others find it
    set."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _connect_postgres(url: str):
    try:
        import psycopg  # lazy: optional (the postgres extra); SQLite corpora never load it
    except ImportError:
        raise RuntimeError("PostgreSQL storage needs psycopg 3: pip install 'parallax[postgres]'") from None
    url = re.sub(r"^postgres(ql)?\+psycopg://", "postgresql://", url, flags=re.I)
    conn = psycopg.connect(url, autocommit=True)
    return conn


class ChangeStamp:
    """A token that changes whenever the database does, for caches that must notice other writers.

    SQLite: ``PRAGMA data_version``, read on a connection of its own, because it changes only for commits
    made on *other* connections (this process's own writers included). PostgreSQL: the snapshot's xmax, the
    next transaction id to be assigned; PostgreSQL assigns one only to a transaction that writes, so it moves
    exactly when something was written. It is re-read at most every `ttl` seconds, and at once after
    `touched()` (a write of this process)."""

    def __init__(self, target: str, ttl: float = 1.0):
        self.target = target
        self.ttl = ttl
        self._lock = threading.Lock()
        self._conn: Any = None
        self._cached: tuple[float, str] | None = None

    def current(self) -> str:
        with self._lock:
            if not is_postgres_url(self.target):
                if self._conn is None:
                    self._conn = sqlite3.connect(self.target, check_same_thread=False, timeout=60.0)
                return str(self._conn.execute("PRAGMA data_version").fetchone()[0])
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.ttl:
                return self._cached[1]
            if self._conn is None:
                self._conn = _connect_postgres(self.target)
            with self._conn.cursor() as cur:
                cur.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())")
                value = str(cur.fetchone()[0])
            self._conn.rollback()
            self._cached = (now, value)
            return value

    def touched(self) -> None:
        with self._lock:
            self._cached = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
