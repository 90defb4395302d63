"""Chunk sources: where a body's bytes come from, read once, chunk by chunk.

In memory (``BytesSource``), a file object (``FileSource``, also a server's
input stream, bounded by its Content-Length and the body cap), an iterable
(``IterSource``), or one branch of a clone (``TeeBranch``).
"""

from __future__ import annotations

import builtins
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Protocol

from werkzeug.exceptions import ClientDisconnected

from .blob import encode_text
from .errors import BodyTooLarge, MalformedBody

__all__ = [
    "CHUNK_SIZE",
    "BytesSource",
    "ChunkSource",
    "FileSource",
    "IterSource",
    "SupportsRead",
    "Tee",
    "TeeBranch",
]

CHUNK_SIZE = 64 * 1024


class SupportsRead(Protocol):
    def read(self, size: int, /) -> builtins.bytes | str: ...


class ChunkSource(Iterator[builtins.bytes]):
    """Chunks of a body, read once; ``close()`` releases what backs them."""

    def __next__(self) -> builtins.bytes:
        raise StopIteration

    def close(self) -> None:
        pass


class BytesSource(ChunkSource):
    def __init__(self, data: builtins.bytes) -> None:
        self._data: builtins.bytes | None = data or None

    def __next__(self) -> builtins.bytes:
        data, self._data = self._data, None
        if data is None:
            raise StopIteration
        return data

    def close(self) -> None:
        self._data = None


class FileSource(ChunkSource):
    """A file object read in CHUNK_SIZE pieces; past ``limit`` bytes, BodyTooLarge.

    With ``length`` (a request's Content-Length), no byte past it is read, and a
    stream ending before it is a truncated body: MalformedBody.
    """

    def __init__(
        self,
        file: SupportsRead,
        *,
        limit: int | None = None,
        length: int | None = None,
        owned: bool = True,
    ) -> None:
        self._file = file
        self._limit = limit
        self._length = length
        self._owned = owned
        self._read = 0
        self._closed = False

    def __next__(self) -> builtins.bytes:
        if self._closed:
            raise StopIteration
        size = CHUNK_SIZE
        if self._limit is not None:
            # One byte past the cap is enough to know it is crossed.
            size = min(size, self._limit - self._read + 1)
        if self._length is not None:
            size = min(size, self._length - self._read)
            if size <= 0:  # all of Content-Length read: whatever follows is not this body
                self.close()
                raise StopIteration
        try:
            chunk = self._file.read(size)
        except ClientDisconnected as exc:
            self.close()
            raise MalformedBody(
                f"client disconnected after {self._read} bytes of the request body",
                public="the request body ended early (the client disconnected)",
            ) from exc
        except Exception as exc:
            if self._owned:  # a handler's file: its failure is the handler's
                raise
            # The server could not read the client's body (bad chunk framing, a
            # reset connection): the request is malformed, not our bug.
            self.close()
            raise MalformedBody(
                f"request body unreadable after {self._read} bytes: {type(exc).__name__}: {exc}",
                public="the request body could not be read (bad chunked framing?)",
            ) from exc
        if not chunk:
            self.close()
            if self._length is not None and self._read < self._length:
                raise MalformedBody(
                    f"request body ended after {self._read} of {self._length} bytes",
                    public="the request body is shorter than its Content-Length",
                )
            raise StopIteration
        data = encode_text(chunk) if isinstance(chunk, str) else chunk
        self._read += len(data)
        if self._limit is not None and self._read > self._limit:
            raise BodyTooLarge(self._limit)
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._file, "close", None)
            if self._owned and callable(close):
                close()


class IterSource(ChunkSource):
    """An iterable passed through one item at a time, never buffered."""

    def __init__(self, iterable: Iterable[builtins.bytes | bytearray | memoryview | str]) -> None:
        self._iterable = iterable
        self._iterator: Iterator[builtins.bytes | bytearray | memoryview | str] | None = None
        self._closed = False

    def __next__(self) -> builtins.bytes:
        if self._closed:
            raise StopIteration
        if self._iterator is None:
            self._iterator = iter(self._iterable)
        for item in self._iterator:
            if isinstance(item, str):
                item = encode_text(item)
            elif isinstance(item, bytearray | memoryview):
                item = builtins.bytes(item)
            elif not isinstance(item, builtins.bytes):
                raise TypeError(
                    f"a streamed body must yield bytes or str, not {type(item).__name__}"
                )
            if item:  # an empty chunk would end a chunked response early
                return item
        self.close()
        raise StopIteration

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        targets: list[object] = [self._iterable]
        if self._iterator is not None and self._iterator is not self._iterable:
            targets.append(self._iterator)
        for target in targets:
            close = getattr(target, "close", None)
            if callable(close):
                close()


class Tee:
    """Two readers of one source; holds only what one has read ahead of the other."""

    def __init__(self, source: ChunkSource) -> None:
        self._source = source
        self._pending: tuple[deque[builtins.bytes], deque[builtins.bytes]] = (deque(), deque())
        self._open = [True, True]
        self._done = False

    def next_for(self, branch: int) -> builtins.bytes:
        pending = self._pending[branch]
        if pending:
            return pending.popleft()
        if self._done:
            raise StopIteration
        try:
            chunk = next(self._source)
        except StopIteration:
            self._done = True
            self._source.close()
            raise
        if self._open[1 - branch]:
            self._pending[1 - branch].append(chunk)
        return chunk

    def close(self, branch: int) -> None:
        if self._open[branch]:
            self._open[branch] = False
            self._pending[branch].clear()
            if not any(self._open):
                self._source.close()


class TeeBranch(ChunkSource):
    def __init__(self, tee: Tee, branch: int) -> None:
        self._tee = tee
        self._branch = branch

    def __next__(self) -> builtins.bytes:
        return self._tee.next_for(self._branch)

    def close(self) -> None:
        self._tee.close(self._branch)
