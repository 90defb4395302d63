"""Bodies: what a Request or Response carries, read once, as fetch's Body mixin.

A body is in memory (str, bytes, Blob, form data: its length is known) or a
source of chunks read once (a file object, an iterable, a server's input
stream). Readers take the whole body; ``body`` is a file-like stream of it;
the dispatcher takes it chunk by chunk. Any of them uses the body up.
"""

from __future__ import annotations

import builtins
import io
import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeAlias, cast

from werkzeug.exceptions import ClientDisconnected

from .blob import Blob, decode_text, encode_text
from .errors import BodyTooLarge, MalformedBody
from .form import FormData, form_type, parse_form
from .headers import Headers
from .url import URLSearchParams

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_BODY_SIZE = 20 * 1024 * 1024


class SupportsRead(Protocol):
    def read(self, size: int, /) -> builtins.bytes | str: ...


BodyInit: TypeAlias = (
    "str | builtins.bytes | bytearray | memoryview | Blob | FormData | URLSearchParams"
    " | SupportsRead | Iterable[builtins.bytes | bytearray | memoryview | str]"
)


class ChunkSource(Iterator[builtins.bytes]):
    """Chunks of a body, read once; ``close()`` releases what backs them."""

    def __next__(self) -> builtins.bytes:
        raise StopIteration

    def close(self) -> None:
        pass


class _BytesSource(ChunkSource):
    def __init__(self, data: builtins.bytes) -> None:
        self._data: builtins.bytes | None = data or None

    def __next__(self) -> builtins.bytes:
        data, self._data = self._data, None
        if data is None:
            raise StopIteration
        return data

    def close(self) -> None:
        self._data = None


class _FileSource(ChunkSource):
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
                f"client disconnected after {self._read} bytes of the request body"
            ) from exc
        except Exception as exc:
            if self._owned:  # a handler's file: its failure is the handler's
                raise
            # The server could not read the client's body (bad chunk framing, a
            # reset connection): the request is malformed, not our bug.
            self.close()
            raise MalformedBody(
                f"request body unreadable after {self._read} bytes: {type(exc).__name__}: {exc}"
            ) from exc
        if not chunk:
            self.close()
            if self._length is not None and self._read < self._length:
                raise MalformedBody(
                    f"request body ended after {self._read} of {self._length} bytes"
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


class _IterSource(ChunkSource):
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


class _Tee:
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


class _TeeBranch(ChunkSource):
    def __init__(self, tee: _Tee, branch: int) -> None:
        self._tee = tee
        self._branch = branch

    def __next__(self) -> builtins.bytes:
        return self._tee.next_for(self._branch)

    def close(self) -> None:
        self._tee.close(self._branch)


class Body:
    """One body's bytes and whether they were read; shared by a request's views."""

    def __init__(
        self,
        data: builtins.bytes | None = None,
        source: ChunkSource | None = None,
        length_hint: int | None = None,
        max_size: int | None = None,
    ) -> None:
        self._data = data
        self._source = source
        self._length_hint = length_hint
        self._stream: BodyStream | None = None
        self.is_null = data is None and source is None
        self.used = False
        # A server body's cap (server_body); also caps a form field held in memory.
        self.max_size = max_size

    def length(self) -> int | None:
        if self.is_null:
            return 0
        return None if self._data is None else len(self._data)

    def take(self) -> ChunkSource:
        """The chunks, once: the body is used from now on. A null body has none."""
        if self.is_null:
            return ChunkSource()
        if self.used:
            raise TypeError("body already used: a body can be read only once (clone() first)")
        self.used = True
        source = _BytesSource(self._data) if self._data is not None else self._source
        self._source = None
        return cast(ChunkSource, source)

    def read_all(self) -> builtins.bytes | bytearray:
        if self._data is not None and not self.used:
            self.used = True
            return self._data
        source = self.take()
        try:
            return _collect(source, self._length_hint)
        finally:
            source.close()

    def stream(self) -> BodyStream | None:
        if self.is_null:
            return None
        if self._stream is None:
            self._stream = BodyStream(self)
        return self._stream

    def reader(self) -> IO[builtins.bytes]:
        """A fresh binary reader over the body, taking it now (for parsers)."""
        if self._data is not None and not self.used:
            self.used = True
            return io.BytesIO(self._data)
        return cast(IO[builtins.bytes], BodyStream(self, self.take()))

    def tee(self) -> Body:
        """A second body with the same bytes (clone); this one keeps reading too."""
        if self.used:
            raise TypeError("cannot clone: body already used")
        if self._source is None:
            return Body(self._data, max_size=self.max_size)
        tee = _Tee(self._source)
        self._source = _TeeBranch(tee, 0)
        return Body(
            source=_TeeBranch(tee, 1), length_hint=self._length_hint, max_size=self.max_size
        )

    def transfer(self) -> Body:
        """A body taking over this one's bytes; this one is used from now on."""
        if self.is_null:
            return Body()
        moved = Body(self._data, self._source, self._length_hint, self.max_size)
        self.take()
        return moved


def _collect(source: ChunkSource, length_hint: int | None) -> bytearray:
    # One buffer, preallocated when the length is announced: no repeated concatenation.
    buffer = bytearray(length_hint or 0)
    end = 0
    for chunk in source:
        start, end = end, end + len(chunk)
        buffer[start:end] = chunk  # grows the buffer past the hint if need be
    del buffer[end:]
    return buffer


class BodyStream(io.RawIOBase):
    """A body as a binary file object; the first read uses the body up."""

    def __init__(self, body: Body, source: ChunkSource | None = None) -> None:
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
        buffer = bytearray(size)
        filled = 0
        with memoryview(buffer) as view:
            while filled < size and (count := self.readinto(view[filled:])):
                filled += count
        del buffer[filled:]
        return builtins.bytes(buffer)

    def readall(self) -> builtins.bytes:
        if self._source is None and not self._body.used:
            return builtins.bytes(self._body.read_all())
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


def extract_body(init: BodyInit | None) -> tuple[Body, str | None]:
    """A Body for ``init`` and the Content-Type fetch gives it by default."""
    if init is None:
        return Body(), None
    if isinstance(init, str):
        return Body(encode_text(init)), "text/plain;charset=UTF-8"
    if isinstance(init, builtins.bytes | bytearray | memoryview):
        return Body(builtins.bytes(init)), None
    if isinstance(init, Blob):
        return Body(init.bytes()), init.type or None
    if isinstance(init, URLSearchParams):
        return Body(init.to_string().encode()), "application/x-www-form-urlencoded;charset=UTF-8"
    if isinstance(init, FormData):
        data, content_type = init._encode()
        return Body(data), content_type
    if callable(getattr(init, "read", None)):
        return Body(source=_FileSource(cast(SupportsRead, init))), None
    if isinstance(init, Iterable) and not isinstance(init, Mapping):
        return Body(source=_IterSource(init)), None
    hint = "; use Response.json(data) for JSON" if isinstance(init, Mapping) else ""
    raise TypeError(f"cannot use a {type(init).__name__} as a body{hint}")


def parse_content_length(value: str | None) -> int | None:
    """A Content-Length value as a number; None when absent or not plain ASCII digits
    (``"²".isdigit()`` is true, but it is no length)."""
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def server_body(stream: SupportsRead, headers: Headers, max_body_size: int) -> Body:
    """A server's input stream as a body: read lazily, capped at ``max_body_size``.

    With a Content-Length, exactly that many bytes are the body: no more are read,
    and a stream ending sooner is MalformedBody when read.
    """
    length = parse_content_length(headers.get("content-length"))
    return Body(
        source=_FileSource(stream, limit=max_body_size, length=length, owned=False),
        length_hint=None if length is None else min(length, max_body_size),
        max_size=max_body_size,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class BodyReaders:
    """What a Request, AsyncRequest and Response share: ``body``, ``body_used`` and
    the reading done by their (sync or async) readers."""

    _body: Body
    headers: Headers

    @property
    def body(self) -> BodyStream | None:
        """The body as a binary stream (None for no body); reading it uses the body."""
        return self._body.stream()

    @property
    def body_used(self) -> bool:
        return self._body.used

    bodyUsed = body_used

    def _read_bytes(self) -> builtins.bytes:
        data = self._body.read_all()
        return data if isinstance(data, builtins.bytes) else builtins.bytes(data)

    def _read_text(self) -> str:
        return decode_text(self._body.read_all())

    def _read_json(self) -> Any:
        # Decoded first, as fetch does, so the raw buffer is freed before parsing.
        text = decode_text(self._body.read_all())
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise MalformedBody(f"body is not valid JSON: {exc}") from exc

    def _read_blob(self) -> Blob:
        return Blob([self._body.read_all()], type=self.headers.get("content-type") or "")

    def _read_form_data(self) -> FormData:
        # A wrong Content-Type is a TypeError before the body is touched.
        mimetype, options = form_type(self.headers.get("content-type"))
        return parse_form(self._body.reader(), mimetype, options, max_memory=self._body.max_size)


class SyncBodyReaders(BodyReaders):
    def text(self) -> str:
        return self._read_text()

    def array_buffer(self) -> builtins.bytes:
        return self._read_bytes()

    def blob(self) -> Blob:
        return self._read_blob()

    def form_data(self) -> FormData:
        return self._read_form_data()

    def bytes(self) -> builtins.bytes:
        return self._read_bytes()

    arrayBuffer = array_buffer
    formData = form_data


class AsyncBodyReaders(BodyReaders):
    async def text(self) -> str:
        return self._read_text()

    async def array_buffer(self) -> builtins.bytes:
        return self._read_bytes()

    async def blob(self) -> Blob:
        return self._read_blob()

    async def form_data(self) -> FormData:
        return self._read_form_data()

    async def json(self) -> Any:
        return self._read_json()

    async def bytes(self) -> builtins.bytes:
        return self._read_bytes()

    arrayBuffer = array_buffer
    formData = form_data
