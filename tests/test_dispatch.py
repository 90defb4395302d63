"""The core dispatch without a server: the contract every adapter inherits."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from typing import Any

import pytest

from convexhttp import AsyncRequest, Dispatcher, Request, Response, http_router
from convexhttp.dispatch import Reply


def serve(
    d: Dispatcher,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> tuple[Reply, bytes]:
    hdrs = list(headers or [])
    if body is not None:
        hdrs.append(("content-length", str(len(body))))
    reply = d.handle(
        f"http://test{path}",
        method,
        hdrs,
        io.BytesIO(body) if body is not None else None,
        path.split("?")[0],
    )
    data = b"".join(reply.body)
    reply.close()
    return reply, data


def test_handler_gets_params_route_and_ctx() -> None:
    http = http_router()
    seen: dict[str, Any] = {}

    def h(ctx: Any, request: Request) -> Response:
        seen.update(ctx=ctx, params=request.path_params, route=request.route, url=request.url)
        return Response("ok")

    http.route(path="/p/:id", handler=h)
    reply, body = serve(Dispatcher(http), "GET", "/p/7?x=1")
    assert (reply.status, body) == (200, b"ok")
    assert seen["params"] == {"id": "7"} and seen["route"] == "/p/:id"
    assert seen["url"] == "http://test/p/7?x=1"
    assert len(seen["ctx"].request_id) == 16


def test_content_length_added_and_kept_for_head() -> None:
    http = http_router()
    http.route(path="/a", handler=lambda ctx, req: Response("hello"))
    reply, body = serve(Dispatcher(http), "HEAD", "/a")
    assert body == b""
    assert ("Content-Length", "5") in reply.headers


def test_status_text_empty_becomes_standard_reason() -> None:
    http = http_router()
    http.route(path="/a", handler=lambda ctx, req: Response(None, {"status": 404}))
    http.route(
        path="/b", handler=lambda ctx, req: Response(None, {"status": 200, "statusText": "Fine"})
    )
    assert serve(Dispatcher(http), "GET", "/a")[0].reason == "Not Found"
    assert serve(Dispatcher(http), "GET", "/b")[0].reason == "Fine"


def test_debug_shows_message_and_trace() -> None:
    http = http_router()

    def boom(ctx: Any, req: Request) -> Response:
        raise KeyError("detail")

    http.route(path="/boom", handler=boom)
    _, quiet = serve(Dispatcher(http), "GET", "/boom")
    assert set(json.loads(quiet)) == {"code"}
    _, loud = serve(Dispatcher(http, debug=True), "GET", "/boom")
    payload = json.loads(loud)
    assert "KeyError" in payload["message"] and "Traceback" in payload["trace"]


def test_async_handlers_reuse_one_loop_per_thread() -> None:
    http = http_router()
    loops: list[int] = []

    async def h(ctx: Any, request: AsyncRequest) -> Response:
        loops.append(id(asyncio.get_running_loop()))
        return Response.json(await request.json())

    http.route(path="/a", method="POST", handler=h)
    d = Dispatcher(http)
    for _ in range(3):
        _reply, body = serve(d, "POST", "/a", b'{"x": 1}')
        assert json.loads(body) == {"x": 1}
    assert len(set(loops)) == 1

    def other_thread() -> None:
        serve(d, "POST", "/a", b"{}")

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert len(set(loops)) == 2


def test_small_configured_limits() -> None:
    http = http_router()
    http.route(path="/in", method="POST", handler=lambda ctx, req: Response(req.array_buffer()))
    http.route(path="/out", handler=lambda ctx, req: Response(b"x" * 11))
    d = Dispatcher(http, max_request_body=10, max_response_body=10)
    assert serve(d, "POST", "/in", b"x" * 10)[0].status == 200
    assert serve(d, "POST", "/in", b"x" * 11)[0].status == 413
    assert serve(d, "GET", "/out")[0].status == 500


def test_body_read_without_content_length_is_capped() -> None:
    http = http_router()
    http.route(path="/in", method="POST", handler=lambda ctx, req: Response(req.array_buffer()))
    d = Dispatcher(http, max_request_body=10)
    reply = d.handle(
        "http://t/in", "POST", [("transfer-encoding", "chunked")], io.BytesIO(b"x" * 11), "/in"
    )
    assert reply.status == 413


def test_one_log_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    http = http_router()
    http.route(path="/p/:id", handler=lambda ctx, req: Response("ok"))
    with caplog.at_level(logging.INFO, logger="convexhttp"):
        serve(Dispatcher(http), "GET", "/p/1")
        serve(Dispatcher(http), "GET", "/missing")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert " GET /p/1 /p/:id 200 " in lines[0]
    assert " GET /missing - 404 " in lines[1]


def test_dispatcher_requires_a_router() -> None:
    with pytest.raises(TypeError, match="HttpRouter"):
        Dispatcher(object())  # type: ignore[arg-type]
