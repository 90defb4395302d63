"""Functions over ctx.storage for the file storage tests."""

from __future__ import annotations

from typing import Any

from convexhttp import MutationCtx, QueryCtx, mutation, query, v


@mutation(args={})
def upload_url(ctx: MutationCtx, args: dict[str, Any]) -> str:
    return ctx.storage.generate_upload_url()


@mutation(args={"id": v.id("_storage")})
def delete(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.storage.delete(args["id"])


@query(args={"id": v.id("_storage")})
def describe(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    return {
        "url": ctx.storage.get_url(args["id"]),
        "metadata": ctx.storage.get_metadata(args["id"]),
        "document": ctx.db.system.get(args["id"]),
    }


@query(args={})
def all_files(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    return ctx.db.system.query("_storage").collect()
