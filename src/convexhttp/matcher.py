"""The route table's lookup, built once per table (SPEC 3).

Static paths are a dict. Patterns are a trie of path segments walked once per request
(``path.split("/")``): a literal segment is a dict edge, a plain one-segment param an
edge with no regex, and a regex runs only for a segment that needs one (``:name.:ext``,
``v:version``) or for the tail of a route that a segment cannot hold (a repeat across
'/', an optional part with a '/', a custom pattern). The walk collects every pattern
whose segments match, so registration order still picks among them and their methods
are the ``Allow`` of a miss: a lookup costs O(path depth), not O(routes). Prefixes are
probed at the path's own '/'s, longest first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from .pathregex import CompiledPath, Params, PatternTimeout

__all__ = ["Lookup", "build_matcher"]

R = TypeVar("R")  # what a route resolves to (the router's Route)

#: ``(route, params, allowed)``; when ``route`` is None, ``allowed`` holds the methods
#: routed for the path (empty: no route at all). A plain tuple: one per request.
Lookup = tuple[R | None, Params, frozenset[str]]

_NO_PARAMS: Params = {}
_EMPTY: frozenset[str] = frozenset()


class _Target(Generic[R]):
    """One pattern route: its place in registration order, methods, and params."""

    __slots__ = ("compiled", "methods", "names", "order", "simple")

    def __init__(self, order: int, compiled: CompiledPath, methods: Mapping[str, R]) -> None:
        self.order = order
        self.compiled = compiled
        self.methods = methods
        self.names = compiled.names
        self.simple = compiled.simple

    def bind(self, values: Sequence[str | None], path: str) -> Params:
        if self.simple and "%" not in path:
            return dict(zip(self.names, values, strict=True))  # type: ignore[arg-type]
        return self.compiled.bind(values)


class _Node(Generic[R]):
    """The trie after some segments: where the next one can go, what ends here."""

    __slots__ = ("edges", "ends", "param", "regexes", "tails")

    def __init__(self) -> None:
        self.edges: dict[str, _Node[R]] = {}  # literal segment -> node
        self.param: _Node[R] | None = None  # any non-empty segment without a '/'
        self.regexes: list[tuple[Callable[[str], object], _Node[R]]] = []  # fullmatch, node
        self.ends: list[_Target[R]] = []  # patterns made of exactly these segments
        self.tails: list[_Target[R]] = []  # patterns whose rest is matched from here


# (order, target, values so far, where its tail starts or -1 when it has none)
_Candidate = tuple[int, _Target[R], tuple[str | None, ...], int]


def _trie(patterns: Sequence[tuple[CompiledPath, Mapping[str, R]]]) -> _Node[R]:
    root: _Node[R] = _Node()
    shared: dict[tuple[int, str], _Node[R]] = {}  # (id of node, regex source) -> child
    for order, (compiled, methods) in enumerate(patterns):
        node = root
        for segment in compiled.segments:
            if segment is None:
                node.param = node.param or _Node()
                node = node.param
            elif isinstance(segment, str):
                node = node.edges.setdefault(segment, _Node())
            else:
                child = shared.get((id(node), segment.pattern))
                if child is None:
                    child = shared[id(node), segment.pattern] = _Node()
                    node.regexes.append((segment.fullmatch, child))
                node = child
        target = _Target(order, compiled, methods)
        (node.tails if compiled.has_tail else node.ends).append(target)
    return root


def _walk(root: _Node[R], path: str) -> list[_Candidate[R]]:
    """Every pattern whose segments match ``path``, with the values they hold."""
    parts = path.split("/")
    n = len(parts)
    out: list[_Candidate[R]] = []
    stack: list[tuple[_Node[R], int, int, tuple[str | None, ...]]] = [(root, 0, 0, ())]
    while stack:
        node, i, pos, values = stack.pop()
        while True:
            if i == n:
                out += [(t.order, t, values, -1) for t in node.ends]
                break
            if node.tails:  # a tail starts at segment i, at pos in the path
                out += [(t.order, t, values, pos) for t in node.tails]
            segment = parts[i]
            end = pos + len(segment) + 1
            child = node.edges.get(segment)
            for fullmatch, sub in node.regexes:
                m = fullmatch(segment)
                if m is not None:
                    stack.append((sub, i + 1, end, values + m.groups()))  # type: ignore[attr-defined]
            param = node.param
            if param is not None and segment:
                if child is None:
                    child, values = param, (*values, segment)
                else:
                    stack.append((param, i + 1, end, (*values, segment)))
            if child is None:
                break
            node, i, pos = child, i + 1, end
    if len(out) > 1:
        out.sort(key=_order)
    return out


def _order(candidate: _Candidate[R]) -> int:
    return candidate[0]


def build_matcher(
    static: Mapping[str, Mapping[str, R]],
    patterns: Sequence[tuple[CompiledPath, Mapping[str, R]]],
    prefixes: Mapping[str, Mapping[str, R]],
) -> Callable[[str, str], Lookup[R]]:
    """The lookup for a table: ``match(normalized_path, method) -> Lookup``.

    ``static`` maps a normalised path to its routes by method, ``patterns`` are in
    registration order, ``prefixes`` map a normalised prefix (ending in '/') to its
    routes. Lookup order (SPEC 3): static, then the first registered pattern, then
    the longest prefix, each only if it has the method; HEAD is looked up as GET.
    Raises ``ParamDecodeError`` for a bad escape in the chosen route's params and
    ``PatternTimeout`` when its custom pattern runs too long.
    """
    static_hits = {
        path: {m: (r, _NO_PARAMS, _EMPTY) for m, r in methods.items()}
        for path, methods in static.items()
    }
    prefix_hits = {
        prefix: {m: (r, _NO_PARAMS, _EMPTY) for m, r in methods.items()}
        for prefix, methods in sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    }
    longest_prefix = max(map(len, prefixes), default=0)
    root = _trie(patterns) if patterns else None
    empty = _EMPTY

    def match(path: str, method: str) -> Lookup[R]:
        if method == "HEAD":
            method = "GET"
        hits = static_hits.get(path)
        if hits is not None:
            hit = hits.get(method)
            if hit is not None:
                return hit

        candidates: list[_Candidate[R]] = []
        if root is not None:
            candidates = _walk(root, path)
            for _, target, values, pos in candidates:
                # A route without the method is never matched here, so its params
                # (or a custom pattern's timeout) cannot fail a request that a later
                # route serves.
                route = target.methods.get(method)
                if route is None:
                    continue
                if pos >= 0:
                    rest = target.compiled.match_tail(path, pos)
                    if rest is None:
                        continue
                    values = (*values, *rest)
                return route, target.bind(values, path), empty

        if prefix_hits:
            # Only slashes within the longest prefix's length can end a prefix.
            end = path.rfind("/", 0, longest_prefix)
            while end >= 0:
                hits = prefix_hits.get(path[: end + 1])
                if hits is not None:
                    hit = hits.get(method)
                    if hit is not None:
                        return hit
                end = path.rfind("/", 0, end)

        return None, _NO_PARAMS, allowed(path, candidates)

    def allowed(path: str, candidates: list[_Candidate[R]]) -> frozenset[str]:
        """The methods routed for ``path`` (for 405 and OPTIONS): only on a miss."""
        methods: set[str] = set(static.get(path, ()))
        for _, target, _, pos in candidates:
            if methods.issuperset(target.methods):
                continue
            if pos >= 0:
                try:
                    if target.compiled.match_tail(path, pos) is None:
                        continue
                except PatternTimeout:
                    continue
            methods.update(target.methods)
        end = path.rfind("/", 0, longest_prefix)
        while end >= 0:
            methods.update(prefixes.get(path[: end + 1], ()))
            end = path.rfind("/", 0, end)
        return frozenset(methods) if methods else empty

    return match
