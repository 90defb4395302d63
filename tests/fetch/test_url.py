"""URL and URLSearchParams: enough for code ported from Convex."""

from __future__ import annotations

import pytest

from convexhttp.fetch import URL, Request, URLSearchParams


def test_parts() -> None:
    url = URL("https://user:pw@Example.COM:8443/a/b?q=1&r=2#frag")
    assert url.href == "https://user:pw@example.com:8443/a/b?q=1&r=2#frag"
    assert url.protocol == "https:"
    assert (url.username, url.password) == ("user", "pw")
    assert url.host == "example.com:8443"
    assert url.hostname == "example.com"
    assert url.port == "8443"
    assert url.pathname == "/a/b"
    assert url.search == "?q=1&r=2"
    assert url.hash == "#frag"
    assert url.origin == "https://example.com:8443"
    assert str(url) == url.href == url.to_json()


def test_defaults_are_normalised() -> None:
    url = URL("HTTP://example.com:80")
    assert url.href == "http://example.com/"
    assert (url.port, url.pathname, url.search, url.hash) == ("", "/", "", "")


def test_relative_with_base() -> None:
    assert URL("../c?x=1", "https://a.test/a/b/").href == "https://a.test/a/c?x=1"
    assert URL("/p", URL("https://a.test/q")).href == "https://a.test/p"


@pytest.mark.parametrize(
    "text", ["", "/relative", "http://:This is not an url", "http://a b/", "https://a.test:x/"]
)
def test_invalid_is_a_type_error(text: str) -> None:
    with pytest.raises(TypeError):
        URL(text)
    assert not URL.can_parse(text)


def test_percent_encoding() -> None:
    url = URL("https://a.test/caf\xe9 x?q=a b&c=\xe9#f g")
    assert url.pathname == "/caf%C3%A9%20x"
    assert url.search == "?q=a%20b&c=%C3%A9"
    assert url.hash == "#f%20g"
    assert url.search_params.get("c") == "\xe9"


def test_ported_search_params_lookup() -> None:
    request = Request("https://a.test/search?q=hello+world&tag=a&tag=b")
    params = URL(request.url).searchParams
    assert params.get("q") == "hello world"
    assert params.get_all("tag") == ["a", "b"]
    assert params.get("missing") is None


def test_search_params_are_live() -> None:
    url = URL("https://a.test/p?a=1#h")
    url.search_params.append("b", "x y")
    assert url.search == "?a=1&b=x+y"
    assert url.href == "https://a.test/p?a=1&b=x+y#h"
    url.search_params.delete("a")
    url.search_params.delete("b")
    assert url.href == "https://a.test/p#h"
    url.search = "?z=9"
    assert url.search_params.get("z") == "9"
    assert url.search_params is url.searchParams


def test_setters() -> None:
    url = URL("https://a.test/")
    url.pathname = "x y"
    url.hash = "top"
    assert url.href == "https://a.test/x%20y#top"
    url.hash = ""
    assert url.href == "https://a.test/x%20y"


def test_search_params_init_forms() -> None:
    assert list(URLSearchParams("?a=1&b=2").items()) == [("a", "1"), ("b", "2")]
    assert list(URLSearchParams({"a": "1"}).items()) == [("a", "1")]
    assert list(URLSearchParams([("a", "1"), ("a", "2")]).items()) == [("a", "1"), ("a", "2")]
    copy = URLSearchParams(URLSearchParams("a=1"))
    assert copy.to_string() == "a=1"
    assert list(URLSearchParams("a&b=&&=c").items()) == [("a", ""), ("b", ""), ("", "c")]
    with pytest.raises(TypeError):
        URLSearchParams([("a", "1", "2")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        URLSearchParams({"a": 1})  # type: ignore[arg-type]


def test_search_params_methods() -> None:
    params = URLSearchParams("b=2&a=1&b=3")
    assert params.has("b") and params.has("b", "3") and not params.has("b", "4")
    params.set("b", "9")
    assert params.to_string() == "b=9&a=1"
    params.append("c", "x")
    params.sort()
    assert str(params) == "a=1&b=9&c=x"
    params.delete("c", "nope")
    assert params.size == len(params) == 3
    assert list(params) == ["a", "b", "c"]
    assert list(params.values()) == ["1", "9", "x"]
    assert URLSearchParams.getAll is URLSearchParams.get_all


def test_serialisation_is_form_urlencoded() -> None:
    params = URLSearchParams([("a b", "c&d=e"), ("*-._~", "\xe9+/")])
    assert params.to_string() == "a+b=c%26d%3De&*-._%7E=%C3%A9%2B%2F"
    assert list(URLSearchParams(params.to_string()).items()) == list(params.items())


def test_sort_is_stable() -> None:
    params = URLSearchParams("z=1&a=2&z=0&a=1")
    params.sort()
    assert params.to_string() == "a=2&a=1&z=1&z=0"
