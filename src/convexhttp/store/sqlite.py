"""The embedded default: one SQLite file, in WAL mode, shared by every process of a machine.

Each thread of each process has its own connection (opened on first use, and
again in a forked child). A write transaction is ``BEGIN IMMEDIATE``: it holds
SQLite's one write lock from its first statement, so writers are serialized
and none can lose another's update; readers see a snapshot and never block.
``synchronous=FULL``: a commit is on disk before the mutation returns, so it
survives a crash of the process or of the machine.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Final, TypeVar

from .base import (
    INDEXES_SQL,
    TABLES_SQL,
    Catalog,
    IndexEntry,
    RetryableConflict,
    ScannedDocument,
    Store,
    StoredDocument,
    StoreError,
    Transaction,
    catalog_from_rows,
    next_table_number,
    scan_parameters,
    scan_statements,
)
from .blobs import DirectoryBlobs

__all__ = ["SQLiteStore"]

FORMAT_VERSION: Final = 1
BUSY_TIMEOUT_S: Final = 10.0
_WATCH_INTERVAL_S: Final = 0.05

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS convex_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS convex_tables (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS convex_indexes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    table_number INTEGER NOT NULL,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    UNIQUE (table_number, name)
);
CREATE TABLE IF NOT EXISTS convex_documents (
    id TEXT PRIMARY KEY,
    table_number INTEGER NOT NULL,
    creation_time REAL NOT NULL,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS convex_index_entries (
    index_id INTEGER NOT NULL,
    key BLOB NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (index_id, key)
) WITHOUT ROWID;
"""

_SCAN_COLUMNS: Final = (
    "SELECT e.key, d.id, d.creation_time, d.value FROM convex_index_entries e "
    "JOIN convex_documents d ON d.id = e.doc_id WHERE e.index_id = ?"
)


def _scan_sql(low: bool, high: bool, descending: bool) -> str:
    sql = _SCAN_COLUMNS
    if low:
        sql += " AND e.key >= ?"
    if high:
        sql += " AND e.key < ?"
    return sql + (" ORDER BY e.key DESC" if descending else " ORDER BY e.key") + " LIMIT ?"


_SCANS: Final = scan_statements(_scan_sql)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


T = TypeVar("T")


def _patiently(step: Callable[[], T]) -> T:
    """``step()``, tried again while the database is locked, for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class _SQLiteTransaction(Transaction):
    __slots__ = ("_conn", "_savepoints", "write")

    def __init__(self, conn: sqlite3.Connection, write: bool) -> None:
        self._conn = conn
        self.write = write
        self._savepoints = 0

    # -- catalog
    def catalog_version(self) -> int:
        row = self._conn.execute(
            "SELECT value FROM convex_meta WHERE key = 'catalog_version'"
        ).fetchone()
        return int(row[0]) if row else 0

    def _bump(self) -> None:
        self._conn.execute(
            "UPDATE convex_meta SET value = CAST(value AS INTEGER) + 1 "
            "WHERE key = 'catalog_version'"
        )

    def read_catalog(self) -> Catalog:
        conn = self._conn
        version = self.catalog_version()
        return catalog_from_rows(version, conn.execute(TABLES_SQL), conn.execute(INDEXES_SQL))

    def create_table(self, name: str, number: int | None = None) -> int:
        if number is None:
            row = self._conn.execute("SELECT max(number) FROM convex_tables").fetchone()
            number = next_table_number(row[0])
        self._conn.execute("INSERT INTO convex_tables (number, name) VALUES (?, ?)", (number, name))
        self._bump()
        return number

    def create_index(self, table_number: int, name: str, fields: Sequence[str]) -> int:
        cursor = self._conn.execute(
            "INSERT INTO convex_indexes (table_number, name, fields) VALUES (?, ?, ?)",
            (table_number, name, ",".join(fields)),
        )
        self._bump()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def drop_index(self, index_id: int) -> None:
        self._conn.execute("DELETE FROM convex_index_entries WHERE index_id = ?", (index_id,))
        self._conn.execute("DELETE FROM convex_indexes WHERE id = ?", (index_id,))
        self._bump()

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM convex_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO convex_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- documents
    def get(self, doc_id: str) -> StoredDocument | None:
        row = self._conn.execute(
            "SELECT table_number, creation_time, value FROM convex_documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        return None if row is None else StoredDocument(row[0], row[1], row[2])

    def insert(
        self,
        doc_id: str,
        table_number: int,
        creation_time: float,
        value: str,
        entries: Sequence[IndexEntry],
    ) -> None:
        conn = self._conn
        conn.execute(
            "INSERT INTO convex_documents (id, table_number, creation_time, value) "
            "VALUES (?, ?, ?, ?)",
            (doc_id, table_number, creation_time, value),
        )
        self.add_entries(doc_id, entries)

    def add_entries(self, doc_id: str, entries: Sequence[IndexEntry]) -> None:
        self._conn.executemany(
            "INSERT INTO convex_index_entries (index_id, key, doc_id) VALUES (?, ?, ?)",
            [(index_id, key, doc_id) for index_id, key in entries],
        )

    def update(
        self,
        doc_id: str,
        value: str,
        removed: Sequence[IndexEntry],
        added: Sequence[IndexEntry],
    ) -> None:
        conn = self._conn
        conn.execute("UPDATE convex_documents SET value = ? WHERE id = ?", (value, doc_id))
        if removed:
            conn.executemany(
                "DELETE FROM convex_index_entries WHERE index_id = ? AND key = ?", removed
            )
        if added:
            self.add_entries(doc_id, added)

    def delete(self, doc_id: str, entries: Sequence[IndexEntry]) -> None:
        conn = self._conn
        conn.execute("DELETE FROM convex_documents WHERE id = ?", (doc_id,))
        conn.executemany("DELETE FROM convex_index_entries WHERE index_id = ? AND key = ?", entries)

    def scan(
        self,
        index_id: int,
        low: bytes | None,
        high: bytes | None,
        *,
        descending: bool,
        limit: int,
    ) -> list[ScannedDocument]:
        shape, params = scan_parameters(index_id, low, high, descending, limit)
        sql = _SCANS[shape]
        return [ScannedDocument(*row) for row in self._conn.execute(sql, params)]

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        conn = self._conn
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")

    def savepoint(self) -> AbstractContextManager[None]:
        return self._savepoint()


class _Local(threading.local):
    data_version: int | None = None
    pid: int = -1
    generation: int = -1
    conn: sqlite3.Connection | None = None


class SQLiteStore(Store):
    """A SQLite database file (created with its directory when missing)."""

    kind = "sqlite"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        self.url = f"sqlite:///{self.path}"
        self.blobs = DirectoryBlobs(self.path.with_name(self.path.name + ".blobs"))
        self._local = _Local()
        self._ready_pid = -1
        self._lock = threading.Lock()
        self._all: list[tuple[int, sqlite3.Connection]] = []
        self._generation = 0  # moves on close(), so every thread reopens

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=256,
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the SQLite database {self.path}: {exc}") from exc
        try:
            # Switching to WAL (once per file) and creating the tables can meet another
            # process doing the same; SQLite does not always wait there, so we do.
            mode = _patiently(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
            if mode != "wal":
                raise StoreError(f"{self.path}: cannot use WAL mode (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")
            if self._ready_pid != os.getpid():
                _patiently(lambda: self._prepare(conn))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{self.path} is not a usable SQLite database: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Create or check the store's own tables (once per process; processes race safely)."""
        with self._lock:
            if self._ready_pid == os.getpid():
                return
            # Made already (the usual case): no write lock, which a long mutation of
            # another process may hold while this worker starts.
            if conn.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION:
                self._ready_pid = os.getpid()
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > FORMAT_VERSION:
                    raise StoreError(
                        f"{self.path} was written by a newer convexhttp (format {version}, "
                        f"this one reads {FORMAT_VERSION})"
                    )
                if version == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(
                        "INSERT OR IGNORE INTO convex_meta (key, value) "
                        "VALUES ('catalog_version', '1')"
                    )
                    conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._ready_pid = os.getpid()

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        pid = os.getpid()
        conn = local.conn
        if conn is None or local.pid != pid or local.generation != self._generation:
            # A connection inherited across fork() is never used (nor closed) in the child.
            conn = local.conn = self._connect()
            local.pid = pid
            local.generation = self._generation
            with self._lock:
                self._all.append((pid, conn))
        return conn

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Transaction]:
        conn = self._connection()
        if conn.in_transaction:
            raise RuntimeError(
                "a transaction is already open on this thread: run nested functions "
                "through ctx.run_query / ctx.run_mutation"
            )
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise RetryableConflict(f"the database stayed locked: {exc}") from exc
            raise
        try:
            yield _SQLiteTransaction(conn, write)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _is_busy(exc):
                raise RetryableConflict(f"commit failed: {exc}") from exc
            raise

    def transaction(self, *, write: bool) -> AbstractContextManager[Transaction]:
        return self._transaction(write)

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, (StoreError, sqlite3.OperationalError))

    def wait_for_change(self, timeout: float, wake: threading.Event) -> None:
        """Watch ``PRAGMA data_version`` (it moves when another connection commits; a
        read of shared memory, no disk) every 50 ms until something changes."""
        conn = self._connection()
        local = self._local
        deadline = time.monotonic() + timeout
        seen = conn.execute("PRAGMA data_version").fetchone()[0]
        if local.data_version is not None and seen != local.data_version:
            local.data_version = seen
            return
        local.data_version = seen
        while not wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if wake.wait(min(_WATCH_INTERVAL_S, left)):
                return
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != seen:
                local.data_version = version
                return

    def close(self) -> None:
        pid = os.getpid()
        with self._lock:
            mine = [conn for owner, conn in self._all if owner == pid]
            # Inherited connections are dropped, never closed: that would touch the parent's locks.
            self._all = []
            self._generation += 1
        self._local.conn = None
        for conn in mine:
            conn.close()
