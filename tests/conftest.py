"""Shared fixtures: real servers, one per host, started once per test session (per xdist worker)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import support


@pytest.fixture(scope="session", autouse=True)
def _own_default_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Apps built in this process without database= use a file of this session's, never
    ./convexhttp.sqlite3 in the checkout."""
    before = os.environ.get("CONVEXHTTP_DATABASE")
    os.environ["CONVEXHTTP_DATABASE"] = str(tmp_path_factory.mktemp("db") / "default.sqlite3")
    yield
    if before is None:
        del os.environ["CONVEXHTTP_DATABASE"]
    else:
        os.environ["CONVEXHTTP_DATABASE"] = before


@dataclass
class Host:
    """A running server and where the router is mounted on it."""

    name: str
    server: support.Server
    mount: str  # "" or e.g. "/hooks"

    @property
    def base(self) -> str:
        return self.server.url + self.mount


def _start_wsgi(log: Path) -> tuple[support.Server, str]:
    return support.convexhttp_serve("tests.apps.behaviour.http:http", log), ""


def _start_flask(log: Path) -> tuple[support.Server, str]:
    return support.gunicorn("tests.apps.flask_host:app", log), "/hooks"


def _start_django(log: Path) -> tuple[support.Server, str]:
    env = {"DJANGO_SETTINGS_MODULE": "tests.apps.django_host.settings"}
    return support.gunicorn("tests.apps.django_host.wsgi:application", log, env=env), "/hooks"


HOST_STARTERS = {"wsgi": _start_wsgi, "flask": _start_flask, "django": _start_django}


@pytest.fixture(scope="session", params=sorted(HOST_STARTERS))
def host(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    name = request.param
    log = tmp_path_factory.mktemp(f"host-{name}") / "server.log"
    server, mount = HOST_STARTERS[name](log)
    try:
        yield Host(name, server, mount)
    finally:
        server.stop()
