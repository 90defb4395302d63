"""Port of WPT fetch/api/request/request-disturbed: a used body cannot be cloned, copied
or read again; building a Request from another takes its body."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Request

URL = "http://localhost/"
INIT = {"method": "POST", "body": "Request's body"}


def test_initial_state() -> None:
    no_body = Request(URL)
    with_body = Request(URL, INIT)
    assert no_body.body is None
    assert not no_body.body_used
    assert with_body.body is not None
    assert not with_body.body_used


def test_request_without_body_cannot_be_disturbed() -> None:
    request = Request(URL)
    request.blob()
    assert not request.body_used
    request.clone()


def _consumed() -> Request:
    request = Request(URL, INIT)
    request.blob()
    assert request.body_used
    return request


def test_cloning_a_disturbed_request_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _consumed().clone()


def test_new_request_from_a_disturbed_request_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Request(_consumed())


def test_new_request_with_a_new_body_from_a_disturbed_request() -> None:
    consumed = _consumed()
    original_body = consumed.body
    replaced = Request(consumed, {"body": "Replaced body"})
    assert replaced.body is not original_body
    assert not replaced.body_used
    assert replaced.text() == "Replaced body"


def test_input_request_becomes_disturbed() -> None:
    request = Request(URL, INIT)
    original_body = request.body
    assert original_body is not None
    copy = Request(request)
    assert request.body_used
    assert request.body is original_body
    assert copy.body is not original_body
    assert copy.text() == "Request's body"
    assert original_body.read() == b""


def test_input_request_becomes_disturbed_even_if_its_body_is_replaced() -> None:
    request = Request(URL, INIT)
    original_body = request.body
    copy = Request(request, {"body": "init body"})
    assert request.body_used
    assert request.body is original_body
    assert copy.body is not original_body
    assert copy.text() == "init body"


def test_consuming_a_disturbed_request_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="already used"):
        _consumed().blob()


def test_failed_construction_leaves_the_body_unused() -> None:
    request = Request(URL, {"method": "POST", "body": "hello"})
    with pytest.raises(TypeError):
        Request(request, {"method": "GET"})
    assert not request.body_used
    with pytest.raises(TypeError):
        Request(request, {"method": "CONNECT"})
    assert not request.body_used
    Request(request)
    assert request.body_used


def test_reading_the_body_stream_disturbs() -> None:
    request = Request(URL, INIT)
    assert request.body is not None
    assert request.body.read(3) == b"Req"
    assert request.body_used
    with pytest.raises(TypeError):
        request.text()
    assert request.body.read() == b"uest's body"
