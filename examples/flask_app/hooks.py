"""The HTTP actions this app serves at /hooks (Convex's ``convex/http.ts``, in Python).

``post_message`` is the postMessage handler of Convex's HTTP-actions doc. Until
convexhttp's functions land it keeps the message in memory on the Flask app
(``current_app``, one list per worker process); then the append becomes
``ctx.run_mutation(internal.messages.send_one, ...)``.
"""

from __future__ import annotations

from flask import current_app

from convexhttp import ActionCtx, Request, Response, http_action, http_router

http = http_router()


@http_action
def post_message(ctx: ActionCtx, request: Request) -> Response:
    data = request.json()
    if not isinstance(data, dict) or "author" not in data or "body" not in data:
        return Response.json({"error": "expected {author, body}"}, status=400)
    messages: list[dict[str, str]] = current_app.extensions["messages"]
    messages.append(
        {"author": str(data["author"]), "body": f"Sent via HTTP action: {data['body']}"}
    )
    return Response(None, {"status": 200})


@http_action
def get_message(ctx: ActionCtx, request: Request) -> Response:
    messages: list[dict[str, str]] = current_app.extensions["messages"]
    index = int(str(request.path_params["index"]))
    if index >= len(messages):
        return Response.json({"error": f"no message {index}"}, status=404)
    return Response.json(messages[index])


http.route(path="/postMessage", method="POST", handler=post_message)
http.route(path=r"/messages/:index(\d+)", method="GET", handler=get_message)
