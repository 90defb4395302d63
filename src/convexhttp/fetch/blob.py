"""Blob and File: immutable bytes with a MIME type (and, for a File, a name)."""

from __future__ import annotations

import builtins
import io
import os
import re
import time
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Self, TypeAlias

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["Blob", "BlobPart", "File"]

BlobPart: TypeAlias = "builtins.bytes | bytearray | memoryview | str | Blob"


def _normalize_type(content_type: str) -> str:
    # The File API keeps a type only if it is printable ASCII, and lowercases it.
    if all("\x20" <= char <= "\x7e" for char in content_type):
        return content_type.lower()
    return ""


class Blob:
    """Bytes with a MIME type, as the File API's ``Blob``.

    Readers are synchronous, in ``def`` and ``async def`` handlers alike: the
    bytes are in memory, or (a large file from a form) in a spooled temporary
    file read when asked for.
    """

    name: str | None = None
    _file: IO[builtins.bytes] | None = None  # the spooled file behind a large form part
    _size = 0

    def __init__(self, parts: Iterable[BlobPart] = (), type: str = "") -> None:
        if isinstance(parts, str | builtins.bytes | bytearray | memoryview | Blob):
            raise TypeError("Blob() takes an iterable of parts; wrap a single part in a list")
        chunks: list[builtins.bytes | bytearray | memoryview] = []
        for part in parts:
            if isinstance(part, Blob):
                chunks.append(part.bytes())
            elif isinstance(part, str):
                chunks.append(encode_text(part))
            elif isinstance(part, builtins.bytes | bytearray | memoryview):
                chunks.append(part)
            else:
                raise TypeError(f"Blob part must be bytes, str or Blob, not {type_name(part)}")
        self._data: builtins.bytes = b"".join(chunks)
        self._type = _normalize_type(type)

    @classmethod
    def _spooled(cls, file: IO[builtins.bytes], size: int, type: str = "") -> Self:
        """A blob of the first ``size`` bytes of ``file`` (a temporary file on disk),
        read each time its bytes are asked for, never held in memory."""
        blob = cls.__new__(cls)
        blob._data = b""
        blob._file = file
        blob._size = size
        blob._type = _normalize_type(type)
        return blob

    @property
    def size(self) -> int:
        return len(self._data) if self._file is None else self._size

    @property
    def type(self) -> str:
        return self._type

    def text(self) -> str:
        return decode_text(self.bytes())

    def array_buffer(self) -> builtins.bytes:
        return self.bytes()

    def stream(self) -> IO[builtins.bytes]:
        if self._file is None:
            return io.BytesIO(self._data)
        return io.BufferedReader(_FileRange(self._file.fileno(), 0, self._size))

    def slice(self, start: int = 0, end: int | None = None, content_type: str = "") -> Blob:
        # Python's slice clamps and counts negative indices from the end, as Blob.slice does.
        if self._file is None:
            return Blob([self._data[start:end]], type=content_type)
        first, stop, _ = builtins.slice(start, end).indices(self._size)
        return Blob([_pread_all(self._file.fileno(), first, max(stop - first, 0))], content_type)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} size={self.size} type={self.type!r}>"

    def bytes(self) -> builtins.bytes:
        if self._file is None:
            return self._data
        return _pread_all(self._file.fileno(), 0, self._size)

    arrayBuffer = array_buffer


class File(Blob):
    """A Blob with a file name, as a form's file field gives."""

    name: str

    def __init__(
        self,
        parts: Iterable[BlobPart],
        name: str,
        type: str = "",
        last_modified: int | None = None,
    ) -> None:
        super().__init__(parts, type)
        self.name = name
        self.last_modified = int(time.time() * 1000) if last_modified is None else last_modified

    @classmethod
    def _spooled_file(cls, file: IO[builtins.bytes], size: int, name: str, type: str) -> Self:
        blob = cls._spooled(file, size, type)
        blob.name = name
        blob.last_modified = int(time.time() * 1000)
        return blob

    @property
    def lastModified(self) -> int:
        return self.last_modified


def _pread_all(fd: int, offset: int, size: int) -> builtins.bytes:
    # pread: no shared file position, so readers of one spooled file never interfere.
    data = os.pread(fd, size, offset)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size and (more := os.pread(fd, size - got, offset + got)):
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class _FileRange(io.RawIOBase):
    """``size`` bytes of an open file from ``offset``, read with pread."""

    def __init__(self, fd: int, offset: int, size: int) -> None:
        super().__init__()
        self._fd = fd
        self._position = offset
        self._end = offset + size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        with memoryview(buffer) as view:
            size = min(view.nbytes, self._end - self._position)
            if size <= 0:
                return 0
            data = os.pread(self._fd, size, self._position)
            view.cast("B")[: len(data)] = data
        self._position += len(data)
        return len(data)


def type_name(value: object) -> str:
    return type(value).__name__


def decode_text(data: builtins.bytes | bytearray) -> str:
    """Fetch's "UTF-8 decode": a leading BOM dropped, bad bytes replaced."""
    return data.decode("utf-8-sig", "replace")


LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encode_text(text: str) -> builtins.bytes:
    """UTF-8, with lone surrogates as U+FFFD (a JS string becomes a USVString so)."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", text).encode()
