"""Port of WPT fetch/api/request/request-consume: each reader returns the body and
uses it up."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from convexhttp.fetch import Blob, FormData, MalformedBody, Request, Response

TEXT = json.dumps("This is response's body")
URL = "http://localhost/"


def _text(r: Any) -> str:
    return str(r.text())


def _blob(r: Any) -> str:
    return str(r.blob().text())


def _array_buffer(r: Any) -> str:
    return bytes(r.array_buffer()).decode()


def _bytes(r: Any) -> str:
    return bytes(r.bytes()).decode()


def _json(r: Any) -> str:
    return json.dumps(r.json())


READERS: list[Callable[[Any], str]] = [_text, _blob, _array_buffer, _bytes, _json]
BODIES: list[object] = [TEXT, TEXT.encode(), bytearray(TEXT.encode()), memoryview(TEXT.encode())]


@pytest.mark.parametrize("body", BODIES, ids=["str", "bytes", "bytearray", "memoryview"])
@pytest.mark.parametrize("read", READERS, ids=lambda f: f.__name__)
def test_consume_request_body(body: object, read: Callable[[Any], str]) -> None:
    request = Request(URL, {"method": "POST", "body": body})
    assert not request.body_used
    assert read(request) == TEXT
    assert request.body_used


def test_blob_type_comes_from_content_type() -> None:
    request = Request(URL, method="POST", body=TEXT, headers=[("Content-Type", "text/PLAIN")])
    blob = request.blob()
    assert blob.type == "text/plain"
    assert blob.text() == TEXT


def test_consume_form_data_body_as_form_data() -> None:
    form = FormData()
    form.append("name", "value")
    request = Request(URL, {"method": "POST", "body": form})
    assert not request.body_used
    result = request.form_data()
    assert isinstance(result, FormData)
    assert result.get("name") == "value"
    assert request.body_used


@pytest.mark.parametrize("read", READERS, ids=lambda f: f.__name__)
def test_consume_blob_response_body(read: Callable[[Any], str]) -> None:
    response = Response(Blob([TEXT], type="text/plain"))
    assert not response.body_used
    assert read(response) == TEXT
    assert response.body_used


def test_consume_empty_blob_response() -> None:
    assert Response(Blob([""])).blob().text() == ""


@pytest.mark.parametrize("value", ["null", "1", "true", '"string"'])
def test_good_json(value: str) -> None:
    assert Request(URL, method="POST", body=value).json() == json.loads(value)


@pytest.mark.parametrize("value", ["undefined", "{", "a", "[", "", "NaN", "Infinity", "\xff"])
def test_bad_json_is_malformed_body(value: str) -> None:
    request = Request(URL, method="POST", body=value)
    with pytest.raises(MalformedBody):
        request.json()
    assert request.body_used


def test_malformed_body_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Request(URL, method="POST", body="{").json()


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedBody):
        Request(URL, method="POST", body="[" * 100_000).json()


def test_text_decodes_utf8_drops_bom_and_replaces_bad_bytes() -> None:
    request = Request(URL, method="POST", body=b"\xef\xbb\xbfcaf\xc3\xa9 \xff")
    assert request.text() == "café \ufffd"


def test_camel_case_aliases_are_the_same_objects() -> None:
    assert Request.arrayBuffer is Request.array_buffer
    assert Request.formData is Request.form_data
    assert Request.bodyUsed is Request.body_used
