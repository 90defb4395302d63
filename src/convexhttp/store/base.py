"""The interface every backend implements: documents, index entries and a catalog.

A backend stores bytes and text; everything that knows about values, ids,
index keys, schemas and queries lives above it (``db.py``), so SQLite and
PostgreSQL differ only here. Three tables carry an app's data:

- documents: ``id`` (text, the key), ``table_number``, ``creation_time``, ``value``
  (the store's JSON text of the fields);
- index entries: ``(index_id, key)`` (the key), ``doc_id``; ``key`` is a byte
  string that sorts like the indexed values (``sortkey.py``), so an index range
  is a range scan of the backend's own primary-key index;
- the catalog: table names and numbers, index definitions, and a version
  that moves whenever they change, so every process notices another's change.

Write transactions are serializable. When the backend finds that a
transaction lost a race (a lock it could not get, a serialization failure), it
raises ``RetryableConflict`` and the caller runs the mutation again.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import BinaryIO, Final, NamedTuple

__all__ = [
    "FIRST_USER_TABLE",
    "SYSTEM_TABLES",
    "BlobStore",
    "Catalog",
    "IndexEntry",
    "RetryableConflict",
    "ScannedDocument",
    "Store",
    "StoreError",
    "StoredBlob",
    "StoredDocument",
    "StoredIndex",
    "Transaction",
    "scan_parameters",
]

# System tables have fixed numbers; user tables are numbered from 10001, as Convex's.
SYSTEM_TABLES: Final = {"_scheduled_functions": 1, "_storage": 2, "_cron_jobs": 3}
FIRST_USER_TABLE: Final = 10001

IndexEntry = tuple[int, bytes]  # (index id, key)


class StoreError(RuntimeError):
    """The database cannot be used (cannot open, wrong format, too new)."""


class RetryableConflict(Exception):
    """The transaction lost a race with another one and was rolled back: run it again."""


@dataclass(frozen=True, slots=True)
class StoredIndex:
    id: int
    table_number: int
    name: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class Catalog:
    version: int
    tables: dict[str, int] = field(default_factory=dict)
    indexes: list[StoredIndex] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    table_number: int
    creation_time: float
    value: str


class ScannedDocument(NamedTuple):
    """One entry of an index scan and its document (a tuple: thousands are built per query)."""

    key: bytes
    id: str
    creation_time: float
    value: str


class Transaction(ABC):
    """One transaction: a consistent snapshot, and for a write transaction, the writes."""

    __slots__ = ()  # so that the backends' own __slots__ hold

    write: bool

    # -- catalog
    @abstractmethod
    def catalog_version(self) -> int: ...

    @abstractmethod
    def read_catalog(self) -> Catalog: ...

    @abstractmethod
    def create_table(self, name: str, number: int | None = None) -> int:
        """Add a table (the next free user number unless given) and move the version."""

    @abstractmethod
    def create_index(self, table_number: int, name: str, fields: Sequence[str]) -> int:
        """Add an index definition (empty: the caller backfills it) and move the version."""

    @abstractmethod
    def drop_index(self, index_id: int) -> None:
        """Remove an index definition and its entries, and move the version."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    # -- documents
    @abstractmethod
    def get(self, doc_id: str) -> StoredDocument | None: ...

    @abstractmethod
    def insert(
        self,
        doc_id: str,
        table_number: int,
        creation_time: float,
        value: str,
        entries: Sequence[IndexEntry],
    ) -> None: ...

    @abstractmethod
    def update(
        self,
        doc_id: str,
        value: str,
        removed: Sequence[IndexEntry],
        added: Sequence[IndexEntry],
    ) -> None:
        """Replace a document's value; its index entries change by ``removed`` / ``added``."""

    @abstractmethod
    def delete(self, doc_id: str, entries: Sequence[IndexEntry]) -> None: ...

    @abstractmethod
    def add_entries(self, doc_id: str, entries: Sequence[IndexEntry]) -> None:
        """Index entries of an existing document (backfilling a new index)."""

    @abstractmethod
    def scan(
        self,
        index_id: int,
        low: bytes | None,
        high: bytes | None,
        *,
        descending: bool,
        limit: int,
    ) -> list[ScannedDocument]:
        """Up to ``limit`` documents whose key in the index is in ``[low, high)``, in key
        order (``None``: unbounded on that side)."""

    @abstractmethod
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside rolls back only what it wrote."""

    def notify_jobs(self) -> None:  # noqa: B027 - a hook: most backends need nothing
        """This transaction scheduled a job: when it commits, wake the job runners of
        other processes and machines (SQLite's runners see any commit by themselves)."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    name: str
    sha256: bytes
    size: int


class BlobStore(ABC):
    """File contents, by name. A blob is written in full and checked before ``put``
    returns; its ``_storage`` document is committed after, so a crash in between
    leaves an unreferenced blob (collected by ``collect``), never an id without bytes."""

    @abstractmethod
    def put(self, chunks: Iterable[bytes]) -> StoredBlob: ...

    @abstractmethod
    def open(self, name: str) -> BinaryIO | None:
        """The blob's bytes as a seekable file, or None when it is gone."""

    @abstractmethod
    def delete(self, name: str) -> None: ...

    @abstractmethod
    def collect(self, referenced: Callable[[str], bool], older_than_s: float) -> int:
        """Remove half-written and unreferenced blobs older than ``older_than_s``;
        returns how many went."""


#: The catalog's own queries, the same on every backend.
TABLES_SQL: Final = "SELECT name, number FROM convex_tables"
INDEXES_SQL: Final = "SELECT id, table_number, name, fields FROM convex_indexes ORDER BY id"


def catalog_from_rows(
    version: int,
    tables: Iterable[tuple[str, int]],
    indexes: Iterable[tuple[int, int, str, str]],
) -> Catalog:
    """The catalog from the rows of ``TABLES_SQL`` and ``INDEXES_SQL``."""
    catalog = Catalog(version)
    catalog.tables = dict(tables)
    catalog.indexes = [
        StoredIndex(index_id, table, name, tuple(fields.split(",")) if fields else ())
        for index_id, table, name, fields in indexes
    ]
    return catalog


def next_table_number(highest: int | None) -> int:
    """The number a new user table gets, given the highest in use (None: none yet)."""
    return max(FIRST_USER_TABLE, (highest or 0) + 1)


def scan_statements(build: Callable[[bool, bool, bool], str]) -> dict[tuple[bool, bool, bool], str]:
    """A backend's eight scan statements, by the shape ``scan_parameters`` gives:
    ``build(low bound?, high bound?, descending?)``."""
    return {
        (low, high, desc): build(low, high, desc)
        for low in (False, True)
        for high in (False, True)
        for desc in (False, True)
    }


def scan_parameters(
    index_id: int, low: bytes | None, high: bytes | None, descending: bool, limit: int
) -> tuple[tuple[bool, bool, bool], list[object]]:
    """Which of the eight scan statements a range needs (low bound? high bound?
    descending?) and its parameters, in the order every backend's statement takes them."""
    params: list[object] = [index_id]
    if low is not None:
        params.append(low)
    if high is not None:
        params.append(high)
    params.append(limit)
    return (low is not None, high is not None, descending), params


class Store(ABC):
    """A database: hands out transactions; safe to share across threads of a process."""

    url: str
    kind: str
    blobs: BlobStore

    @abstractmethod
    def transaction(self, *, write: bool) -> AbstractContextManager[Transaction]:
        """A read (snapshot) or write (serializable) transaction, committed when the block
        ends without an exception and rolled back otherwise."""

    @abstractmethod
    def close(self) -> None:
        """Close this process's connections (a forked child opens its own)."""

    def describe(self) -> str:
        return f"{self.kind} {self.url}"

    def is_transient(self, exc: BaseException) -> bool:
        """True when ``exc`` is the database failing (not the app's code): a scheduled
        mutation that meets it stays pending and runs again later."""
        return isinstance(exc, StoreError)

    def wait_for_change(self, timeout: float, wake: threading.Event) -> None:
        """Sleep up to ``timeout`` seconds, or until ``wake`` is set or another process
        commits something (for backends that can tell)."""
        wake.wait(timeout)
