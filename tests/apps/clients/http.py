"""The function API tests' app: Convex's clients call its functions below /api/; its one
HTTP action shows the router still answers beside them."""

from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_router

http = http_router()


def count(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(len(ctx.run_query(api.messages.list)))


def whoami(ctx: ActionCtx, request: Request) -> Response:
    # ctx.auth is made when first read, once: the same object each time.
    assert ctx.auth is ctx.auth
    identity = ctx.auth.get_user_identity()
    return Response.json(
        {
            "direct": None if identity is None else identity.subject,
            "via_query": ctx.run_query(api.messages.whoami),
        }
    )


http.route(path="/count", handler=count)
http.route(path="/whoami", handler=whoami)
