"""Response body kinds as the dispatcher sees them: length, chunks, closing, streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from convexhttp.fetch import Blob, FormData, Response, URLSearchParams
from convexhttp.fetch.sources import CHUNK_SIZE


class Recorder:
    """An iterable that records how far it has been consumed and whether it was closed."""

    def __init__(self, items: list[bytes | bytearray | memoryview | str]) -> None:
        self.items = items
        self.produced = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes | bytearray | memoryview | str]:
        for item in self.items:
            self.produced += 1
            yield item

    def close(self) -> None:
        self.closed = True


class TrackedFile(io.BytesIO):
    reads: list[int]

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads = [*getattr(self, "reads", []), -1 if size is None else size]
        return super().read(size)


@pytest.mark.parametrize(
    ("body", "length"),
    [
        (None, 0),
        ("héllo", 6),
        (b"abc", 3),
        (Blob(["abcd"]), 4),
        (URLSearchParams({"a": "b c"}), 5),
        (io.BytesIO(b"abc"), None),
        (iter([b"abc"]), None),
    ],
)
def test_body_length(body: object, length: int | None) -> None:
    response = Response(body)  # type: ignore[arg-type]
    assert response._body.length() == length
    assert not response.body_used


def test_form_data_length_matches_its_bytes() -> None:
    response = Response(FormData({"a": "b"}))
    length = response._body.length()
    assert length == len(b"".join(response._body.take()))


def test_null_body_yields_nothing() -> None:
    response = Response()
    assert list(response._body.take()) == []
    assert not response.body_used


def test_chunks_use_the_body() -> None:
    response = Response("hi")
    assert b"".join(response._body.take()) == b"hi"
    assert response.body_used
    with pytest.raises(TypeError):
        response._body.take()


def test_iterable_is_streamed_one_item_at_a_time() -> None:
    source = Recorder([b"a", "é", bytearray(b"c"), b"", memoryview(b"d")])
    response = Response(source)
    chunks = response._body.take()
    assert source.produced == 0
    assert next(chunks) == b"a"
    assert source.produced == 1
    assert next(chunks) == "é".encode()
    assert source.produced == 2
    assert list(chunks) == [b"c", b"d"]
    assert source.closed


def test_generator_is_closed_when_the_server_stops_early() -> None:
    finished = []

    def generate() -> Iterator[bytes]:
        try:
            for i in range(1000):
                yield b"x%d" % i
        finally:
            finished.append(True)

    chunks = Response(generate())._body.take()
    assert next(chunks) == b"x0"
    chunks.close()
    assert finished == [True]


def test_closing_before_reading_closes_the_iterable() -> None:
    source = Recorder([b"a"])
    Response(source)._body.take().close()
    assert source.closed
    assert source.produced == 0


def test_bad_item_is_a_type_error() -> None:
    chunks = Response(iter([b"a", 3]))._body.take()  # type: ignore[arg-type]
    assert next(chunks) == b"a"
    with pytest.raises(TypeError):
        next(chunks)


def test_file_is_read_in_chunks_and_closed() -> None:
    data = b"x" * (CHUNK_SIZE * 2 + 10)
    file = TrackedFile(data)
    chunks = list(Response(file)._body.take())
    assert b"".join(chunks) == data
    assert [len(c) for c in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 10]
    assert set(file.reads) == {CHUNK_SIZE}
    assert file.closed


def test_file_is_closed_when_the_server_stops_early() -> None:
    file = io.BytesIO(b"x" * CHUNK_SIZE * 3)
    chunks = Response(file)._body.take()
    next(chunks)
    chunks.close()
    assert file.closed


def test_text_file_is_encoded() -> None:
    assert Response(io.StringIO("héllo")).text() == "héllo"


def test_file_body_readers() -> None:
    assert Response(io.BytesIO(b'{"a": 1}')).json() == {"a": 1}


def test_streamed_body_read_whole() -> None:
    parts: list[bytes | str] = [b"ab", "cd"]
    response = Response(iter(parts))
    assert response.text() == "abcd"
    assert response.body_used


def test_lone_surrogates_become_replacement_characters() -> None:
    assert Response("a\ud800b").array_buffer() == "a\ufffdb".encode()


def test_body_stream_reads_across_chunks() -> None:
    response = Response(iter([b"abc", b"def", b"g"]))
    stream = response.body
    assert stream is not None
    assert stream.read(2) == b"ab"
    assert stream.read(3) == b"cde"
    assert stream.read() == b"fg"
    assert stream.read() == b""
