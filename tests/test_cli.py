"""`convexhttp serve | routes` as a user runs them, with the quickstart example over real HTTP."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import support


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[support.Server]:
    log = tmp_path_factory.mktemp("quickstart") / "server.log"
    server = support.convexhttp_serve("examples.quickstart.http:http", log, "--workers", "2")
    try:
        yield server
    finally:
        server.stop()


def test_serve_prints_url_route_table_and_functions(quickstart: support.Server) -> None:
    out = quickstart.output()
    assert f"serving examples.quickstart.http:http on {quickstart.url}/" in out
    assert "GET     /product/:productId" in out
    assert re.search(r"messages:send_one +mutation +internal", out)
    assert re.search(r"messages:list +query +public", out)
    assert "convexhttp: database sqlite " in out


@pytest.mark.parametrize(
    ("path", "route", "params"),
    [
        ("/product/1", "/product/:productId", {"productId": "1"}),
        ("/file/folder/sub", "/file/:path+", {"path": ["folder", "sub"]}),
        ("/assets/folder/sub", "/assets/{:path}*", {"path": ["folder", "sub"]}),
        ("/assets/", "/assets/{:path}*", {}),
        ("/user/1", "/users?/:id", {"id": "1"}),
        ("/users/2", "/users?/:id", {"id": "2"}),
        ("/item/12", r"/item/:id(\d+)", {"id": "12"}),
        ("/static:thing", r"/static\:thing", {}),
    ],
)
def test_spec_examples_over_http(
    quickstart: support.Server, path: str, route: str, params: dict[str, Any]
) -> None:
    r = requests.get(quickstart.url + path)
    assert r.status_code == 200, r.text
    assert r.json() == {"route": route, "params": params}


@pytest.mark.parametrize("path", ["/item/abc", "/product/", "/products/1", "/file/"])
def test_spec_non_matches_are_404(quickstart: support.Server, path: str) -> None:
    r = requests.get(quickstart.url + path)
    assert r.status_code == 404
    assert r.text == f"No HttpAction routed for {path}"


def test_post_message_stores_and_a_query_lists_across_two_workers(
    quickstart: support.Server,
) -> None:
    for i in range(6):  # two sync workers: the posts and reads land on both
        r = requests.post(quickstart.url + "/postMessage", json={"author": "ada", "body": f"m{i}"})
        assert (r.status_code, r.content) == (200, b"")
    r = requests.post(quickstart.url + "/send-message", json={"author": "bob", "body": "hi"})
    assert r.status_code == 200
    for _ in range(4):
        latest = requests.get(quickstart.url + "/messages").json()
        assert [m["body"] for m in latest][:2] == [
            "Sent via HTTP action: hi",
            "Sent via HTTP action: m5",
        ]
    ada = requests.get(quickstart.url + "/messages", params={"author": "ada"}).json()
    assert [m["body"] for m in ada] == [f"Sent via HTTP action: m{i}" for i in range(6)]


def test_convex_examples_over_http(quickstart: support.Server) -> None:
    assert requests.get(quickstart.url + "/send-message").status_code == 405
    assert requests.get(quickstart.url + "/getOrPostMessage").text.endswith("(GET)")
    assert requests.post(quickstart.url + "/getOrPostMessage").text.endswith("(POST)")
    r = requests.get(quickstart.url + "/dynamicPathSegment/someFile?x=1")
    assert r.text == f"you asked for {quickstart.url}/dynamicPathSegment/someFile?x=1"
    assert requests.get(quickstart.url + "/dynamicPathSegment").status_code == 404
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH"]:
        assert (
            requests.request(method, quickstart.url + "/webhook").text == f"webhook got a {method}"
        )


def test_routes_command_prints_the_table_in_lookup_order() -> None:
    out = subprocess.run(
        [str(support.BIN / "convexhttp"), "routes", "examples.quickstart.http:http"],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["Method", "Path", "Handler"]
    rows = [line.split()[:2] for line in lines[2:]]
    # static paths (even those registered later) before patterns
    assert rows.index(["POST", "/send-message"]) < rows.index(["GET", "/product/:productId"])
    functions = lines.index("") + 1
    assert rows[: functions - 3][-1] == ["GET", "/dynamicPathSegment/*"]  # prefixes last
    assert lines[functions].split() == ["Function", "Kind", "Visibility"]
    assert [line.split() for line in lines[functions + 2 :]] == [
        ["messages:by_author", "query", "public"],
        ["messages:list", "query", "public"],
        ["messages:send_one", "mutation", "internal"],
    ]


def test_routes_command_explains_a_bad_target(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(support.BIN / "convexhttp"), "routes", "examples.quickstart.http:nope"],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "has no attribute 'nope'" in proc.stderr


def test_serve_takes_body_limits(tmp_path: Path) -> None:
    server = support.convexhttp_serve(
        "tests.apps.behaviour.http:http", tmp_path / "log", "--max-request-body", "10"
    )
    try:
        assert requests.post(server.url + "/size", data=b"x" * 10).json()["size"] == 10
        assert requests.post(server.url + "/size", data=b"x" * 11).status_code == 413
    finally:
        server.stop()


def test_serve_debug_sends_the_error_to_the_client(tmp_path: Path) -> None:
    server = support.convexhttp_serve("tests.apps.behaviour.http:http", tmp_path / "log", "--debug")
    try:
        body = requests.get(server.url + "/boom").json()
        assert "RuntimeError: secret detail" in body["message"]
        assert "Traceback" in body["trace"]
    finally:
        server.stop()


def test_a_request_past_the_timeout_gets_the_convex_500_and_a_fresh_worker(
    tmp_path: Path,
) -> None:
    server = support.convexhttp_serve(
        "tests.apps.behaviour.http:http", tmp_path / "log", "--timeout", "1"
    )
    try:
        r = requests.get(f"{server.url}/sleep/8000", timeout=30)
        assert r.status_code == 500
        code = r.json()["code"]  # Convex's body, not gunicorn's HTML page
        assert code.startswith("[Request ID: ") and code.endswith("] Server Error")
        rid = code[13:29]
        deadline = time.monotonic() + 10
        while f"[{rid}] SystemExit in handler for /sleep/:ms" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        assert requests.get(f"{server.url}/echo/after", timeout=10).status_code == 200
    finally:
        server.stop()
