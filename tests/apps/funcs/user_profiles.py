"""A module whose Convex name would be camelCase (``userProfiles``)."""

from __future__ import annotations

from typing import Any

from convexhttp import query


@query(args={})
def get_http_status(ctx: Any, args: dict[str, Any]) -> str:
    return "ok"
