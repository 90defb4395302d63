"""The per-request path: WSGIApp, the Flask blueprint and the Django adapter against
their peers (Falcon's App, a native Flask view, a native Django view), on the same
tiny GET and JSON POST, and what the access line costs.

In process (default): every app is called as a WSGI server would call it, with a
fresh environ per call, timed in CPU time of the thread (the machine is shared).
The Django adapter is timed as ``include(urls(http))`` and as ``view(http)`` wired
with ``re_path`` (no second resolver). End to end (``--e2e``): each app on gunicorn (1 sync worker, and 1 gthread worker
with 4 threads and keep-alive), driven by wrk; also ``convexhttp serve`` as users
run it (its access line on) against ``--no-access-log``.

Apps are timed interleaved in rounds (each round times every app once); the
median per-round ratio is the result, with the spread over rounds [min-max].
Run: ``python benchmarks/request_path.py [--quick] [--e2e]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAYLOAD = json.dumps({"name": "ada", "tags": ["a", "b"], "n": 1}).encode()
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(path: str, post: bool) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST" if post else "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "RAW_URI": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(PAYLOAD if post else b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if post:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(PAYLOAD))
    return env


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    pass


def call(app: WsgiApp, path: str, post: bool) -> bytes:
    result = app(environ(path, post), _start_response)
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


# --- the apps ------------------------------------------------------------------------


def convexhttp_router() -> Any:
    from convexhttp import ActionCtx, Request, Response, http_router

    def hello(ctx: ActionCtx, request: Request) -> Response:
        return Response("hello")

    def echo(ctx: ActionCtx, request: Request) -> Response:
        data = request.json()
        return Response.json({"got": data["name"]})

    http = http_router()
    http.route(path="/hello", handler=hello)
    http.route(path="/echo", method="POST", handler=echo)
    return http


def wsgiapp(access_log: bool = False) -> WsgiApp:
    from convexhttp.adapters.wsgi import WSGIApp

    # No job runner thread (Falcon has none; it wakes 20 times a second to watch the
    # database): the request path alone. `convexhttp serve` below runs it, as users do.
    return WSGIApp(convexhttp_router(), access_log=access_log, scheduler=False)


def falcon_app() -> WsgiApp:
    import falcon

    class Hello:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.text = "hello"
            resp.content_type = falcon.MEDIA_TEXT

    class Echo:
        def on_post(self, req: Any, resp: Any) -> None:
            data = req.get_media()
            resp.media = {"got": data["name"]}

    app = falcon.App()
    app.add_route("/hello", Hello())
    app.add_route("/echo", Echo())
    return app  # type: ignore[no-any-return]


def flask_apps() -> tuple[WsgiApp, WsgiApp]:
    from flask import Flask, jsonify, request

    from convexhttp.adapters.flask import blueprint

    native = Flask("native")

    @native.get("/hello")
    def hello() -> str:
        return "hello"

    @native.post("/echo")
    def echo() -> Any:
        return jsonify(got=request.get_json()["name"])

    mounted = Flask("mounted")
    mounted.register_blueprint(
        blueprint(convexhttp_router(), url_prefix="/hooks", access_log=False)
    )
    return native, mounted


def django_apps() -> tuple[WsgiApp, WsgiApp]:
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import include, path, re_path
    from django.views.decorators.csrf import csrf_exempt

    from convexhttp.adapters.django import urls, view

    def hello(request: HttpRequest) -> HttpResponse:
        return HttpResponse("hello", content_type="text/plain")

    @csrf_exempt
    def echo(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"got": json.loads(request.body)["name"]})

    module = sys.modules[__name__]
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("hello", hello),
        path("echo", echo),
        path("hooks/", include(urls(convexhttp_router(), access_log=False))),
        # view() wired by hand, without include()'s second resolver (docs/DECISIONS.md)
        re_path(r"^flat/(?P<path>(?s:.*))$", view(convexhttp_router(), access_log=False)),
    ]
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
    )
    django.setup()
    app = WSGIHandler()
    return app, app


# --- timing ----------------------------------------------------------------------------


def per_call_us(app: WsgiApp, path: str, post: bool, number: int) -> float:
    # CPU time of this thread: the machine is shared, wall time counts the neighbours too.
    start = time.thread_time()
    for _ in range(number):
        call(app, path, post)
    return (time.thread_time() - start) / number * 1e6


def compare(
    cases: dict[str, tuple[WsgiApp, str, bool]], rounds: int, number: int
) -> dict[str, list[float]]:
    for name, (app, path, post) in cases.items():  # warm up, and check the answer
        body = call(app, path, post).strip()
        assert body in (b"hello", b'{"got":"ada"}', b'{"got": "ada"}'), (name, body)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(rounds):
        order = list(cases) if round_ % 2 == 0 else list(reversed(cases))
        for name in order:
            app, path, post = cases[name]
            times[name].append(per_call_us(app, path, post, number))
    return times


def ratio_row(what: str, num: list[float], den: list[float], target: str) -> str:
    ratios = [a / b for a, b in zip(num, den, strict=True)]
    return (
        f"{what:<44}{statistics.median(ratios):>6.2f}x  "
        f"[{min(ratios):.2f}-{max(ratios):.2f}]  {target}"
    )


# --- end to end ------------------------------------------------------------------------

#: ``convexhttp serve benchmarks.request_path:router``: the same two routes.
router = convexhttp_router()

POST_LUA = f"""wrk.method = "POST"
wrk.body = '{PAYLOAD.decode()}'
wrk.headers["Content-Type"] = "application/json"
"""


def make_app(kind: str) -> WsgiApp:
    """The WSGI app named ``kind``, built in the gunicorn worker."""
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    if kind == "wsgiapp":
        return wsgiapp()
    if kind == "falcon":
        return falcon_app()
    if kind == "raw":  # the floor: gunicorn and a WSGI callable that does nothing
        return _raw
    raise ValueError(kind)


def _raw(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain"), ("content-length", "5")])
    return [b"hello"]


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU time of the gunicorn workers (the master's children) so far."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for child in children:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def wrk(url: str, seconds: int, script: str | None, connections: int) -> tuple[float, int]:
    """Requests per second, and requests completed."""
    import re
    import subprocess

    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    if script:
        argv[1:1] = ["-s", script]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    if not match or not done or "Non-2xx" in out:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return float(match.group(1)), int(done.group(1))


#: (what, numerator, denominator, target): speed ratios; each name is "<app> <GET|POST>".
E2E_RATIOS = [
    ("WSGIApp / Falcon App, sync GET", "wsgiapp sync GET", "falcon sync GET", 0.95),
    ("WSGIApp / Falcon App, sync POST", "wsgiapp sync POST", "falcon sync POST", 0.9),
    ("WSGIApp / Falcon App, gthread GET", "wsgiapp gthread GET", "falcon gthread GET", 0.95),
    ("WSGIApp / Falcon App, gthread POST", "wsgiapp gthread POST", "falcon gthread POST", 0.9),
    ("Flask blueprint / Flask view, GET", "flask blueprint GET", "flask view GET", 0.9),
    ("Flask blueprint / Flask view, POST", "flask blueprint POST", "flask view POST", 0.9),
    ("Django adapter / Django view, GET", "django adapter GET", "django view GET", 0.9),
    ("Django adapter / Django view, POST", "django adapter POST", "django view POST", 0.9),
    ("Django view() / Django view, GET", "django view() GET", "django view GET", 0.9),
    ("Django view() / Django view, POST", "django view() POST", "django view POST", 0.9),
    ("serve with / without access line, GET", "serve GET", "serve --no-access-log GET", 0.97),
    ("serve with / without access line, POST", "serve POST", "serve --no-access-log POST", 0.97),
]


def make_flask(kind: str) -> WsgiApp:
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    native, mounted = flask_apps()
    return native if kind == "view" else mounted


def make_django() -> WsgiApp:
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    return django_apps()[0]


def main_e2e(rounds: int, seconds: int) -> None:
    import shutil

    from tests import support

    if shutil.which("wrk") is None:
        sys.exit("wrk not found (make bench-e2e installs it)")
    gthread = ["--worker-class", "gthread", "--threads", "4"]
    # app -> (how to start it, path prefix)
    apps: dict[str, tuple[Callable[[Path], support.Server], str]] = {}
    for worker, extra in (("sync", []), ("gthread", gthread)):
        for kind in ("wsgiapp", "falcon"):
            target = f"benchmarks.request_path:make_app('{kind}')"
            apps[f"{kind} {worker}"] = (
                lambda log, t=target, e=extra: support.gunicorn(t, log, *e),  # type: ignore[misc]
                "",
            )
    for kind in ("view", "blueprint"):
        target = f"benchmarks.request_path:make_flask('{kind}')"
        apps[f"flask {kind}"] = (
            lambda log, t=target: support.gunicorn(t, log),  # type: ignore[misc]
            "/hooks" if kind == "blueprint" else "",
        )
    django = "benchmarks.request_path:make_django()"
    apps["django view"] = (lambda log: support.gunicorn(django, log), "")
    apps["django adapter"] = (lambda log: support.gunicorn(django, log), "/hooks")
    apps["django view()"] = (lambda log: support.gunicorn(django, log), "/flat")
    spec = "benchmarks.request_path:router"
    apps["serve"] = (lambda log: support.convexhttp_serve(spec, log), "")
    apps["serve --no-access-log"] = (
        lambda log: support.convexhttp_serve(spec, log, "--no-access-log"),
        "",
    )

    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["CONVEXHTTP_DATABASE"] = str(Path(tmp) / "bench.sqlite3")
        lua = Path(tmp) / "post.lua"
        lua.write_text(POST_LUA)
        servers: dict[str, tuple[support.Server, str]] = {}
        try:
            for i, (name, (start, prefix)) in enumerate(apps.items()):
                servers[name] = (start(Path(tmp) / f"{i}.log"), prefix)
            cases = [f"{name} {what}" for name in servers for what in ("GET", "POST")]
            rps: dict[str, list[float]] = {case: [] for case in cases}
            cpu: dict[str, list[float]] = {case: [] for case in cases}

            def run(case: str, duration: int) -> tuple[float, int, float]:
                name, what = case.rsplit(" ", 1)
                server, prefix = servers[name]
                path, script = ("/hello", None) if what == "GET" else ("/echo", str(lua))
                master = server.proc.pid
                before = worker_cpu_seconds(master)
                rate, done = wrk(server.url + prefix + path, duration, script, 4)
                return rate, done, worker_cpu_seconds(master) - before

            for case in cases:  # warm up (and check every answer is a 2xx)
                run(case, 1)
            for round_ in range(rounds):
                for case in cases if round_ % 2 == 0 else list(reversed(cases)):
                    rate, done, used = run(case, seconds)
                    rps[case].append(rate)
                    cpu[case].append(used / done * 1e6)
        finally:
            for server, _prefix in servers.values():
                server.stop()

    print(
        f"gunicorn, 1 worker (gthread: 4 threads, keep-alive); wrk -t1 -c4 -d{seconds}s, "
        f"{rounds} rounds interleaved"
    )
    print("  req/s (wall clock) and the worker's CPU per request (user + system, /proc)")
    for case in cases:
        print(
            f"  {case:<32}{statistics.median(rps[case]):>9,.0f} req/s"
            f"  [{min(rps[case]):,.0f}-{max(rps[case]):,.0f}]"
            f"{statistics.median(cpu[case]):>9.1f} µs CPU"
            f"  [{min(cpu[case]):.1f}-{max(cpu[case]):.1f}]"
        )
    for title, values, invert in (
        ("speed ratios by CPU per request (steadier on a shared machine)", cpu, True),
        ("speed ratios by req/s", rps, False),
    ):
        print(f"{title}, median per round [min-max]:")
        for what, num, den, target in E2E_RATIOS:
            ratios = [
                (b / a if invert else a / b) for a, b in zip(values[num], values[den], strict=True)
            ]
            median = statistics.median(ratios)
            verdict = "ok" if median >= target else "below"
            print(
                f"  {what:<42}{median:>6.2f}x  [{min(ratios):.2f}-{max(ratios):.2f}]"
                f"  target >= {target}x: {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--e2e", action="store_true", help="on gunicorn, driven by wrk")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=3000)
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.number, args.duration = 3, 1000, 2
    if args.e2e:
        main_e2e(min(args.rounds, 5), args.duration)
        return

    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ.setdefault("CONVEXHTTP_DATABASE", str(Path(tmp) / "bench.sqlite3"))
        logging.getLogger("convexhttp").setLevel(logging.WARNING)
        ours = wsgiapp()
        falcon = falcon_app()
        flask_native, flask_ours = flask_apps()
        django_app, _ = django_apps()

        # The access line as `convexhttp serve` writes it, to a file (stderr of a daemon).
        from convexhttp.logs import log_to_stderr

        logged = wsgiapp(access_log=True)
        log_file = open(Path(tmp) / "access.log", "w")  # noqa: SIM115
        real_stderr, sys.stderr = sys.stderr, log_file
        log_to_stderr("info")
        sys.stderr = real_stderr

        cases = {
            "WSGIApp GET": (ours, "/hello", False),
            "Falcon GET": (falcon, "/hello", False),
            "WSGIApp POST": (ours, "/echo", True),
            "Falcon POST": (falcon, "/echo", True),
            "Flask view GET": (flask_native, "/hello", False),
            "Flask blueprint GET": (flask_ours, "/hooks/hello", False),
            "Flask view POST": (flask_native, "/echo", True),
            "Flask blueprint POST": (flask_ours, "/hooks/echo", True),
            "Django view GET": (django_app, "/hello", False),
            "Django adapter GET": (django_app, "/hooks/hello", False),
            "Django view POST": (django_app, "/echo", True),
            "Django adapter POST": (django_app, "/hooks/echo", True),
            "Django view() GET": (django_app, "/flat/hello", False),
            "Django view() POST": (django_app, "/flat/echo", True),
            "WSGIApp GET, access line": (logged, "/hello", False),
        }
        times = compare(cases, args.rounds, args.number)
        log_file.close()

    print(
        f"in process, {args.rounds} rounds x {args.number} calls, interleaved; "
        "µs per request: median [min-max]"
    )
    for name, values in times.items():
        print(
            f"  {name:<28}{statistics.median(values):>8.2f}  [{min(values):.2f}-{max(values):.2f}]"
        )
    print("\nratios (median per round [min-max]):")
    t = times
    rows = [
        ("WSGIApp / Falcon App, GET (time)", "WSGIApp GET", "Falcon GET", "target <= 1.5x"),
        ("WSGIApp / Falcon App, JSON POST (time)", "WSGIApp POST", "Falcon POST", ""),
        ("Flask view / blueprint, GET (speed)", "Flask view GET", "Flask blueprint GET", ">= 0.9x"),
        (
            "Flask view / blueprint, POST (speed)",
            "Flask view POST",
            "Flask blueprint POST",
            ">= 0.9x",
        ),
        ("Django view / adapter, GET (speed)", "Django view GET", "Django adapter GET", ">= 0.9x"),
        (
            "Django view / adapter, POST (speed)",
            "Django view POST",
            "Django adapter POST",
            ">= 0.9x",
        ),
        ("Django view / view(), GET (speed)", "Django view GET", "Django view() GET", ">= 0.9x"),
        (
            "Django view / view(), POST (speed)",
            "Django view POST",
            "Django view() POST",
            ">= 0.9x",
        ),
        (
            "WSGIApp with / without access line (time)",
            "WSGIApp GET, access line",
            "WSGIApp GET",
            "",
        ),
    ]
    for what, num, den, target in rows:
        print("  " + ratio_row(what, t[num], t[den], target))


if __name__ == "__main__":
    main()
