from __future__ import annotations

from typing import Any

from convexhttp import internal_action, v


@internal_action(args={"event": v.string()})
def handle(ctx: Any, args: dict[str, Any]) -> str:
    return f"handled {args['event']}"
