"""Scheduled functions for the scheduler tests: each run leaves a document behind."""

from __future__ import annotations

import os
import time
from typing import Any

from convexhttp import (
    ActionCtx,
    ConvexError,
    MutationCtx,
    QueryCtx,
    internal,
    internal_action,
    internal_mutation,
    mutation,
    query,
    v,
)


@internal_mutation(args={"tag": v.string(), "n": v.int64()})
def record(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("runs", {"tag": args["tag"], "n": args["n"], "pid": os.getpid()})


@internal_action(args={"tag": v.string(), "n": v.int64(), "seconds": v.float64()})
def slow_action(ctx: ActionCtx, args: dict[str, Any]) -> None:
    ctx.run_mutation(internal.jobs.record, {"tag": args["tag"] + ":started", "n": args["n"]})
    print(f"slow_action {args['tag']} started", flush=True)
    time.sleep(args["seconds"])
    ctx.run_mutation(internal.jobs.record, {"tag": args["tag"] + ":finished", "n": args["n"]})


@internal_mutation(args={"tag": v.string()})
def always_fails(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("runs", {"tag": args["tag"], "n": -1, "pid": os.getpid()})
    raise ConvexError("this job fails on purpose")


@mutation(
    args={
        "tag": v.string(),
        "count": v.int64(),
        "delay_ms": v.float64(),
        "kind": v.union(v.literal("mutation"), v.literal("action"), v.literal("failing")),
        "seconds": v.optional(v.float64()),
    }
)
def schedule(ctx: MutationCtx, args: dict[str, Any]) -> list[str]:
    ids = []
    for n in range(args["count"]):
        if args["kind"] == "mutation":
            ref, job_args = internal.jobs.record, {"tag": args["tag"], "n": n}
        elif args["kind"] == "failing":
            ref, job_args = internal.jobs.always_fails, {"tag": args["tag"]}
        else:
            ref = internal.jobs.slow_action
            job_args = {"tag": args["tag"], "n": n, "seconds": args.get("seconds", 0.0)}
        ids.append(ctx.scheduler.run_after(args["delay_ms"], ref, job_args))
    return ids


@mutation(args={"tag": v.string()})
def schedule_then_fail(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.scheduler.run_after(0, internal.jobs.record, {"tag": args["tag"], "n": 0})
    raise ConvexError("rolled back, with the job it scheduled")


@mutation(args={"id": v.id("_scheduled_functions")})
def cancel(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.scheduler.cancel(args["id"])


@query(args={"tag": v.string()})
def runs(ctx: QueryCtx, args: dict[str, Any]) -> list[dict[str, Any]]:
    docs = ctx.db.query("runs").with_index("by_tag", lambda q: q.eq("tag", args["tag"])).collect()
    return [{"n": d["n"], "pid": d["pid"]} for d in docs]


@query(args={"id": v.id("_scheduled_functions")})
def job(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    return ctx.db.system.get(args["id"])


@internal_mutation(args={})
def tick(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("ticks", {"pid": os.getpid(), "at": time.time() * 1000})


@query(args={})
def ticks(ctx: QueryCtx, args: dict[str, Any]) -> list[float]:
    return [t["at"] for t in ctx.db.query("ticks").collect()]


@query(args={})
def whoami(ctx: QueryCtx, args: dict[str, Any]) -> str | None:
    identity = ctx.auth.get_user_identity()
    if identity is None:
        return None
    return str(identity["subject"] if isinstance(identity, dict) else identity.subject)


@internal_mutation(args={"tag": v.string(), "depth": v.int64()})
def chain(ctx: MutationCtx, args: dict[str, Any]) -> None:
    """Records itself and schedules the next link, an hour later, until depth 0."""
    ctx.db.insert("runs", {"tag": args["tag"], "n": args["depth"], "pid": os.getpid()})
    if args["depth"] > 0:
        ctx.scheduler.run_after(
            3_600_000, internal.jobs.chain, {"tag": args["tag"], "depth": args["depth"] - 1}
        )
