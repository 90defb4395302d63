from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_router

http = http_router()


def insert(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_mutation(api.items.insert_one, {"n": 1}))


def increment(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_mutation(api.items.increment, {}))


http.route(path="/insert", method="POST", handler=insert)
http.route(path="/increment", method="POST", handler=increment)
