"""``http_action``: mark a function as an HTTP action handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["http_action"]

F = TypeVar("F", bound=Callable[..., Any])


def http_action(fn: F) -> F:
    """Declare ``fn(ctx, request) -> Response`` (``def`` or ``async def``) an HTTP action.

    Returns ``fn`` itself: routing takes any such callable, and this keeps the
    Convex spelling (``httpAction``) working for ported code.
    """
    if not callable(fn):
        raise TypeError(f"http_action expects a function (ctx, request) -> Response, got {fn!r}")
    return fn
