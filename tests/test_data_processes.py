"""Data guarantees proven with real processes: gunicorn workers racing, SIGKILL, restarts.

Every server here is ``convexhttp serve`` with 2 worker processes on one database,
as ``make run`` serves the quickstart; every test runs on both backends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests import support

APP = "tests.apps.behaviour.http:http"


def serve(tmp_path: Path, database: str, name: str, *extra: str) -> support.Server:
    return support.convexhttp_serve(
        APP, tmp_path / f"{name}.log", "--workers", "2", "--database", database, *extra
    )


def sigkill(server: support.Server) -> None:
    """Kill the master and every worker at once: no shutdown code runs."""
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    server.stop()


def both_up(server: support.Server, timeout: float = 30.0) -> None:
    """Wait until both workers have answered a request (booted, connected)."""
    name, pids = uuid.uuid4().hex, set()
    deadline = time.monotonic() + timeout
    while len(pids) < 2:
        assert time.monotonic() < deadline, server.output()
        pids.add(requests.post(f"{server.url}/data/counter/{name}").json()["pid"])


@pytest.mark.parametrize("threads_per_worker", ["1", "4"])
def test_increments_racing_across_two_workers_end_exact(
    tmp_path: Path, database_url: str, threads_per_worker: str
) -> None:
    server = serve(tmp_path, database_url, "race", "--threads", threads_per_worker)
    name = uuid.uuid4().hex
    threads, each = 8, 25
    try:

        def bump(_: int) -> tuple[int, int]:
            # A new connection each time, so the kernel spreads them over both workers.
            body = requests.post(f"{server.url}/data/counter/{name}").json()
            return int(body["n"]), int(body["pid"])

        with ThreadPoolExecutor(threads) as pool:
            answers = list(pool.map(bump, range(threads * each)))
        assert requests.get(f"{server.url}/data/counter/{name}").json() == threads * each
        # Serializable: no two increments saw the same value, none was lost.
        assert sorted(n for n, _ in answers) == list(range(1, threads * each + 1))
        if threads_per_worker == "1":  # sync workers: one request each at a time
            assert len({pid for _, pid in answers}) == 2  # both worker processes wrote
    finally:
        server.stop()


def test_processes_racing_outside_any_server_end_exact(database_url: str) -> None:
    """Separate Python processes running the mutation directly on one database."""
    database = database_url
    script = textwrap.dedent(
        f"""
        import sys
        from convexhttp import Deployment, api
        from tests.apps.behaviour.http import http
        deployment = Deployment(http, database={database!r})
        for _ in range(int(sys.argv[1])):
            deployment.run_mutation(api.counter.increment, {{"name": "shared"}})
        """
    )
    env = {**os.environ, "PYTHONPATH": str(support.ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, "40"], env=env, cwd=support.ROOT)
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "from convexhttp import Deployment, api\n"
            "from tests.apps.behaviour.http import http\n"
            f"print(Deployment(http, database={database!r})"
            ".run_query(api.counter.get, {'name': 'shared'}))",
        ],
        env=env,
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip() == "160"


def test_acknowledged_mutations_survive_sigkill_and_restart(
    tmp_path: Path, database_url: str
) -> None:
    database = database_url
    server = serve(tmp_path, database, "before")
    name = uuid.uuid4().hex
    try:
        for expected in range(1, 21):
            assert requests.post(f"{server.url}/data/counter/{name}").json()["n"] == expected
        requests.post(f"{server.url}/data/messages", json={"author": name, "body": "last"})
    finally:
        sigkill(server)  # right after the last commit was acknowledged

    server = serve(tmp_path, database, "after")
    try:
        assert requests.get(f"{server.url}/data/counter/{name}").json() == 20
        stored = requests.get(f"{server.url}/data/messages", params={"author": name}).json()
        assert [m["body"] for m in stored] == ["last"]
        assert requests.post(f"{server.url}/data/counter/{name}").json()["n"] == 21
    finally:
        server.stop()


def test_a_mutation_killed_midway_leaves_nothing_and_no_lock(
    tmp_path: Path, database_url: str
) -> None:
    database = database_url
    server = serve(tmp_path, database, "before")
    batch = uuid.uuid4().hex
    try:
        both_up(server)  # the reader below must find the other worker ready

        def run_slow_batch() -> None:
            with contextlib.suppress(requests.ConnectionError):  # we kill the server under it
                requests.post(
                    f"{server.url}/data/batch",
                    json={"batch": batch, "count": 200, "pause": 0.01},
                    timeout=30,
                )

        slow = threading.Thread(target=run_slow_batch, daemon=True)
        slow.start()
        deadline = time.monotonic() + 10
        while f"slow_batch {batch} started" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.01)
        time.sleep(0.5)  # dozens of inserts written inside the open transaction
        # Readers in the other worker see none of them: no partial mutation is visible.
        assert requests.get(f"{server.url}/data/batch/{batch}").json() == 0
    finally:
        sigkill(server)

    server = serve(tmp_path, database, "after")
    try:
        assert requests.get(f"{server.url}/data/batch/{batch}").json() == 0
        # The killed writer's lock is gone: writes go through at once.
        name = uuid.uuid4().hex
        assert requests.post(f"{server.url}/data/counter/{name}", timeout=5).json()["n"] == 1
    finally:
        server.stop()


def test_data_survives_a_graceful_restart(tmp_path: Path, database_url: str) -> None:
    database = database_url
    author = uuid.uuid4().hex
    server = serve(tmp_path, database, "first")
    try:
        for body in ("a", "b", "c"):
            requests.post(f"{server.url}/data/messages", json={"author": author, "body": body})
    finally:
        server.stop()
    server = serve(tmp_path, database, "second")
    try:
        stored = requests.get(f"{server.url}/data/messages", params={"author": author}).json()
        assert [m["body"] for m in stored] == ["a", "b", "c"]
    finally:
        server.stop()
