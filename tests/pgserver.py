"""A throwaway PostgreSQL server for the tests and benchmarks: initdb and pg_ctl into a
temporary directory, on a free loopback port, as the ``postgres`` user when we are
root (initdb refuses root), stopped and removed by ``stop()``.

The binaries come from Debian's packages (``/usr/lib/postgresql/<version>/bin``,
installed by ``make test`` where they are missing), else from ``$PATH``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from tests.support import free_port

__all__ = ["PostgresServer", "find_bindir"]

USER = "postgres"


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are (the newest Debian version first), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _ensure_user() -> None:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", USER], check=True
        )


class PostgresServer:
    """One server; ``create_database()`` hands out fresh, empty databases on it."""

    def __init__(self, *, durable: bool = False, max_connections: int = 300) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(
                "PostgreSQL's server binaries are missing: `make test` installs Debian's "
                "postgresql package (apt-get install postgresql)"
            )
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root:
            _ensure_user()
        self.dir = Path(tempfile.mkdtemp(prefix="convexhttp-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"
        if self.as_root:
            user = pwd.getpwnam(USER)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.dir}'",
            "max_connections": str(max_connections),
            "shared_buffers": "'128MB'",
        }
        if not durable:  # tests: nothing outlives the run, so skip the disk flushes
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.base_url = f"postgresql://{USER}@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str) -> None:
        argv: Sequence[str] = [str(self.bindir / tool), *args]
        if self.as_root:
            argv = ["runuser", "-u", USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=self.dir)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed:\n{result.stdout}{result.stderr}{log}")

    def url(self, database: str = "postgres") -> str:
        return f"{self.base_url}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY file_copy')
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(RuntimeError):  # already down: nothing left to stop
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
