"""WSGIApp in-process: environ translation details the server-level suite cannot reach."""

from __future__ import annotations

import io
from typing import Any

import pytest

from convexhttp import Request, Response, http_router
from convexhttp.adapters.wsgi import WSGIApp, request_head


def call(app: WSGIApp, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    base.update(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(base, start_response))
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("host", ["evil.com/admin", "[bad", "x:99999", "a b"])
def test_a_malformed_host_header_falls_back_to_the_server_name(host: str) -> None:
    environ = {"HTTP_HOST": host, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000"}
    url = request_head({**environ, "PATH_INFO": "/p", "RAW_URI": "/p"}).url
    assert url == "http://127.0.0.1:8000/p"


def test_a_spoofed_host_cannot_change_the_404_text() -> None:
    status, _, body = call(
        WSGIApp(http_router(), functions=__name__),
        HTTP_HOST="evil.com/admin",
        RAW_URI="/nope",
        PATH_INFO="/nope",
    )
    assert status.startswith("404") and body == b"No HttpAction routed for /nope"


def test_script_name_mount_and_raw_path() -> None:
    http = http_router()
    http.route(path="/f/:name", handler=lambda ctx, req: Response(f"{req.params} {req.url}"))
    status, _, body = call(
        WSGIApp(http, functions=__name__),
        SCRIPT_NAME="/app",
        PATH_INFO="/f/a/b",
        RAW_URI="/app/f/a%2Fb?x=1",
        QUERY_STRING="x=1",
        HTTP_HOST="h",
    )
    assert status.startswith("200")
    assert body == b"{'name': 'a/b'} http://h/app/f/a%2Fb?x=1"


def test_a_rewritten_path_info_wins_over_the_raw_uri() -> None:
    http = http_router()
    http.route(path="/new", handler=lambda ctx, req: Response("rewritten"))
    status, _, body = call(WSGIApp(http, functions=__name__), PATH_INFO="/new", RAW_URI="/old")
    assert (status[:3], body) == ("200", b"rewritten")


def test_empty_request_headers_are_headers() -> None:
    http = http_router()

    def h(ctx: Any, req: Request) -> Response:
        return Response(repr(req.headers.get("x-empty")))

    http.route(path="/", handler=h)
    assert call(WSGIApp(http, functions=__name__), HTTP_X_EMPTY="")[2] == b"''"


def test_options_star_asks_about_the_server() -> None:
    http = http_router()
    http.route(path="/a", method=["GET", "POST"], handler=lambda ctx, req: Response("a"))
    http.route(path="/b", method="DELETE", handler=lambda ctx, req: Response("b"))
    status, headers, body = call(
        WSGIApp(http, functions=__name__), REQUEST_METHOD="OPTIONS", RAW_URI="*", PATH_INFO="*"
    )
    assert (status, body) == ("204 No Content", b"")
    assert headers["allow"] == "GET, HEAD, POST, DELETE, OPTIONS"


def test_an_absolute_form_target_names_the_host() -> None:
    # RFC 9112 3.2.2: the authority of an absolute-form target wins over Host.
    http = http_router()
    http.route(path="/u", handler=lambda ctx, req: Response(req.url))
    status, _, body = call(
        WSGIApp(http, functions=__name__),
        RAW_URI="http://real.example:8080/u?x=1",
        PATH_INFO="/u",
        QUERY_STRING="x=1",
        HTTP_HOST="other.example",
    )
    assert (status[:3], body) == ("200", b"http://real.example:8080/u?x=1")


def test_a_lower_case_method_is_the_upper_case_one() -> None:
    http = http_router()
    http.route(path="/", method="POST", handler=lambda ctx, req: Response(req.method))
    assert call(WSGIApp(http, functions=__name__), REQUEST_METHOD="post")[2] == b"POST"


def test_the_ctx_of_an_http_action_names_what_it_lacks() -> None:
    http = http_router()

    def h(ctx: Any, req: Request) -> Response:
        try:
            ctx.no_such_thing  # noqa: B018
        except AttributeError as exc:
            return Response(str(exc))
        return Response("no error")

    http.route(path="/", handler=h)
    body = call(WSGIApp(http, functions=__name__), PATH_INFO="/")[2]
    assert body == b"'ActionCtx' object has no attribute 'no_such_thing'"
