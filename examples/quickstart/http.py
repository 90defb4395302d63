"""The quickstart router: Convex's HTTP-actions examples, in Python.

This package is laid out as a Convex app's ``convex/`` folder: this router
(``http.py``), the functions (``messages.py``) and the tables (``schema.py``).
Serve it with ``make run`` (or ``convexhttp serve examples.quickstart.http:http``)
and try::

    curl -i -X POST http://127.0.0.1:8000/postMessage -d '{"author": "ada", "body": "hi"}'
    curl -i http://127.0.0.1:8000/messages
    curl -i http://127.0.0.1:8000/messages?author=ada
    curl -i http://127.0.0.1:8000/product/1
    curl -i http://127.0.0.1:8000/file/folder/sub
"""

from __future__ import annotations

from convexhttp import (
    URL,
    ActionCtx,
    Request,
    Response,
    api,
    http_action,
    http_router,
    internal,
)

http = http_router()


def _params(request: Request) -> Response:
    return Response.json({"route": request.route, "params": request.path_params})


@http_action
def show_params(ctx: ActionCtx, request: Request) -> Response:
    """Echo the routed pattern and the params it extracted."""
    return _params(request)


@http_action
def post_message(ctx: ActionCtx, request: Request) -> Response:
    """Convex's postMessage example: store the message through an internal mutation."""
    data = request.json()
    if not isinstance(data, dict) or "author" not in data or "body" not in data:
        return Response.json({"error": "expected {author, body}"}, status=400)
    ctx.run_mutation(
        internal.messages.send_one,
        {"body": f"Sent via HTTP action: {data['body']}", "author": data["author"]},
    )
    return Response(None, {"status": 200})


@http_action
def list_messages(ctx: ActionCtx, request: Request) -> Response:
    """The latest messages, or one author's (``?author=ada``), through a query."""
    author = URL(request.url).search_params.get("author")
    if author is None:
        return Response.json(ctx.run_query(api.messages.list))
    return Response.json(ctx.run_query(api.messages.by_author, {"author": author}))


@http_action
async def get_or_post_message(ctx: ActionCtx, request: object) -> Response:
    """An ``async def`` handler: it runs on the worker thread's event loop."""
    return Response(f"hello from an async handler ({getattr(request, 'method', '?')})")


@http_action
def dynamic_path(ctx: ActionCtx, request: Request) -> Response:
    """A path-prefix route: the rest of the path comes from request.url."""
    return Response(f"you asked for {request.url}")


@http_action
def webhook(ctx: ActionCtx, request: Request) -> Response:
    return Response(f"webhook got a {request.method}")


http.route(path="/product/:productId", method="GET", handler=show_params)
http.route(path="/file/:path+", method="GET", handler=show_params)
http.route(path="/assets/{:path}*", method="GET", handler=show_params)
http.route(path="/users?/:id", method="GET", handler=show_params)
http.route(path=r"/item/:id(\d+)", method="GET", handler=show_params)
http.route(path=r"/static\:thing", method="GET", handler=show_params)
http.route(path="/postMessage", method="POST", handler=post_message)
http.route(path="/send-message", method="POST", handler=post_message)
http.route(path="/messages", method="GET", handler=list_messages)
http.route(path="/getOrPostMessage", method=["GET", "POST"], handler=get_or_post_message)
http.route(path_prefix="/dynamicPathSegment/", method="GET", handler=dynamic_path)
http.route(path="/webhook", method=["GET", "POST", "PUT", "DELETE", "PATCH"], handler=webhook)
