"""Requests per second end to end: each adapter against its native peer, on real gunicorn.

Every server is gunicorn with one sync worker on a loopback port, serving the
same tiny handler (200, a 5-byte ``hello``); wrk (``-t1 -c4``) drives it.
Pairs: a raw WSGI callable vs ``WSGIApp``; a native Flask view vs our
blueprint; a native Django view vs our Django view (same settings and
middleware for both). Logging is equal for all: gunicorn's access log is off
and the ``convexhttp`` logger is set to WARNING, so no server writes a line per
request. Rounds alternate the servers and the median counts; the ratios are
the result. Run: ``make bench-e2e`` (or ``python benchmarks/e2e.py [--quick]``).
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BODY = b"hello"
# name -> (gunicorn target, request path)
SERVERS = {
    "raw WSGI": ("benchmarks.e2e:make_app('raw')", "/hello"),
    "WSGIApp": ("benchmarks.e2e:make_app('wsgiapp')", "/hello"),
    "Flask view": ("benchmarks.e2e:make_app('flask')", "/hello"),
    "Flask blueprint": ("benchmarks.e2e:make_app('flask_blueprint')", "/hooks/hello"),
    "Django view": ("benchmarks.e2e:make_app('django')", "/hello"),
    "Django adapter": ("benchmarks.e2e:make_app('django_adapter')", "/hooks/hello"),
}
# (what, numerator, denominator, target)
RATIOS = [
    ("WSGIApp / raw WSGI", "WSGIApp", "raw WSGI", 0.85),
    ("WSGIApp / Flask view", "WSGIApp", "Flask view", 1.3),
    ("Flask blueprint / Flask view", "Flask blueprint", "Flask view", 0.9),
    ("Django adapter / Django view", "Django adapter", "Django view", 0.9),
]

urlpatterns: list[Any] = []  # the Django servers' URLconf, filled by make_app


# --- the servers (built in the gunicorn worker) ---------------------------------------


def _router() -> Any:
    from convexhttp import ActionCtx, Request, Response, http_router

    def hello(ctx: ActionCtx, request: Request) -> Response:
        return Response(BODY)

    http = http_router()
    http.route(path="/hello", handler=hello)
    logging.getLogger("convexhttp").setLevel(logging.WARNING)
    return http


def _raw_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def _flask_app(blueprint: bool) -> Any:
    from flask import Flask

    app = Flask(__name__)
    if blueprint:
        from convexhttp.adapters.flask import blueprint as convexhttp_blueprint

        app.register_blueprint(
            convexhttp_blueprint(_router(), url_prefix="/hooks", functions=__name__)
        )
    else:

        @app.route("/hello")
        def hello() -> str:
            return BODY.decode()

    return app


def _django_app(adapter: bool) -> Any:
    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

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
    if adapter:
        from convexhttp.adapters.django import urls

        urlpatterns.append(path("hooks/", include(urls(_router(), functions=__name__))))
    else:

        def hello(request: HttpRequest) -> HttpResponse:
            return HttpResponse(BODY, content_type="text/plain")

        urlpatterns.append(path("hello", hello))
    return get_wsgi_application()


def make_app(kind: str) -> Any:
    """The WSGI app named ``kind`` (gunicorn calls this in its worker)."""
    if kind == "raw":
        return _raw_app
    if kind == "wsgiapp":
        from convexhttp.adapters.wsgi import WSGIApp

        return WSGIApp(_router(), functions=__name__)
    if kind in ("flask", "flask_blueprint"):
        return _flask_app(kind == "flask_blueprint")
    if kind in ("django", "django_adapter"):
        return _django_app(kind == "django_adapter")
    raise ValueError(f"unknown app {kind!r}")


# --- the driver --------------------------------------------------------------------------


def wrk(url: str, seconds: int) -> tuple[float, str]:
    """Requests/sec wrk measured, and any error lines it printed."""
    out = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds:g}s", url], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = [line.strip() for line in out.splitlines() if "errors" in line or "Non-2xx" in line]
    return float(match.group(1)), "; ".join(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one round of 2-second runs")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median counts")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 2, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (make bench-e2e installs it)")

    from tests import support  # free ports, readiness wait, process-group shutdown

    results: dict[str, list[float]] = {name: [] for name in SERVERS}
    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, support.Server] = {}
        try:
            for name, (app, path) in SERVERS.items():
                server = support.gunicorn(app, Path(tmp) / f"{len(servers)}.log")
                servers[name] = server
                url = server.url + path
                with urllib.request.urlopen(url) as reply:  # the handler answers before we time it
                    assert reply.status == 200 and reply.read() == BODY, (name, server.output())
                wrk(url, 1)  # warm-up
            for round_ in range(args.rounds):
                order = list(SERVERS) if round_ % 2 == 0 else list(reversed(SERVERS))
                for name in order:
                    rps, errors = wrk(servers[name].url + SERVERS[name][1], args.duration)
                    results[name].append(rps)
                    if errors:
                        print(f"  {name}: {errors}", file=sys.stderr)
        finally:
            for server in servers.values():
                server.stop()

    print(
        f"gunicorn, 1 sync worker; wrk -t1 -c4 -d{args.duration}s, {args.rounds} round(s) "
        "alternating the servers; access log off, convexhttp logger at WARNING"
    )
    print(f"{'server':<18}{'median req/s':>14}{'min':>9}{'max':>9}")
    for name, values in results.items():
        print(
            f"{name:<18}{statistics.median(values):>14,.0f}{min(values):>9,.0f}{max(values):>9,.0f}"
        )
    print()
    for what, num, den, target in RATIOS:
        # The ratio within each round (the pair ran seconds apart), then the median of those.
        ratio = statistics.median(a / b for a, b in zip(results[num], results[den], strict=True))
        verdict = "ok" if ratio >= target else "BELOW TARGET"
        print(f"{what:<30}{ratio:>6.2f}x  (target >= {target}x) {verdict}")


if __name__ == "__main__":
    main()
