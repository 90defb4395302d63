"""Blobs as files in a directory (the SQLite backend's file storage).

A blob is streamed into a temporary file in the same directory, hashed as it
goes, flushed and fsynced, then renamed to its final name (and the directory
fsynced): a crash at any point leaves either no file under a blob name or the
whole, checked file. Temporary files start with ``.tmp-``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, Final

from ..procs import is_dead, process_identity
from .base import BlobStore, StoredBlob

__all__ = ["DirectoryBlobs"]

_TMP: Final = ".tmp-"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectoryBlobs(BlobStore):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid blob name {name!r}")
        return self.directory / name

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(16)
        # The writer's identity in the name: a file it left half-written when it died
        # is recognised (and removed) at once.
        writer = base64.urlsafe_b64encode(process_identity().encode()).decode().rstrip("=")
        tmp = self.directory / f"{_TMP}{writer}.{name}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "xb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                f.flush()
                os.fsync(f.fileno())
            if tmp.stat().st_size != size:  # what reached the disk is what we hashed
                raise OSError(f"blob {name}: wrote {size} bytes, found {tmp.stat().st_size}")
            os.rename(tmp, self.directory / name)
            _fsync_dir(self.directory)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(name, digest.digest(), size)

    def open(self, name: str) -> BinaryIO | None:
        try:
            return open(self._path(name), "rb")
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def collect(self, referenced: Callable[[str], bool], older_than_s: float) -> int:
        if not self.directory.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in os.scandir(self.directory):
            try:
                old = entry.stat().st_mtime <= cutoff
            except FileNotFoundError:
                continue
            if entry.name.startswith(_TMP):
                stale = old or _writer_died(entry.name)
            else:  # young: may be an upload whose document is about to be committed
                stale = old and not referenced(entry.name)
            if stale:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed


def _writer_died(tmp_name: str) -> bool:
    writer = tmp_name[len(_TMP) :].rpartition(".")[0]
    try:
        identity = base64.urlsafe_b64decode(writer + "=" * (-len(writer) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return is_dead(identity)
