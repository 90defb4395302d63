"""``app``: a deployment of tests/apps/data on a fresh database, with ``ctx`` at hand.

``app.mutation(lambda ctx: ctx.db.insert("notes", {...}))`` runs the body inside a real
mutation (its own transaction, validation of what it returns); ``app.query`` and
``app.action`` likewise. ``app.ref(body)`` names a registered body for ``ctx.run_*``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from convexhttp import Deployment, http_router
from tests.apps.data import inline

_keys = itertools.count()


class App:
    def __init__(self, deployment: Deployment, module: str = "inline") -> None:
        self.deployment = deployment
        self.module = module  # the module of the package holding read / write / act

    def ref(self, body: Callable[[Any], Any]) -> dict[str, str]:
        """The args that make an inline function run ``body``."""
        key = f"body{next(_keys)}"
        inline.BODIES[key] = body
        return {"body": key}

    def query(self, body: Callable[[Any], Any]) -> Any:
        return self.deployment.run_query(f"{self.module}:read", self.ref(body))

    def mutation(self, body: Callable[[Any], Any]) -> Any:
        return self.deployment.run_mutation(f"{self.module}:write", self.ref(body))

    def action(self, body: Callable[[Any], Any]) -> Any:
        return self.deployment.run_action(f"{self.module}:act", self.ref(body))

    def all(self, table: str) -> list[dict[str, Any]]:
        return self.query(lambda ctx: ctx.db.query(table).collect())  # type: ignore[no-any-return]


def open_app(database: Path) -> App:
    return App(Deployment(http_router(), functions="tests.apps.data", database=database))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = open_app(tmp_path / "data.sqlite3")
    yield opened
    opened.deployment.close()
    inline.BODIES.clear()
