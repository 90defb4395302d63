"""The router every host serves in the shared behaviour suite (tests/test_behaviour.py)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator

from convexhttp import (
    URL,
    ActionCtx,
    AsyncActionCtx,
    AsyncRequest,
    ConvexError,
    ReadOnlyError,
    Request,
    Response,
    api,
    http_router,
    internal,
)

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


def exit_worker(ctx: ActionCtx, request: Request) -> Response:
    sys.exit(3)


def sleep(ctx: ActionCtx, request: Request) -> Response:
    time.sleep(int(request.path_params["ms"]) / 1000)  # type: ignore[arg-type]
    return Response("slept")


def form(ctx: ActionCtx, request: Request) -> Response:
    data = request.form_data()
    return Response.json({name: str(value) for name, value in data.items()})


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
http.route(path="/exit", handler=exit_worker)
http.route(path="/sleep/:ms", handler=sleep)
http.route(path="/form", method="POST", handler=form)


# --- functions and data (SPEC 5): the same through every host ---------------------------


def post_message(ctx: ActionCtx, request: Request) -> Response:
    data = request.json()
    ctx.run_mutation(internal.messages.send_one, {"body": data["body"], "author": data["author"]})
    return Response(None, {"status": 200})


def list_messages(ctx: ActionCtx, request: Request) -> Response:
    author = URL(request.url).search_params.get("author")
    args = {} if author is None else {"author": author}
    return Response.json(ctx.run_query(api.messages.list, args))


def increment(ctx: ActionCtx, request: Request) -> Response:
    n = ctx.run_mutation(api.counter.increment, {"name": request.path_params["name"]})
    return Response.json({"n": n, "pid": os.getpid()})


def counter_value(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.counter.get, {"name": request.path_params["name"]}))


def slow_batch(ctx: ActionCtx, request: Request) -> Response:
    data = request.json()
    return Response.json(ctx.run_mutation(api.counter.slow_batch, data))


def batch_size(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(
        ctx.run_query(api.counter.batch_size, {"batch": request.path_params["batch"]})
    )


def fail(ctx: ActionCtx, request: Request) -> Response:
    try:
        ctx.run_mutation(api.counter.insert_then_fail, {"author": request.path_params["author"]})
    except ConvexError as exc:
        return Response.json({"error": exc.data}, status=409)
    return Response("the mutation did not fail", status=500)


def query_writes(ctx: ActionCtx, request: Request) -> Response:
    try:
        ctx.run_query(api.counter.query_writes)
    except ReadOnlyError as exc:
        return Response.json({"error": str(exc)}, status=409)
    return Response("the query wrote", status=500)


async def async_increment(ctx: AsyncActionCtx, request: AsyncRequest) -> Response:
    n = await ctx.run_mutation(api.counter.increment, {"name": request.path_params["name"]})
    return Response.json({"n": n})


http.route(path="/data/messages", method="POST", handler=post_message)
http.route(path="/data/messages", method="GET", handler=list_messages)
http.route(path="/data/counter/:name", method="POST", handler=increment)
http.route(path="/data/counter/:name", method="GET", handler=counter_value)
http.route(path="/data/async-counter/:name", method="POST", handler=async_increment)
http.route(path="/data/batch", method="POST", handler=slow_batch)
http.route(path="/data/batch/:batch", method="GET", handler=batch_size)
http.route(path="/data/fail/:author", method="POST", handler=fail)
http.route(path="/data/query-writes", method="GET", handler=query_writes)
