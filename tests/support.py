"""Start real servers (gunicorn processes) on free loopback ports for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process listening on 127.0.0.1:<port>; its output is kept in a log file."""

    def __init__(
        self, argv: Sequence[str], port: int, log: Path, env: dict[str, str] | None = None
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        full_env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            # each server its own database next to its log, unless the test names one
            "CONVEXHTTP_DATABASE": str(log.with_suffix(".sqlite3")),
            **(env or {}),
        }
        self.proc = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not listen within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def convexhttp_serve(
    spec: str,
    log: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> Server:
    """``convexhttp serve spec`` on a free port, as a user runs it (``prefix``: a command
    that runs it, such as ``unshare``)."""
    port = free_port()
    argv = [
        *prefix,
        str(BIN / "convexhttp"),
        "serve",
        spec,
        "--bind",
        f"127.0.0.1:{port}",
        *extra,
    ]
    return Server(argv, port, log, env)


def gunicorn(target: str, log: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    """Plain ``gunicorn module:app`` on a free port (for Flask and Django hosts)."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", *extra, target]
    return Server(argv, port, log, env)
