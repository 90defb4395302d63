"""The HTTP actions this app serves at /hooks (Convex's ``convex/http.ts``, in Python).

``post_message`` is the postMessage handler of Convex's HTTP-actions doc: it
stores the message through the internal mutation ``messages.send_one``, in the
app's database (every gunicorn worker sees it).
"""

from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_action, http_router, internal

http = http_router()


@http_action
def post_message(ctx: ActionCtx, request: Request) -> Response:
    data = request.json()
    if not isinstance(data, dict) or "author" not in data or "body" not in data:
        return Response.json({"error": "expected {author, body}"}, status=400)
    ctx.run_mutation(
        internal.messages.send_one,
        {"body": f"Sent via HTTP action: {data['body']}", "author": str(data["author"])},
    )
    return Response(None, {"status": 200})


@http_action
def get_message(ctx: ActionCtx, request: Request) -> Response:
    messages = ctx.run_query(api.messages.list)
    index = int(str(request.path_params["index"]))
    if index >= len(messages):
        return Response.json({"error": f"no message {index}"}, status=404)
    return Response.json(messages[index])


http.route(path="/postMessage", method="POST", handler=post_message)
http.route(path=r"/messages/:index(\d+)", method="GET", handler=get_message)
