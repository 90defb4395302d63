"""Port of WPT fetch/api/request/request-consume-empty: a missing body reads as empty and is
never used; an empty body is used once read."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Blob, FormData, MalformedBody, Request, URLSearchParams

URL = "http://localhost/"


def _no_body(content_type: str | None = None) -> Request:
    headers = {"Content-Type": content_type} if content_type else {}
    request = Request(URL, {"method": "POST", "headers": headers})
    assert not request.body_used
    assert request.body is None
    return request


def test_text() -> None:
    request = _no_body()
    assert request.text() == ""
    assert not request.body_used


def test_blob() -> None:
    request = _no_body()
    assert request.blob().text() == ""
    assert not request.body_used


def test_array_buffer() -> None:
    request = _no_body()
    assert request.array_buffer() == b""
    assert not request.body_used


def test_json_fails() -> None:
    request = _no_body()
    with pytest.raises(MalformedBody):
        request.json()
    assert not request.body_used


def test_form_data_with_multipart_type_fails() -> None:
    # Fetch rejects with a TypeError; we raise MalformedBody (a 400 when uncaught).
    request = _no_body('multipart/form-data; boundary="boundary"')
    with pytest.raises(MalformedBody):
        request.form_data()
    assert not request.body_used


def test_form_data_with_urlencoded_type_is_empty() -> None:
    request = _no_body("application/x-www-form-urlencoded;charset=UTF-8")
    form = request.form_data()
    assert isinstance(form, FormData)
    assert len(form) == 0
    assert not request.body_used


def test_form_data_without_form_type_is_a_type_error() -> None:
    request = _no_body()
    with pytest.raises(TypeError):
        request.form_data()
    assert not request.body_used


def test_reading_twice_is_fine_without_a_body() -> None:
    request = _no_body()
    assert request.text() == ""
    assert request.text() == ""


@pytest.mark.parametrize(
    "body",
    [Blob([], type="text/plain"), "", b"", URLSearchParams(""), FormData()],
    ids=["blob", "str", "bytes", "URLSearchParams", "FormData"],
)
@pytest.mark.parametrize("as_text", [True, False])
def test_empty_body_is_used_once_read(body: object, as_text: bool) -> None:
    request = Request(URL, {"method": "POST", "body": body})
    assert not request.body_used
    if as_text:
        text = request.text()
        assert text == "" or isinstance(body, FormData)
    else:
        data = request.array_buffer()
        assert data == b"" or isinstance(body, FormData)
    assert request.body_used
