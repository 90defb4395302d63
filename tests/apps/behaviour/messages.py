from __future__ import annotations

from typing import Any

from convexhttp import MutationCtx, QueryCtx, internal_mutation, query, v


@internal_mutation(args={"body": v.string(), "author": v.string()})
def send_one(ctx: MutationCtx, args: dict[str, Any]) -> str:
    return ctx.db.insert("messages", {"body": args["body"], "author": args["author"]})


@query(args={"author": v.optional(v.string())})
def list(ctx: QueryCtx, args: dict[str, Any]) -> Any:  # Convex's name for it
    if "author" in args:
        return (
            ctx.db.query("messages")
            .with_index("by_author", lambda q: q.eq("author", args["author"]))
            .collect()
        )
    return ctx.db.query("messages").collect()
