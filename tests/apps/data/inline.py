"""Functions that run a body a test registered: ``BODIES[args["body"]](ctx)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convexhttp import action, internal_mutation, mutation, query, v

BODIES: dict[str, Callable[[Any], Any]] = {}
ARGS = {"body": v.string()}


@query(args=ARGS)
def read(ctx: Any, args: dict[str, Any]) -> Any:
    return BODIES[args["body"]](ctx)


@mutation(args=ARGS)
def write(ctx: Any, args: dict[str, Any]) -> Any:
    return BODIES[args["body"]](ctx)


@internal_mutation(args=ARGS)
def write_internal(ctx: Any, args: dict[str, Any]) -> Any:
    return BODIES[args["body"]](ctx)


@action(args=ARGS)
def act(ctx: Any, args: dict[str, Any]) -> Any:
    return BODIES[args["body"]](ctx)


@query(args=ARGS)
async def read_async(ctx: Any, args: dict[str, Any]) -> Any:
    return await BODIES[args["body"]](ctx)


@mutation(args=ARGS)
async def write_async(ctx: Any, args: dict[str, Any]) -> Any:
    return await BODIES[args["body"]](ctx)


@action(args=ARGS)
async def act_async(ctx: Any, args: dict[str, Any]) -> Any:
    return await BODIES[args["body"]](ctx)
