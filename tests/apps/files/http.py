"""The file storage tests' app: HTTP actions over ctx.storage."""

from __future__ import annotations

from convexhttp import ActionCtx, Request, Response, api, http_router

http = http_router()


def store(ctx: ActionCtx, request: Request) -> Response:
    storage_id = ctx.storage.store(request.blob())
    return Response.json({"storageId": storage_id, "url": ctx.storage.get_url(storage_id)})


def describe(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.files.describe, {"id": request.path_params["id"]}))


def upload_url(ctx: ActionCtx, request: Request) -> Response:
    return Response(ctx.run_mutation(api.files.upload_url))


def delete(ctx: ActionCtx, request: Request) -> Response:
    ctx.run_mutation(api.files.delete, {"id": request.path_params["id"]})
    return Response(None, status=204)


def download(ctx: ActionCtx, request: Request) -> Response:
    blob = ctx.storage.get(str(request.path_params["id"]))
    return Response("gone", status=404) if blob is None else Response(blob)


def all_files(ctx: ActionCtx, request: Request) -> Response:
    return Response.json(ctx.run_query(api.files.all_files))


http.route(path="/store", method="POST", handler=store)
http.route(path="/describe/:id", handler=describe)
http.route(path="/upload-url", method="POST", handler=upload_url)
http.route(path="/file/:id", method="DELETE", handler=delete)
http.route(path="/download/:id", handler=download)
http.route(path="/files", handler=all_files)
