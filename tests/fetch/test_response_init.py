"""Port of WPT fetch/api/response/response-init-001, -002 and response-init-contenttype:
defaults, init values, body kinds and their default Content-Type."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Blob, FormData, Headers, Response, URLSearchParams


def test_defaults() -> None:
    response = Response()
    assert response.type == "default"
    assert response.url == ""
    assert response.ok is True
    assert response.status == 200
    assert response.status_text == ""
    assert response.body is None
    assert response.redirected is False
    assert response.body_used is False


@pytest.mark.parametrize("status", [200, 300, 400, 500, 599])
def test_status_and_ok(status: int) -> None:
    response = Response("", {"status": status})
    assert response.status == status
    assert response.ok == (200 <= status <= 299)


@pytest.mark.parametrize("status_text", ["", "OK", "with space", "\x80"])
def test_status_text(status_text: str) -> None:
    assert Response("", {"statusText": status_text}).status_text == status_text
    assert Response("", {"status_text": status_text}).statusText == status_text


def test_keywords_win_over_init() -> None:
    response = Response("", {"status": 404, "headers": {"a": "1"}}, status=201)
    assert response.status == 201
    assert response.headers.get("a") == "1"


def test_headers_is_the_same_object() -> None:
    response = Response("", {"headers": {"X-Foo": "bar"}})
    headers = response.headers
    response.headers.set("X-Foo", "quux")
    assert headers is response.headers
    assert headers.get("x-foo") == "quux"


def test_headers_from_headers_object() -> None:
    source = Headers({"name1": "value1", "name2": "value2"})
    response = Response("", {"headers": source})
    assert response.headers.get("name1") == "value1"
    assert response.headers is not source


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (
            Blob(["This is a blob"], type="application/octet-binary"),
            "application/octet-binary",
            "This is a blob",
        ),
        (
            URLSearchParams("name=value"),
            "application/x-www-form-urlencoded;charset=UTF-8",
            "name=value",
        ),
        ("This is a USVString", "text/plain;charset=UTF-8", "This is a USVString"),
    ],
)
def test_body_kinds(body: object, content_type: str, text: str) -> None:
    response = Response(body)  # type: ignore[arg-type]
    assert response.headers.get("content-type") == content_type
    assert response.text() == text


def test_form_data_body() -> None:
    form = FormData()
    form.append("name", "value")
    response = Response(form)
    body = response.text()
    boundary = body.split("\r\n")[0][2:]
    assert response.headers.get("content-type") == f"multipart/form-data; boundary={boundary}"
    assert 'name="name"\r\n\r\nvalue' in body


@pytest.mark.parametrize(
    "body", [None, Blob([]), Blob([], type=""), b"", bytearray(), memoryview(b""), iter([b""])]
)
def test_no_default_content_type(body: object) -> None:
    assert Response(body).headers.get("content-type") is None  # type: ignore[arg-type]


def test_blob_type_is_the_content_type() -> None:
    assert Response(Blob([], type="a/b; c=d")).headers.get("content-type") == "a/b; c=d"


OVERRIDE = "test/only; mime=type"


@pytest.mark.parametrize(
    "body",
    [None, Blob([]), Blob([], type="a/b; c=d"), b"", FormData(), URLSearchParams(), "", iter([])],
)
def test_content_type_can_be_overridden(body: object) -> None:
    response = Response(body, {"headers": {"Content-Type": OVERRIDE}})  # type: ignore[arg-type]
    assert response.headers.get("content-type") == OVERRIDE


def test_body_is_a_stream() -> None:
    response = Response("This is response body")
    assert response.body is not None
    assert response.body is response.body
    assert not response.body_used
    assert response.body.read() == b"This is response body"
    assert response.body_used
