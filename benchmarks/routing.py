"""Route lookups per second: convexhttp's router vs Werkzeug, Falcon and Starlette.

Every matcher gets the same route table (static, param and prefix routes in
equal thirds) and the same request paths, one hit per route, in one run; the
figures that matter are the ratios. Run: ``make bench-routing`` (or
``python benchmarks/routing.py [--quick]``).
"""

from __future__ import annotations

import argparse
import random
import sys
import timeit
from collections.abc import Callable
from typing import Any

from convexhttp import http_router
from convexhttp.paths import normalize_path


def handler(ctx: Any, request: Any) -> None:
    return None


def table(n: int) -> tuple[list[tuple[str, str]], list[str]]:
    """``(kind, index)`` routes and one request path per route, shuffled the same for everyone."""
    routes: list[tuple[str, str]] = []
    paths: list[str] = []
    for i in range(n):
        kind = ("static", "param", "prefix")[i % 3]
        routes.append((kind, f"r{i}"))
        if kind == "static":
            paths.append(f"/r{i}/items/list")
        elif kind == "param":
            paths.append(f"/r{i}/users/{i * 7}")
        else:
            paths.append(f"/r{i}/files/a/b.txt")
    random.Random(n).shuffle(paths)
    return routes, paths


def ours(routes: list[tuple[str, str]]) -> Callable[[str], object]:
    http = http_router()
    for kind, name in routes:
        if kind == "static":
            http.route(path=f"/{name}/items/list", handler=handler)
        elif kind == "param":
            http.route(path=f"/{name}/users/:id", handler=handler)
        else:
            http.route(path_prefix=f"/{name}/files/", handler=handler)
    match = http.match

    def lookup(path: str) -> object:
        found = match(normalize_path(path), "GET")
        assert found[0] is not None
        return found

    return lookup


def werkzeug(routes: list[tuple[str, str]]) -> Callable[[str], object]:
    from werkzeug.routing import Map, Rule

    rules = []
    for kind, name in routes:
        if kind == "static":
            rules.append(Rule(f"/{name}/items/list", endpoint=name))
        elif kind == "param":
            rules.append(Rule(f"/{name}/users/<id>", endpoint=name))
        else:
            rules.append(Rule(f"/{name}/files/<path:rest>", endpoint=name))
    adapter = Map(rules).bind("localhost")
    return lambda path: adapter.match(path, "GET")


def falcon(routes: list[tuple[str, str]]) -> Callable[[str], object] | None:
    try:
        from falcon.routing import CompiledRouter
    except ImportError:
        return None

    class Resource:
        def on_get(self, req: Any, resp: Any, **kw: Any) -> None: ...

    router = CompiledRouter()
    resource = Resource()
    for kind, name in routes:
        if kind == "static":
            router.add_route(f"/{name}/items/list", resource)
        elif kind == "param":
            router.add_route(f"/{name}/users/{{id}}", resource)
        else:
            router.add_route(f"/{name}/files/{{rest:path}}", resource)
    find = router.find

    def lookup(path: str) -> object:
        found = find(path)
        assert found is not None
        return found

    return lookup


def starlette(routes: list[tuple[str, str]]) -> Callable[[str], object] | None:
    try:
        from starlette.routing import Match, Route
    except ImportError:
        return None

    async def endpoint(request: Any) -> None: ...

    table_: list[Route] = []
    for kind, name in routes:
        if kind == "static":
            table_.append(Route(f"/{name}/items/list", endpoint))
        elif kind == "param":
            table_.append(Route(f"/{name}/users/{{id}}", endpoint))
        else:
            table_.append(Route(f"/{name}/files/{{rest:path}}", endpoint))

    def lookup(path: str) -> object:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        for route in table_:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return child
        raise AssertionError(path)

    return lookup


def rate(lookup: Callable[[str], object], paths: list[str], seconds: float) -> float:
    """Lookups per second: the best of several rounds over every path."""

    def run() -> None:
        for p in paths:
            lookup(p)

    run()  # warm-up, and proof every path resolves
    rounds = max(1, int(seconds / 5 / max(timeit.timeit(run, number=1), 1e-9)))
    best = min(timeit.repeat(run, number=rounds, repeat=5)) / rounds
    return len(paths) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter rounds")
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args(argv)
    seconds = 0.2 if args.quick else 1.0
    sizes = [int(s) for s in args.sizes.split(",")]
    peers: dict[str, Callable[[list[tuple[str, str]]], Callable[[str], object] | None]] = {
        "werkzeug": werkzeug,
        "falcon": falcon,
        "starlette": starlette,
    }
    results: dict[int, dict[str, float]] = {}
    for n in sizes:
        routes, paths = table(n)
        results[n] = {"convexhttp": rate(ours(routes), paths, seconds)}
        for name, build in peers.items():
            lookup = build(routes)
            if lookup is not None:
                results[n][name] = rate(lookup, paths, seconds)

    names = list(results[sizes[0]])
    print(f"{'N':>6}  " + "  ".join(f"{n + ' /s':>16}" for n in names))
    for n in sizes:
        print(f"{n:>6}  " + "  ".join(f"{results[n][k]:>16,.0f}" for k in names))
    print()
    print("ratio: convexhttp lookups/s over the peer's (higher is better)")
    for n in sizes:
        ratios = ", ".join(
            f"{k} {results[n]['convexhttp'] / results[n][k]:.2f}x" for k in names[1:]
        )
        print(f"  N={n:<5} {ratios}")
    ours_small, ours_big = results[sizes[0]]["convexhttp"], results[sizes[-1]]["convexhttp"]
    print(f"convexhttp N={sizes[0]} / N={sizes[-1]} time per lookup: {ours_small / ours_big:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
