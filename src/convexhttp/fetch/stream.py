"""BodyStream: a body as a binary file object (``request.body``)."""

from __future__ import annotations

import builtins
import io
from typing import TYPE_CHECKING, Protocol

from .sources import ChunkSource

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["BodyStream"]


class _Taken(Protocol):
    """What a stream needs of its body (``body.Body``)."""

    used: bool

    def take(self) -> ChunkSource: ...

    def read_all(self) -> builtins.bytes: ...


class BodyStream(io.RawIOBase):
    """A body as a binary file object; the first read uses the body up."""

    def __init__(self, body: _Taken, source: ChunkSource | None = None) -> None:
        super().__init__()
        self._body = body
        self._source = source
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        with memoryview(buffer) as target:
            size = min(target.nbytes, len(self._pending))
            target.cast("B")[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def read(self, size: int | None = -1, /) -> builtins.bytes:
        """Up to ``size`` bytes (all that is left if negative); fewer only at the end."""
        if size is None or size < 0:
            return self.readall()
        if not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return b""
            if len(chunk) == size:  # a whole chunk: no copy
                return chunk
            self._pending = memoryview(chunk)
        buffer = bytearray(size)
        filled = 0
        with memoryview(buffer) as view:
            while filled < size and (count := self.readinto(view[filled:])):
                filled += count
        del buffer[filled:]
        return builtins.bytes(buffer)

    def readall(self) -> builtins.bytes:
        if self._source is None and not self._body.used:
            return self._body.read_all()
        parts = [builtins.bytes(self._pending)]
        self._pending = memoryview(b"")
        while (chunk := self._next_chunk()) is not None:
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        super().close()

    def _next_chunk(self) -> builtins.bytes | None:
        if self._source is None:
            if self._body.used:  # read through another reader: nothing left here
                return None
            self._source = self._body.take()
        chunk = next(self._source, None)
        if chunk is None:
            self._source.close()
        return chunk
