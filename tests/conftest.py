"""Shared fixtures: databases of both backends, and real servers, one per host and
backend, started once per test session (per xdist worker).

Every test of data runs on both backends, through one of these fixtures:

- ``database_url``: a fresh, empty database for one test, as a ``database=`` value
  (``sqlite:////tmp/.../test.sqlite3`` or ``postgresql://postgres@127.0.0.1:PORT/t_...``);
  the test runs twice, ``[sqlite]`` and ``[postgres]``. A test that built
  ``Deployment(http, database=tmp_path / "x.sqlite3")`` takes ``database_url`` and
  passes ``database=database_url`` instead; that is the whole change.
- ``module_database_url``: the same, one per module and backend, for module-scoped
  servers.
- ``databases``: the session's factory, ``databases.new("sqlite" | "postgres")``, for a
  test that needs several databases or one backend only.
- ``data_host``: the behaviour suite's hosts (wsgi, flask, django) on either backend.

PostgreSQL is a real server this session starts (``tests/pgserver.py``: initdb and
pg_ctl into a temporary directory, on a free loopback port, as the ``postgres`` user)
when a test first needs it, and stops at the end of the session. Without PostgreSQL's
binaries the ``[postgres]`` tests are skipped, except under CI (CI=true), where that
fails: ``make test`` installs them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import support
from tests.databases import BACKENDS, Databases, postgres_available


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


Starter = Callable[[Path, dict[str, str] | None], tuple[support.Server, str]]


def _start_wsgi(log: Path, env: dict[str, str] | None) -> tuple[support.Server, str]:
    return support.convexhttp_serve("tests.apps.behaviour.http:http", log, env=env), ""


def _start_flask(log: Path, env: dict[str, str] | None) -> tuple[support.Server, str]:
    return support.gunicorn("tests.apps.flask_host:app", log, env=env), "/hooks"


def _start_django(log: Path, env: dict[str, str] | None) -> tuple[support.Server, str]:
    env = {**(env or {}), "DJANGO_SETTINGS_MODULE": "tests.apps.django_host.settings"}
    return support.gunicorn("tests.apps.django_host.wsgi:application", log, env=env), "/hooks"


HOST_STARTERS: dict[str, Starter] = {
    "wsgi": _start_wsgi,
    "flask": _start_flask,
    "django": _start_django,
}


# --- databases ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("databases"))
    try:
        yield found
    finally:
        found.stop()


def _new_database(databases: Databases, backend: str) -> str:
    if backend == "postgres" and not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are missing (make test installs them)")
        pytest.skip("PostgreSQL's server binaries are missing (make test installs them)")
    return databases.new(backend)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, databases: Databases) -> str:
    """A fresh, empty database of each backend in turn."""
    return _new_database(databases, request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest, databases: Databases) -> str:
    """A fresh database of each backend in turn, shared by one module's tests."""
    return _new_database(databases, request.param)


# --- servers -----------------------------------------------------------------------------


class Hosts:
    """Servers of the behaviour app, started on first use, one per (host, backend)."""

    def __init__(self, directory: Path, databases: Databases) -> None:
        self.directory = directory
        self.databases = databases
        self.started: dict[tuple[str, str], Host] = {}

    def get(self, name: str, backend: str) -> Host:
        found = self.started.get((name, backend))
        if found is None:
            log = self.directory / f"{name}-{backend}.log"
            env = None
            if backend != "sqlite":  # SQLite: a file next to the log
                env = {"CONVEXHTTP_DATABASE": _new_database(self.databases, backend)}
            server, mount = HOST_STARTERS[name](log, env)
            found = self.started[(name, backend)] = Host(name, server, mount)
        return found

    def stop(self) -> None:
        for host in self.started.values():
            host.server.stop()


@pytest.fixture(scope="session")
def hosts(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Hosts]:
    started = Hosts(tmp_path_factory.mktemp("hosts"), databases)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session", params=sorted(HOST_STARTERS))
def host(request: pytest.FixtureRequest, hosts: Hosts) -> Host:
    """Each host (on SQLite): for behaviour that does not touch the database."""
    return hosts.get(request.param, "sqlite")


@pytest.fixture(
    scope="session",
    params=[(name, backend) for backend in BACKENDS for name in sorted(HOST_STARTERS)],
    ids=lambda param: "-".join(param),
)
def data_host(request: pytest.FixtureRequest, hosts: Hosts) -> Host:
    """Each host on each backend: for the behaviour of functions and their data."""
    name, backend = request.param
    return hosts.get(name, backend)
