"""The function API tests' app: Convex's clients call its functions below /api/; its one
HTTP action shows the router still answers beside them."""

from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_router

http = http_router()


def count(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(len(ctx.run_query(api.messages.list)))


http.route(path="/count", handler=count)
