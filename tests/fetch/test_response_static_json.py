"""Port of WPT fetch/api/response/response-static-json: ``Response.json(data, init)``."""

from __future__ import annotations

import math
from typing import Any

import pytest

from convexhttp.fetch import Response

INIT_CASES: list[tuple[dict[str, Any] | None, int, str, str, dict[str, str]]] = [
    (None, 200, "", "application/json", {}),
    ({"status": 400}, 400, "", "application/json", {}),
    ({"statusText": "foo"}, 200, "foo", "application/json", {}),
    ({"headers": {}}, 200, "", "application/json", {}),
    ({"headers": {"content-type": "foo/bar"}}, 200, "", "foo/bar", {}),
    ({"headers": {"x-foo": "bar"}}, 200, "", "application/json", {"x-foo": "bar"}),
]


@pytest.mark.parametrize(("init", "status", "status_text", "content_type", "extra"), INIT_CASES)
def test_json_with_init(
    init: dict[str, Any] | None,
    status: int,
    status_text: str,
    content_type: str,
    extra: dict[str, str],
) -> None:
    response = Response.json("hello world", init)
    assert response.type == "default"
    assert response.status == status
    assert response.status_text == status_text
    assert response.headers.get("content-type") == content_type
    for name, value in extra.items():
        assert response.headers.get(name) == value
    assert response.json() == "hello world"


def test_keyword_arguments() -> None:
    response = Response.json([1, 2], status=201, headers={"x-a": "b"})
    assert (response.status, response.headers.get("x-a")) == (201, "b")
    assert response.json() == [1, 2]


@pytest.mark.parametrize("status", [204, 205, 304])
def test_null_body_status_is_a_type_error(status: int) -> None:
    with pytest.raises(TypeError):
        Response.json("hello world", {"status": status})


def test_objects_round_trip() -> None:
    assert Response.json({"foo": "bar"}).json() == {"foo": "bar"}


def test_body_is_compact_json() -> None:
    assert Response.json({"a": [1, 2], "b": None}).text() == '{"a":[1,2],"b":null}'


@pytest.mark.parametrize("data", [object(), {1, 2}, b"bytes", math.nan, math.inf])
def test_unencodable_data_is_a_type_error(data: object) -> None:
    with pytest.raises(TypeError):
        Response.json(data)


def test_circular_data_is_a_type_error() -> None:
    data: dict[str, Any] = {"b": 1}
    data["a"] = data
    with pytest.raises(TypeError):
        Response.json(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("\U0001d306", [34, 240, 157, 140, 134, 34]),
        ("\udf06\ud834", [34, 92, 117, 100, 102, 48, 54, 92, 117, 100, 56, 51, 52, 34]),
        ("\udead", [34, 92, 117, 100, 101, 97, 100, 34]),
    ],
)
def test_encoding(data: str, expected: list[int]) -> None:
    assert list(Response.json(data).array_buffer()) == expected


def test_headers_are_mutable() -> None:
    headers = Response.json(None).headers
    headers.append("x-custom", "value")
    assert headers.get("x-custom") == "value"
    headers.set("x-custom", "value2")
    assert headers.get("x-custom") == "value2"
    headers.delete("x-custom")
    assert headers.get("x-custom") is None
    assert headers.get("content-type") == "application/json"
    headers.set("content-type", "foo/bar")
    assert headers.get("content-type") == "foo/bar"
    headers.delete("content-type")
    assert headers.get("content-type") is None


def test_instance_json_reads_and_class_json_builds() -> None:
    response = Response('{"x": 1}')
    assert response.json() == {"x": 1}
    assert isinstance(Response.json({}), Response)
