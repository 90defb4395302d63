"""CORS (cors_router) through the real dispatch: what a browser sees, request by request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

import pytest

import convexhttp
from convexhttp import (
    AsyncRequest,
    Dispatcher,
    HttpRouter,
    Request,
    Response,
    cors_router,
    corsRouter,
    http_router,
)
from convexhttp.adapters.wsgi import WSGIApp
from convexhttp.cli import format_routes

APP = "https://app.example.com"
EVIL = "https://evil.example.net"


class Answer:
    """A reply as a browser reads it: status, headers by lowercase name, body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = dict(headers)
        self.body = body

    def cors(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.startswith("access-control-")}

    def vary(self) -> str | None:
        return self.headers.get("vary")


def call(
    http: HttpRouter,
    method: str,
    path: str,
    origin: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    pairs = [(k.lower(), v) for k, v in (headers or {}).items()]
    if origin is not None:
        pairs.append(("origin", origin))
    if body is not None:
        pairs.append(("content-length", str(len(body))))
    reply = Dispatcher(http).handle(
        f"https://api.example.com{path}",
        method,
        pairs,
        io.BytesIO(body) if body is not None else None,
        path.split("?")[0],
    )
    data = b"".join(reply.body)
    reply.close()
    return Answer(reply.status, reply.headers, data)


def preflight(
    http: HttpRouter, path: str, origin: str, method: str, headers: str | None = None
) -> Answer:
    asked = {"access-control-request-method": method}
    if headers is not None:
        asked["access-control-request-headers"] = headers
    return call(http, "OPTIONS", path, origin, asked)


def post_message(ctx: Any, request: Request) -> Response:
    data = request.json()
    return Response.json({"body": f"Sent via HTTP action: {data['body']}"}, status=201)


def app_router(**options: Any) -> HttpRouter:
    """The seed example: a browser app POSTs JSON to /postMessage."""
    http = http_router()
    options.setdefault("allowed_origins", [APP, "*.example.com"])
    cors = cors_router(http, **options)
    cors.route(path="/postMessage", method="POST", handler=post_message)
    return http


JSON_POST = {"content-type": "application/json"}
MESSAGE = b'{"author": "ada", "body": "hi"}'


class TestResponses:
    def test_an_allowed_origin_is_echoed_and_the_handler_answer_kept(self) -> None:
        answer = call(app_router(), "POST", "/postMessage", APP, JSON_POST, MESSAGE)
        assert answer.status == 201
        assert json.loads(answer.body) == {"body": "Sent via HTTP action: hi"}
        assert answer.headers["content-type"] == "application/json"
        assert answer.cors() == {
            "access-control-allow-origin": APP,
            "access-control-expose-headers": "Content-Range, Accept-Ranges",
        }
        assert answer.vary() == "Origin"

    def test_a_disallowed_origin_gets_no_cors_headers_but_the_handler_runs(self) -> None:
        answer = call(app_router(), "POST", "/postMessage", EVIL, JSON_POST, MESSAGE)
        assert answer.status == 201
        assert answer.cors() == {}
        assert answer.vary() == "Origin"  # a cache must not hand this answer to APP

    def test_a_request_without_origin_is_not_cors_but_still_varies(self) -> None:
        answer = call(app_router(), "POST", "/postMessage", None, JSON_POST, MESSAGE)
        assert (answer.status, answer.cors(), answer.vary()) == (201, {}, "Origin")

    def test_enforce_answers_403_without_running_the_handler(self) -> None:
        calls: list[str] = []

        def record(ctx: Any, request: Request) -> Response:
            calls.append(request.headers.get("origin") or "-")
            return Response("done")

        http = http_router()
        cors_router(http, allowed_origins=[APP], enforce=True).route(
            path="/charge", method="POST", handler=record
        )
        refused = call(http, "POST", "/charge", EVIL, {"content-type": "text/plain"}, b"x")
        assert (refused.status, refused.cors(), refused.vary()) == (403, {}, "Origin")
        # No Origin: not a browser's cross-origin request (curl, a webhook): it passes.
        assert call(http, "POST", "/charge", None, body=b"x").status == 200
        assert call(http, "POST", "/charge", APP, body=b"x").status == 200
        assert calls == ["-", APP]

    def test_star_answers_star_to_everyone_without_vary(self) -> None:
        answer = call(app_router(allowed_origins=["*"]), "POST", "/postMessage", EVIL, {}, MESSAGE)
        assert answer.cors()["access-control-allow-origin"] == "*"
        assert answer.vary() is None  # the same answer for every origin
        no_origin = call(app_router(allowed_origins=["*"]), "POST", "/postMessage", body=MESSAGE)
        assert no_origin.cors()["access-control-allow-origin"] == "*"

    def test_credentials_echo_the_origin_never_star(self) -> None:
        http = app_router(allowed_origins=[APP], allow_credentials=True, exposed_headers=[])
        answer = call(http, "POST", "/postMessage", APP, JSON_POST, MESSAGE)
        assert answer.cors() == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
        }

    def test_a_handler_vary_is_extended_not_replaced(self) -> None:
        http = http_router()
        cors = cors_router(http, allowed_origins=[APP])
        cors.route(path="/a", handler=lambda ctx, r: Response("a", headers={"Vary": "Accept"}))
        cors.route(path="/b", handler=lambda ctx, r: Response("b", headers={"Vary": "origin"}))
        cors.route(path="/c", handler=lambda ctx, r: Response("c", headers={"Vary": "*"}))
        assert call(http, "GET", "/a", APP).vary() == "Accept, Origin"
        assert call(http, "GET", "/b", APP).vary() == "origin"
        assert call(http, "GET", "/c", APP).vary() == "*"

    def test_cors_headers_win_over_the_handlers_own(self) -> None:
        def sloppy(ctx: Any, request: Request) -> Response:
            return Response("x", headers={"Access-Control-Allow-Origin": "*"})

        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(path="/x", handler=sloppy)
        assert call(http, "GET", "/x", APP).headers["access-control-allow-origin"] == APP

    def test_head_is_served_by_get_with_the_headers(self) -> None:
        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(
            path="/a", handler=lambda c, r: Response("a")
        )
        answer = call(http, "HEAD", "/a", APP)
        assert (answer.status, answer.body) == (200, b"")
        assert answer.headers["access-control-allow-origin"] == APP

    def test_errors_of_the_handler_stay_the_dispatchers(self) -> None:
        http = http_router()
        cors = cors_router(http, allowed_origins=[APP])
        cors.route(path="/error", handler=lambda ctx, r: Response.error())
        cors.route(path="/none", handler=lambda ctx, r: None)
        assert call(http, "GET", "/error", APP).status == 502
        assert call(http, "GET", "/none", APP).status == 500

    def test_a_streamed_body_streams_through(self) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"a"
            yield b"b"

        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(
            path="/s", handler=lambda ctx, r: Response(chunks())
        )
        answer = call(http, "GET", "/s", APP)
        assert (answer.body, answer.headers["access-control-allow-origin"]) == (b"ab", APP)


class TestHandlers:
    def test_an_async_handler_stays_async(self) -> None:
        async def echo(ctx: Any, request: AsyncRequest) -> Response:
            return Response.json(await request.json())

        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(path="/e", method="POST", handler=echo)
        route = http.match("/e", "POST")[0]
        assert route is not None and route.is_async
        answer = call(http, "POST", "/e", APP, JSON_POST, b'{"x": 1}')
        assert json.loads(answer.body) == {"x": 1}
        assert answer.headers["access-control-allow-origin"] == APP

    def test_an_object_with_async_call_is_async_too(self) -> None:
        class Echo:
            async def __call__(self, ctx: Any, request: AsyncRequest) -> Response:
                return Response(await request.text())

        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(path="/e", method="POST", handler=Echo())
        answer = call(http, "POST", "/e", APP, body=b"hey")
        assert (answer.body, answer.headers["access-control-allow-origin"]) == (b"hey", APP)

    def test_a_def_returning_an_awaitable_gets_the_headers(self) -> None:
        async def later() -> Response:
            return Response("later")

        def handler(ctx: Any, request: Request) -> Awaitable[Response]:
            return later()

        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(path="/l", handler=handler)
        answer = call(http, "GET", "/l", APP)
        assert (answer.body, answer.headers["access-control-allow-origin"]) == (b"later", APP)

    def test_the_route_table_names_the_users_handler(self) -> None:
        table = format_routes(app_router())
        assert "tests.test_cors.post_message" in table
        assert "OPTIONS  /postMessage  convexhttp.cors.Preflight" in table

    def test_routes_on_the_router_itself_are_untouched(self) -> None:
        http = app_router()
        http.route(path="/webhook", method="POST", handler=lambda ctx, r: Response("ok"))
        answer = call(http, "POST", "/webhook", APP, body=b"x")
        assert (answer.status, answer.cors(), answer.vary()) == (200, {}, None)
        # Its OPTIONS is still the dispatcher's own: 204 with Allow, no CORS.
        options = preflight(http, "/webhook", APP, "POST")
        assert (options.status, options.cors()) == (204, {})
        assert options.headers["allow"] == "POST, OPTIONS"


class TestPreflight:
    def test_an_allowed_preflight(self) -> None:
        http = app_router()
        answer = preflight(http, "/postMessage", APP, "POST", "content-type")
        assert (answer.status, answer.body) == (204, b"")
        assert answer.cors() == {
            "access-control-allow-origin": APP,
            "access-control-allow-methods": "POST",
            "access-control-allow-headers": "Content-Type",
            "access-control-max-age": "86400",
        }
        assert answer.vary() == "Origin"

    def test_registered_once_and_widened_by_later_routes(self) -> None:
        http = http_router()
        cors = cors_router(http, allowed_origins=[APP])
        cors.route(path="/m", method="POST", handler=post_message)
        cors.route(path="/m", method=["put", "GET"], handler=post_message)
        http.route(path="/m", method="DELETE", handler=post_message)  # not CORS
        assert [m for p, m, _ in http.routes() if p == "/m"].count("OPTIONS") == 1
        answer = preflight(http, "/m", APP, "PUT")
        assert answer.cors()["access-control-allow-methods"] == "GET, POST, PUT"

    def test_a_method_not_cors_routed_is_refused_and_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        http = app_router()
        http.route(path="/postMessage", method="DELETE", handler=post_message)
        with caplog.at_level(logging.DEBUG, logger="convexhttp.cors"):
            answer = preflight(http, "/postMessage", APP, "DELETE")
        # The browser reads the lists and refuses, saying DELETE is not allowed.
        assert answer.status == 204
        assert answer.cors()["access-control-allow-methods"] == "POST"
        assert "access-control-max-age" not in answer.headers  # never cache a refusal
        assert "preflight for /postMessage refused: DELETE is not CORS-routed here" in caplog.text
        assert "(CORS-routed: POST)" in caplog.text

    def test_a_header_not_allowed_is_refused_and_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        http = app_router()
        with caplog.at_level(logging.DEBUG, logger="convexhttp.cors"):
            answer = preflight(http, "/postMessage", APP, "POST", "content-type,x-secret")
        assert answer.cors()["access-control-allow-headers"] == "Content-Type"
        assert "access-control-max-age" not in answer.headers
        assert "request headers ['x-secret'] are not in allowed_headers (Content-Type)" in (
            caplog.text
        )

    def test_a_disallowed_origin_gets_no_cors_headers_or_403_when_enforced(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.DEBUG, logger="convexhttp.cors"):
            answer = preflight(app_router(), "/postMessage", EVIL, "POST", "content-type")
            enforced = preflight(app_router(enforce=True), "/postMessage", EVIL, "POST")
        assert (answer.status, answer.cors(), answer.vary()) == (204, {}, "Origin")
        assert (enforced.status, enforced.cors()) == (403, {})
        refusal = f"origin {EVIL!r} is not in allowed_origins"
        assert caplog.text.count(refusal) == 2
        assert all(
            r.name == "convexhttp.cors" and r.levelno == logging.DEBUG for r in caplog.records
        )

    def test_allowed_headers_star_echoes_what_was_asked(self) -> None:
        # Access-Control-Allow-Headers: * never covers Authorization; the echo does.
        http = app_router(allowed_headers=["*"])
        answer = preflight(http, "/postMessage", APP, "POST", "authorization,x-anything")
        assert answer.cors()["access-control-allow-headers"] == "authorization, x-anything"
        assert answer.headers["access-control-max-age"] == "86400"

    def test_a_lowercase_method_is_answered_in_its_spelling(self) -> None:
        # fetch() sends method "patch" as written, and compares it case-sensitively.
        http = http_router()
        cors_router(http, allowed_origins=[APP]).route(
            path="/p", method="PATCH", handler=post_message
        )
        answer = preflight(http, "/p", APP, "patch")
        assert answer.cors()["access-control-allow-methods"] == "PATCH, patch"

    def test_credentials_in_the_preflight(self) -> None:
        http = app_router(allowed_origins=[APP], allow_credentials=True, max_age=600)
        answer = preflight(http, "/postMessage", APP, "POST")
        assert answer.cors()["access-control-allow-credentials"] == "true"
        assert answer.cors()["access-control-max-age"] == "600"

    def test_prefix_and_pattern_routes(self) -> None:
        http = http_router()
        cors = cors_router(http, allowed_origins=[APP])
        cors.route(path_prefix="/files/", method="PUT", handler=post_message)
        cors.route(path="/items/:id", method="PATCH", handler=post_message)
        cors.route(path="/items/:key", method="DELETE", handler=post_message)  # same pattern
        assert (
            preflight(http, "/files/a/b.txt", APP, "PUT").cors()["access-control-allow-methods"]
            == "PUT"
        )
        assert (
            preflight(http, "/items/7", APP, "DELETE").cors()["access-control-allow-methods"]
            == "PATCH, DELETE"
        )

    def test_a_plain_options_answers_allow(self) -> None:
        http = app_router()
        http.route(path="/postMessage", method="GET", handler=post_message)
        answer = call(http, "OPTIONS", "/postMessage", APP)  # no Access-Control-Request-Method
        assert (answer.status, answer.cors()) == (204, {})
        assert answer.headers["allow"] == "GET, HEAD, POST, OPTIONS"

    def test_two_cors_routers_share_a_path_each_with_its_settings(self) -> None:
        http = http_router()
        cors_router(http, allowed_origins=["*"]).route(path="/feed", handler=post_message)
        cors_router(
            http, allowed_origins=[APP], allowed_headers=["Content-Type", "X-Client"]
        ).route(path="/feed", method="POST", handler=post_message)
        anyone = preflight(http, "/feed", EVIL, "GET", "content-type")
        assert anyone.cors()["access-control-allow-origin"] == "*"
        assert anyone.cors()["access-control-allow-methods"] == "GET"  # POST is APP's only
        assert preflight(http, "/feed", EVIL, "POST").cors() == {}
        app = preflight(http, "/feed", APP, "POST", "x-client")
        assert app.cors()["access-control-allow-methods"] == "GET, POST"
        assert app.cors()["access-control-allow-origin"] == APP

    def test_through_the_wsgi_adapter(self) -> None:
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen["status"], seen["headers"] = status, dict(headers)

        environ = {
            "REQUEST_METHOD": "OPTIONS",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/postMessage",
            "RAW_URI": "/postMessage",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "api.example.com",
            "HTTP_ORIGIN": "https://blog.example.com",
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(b""),
        }
        body = b"".join(WSGIApp(app_router(), functions=__name__)(environ, start_response))
        assert (seen["status"], body) == ("204 No Content", b"")
        assert seen["headers"]["access-control-allow-origin"] == "https://blog.example.com"
        assert seen["headers"]["access-control-allow-methods"] == "POST"


class TestOrigins:
    @pytest.mark.parametrize(
        ("origin", "allowed"),
        [
            ("https://a.example.com", True),
            ("https://a.b.example.com", True),
            ("https://A.Example.COM", True),
            ("https://example.com", False),  # subdomains only
            ("http://a.example.com", False),  # a bare wildcard is https only
            ("https://a.example.com:8443", False),  # and the default port only
            ("https://evilexample.com", False),
            ("https://a.example.com.evil.net", False),
            ("https://.example.com", False),
            ("https://a..example.com", False),
            ("https://a.example.com/", False),
            ("https://a.example.com, https://b.example.com", False),
            ("null", False),
        ],
    )
    def test_a_bare_wildcard(self, origin: str, allowed: bool) -> None:
        http = app_router(allowed_origins=["*.example.com"])
        answer = preflight(http, "/postMessage", origin, "POST")
        assert ("access-control-allow-origin" in answer.headers) is allowed
        if allowed:  # echoed as the browser sent it: it compares byte for byte
            assert answer.headers["access-control-allow-origin"] == origin

    @pytest.mark.parametrize(
        ("entry", "origin", "allowed"),
        [
            ("http://*.localhost:3000", "http://app.localhost:3000", True),
            ("http://*.localhost:3000", "http://app.localhost:3001", False),
            ("http://*.localhost:3000", "https://app.localhost:3000", False),
            ("https://*.example.com:8443", "https://a.example.com:8443", True),
            ("https://app.example.com:443", "https://app.example.com", True),
            ("HTTPS://App.Example.com", "https://app.example.com", True),
            ("http://localhost:5173", "http://localhost:5173", True),
            ("http://localhost:5173", "http://localhost:5174", False),
            ("http://[::1]:8080", "http://[::1]:8080", True),
            ("capacitor://localhost", "capacitor://localhost", True),
            ("null", "null", True),
        ],
    )
    def test_entries(self, entry: str, origin: str, allowed: bool) -> None:
        answer = preflight(app_router(allowed_origins=[entry]), "/postMessage", origin, "POST")
        assert ("access-control-allow-origin" in answer.headers) is allowed


class TestSettings:
    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"allowed_origins": ["*"], "allow_credentials": True}, "every website"),
            ({"allowed_origins": APP}, "allowed_origins must be a list of strings"),
            ({"allowed_origins": []}, "allowed_origins is empty"),
            ({"allowed_origins": ["https://app.example.com/"]}, "write 'https://app.example.com'"),
            ({"allowed_origins": ["app.example.com"]}, "e.g. 'https://app.example.com'"),
            ({"allowed_origins": [f"{APP}, https://b.example.com"]}, "one origin per entry"),
            ({"allowed_origins": ["*.com"]}, "every site under the top-level domain 'com'"),
            ({"allowed_origins": ["https://app-*.example.com"]}, "leading '*.' label only"),
            ({"allowed_origins": ["https://bücher.example"]}, "'https://xn--bcher-kva.example'"),
            ({"allowed_origins": ["https://a.com:99999"]}, "is not an origin"),
            ({"allowed_origins": [lambda r: [APP]]}, "is not a string"),
            ({"allowed_headers": "Content-Type"}, "allowed_headers must be a list"),
            ({"allowed_headers": ["Content-Type, X-Client"]}, "one name per entry"),
            (
                {"allowed_origins": [APP], "exposed_headers": ["*"], "allow_credentials": True},
                "list the headers to expose",
            ),
            ({"max_age": -1}, "max_age must be a whole number"),
            ({"max_age": True}, "max_age must be a whole number"),
            ({"allow_credentials": "yes"}, "allow_credentials must be True or False"),
        ],
    )
    def test_refused_at_construction(self, options: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match="cors_router: ") as info:
            cors_router(http_router(), **options)
        assert message in str(info.value)

    def test_convex_helpers_spelling(self) -> None:
        assert convexhttp.corsRouter is cors_router is corsRouter
        http = http_router()
        cors = corsRouter(
            http,
            {
                "allowedOrigins": [APP],
                "allowedHeaders": ["Content-Type", "X-Client"],
                "exposedHeaders": ["X-Count"],
                "allowCredentials": True,
                "browserCacheMaxAge": 60,
                "enforceAllowOrigins": True,
            },
        )
        assert cors.http is http
        cors.route(path="/p", method="POST", handler=post_message)
        cors.route(pathPrefix="/q/", method="POST", handler=post_message)
        answer = preflight(http, "/q/1", APP, "POST", "x-client")
        assert answer.cors() == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": "POST",
            "access-control-allow-headers": "Content-Type, X-Client",
            "access-control-max-age": "60",
        }
        assert call(http, "POST", "/p", EVIL, body=b"{}").status == 403

    def test_keywords_win_over_the_config_dict(self) -> None:
        http = http_router()
        cors_router(http, {"allowedOrigins": [EVIL]}, allowed_origins=[APP]).route(
            path="/p", handler=post_message
        )
        assert preflight(http, "/p", APP, "GET").cors()["access-control-allow-origin"] == APP

    def test_unknown_and_debug_options(self) -> None:
        with pytest.raises(TypeError, match="unknown option 'allowOrigins'"):
            corsRouter(http_router(), {"allowOrigins": [APP]})
        with pytest.raises(TypeError, match=r"getLogger\('convexhttp.cors'\)"):
            corsRouter(http_router(), {"debug": True})
        with pytest.raises(TypeError, match="gives allowed_origins twice"):
            corsRouter(http_router(), {"allowedOrigins": [APP], "allowed_origins": [EVIL]})

    def test_route_errors_name_the_route_and_the_fix(self) -> None:
        http = http_router()
        cors = cors_router(http, allowed_origins=[APP])
        with pytest.raises(ValueError, match="cors route '/a': OPTIONS is the CORS preflight"):
            cors.route(path="/a", method=["GET", "OPTIONS"], handler=post_message)
        with pytest.raises(ValueError, match="handler 'nope' is not callable"):
            cors.route(path="/a", handler="nope")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="give exactly one of path or path_prefix"):
            cors.route(handler=post_message)
        http.route(path="/own", method="OPTIONS", handler=post_message)
        with pytest.raises(ValueError, match="cors route '/own': the path already has an OPTIONS"):
            cors.route(path="/own", method="POST", handler=post_message)
        cors.route(path="/b", method="POST", handler=post_message)
        with pytest.raises(ValueError, match="conflicts with the route POST '/b'"):
            cors.route(path="/b", method="POST", handler=post_message)
