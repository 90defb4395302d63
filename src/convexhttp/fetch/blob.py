"""Blob and File: immutable bytes with a MIME type (and, for a File, a name)."""

from __future__ import annotations

import builtins
import io
import re
import time
from collections.abc import Iterable
from typing import TypeAlias

BlobPart: TypeAlias = "builtins.bytes | bytearray | memoryview | str | Blob"


def _normalize_type(content_type: str) -> str:
    # The File API keeps a type only if it is printable ASCII, and lowercases it.
    if all("\x20" <= char <= "\x7e" for char in content_type):
        return content_type.lower()
    return ""


class Blob:
    """Bytes with a MIME type, as the File API's ``Blob``.

    Readers are synchronous, in ``def`` and ``async def`` handlers alike: the
    bytes are already in memory.
    """

    name: str | None = None

    def __init__(self, parts: Iterable[BlobPart] = (), type: str = "") -> None:
        if isinstance(parts, str | builtins.bytes | bytearray | memoryview | Blob):
            raise TypeError("Blob() takes an iterable of parts; wrap a single part in a list")
        chunks: list[builtins.bytes | bytearray | memoryview] = []
        for part in parts:
            if isinstance(part, Blob):
                chunks.append(part._data)
            elif isinstance(part, str):
                chunks.append(encode_text(part))
            elif isinstance(part, builtins.bytes | bytearray | memoryview):
                chunks.append(part)
            else:
                raise TypeError(f"Blob part must be bytes, str or Blob, not {type_name(part)}")
        self._data: builtins.bytes = b"".join(chunks)
        self._type = _normalize_type(type)

    @property
    def size(self) -> int:
        return len(self._data)

    @property
    def type(self) -> str:
        return self._type

    def text(self) -> str:
        return decode_text(self._data)

    def array_buffer(self) -> builtins.bytes:
        return self._data

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self._data)

    def slice(self, start: int = 0, end: int | None = None, content_type: str = "") -> Blob:
        # Python slicing clamps and counts negative indices from the end, as Blob.slice does.
        return Blob([self._data[start:end]], type=content_type)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} size={self.size} type={self.type!r}>"

    def bytes(self) -> builtins.bytes:
        return self._data

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

    @property
    def lastModified(self) -> int:
        return self.last_modified


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
