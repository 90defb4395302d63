"""Port of WPT fetch/api/headers/header-setcookie: Set-Cookie stays apart (we are a server,
so it is never filtered)."""

from __future__ import annotations

from convexhttp.fetch import Headers, Response

COOKIES = [("set-cookie", "foo=bar"), ("Set-Cookie", "fizz=buzz; domain=example.com")]
COOKIES2 = [("set-cookie2", "foo2=bar2"), ("Set-Cookie2", "fizz2=buzz2; domain=example2.com")]


def test_construct_with_set_cookie() -> None:
    assert Headers({"Set-Cookie": "foo=bar"}).get("set-cookie") == "foo=bar"
    assert Headers([COOKIES[0]]).get_set_cookie() == ["foo=bar"]


def test_get_combines_set_cookie_in_order() -> None:
    assert Headers(COOKIES).get("set-cookie") == "foo=bar, fizz=buzz; domain=example.com"


def test_items_do_not_combine_set_cookie() -> None:
    assert list(Headers(COOKIES).items()) == [
        ("set-cookie", "foo=bar"),
        ("set-cookie", "fizz=buzz; domain=example.com"),
    ]


def test_set_cookie2_is_not_special() -> None:
    assert list(Headers(COOKIES2).items()) == [
        ("set-cookie2", "foo2=bar2, fizz2=buzz2; domain=example2.com")
    ]
    assert list(Headers(COOKIES + COOKIES2).items()) == [
        ("set-cookie", "foo=bar"),
        ("set-cookie", "fizz=buzz; domain=example.com"),
        ("set-cookie2", "foo2=bar2, fizz2=buzz2; domain=example2.com"),
    ]


def test_set_cookie_values_keep_their_order() -> None:
    headers = Headers([("set-cookie", "z=z"), ("set-cookie", "a=a"), ("set-cookie", "n=n")])
    assert [value for _, value in headers.items()] == ["z=z", "a=a", "n=n"]
    assert headers.get_set_cookie() == ["z=z", "a=a", "n=n"]


def test_names_sorted_values_in_insertion_order() -> None:
    headers = Headers(
        [
            ("xylophone-header", "1"),
            ("best-header", "2"),
            ("set-cookie", "3"),
            ("a-cool-header", "4"),
            ("set-cookie", "5"),
            ("a-cool-header", "6"),
            ("best-header", "7"),
        ]
    )
    assert list(headers.items()) == [
        ("a-cool-header", "4, 6"),
        ("best-header", "2, 7"),
        ("set-cookie", "3"),
        ("set-cookie", "5"),
        ("xylophone-header", "1"),
    ]


def test_iterator_sees_set_cookie_changes() -> None:
    headers = Headers([("fizz", "buzz"), ("X-Header", "test")])
    iterator = headers.items()
    assert next(iterator) == ("fizz", "buzz")
    headers.append("Set-Cookie", "a=b")
    assert next(iterator) == ("set-cookie", "a=b")
    headers.append("Accept", "text/html")
    assert next(iterator) == ("set-cookie", "a=b")
    assert next(iterator) == ("x-header", "test")
    headers.append("set-cookie", "c=d")
    assert next(iterator) == ("x-header", "test")
    assert next(iterator, None) is None


def test_has_append_set_delete_work_for_set_cookie() -> None:
    headers = Headers(COOKIES)
    assert headers.has("sEt-cOoKiE")

    headers = Headers(COOKIES2)
    headers.append("set-Cookie", "foo=bar")
    headers.append("sEt-cOoKiE", "fizz=buzz")
    assert list(headers.items())[:2] == [("set-cookie", "foo=bar"), ("set-cookie", "fizz=buzz")]

    headers = Headers(COOKIES)
    headers.set("set-cookie", "foo2=bar2")
    assert list(headers.items()) == [("set-cookie", "foo2=bar2")]

    headers = Headers(COOKIES)
    headers.delete("set-Cookie")
    assert list(headers.items()) == []


def test_get_set_cookie() -> None:
    assert Headers().get_set_cookie() == []
    assert Headers(COOKIES).get_set_cookie() == ["foo=bar", "fizz=buzz; domain=example.com"]
    assert Headers([("set-cookie", "")]).get_set_cookie() == [""]
    assert Headers([("set-cookie", "x"), ("set-cookie", "x")]).get_set_cookie() == ["x", "x"]
    mixed = Headers([("set-cookie2", "x"), ("set-cookie", "y"), ("set-cookie2", "z")])
    assert mixed.get_set_cookie() == ["y"]
    assert Headers.getSetCookie is Headers.get_set_cookie


def test_get_set_cookie_returns_a_copy() -> None:
    headers = Headers(COOKIES)
    headers.get_set_cookie().append("evil=1")
    assert len(headers.get_set_cookie()) == 2


def test_response_keeps_set_cookie() -> None:
    response = Response("ok", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    assert response.headers.get_set_cookie() == ["a=1", "b=2"]
