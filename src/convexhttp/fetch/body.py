"""Body: one body's bytes and whether they were read, as fetch's Body mixin keeps them.

A body is in memory (str, bytes, Blob, form data: its length is known) or a
chunk source read once (a file object, an iterable, a server's input stream).
Readers take the whole body (``read_all``), ``stream()`` is a file-like view,
the wire takes it chunk by chunk (``take``); any of them uses the body up.
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Iterable, Mapping
from typing import IO, TypeAlias, cast

from .blob import Blob, encode_text
from .form import FormData
from .headers import parse_content_length
from .sources import BytesSource, ChunkSource, FileSource, IterSource, SupportsRead, Tee, TeeBranch
from .stream import BodyStream
from .url import URLSearchParams

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "NULL_BODY",
    "Body",
    "BodyInit",
    "extract_body",
    "server_body",
]

DEFAULT_MAX_BODY_SIZE = 20 * 1024 * 1024
TEXT_TYPE = "text/plain;charset=UTF-8"  # a string body's Content-Type

BodyInit: TypeAlias = (
    "str | builtins.bytes | bytearray | memoryview | Blob | FormData | URLSearchParams"
    " | SupportsRead | Iterable[builtins.bytes | bytearray | memoryview | str]"
)


class Body:
    """One body's bytes and whether they were read; shared by a request's views."""

    __slots__ = ("_data", "_length_hint", "_source", "_stream", "is_null", "max_size", "used")

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
        """The length when known without reading (0 for no body), else None."""
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
        source = BytesSource(self._data) if self._data is not None else self._source
        self._source = None
        return cast(ChunkSource, source)

    def read_all(self) -> builtins.bytes:
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
        tee = Tee(self._source)
        self._source = TeeBranch(tee, 0)
        return Body(source=TeeBranch(tee, 1), length_hint=self._length_hint, max_size=self.max_size)

    def transfer(self) -> Body:
        """A body taking over this one's bytes; this one is used from now on."""
        if self.is_null:
            return Body()
        moved = Body(self._data, self._source, self._length_hint, self.max_size)
        self.take()
        return moved


#: The body of every request without one: a null body never changes (nothing to use up).
NULL_BODY = Body()


def _collect(source: ChunkSource, length_hint: int | None) -> builtins.bytes:
    """All chunks as one ``bytes``, holding the body once (not twice) at its peak.

    A BytesIO's ``getvalue()`` hands over its own buffer when nothing else holds
    it, and a buffer sized up front from the announced length never moves.
    """
    first = next(source, b"")
    second = next(source, None) if first else None
    if second is None:
        return first  # one chunk (or none): no buffer at all
    buffer = io.BytesIO()
    if length_hint:
        buffer.seek(length_hint - 1)
        buffer.write(b"\0")  # one allocation of the whole length
        buffer.seek(0)
    buffer.write(first)
    buffer.write(second)
    for chunk in source:
        buffer.write(chunk)
    buffer.truncate()
    return buffer.getvalue()


def extract_body(init: BodyInit | None) -> tuple[Body, str | None]:
    """A Body for ``init`` and the Content-Type fetch gives it by default."""
    if init is None:
        return NULL_BODY, None
    if type(init) is str:  # the common case first, without the isinstance chain
        return Body(encode_text(init)), TEXT_TYPE
    if isinstance(init, str):
        return Body(encode_text(init)), TEXT_TYPE
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
        return Body(source=FileSource(cast(SupportsRead, init))), None
    if isinstance(init, Iterable) and not isinstance(init, Mapping):
        return Body(source=IterSource(init)), None
    hint = "; use Response.json(data) for JSON" if isinstance(init, Mapping) else ""
    raise TypeError(f"cannot use a {type(init).__name__} as a body{hint}")


def server_body(stream: SupportsRead, content_length: int | str | None, max_body_size: int) -> Body:
    """A server's input stream as a body: read lazily, capped at ``max_body_size``.

    With a Content-Length (parsed already, or the header's text), exactly that many
    bytes are the body: no more are read, and a stream ending sooner is MalformedBody
    when read.
    """
    if isinstance(content_length, int):
        length: int | None = content_length
    else:
        length = parse_content_length(content_length)
    return Body(
        source=FileSource(stream, limit=max_body_size, length=length, owned=False),
        length_hint=None if length is None else min(length, max_body_size),
        max_size=max_body_size,
    )
