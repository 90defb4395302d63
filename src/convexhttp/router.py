"""HttpRouter: the route table, conflict checks and lookup (SPEC 3)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .paths import CompiledPath, Params, compile_path, compile_prefix, normalize_path

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
    compiled: CompiledPath | None = None  # None for static paths and prefixes
    methods: dict[str, Route] = field(default_factory=dict)


@dataclass(slots=True)
class Lookup:
    """The outcome of a lookup: a route, or the methods the path does allow."""

    route: Route | None
    params: Params
    allowed: frozenset[str]  # the methods routed for this path (empty: no route at all)


class _TrieNode:
    __slots__ = ("candidates", "children", "own")

    def __init__(self) -> None:
        self.children: dict[str, _TrieNode] = {}
        self.own: list[_Entry] = []  # pattern entries whose literal segments end here
        self.candidates: tuple[_Entry, ...] = ()  # own + every ancestor's, in registration order


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
        self._static: dict[str, _Entry] = {}
        self._patterns: dict[str, _Entry] = {}  # CompiledPath.key -> entry
        self._prefixes: dict[str, _Entry] = {}  # normalised prefix -> entry
        self._trie = _TrieNode()
        self._max_prefix_segments = 0
        self._count = 0

    # -- registration --------------------------------------------------------

    def route(
        self,
        *,
        path: str | None = None,
        path_prefix: str | None = None,
        method: str | Sequence[str] = "GET",
        handler: Handler,
        pathPrefix: str | None = None,  # noqa: N803 - Convex's spelling
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
            raise ValueError(
                f"route {path or path_prefix!r}: handler {handler!r} is not callable"
            )
        if path is not None:
            self._add_path(path, method, handler)
        else:
            assert path_prefix is not None
            self._add_prefix(path_prefix, method, handler)

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
            entry = _Entry(path, self._count, None if compiled.static is not None else compiled)
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
            self._max_prefix_segments = max(self._max_prefix_segments, normalized.count("/"))

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

    def _index_pattern(self, entry: _Entry, segments: tuple[str, ...]) -> None:
        node = self._trie
        for seg in segments:
            node = node.children.setdefault(seg, _TrieNode())
        node.own.append(entry)
        self._rebuild_candidates(self._trie, ())

    def _rebuild_candidates(self, node: _TrieNode, inherited: tuple[_Entry, ...]) -> None:
        node.candidates = tuple(sorted(inherited + tuple(node.own), key=lambda e: e.order))
        for child in node.children.values():
            self._rebuild_candidates(child, node.candidates)

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

    getRoutes = routes  # noqa: N815 - Convex's spelling

    def lookup(self, path: str, method: str) -> tuple[Handler, str, str, Params] | None:
        """``(handler, method, routed_path, params)`` for a request, or None.

        ``path`` is the raw request path (percent-encoded, no query); HEAD is
        looked up as GET.
        """
        found = self.match(normalize_path(path), method)
        if found.route is None:
            return None
        r = found.route
        return r.handler, r.method, r.path, found.params

    # -- the hot path --------------------------------------------------------

    def match(self, path: str, method: str) -> Lookup:
        """Find the route for a normalised ``path`` and an upper-case ``method``.

        Raises ``ParamDecodeError`` for an invalid escape in a param value.
        """
        if method == "HEAD":
            method = "GET"
        allowed: set[str] | None = None
        entry = self._static.get(path)
        if entry is not None:
            route = entry.methods.get(method)
            if route is not None:
                return Lookup(route, _NO_PARAMS, _EMPTY)
            allowed = set(entry.methods)

        if self._patterns:
            node = self._trie
            children = node.children
            if children:
                for seg in path.split("/")[1:]:
                    child = children.get(seg)
                    if child is None:
                        break
                    node = child
                    children = node.children
                    if not children:
                        break
            for candidate in node.candidates:
                assert candidate.compiled is not None
                params = candidate.compiled.match(path)
                if params is None:
                    continue
                route = candidate.methods.get(method)
                if route is not None:
                    return Lookup(route, params, _EMPTY)
                allowed = set(candidate.methods) if allowed is None else allowed | set(
                    candidate.methods
                )

        if self._prefixes:
            for prefix in self._candidate_prefixes(path):
                entry = self._prefixes.get(prefix)
                if entry is None:
                    continue
                route = entry.methods.get(method)
                if route is not None:
                    return Lookup(route, _NO_PARAMS, _EMPTY)
                allowed = set(entry.methods) if allowed is None else allowed | set(entry.methods)

        return Lookup(None, _NO_PARAMS, frozenset(allowed) if allowed else _EMPTY)

    def _candidate_prefixes(self, path: str) -> Iterable[str]:
        """The prefixes of ``path`` that end in '/', longest first (no deeper than any route's)."""
        parts = path.split("/")
        for depth in range(min(len(parts) - 1, self._max_prefix_segments), 0, -1):
            yield "/".join(parts[:depth]) + "/"


def http_router() -> HttpRouter:
    """A new, empty router (Convex: ``httpRouter()``)."""
    return HttpRouter()
