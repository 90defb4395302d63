"""The Flask example's functions (Convex's ``convex/messages.ts``, in Python)."""

from __future__ import annotations

from typing import Any

from convexhttp import MutationCtx, QueryCtx, internal_mutation, query, v

Documents = list[dict[str, Any]]


@internal_mutation(args={"body": v.string(), "author": v.string()})
def send_one(ctx: MutationCtx, args: dict[str, Any]) -> str:
    return ctx.db.insert("messages", {"body": args["body"], "author": args["author"]})


@query(args={})
def list(ctx: QueryCtx, args: dict[str, Any]) -> Documents:  # Convex's name for it
    """Every message, oldest first, as the app shows them."""
    return [
        {"author": m["author"], "body": m["body"]}
        for m in ctx.db.query("messages").order("asc").take(100)
    ]
