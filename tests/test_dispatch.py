"""The core dispatch without a server: the contract every adapter inherits."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import threading
from typing import Any

import pytest

from convexhttp import AsyncRequest, Dispatcher, Request, Response, http_router
from convexhttp.dispatch import Reply, RequestHead, StreamAborted

REQUEST_ID_BODY = re.compile(r"^\[Request ID: [0-9a-f]{16}\] Server Error$")


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
    head = RequestHead.from_url(f"http://test{path}", method, hdrs)
    reply = d.handle(head, io.BytesIO(body) if body is not None else None)
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
    assert ("content-length", "5") in reply.headers


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
    head = RequestHead.from_url("http://t/in", "POST", [("transfer-encoding", "chunked")])
    reply = d.handle(head, io.BytesIO(b"x" * 11))
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


def _serve_response(response: Response, method: str = "GET") -> tuple[Reply, bytes]:
    http = http_router()
    http.route(path="/r", handler=lambda ctx, req: response)
    return serve(Dispatcher(http), method, "/r")


class TestFramingIsOurs:
    def test_a_wrong_content_length_from_the_handler_is_replaced(self) -> None:
        reply, body = _serve_response(Response("hello world", headers={"content-length": "3"}))
        assert body == b"hello world"
        assert [v for n, v in reply.headers if n == "content-length"] == ["11"]

    def test_hop_by_hop_headers_are_dropped(self) -> None:
        headers = {"transfer-encoding": "chunked", "connection": "close", "x-keep": "1"}
        reply, body = _serve_response(Response("hello", headers=headers))
        names = [n for n, _ in reply.headers]
        assert "transfer-encoding" not in names and "connection" not in names
        assert "x-keep" in names and body == b"hello"

    def test_no_content_length_on_204(self) -> None:
        reply, _ = _serve_response(Response(None, status=204, headers={"content-length": "5"}))
        assert all(n != "content-length" for n, _ in reply.headers)

    def test_a_stream_is_cut_at_its_declared_length(self) -> None:
        stream = Response(iter([b"abc", b"def"]), headers={"content-length": "4"})
        reply, body = _serve_response(stream)
        assert body == b"abcd"
        assert ("content-length", "4") in reply.headers

    def test_a_stream_shorter_than_declared_aborts(self) -> None:
        http = http_router()
        short = Response(iter([b"ab"]), headers={"content-length": "9"})
        http.route(path="/r", handler=lambda ctx, req: short)
        reply = Dispatcher(http).handle(RequestHead.from_url("http://t/r"))
        with pytest.raises(StreamAborted):
            b"".join(reply.body)

    def test_control_characters_in_a_header_value_are_a_500(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        reply, body = _serve_response(Response("x", headers={"x-bad": "a\x01b"}))
        assert reply.status == 500 and b"a\x01b" not in body
        assert "'x-bad' holds a control character" in caplog.text


def test_closing_a_reply_before_sending_closes_the_handlers_stream() -> None:
    closed: list[bool] = []

    def chunks() -> Any:
        try:
            yield b"never sent"
        finally:
            closed.append(True)

    class Source:
        def __iter__(self) -> Any:
            return self

        def __next__(self) -> bytes:
            return b"x"

        def close(self) -> None:
            closed.append(True)

    http = http_router()
    http.route(path="/r", handler=lambda ctx, req: Response(Source()))
    reply = Dispatcher(http).handle(RequestHead.from_url("http://t/r"))
    reply.close()
    assert closed == [True]


def test_head_answers_of_the_dispatcher_carry_no_body() -> None:
    reply, body = serve(Dispatcher(http_router()), "HEAD", "/nope")
    assert reply.status == 404 and body == b""
    assert ("content-length", str(len("No HttpAction routed for /nope"))) in reply.headers


def test_non_ascii_digits_in_content_length_are_a_400() -> None:
    http = http_router()
    http.route(path="/in", method="POST", handler=lambda ctx, req: Response("ok"))
    head = RequestHead.from_url("http://t/in", "POST", [("content-length", "²")])
    reply = Dispatcher(http).handle(head, io.BytesIO(b"x"))
    assert reply.status == 400


def test_404_text_and_log_use_the_given_raw_path_not_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="convexhttp"):
        head = RequestHead("GET", "http", "evil.com/admin", "/nope", "/nope")
        reply = Dispatcher(http_router()).handle(head)
    assert b"".join(reply.body) == b"No HttpAction routed for /nope"
    assert " GET /nope - 404 " in caplog.text


def test_cancelled_async_handler_is_a_500_with_the_convex_body() -> None:
    http = http_router()

    async def h(ctx: Any, request: AsyncRequest) -> Response:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.cancel()
        await future
        return Response("unreachable")

    http.route(path="/a", handler=h)
    reply, body = serve(Dispatcher(http), "GET", "/a")
    assert reply.status == 500 and REQUEST_ID_BODY.match(json.loads(body)["code"])


def test_tasks_left_by_an_async_handler_are_cancelled_after_it() -> None:
    http = http_router()
    cancelled: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def h(ctx: Any, request: AsyncRequest) -> Response:
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(0)
        return Response("ok")

    http.route(path="/a", handler=h)
    reply, body = serve(Dispatcher(http), "GET", "/a")
    assert (reply.status, body, cancelled) == (200, b"ok", [True])


def test_a_response_whose_body_was_read_is_a_500_naming_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    used = Response("spent")
    used.text()
    reply, _ = _serve_response(used)
    assert reply.status == 500
    assert "whose body it had already read" in caplog.text


@pytest.mark.parametrize("escaped_route", [False, True])
def test_raw_characters_in_a_path_route_as_their_escapes(escaped_route: bool) -> None:
    # A raw ' ', '{' or '"' is matched without normalising the path first when no
    # route literal holds an escape, and after it when one does: the same answers.
    http = http_router()

    def h(ctx: Any, request: Request) -> Response:
        return Response.json({"route": request.route, "params": request.path_params})

    http.route(path="/users/:id/tags/:tags+", handler=h)
    pairs = [('/users/a b/tags/{x}/"y"', "/users/a%20b/tags/%7Bx%7D/%22y%22")]
    if escaped_route:
        http.route(path="/a b", handler=h)  # its normal form is /a%20b
        pairs.append(("/a b", "/a%20b"))
    d = Dispatcher(http)
    for raw, escaped in pairs:
        answers = [serve(d, "GET", p)[1] for p in (raw, escaped)]
        assert answers[0] == answers[1]
        assert json.loads(answers[0])["route"] in ("/users/:id/tags/:tags+", "/a b")
    body = serve(d, "GET", '/users/a b/tags/{x}/"y"')[1]
    assert json.loads(body)["params"] == {"id": "a b", "tags": ["{x}", '"y"']}
    assert serve(d, "GET", "/users/./tags/{x}")[0].status == 400  # a dot segment, raw or not
    assert serve(d, "POST", '/users/a b/tags/"y"')[0].status == 405
