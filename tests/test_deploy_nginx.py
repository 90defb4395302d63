"""docs/deploy-nginx.md for real: nginx (Debian's) on loopback in front of `convexhttp serve`.

With gunicorn's sync workers, a client that sends its request head slowly holds
a worker until gunicorn's timeout; a few such clients take a 2-worker server
down. Behind the example nginx configuration the same attack reaches nginx
only, and the app keeps answering.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import support

EXAMPLE = support.ROOT / "examples" / "nginx" / "convexhttp.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed (make test installs it)")


def nginx_conf(tmp: Path, listen: int, upstream: int) -> str:
    site = EXAMPLE.read_text()
    assert "127.0.0.1:8000" in site and "listen 80;" in site
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    temp = " ".join(
        f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi")
    )
    user = "user root;" if os.geteuid() == 0 else ""
    return (
        f"{user} daemon off; worker_processes 1; pid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        f"http {{ access_log off; {temp} scgi_temp_path {tmp / 'scgi'};\n{site}\n}}\n"
    )


class Slowloris:
    """``count`` clients sending a request head a header line at a time, never finishing,
    reconnecting when dropped; stops by itself after ``seconds``."""

    def __init__(self, port: int, count: int, seconds: float) -> None:
        self.port = port
        self.deadline = time.monotonic() + seconds
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(count)]

    def __enter__(self) -> Slowloris:
        for thread in self.threads:
            thread.start()
        time.sleep(1.0)  # every slow client connected and started its head
        return self

    def __exit__(self, *exc: object) -> None:
        self.deadline = 0
        for thread in self.threads:
            thread.join(timeout=5)

    def _client(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    sock.sendall(b"GET /echo/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    while time.monotonic() < self.deadline:
                        time.sleep(0.3)
                        sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                time.sleep(0.05)


def available(url: str, seconds: float) -> list[bool]:
    """For ``seconds``: does a plain GET get its answer within 2 s?"""
    answers: list[bool] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            answers.append(requests.get(url, timeout=2).status_code == 200)
        except requests.RequestException:
            answers.append(False)
        time.sleep(0.1)
    return answers


@pytest.fixture
def app(tmp_path: Path) -> Iterator[support.Server]:
    server = support.convexhttp_serve(
        "tests.apps.behaviour.http:http", tmp_path / "app.log", "--workers", "2"
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def nginx(tmp_path: Path, app: support.Server) -> Iterator[str]:
    assert NGINX is not None
    port = support.free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, port, app.port))
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "error.log").read_text()) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_example_config_serves_the_app_unchanged(nginx: str) -> None:
    r = requests.get(f"{nginx}/echo/a%2Fb?q=1")
    assert r.status_code == 200
    assert r.json()["params"] == {"name": "a/b"}  # the raw path reached the router
    assert r.json()["url"] == f"{nginx}/echo/a%2Fb?q=1"  # the client's Host, kept
    r = requests.post(f"{nginx}/size", data=b"z" * (20 * 1024 * 1024))
    assert r.json()["size"] == 20 * 1024 * 1024


def test_slow_clients_take_the_bare_server_down(app: support.Server) -> None:
    # The attack as the test below runs it, straight at gunicorn: it works.
    with Slowloris(app.port, count=4, seconds=6):
        answers = available(f"{app.url}/echo/x", seconds=3)
    assert not any(answers), answers


def test_behind_nginx_slow_clients_do_not(nginx: str, app: support.Server) -> None:
    with Slowloris(int(nginx.rsplit(":", 1)[1]), count=16, seconds=8):
        answers = available(f"{nginx}/echo/x", seconds=5)
    assert answers and all(answers), answers
