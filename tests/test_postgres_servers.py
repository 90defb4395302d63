"""Two ``convexhttp serve`` processes (2 workers each) on different ports share one
PostgreSQL database, as two machines behind a load balancer would."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests import support
from tests.databases import Databases
from tests.test_data_processes import sigkill
from tests.test_scheduler_processes import eventually, job, runs, schedule

BEHAVIOUR = "tests.apps.behaviour.http:http"
JOBS = "tests.apps.jobs.http:http"
FILES = "tests.apps.files.http:http"


def serve(
    app: str,
    url: str,
    log: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> support.Server:
    return support.convexhttp_serve(
        app, log, "--workers", "2", "--database", url, *extra, env=env, prefix=prefix
    )


@pytest.fixture
def url(databases: Databases) -> str:
    return databases.new("postgres")


@pytest.fixture(scope="module")
def pair(
    request: pytest.FixtureRequest,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[support.Server]]:
    """Two servers of one app on one database (shared by the module's tests of that app)."""
    app, url, tmp = request.param, databases.new("postgres"), tmp_path_factory.mktemp("pair")
    servers: list[support.Server] = []
    try:
        for name in ("a", "b"):
            servers.append(serve(app, url, tmp / f"{name}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()


def worker_pids(server: support.Server) -> set[int]:
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


@pytest.mark.parametrize("pair", [BEHAVIOUR], indirect=True)
def test_increments_sent_to_both_servers_end_exact(pair: list[support.Server]) -> None:
    name = uuid.uuid4().hex
    total = 240

    def bump(i: int) -> int:
        return int(requests.post(f"{pair[i % 2].url}/data/counter/{name}").json()["n"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(bump, range(total)))
    assert sorted(answers) == list(range(1, total + 1))  # none lost, none seen twice
    for server in pair:
        assert requests.get(f"{server.url}/data/counter/{name}").json() == total


@pytest.mark.parametrize("pair", [JOBS], indirect=True)
def test_jobs_scheduled_through_one_run_exactly_once_across_both(
    pair: list[support.Server],
) -> None:
    first, second = pair
    tag = uuid.uuid4().hex
    for _ in range(10):  # 200 jobs, due together: the runners of both servers race
        schedule(first, tag, 20, delay_ms=1000.0)
    eventually(lambda: len(runs(second, tag)) >= 200, 30)
    time.sleep(0.5)  # a job run twice would show up by now
    done = runs(second, tag)
    assert sorted(r["n"] for r in done) == sorted(list(range(20)) * 10)
    # The other server's runners, woken by NOTIFY, took their share.
    ran = {r["pid"] for r in done}
    assert ran & worker_pids(first) and ran & worker_pids(second), ran


@pytest.mark.parametrize("pair", [JOBS], indirect=True)
def test_a_cron_ticks_once_per_interval_across_both(pair: list[support.Server]) -> None:
    first, second = pair
    start = len(requests.get(f"{first.url}/ticks").json())
    time.sleep(4.2)
    ticks = sorted(requests.get(f"{second.url}/ticks").json())[start:]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # Four runners racing for one tick would leave records a few ms apart.
    assert len(ticks) >= 3 and min(gaps) > 500, gaps


def test_a_job_scheduled_through_a_server_without_a_runner_runs_on_the_other(
    url: str, tmp_path: Path
) -> None:
    web = serve(JOBS, url, tmp_path / "web.log", "--no-scheduler")
    worker = serve(JOBS, url, tmp_path / "worker.log")
    try:
        tag = uuid.uuid4().hex
        schedule(web, tag, 5)
        assert eventually(lambda: len(runs(web, tag)) == 5)
        assert {r["pid"] for r in runs(web, tag)} <= worker_pids(worker)
    finally:
        web.stop()
        worker.stop()


@pytest.mark.parametrize("pair", [FILES], indirect=True)
def test_a_file_stored_through_one_is_served_by_the_other(pair: list[support.Server]) -> None:
    first, second = pair
    data = os.urandom(700_000)  # several chunks
    r = requests.post(f"{first.url}/store", data=data, headers={"Content-Type": "image/png"})
    storage_id, url = r.json()["storageId"], r.json()["url"]
    elsewhere = url.replace(first.url, second.url)
    got = requests.get(elsewhere)
    assert (got.status_code, got.content) == (200, data)
    assert got.headers["Content-Type"] == "image/png"
    ranged = requests.get(elsewhere, headers={"Range": "bytes=262000-262999"})
    assert (ranged.status_code, ranged.content) == (206, data[262000:263000])
    assert requests.get(f"{second.url}/download/{storage_id}").content == data
    # An upload URL signed by one server is good on the other (one secret per database).
    upload = requests.post(f"{second.url}/upload-url").text.replace(second.url, first.url)
    r = requests.post(upload, data=b"uploaded", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    uploaded = requests.get(f"{second.url}/describe/{r.json()['storageId']}").json()["url"]
    assert requests.get(uploaded).content == b"uploaded"
    assert requests.delete(f"{second.url}/file/{storage_id}").status_code == 204
    assert requests.get(url).status_code == 404


def _other_machine() -> list[str]:
    """A command prefix that runs a server under another host name (a UTS namespace), so
    the other server cannot see its processes: only the lease can tell it died."""
    prefix = ["unshare", "--uts", "sh", "-c", 'hostname machine-b && exec "$@"', "sh"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a UTS namespace here: {probe.stderr.decode().strip()}")
    return prefix


def test_a_server_killed_mid_action_leaves_the_job_failed_when_its_lease_runs_out(
    url: str, tmp_path: Path
) -> None:
    lease_s = 2.0
    env = {"CONVEXHTTP_LEASE_MS": str(lease_s * 1000)}
    doomed = serve(JOBS, url, tmp_path / "doomed.log", env=env, prefix=_other_machine())
    survivor = None
    try:
        tag = uuid.uuid4().hex
        [job_id] = schedule(doomed, tag, 1, kind="action", seconds=60.0)
        assert eventually(lambda: f"slow_action {tag} started" in doomed.output())
        survivor = serve(JOBS, url, tmp_path / "survivor.log", env=env)
        # Renewed while its server lives, though the survivor cannot see that process.
        time.sleep(1.5 * lease_s)
        assert job(survivor, job_id)["state"] == {"kind": "inProgress"}
        sigkill(doomed)
        killed = time.monotonic()
        doc = eventually(lambda: (d := job(survivor, job_id))["state"]["kind"] == "failed" and d)
        waited = time.monotonic() - killed
        assert "died" in doc["state"]["error"]
        # Not at once (no pid to look at), but once the last renewal's lease ran out.
        assert lease_s / 4 < waited < lease_s + 5, waited
        time.sleep(0.5)
        assert len(runs(survivor, f"{tag}:started")) == 1  # at most once: not started again
        assert runs(survivor, f"{tag}:finished") == []
    finally:
        doomed.stop()
        if survivor is not None:
            survivor.stop()
