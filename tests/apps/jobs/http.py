"""The scheduler tests' app: HTTP actions that schedule, cancel and read back jobs."""

from __future__ import annotations

from convexhttp import ActionCtx, ConvexError, Request, Response, api, http_router

http = http_router()


def schedule(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_mutation(api.jobs.schedule, request.json()))


def schedule_then_fail(ctx: ActionCtx, request: Request) -> Response:
    try:
        ctx.run_mutation(api.jobs.schedule_then_fail, request.json())
    except ConvexError:
        return Response("rolled back", status=409)
    return Response("did not fail", status=500)


def schedule_from_action(ctx: ActionCtx, request: Request) -> Response:
    data = request.json()
    job = ctx.scheduler.run_after(0, "jobs:record", {"tag": data["tag"], "n": 7})
    return Response.json(job)


def cancel(ctx: ActionCtx, request: Request) -> Response:
    ctx.run_mutation(api.jobs.cancel, {"id": request.path_params["id"]})
    return Response(None, status=204)


def runs(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.jobs.runs, {"tag": request.path_params["tag"]}))


def job(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.jobs.job, {"id": request.path_params["id"]}))


def ticks(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.jobs.ticks))


def whoami(ctx: ActionCtx, request: Request) -> Response:
    identity = ctx.auth.get_user_identity()
    if identity is None:
        return Response("nobody")
    return Response(identity["subject"] if isinstance(identity, dict) else identity.subject)


http.route(path="/schedule", method="POST", handler=schedule)
http.route(path="/whoami", handler=whoami)
http.route(path="/schedule-then-fail", method="POST", handler=schedule_then_fail)
http.route(path="/schedule-from-action", method="POST", handler=schedule_from_action)
http.route(path="/cancel/:id", method="POST", handler=cancel)
http.route(path="/runs/:tag", handler=runs)
http.route(path="/job/:id", handler=job)
http.route(path="/ticks", handler=ticks)
