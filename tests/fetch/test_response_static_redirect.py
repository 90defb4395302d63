"""Port of WPT fetch/api/response/response-static-redirect."""

from __future__ import annotations

import pytest

from convexhttp.fetch import URL, Response

URL_TEXT = "http://test.url:1234/"


def test_default_redirect_is_302() -> None:
    response = Response.redirect(URL_TEXT)
    assert response.type == "default"
    assert not response.redirected
    assert not response.ok
    assert response.status == 302
    assert response.headers.get("Location") == URL_TEXT
    assert response.status_text == ""
    assert response.body is None


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_statuses(status: int) -> None:
    response = Response.redirect(URL_TEXT, status)
    assert response.status == status
    assert response.headers.get("Location") == URL_TEXT
    assert not response.ok
    assert response.status_text == ""


def test_invalid_absolute_url_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Response.redirect("http://:This is not an url")


@pytest.mark.parametrize("status", [200, 309, 400, 500])
def test_other_statuses_are_a_value_error(status: int) -> None:
    with pytest.raises(ValueError):
        Response.redirect(URL_TEXT, status)


def test_absolute_url_is_normalised() -> None:
    assert Response.redirect("HTTPS://Example.com").headers.get("location") == (
        "https://example.com/"
    )
    assert Response.redirect(URL("https://a.test/x?y")).headers.get("location") == (
        "https://a.test/x?y"
    )


def test_relative_url_is_kept_as_given() -> None:
    assert Response.redirect("/login?next=/a").headers.get("location") == "/login?next=/a"


def test_header_injection_is_refused() -> None:
    with pytest.raises(TypeError):
        Response.redirect("/a\r\nSet-Cookie: x=1")
