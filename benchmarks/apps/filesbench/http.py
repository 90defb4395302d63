"""A router with one action that stores the request body, for benchmarks/storage.py."""

from __future__ import annotations

import os
from typing import Any

from convexhttp import ActionCtx, Request, Response, action, http_router

http = http_router()


@action
def noop(ctx: ActionCtx, args: dict[str, Any]) -> None:
    """Keeps this a functions package: the app's database opens at start-up."""


def store(ctx: ActionCtx, request: Request) -> Response:
    storage_id = ctx.storage.store(request.blob())
    return Response.json({"url": ctx.storage.get_url(storage_id)})


http.route(path="/store", method="POST", handler=store)


def send_file_app() -> Any:
    """The peer: werkzeug's send_file of the same file, as a plain WSGI app."""
    from werkzeug.utils import send_file
    from werkzeug.wrappers import Request as WerkzeugRequest

    path = os.environ["BENCH_FILE"]

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        response = send_file(path, WerkzeugRequest(environ).environ, mimetype="video/mp4")
        return response(environ, start_response)

    return app
