"""Request headers from a server (Headers._from_wire) are validated when copied."""

from __future__ import annotations

import io

import pytest

from convexhttp.fetch import Headers, Request, Response

INJECTION = ("ok", "a\r\nSet-Cookie: evil=1")


def _server_request(pairs: list[tuple[str, str]]) -> Request:
    return Request._from_server(
        "http://a.test/", "GET", Headers._from_wire(pairs), None, max_body_size=1024
    )


@pytest.mark.parametrize(
    "pair",
    [INJECTION, ("ok", "a\nb"), ("ok", "a\x00b"), ("ok", "ĀĀ"), ("bad name", "v"), ("", "v")],
)
def test_copying_wire_headers_validates_each_pair(pair: tuple[str, str]) -> None:
    request = _server_request([("accept", "*/*"), pair])
    with pytest.raises(TypeError):
        Headers(request.headers)
    with pytest.raises(TypeError):
        Response("x", headers=request.headers)
    with pytest.raises(TypeError):
        Request("http://a.test/", headers=request.headers)


def test_injection_never_reaches_a_response() -> None:
    request = _server_request([INJECTION])
    with pytest.raises(TypeError, match="CR, LF"):
        Response("x", headers=request.headers)


def test_valid_wire_headers_copy() -> None:
    pairs = [("Accept", " */* "), ("X-A", "1"), ("x-a", "2"), ("Set-Cookie", "a=1")]
    copy = Headers(Headers._from_wire(pairs))
    assert type(copy) is Headers
    assert list(copy.items()) == [("accept", "*/*"), ("set-cookie", "a=1"), ("x-a", "1, 2")]
    response = Response("x", headers=_server_request(pairs).headers)
    assert response.headers.get("x-a") == "1, 2"


def test_plain_headers_copy_is_independent() -> None:
    original = Headers({"a": "1"})
    copy = Headers(original)
    copy.append("a", "2")
    assert original.get("a") == "1" and copy.get("a") == "1, 2"


def test_clone_keeps_server_headers_as_they_came() -> None:
    request = Request._from_server(
        "http://a.test/",
        "POST",
        Headers._from_wire([INJECTION, ("content-length", "2")]),
        io.BytesIO(b"hi"),
        max_body_size=1024,
    )
    twin = request.clone()
    assert twin.headers is not request.headers
    assert twin.headers.get("ok") == request.headers.get("ok")
    twin.headers.set("x", "1")
    assert not request.headers.has("x")
    assert twin.text() == "hi" and request.text() == "hi"
    with pytest.raises(TypeError):
        Response("x", headers=twin.headers)  # still validated on the way out
