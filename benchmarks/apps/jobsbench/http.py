from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_router

http = http_router()


def schedule(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_mutation(api.jobs.schedule, request.json()))


def starts(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.jobs.starts, {"batch": request.path_params["batch"]}))


http.route(path="/schedule", method="POST", handler=schedule)
http.route(path="/starts/:batch", handler=starts)
