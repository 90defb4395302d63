"""``convexhttp serve | routes``: run a router on gunicorn, or print its table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .dispatch import DEFAULT_MAX_BODY_SIZE
from .router import HttpRouter

__all__ = ["format_routes", "main"]


def _handler_name(handler: object) -> str:
    module = getattr(handler, "__module__", None) or "?"
    name = getattr(handler, "__qualname__", None) or type(handler).__name__
    return f"{module}.{name}"


def format_routes(http: HttpRouter) -> str:
    """The route table in lookup order, one route a line (like ``flask routes``)."""
    rows = [(method, path, _handler_name(handler)) for path, method, handler in http.routes()]
    if not rows:
        return "(no routes)"
    widths = [max(len(r[i]) for r in [("Method", "Path", "Handler"), *rows]) for i in range(3)]
    lines = [
        f"{'Method':<{widths[0]}}  {'Path':<{widths[1]}}  Handler",
        f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * widths[2]}",
    ]
    lines += [f"{m:<{widths[0]}}  {p:<{widths[1]}}  {h}" for m, p, h in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convexhttp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve_p = sub.add_parser("serve", help="serve a router on gunicorn")
    serve_p.add_argument("app", help="module:attr of the router, e.g. myapp.http:http")
    serve_p.add_argument("--bind", "-b", default="127.0.0.1:8000", help="host:port to listen on")
    serve_p.add_argument("--workers", "-w", type=int, default=1, help="worker processes")
    serve_p.add_argument("--threads", type=int, default=1, help="threads per worker")
    serve_p.add_argument("--reload", action="store_true", help="restart workers on code changes")
    serve_p.add_argument(
        "--debug", action="store_true", help="send error messages and tracebacks to the client"
    )
    for which in ("request", "response"):
        serve_p.add_argument(
            f"--max-{which}-body",
            type=int,
            default=DEFAULT_MAX_BODY_SIZE,
            metavar="BYTES",
            help=f"largest {which} body (default: 20 MB, Convex's limit)",
        )
    routes_p = sub.add_parser("routes", help="print the route table")
    routes_p.add_argument("app", help="module:attr of the router")
    args = parser.parse_args(argv)

    from convexhttp.adapters.gunicorn import load_router, serve

    try:
        http = load_router(args.app)
    except (ImportError, ValueError) as exc:
        print(f"convexhttp: cannot load {args.app!r}: {exc}", file=sys.stderr)
        return 2
    if args.command == "routes":
        print(format_routes(http))
        return 0
    host, _, port = args.bind.rpartition(":")
    print(f"convexhttp: serving {args.app} on http://{host or '127.0.0.1'}:{port}/", flush=True)
    print(format_routes(http), flush=True)
    serve(
        args.app,
        bind=args.bind,
        workers=args.workers,
        threads=args.threads,
        reload=args.reload,
        debug=args.debug,
        max_request_body=args.max_request_body,
        max_response_body=args.max_response_body,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
