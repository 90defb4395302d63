"""The Django adapter as Django users see it (the wire behaviour is in test_behaviour.py)."""

from __future__ import annotations

import django
import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, re_path

from convexhttp import ActionCtx, Request, Response, http_router
from convexhttp.adapters.django import urls, view

http = http_router()


def echo(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(
        {"url": request.url, "params": request.path_params, "size": len(request.array_buffer())}
    )


def untyped(ctx: ActionCtx, request: Request) -> Response:
    return Response(b"raw bytes")


http.route(path="/echo/:name", method=["GET", "POST"], handler=echo)
http.route(path="/untyped", handler=untyped)
http.route(path="/whole/path/:name", handler=echo)


def native(request: HttpRequest) -> HttpResponse:
    return HttpResponse("native")


urlpatterns = [
    path("native/", native),
    path("hooks/", include(urls(http, functions=__name__))),
    re_path(r"^by-hand/(?P<path>.*)$", view(http, functions=__name__)),
    path("whole/path/<str:name>", view(http, functions=__name__)),
]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        APPEND_SLASH=True,
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
    )
    django.setup()


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_post_needs_no_csrf_token(client: Client) -> None:
    r = client.post("/hooks/echo/x", b"data", content_type="application/octet-stream")
    assert r.status_code == 200
    assert r.json() == {"url": "http://testserver/hooks/echo/x", "params": {"name": "x"}, "size": 4}


def test_body_is_not_capped_by_data_upload_max_memory_size(client: Client) -> None:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    r = client.post("/hooks/echo/x", b"z" * size, content_type="application/x-www-form-urlencoded")
    assert r.json()["size"] == size


@pytest.mark.parametrize("url", ["/hooks/nope", "/hooks/echo/x/"])
def test_append_slash_does_not_redirect_our_paths(client: Client, url: str) -> None:
    r = client.get(url)
    assert (r.status_code, r.content) == (404, f"No HttpAction routed for {url}".encode())


def test_django_routes_keep_working(client: Client) -> None:
    assert client.get("/native/").content == b"native"
    assert client.get("/native").status_code == 301  # APPEND_SLASH still serves Django's own URLs


def test_no_html_content_type_of_djangos(client: Client) -> None:
    r = client.get("/hooks/untyped")
    assert "Content-Type" not in r.headers
    assert r.headers["Content-Length"] == "9"
    assert client.options("/hooks/echo/x").headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_view_by_hand_mounts_at_what_precedes_the_captured_path(client: Client) -> None:
    r = client.get("/by-hand/echo/a%2Fb", RAW_URI="/by-hand/echo/a%2Fb")  # as gunicorn sets it
    assert r.json()["params"] == {"name": "a/b"}
    r = client.get("/whole/path/ada")  # nothing captured as "path": the router sees it all
    assert r.json()["params"] == {"name": "ada"}


def test_script_name_is_part_of_the_url(client: Client) -> None:
    r = client.get("/hooks/echo/x", SCRIPT_NAME="/app")
    assert r.json()["url"] == "http://testserver/app/hooks/echo/x"


def test_data_upload_max_memory_size_bounds_the_body_when_the_project_opts_in(
    client: Client,
) -> None:
    from django.test import override_settings

    with override_settings(CONVEXHTTP_USE_DATA_UPLOAD_LIMIT=True, DATA_UPLOAD_MAX_MEMORY_SIZE=10):
        r = client.post("/hooks/echo/x", b"z" * 11, content_type="application/octet-stream")
        assert (r.status_code, r.content) == (413, b"Payload Too Large")
        r = client.post("/hooks/echo/x", b"z" * 10, content_type="application/octet-stream")
        assert r.json()["size"] == 10


def test_a_reply_in_memory_is_the_response_djangos_constructor_makes() -> None:
    from convexhttp.adapters import django as adapter
    from convexhttp.fetch.wire import Reply

    assert adapter._FAST  # this Django builds responses as _in_memory() mirrors
    pairs = [("content-type", "text/plain"), ("content-length", "2"), ("x-id", "7")]
    ours = adapter._response(Reply(201, "Made", list(pairs), [b"hi"]))
    theirs = HttpResponse(b"hi", status=201, reason="Made")
    theirs.headers._store = {name: (name, value) for name, value in pairs}
    assert type(ours).__mro__[1:] == type(theirs).__mro__
    assert vars(ours).keys() == vars(theirs).keys()
    for name, value in vars(theirs).items():
        if name == "headers":
            assert dict(ours.headers.items()) == dict(value.items())
        else:
            assert getattr(ours, name) == value, name
    assert ours.cookies is not adapter._response(Reply(200, "OK", list(pairs), [b"hi"])).cookies
    ours.set_cookie("k", "v")  # a middleware's cookie reaches the wire as Django sends it
    assert ours.cookies["k"].value == "v"
    assert (ours.status_code, ours.reason_phrase, ours.content) == (201, "Made", b"hi")


def test_a_django_that_builds_responses_otherwise_gets_its_own_constructor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from convexhttp.adapters import django as adapter

    assert adapter._built_as_django_builds()
    django_init = HttpResponse.__init__

    def with_a_new_field(self: HttpResponse, *args: object, **kwargs: object) -> None:
        django_init(self, *args, **kwargs)
        self.streaming_hint = None  # what a later Django might add

    monkeypatch.setattr(HttpResponse, "__init__", with_a_new_field)
    assert not adapter._built_as_django_builds()
    monkeypatch.setattr(adapter, "_FAST", adapter._built_as_django_builds())
    r = Client().get("/hooks/untyped")  # served through Django's constructor
    assert (r.status_code, r.content, r.headers["Content-Length"]) == (200, b"raw bytes", "9")
    assert "Content-Type" not in r.headers


def test_the_url_is_djangos_only_when_django_was_told_of_a_proxy(client: Client) -> None:
    from django.test import override_settings

    forwarded = {"HTTP_X_FORWARDED_HOST": "example.com", "HTTP_X_FORWARDED_PROTO": "https"}
    r = client.get("/hooks/echo/x", **forwarded)
    assert r.json()["url"] == "http://testserver/hooks/echo/x"  # a client cannot claim a host
    with override_settings(
        USE_X_FORWARDED_HOST=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        ALLOWED_HOSTS=["example.com"],
    ):
        r = client.get("/hooks/echo/x", **forwarded)
        assert r.json()["url"] == "https://example.com/hooks/echo/x"
    r = client.get("/hooks/echo/x", **forwarded)
    assert r.json()["url"] == "http://testserver/hooks/echo/x"  # setting_changed was heard
