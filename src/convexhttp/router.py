"""HttpRouter: the route table, conflict checks and lookup (SPEC 3)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .paths import (
    ParamDecodeError,
    Params,
    PatternTimeout,
    compile_path,
    compile_prefix,
    normalize_path,
)

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
    match: Callable[[str], Params | None] | None = None  # CompiledPath.match, for patterns
    methods: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, Lookup] = field(default_factory=dict)  # ready answers for param-less routes


#: The outcome of a lookup: ``(route, params, allowed)``; when ``route`` is None,
#: ``allowed`` holds the methods routed for the path (empty: no route at all).
#: A plain tuple: it is built on every request.
Lookup = tuple[Route | None, Params, frozenset[str]]


_NO_PARAMS: Params = {}
_EMPTY: frozenset[str] = frozenset()


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


class HttpRouter:
    """A table of HTTP action routes, looked up in Convex's order.

    Static paths first (a dict), then patterns in registration order (indexed by
    their leading literal segments, so a lookup never scans every pattern), then
    path prefixes, longest first.
    """

    def __init__(self) -> None:
        # The module that made the router: its package holds the app's functions by default.
        self.defined_in = _caller_module()
        self._static: dict[str, _Entry] = {}
        self._patterns: dict[str, _Entry] = {}  # CompiledPath.key -> entry
        self._prefixes: dict[str, _Entry] = {}  # normalised prefix -> entry
        # Pattern routes by the literal text their paths must start with ("/api/users/"
        # for "/api/users/:id"): each key holds, in registration order, every pattern
        # whose literal head is a prefix of that key, so one probe finds all candidates.
        self._heads: dict[str, list[_Entry]] = {}
        self._candidates: dict[str, tuple[_Entry, ...]] = {}
        self._max_head_length = 0
        self._max_prefix_length = 0
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
        if pathPrefix is not None:
            if path_prefix is not None:
                raise ValueError("route: give path_prefix or pathPrefix, not both")
            path_prefix = pathPrefix
        if (path is None) == (path_prefix is None):
            raise ValueError(
                f"route(path={path!r}, path_prefix={path_prefix!r}): "
                "give exactly one of path or path_prefix"
            )
        if not callable(handler):
            raise ValueError(f"route {path or path_prefix!r}: handler {handler!r} is not callable")
        if path is not None:
            self._add_path(path, method, handler)
        else:
            assert path_prefix is not None
            self._add_prefix(path_prefix, method, handler)
        self._compile()

    def _add_path(self, path: str, method: str | Sequence[str], handler: Handler) -> None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"route path {path!r} must be a string starting with '/'")
        methods = _normalize_methods(method, repr(path))
        compiled = compile_path(path)
        if compiled.static is not None:
            entry = self._static.get(compiled.static)
            table = self._static
            slot = compiled.static
        else:
            entry = self._patterns.get(compiled.key)
            table = self._patterns
            slot = compiled.key
        new = entry is None
        if entry is None:
            match = None if compiled.static is not None else compiled.matcher()
            entry = _Entry(path, self._count, match)
        self._register(entry, path, methods, handler)
        if new:
            self._count += 1
            table[slot] = entry
            if compiled.static is None:
                self._index_pattern(entry, compiled.literal_segments)

    def _add_prefix(self, prefix: str, method: str | Sequence[str], handler: Handler) -> None:
        if not isinstance(prefix, str):
            raise ValueError(f"route path_prefix {prefix!r} must be a string")
        methods = _normalize_methods(method, f"prefix {prefix!r}")
        normalized = compile_prefix(prefix)
        entry = self._prefixes.get(normalized)
        new = entry is None
        if entry is None:
            entry = _Entry(prefix + "*", self._count)
        self._register(entry, prefix + "*", methods, handler)
        if new:
            self._count += 1
            self._prefixes[normalized] = entry
            # Longest first; equal lengths cannot overlap, so their order is moot.
            self._prefixes = dict(sorted(self._prefixes.items(), key=lambda kv: -len(kv[0])))
            self._max_prefix_length = max(self._max_prefix_length, len(normalized))

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
            route = entry.methods[m] = Route(shown, m, handler, is_async)
            if entry.match is None:
                entry.hits[m] = (route, _NO_PARAMS, _EMPTY)

    def _index_pattern(self, entry: _Entry, segments: tuple[str, ...]) -> None:
        head = "/" + "".join(f"{segment}/" for segment in segments)
        if head not in self._heads:
            self._heads[head] = []
            ancestors = [e for h, own in self._heads.items() if head.startswith(h) for e in own]
            self._candidates[head] = tuple(sorted(ancestors, key=lambda e: e.order))
        self._heads[head].append(entry)
        # The newest entry comes last in registration order: append it below its head.
        for key, candidates in self._candidates.items():
            if key.startswith(head):
                self._candidates[key] = (*candidates, entry)
        self._max_head_length = max(self._max_head_length, len(head))

    # -- inspection ----------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(path, method, handler)`` for every route, in lookup order."""
        out: list[tuple[str, str, Handler]] = []
        for group in (
            sorted(self._static.values(), key=lambda e: e.order),
            sorted(self._patterns.values(), key=lambda e: e.order),
            self._prefixes.values(),
        ):
            for entry in group:
                out.extend((r.path, r.method, r.handler) for r in entry.methods.values())
        return out

    getRoutes = routes

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

    def match(self, path: str, method: str) -> Lookup:
        """Find the route for a normalised ``path`` and an upper-case ``method``.

        Raises ``ParamDecodeError`` for an invalid escape in a param value, and
        ``PatternTimeout`` when a custom pattern runs too long. (Replaced per
        instance by the compiled matcher; this is its documentation.)
        """
        return self._compile()(path, method)

    def _compile(self) -> Callable[[str, str], Lookup]:
        """Build the lookup as one closure over the tables (locals, not attributes:
        this runs on every request). Called again after every registration."""
        static = self._static
        index = {
            head: tuple((e.match, e.methods) for e in entries)
            for head, entries in self._candidates.items()
        }
        max_head = self._max_head_length
        prefixes = self._prefixes
        max_prefix = self._max_prefix_length
        no_params = _NO_PARAMS
        empty = _EMPTY

        def match(path: str, method: str) -> Lookup:
            if method == "HEAD":
                method = "GET"
            entry = static.get(path)
            if entry is not None:
                hit = entry.hits.get(method)
                if hit is not None:
                    return hit

            candidates: tuple[tuple[Any, dict[str, Route]], ...] = ()
            if index:
                # The longest indexed head that the path starts with (heads end in "/").
                end = path.rfind("/", 0, max_head)
                while end >= 0:
                    found = index.get(path[: end + 1])
                    if found is not None:
                        candidates = found
                        break
                    end = path.rfind("/", 0, end)
                for candidate_match, methods in candidates:
                    # A route without the method is never matched here, so its
                    # params (or a custom pattern's timeout) cannot fail a
                    # request that a later route serves.
                    route = methods.get(method)
                    if route is not None:
                        params = candidate_match(path)
                        if params is not None:
                            return route, params, empty

            if prefixes:
                # Only slashes within the longest prefix's length can end a prefix.
                end = path.rfind("/", 0, max_prefix)
                while end >= 0:
                    entry = prefixes.get(path[: end + 1])
                    if entry is not None:
                        hit = entry.hits.get(method)
                        if hit is not None:
                            return hit
                    end = path.rfind("/", 0, end)

            return None, no_params, allowed_methods(path, candidates)

        def allowed_methods(
            path: str, candidates: tuple[tuple[Any, dict[str, Route]], ...]
        ) -> frozenset[str]:
            """The methods routed for ``path`` (for 405 and OPTIONS): only on a miss."""
            allowed: set[str] = set()
            entry = static.get(path)
            if entry is not None:
                allowed.update(entry.methods)
            for candidate_match, methods in candidates:
                if allowed.issuperset(methods):
                    continue
                try:
                    if candidate_match(path) is None:
                        continue
                except ParamDecodeError:
                    pass  # the pattern matched; only its params were bad
                except PatternTimeout:
                    continue
                allowed.update(methods)
            end = path.rfind("/", 0, max_prefix)
            while end >= 0:
                entry = prefixes.get(path[: end + 1])
                if entry is not None:
                    allowed.update(entry.methods)
                end = path.rfind("/", 0, end)
            return frozenset(allowed) if allowed else empty

        self.match = match  # type: ignore[method-assign]
        return match


def _caller_module() -> str | None:
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else frame.f_globals.get("__name__")


def http_router() -> HttpRouter:
    """A new, empty router (Convex: ``httpRouter()``)."""
    return HttpRouter()
