"""Form parsing limits: MAX_FORM_PARTS parts and field memory, as FormTooLarge (413)."""

from __future__ import annotations

import io
import time

import pytest

from convexhttp.fetch import BodyTooLarge, FormTooLarge, Headers, MalformedBody, Request
from convexhttp.fetch import form as form_module
from convexhttp.fetch.form import MAX_FORM_PARTS, parse_form

URLENCODED = "application/x-www-form-urlencoded"
MIB = 1024 * 1024


def _server_request(body: bytes, content_type: str) -> Request:
    headers = Headers({"content-type": content_type, "content-length": str(len(body))})
    return Request._from_server(
        "http://a.test/", "POST", headers, io.BytesIO(body), max_body_size=20 * MIB
    )


def _multipart(count: int) -> bytes:
    part = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
    return part * count + b"--B--\r\n"


def test_default_is_werkzeugs() -> None:
    assert MAX_FORM_PARTS == 1000


def test_too_many_urlencoded_fields_is_too_large_quickly() -> None:
    request = _server_request(b"&".join([b"a=1"] * 5000), URLENCODED)
    start = time.perf_counter()
    with pytest.raises(FormTooLarge) as caught:
        request.form_data()
    assert time.perf_counter() - start < 1
    assert isinstance(caught.value, BodyTooLarge)  # the dispatcher answers 413
    assert not isinstance(caught.value, ValueError)  # not swallowed as a 400
    assert "1000 parts" in str(caught.value) and "MAX_FORM_PARTS" in str(caught.value)


def test_twenty_mib_of_empty_urlencoded_fields_is_rejected_quickly() -> None:
    request = _server_request(b"a&" * (10 * MIB), URLENCODED)
    start = time.perf_counter()
    with pytest.raises(FormTooLarge):
        request.form_data()
    assert time.perf_counter() - start < 1


def test_too_many_multipart_parts_is_too_large_quickly() -> None:
    request = _server_request(_multipart(5000), "multipart/form-data; boundary=B")
    start = time.perf_counter()
    with pytest.raises(FormTooLarge):
        request.form_data()
    assert time.perf_counter() - start < 1


def test_hand_built_request_is_limited_too() -> None:
    body = "&".join(f"f{i}=v" for i in range(5000))
    request = Request(
        "http://a.test/", method="POST", body=body, headers={"content-type": URLENCODED}
    )
    with pytest.raises(FormTooLarge):
        request.form_data()


def test_normal_forms_parse() -> None:
    fields = b"&".join(b"f%d=v%d" % (i, i) for i in range(10))
    form = _server_request(fields, URLENCODED).form_data()
    assert len(form) == 10 and form.get("f9") == "v9"
    form = _server_request(_multipart(10), "multipart/form-data; boundary=B").form_data()
    assert form.get_all("f") == ["v"] * 10


def test_exactly_max_parts_parse() -> None:
    body = b"&".join([b"a=1"] * MAX_FORM_PARTS)
    assert len(_server_request(body, URLENCODED).form_data()) == MAX_FORM_PARTS
    multipart = _multipart(MAX_FORM_PARTS)
    assert len(_server_request(multipart, "multipart/form-data; boundary=B").form_data()) == 1000


def test_max_form_parts_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form_module, "MAX_FORM_PARTS", 6000)
    form = _server_request(b"&".join([b"a=1"] * 5000), URLENCODED).form_data()
    assert len(form) == 5000
    form = _server_request(_multipart(5000), "multipart/form-data; boundary=B").form_data()
    assert len(form) == 5000


def test_field_memory_limit() -> None:
    with pytest.raises(FormTooLarge, match="larger than 10 bytes"):
        parse_form(io.BytesIO(b"a=" + b"x" * 20), URLENCODED, {}, max_memory=10)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\n' + b"x" * 100 + b"\r\n--B--\r\n"
    )
    with pytest.raises(FormTooLarge):
        parse_form(io.BytesIO(body), "multipart/form-data", {"boundary": "B"}, max_memory=10)


def test_malformed_form_is_still_malformed() -> None:
    with pytest.raises(MalformedBody):
        _server_request(b"--B\r\nnope", "multipart/form-data").form_data()
