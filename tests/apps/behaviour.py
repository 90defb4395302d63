"""The router every host serves in the shared behaviour suite (tests/test_behaviour.py)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from convexhttp import ActionCtx, AsyncRequest, Request, Response, http_router

http = http_router()
MB = 1024 * 1024


def echo(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(
        {
            "method": request.method,
            "url": request.url,
            "route": request.route,
            "params": request.path_params,
            "body": request.text(),
            "content_type": request.headers.get("content-type"),
        }
    )


def size(ctx: ActionCtx, request: Request) -> Response:
    data = request.array_buffer()
    return Response.json({"size": len(data), "head": data[:8].decode("latin-1")})


def cookies(ctx: ActionCtx, request: Request) -> Response:
    response = Response("cookies set", headers={"X-Extra": "1"})
    response.headers.append("Set-Cookie", "a=1; Path=/")
    response.headers.append("Set-Cookie", "b=2, with comma; Path=/")
    return response


def stream(ctx: ActionCtx, request: Request) -> Response:
    count = int(request.path_params.get("count", "3"))  # type: ignore[arg-type]

    def chunks() -> Iterator[bytes]:
        for i in range(count):
            yield f"chunk {i}\n".encode()
            time.sleep(0.01)

    return Response(chunks(), headers={"Content-Type": "text/plain"})


def big_stream(ctx: ActionCtx, request: Request) -> Response:
    def chunks() -> Iterator[bytes]:
        block = b"x" * MB
        for _ in range(25):  # 25 MB: crosses the 20 MB response limit
            yield block

    return Response(chunks())


def big_body(ctx: ActionCtx, request: Request) -> Response:
    return Response(b"y" * (21 * MB))


def boom(ctx: ActionCtx, request: Request) -> Response:
    raise RuntimeError("secret detail that must not reach the client")


def not_a_response(ctx: ActionCtx, request: Request) -> Response:
    return {"oops": True}  # type: ignore[return-value]


def bad_json(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(request.json())


def error_response(ctx: ActionCtx, request: Request) -> Response:
    return Response.error()


async def async_echo(ctx: ActionCtx, request: AsyncRequest) -> Response:
    data = await request.json()
    return Response.json({"async": True, "got": data, "pid": os.getpid()})


def head_me(ctx: ActionCtx, request: Request) -> Response:
    return Response("twelve bytes", headers={"X-Head": "yes"})


def speak(ctx: ActionCtx, request: Request) -> Response:
    print(f"printed by handler {ctx.request_id}", flush=True)
    logging.getLogger("behaviour").warning("logged by handler %s", ctx.request_id)
    return Response(ctx.request_id)


def lying_length(ctx: ActionCtx, request: Request) -> Response:
    return Response("hello world", headers={"Content-Length": "3", "Connection": "close"})


def prefix(ctx: ActionCtx, request: Request) -> Response:
    return Response(f"prefix {request.route} {request.url}")


http.route(path="/echo/:name", method=["GET", "POST", "PUT", "DELETE", "PATCH"], handler=echo)
http.route(path="/file/:path+", handler=echo)
http.route(path="/size", method="POST", handler=size)
http.route(path="/cookies", handler=cookies)
http.route(path="/stream/:count", handler=stream)
http.route(path="/big-stream", handler=big_stream)
http.route(path="/big-body", handler=big_body)
http.route(path="/boom", handler=boom)
http.route(path="/not-a-response", handler=not_a_response)
http.route(path="/bad-json", method="POST", handler=bad_json)
http.route(path="/error-response", handler=error_response)
http.route(path="/async", method="POST", handler=async_echo)
http.route(path="/head", handler=head_me)
http.route(path="/only-post", method="POST", handler=echo)
http.route(path="/speak", handler=speak)
http.route(path="/lying-length", handler=lying_length)
http.route(path_prefix="/prefix/", handler=prefix)
