"""clone(): two readers of one body; a streamed body is teed lazily."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from convexhttp.fetch import Request, Response


def test_response_clone_copies_everything() -> None:
    response = Response("body", {"status": 201, "statusText": "Made", "headers": {"a": "1"}})
    twin = response.clone()
    assert (twin.status, twin.status_text, twin.headers.get("a")) == (201, "Made", "1")
    twin.headers.set("a", "2")
    assert response.headers.get("a") == "1"
    assert twin.text() == "body"
    assert response.text() == "body"


def test_clone_of_a_used_body_is_a_type_error() -> None:
    response = Response("x")
    response.text()
    with pytest.raises(TypeError):
        response.clone()


def test_clone_without_body() -> None:
    twin = Response(None, {"status": 204}).clone()
    assert twin.body is None
    assert twin.status == 204


def test_streamed_clone_is_lazy_and_buffers_only_the_lead() -> None:
    produced: list[int] = []

    def generate() -> Iterator[bytes]:
        for i in range(5):
            produced.append(i)
            yield b"%d" % i

    response = Response(generate())
    twin = response.clone()
    assert produced == []
    first = response._body.take()
    second = twin._body.take()
    assert next(first) == b"0"
    assert next(first) == b"1"
    assert produced == [0, 1]
    assert next(second) == b"0"
    assert produced == [0, 1]
    assert list(second) == [b"1", b"2", b"3", b"4"]
    assert list(first) == [b"2", b"3", b"4"]


def test_source_closed_only_when_both_branches_are_done() -> None:
    closed: list[bool] = []

    class Source:
        def __iter__(self) -> Iterator[bytes]:
            yield from (b"a", b"b", b"c")

        def close(self) -> None:
            closed.append(True)

    response = Response(Source())
    twin = response.clone()
    chunks = response._body.take()
    next(chunks)
    chunks.close()
    assert closed == []
    assert twin.text() == "abc"
    assert closed == [True]


def test_clone_of_a_clone() -> None:
    response = Response(iter([b"x", b"y"]))
    a = response.clone()
    b = a.clone()
    assert [response.text(), a.text(), b.text()] == ["xy", "xy", "xy"]


def test_request_clone() -> None:
    request = Request("http://a.test/", method="POST", body=iter([b"a", b"b"]))
    request.path_params = {"k": "v"}
    twin = request.clone()
    twin.path_params["k"] = "w"
    assert request.path_params == {"k": "v"}
    assert twin.text() == "ab"
    assert request.text() == "ab"
    assert type(twin) is Request
