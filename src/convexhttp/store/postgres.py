"""PostgreSQL: one database shared by the app servers of several machines.

- Connections: psycopg 3, a ``psycopg_pool.ConnectionPool`` per process, opened on
  first use and again in a forked child (a connection never crosses a fork: the
  child drops what it inherited without closing it, which would end the parent's).
- Write transactions are ``SERIALIZABLE``; a serialization failure or a deadlock
  is a ``RetryableConflict`` (the runtime runs the mutation again), and so is a
  duplicate in the catalog (two servers creating one table at once). Reads are
  ``REPEATABLE READ READ ONLY``: one snapshot, no locks.
- Index entries are ``(index_id, key bytea)``, the primary key: a ``scan`` is a
  range scan of that btree (``EXPLAIN`` in the tests proves it).
- The store's own tables come from numbered migrations (``pg_migrations.py``), run
  by the first process to start, under an advisory lock: a second server starting
  at the same moment waits, then finds them done.
- ``notify_jobs()`` sends ``NOTIFY`` in the transaction; ``wait_for_change`` waits
  on ``LISTEN`` on a connection of its own: a job scheduled on one machine wakes
  the runners of all of them at its commit.
- Blobs are rows of fixed-size ``bytea`` chunks, written in one transaction that
  commits before ``put`` returns (a crash midway leaves nothing), read back a chunk
  at a time through a seekable file (never whole).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, BinaryIO, Final, TypeVar
from urllib.parse import urlsplit, urlunsplit

from .base import (
    INDEXES_SQL,
    TABLES_SQL,
    BlobStore,
    Catalog,
    IndexEntry,
    RetryableConflict,
    ScannedDocument,
    Store,
    StoredBlob,
    StoredDocument,
    StoreError,
    Transaction,
    catalog_from_rows,
    next_table_number,
    scan_parameters,
    scan_statements,
)
from .pg_migrations import MIGRATIONS

try:
    import psycopg
    import psycopg_pool
    from psycopg import errors as pg_errors
    from psycopg.pq import TransactionStatus
    from psycopg.types.numeric import Int8Dumper
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "the PostgreSQL backend needs psycopg 3 and psycopg-pool: "
        "pip install 'convexhttp[postgres]' (or 'convexhttp[postgres-binary]' to bring libpq)"
    ) from exc

__all__ = ["PostgresStore"]

logger = logging.getLogger("convexhttp.store")
T = TypeVar("T")

POOL_SIZE: Final = 10  # connections per process at most (opened as needed)
BLOB_CHUNK: Final = 256 * 1024
JOBS_CHANNEL: Final = "convexhttp_jobs"
# pg_advisory_xact_lock key of the migrations: "convexhtt" as a number, any fixed value.
_MIGRATION_LOCK: Final = 0x636F6E7665786874
_WAIT_SLICE_S: Final = 0.1  # how often a LISTEN wait looks at the wake event
_CATALOG_TABLES: Final = ("convex_tables", "convex_indexes")

_BEGIN: Final = {
    True: "BEGIN ISOLATION LEVEL SERIALIZABLE",
    False: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
}
_CATALOG_VERSION: Final = "SELECT value FROM convex_meta WHERE key = 'catalog_version'"
# The first statement of nearly every transaction: sent with its BEGIN in one round trip.
_BEGIN_CATALOG_VERSION: Final = {w: f"{sql}; {_CATALOG_VERSION}" for w, sql in _BEGIN.items()}
_INSERT_DOCUMENT: Final = (
    "WITH d AS (INSERT INTO convex_documents (id, table_number, creation_time, value) "
    "VALUES (%(id)s, %(table)s, %(time)s, %(value)s)) "
    "INSERT INTO convex_index_entries (index_id, key, doc_id) "
    "SELECT i, k, %(id)s FROM unnest(%(ids)s::bigint[], %(keys)s::bytea[]) AS e(i, k)"
)
_INSERT_ENTRIES: Final = (
    "INSERT INTO convex_index_entries (index_id, key, doc_id) "
    "SELECT i, k, %s FROM unnest(%s::bigint[], %s::bytea[]) AS e(i, k)"
)
_DELETE_ENTRY: Final = "DELETE FROM convex_index_entries WHERE index_id = %s AND key = %s"


def _scan_sql(low: bool, high: bool, descending: bool) -> str:
    # The range (and its LIMIT) is a scan of the entries' primary key alone; only the
    # entries it returns are joined to their documents.
    where = "index_id = %s"
    if low:
        where += " AND key >= %s"
    if high:
        where += " AND key < %s"
    order = "key DESC" if descending else "key"
    return (
        "SELECT e.key, d.id, d.creation_time, d.value FROM (SELECT key, doc_id FROM "
        f"convex_index_entries WHERE {where} ORDER BY {order} LIMIT %s) e "
        f"JOIN convex_documents d ON d.id = e.doc_id ORDER BY e.{order}"
    )


_SCANS: Final = scan_statements(_scan_sql)


def redact(url: str) -> str:
    """``url`` without its password (for logs and ``describe()``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


def _conflict(exc: BaseException) -> bool:
    """Is ``exc`` PostgreSQL saying this transaction lost a race (so a rerun may win)?"""
    if isinstance(exc, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return True
    # Two transactions adding the same table or index: the loser sees the winner's row
    # on retry (a document's id and index keys are unique by construction).
    return isinstance(exc, pg_errors.UniqueViolation) and exc.diag.table_name in _CATALOG_TABLES


def _configure(conn: psycopg.Connection[Any]) -> None:
    # Every int as int8: one prepared statement per query, whatever the numbers' sizes.
    conn.adapters.register_dumper(int, Int8Dumper)


class _PgTransaction(Transaction):
    __slots__ = (
        "_begun",
        "_conn",
        "_doomed",
        "_notified",
        "_savepoints",
        "_version",
        "write",
    )

    def __init__(self, conn: psycopg.Connection[Any], write: bool) -> None:
        self._conn = conn
        self.write = write
        self._begun = False
        self._doomed: BaseException | None = None  # a conflict seen (maybe caught by the app)
        self._notified = False
        self._savepoints = 0
        # The snapshot's catalog version: read once (every Session asks), moved by _bump.
        self._version: int | None = None

    def _execute(self, sql: str, params: Any = None) -> psycopg.Cursor[Any]:
        if not self._begun:
            self._conn.execute(_BEGIN[self.write])
            self._begun = True
        return self._run(lambda: self._conn.execute(sql, params))

    def _run(self, step: Callable[[], T]) -> T:
        try:
            return step()
        except psycopg.Error as exc:
            if _conflict(exc):
                self._doomed = exc
                raise RetryableConflict(f"{type(exc).__name__}: {exc}") from exc
            raise

    # -- catalog
    def catalog_version(self) -> int:
        if self._version is not None:
            return self._version
        if self._begun:
            row = self._execute(_CATALOG_VERSION).fetchone()
        else:
            cursor = self._run(lambda: self._conn.execute(_BEGIN_CATALOG_VERSION[self.write]))
            self._begun = True
            cursor.nextset()
            row = cursor.fetchone()
        self._version = int(row[0]) if row else 0
        return self._version

    def _bump(self) -> None:
        self._execute(
            "UPDATE convex_meta SET value = (value::bigint + 1)::text WHERE key = 'catalog_version'"
        )
        self._version = None

    def read_catalog(self) -> Catalog:
        version = self.catalog_version()
        tables = self._execute(TABLES_SQL).fetchall()
        return catalog_from_rows(version, tables, self._execute(INDEXES_SQL))

    def create_table(self, name: str, number: int | None = None) -> int:
        if number is None:
            row = self._execute("SELECT max(number) FROM convex_tables").fetchone()
            number = next_table_number(row[0] if row else None)
        self._execute("INSERT INTO convex_tables (number, name) VALUES (%s, %s)", (number, name))
        self._bump()
        return number

    def create_index(self, table_number: int, name: str, fields: Sequence[str]) -> int:
        row = self._execute(
            "INSERT INTO convex_indexes (table_number, name, fields) VALUES (%s, %s, %s) "
            "RETURNING id",
            (table_number, name, ",".join(fields)),
        ).fetchone()
        self._bump()
        assert row is not None
        return int(row[0])

    def drop_index(self, index_id: int) -> None:
        self._execute("DELETE FROM convex_index_entries WHERE index_id = %s", (index_id,))
        self._execute("DELETE FROM convex_indexes WHERE id = %s", (index_id,))
        self._bump()

    def get_meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM convex_meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO convex_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- documents
    def get(self, doc_id: str) -> StoredDocument | None:
        row = self._execute(
            "SELECT table_number, creation_time, value FROM convex_documents WHERE id = %s",
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
        self._execute(
            _INSERT_DOCUMENT,
            {
                "id": doc_id,
                "table": table_number,
                "time": creation_time,
                "value": value,
                "ids": [index_id for index_id, _ in entries],
                "keys": [key for _, key in entries],
            },
        )

    def add_entries(self, doc_id: str, entries: Sequence[IndexEntry]) -> None:
        if entries:
            self._execute(
                _INSERT_ENTRIES,
                (doc_id, [index_id for index_id, _ in entries], [key for _, key in entries]),
            )

    def update(
        self,
        doc_id: str,
        value: str,
        removed: Sequence[IndexEntry],
        added: Sequence[IndexEntry],
    ) -> None:
        self._execute("UPDATE convex_documents SET value = %s WHERE id = %s", (value, doc_id))
        self._delete_entries(removed)
        self.add_entries(doc_id, added)

    def _delete_entries(self, entries: Sequence[IndexEntry]) -> None:
        if entries:
            with self._conn.cursor() as cursor:
                self._run(lambda: cursor.executemany(_DELETE_ENTRY, entries))

    def delete(self, doc_id: str, entries: Sequence[IndexEntry]) -> None:
        self._execute("DELETE FROM convex_documents WHERE id = %s", (doc_id,))
        self._delete_entries(entries)

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
        return [ScannedDocument(*row) for row in self._execute(sql, params)]

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        notified = self._notified
        self._execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if not self._conn.broken:
                self._execute(f"ROLLBACK TO SAVEPOINT {name}")
                self._execute(f"RELEASE SAVEPOINT {name}")
            self._notified = notified  # a NOTIFY sent inside went with it
            raise
        else:
            self._execute(f"RELEASE SAVEPOINT {name}")

    def savepoint(self) -> AbstractContextManager[None]:
        return self._savepoint()

    def notify_jobs(self) -> None:
        if not self._notified:
            self._execute(f"NOTIFY {JOBS_CHANNEL}")
            self._notified = True

    # -- the end
    def commit(self) -> None:
        if not self._begun:
            return
        if self._doomed is not None:
            raise RetryableConflict(f"the transaction lost a race earlier: {self._doomed}")
        if self._conn.info.transaction_status == TransactionStatus.INERROR:
            raise StoreError(
                "the transaction failed on a database error that was caught and ignored; "
                "nothing was written"
            )
        self._run(lambda: self._conn.execute("COMMIT"))

    def rollback(self) -> None:
        _rollback(self._conn)


def _rollback(conn: psycopg.Connection[Any]) -> None:
    """End an open transaction, if the connection still can (the pool drops a broken
    one); never hides the error that brought us here."""
    if conn.broken or conn.info.transaction_status == TransactionStatus.IDLE:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error as exc:
        logger.warning("rollback failed (the pool will drop the connection): %s", exc)


# --- blobs -------------------------------------------------------------------------------


class _ChunkReader(io.RawIOBase):
    """A stored blob as a seekable file: each read fetches the one chunk it needs."""

    def __init__(self, store: PostgresStore, name: str, size: int, chunk_size: int) -> None:
        self._store = store
        self._name = name
        self._size = size
        self._chunk_size = chunk_size
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _chunk(self, seq: int) -> bytes:
        if self._cached is not None and self._cached[0] == seq:
            return self._cached[1]
        with self._store.connection() as conn:
            row = conn.execute(
                "SELECT data FROM convex_blob_chunks WHERE name = %s AND seq = %s",
                (self._name, seq),
            ).fetchone()
        if row is None:
            raise OSError(f"blob {self._name}: chunk {seq} is gone (the file was deleted)")
        data = bytes(row[0])
        self._cached = (seq, data)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos >= self._size or not len(view):
            return 0
        seq, offset = divmod(self._pos, self._chunk_size)
        chunk = self._chunk(seq)
        part = chunk[offset : offset + len(view)]
        view[: len(part)] = part
        self._pos += len(part)
        return len(part)


class DatabaseBlobs(BlobStore):
    """Blobs as ``bytea`` chunks in PostgreSQL, so every server sees every file."""

    def __init__(self, store: PostgresStore, chunk_size: int = BLOB_CHUNK) -> None:
        self._store = store
        self.chunk_size = chunk_size

    def _chunks(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` cut again into pieces of exactly ``chunk_size`` (the last shorter)."""
        pending = bytearray()
        for chunk in chunks:
            pending += chunk
            while len(pending) >= self.chunk_size:
                yield bytes(pending[: self.chunk_size])
                del pending[: self.chunk_size]
        if pending:
            yield bytes(pending)

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        name = secrets.token_hex(16)
        digest = hashlib.sha256()
        size = 0
        with self._store.connection() as conn:
            try:
                conn.execute("BEGIN")
                for seq, chunk in enumerate(self._chunks(chunks)):
                    conn.execute(
                        "INSERT INTO convex_blob_chunks (name, seq, data) VALUES (%s, %s, %s)",
                        (name, seq, chunk),
                    )
                    digest.update(chunk)
                    size += len(chunk)
                conn.execute(
                    "INSERT INTO convex_blobs (name, size, sha256, chunk_size) "
                    "VALUES (%s, %s, %s, %s)",
                    (name, size, digest.digest(), self.chunk_size),
                )
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        return StoredBlob(name, digest.digest(), size)

    def open(self, name: str) -> BinaryIO | None:
        with self._store.connection() as conn:
            row = conn.execute(
                "SELECT size, chunk_size FROM convex_blobs WHERE name = %s", (name,)
            ).fetchone()
        if row is None:
            return None
        raw = _ChunkReader(self._store, name, int(row[0]), int(row[1]))
        return io.BufferedReader(raw, buffer_size=int(row[1]))

    def delete(self, name: str) -> None:
        with self._store.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM convex_blobs WHERE name = %s", (name,))
            conn.execute("DELETE FROM convex_blob_chunks WHERE name = %s", (name,))

    def collect(self, referenced: Callable[[str], bool], older_than_s: float) -> int:
        # A write in progress is invisible (one transaction), so only unreferenced blobs
        # can be left: written, then their process died before the document committed.
        with self._store.connection() as conn:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM convex_blobs "
                    "WHERE created_at <= now() - make_interval(secs => %s)",
                    (older_than_s,),
                )
            ]
        removed = 0
        for name in names:
            if not referenced(name):
                self.delete(name)
                removed += 1
        return removed


# --- the store ---------------------------------------------------------------------------


class _Local(threading.local):
    depth: int = 0


class PostgresStore(Store):
    """A PostgreSQL database (``postgresql://user:password@host:port/dbname?options``)."""

    kind = "postgresql"

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self._conninfo = url
        self.url = redact(url)
        self.pool_size = pool_size
        self.blobs = DatabaseBlobs(self)
        self._lock = threading.Lock()
        self._local = _Local()
        self._pool: psycopg_pool.ConnectionPool[Any] | None = None
        self._listener: psycopg.Connection[Any] | None = None
        self._pid = -1
        self._migrated = False
        # What a forked child inherited: kept (never closed, never collected) because
        # closing either would end the parent's connections.
        self._inherited: list[object] = []

    # -- connections
    def _pool_here(self) -> psycopg_pool.ConnectionPool[Any]:
        pool = self._pool
        if pool is not None and self._pid == os.getpid():
            return pool
        with self._lock:
            pid = os.getpid()
            if self._pool is not None and self._pid == pid:
                return self._pool
            if self._pid != pid:
                self._inherited += [x for x in (self._pool, self._listener) if x is not None]
                self._pool = self._listener = None
                self._pid = pid
            if not self._migrated:
                self._migrate()
            self._pool = psycopg_pool.ConnectionPool(
                self._conninfo,
                min_size=1,
                max_size=self.pool_size,
                kwargs={"autocommit": True},
                configure=_configure,
                open=True,
                name="convexhttp",
            )
            return self._pool

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot open the PostgreSQL database {self.url}: {exc}") from exc

    def _migrate(self) -> None:
        """Bring the store's tables to the newest version (once per database: the first
        process to take the lock runs what is missing, the others find it done)."""
        with self._connect() as conn:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS convex_migrations ("
                "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            row = conn.execute("SELECT max(version) FROM convex_migrations").fetchone()
            current = (row[0] if row else None) or 0
            if current > len(MIGRATIONS):
                conn.execute("ROLLBACK")
                raise StoreError(
                    f"{self.url} was written by a newer convexhttp (store version {current}, "
                    f"this one knows {len(MIGRATIONS)})"
                )
            for version in range(current + 1, len(MIGRATIONS) + 1):
                logger.info("%s: migrating the store to version %d", self.url, version)
                conn.execute(MIGRATIONS[version - 1])
                conn.execute("INSERT INTO convex_migrations (version) VALUES (%s)", (version,))
            conn.execute("COMMIT")
        self._migrated = True

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit) for one short piece of work."""
        pool = self._pool_here()
        with pool.connection() as conn:
            yield conn

    # -- transactions
    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Transaction]:
        local = self._local
        if local.depth:
            raise RuntimeError(
                "a transaction is already open on this thread: run nested functions "
                "through ctx.run_query / ctx.run_mutation"
            )
        pool = self._pool_here()
        conn = pool.getconn()
        local.depth = 1
        txn = _PgTransaction(conn, write)
        try:
            try:
                yield txn
            except BaseException:
                txn.rollback()
                raise
            try:
                txn.commit()
            except BaseException:
                txn.rollback()
                raise
        finally:
            local.depth = 0
            pool.putconn(conn)

    def transaction(self, *, write: bool) -> AbstractContextManager[Transaction]:
        return self._transaction(write)

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, (StoreError, psycopg.OperationalError))

    # -- the job runners' wake-up call
    def wait_for_change(self, timeout: float, wake: threading.Event) -> None:
        """Wait for a ``NOTIFY`` (a job scheduled anywhere), ``wake``, or ``timeout``."""
        deadline = time.monotonic() + timeout
        listener = self._listener if self._pid == os.getpid() else None
        if listener is None or listener.closed:
            try:
                self._pool_here()
                listener = self._connect()
                listener.execute(f"LISTEN {JOBS_CHANNEL}")
            except (StoreError, psycopg.Error) as exc:
                logger.warning("scheduler: cannot LISTEN on %s (%s); polling", self.url, exc)
                wake.wait(min(timeout, 1.0))
                return
            self._listener = listener
            return  # what was scheduled before we listened: the runner looks now
        try:
            while not wake.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                slice_s = min(left, _WAIT_SLICE_S)
                if any(True for _ in listener.notifies(timeout=slice_s, stop_after=1)):
                    # Several commits often come at once: take them all as one change.
                    for _ in listener.notifies(timeout=0.0):
                        pass
                    return
        except psycopg.Error as exc:
            logger.warning("scheduler: lost the LISTEN connection to %s (%s)", self.url, exc)
            listener.close()
            self._listener = None

    def close(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                return  # inherited: dropped in _pool_here, never closed here
            pool, listener = self._pool, self._listener
            self._pool = self._listener = None
        if listener is not None:
            listener.close()
        if pool is not None:
            pool.close()
