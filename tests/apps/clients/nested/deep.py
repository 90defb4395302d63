"""A function below a nested module path: ``nested/deep:ping``, /api/run/nested/deep/ping."""

from __future__ import annotations

from typing import Any

from convexhttp import QueryCtx, query


@query
def ping(ctx: QueryCtx, args: dict[str, Any]) -> str:
    return "pong"
