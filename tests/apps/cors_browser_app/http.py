"""The app a real browser calls from another origin (tests/test_cors_browser.py).

``CORS_TEST_ORIGIN`` is the one page origin allowed; the test starts the page
server first and passes its origin here.
"""

from __future__ import annotations

import logging
import os

from convexhttp import (
    ActionCtx,
    AsyncRequest,
    Request,
    Response,
    cors_router,
    http_router,
)

logging.getLogger("convexhttp.cors").setLevel(logging.DEBUG)  # refusals say why in the log

ALLOWED = os.environ["CORS_TEST_ORIGIN"]

http = http_router()
cors = cors_router(
    http,
    allowed_origins=[ALLOWED],
    allowed_headers=["Content-Type", "X-Client"],
    exposed_headers=["X-Handled-By"],
    allow_credentials=True,
)
enforced = cors_router(http, allowed_origins=[ALLOWED], enforce=True)

charges: list[str] = []  # origins whose POST /charge reached the handler (one worker)


def _answer(data: dict[str, str], request: Request | AsyncRequest, by: str) -> Response:
    return Response.json(
        {
            "body": f"Sent via HTTP action: {data['body']}",
            "author": data["author"],
            "client": request.headers.get("x-client"),
            "cookie": request.headers.get("cookie"),
        },
        headers={"X-Handled-By": by, "X-Internal": "not exposed"},
    )


def post_message(ctx: ActionCtx, request: Request) -> Response:
    return _answer(request.json(), request, "post_message")


async def post_message_async(ctx: ActionCtx, request: AsyncRequest) -> Response:
    return _answer(await request.json(), request, "post_message_async")


def charge(ctx: ActionCtx, request: Request) -> Response:
    charges.append(request.headers.get("origin") or "-")
    return Response("charged")


def list_charges(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(charges)


cors.route(path="/postMessage", method="POST", handler=post_message)
cors.route(path_prefix="/async/", method="POST", handler=post_message_async)
enforced.route(path="/charge", method="POST", handler=charge)
http.route(path="/noCors", method="POST", handler=post_message)
http.route(path="/charges", handler=list_charges)
