"""``convexhttp.testing``: an app and a fresh database in-process, no server."""

from __future__ import annotations

import pytest

from convexhttp import ArgumentValidationError, api, internal
from convexhttp.testing import TestClient, fixture
from examples.quickstart.http import http as quickstart

client = fixture(quickstart)


def test_fetch_goes_through_the_real_dispatch_and_functions_see_the_data(
    client: TestClient,
) -> None:
    r = client.fetch("/postMessage", method="POST", json={"author": "ada", "body": "hi"})
    assert (r.status, r.text()) == (200, "")
    listed = client.fetch("/messages").json()
    assert [(m["author"], m["body"]) for m in listed] == [("ada", "Sent via HTTP action: hi")]
    assert client.query(api.messages.list)[0]["_id"] == listed[0]["_id"]
    assert client.fetch("/nope").status == 404
    assert client.fetch("/nope").text() == "No HttpAction routed for /nope"
    assert client.fetch("/postMessage").headers.get("allow") == "POST, OPTIONS"
    r = client.fetch("/messages", params={"author": "ada"})
    assert len(r.json()) == 1


def test_functions_internal_ones_included_run_with_validation(client: TestClient) -> None:
    client.mutation(internal.messages.send_one, {"author": "bob", "body": "x"})
    assert [m["author"] for m in client.query("messages:by_author", {"author": "bob"})] == ["bob"]
    with pytest.raises(ArgumentValidationError, match=r"Path: \.author"):
        client.mutation(internal.messages.send_one, {"author": 3, "body": "x"})


def test_run_gives_a_mutation_ctx_for_setup_and_inspection(client: TestClient) -> None:
    doc_id = client.run(lambda ctx: ctx.db.insert("messages", {"author": "cy", "body": "seed"}))
    assert client.run(lambda ctx: ctx.db.get(doc_id))["body"] == "seed"
    assert client.query(api.messages.by_author, {"author": "cy"})[0]["_id"] == doc_id


def test_each_client_has_its_own_database() -> None:
    with TestClient(quickstart) as one, TestClient(quickstart) as two:
        one.mutation(internal.messages.send_one, {"author": "a", "body": "b"})
        assert len(one.query(api.messages.list)) == 1
        assert two.query(api.messages.list) == []


def _jobs() -> TestClient:
    return TestClient(functions="tests.apps.jobs")


def test_scheduled_functions_wait_until_the_test_runs_them() -> None:
    with _jobs() as jobs:
        ids = jobs.mutation(
            api.jobs.schedule, {"tag": "t", "count": 2, "delay_ms": 60_000.0, "kind": "mutation"}
        )
        assert len(jobs.pending_scheduled_functions()) == 2
        assert jobs.query(api.jobs.runs, {"tag": "t"}) == []
        assert jobs.finish_scheduled_functions(advance_time=False) == 0  # not due yet
        assert jobs.finish_scheduled_functions() == 2  # the clock jumps ahead
        assert sorted(r["n"] for r in jobs.query(api.jobs.runs, {"tag": "t"})) == [0, 1]
        states = [jobs.query(api.jobs.job, {"id": i})["state"]["kind"] for i in ids]
        assert states == ["success", "success"]


def test_finishing_runs_what_scheduled_functions_schedule_and_actions_too() -> None:
    with _jobs() as jobs:
        jobs.run(
            lambda ctx: ctx.scheduler.run_after(0, internal.jobs.chain, {"tag": "c", "depth": 3})
        )
        jobs.mutation(
            api.jobs.schedule,
            {"tag": "a", "count": 1, "delay_ms": 0.0, "kind": "action", "seconds": 0.0},
        )
        jobs.finish_scheduled_functions()
        assert sorted(r["n"] for r in jobs.query(api.jobs.runs, {"tag": "c"})) == [0, 1, 2, 3]
        assert len(jobs.query(api.jobs.runs, {"tag": "a:finished"})) == 1
        assert jobs.pending_scheduled_functions() == []


def test_with_identity_reaches_functions_and_http_actions() -> None:
    with _jobs() as jobs:
        assert jobs.query(api.jobs.whoami) is None
        ada = jobs.with_identity({"subject": "user|ada", "issuer": "https://issuer.test"})
        assert ada.query(api.jobs.whoami) == "user|ada"
        assert jobs.query(api.jobs.whoami) is None  # the original client has none
        assert ada.fetch("/whoami").text() == "user|ada"
        assert jobs.fetch("/whoami").text() == "nobody"
