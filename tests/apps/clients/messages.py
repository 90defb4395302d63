"""Functions the two Convex clients call in tests/test_function_api_clients.py."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from convexhttp import (
    ActionCtx,
    ConvexError,
    MutationCtx,
    QueryCtx,
    action,
    api,
    internal_query,
    mutation,
    query,
    v,
)

log = logging.getLogger("clients.messages")


@mutation(args={"body": v.string(), "author": v.string()})
def send_message(ctx: MutationCtx, args: dict[str, Any]) -> str:
    print(f"sending {args['body']!r}")
    return ctx.db.insert("messages", {"body": args["body"], "author": args["author"]})


@query(args={})
def list(ctx: QueryCtx, args: dict[str, Any]) -> Any:  # Convex's name for it
    return ctx.db.query("messages").collect()


@query(args={"value": v.any()})
def echo(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    return args["value"]


@query(args={"count": v.int64(), "data": v.bytes(), "ratio": v.float64()})
def typed(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    """Checks the types the clients sent: int64 stays int, bytes stay bytes."""
    return {
        "count": args["count"] + 1,
        "data": args["data"][::-1],
        "ratio": args["ratio"] * 2,
        "types": [type(args[k]).__name__ for k in ("count", "data", "ratio")],
    }


@action(args={"value": v.any()})
def echo_action(ctx: ActionCtx, args: dict[str, Any]) -> Any:
    return {"echoed": ctx.run_query(api.messages.echo, {"value": args["value"]})}


@query
async def async_echo(ctx: Any, args: dict[str, Any]) -> Any:
    return {"async": args}


@mutation(args={"code": v.string()})
def refuse(ctx: MutationCtx, args: dict[str, Any]) -> None:
    ctx.db.insert("messages", {"body": "never committed", "author": "refuse"})
    raise ConvexError({"code": args["code"], "limit": 10, "big": 2**40})


@query
def refuse_with_text(ctx: QueryCtx, args: dict[str, Any]) -> None:
    raise ConvexError("plain text refusal")


@query
def refuse_badly(ctx: QueryCtx, args: dict[str, Any]) -> None:
    raise ConvexError({"not", "a", "convex", "value"})


@query
def boom(ctx: QueryCtx, args: dict[str, Any]) -> None:
    print("about to fail")
    raise RuntimeError("secret detail that must not reach the client")


@action
def calls_badly(ctx: ActionCtx, args: dict[str, Any]) -> Any:
    return ctx.run_query(api.messages.echo, {})  # missing "value": the server's own bug


@internal_query
def hidden(ctx: QueryCtx, args: dict[str, Any]) -> str:
    return "internal"


@query
def whoami(ctx: QueryCtx, args: dict[str, Any]) -> Any:
    identity = ctx.auth.get_user_identity()
    if identity is None:
        return None
    return {"subject": identity.subject, "tokenIdentifier": identity.token_identifier}


@query(args={"tag": v.string(), "lines": v.number(), "pause": v.number()})
def speak(ctx: QueryCtx, args: dict[str, Any]) -> str:
    """Prints and logs ``lines`` times, pausing between: concurrent calls interleave."""
    for i in range(int(args["lines"])):
        print(f"{args['tag']} print {i}")
        log.warning("%s log %d", args["tag"], i)
        time.sleep(args["pause"])
    print(f"{args['tag']} to stderr", file=sys.stderr)
    log.debug("%s debug, below the logger's level", args["tag"])
    return args["tag"]
