"""The quickstart's functions (Convex's ``convex/messages.ts``, in Python)."""

from __future__ import annotations

from typing import Any

from convexhttp import MutationCtx, QueryCtx, internal_mutation, query, v

Documents = list[dict[str, Any]]


@internal_mutation(args={"body": v.string(), "author": v.string()})
def send_one(ctx: MutationCtx, args: dict[str, Any]) -> str:
    """Store one message; internal, so only this app's code (not a client) can call it."""
    return ctx.db.insert("messages", {"body": args["body"], "author": args["author"]})


@query(args={})
def list(ctx: QueryCtx, args: dict[str, Any]) -> Documents:  # Convex's name for it
    """The 50 latest messages, newest first."""
    return ctx.db.query("messages").order("desc").take(50)


@query(args={"author": v.string()})
def by_author(ctx: QueryCtx, args: dict[str, Any]) -> Documents:
    """One author's messages, oldest first: a range of the by_author index."""
    return (
        ctx.db.query("messages")
        .with_index("by_author", lambda q: q.eq("author", args["author"]))
        .collect()
    )
