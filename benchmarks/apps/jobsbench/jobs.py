"""Jobs that record when they started, for benchmarks/scheduler.py."""

from __future__ import annotations

import os
import time
from typing import Any

from convexhttp import MutationCtx, QueryCtx, internal, internal_mutation, mutation, query, v


@internal_mutation(args={"due": v.float64(), "batch": v.string()})
def record(ctx: MutationCtx, args: dict[str, Any]) -> None:
    started = time.time() * 1000
    ctx.db.insert(
        "starts",
        {"batch": args["batch"], "due": args["due"], "started": started, "pid": os.getpid()},
    )


@mutation(args={"count": v.int64(), "delay_ms": v.float64(), "batch": v.string()})
def schedule(ctx: MutationCtx, args: dict[str, Any]) -> float:
    due = time.time() * 1000 + args["delay_ms"]
    for _ in range(args["count"]):
        ctx.scheduler.run_at(due, internal.jobs.record, {"due": due, "batch": args["batch"]})
    return due


@query(args={"batch": v.string()})
def starts(ctx: QueryCtx, args: dict[str, Any]) -> list[list[float]]:
    rows = ctx.db.query("starts").with_index("by_batch", lambda q: q.eq("batch", args["batch"]))
    return [[r["due"], r["started"], float(r["pid"])] for r in rows]
