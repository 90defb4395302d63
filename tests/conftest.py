"""Shared fixtures: real servers, one per host, started once per test session (per xdist worker)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import support


def pytest_configure(config: pytest.Config) -> None:
    """Apps built in this process without database= (test modules build some at import)
    use a file of this run's, never ./convexhttp.sqlite3 in the checkout."""
    directory = tempfile.mkdtemp(prefix="convexhttp-tests-")
    config.stash[_DEFAULT_DB_DIR] = directory
    os.environ["CONVEXHTTP_DATABASE"] = os.path.join(directory, "default.sqlite3")


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_DEFAULT_DB_DIR, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


_DEFAULT_DB_DIR = pytest.StashKey[str]()


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
