"""The mutations and queries the store benchmark times."""

from __future__ import annotations

from typing import Any

from convexhttp import MutationCtx, QueryCtx, internal_mutation, internal_query, v

from .schema import MESSAGE

Message = dict[str, Any]


@internal_mutation(args=MESSAGE)
def send(ctx: MutationCtx, args: Message) -> str:
    """One message: the mutation whose rate the benchmark measures."""
    return ctx.db.insert("messages", args)


@internal_mutation(args={"messages": v.array(v.object(MESSAGE))})
def send_many(ctx: MutationCtx, args: dict[str, Any]) -> int:
    """Many messages in one transaction: how the data sets are built."""
    for message in args["messages"]:
        ctx.db.insert("messages", message)
    return len(args["messages"])


@internal_query(args={"channel": v.string()})
def in_channel(ctx: QueryCtx, args: dict[str, Any]) -> list[Message]:
    """A channel's messages, oldest first: an equality range of the by_channel index."""
    return (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", args["channel"]))
        .collect()
    )


@internal_query(args={})
def count_iterating(ctx: QueryCtx, args: dict[str, Any]) -> int:
    """Every message, one at a time (memory must stay flat)."""
    n = 0
    for _ in ctx.db.query("messages"):
        n += 1
    return n


@internal_query(args={})
def count_collecting(ctx: QueryCtx, args: dict[str, Any]) -> int:
    """Every message, all at once (memory grows with the table)."""
    return len(ctx.db.query("messages").collect())
