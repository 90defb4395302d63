"""The ``ctx`` an HTTP action receives (SPEC 5).

This slice carries the request id only; queries, mutations, actions, auth,
storage and the scheduler arrive with the functions/backends work (see
docs/DECISIONS.md). Calling them now raises a clear NotImplementedError
instead of pretending to work.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["ActionCtx"]


def _not_yet(what: str) -> NoReturn:
    raise NotImplementedError(
        f"ctx.{what} is not available yet: convexhttp's functions and storage backends "
        "are not implemented in this release"
    )


class ActionCtx:
    """What a handler gets as its first argument."""

    __slots__ = ("request_id",)

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id

    def run_query(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        _not_yet("run_query")

    def run_mutation(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        _not_yet("run_mutation")

    def run_action(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        _not_yet("run_action")

    runQuery = run_query
    runMutation = run_mutation
    runAction = run_action

    def __repr__(self) -> str:
        return f"ActionCtx(request_id={self.request_id!r})"
