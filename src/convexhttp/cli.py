"""``convexhttp serve | routes | worker``: serve an app on gunicorn, print its routes and
functions, or run its scheduled functions alone."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from .deployment import DATABASE_ENV, DEFAULT_DATABASE, Deployment, Options
from .dispatch import DEFAULT_MAX_BODY_SIZE
from .functions import Functions, defining_package
from .router import HttpRouter
from .store.base import StoreError

__all__ = ["format_functions", "format_routes", "main"]


def _handler_name(handler: object) -> str:
    module = getattr(handler, "__module__", None) or "?"
    name = getattr(handler, "__qualname__", None) or type(handler).__name__
    return f"{module}.{name}"


def _table(header: tuple[str, str, str], rows: Sequence[tuple[str, str, str]], empty: str) -> str:
    """Three columns, left-aligned, a dashed line under the header (the last one unpadded)."""
    if not rows:
        return empty
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [
        f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}",
        f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * widths[2]}",
    ]
    lines += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def format_routes(http: HttpRouter) -> str:
    """The route table in lookup order, one route a line (like ``flask routes``)."""
    rows = [(method, path, _handler_name(handler)) for path, method, handler in http.routes()]
    return _table(("Method", "Path", "Handler"), rows, "(no routes)")


def format_functions(functions: Functions) -> str:
    """The functions table, like Convex's Functions view: name, kind, visibility."""
    rows = [(name, fn.kind, fn.visibility) for name, fn in functions.items()]
    return _table(("Function", "Kind", "Visibility"), rows, "(no functions)")


def _app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", help="module:attr of the router, e.g. convex.http:http")
    parser.add_argument(
        "--functions",
        metavar="PACKAGE",
        help="the package of the app's functions (default: the router module's package)",
    )


def _database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help=f"a SQLite file path, sqlite:///path or postgresql://user@host/db "
        f"(default: ${DATABASE_ENV}, else ./{DEFAULT_DATABASE})",
    )


def _run_worker(deployment: Deployment) -> int:
    """Run the job runner in the foreground until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    deployment.start_scheduler()
    print(f"convexhttp: running scheduled functions of {deployment.store.describe()}", flush=True)
    stop.wait()
    deployment.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convexhttp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve_p = sub.add_parser("serve", help="serve a router and its functions on gunicorn")
    _app_arguments(serve_p)
    _database_argument(serve_p)
    serve_p.add_argument("--bind", "-b", default="127.0.0.1:8000", help="host:port to listen on")
    serve_p.add_argument("--workers", "-w", type=int, default=1, help="worker processes")
    serve_p.add_argument("--threads", type=int, default=1, help="threads per worker")
    serve_p.add_argument(
        "--worker-class",
        "-k",
        default="sync",
        choices=["sync", "gthread"],
        help="gunicorn worker class (default: sync; gthread when --threads > 1). Put a "
        "buffering proxy in front in production: docs/deploy-nginx.md",
    )
    serve_p.add_argument(
        "--timeout",
        type=int,
        default=30,
        metavar="SECONDS",
        help="a request running longer is answered with a 500 and its worker replaced "
        "(default: 30)",
    )
    serve_p.add_argument(
        "--keep-alive",
        type=int,
        default=5,
        metavar="SECONDS",
        help="how long an idle connection is kept (gthread only; default: 5)",
    )
    serve_p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error", "critical"],
        help="level of convexhttp's and gunicorn's logs (default: info, one line per request)",
    )
    serve_p.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="no line per request (errors are still logged)",
    )
    serve_p.add_argument("--reload", action="store_true", help="restart workers on code changes")
    serve_p.add_argument(
        "--debug", action="store_true", help="send error messages and tracebacks to the client"
    )
    serve_p.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run scheduled functions and crons in the web workers "
        "(run `convexhttp worker` for them)",
    )
    serve_p.add_argument(
        "--no-function-api",
        action="store_true",
        help="do not serve Convex's function API (/api/query, /api/mutation, /api/action, "
        "/api/function, /api/run/): free those paths for the app's own routes",
    )
    for which in ("request", "response"):
        serve_p.add_argument(
            f"--max-{which}-body",
            type=int,
            default=DEFAULT_MAX_BODY_SIZE,
            metavar="BYTES",
            help=f"largest {which} body (default: 20 MB, Convex's limit)",
        )
    routes_p = sub.add_parser("routes", help="print the route table and the functions")
    _app_arguments(routes_p)
    worker_p = sub.add_parser(
        "worker", help="run scheduled functions and crons only (no HTTP), until stopped"
    )
    _app_arguments(worker_p)
    _database_argument(worker_p)
    args = parser.parse_args(argv)

    from convexhttp.adapters.gunicorn import load_router, serve

    try:
        http = load_router(args.app)
        package = args.functions or defining_package(http.defined_in)
        functions = Functions.load(package) if package else Functions()
    except (ImportError, ValueError, TypeError) as exc:
        print(f"convexhttp: cannot load {args.app!r}: {exc}", file=sys.stderr)
        return 2
    if args.command == "routes":
        print(format_routes(http))
        print()
        print(format_functions(functions))
        return 0
    options: Options = {"functions": package, "database": args.database}
    if args.command == "serve":
        options["debug"] = args.debug
        options["scheduler"] = not args.no_scheduler
        options["function_api"] = not args.no_function_api
        options["access_log"] = args.access_log
        options["max_request_body"] = args.max_request_body
        options["max_response_body"] = args.max_response_body
    try:
        # Checks the schema and brings the database in line before any worker starts.
        deployment = Deployment(http, **options)
    except (ImportError, LookupError, ValueError, TypeError, StoreError) as exc:
        print(f"convexhttp: cannot start {args.app!r}: {exc}", file=sys.stderr)
        return 2
    if args.command == "worker":
        return _run_worker(deployment)
    host, _, port = args.bind.rpartition(":")
    print(f"convexhttp: serving {args.app} on http://{host or '127.0.0.1'}:{port}/", flush=True)
    print(f"convexhttp: database {deployment.store.describe()}", flush=True)
    print(format_routes(http), flush=True)
    print(format_functions(functions), flush=True)
    deployment.close()  # each worker builds its own after the fork
    del deployment
    serve(
        args.app,
        bind=args.bind,
        workers=args.workers,
        threads=args.threads,
        reload=args.reload,
        settings={
            "worker_class": "gthread" if args.threads > 1 else args.worker_class,
            "timeout": args.timeout,
            "keepalive": args.keep_alive,
            "loglevel": args.log_level,
        },
        **options,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
