"""Server bodies (``Request._from_server``): read lazily, capped, and without copies."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from convexhttp.fetch import BodyTooLarge, Headers, MalformedBody, Request

KIB = 1024
MIB = 1024 * KIB


class Stream(io.RawIOBase):
    """A server input stream that records how much was read from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._data.read(size)
        self.consumed += len(chunk)
        return chunk


def _server_request(
    data: bytes, limit: int, *, length: bool = True, content_type: str | None = None
) -> Request:
    headers = Headers()
    if length:
        headers.set("content-length", str(len(data)))
    if content_type:
        headers.set("content-type", content_type)
    return Request._from_server(
        "http://a.test/x?y=1", "post", headers, io.BytesIO(data), max_body_size=limit
    )


def test_from_server_keeps_what_the_server_sent() -> None:
    headers = Headers({"x-a": "1"})
    request = Request._from_server("http://a.test/x?y=1", "patch", headers, None, max_body_size=KIB)
    assert (request.url, request.method) == ("http://a.test/x?y=1", "PATCH")
    assert request.headers is headers
    assert request.body is None
    assert request.path_params == {}
    assert request.route is None


def test_from_server_skips_fetch_method_checks() -> None:
    request = Request._from_server(
        "http://a.test/", "get", Headers(), io.BytesIO(b"x"), max_body_size=KIB
    )
    assert request.method == "GET"
    assert request.text() == "x"


def test_body_is_read_lazily() -> None:
    stream = Stream(b"hello")
    request = Request._from_server("http://a.test/", "POST", Headers(), stream, max_body_size=KIB)
    assert stream.consumed == 0
    assert request.text() == "hello"
    assert stream.consumed == 5


@pytest.mark.parametrize("length", [True, False])
def test_body_at_the_cap_is_fine(length: bool) -> None:
    assert _server_request(b"x" * KIB, KIB, length=length).array_buffer() == b"x" * KIB


@pytest.mark.parametrize("length", [True, False])
@pytest.mark.parametrize("reader", ["text", "array_buffer", "json", "blob"])
def test_body_past_the_cap_raises(length: bool, reader: str) -> None:
    request = _server_request(b"x" * 2 * KIB, KIB, length=length)
    with pytest.raises(BodyTooLarge) as caught:
        getattr(request, reader)()
    assert caught.value.limit == KIB
    assert not isinstance(caught.value, ValueError)


def test_body_past_the_cap_raises_through_the_stream() -> None:
    request = _server_request(b"x" * 2 * KIB, KIB, length=False)
    assert request.body is not None
    with pytest.raises(BodyTooLarge):
        request.body.read()


def test_body_past_the_cap_raises_through_form_parsing() -> None:
    body = b"a=" + b"x" * 2 * KIB
    request = _server_request(body, KIB, content_type="application/x-www-form-urlencoded")
    with pytest.raises(BodyTooLarge):
        request.form_data()


def test_cap_stops_reading_soon_after_it_is_crossed() -> None:
    stream = Stream(b"x" * 10 * MIB)
    request = Request._from_server("http://a.test/", "POST", Headers(), stream, max_body_size=KIB)
    with pytest.raises(BodyTooLarge):
        request.text()
    assert stream.consumed == KIB + 1


def test_lying_content_length_is_only_a_hint() -> None:
    headers = Headers({"content-length": "100"})
    short = Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(b"abc"), max_body_size=KIB
    )
    assert short.array_buffer() == b"abc"
    headers = Headers({"content-length": "2"})
    long = Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(b"abcdef"), max_body_size=KIB
    )
    assert long.array_buffer() == b"abcdef"


def test_malformed_json_from_server() -> None:
    with pytest.raises(MalformedBody):
        _server_request(b"{nope", KIB).json()


@pytest.mark.parametrize("length", [True, False])
@pytest.mark.parametrize("reader", ["array_buffer", "text"])
def test_twenty_mib_body_memory(length: bool, reader: str) -> None:
    size = 20 * MIB
    request = _server_request(b"a" * size, size, length=length)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = getattr(request, reader)()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result) == size
    assert peak <= 3 * size, f"peak {peak / MIB:.1f} MiB reading a 20 MiB body"


def test_twenty_mib_multipart_file_memory() -> None:
    size = 20 * MIB
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += b"z" * size + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    request = _server_request(body, len(body), content_type=content_type)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        form = request.form_data()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = form.get("f")
    assert upload is not None and not isinstance(upload, str)
    assert upload.size == size
    assert peak <= 3 * size, f"peak {peak / MIB:.1f} MiB parsing a 20 MiB upload"
