"""The per-request path in process: WSGIApp, the Flask blueprint and the Django
adapter against their peers (Falcon's App, a native Flask view, a native Django
view), on the same tiny GET and JSON POST, and what the access line costs.

Every app is called as a WSGI server would call it, with a fresh environ per call,
timed in CPU time of the thread (the machine is shared). The Django adapter is
timed as ``include(urls(http))`` against native views also below an ``include()``
(as a project routes an app's ``urls.py``; the second resolver is Django's cost
either way), and as ``view(http)`` wired with ``re_path`` (no second resolver)
against native views at the root; each under its own URLconf. Apps are timed
interleaved in rounds (each round times every app once); the median per-round
ratio is the result, with the spread over rounds [min-max]. The same apps on gunicorn, driven by wrk: ``benchmarks/e2e.py``.

``--instructions`` counts instead of timing: each case runs 1000 requests under
callgrind, less a run of its apps with none, which gives instructions per
request. A count is the same run after run whatever else the machine is doing,
where times on a shared machine spread by 10-50%; it is not time (a cache miss
costs no instruction), so both are printed by ``make bench``.
Run: ``python benchmarks/request_path.py [--quick | --instructions]``
(``make bench-request-path``, ``make bench-instructions``).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.callgrind import count_all, require_valgrind  # noqa: E402
from benchmarks.e2e import PAYLOAD, configure_django, median_ratio  # noqa: E402

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
    return app


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


def django_app() -> tuple[WsgiApp, dict[str, Callable[[], None]]]:
    """One Django project and four URLconfs to switch between: native views (at the
    root, and below /native/ by ``include()``), the adapter below /hooks/
    (``include(urls())``) and ``view()`` below /flat/.

    Each is timed under a URLconf of its own, as the e2e servers are: Django's
    resolver tries patterns in order, so in one shared URLconf whichever came first
    would skip the others' failed matches.
    """
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

    def urlconf(name: str, patterns: list[Any]) -> ModuleType:
        module = ModuleType(name)  # hashable, as Django's resolver cache needs
        module.urlpatterns = patterns  # type: ignore[attr-defined]
        return module

    native = [path("hello", hello), path("echo", echo)]
    confs = {
        "native": urlconf("native", native),
        # as a project usually routes an app's views: the peer of include(urls(http))
        "native include": urlconf("native include", [path("native/", include(native))]),
        "adapter": urlconf(
            "adapter", [path("hooks/", include(urls(convexhttp_router(), access_log=False)))]
        ),
        # view() wired by hand, without include()'s second resolver (docs/DECISIONS.md)
        "view": urlconf(
            "view",
            [re_path(r"^flat/(?P<path>(?s:.*))$", view(convexhttp_router(), access_log=False))],
        ),
    }
    configure_django(__name__)

    def use(conf: ModuleType) -> Callable[[], None]:
        def switch() -> None:
            settings.ROOT_URLCONF = conf

        return switch

    return WSGIHandler(), {name: use(conf) for name, conf in confs.items()}


# --- timing ----------------------------------------------------------------------------


def per_call_us(app: WsgiApp, path: str, post: bool, number: int) -> float:
    # CPU time of this thread: the machine is shared, wall time counts the neighbours too.
    start = time.thread_time()
    for _ in range(number):
        call(app, path, post)
    return (time.thread_time() - start) / number * 1e6


Case = tuple[WsgiApp, str, bool, Callable[[], None] | None]  # app, path, POST?, set-up


def check(name: str, case: Case) -> None:
    """Call ``case`` once: it answers as its peers do (a warm-up too)."""
    app, path, post, setup = case
    if setup is not None:
        setup()
    body = call(app, path, post).strip()
    assert body in (b"hello", b'{"got":"ada"}', b'{"got": "ada"}'), (name, body)


def compare(cases: dict[str, Case], rounds: int, number: int) -> dict[str, list[float]]:
    for name, case in cases.items():
        check(name, case)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(rounds):
        order = list(cases) if round_ % 2 == 0 else list(reversed(cases))
        for name in order:
            app, path, post, setup = cases[name]
            if setup is not None:
                setup()
            times[name].append(per_call_us(app, path, post, number))
    return times


def ratio_row(what: str, num: list[float], den: list[float], target: str) -> str:
    median, low, high = median_ratio(num, den)
    return f"{what:<44}{median:>6.2f}x  [{low:.2f}-{high:.2f}]  {target}"


# case -> the group of apps it needs built (an instruction count builds one group)
GROUPS = {
    "WSGIApp GET": "wsgi",
    "WSGIApp POST": "wsgi",
    "WSGIApp GET, access line": "wsgi",
    "Falcon GET": "falcon",
    "Falcon POST": "falcon",
    "Flask view GET": "flask",
    "Flask blueprint GET": "flask",
    "Flask view POST": "flask",
    "Flask blueprint POST": "flask",
    "Django view GET": "django",
    "Django view, include() GET": "django",
    "Django adapter GET": "django",
    "Django view POST": "django",
    "Django view, include() POST": "django",
    "Django adapter POST": "django",
    "Django view() GET": "django",
    "Django view() POST": "django",
}
ROWS = [  # (what, numerator, denominator, target): a ratio of costs per request
    ("WSGIApp / Falcon App, GET (time)", "WSGIApp GET", "Falcon GET", "target <= 1.5x"),
    ("WSGIApp / Falcon App, JSON POST (time)", "WSGIApp POST", "Falcon POST", ""),
    ("Flask view / blueprint, GET (speed)", "Flask view GET", "Flask blueprint GET", ">= 0.9x"),
    ("Flask view / blueprint, POST (speed)", "Flask view POST", "Flask blueprint POST", ">= 0.9x"),
    # both below an include(), as a project routes an app's urls.py
    (
        "Django view / adapter, both included, GET",
        "Django view, include() GET",
        "Django adapter GET",
        ">= 0.9x",
    ),
    (
        "Django view / adapter, both included, POST",
        "Django view, include() POST",
        "Django adapter POST",
        ">= 0.9x",
    ),
    # the root view against the adapter: the second resolver counted against us
    ("Django root view / adapter, GET", "Django view GET", "Django adapter GET", ""),
    ("Django root view / adapter, POST", "Django view POST", "Django adapter POST", ""),
    ("Django view / view(), GET (speed)", "Django view GET", "Django view() GET", ">= 0.9x"),
    ("Django view / view(), POST (speed)", "Django view POST", "Django view() POST", ">= 0.9x"),
    ("WSGIApp with / without access line (time)", "WSGIApp GET, access line", "WSGIApp GET", ""),
]


_OPEN_FILES: list[Any] = []  # the access sink writes to its fd until the process ends


def build_cases(groups: set[str], tmp: Path) -> dict[str, Case]:
    """The cases of ``groups``, their apps built (and the access line set up) in this process."""
    os.environ.setdefault("CONVEXHTTP_DATABASE", str(tmp / "bench.sqlite3"))
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    cases: dict[str, Case] = {}
    if "wsgi" in groups:
        ours = wsgiapp()
        # The access line as `convexhttp serve` writes it, to a file (stderr of a daemon).
        from convexhttp.logs import log_to_stderr

        logged = wsgiapp(access_log=True)
        log_file = open(tmp / "access.log", "w")  # noqa: SIM115  # open while the sink writes
        _OPEN_FILES.append(log_file)
        real_stderr, sys.stderr = sys.stderr, log_file
        log_to_stderr("info")
        sys.stderr = real_stderr
        cases["WSGIApp GET"] = (ours, "/hello", False, None)
        cases["WSGIApp POST"] = (ours, "/echo", True, None)
        cases["WSGIApp GET, access line"] = (logged, "/hello", False, None)
    if "falcon" in groups:
        falcon = falcon_app()
        cases["Falcon GET"] = (falcon, "/hello", False, None)
        cases["Falcon POST"] = (falcon, "/echo", True, None)
    if "flask" in groups:
        flask_native, flask_ours = flask_apps()
        cases["Flask view GET"] = (flask_native, "/hello", False, None)
        cases["Flask blueprint GET"] = (flask_ours, "/hooks/hello", False, None)
        cases["Flask view POST"] = (flask_native, "/echo", True, None)
        cases["Flask blueprint POST"] = (flask_ours, "/hooks/echo", True, None)
    if "django" in groups:
        django, urlconf = django_app()
        for kind, name, post in (("GET", "hello", False), ("POST", "echo", True)):
            cases[f"Django view {kind}"] = (django, f"/{name}", post, urlconf["native"])
            cases[f"Django view, include() {kind}"] = (
                django,
                f"/native/{name}",
                post,
                urlconf["native include"],
            )
            cases[f"Django adapter {kind}"] = (django, f"/hooks/{name}", post, urlconf["adapter"])
            cases[f"Django view() {kind}"] = (django, f"/flat/{name}", post, urlconf["view"])
    return {name: cases[name] for name in GROUPS if name in cases}  # in the table's order


# --- instructions: what callgrind counts, the same whatever else the machine does -------


def count_run(case: str | None, group: str, number: int) -> None:
    """Build ``group``, warm every case of it, then call ``case`` ``number`` times (under
    callgrind, the difference from a run with no calls is the calls' instructions)."""
    with tempfile.TemporaryDirectory() as tmp:
        cases = build_cases({group}, Path(tmp))
        for name, (app, path, post, setup) in cases.items():
            check(name, (app, path, post, setup))
            for _ in range(19):
                call(app, path, post)
        if case is not None:
            app, path, post, setup = cases[case]
            if setup is not None:
                setup()
            for _ in range(number):
                call(app, path, post)


def instructions(number: int) -> dict[str, float]:
    """Instructions per request of every case: a callgrind run per case, less its
    group's run without calls."""
    jobs: list[tuple[str | None, str]] = [(None, group) for group in sorted(set(GROUPS.values()))]
    jobs += [(case, group) for case, group in GROUPS.items()]
    runs = count_all(
        [[__file__, "--count", group, case or "", str(number)] for case, group in jobs]
    )
    counts = dict(zip(jobs, runs, strict=True))
    return {
        case: (counts[case, group] - counts[None, group]) / number for case, group in GROUPS.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=3000)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per request under callgrind instead of timing (slow)",
    )
    parser.add_argument("--count", nargs=3, metavar=("GROUP", "CASE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count:
        group, case, number = args.count
        count_run(case or None, group, int(number))
        return
    if args.instructions:
        number = 1000
        require_valgrind()
        per_request = instructions(number)
        print(f"instructions per request (callgrind, {number} requests less none):")
        for name, value in per_request.items():
            print(f"  {name:<28}{value:>10,.0f}")
        print("\nratios of instructions per request:")
        for what, num, den, target in ROWS:
            print(f"  {what:<44}{per_request[num] / per_request[den]:>6.2f}x  {target}")
        return
    if args.quick:
        args.rounds, args.number = 3, 1000

    with tempfile.TemporaryDirectory() as tmp:
        cases = build_cases(set(GROUPS.values()), Path(tmp))
        times = compare(cases, args.rounds, args.number)

    print(
        f"in process, {args.rounds} rounds x {args.number} calls, interleaved; "
        "µs per request: median [min-max]"
    )
    for name, values in times.items():
        print(
            f"  {name:<28}{statistics.median(values):>8.2f}  [{min(values):.2f}-{max(values):.2f}]"
        )
    print("\nratios (median per round [min-max]):")
    for what, num, den, target in ROWS:
        print("  " + ratio_row(what, times[num], times[den], target))


if __name__ == "__main__":
    main()
