"""SPEC 7's line per request, and error lines, under every host as users start it."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from convexhttp import Response, http_router
from convexhttp.adapters.wsgi import WSGIApp
from convexhttp.logs import show_by_default
from tests import support

LINE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO convexhttp.access \[[0-9a-f]{16}\] GET "


def wait_for(server: support.Server, pattern: str) -> str:
    deadline = time.monotonic() + 5
    while (found := re.search(pattern, server.output())) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"{pattern!r} not in:\n{server.output()}")
        time.sleep(0.05)
    return found.group()


@pytest.fixture(
    params=[
        ("flask", "tests.apps.stock_flask:app", {}),
        (
            "django",
            "tests.apps.stock_django.wsgi:application",
            {"DJANGO_SETTINGS_MODULE": "tests.apps.stock_django.settings"},
        ),
    ],
    ids=lambda p: p[0],
)
def stock(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[support.Server]:
    _name, target, env = request.param
    server = support.gunicorn(target, tmp_path / "log", env=env)
    try:
        yield server
    finally:
        server.stop()


def test_a_stock_host_shows_the_line_and_errors_with_time_and_level(
    stock: support.Server,
) -> None:
    assert requests.get(f"{stock.url}/hooks/echo/logged").status_code == 200
    wait_for(stock, LINE + r"/hooks/echo/logged /echo/:name 200 \d+\.\d+ms")
    rid = requests.get(f"{stock.url}/hooks/boom").json()["code"][13:29]
    wait_for(stock, rf"\d\d:\d\d:\d\d,\d+ ERROR convexhttp \[{rid}\] uncaught error in handler")
    assert "secret detail that must not reach the client" in stock.output()  # the traceback


def test_an_apps_own_logging_config_wins_and_nothing_is_written_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    http = http_router()
    http.route(path="/", handler=lambda ctx, req: Response("ok"))
    saved = logging.root.handlers[:]
    logging.root.handlers[:] = []
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    try:
        show_by_default()  # nothing configured: convexhttp writes to stderr itself
        app = WSGIApp(http, functions=__name__)
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "h"}
        b"".join(app(environ, lambda *a: None))
        assert " INFO convexhttp.access " in capsys.readouterr().err
        logging.root.addHandler(Collect())  # the app configures logging later: its way wins
        b"".join(app(environ, lambda *a: None))
        assert capsys.readouterr().err == ""
        assert [r.name for r in records] == ["convexhttp.access"]
    finally:
        logging.root.handlers[:] = saved


@pytest.mark.parametrize(
    ("flags", "access"),
    [((), True), (("--log-level", "warning"), False), (("--no-access-log",), False)],
)
def test_serve_log_level_and_access_line(
    tmp_path: Path, flags: tuple[str, ...], access: bool
) -> None:
    server = support.convexhttp_serve("tests.apps.behaviour.http:http", tmp_path / "log", *flags)
    try:
        requests.get(f"{server.url}/echo/quiet")
        rid = requests.get(f"{server.url}/boom").json()["code"][13:29]
        wait_for(server, rf"ERROR convexhttp \[{rid}\]")
        if access:  # written in batches, within 0.1 s
            wait_for(server, LINE + "/echo/quiet /echo/:name 200 ")
        else:
            time.sleep(0.5)
            assert "/echo/quiet /echo/:name 200" not in server.output()
        assert server.output().count(f"[{rid}] uncaught error") == 1
    finally:
        server.stop()


def test_the_access_sink_loses_no_line_under_threads(tmp_path: Path) -> None:
    import threading

    from convexhttp.logs import AccessSink

    out = tmp_path / "access.log"
    with out.open("wb") as f:
        sink = AccessSink(f.fileno())

        def writer(n: int) -> None:
            for i in range(2000):
                sink.access(f"t{n}", "GET", f"/{i}", "/:i", 200, 0.25)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sink.flush()
    lines = out.read_text().splitlines()
    assert len(lines) == 6 * 2000
    for n in range(6):  # each thread's lines, whole and in its order
        mine = [line.split(" GET /")[1] for line in lines if f" [t{n}] " in line]
        assert [int(rest.split()[0]) for rest in mine] == list(range(2000))
    assert all(
        re.fullmatch(
            r"\S+ \d\d:\d\d:\d\d,\d{3} INFO convexhttp\.access \[t\d\] GET /\d+ /:i 200 0\.25ms",
            line,
        )
        for line in lines
    )
