"""Convex's HTTP API for functions (SPEC 8): ``/api/query``, ``/api/mutation``,
``/api/action``, ``/api/run/<module>/<name>``, for existing Convex clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .router import HttpRouter

if TYPE_CHECKING:
    from .deployment import Deployment

__all__ = ["register"]


def register(system: HttpRouter, deployment: Deployment) -> None:
    """Add the function API's routes to ``system`` (the app's own routes below /api/)."""
