"""FormData: the API, multipart encoding, and parsing (werkzeug) into fields and Files."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Blob, File, FormData, MalformedBody, Request, Response

MULTIPART = (
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"Hello\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="notes.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"line 1\r\nline 2\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="tag"\r\n\r\n'
    b"a\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="tag"\r\n\r\n'
    b"b\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="raw"; filename="r.bin"\r\n\r\n'
    b"\x00\x01\r\n"
    b"--XyZ--\r\n"
)


def _post(body: object, content_type: str) -> Request:
    return Request(
        "http://a.test/",
        method="POST",
        body=body,  # type: ignore[arg-type]
        headers={"Content-Type": content_type},
    )


def test_api() -> None:
    form = FormData()
    form.append("a", "1")
    form.append("b", "2")
    form.append("a", "3")
    assert form.get("a") == "1"
    assert form.get_all("a") == ["1", "3"]
    assert form.getAll("a") == ["1", "3"]
    assert form.get("missing") is None
    assert form.has("b") and "b" in form
    assert list(form) == ["a", "b", "a"]
    assert list(form.items()) == [("a", "1"), ("b", "2"), ("a", "3")]
    assert list(form.values()) == ["1", "2", "3"]
    form.set("a", "4")
    assert list(form.items()) == [("a", "4"), ("b", "2")]
    form.set("c", "5")
    form.delete("b")
    assert list(form.items()) == [("a", "4"), ("c", "5")]
    assert len(form) == 2


def test_blob_values_become_named_files() -> None:
    form = FormData()
    form.append("x", Blob(["data"], type="text/csv"))
    form.append("y", Blob(["data"]), "report.csv")
    form.set("z", File(["f"], "orig.txt"), "renamed.txt")
    x, y, z = form.get("x"), form.get("y"), form.get("z")
    assert isinstance(x, File) and x.name == "blob" and x.type == "text/csv"
    assert isinstance(y, File) and y.name == "report.csv"
    assert isinstance(z, File) and z.name == "renamed.txt" and z.text() == "f"


def test_bad_values() -> None:
    form = FormData()
    with pytest.raises(TypeError):
        form.append("a", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        form.append("a", "text", "name.txt")


def test_parse_multipart_with_files() -> None:
    form = _post(MULTIPART, "multipart/form-data; boundary=XyZ").form_data()
    assert form.get("title") == "Hello"
    assert form.get_all("tag") == ["a", "b"]
    upload = form.get("upload")
    assert isinstance(upload, Blob) and isinstance(upload, File)
    assert upload.name == "notes.txt"
    assert upload.type == "text/plain"
    assert upload.text() == "line 1\r\nline 2"
    raw = form.get("raw")
    assert isinstance(raw, File)
    assert raw.bytes() == b"\x00\x01"
    assert raw.type == "text/plain"
    # werkzeug returns fields and files apart: fields first, each in body order.
    assert list(form) == ["title", "tag", "tag", "upload", "raw"]


def test_round_trip_through_our_encoding() -> None:
    form = FormData()
    form.append('we"ird\nname', "multi\nline")
    form.append("file", Blob([b"\xff\x00"], type="image/png"), 'a "quoted".png')
    request = Request("http://a.test/", method="POST", body=form)
    assert request.clone().text().count('name="we%22ird%0D%0Aname"\r\n\r\nmulti\r\nline\r\n') == 1
    parsed = request.form_data()
    assert next(parsed.values()) == "multi\r\nline"
    upload = parsed.get("file")
    assert isinstance(upload, File)
    assert (upload.type, upload.bytes()) == ("image/png", b"\xff\x00")
    assert upload.name.replace("%22", '"') == 'a "quoted".png'


def test_parse_urlencoded() -> None:
    form = _post("a=1&b=x+y&a=%C3%A9&empty=", "application/x-www-form-urlencoded").form_data()
    assert list(form.items()) == [("a", "1"), ("b", "x y"), ("a", "é"), ("empty", "")]


def test_content_type_is_case_insensitive() -> None:
    assert (
        _post("a=1", "Application/X-WWW-Form-Urlencoded; charset=UTF-8").form_data().get("a") == "1"
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", ""])
def test_wrong_content_type_is_a_type_error_and_leaves_the_body(content_type: str) -> None:
    request = (
        _post("a=1", content_type)
        if content_type
        else Request("http://a.test/", method="POST", body=b"a=1")
    )
    with pytest.raises(TypeError):
        request.form_data()
    assert not request.body_used
    assert request.text() == "a=1"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"garbage", "multipart/form-data; boundary=XyZ"),
        (MULTIPART[:60], "multipart/form-data; boundary=XyZ"),
        (MULTIPART, "multipart/form-data"),
        (b"a=\xff", "application/x-www-form-urlencoded"),
    ],
    ids=["garbage", "truncated", "no-boundary", "bad-utf8"],
)
def test_malformed_body(body: bytes, content_type: str) -> None:
    with pytest.raises(MalformedBody):
        _post(body, content_type).form_data()


def test_response_form_data() -> None:
    form = Response(FormData({"a": "b"})).form_data()
    assert form.get("a") == "b"
