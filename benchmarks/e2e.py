"""Requests per second end to end: each adapter against its native peer, on real gunicorn.

Every server is gunicorn with one worker on a loopback port, first a sync worker
(a connection per request), then a gthread worker (4 threads, HTTP keep-alive), and
serves two handlers: a tiny GET (200, a 5-byte ``hello``) and a JSON POST (the body
parsed and sent back as JSON). wrk (``-t1 -c4``) drives them. Apps: a raw WSGI
callable (the floor), ``WSGIApp`` and Falcon's ``App``; a native Flask view and our
blueprint; native Django views (at the root, and below an ``include()`` as a project
routes an app's ``urls.py``) and our Django adapter, as ``include(urls(http))``
(against the included views: the second resolver is Django's cost either way) and
as ``view(http)`` wired with ``re_path`` (against the root views; same settings and
middleware); and
``convexhttp serve`` as users run it, its access line on, beside ``--no-access-log``
(what the line costs). The others log nothing per request: gunicorn's access log is
off and the ``convexhttp`` logger is at WARNING.

Rounds alternate the servers; a ratio is the median of the per-round ratios, with
its spread. Beside requests per second (``rps``), each run reads the worker's CPU
time from /proc: CPU per request (``cpu``) is the figure that survives a machine
shared with other work. Run: ``make bench-e2e`` or
``python benchmarks/e2e.py [--quick] [--duration S] [--rounds N]``; ``--only`` and
``--workers`` run a subset (more rounds of a pair in the same time).

``--instructions`` counts instead (``make bench-instructions``): each server's sync
worker runs under callgrind with ``--max-requests``, and a worker that served 250
requests (a connection each) less one that served 50 gives instructions per request,
gunicorn's share included. The same figure run after run, where CPU times spread by
10-30% here; not time (a cache miss costs no instruction). ``convexhttp serve`` is
counted as what it loads in its worker (``make_app("serve")``), on plain gunicorn.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BODY = b"hello"
PAYLOAD = json.dumps({"name": "ada", "tags": ["a", "b"], "n": 1}).encode()

# name -> (make_app kind, path prefix of its two handlers)
APPS = {
    "raw WSGI": ("raw", ""),
    "WSGIApp": ("wsgiapp", ""),
    "Falcon App": ("falcon", ""),
    "Flask view": ("flask", ""),
    "Flask blueprint": ("flask_blueprint", "/hooks"),
    "Django view": ("django", ""),
    # as a project usually routes an app's views: below an include(), as ours are
    "Django view, include()": ("django_include", "/native"),
    "Django adapter": ("django_adapter", "/hooks"),
    # view() wired by hand with re_path: no second resolver, as include() has
    "Django view()": ("django_view", "/flat"),
}
SERVE = "convexhttp serve"
SERVE_QUIET = "serve --no-access-log"
THREADS = 4  # of a gthread worker
WORKERS = {"sync": [], "gthread": ["--worker-class", "gthread", "--threads", str(THREADS)]}
KINDS = ("GET", "POST")
# (what, numerator, denominator, target per kind or None)
RATIOS: list[tuple[str, str, str, dict[str, float] | None]] = [
    ("WSGIApp / raw WSGI", "WSGIApp", "raw WSGI", None),
    ("WSGIApp / Falcon App", "WSGIApp", "Falcon App", {"GET": 0.95, "POST": 0.9}),
    ("Flask blueprint / Flask view", "Flask blueprint", "Flask view", {"GET": 0.9, "POST": 0.9}),
    (
        "Django adapter / view, both included",
        "Django adapter",
        "Django view, include()",
        {"GET": 0.9, "POST": 0.9},
    ),
    ("Django adapter / Django root view", "Django adapter", "Django view", None),
    ("Django view() / Django view", "Django view()", "Django view", {"GET": 0.9, "POST": 0.9}),
    (f"{SERVE} / {SERVE_QUIET}", SERVE, SERVE_QUIET, {"GET": 0.97, "POST": 0.97}),
    (f"{SERVE} / WSGIApp", SERVE, "WSGIApp", None),
    (f"{SERVE} / Falcon App", SERVE, "Falcon App", None),
]

urlpatterns: list[Any] = []  # the Django servers' URLconf, filled by make_app


# --- the servers (built in the gunicorn worker) ---------------------------------------


def _router() -> Any:
    from convexhttp import ActionCtx, Request, Response, http_router

    def hello(ctx: ActionCtx, request: Request) -> Response:
        return Response(BODY)

    def echo(ctx: ActionCtx, request: Request) -> Response:
        return Response.json(request.json())

    router = http_router()
    router.route(path="/hello", handler=hello)
    router.route(path="/echo", method="POST", handler=echo)
    return router


#: What ``convexhttp serve benchmarks.e2e:http`` serves.
http = _router()


def _quiet(router: Any) -> Any:
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    return router


def _adapter(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """An adapter for ``args`` whose functions are this module's (it has none: no database)."""
    return build(*args, functions=__name__, **kwargs)


def _raw_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.dumps(json.loads(environ["wsgi.input"].read(size))).encode()
        kind = "application/json"
    else:
        body, kind = BODY, "text/plain"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def _falcon_app() -> Any:
    import falcon

    class Hello:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.data = BODY
            resp.content_type = "text/plain"

    class Echo:
        def on_post(self, req: Any, resp: Any) -> None:
            resp.media = req.get_media()

    app = falcon.App()
    app.add_route("/hello", Hello())
    app.add_route("/echo", Echo())
    return app


def _flask_app(blueprint: bool) -> Any:
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    if blueprint:
        from convexhttp.adapters.flask import blueprint as convexhttp_blueprint

        app.register_blueprint(
            _adapter(convexhttp_blueprint, _quiet(_router()), url_prefix="/hooks")
        )
    else:

        @app.route("/hello")
        def hello() -> str:
            return BODY.decode()

        @app.route("/echo", methods=["POST"])
        def echo() -> Any:
            return jsonify(request.get_json())

    return app


def configure_django(urlconf: str) -> None:
    """Django's settings for every Django app of the benchmarks: the same middleware."""
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=urlconf,
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
    )
    django.setup()


def _django_app(adapter: str | None) -> Any:
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import include, path, re_path
    from django.views.decorators.csrf import csrf_exempt

    configure_django(__name__)
    if adapter == "urls":
        from convexhttp.adapters.django import urls

        urlpatterns.append(path("hooks/", include(_adapter(urls, _quiet(_router())))))
    elif adapter == "view":
        from convexhttp.adapters.django import view

        serve = _adapter(view, _quiet(_router()))
        urlpatterns.append(re_path(r"^flat/(?P<path>(?s:.*))$", serve))
    else:

        def hello(request: HttpRequest) -> HttpResponse:
            return HttpResponse(BODY, content_type="text/plain")

        @csrf_exempt  # as our view is: a webhook carries no CSRF token
        def echo(request: HttpRequest) -> HttpResponse:
            return JsonResponse(json.loads(request.body))

        native = [path("hello", hello), path("echo", echo)]
        if adapter == "include":
            urlpatterns.append(path("native/", include(native)))
        else:
            urlpatterns.extend(native)
    return get_wsgi_application()


def make_app(kind: str) -> Any:
    """The WSGI app named ``kind`` (gunicorn calls this in its worker)."""
    if kind == "raw":
        return _raw_app
    if kind == "wsgiapp":
        from convexhttp.adapters.wsgi import WSGIApp

        return _adapter(WSGIApp, _quiet(_router()))
    if kind == "falcon":
        return _falcon_app()
    if kind in ("flask", "flask_blueprint"):
        return _flask_app(kind == "flask_blueprint")
    if kind == "django":
        return _django_app(None)
    if kind == "django_adapter":
        return _django_app("urls")
    if kind == "django_view":
        return _django_app("view")
    if kind == "django_include":
        return _django_app("include")
    if kind in ("serve", "serve_quiet"):
        # What `convexhttp serve benchmarks.e2e:http [--no-access-log]` loads in its
        # worker (GunicornApp.load), for a plain gunicorn: --instructions needs its
        # --max-requests, which `convexhttp serve` does not take.
        from convexhttp.adapters.wsgi import WSGIApp
        from convexhttp.logs import log_to_stderr

        log_to_stderr("info")
        return _adapter(WSGIApp, _router(), access_log=kind == "serve")
    raise ValueError(f"unknown app {kind!r}")


# --- instructions: what callgrind counts in a worker, the same whatever the machine does


def worker_instructions(name: str, kind: str, requests: int, tmp: Path) -> int:
    """The instructions of a gunicorn sync worker (under callgrind) that serves
    ``requests`` of ``kind`` to server ``name`` and exits (``--max-requests``)."""
    from tests.support import free_port

    out = Path(tempfile.mkdtemp(dir=tmp))
    port = free_port()
    app = {SERVE: "serve", SERVE_QUIET: "serve_quiet"}.get(name) or APPS[name][0]
    argv = [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",
        f"--callgrind-out-file={out}/callgrind.%p",
        sys.executable,
        str(Path(sys.executable).parent / "gunicorn"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
        *("--max-requests", str(requests)),
        f"benchmarks.e2e:make_app({app!r})",
    ]
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": str(ROOT),
        "CONVEXHTTP_DATABASE": str(out / "db.sqlite3"),
    }
    with open(out / "log", "wb") as log:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            url, _ = handler_target(f"http://127.0.0.1:{port}", name, kind, Path())
            deadline = time.monotonic() + 600
            sent = 0
            while sent < requests:  # one connection each, as wrk's are to a sync worker
                try:
                    check(url, kind)
                    sent += 1
                except OSError:  # not listening yet (valgrind starts slowly)
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            # The worker exits by itself after its last request, and callgrind writes
            # its count then; stopping it sooner would count another way of exiting.
            while time.monotonic() < deadline and not any(
                "\ntotals:" in f.read_text() for f in out.glob("callgrind.*")
            ):
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=120)
    # The files are the master's, the first worker's and its replacement's: by pid.
    files = sorted(out.glob("callgrind.*"), key=lambda f: int(f.suffix[1:]))
    found = re.search(r"^(?:summary|totals): (\d+)", files[1].read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no count in {files[1]}")
    return int(found[1])


def instructions(names: list[str]) -> dict[tuple[str, str], float]:
    """Instructions per request of each server's sync worker: a worker serving 250
    requests less one serving 50 (its start-up and exit cancel out)."""
    import concurrent.futures

    from benchmarks.callgrind import require_valgrind

    require_valgrind()
    few, many = 50, 250
    jobs = [(name, kind, n) for name in names for kind in KINDS for n in (few, many)]
    with (
        tempfile.TemporaryDirectory() as tmp,
        concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool,
    ):
        counts = dict(
            zip(jobs, pool.map(lambda job: worker_instructions(*job, Path(tmp)), jobs), strict=True)
        )
    return {
        (name, kind): (counts[name, kind, many] - counts[name, kind, few]) / (many - few)
        for name in names
        for kind in KINDS
    }


# --- the driver --------------------------------------------------------------------------


def wrk(url: str, seconds: int, script: Path | None) -> tuple[float, int, str]:
    """Requests/sec and requests wrk measured, and any error lines it printed."""
    argv = ["wrk", "-t1", "-c4", f"-d{seconds}s", url]
    if script is not None:
        argv[1:1] = ["-s", str(script)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if not rate or not count:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = [line.strip() for line in out.splitlines() if "errors" in line or "Non-2xx" in line]
    return float(rate[1]), int(count[1]), "; ".join(errors)


def worker_cpu(master: int) -> float:
    """CPU seconds (user + system) the master's worker processes have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path(f"/proc/{master}/task").iterdir():
        for child in (task / "children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def check(url: str, kind: str) -> None:
    """The handler answers as the others do before it is timed."""
    data = PAYLOAD if kind == "POST" else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        body = reply.read()
    want = json.loads(PAYLOAD) if kind == "POST" else None
    ok = reply.status == 200 and (json.loads(body) == want if want is not None else body == BODY)
    if not ok:
        raise AssertionError(f"{url}: {reply.status} {body[:200]!r}")


def handler_target(base: str, name: str, kind: str, post_script: Path) -> tuple[str, Path | None]:
    """The URL of server ``name``'s handler for ``kind`` (at ``base``), and wrk's script."""
    prefix = APPS[name][1] if name in APPS else ""
    if kind == "POST":
        return f"{base}{prefix}/echo", post_script
    return f"{base}{prefix}/hello", None


def median_ratio(a: list[float], b: list[float]) -> tuple[float, float, float]:
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one round of 1-second runs")
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median counts")
    parser.add_argument(
        "--only",
        help="comma-separated server names to run (default: all), e.g. 'WSGIApp,Falcon App'",
    )
    parser.add_argument("--workers", default="sync,gthread", help="worker classes to run")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count a sync worker's instructions per request under callgrind (slow)",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 1, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (make bench-e2e installs it)")

    from tests import support  # free ports, readiness wait, process-group shutdown

    names = [*APPS, SERVE, SERVE_QUIET]
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - set(names)
        if unknown:
            sys.exit(f"unknown servers {sorted(unknown)}; known: {names}")
        names = [name for name in names if name in wanted]
    workers = {w: WORKERS[w] for w in args.workers.split(",")}
    if args.instructions:
        per_request = instructions(names)
        print("instructions per request of a gunicorn sync worker (callgrind; a worker")
        print("serving 250 requests less one serving 50, a connection each)")
        for kind in KINDS:
            print(f"\n{kind}:")
            for name in names:
                print(f"  {name:<24}{per_request[name, kind]:>12,.0f}")
            print(
                "  ratio of instructions (the denominator's over the numerator's: higher is ours faster)"
            )
            for what, num, den, targets in RATIOS:
                if num in names and den in names:
                    ratio = per_request[den, kind] / per_request[num, kind]
                    target = (targets or {}).get(kind)
                    verdict = (
                        ""
                        if target is None
                        else f"  target >= {target}: {'ok' if ratio >= target else 'BELOW'}"
                    )
                    print(f"  {what:<42}{ratio:>6.3f}x{verdict}")
        return
    rps: dict[tuple[str, str, str], list[float]] = {}
    cpu: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(PAYLOAD.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        for worker, options in workers.items():
            servers: dict[str, support.Server] = {}
            try:
                for name in names:
                    log = Path(tmp) / f"{worker}-{len(servers)}.log"
                    if name in (SERVE, SERVE_QUIET):  # as users run it: its own gunicorn
                        threads = str(THREADS) if worker == "gthread" else "1"
                        quiet = ["--no-access-log"] if name == SERVE_QUIET else []
                        servers[name] = support.convexhttp_serve(
                            "benchmarks.e2e:http", log, "--threads", threads, *quiet
                        )
                    else:
                        target = f"benchmarks.e2e:make_app({APPS[name][0]!r})"
                        servers[name] = support.gunicorn(target, log, *options)
                for name in servers:
                    for kind in KINDS:
                        url, lua = handler_target(servers[name].url, name, kind, script)
                        check(url, kind)
                        wrk(url, 1, lua)  # warm-up
                for round_ in range(args.rounds):
                    order = names if round_ % 2 == 0 else names[::-1]
                    for kind in KINDS:
                        for name in order:
                            server = servers[name]
                            url, lua = handler_target(server.url, name, kind, script)
                            before = worker_cpu(server.proc.pid)
                            rate, count, errors = wrk(url, args.duration, lua)
                            used = worker_cpu(server.proc.pid) - before
                            rps.setdefault((worker, kind, name), []).append(rate)
                            cpu.setdefault((worker, kind, name), []).append(used / max(count, 1))
                            if errors:
                                print(f"  {worker} {kind} {name}: {errors}", file=sys.stderr)
            finally:
                for server in servers.values():
                    server.stop()

    print(
        f"gunicorn, 1 worker (sync; gthread with 4 threads and keep-alive); wrk -t1 -c4 "
        f"-d{args.duration}s; {args.rounds} round(s) alternating the servers"
    )
    for worker in workers:
        for kind in KINDS:
            print(f"\n{worker}, {kind}:")
            print(f"  {'server':<22}{'median rps':>11}{'min':>9}{'max':>9}{'cpu/request':>14}")
            for name in names:
                values = rps[worker, kind, name]
                us = statistics.median(cpu[worker, kind, name]) * 1e6
                print(
                    f"  {name:<22}{statistics.median(values):>11,.0f}{min(values):>9,.0f}"
                    f"{max(values):>9,.0f}{us:>11.0f} us"
                )
            print(f"  {'ratio (higher: the first is faster)':<42}{'rps':>18}{'cpu':>22}")
            for what, num, den, targets in RATIOS:
                if num not in names or den not in names:
                    continue
                r, lo, hi = median_ratio(rps[worker, kind, num], rps[worker, kind, den])
                c, clo, chi = median_ratio(cpu[worker, kind, den], cpu[worker, kind, num])
                target = (targets or {}).get(kind)
                verdict = ""
                if target is not None:
                    verdict = f"  target >= {target}: {'ok' if c >= target else 'BELOW'} (cpu)"
                print(
                    f"  {what:<42}{r:>6.2f}x ({lo:.2f}-{hi:.2f})"
                    f"{c:>10.2f}x ({clo:.2f}-{chi:.2f}){verdict}"
                )


if __name__ == "__main__":
    main()
