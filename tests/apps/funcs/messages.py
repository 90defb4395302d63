"""Each decorator form once; the calls are recorded so a test can tell what ran."""

from __future__ import annotations

from typing import Any

from convexhttp import ConvexError, internal_mutation, mutation, query, v

from .billing.stripe import handle  # imported: registered only where it is defined

CALLS: list[str] = []
__all__ = ["handle"]


@internal_mutation(args={"body": v.string(), "author": v.string()})
def send_one(ctx: Any, args: dict[str, Any]) -> str:
    CALLS.append("send_one")
    return str(ctx.db.insert("messages", {"body": args["body"], "author": args["author"]}))


@query(args={})
def latest(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    return ctx.db.query("messages").order("desc").take(50)  # type: ignore[no-any-return]


@mutation
def clear(ctx: Any, args: dict[str, Any]) -> int:
    """Bare form: no validation of args."""
    CALLS.append(f"clear {sorted(args)}")
    docs = ctx.db.query("messages").collect()
    for doc in docs:
        ctx.db.delete(doc["_id"])
    return len(docs)


def _count(ctx: Any, args: dict[str, Any]) -> int:
    return len(ctx.db.query("messages").collect())


count = query(args={}, handler=_count)

legacy = query({"args": {"n": v.number()}, "handler": lambda ctx, args: args["n"] * 2})


@query(args={"n": v.int64()}, returns=v.string())
def wrong_return(ctx: Any, args: dict[str, Any]) -> Any:
    return args["n"]


@mutation(args={"code": v.string()})
def refuse(ctx: Any, args: dict[str, Any]) -> None:
    raise ConvexError({"code": args["code"], "retry": False})


@query(args={"name": v.string()})
async def greet(ctx: Any, args: dict[str, Any]) -> str:
    return f"hello {args['name']}"
