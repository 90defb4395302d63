"""Fresh databases of either backend for the tests, and what the tests look at inside.

``Databases.new("sqlite" | "postgres")`` returns a ``database=`` URL of an empty
database: a SQLite file in a temporary directory, or a new database on one
PostgreSQL server that this test session starts (``pgserver.py``) on first need.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from convexhttp.deployment import open_store
from convexhttp.store.blobs import DirectoryBlobs
from tests.pgserver import PostgresServer, find_bindir

__all__ = ["BACKENDS", "Databases", "blob_names", "writing_blob"]

BACKENDS = ("sqlite", "postgres")


class Databases:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(tempfile.mkdtemp(prefix="convexhttp-dbs-"))
        self._postgres: PostgresServer | None = None

    @property
    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            self._postgres = PostgresServer()
        return self._postgres

    def new(self, backend: str) -> str:
        if backend == "sqlite":
            path = self.directory / f"{uuid.uuid4().hex[:12]}" / "test.sqlite3"
            return f"sqlite:///{path}"
        if backend == "postgres":
            return self.postgres.create_database()
        raise ValueError(f"unknown backend {backend!r}")

    def stop(self) -> None:
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None


def postgres_available() -> bool:
    return find_bindir() is not None


def blob_names(url: str) -> list[str]:
    """The names of the blobs a database holds, half-written ones included (SQLite's
    ``.tmp-`` files; PostgreSQL's are invisible until they commit)."""
    store = open_store(url)
    try:
        blobs = store.blobs
        if isinstance(blobs, DirectoryBlobs):
            if not blobs.directory.is_dir():
                return []
            return sorted(os.listdir(blobs.directory))
        with store.connection() as conn:  # type: ignore[attr-defined]
            return sorted(row[0] for row in conn.execute("SELECT name FROM convex_blobs"))
    finally:
        store.close()


def writing_blob(url: str) -> bool:
    """Is a blob being written into this database right now?"""
    store = open_store(url)
    try:
        if isinstance(store.blobs, DirectoryBlobs):
            return any(name.startswith(".tmp-") for name in blob_names(url))
        with store.connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE %s",
                ("INSERT INTO convex_blob_chunks%",),
            ).fetchone()
            return bool(row and row[0])
    finally:
        store.close()
