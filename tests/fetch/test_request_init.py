"""Request construction: URL, method normalisation, headers, bodies and their Content-Type."""

from __future__ import annotations

import pytest

from convexhttp.fetch import URL, Blob, FormData, Headers, Request, URLSearchParams


def test_defaults() -> None:
    request = Request("https://example.com")
    assert request.url == "https://example.com/"
    assert request.method == "GET"
    assert list(request.headers.items()) == []
    assert request.body is None
    assert not request.body_used
    assert request.path_params == {}
    assert request.params is request.path_params
    assert request.route is None


def test_url_object_and_query_are_kept() -> None:
    assert Request(URL("http://a.test/p?q=1#f")).url == "http://a.test/p?q=1#f"


@pytest.mark.parametrize("url", ["", "/relative", "http://:not a valid URL"])
def test_bad_or_relative_url_is_a_type_error(url: str) -> None:
    with pytest.raises(TypeError):
        Request(url)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("get", "GET"),
        ("post", "POST"),
        ("Put", "PUT"),
        ("delete", "DELETE"),
        ("options", "OPTIONS"),
        ("head", "HEAD"),
        ("patch", "patch"),  # fetch upper-cases only the six standard names
        ("PATCH", "PATCH"),
        ("custom", "custom"),
    ],
)
def test_method_normalisation(given: str, expected: str) -> None:
    assert Request("http://a.test/", {"method": given}).method == expected


@pytest.mark.parametrize(
    "method", ["CONNECT", "connect", "TRACE", "trace", "TRACK", "IN VALID", "", "GÉT", "a\r\nb"]
)
def test_forbidden_or_invalid_method_is_a_type_error(method: str) -> None:
    with pytest.raises(TypeError):
        Request("http://a.test/", method=method)


@pytest.mark.parametrize("method", ["GET", "HEAD", "get", "head"])
def test_get_or_head_with_a_body_is_a_type_error(method: str) -> None:
    with pytest.raises(TypeError):
        Request("http://a.test/", {"method": method, "body": "x"})


def test_unknown_init_key_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="mehtod"):
        Request("http://a.test/", {"mehtod": "POST"})


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("text", "text/plain;charset=UTF-8"),
        (b"bytes", None),
        (Blob(["x"], type="Image/PNG"), "image/png"),
        (Blob(["x"]), None),
        (URLSearchParams("a=b"), "application/x-www-form-urlencoded;charset=UTF-8"),
    ],
)
def test_default_content_type(body: object, content_type: str | None) -> None:
    request = Request("http://a.test/", method="POST", body=body)  # type: ignore[arg-type]
    assert request.headers.get("content-type") == content_type


def test_form_data_content_type_has_a_boundary() -> None:
    request = Request("http://a.test/", method="POST", body=FormData({"a": "b"}))
    content_type = request.headers.get("content-type")
    assert content_type is not None
    assert content_type.startswith("multipart/form-data; boundary=")


def test_given_content_type_wins() -> None:
    request = Request("http://a.test/", method="POST", body="x", headers={"Content-Type": "a/b"})
    assert request.headers.get("content-type") == "a/b"


def test_keywords_win_over_init() -> None:
    request = Request("http://a.test/", {"method": "PUT", "body": "a"}, method="POST")
    assert request.method == "POST"
    assert request.text() == "a"


def test_copy_from_request() -> None:
    original = Request("http://a.test/x", method="POST", body="b", headers={"X-A": "1"})
    original.path_params = {"id": "7"}
    original.route = "/x/:id"
    copy = Request(original, {"headers": {"x-b": "2"}})
    assert (copy.url, copy.method) == ("http://a.test/x", "POST")
    assert copy.headers.get("x-a") is None
    assert copy.headers.get("x-b") == "2"
    assert copy.path_params == {"id": "7"}
    assert copy.route == "/x/:id"
    assert copy.text() == "b"


def test_request_as_init_is_copied_under_a_new_url() -> None:
    original = Request("http://a.test/old", method="PUT", body="b", headers={"X-A": "1"})
    copy = Request("http://a.test/new", original)
    assert (copy.url, copy.method, copy.headers.get("x-a")) == ("http://a.test/new", "PUT", "1")
    assert copy.text() == "b"
    assert original.body_used


def test_copy_has_its_own_headers() -> None:
    original = Request("http://a.test/", headers={"X-A": "1"})
    copy = Request(original)
    copy.headers.set("x-a", "2")
    assert original.headers.get("x-a") == "1"


def test_headers_object_is_copied() -> None:
    headers = Headers({"a": "1"})
    request = Request("http://a.test/", headers=headers)
    assert request.headers is not headers
    assert request.headers.get("a") == "1"


@pytest.mark.parametrize("body", [{"a": 1}, 12, object()])
def test_unsupported_body_is_a_type_error(body: object) -> None:
    with pytest.raises(TypeError):
        Request("http://a.test/", method="POST", body=body)  # type: ignore[arg-type]


def test_route_and_params_are_settable() -> None:
    request = Request("http://a.test/p/1")
    request.params = {"id": "1"}
    request.route = "/p/:id"
    assert request.path_params == {"id": "1"}
    assert repr(request) == "<Request GET http://a.test/p/1>"
