"""CORS in a real browser: headless Chromium on a page of one loopback origin
``fetch()``es a JSON POST with a custom header from the app on another port,
served by ``convexhttp serve`` (tests/apps/cors_browser_app/http.py).

One page origin is allowed, another is not. Each page runs the same fetches and
posts what it saw back to its own server (same-origin, so CORS plays no part in
the report). ``make test`` installs Chromium when missing; without it this test
fails, it never skips.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests import support

PAGE = """<!doctype html>
<title>cors test page</title>
<script>
const APP = "__APP__";
const NEXT = "__NEXT__";
const message = JSON.stringify({author: "ada", body: "hello"});

function jsonPost(extraHeaders) {
  return {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Client": "browser", ...extraHeaders},
    body: message,
  };
}

async function attempt(path, init) {
  try {
    const response = await fetch(APP + path, init);
    return {
      ok: true,
      status: response.status,
      body: await response.text(),
      handledBy: response.headers.get("X-Handled-By"),
      internal: response.headers.get("X-Internal"),
    };
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}

function report(payload) {
  return fetch("/report", {method: "POST", body: JSON.stringify({origin: location.origin, ...payload})});
}

window.addEventListener("error", (event) => report({error: String(event.message)}));

(async () => {
  const results = {
    json: await attempt("/postMessage", jsonPost({})),
    credentials: await attempt("/postMessage", {...jsonPost({}), credentials: "include"}),
    asyncPrefix: await attempt("/async/send", jsonPost({})),
    headerNotAllowed: await attempt("/postMessage", jsonPost({"X-Other": "1"})),
    methodNotRouted: await attempt("/postMessage", {...jsonPost({}), method: "PUT"}),
    routeWithoutCors: await attempt("/noCors", jsonPost({})),
    // A "simple" request: no preflight, so only enforce keeps it from the handler.
    enforcedSimplePost: await attempt(
      "/charge", {method: "POST", headers: {"Content-Type": "text/plain"}, body: "x"}),
  };
  await report({results});
  if (NEXT) location.href = NEXT;
})();
</script>
"""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--enable-logging=stderr",  # console messages (the browser's CORS errors) to our log
    "--v=0",
]
DEADLINE = 60.0
T = TypeVar("T")


def listen_outside_ephemeral(bind: Callable[[int], T]) -> T:
    """``bind(port)`` on a free port below the kernel's ephemeral range.

    The suite's other servers take ports from ``support.free_port()`` (bind to
    port 0, close, start the server): a port this test bound to 0 in that gap
    would answer their requests. Below the ephemeral range, bind(0) never
    hands ours out.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    ports = range(max(1024, low - 10000), low)
    for _ in range(50):
        try:
            return bind(random.choice(ports) if len(ports) > 1000 else 0)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise RuntimeError(f"no free port in {ports}")


def free_app_port(port: int) -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
        return int(probe.getsockname()[1])


class PageServer:
    """Serves the test page (and a cookie) on a loopback port; collects the page's report."""

    def __init__(self, app: str, reports: queue.Queue[dict[str, Any]]) -> None:
        self.next = ""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/":
                    self.send_error(404)
                    return
                page = PAGE.replace("__APP__", app).replace("__NEXT__", owner.next).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                # Cookies are per host, not per port: a credentialed fetch to the app sends it.
                self.send_header("Set-Cookie", "session=page-cookie; Path=/; SameSite=Lax")
                self.end_headers()
                self.wfile.write(page)

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                reports.put(json.loads(data))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = listen_outside_ephemeral(
            lambda port: ThreadingHTTPServer(("127.0.0.1", port), Handler)
        )
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chromium_binary() -> str:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail(
            "chromium is not installed: `make test` installs it "
            "(apt-get install chromium); this test does not skip"
        )
    return binary


@pytest.fixture
def app_port() -> int:
    return listen_outside_ephemeral(free_app_port)


@pytest.fixture
def pages(app_port: int) -> Iterator[tuple[PageServer, PageServer, queue.Queue[dict[str, Any]]]]:
    reports: queue.Queue[dict[str, Any]] = queue.Queue()
    app = f"http://127.0.0.1:{app_port}"
    allowed, refused = PageServer(app, reports), PageServer(app, reports)
    allowed.next = refused.origin + "/"  # one browser run: the allowed page, then the other
    try:
        yield allowed, refused, reports
    finally:
        allowed.close()
        refused.close()


def run_browser(
    url: str, log: Path, profile: Path, reports: queue.Queue[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Open ``url`` in headless Chromium until both pages have reported."""
    with open(log, "wb") as out:
        browser = subprocess.Popen(
            [chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        got: list[dict[str, Any]] = []
        try:
            deadline = time.monotonic() + DEADLINE
            while len(got) < 2 and time.monotonic() < deadline and browser.poll() is None:
                with contextlib.suppress(queue.Empty):
                    got.append(reports.get(timeout=0.2))
        finally:
            if browser.poll() is None:
                os.killpg(browser.pid, signal.SIGTERM)
            try:
                browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(browser.pid, signal.SIGKILL)
                browser.wait()
    if len(got) < 2:
        tail = log.read_text(errors="replace")[-4000:]
        pytest.fail(
            f"the pages reported {got!r} before Chromium stopped or {DEADLINE}s passed:\n{tail}"
        )
    return got


def test_a_browser_calls_the_app_from_an_allowed_and_a_refused_origin(
    tmp_path: Path,
    app_port: int,
    pages: tuple[PageServer, PageServer, queue.Queue[dict[str, Any]]],
) -> None:
    allowed, refused, reports = pages
    argv = [
        str(support.BIN / "convexhttp"),
        "serve",
        "tests.apps.cors_browser_app.http:http",
        "--bind",
        f"127.0.0.1:{app_port}",
    ]
    app = support.Server(argv, app_port, tmp_path / "app.log", {"CORS_TEST_ORIGIN": allowed.origin})
    try:
        got = run_browser(
            allowed.origin + "/", tmp_path / "chromium.log", tmp_path / "profile", reports
        )
        with urllib.request.urlopen(f"{app.url}/charges", timeout=10) as response:  # no Origin
            charges = json.load(response)
    finally:
        app.stop()
    assert all("results" in r for r in got), got  # else the page hit a script error
    by_origin = {r["origin"]: r for r in got}
    assert set(by_origin) == {allowed.origin, refused.origin}, got
    ok = by_origin[allowed.origin]["results"]
    no = by_origin[refused.origin]["results"]
    browser_log = (tmp_path / "chromium.log").read_text(errors="replace")
    server_log = app.output()

    # The allowed page reads the answer of its preflighted JSON POST...
    assert ok["json"]["ok"] and ok["json"]["status"] == 200, ok["json"]
    assert json.loads(ok["json"]["body"]) == {
        "body": "Sent via HTTP action: hello",
        "author": "ada",
        "client": "browser",
        "cookie": None,  # credentials were not asked for
    }
    assert ok["json"]["handledBy"] == "post_message"  # exposed
    assert ok["json"]["internal"] is None  # not exposed
    # ...with its cookie when it asks for credentials...
    assert ok["credentials"]["ok"], ok["credentials"]
    assert json.loads(ok["credentials"]["body"])["cookie"] == "session=page-cookie"
    # ...from an async handler under a CORS prefix too...
    assert ok["asyncPrefix"]["ok"] and ok["asyncPrefix"]["handledBy"] == "post_message_async"
    # ...and the simple POST to the enforcing route.
    assert ok["enforcedSimplePost"] == {
        "ok": True,
        "status": 200,
        "body": "charged",
        "handledBy": None,
        "internal": None,
    }

    # The browser refuses what the preflight does not allow, even for the allowed page.
    for case in ("headerNotAllowed", "methodNotRouted", "routeWithoutCors"):
        assert not ok[case]["ok"] and "Failed to fetch" in ok[case]["error"], (case, ok[case])
    assert "Request header field x-other is not allowed by Access-Control-Allow-Headers" in (
        browser_log
    )
    assert "Method PUT is not allowed by Access-Control-Allow-Methods" in browser_log

    # The other origin reads nothing at all.
    for case, result in no.items():
        assert not result["ok"] and "Failed to fetch" in result["error"], (case, result)
    blocked = f"from origin '{refused.origin}' has been blocked by CORS policy: "
    assert blocked + "Response to preflight request doesn't pass access control check" in (
        browser_log
    )
    # Enforce kept its simple POST from the handler (without it, the handler would run).
    assert charges == [allowed.origin]

    # The server log says why each preflight was refused.
    assert f"CORS preflight for /postMessage refused: origin '{refused.origin}'" in server_log
    assert "refused: request headers ['x-other'] are not in allowed_headers" in server_log
    assert "refused: PUT is not CORS-routed here (CORS-routed: POST)" in server_log
    assert f"CORS: POST /charge refused (403): origin '{refused.origin}'" in server_log
