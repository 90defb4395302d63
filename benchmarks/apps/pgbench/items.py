"""One insert, and one contended increment, for benchmarks/postgres.py."""

from __future__ import annotations

import os
from typing import Any

from convexhttp import MutationCtx, mutation, v


def _attempt() -> None:
    """Count a run of the mutation (a retry after a lost race runs it again)."""
    path = os.environ.get("BENCH_ATTEMPTS_FILE")
    if path:
        with open(path, "ab") as f:  # O_APPEND: one byte per attempt, from every worker
            f.write(b".")


@mutation(args={"n": v.int64()})
def insert_one(ctx: MutationCtx, args: dict[str, Any]) -> str:
    return ctx.db.insert("items", {"n": args["n"]})


@mutation(args={})
def increment(ctx: MutationCtx, args: dict[str, Any]) -> int:
    _attempt()
    doc = ctx.db.query("counters").with_index("by_name", lambda q: q.eq("name", "hot")).unique()
    if doc is None:
        ctx.db.insert("counters", {"name": "hot", "n": 1})
        return 1
    ctx.db.patch(doc["_id"], {"n": doc["n"] + 1})
    return int(doc["n"]) + 1
