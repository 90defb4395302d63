"""Port of WPT fetch/api/response/response-error and response-static-error: bad statuses,
status texts and null-body statuses; ``Response.error()``."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Response


@pytest.mark.parametrize("status", [0, 100, 199, 600, 1000, -1])
def test_status_outside_200_599_is_a_value_error(status: int) -> None:
    with pytest.raises(ValueError):
        Response("", {"status": status})
    with pytest.raises(ValueError):
        Response("", status=status)


@pytest.mark.parametrize("status", ["200", 200.0, True, None])
def test_status_that_is_not_an_int_is_a_type_error(status: object) -> None:
    with pytest.raises(TypeError):
        Response("", {"status": status})


@pytest.mark.parametrize("status_text", ["\n", "Ā", "a\r\nb", "nul\x00"])
def test_bad_status_text_is_a_type_error(status_text: str) -> None:
    with pytest.raises(TypeError):
        Response("", {"statusText": status_text})
    with pytest.raises(TypeError):
        Response("", status_text=status_text)


@pytest.mark.parametrize("status", [204, 205, 304])
def test_body_with_a_null_body_status_is_a_type_error(status: int) -> None:
    with pytest.raises(TypeError):
        Response("body", {"status": status})
    assert Response(None, {"status": status}).status == status


def test_unknown_init_key_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Response("", {"stauts": 404})


def test_static_error() -> None:
    response = Response.error()
    assert response.type == "error"
    assert response.status == 0
    assert response.status_text == ""
    assert response.body is None
    assert list(response.headers.items()) == []
    assert not response.ok


def test_static_error_headers_are_immutable() -> None:
    headers = Response.error().headers
    with pytest.raises(TypeError):
        headers.append("name", "value")
    with pytest.raises(TypeError):
        headers.set("name", "value")
    with pytest.raises(TypeError):
        headers.delete("name")
    clone = Response.error().clone()
    assert clone.type == "error"
    with pytest.raises(TypeError):
        clone.headers.append("name", "value")
