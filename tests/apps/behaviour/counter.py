"""A read-modify-write of one document: what loses updates when transactions do not hold."""

from __future__ import annotations

import time
from typing import Any

from convexhttp import ConvexError, MutationCtx, QueryCtx, mutation, query, v


def _find(ctx: QueryCtx | MutationCtx, name: str) -> Any:
    return ctx.db.query("counters").with_index("by_name", lambda q: q.eq("name", name)).unique()


@mutation(args={"name": v.string()}, returns=v.int64())
def increment(ctx: MutationCtx, args: dict[str, Any]) -> int:
    doc = _find(ctx, args["name"])
    if doc is None:
        ctx.db.insert("counters", {"name": args["name"], "n": 1})
        return 1
    ctx.db.patch(doc["_id"], {"n": doc["n"] + 1})
    return int(doc["n"]) + 1


@query(args={"name": v.string()})
def get(ctx: QueryCtx, args: dict[str, Any]) -> int:
    doc = _find(ctx, args["name"])
    return 0 if doc is None else int(doc["n"])


@mutation(args={"batch": v.string(), "count": v.int64(), "pause": v.float64()})
def slow_batch(ctx: MutationCtx, args: dict[str, Any]) -> int:
    """Insert ``count`` documents, pausing between them: long enough to be killed midway."""
    print(f"slow_batch {args['batch']} started", flush=True)
    for i in range(args["count"]):
        ctx.db.insert("batches", {"batch": args["batch"], "i": i})
        time.sleep(args["pause"])
    return int(args["count"])


@query(args={"batch": v.string()})
def batch_size(ctx: QueryCtx, args: dict[str, Any]) -> int:
    return len(
        ctx.db.query("batches")
        .with_index("by_batch", lambda q: q.eq("batch", args["batch"]))
        .collect()
    )


@mutation(args={"author": v.string()})
def insert_then_fail(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("messages", {"body": "never stored", "author": args["author"]})
    raise ConvexError({"code": "REFUSED", "author": args["author"]})


@query(args={})
def query_writes(ctx: QueryCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("messages", {"body": "from a query", "author": "nobody"})
