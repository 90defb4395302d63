"""Server bodies (``Request._from_server``): read lazily, capped, and without copies."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import LimitedStream

from convexhttp.fetch import BodyTooLarge, Headers, MalformedBody, Request
from convexhttp.fetch.headers import parse_content_length

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
        "http://a.test/x?y=1", "POST", headers, io.BytesIO(data), max_body_size=limit
    )


def test_from_server_keeps_what_the_server_sent() -> None:
    headers = Headers({"x-a": "1"})
    request = Request._from_server("http://a.test/x?y=1", "PATCH", headers, None, max_body_size=KIB)
    assert (request.url, request.method) == ("http://a.test/x?y=1", "PATCH")
    assert request.headers is headers
    assert request.body is None
    assert request.path_params == {}
    assert request.route is None


def test_from_server_skips_fetch_method_checks() -> None:
    request = Request._from_server(
        "http://a.test/", "GET", Headers(), io.BytesIO(b"x"), max_body_size=KIB
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


@pytest.mark.parametrize("reader", ["array_buffer", "text", "json", "form_data", "stream"])
def test_body_shorter_than_content_length_is_malformed(reader: str) -> None:
    headers = Headers({"content-length": "10", "content-type": "application/x-www-form-urlencoded"})
    request = Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(b"hello"), max_body_size=KIB
    )
    with pytest.raises(MalformedBody, match="ended after 5 of 10 bytes"):
        if reader == "stream":
            assert request.body is not None
            request.body.read()
        else:
            getattr(request, reader)()


def test_body_is_never_read_past_content_length() -> None:
    stream = Stream(b"abcdef")
    headers = Headers({"content-length": "2"})
    request = Request._from_server("http://a.test/", "POST", headers, stream, max_body_size=KIB)
    assert request.array_buffer() == b"ab"
    assert stream.consumed == 2


def test_body_of_exactly_content_length() -> None:
    stream = Stream(b"x" * 200 * KIB)
    headers = Headers({"content-length": str(200 * KIB)})
    request = Request._from_server("http://a.test/", "POST", headers, stream, max_body_size=MIB)
    assert request.array_buffer() == b"x" * 200 * KIB
    assert stream.consumed == 200 * KIB


def test_empty_stream_with_content_length_zero() -> None:
    headers = Headers({"content-length": "0"})
    request = Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(b"ignored"), max_body_size=KIB
    )
    assert request.text() == ""


class Disconnecting(io.RawIOBase):
    """What werkzeug's LimitedStream does when the client goes away mid-body."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        self.calls += 1
        if self.calls == 1:
            return b"abc"
        raise ClientDisconnected()


@pytest.mark.parametrize("length", [True, False])
def test_client_disconnect_is_malformed_body(length: bool) -> None:
    headers = Headers({"content-length": "10"} if length else {})
    request = Request._from_server(
        "http://a.test/", "POST", headers, Disconnecting(), max_body_size=KIB
    )
    with pytest.raises(MalformedBody, match="disconnected after 3 bytes"):
        request.array_buffer()


def test_werkzeug_limited_stream_disconnect_is_malformed_body() -> None:
    stream = LimitedStream(io.BytesIO(b"hello"), 10)
    headers = Headers({"content-length": "10"})
    request = Request._from_server("http://a.test/", "POST", headers, stream, max_body_size=KIB)
    with pytest.raises(MalformedBody):
        request.text()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0),
        ("10", 10),
        ("007", 7),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not ASCII
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("1_000", None),
        ("10, 10", None),
    ],
)
def test_parse_content_length(value: str | None, expected: int | None) -> None:
    assert parse_content_length(value) == expected


def test_non_ascii_digit_content_length_is_no_length() -> None:
    headers = Headers({"content-length": "²"})
    request = Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(b"abc"), max_body_size=KIB
    )
    assert request.array_buffer() == b"abc"


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
