"""The scheduler with real processes: ``convexhttp serve`` with 2 workers, SIGKILL, restarts.

Each worker process runs a job runner; the tests prove every job runs as often
as SPEC 5.6 says (mutations exactly once, actions at most once), however many
processes compete for it and whatever dies in between.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import support
from tests.test_data_processes import sigkill

APP = "tests.apps.jobs.http:http"


def serve(tmp_path: Path, database: str, name: str) -> support.Server:
    return support.convexhttp_serve(
        APP, tmp_path / f"{name}.log", "--workers", "2", "--database", database
    )


def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """``check()``'s first truthy answer (the scheduler runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str
) -> Iterator[support.Server]:
    tmp = tmp_path_factory.mktemp("jobs")
    server = serve(tmp, module_database_url, "jobs")
    try:
        yield server
    finally:
        server.stop()


def schedule(server: support.Server, tag: str, count: int, **more: Any) -> list[str]:
    body = {"tag": tag, "count": count, "delay_ms": 0.0, "kind": "mutation", **more}
    r = requests.post(f"{server.url}/schedule", json=body)
    assert r.status_code == 200, r.text
    ids: list[str] = r.json()
    return ids


def runs(server: support.Server, tag: str) -> list[dict[str, int]]:
    answer: list[dict[str, int]] = requests.get(f"{server.url}/runs/{tag}").json()
    return answer


def job(server: support.Server, job_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = requests.get(f"{server.url}/job/{job_id}").json()
    return answer


def test_jobs_scheduled_n_times_run_exactly_n_times_across_workers(
    server: support.Server,
) -> None:
    tag = uuid.uuid4().hex
    ids = []
    for _ in range(10):  # 10 requests x 20 jobs, all due together: both runners race for them
        ids += schedule(server, tag, 20, delay_ms=700.0)
    eventually(lambda: len(runs(server, tag)) >= 200)
    time.sleep(0.5)  # a job run twice would show up by now
    done = runs(server, tag)
    # Both workers' runners saw every job come due (SQLite lets one write at a time, so
    # one of them may end up running them all): still, each ran exactly once.
    assert sorted(r["n"] for r in done) == sorted(list(range(20)) * 10)
    states = {job(server, i)["state"]["kind"] for i in ids[:5] + ids[-5:]}
    assert states == {"success"}


def test_the_job_document_has_convexs_fields(server: support.Server) -> None:
    tag = uuid.uuid4().hex
    [job_id] = schedule(server, tag, 1)
    doc = eventually(lambda: (d := job(server, job_id))["state"]["kind"] == "success" and d)
    assert doc["name"] == "jobs:record"
    assert doc["args"] == [{"tag": tag, "n": 0}]
    assert doc["completedTime"] >= doc["scheduledTime"] >= doc["_creationTime"] - 1
    assert not [k for k in doc if k.startswith("_") and k not in ("_id", "_creationTime")]


def test_a_rolled_back_mutation_schedules_nothing(server: support.Server) -> None:
    tag = uuid.uuid4().hex
    r = requests.post(f"{server.url}/schedule-then-fail", json={"tag": tag})
    assert r.status_code == 409
    control = uuid.uuid4().hex
    schedule(server, control, 1)  # scheduled after: once it ran, the other would have too
    eventually(lambda: runs(server, control))
    time.sleep(0.2)
    assert runs(server, tag) == []


def test_an_action_schedules_independently_of_itself(server: support.Server) -> None:
    tag = uuid.uuid4().hex
    job_id = requests.post(f"{server.url}/schedule-from-action", json={"tag": tag}).json()
    assert eventually(lambda: runs(server, tag)) == [{"n": 7, "pid": runs(server, tag)[0]["pid"]}]
    assert job(server, job_id)["state"]["kind"] == "success"


def test_cancel_before_the_due_time_means_it_never_runs(server: support.Server) -> None:
    tag = uuid.uuid4().hex
    [job_id] = schedule(server, tag, 1, delay_ms=1000.0)
    assert requests.post(f"{server.url}/cancel/{job_id}").status_code == 204
    doc = job(server, job_id)
    assert doc["state"] == {"kind": "canceled"}
    assert "completedTime" in doc
    time.sleep(1.5)
    assert runs(server, tag) == []
    assert job(server, job_id)["state"] == {"kind": "canceled"}


def test_a_failing_job_is_marked_failed_with_its_error_and_writes_nothing(
    server: support.Server,
) -> None:
    tag = uuid.uuid4().hex
    [job_id] = schedule(server, tag, 1, kind="failing")
    doc = eventually(lambda: (d := job(server, job_id))["state"]["kind"] == "failed" and d)
    assert "this job fails on purpose" in doc["state"]["error"]
    assert runs(server, tag) == []  # its insert was rolled back with it


def test_a_cron_ticks_once_per_interval_however_many_workers(server: support.Server) -> None:
    first = eventually(lambda: requests.get(f"{server.url}/ticks").json())
    assert first, "the interval cron never ran"
    time.sleep(3.2)
    ticks = sorted(requests.get(f"{server.url}/ticks").json())
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # Two runners racing for one tick would leave two records a few ms apart.
    assert gaps and min(gaps) > 500, gaps
    assert len(ticks) <= (ticks[-1] - ticks[0]) / 1000 + 2


def test_a_job_due_while_everything_was_killed_runs_once_after_restart(
    tmp_path: Path, database_url: str
) -> None:
    database = database_url
    first = serve(tmp_path, database, "first")
    tag = uuid.uuid4().hex
    try:
        schedule(first, tag, 3, delay_ms=1500.0)
    finally:
        sigkill(first)
    time.sleep(2.0)  # due while nothing runs
    second = serve(tmp_path, database, "second")
    try:
        eventually(lambda: len(runs(second, tag)) >= 3)
        time.sleep(0.5)
        assert sorted(r["n"] for r in runs(second, tag)) == [0, 1, 2]
    finally:
        second.stop()


def test_an_action_whose_process_died_is_marked_failed_never_rerun(
    tmp_path: Path, database_url: str
) -> None:
    database = database_url
    first = serve(tmp_path, database, "first")
    tag = uuid.uuid4().hex
    try:
        [job_id] = schedule(first, tag, 1, kind="action", seconds=30.0)
        eventually(lambda: f"slow_action {tag} started" in first.output())
        assert job(first, job_id)["state"] == {"kind": "inProgress"}
    finally:
        sigkill(first)
    second = serve(tmp_path, database, "second")
    try:
        doc = eventually(lambda: (d := job(second, job_id))["state"]["kind"] == "failed" and d)
        assert "died" in doc["state"]["error"]
        time.sleep(0.5)
        assert runs(second, f"{tag}:started") and runs(second, f"{tag}:finished") == []
        assert len(runs(second, f"{tag}:started")) == 1  # at most once: not started again
    finally:
        second.stop()
