"""HttpRouter: the route table, conflict checks and lookup (SPEC 3)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .matcher import Lookup, build_matcher
from .pathnorm import normalize_path
from .pathregex import CompiledPath, Params, compile_path, compile_prefix

__all__ = ["ROUTABLE_METHODS", "HttpRouter", "Lookup", "Route", "http_router"]

#: Methods a route may name (Convex's list). HEAD is served by GET.
ROUTABLE_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")

Handler = Callable[..., Any]


@dataclass(slots=True)
class Route:
    """One registered (path or prefix, method, handler)."""

    path: str  # as shown: the user's pattern, or "<prefix>*" for a prefix route
    method: str
    handler: Handler
    is_async: bool  # an ``async def`` handler: run on the worker thread's event loop


@dataclass(slots=True)
class _Entry:
    """All methods registered on one path (or equivalent pattern, or prefix)."""

    shown: str
    order: int
    compiled: CompiledPath | None = None  # for patterns
    methods: dict[str, Route] = field(default_factory=dict)


def _is_coroutine_function(handler: Handler) -> bool:
    if inspect.iscoroutinefunction(handler):
        return True
    call = getattr(type(handler), "__call__", None)  # noqa: B004 - an object with async __call__
    return not inspect.isroutine(handler) and inspect.iscoroutinefunction(call)


def _normalize_methods(method: str | Sequence[str], where: str) -> list[str]:
    names = [method] if isinstance(method, str) else list(method)
    if not names:
        raise ValueError(f"route {where}: method list is empty")
    out: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"route {where}: method {name!r} is not a string")
        upper = name.upper()
        if upper not in ROUTABLE_METHODS:
            hint = " (HEAD requests are served by the GET route)" if upper == "HEAD" else ""
            raise ValueError(
                f"route {where}: method {name!r} cannot be routed{hint}; "
                f"use one of {', '.join(ROUTABLE_METHODS)}"
            )
        if upper not in out:
            out.append(upper)
    return out


def route_target(
    path: str | None, path_prefix: str | None, pathPrefix: str | None
) -> tuple[str | None, str | None]:
    """``(path, path_prefix)`` of a ``route()`` call: exactly one of them, ``pathPrefix``
    being Convex's spelling of ``path_prefix``."""
    if pathPrefix is not None:
        if path_prefix is not None:
            raise ValueError("route: give path_prefix or pathPrefix, not both")
        path_prefix = pathPrefix
    if (path is None) == (path_prefix is None):
        raise ValueError(
            f"route(path={path!r}, path_prefix={path_prefix!r}): "
            "give exactly one of path or path_prefix"
        )
    return path, path_prefix


class HttpRouter:
    """A table of HTTP action routes, looked up in Convex's order.

    Static paths first, then patterns in registration order, then path prefixes,
    longest first. The lookup is built from the whole table on the first request
    after a change (:mod:`.matcher`), never per ``route()`` call.
    """

    def __init__(self) -> None:
        # The module that made the router: its package holds the app's functions by default.
        self.defined_in = _caller_module()
        self._static: dict[str, _Entry] = {}
        self._patterns: dict[str, _Entry] = {}  # CompiledPath.key -> entry
        self._prefixes: dict[str, _Entry] = {}  # normalised prefix -> entry
        self._count = 0

    # -- registration --------------------------------------------------------

    def route(
        self,
        *,
        path: str | None = None,
        path_prefix: str | None = None,
        method: str | Sequence[str] = "GET",
        handler: Handler,
        pathPrefix: str | None = None,
    ) -> None:
        """Register ``handler`` for ``path`` or ``path_prefix`` and ``method``."""
        path, path_prefix = route_target(path, path_prefix, pathPrefix)
        if not callable(handler):
            raise ValueError(f"route {path or path_prefix!r}: handler {handler!r} is not callable")
        if path is not None:
            self._add_path(path, method, handler)
        else:
            assert path_prefix is not None
            self._add_prefix(path_prefix, method, handler)
        self.__dict__.pop("match", None)  # the next lookup builds the matcher again

    def _add_path(self, path: str, method: str | Sequence[str], handler: Handler) -> None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"route path {path!r} must be a string starting with '/'")
        methods = _normalize_methods(method, repr(path))
        compiled = compile_path(path)
        if compiled.static is not None:
            table, slot = self._static, compiled.static
        else:
            table, slot = self._patterns, compiled.key
        entry = table.get(slot) or _Entry(path, self._count, compiled)
        self._register(entry, path, methods, handler)
        if slot not in table:
            self._count += 1
            table[slot] = entry

    def _add_prefix(self, prefix: str, method: str | Sequence[str], handler: Handler) -> None:
        if not isinstance(prefix, str):
            raise ValueError(f"route path_prefix {prefix!r} must be a string")
        methods = _normalize_methods(method, f"prefix {prefix!r}")
        normalized = compile_prefix(prefix)
        entry = self._prefixes.get(normalized) or _Entry(prefix + "*", self._count)
        self._register(entry, prefix + "*", methods, handler)
        if normalized not in self._prefixes:
            self._count += 1
            self._prefixes[normalized] = entry

    @staticmethod
    def _register(entry: _Entry, shown: str, methods: list[str], handler: Handler) -> None:
        for m in methods:
            if m in entry.methods:
                raise ValueError(
                    f"route {m} {shown!r} conflicts with the route {m} "
                    f"{entry.methods[m].path!r} registered before it: they match the same "
                    "requests; remove one or give them different methods"
                )
        is_async = _is_coroutine_function(handler)
        for m in methods:
            entry.methods[m] = Route(shown, m, handler, is_async)

    # -- inspection ----------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(path, method, handler)`` for every route, in lookup order."""
        out: list[tuple[str, str, Handler]] = []
        for group in (
            sorted(self._static.values(), key=lambda e: e.order),
            sorted(self._patterns.values(), key=lambda e: e.order),
            [e for _, e in sorted(self._prefixes.items(), key=lambda kv: -len(kv[0]))],
        ):
            for entry in group:
                out.extend((r.path, r.method, r.handler) for r in entry.methods.values())
        return out

    getRoutes = routes

    def static_paths(self) -> list[str]:
        """The paths routed exactly (no params), in their normal form."""
        return list(self._static)

    def lookup(self, path: str, method: str) -> tuple[Handler, str, str, Params] | None:
        """``(handler, method, routed_path, params)`` for a request, or None.

        ``path`` is the raw request path (percent-encoded, no query); HEAD is
        looked up as GET. Raises ``ParamDecodeError`` for a path with a lone
        ``%`` or a param that is not percent-encoded UTF-8.
        """
        r, params, _ = self.match(normalize_path(path), method)
        if r is None:
            return None
        return r.handler, r.method, r.path, dict(params)

    # -- the hot path --------------------------------------------------------

    def match(self, path: str, method: str) -> Lookup[Route]:
        """Find the route for ``path`` and an upper-case ``method``: a path in normal
        form, or a raw one that is ASCII and has no '%' (answered as its normal form
        would be; see ``matcher.build_matcher``).

        Returns ``(route, params, allowed)``: ``allowed`` is empty on a hit, and on a
        miss holds the methods routed for the path (empty: no route at all). Raises
        ``ParamDecodeError`` for an invalid escape in a param value, and
        ``PatternTimeout`` when a custom pattern runs too long. The first call after
        a change builds the matcher and puts it in this method's place.
        """
        patterns = sorted(self._patterns.values(), key=lambda e: e.order)
        match = build_matcher(
            {path: e.methods for path, e in self._static.items()},
            [(e.compiled, e.methods) for e in patterns if e.compiled is not None],
            {prefix: e.methods for prefix, e in self._prefixes.items()},
        )
        self.match = match  # type: ignore[method-assign,assignment]
        return match(path, method)


def _caller_module() -> str | None:
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else frame.f_globals.get("__name__")


def http_router() -> HttpRouter:
    """A new, empty router (Convex: ``httpRouter()``)."""
    return HttpRouter()
