"""The route table's lookup, built once per table (SPEC 3).

Static paths are a dict. Patterns are a trie of path segments walked once per request
(``path.split("/")``): a literal segment is a dict edge, a plain one-segment param an
edge with no regex, and a regex runs only for a segment that needs one (``:name.:ext``,
``v:version``) or for the tail of a route that a segment cannot hold (a repeat across
'/', an optional part with a '/', a custom pattern). The walk collects every pattern
whose segments match, so registration order still picks among them and their methods
are the ``Allow`` of a miss: a lookup costs O(path depth), not O(routes). Prefixes are
probed at the path's own '/'s, longest first.

As Falcon does, the trie is compiled into one straight-line function: an ``if`` per
segment, literals found by comparisons, the params of a hit built in place. Where a
segment can go more than one way (a literal that a param also fits), or a regex or a
tail starts, the compiled walk hands over to the plain one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Generic, TypeVar, cast

from .pathnorm import NEEDS_WORK, normalize_path
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

    __slots__ = ("allowed", "compiled", "items", "methods", "order", "tail_at")

    def __init__(self, order: int, compiled: CompiledPath, methods: Mapping[str, R]) -> None:
        self.order = order
        self.compiled = compiled
        self.methods = methods
        self.allowed = frozenset(methods)
        self.tail_at = len(compiled.segments) if compiled.has_tail else -1
        #: When every param is a whole segment, or every remaining one (``/:name+``,
        #: as ``rest``): its params as the items of a dict display over ``parts =
        #: path.split("/")``, for the compiled walk.
        self.items: str | None = None
        segments, names = compiled.segments, compiled.names
        slots = [i for i, s in enumerate(segments) if s is None]
        if all(s is None or isinstance(s, str) for s in segments):
            items = [f"{n!r}: parts[{i}]" for n, i in zip(names, slots, strict=False)]
            if self.tail_at < 0 and compiled.simple and len(slots) == len(names):
                self.items = ", ".join(items)
            elif compiled.rest and len(slots) == len(names) - 1:
                self.items = ", ".join([*items, f"{names[-1]!r}: rest"])

    def params(self, parts: list[str], tail: Sequence[str | None] = ()) -> Params:
        """The params of a match, from the path's segments and its tail's values."""
        values: list[str | None] = []
        for segment, part in zip(self.compiled.segments, parts, strict=False):
            if segment is None:
                values.append(part)
            elif not isinstance(segment, str):
                m = segment.fullmatch(part)
                assert m is not None  # it matched on the way here
                values += m.groups()
        values += tail
        return self.compiled.bind(values)

    def match_tail(self, path: str, parts: list[str]) -> Sequence[str | None] | None:
        """The values of this route's tail in ``path``, or None if it does not match."""
        at = self.tail_at
        pos = sum(map(len, parts[:at])) + at  # where segment ``at`` starts
        return self.compiled.match_tail(path, pos)


class _Node(Generic[R]):
    """The trie after ``depth`` segments: where the next one can go, what ends here."""

    __slots__ = (
        "depth",
        "edges",
        "ends",
        "first",
        "first_at",
        "param",
        "regexes",
        "simple",
        "tails",
        "wide",
    )

    def __init__(self, depth: int = 0) -> None:
        self.depth = depth
        self.edges: dict[str, _Node[R]] = {}  # literal segment -> node
        self.param: _Node[R] | None = None  # any non-empty segment (a plain param)
        self.regexes: list[tuple[Callable[[str], object], _Node[R]]] = []  # fullmatch, node
        self.ends: list[_Target[R]] = []  # patterns made of exactly these segments
        self.tails: list[_Target[R]] = []  # patterns whose tail starts at the next segment
        self.wide = False  # a literal segment can also be a param or match a regex
        self.simple = True  # not wide, and no regexes or tails here
        # The earliest registered route here or below (first), and the earliest that
        # can match a path of n segments (first_at[n]).
        self.first: float = math.inf
        self.first_at: dict[int, float] = {}


def _trie(patterns: Sequence[tuple[CompiledPath, Mapping[str, R]]]) -> _Node[R]:
    root: _Node[R] = _Node()
    nodes = [root]
    shared: dict[tuple[int, str], _Node[R]] = {}  # (id of node, regex source) -> child
    for order, (compiled, methods) in enumerate(patterns):
        node = root
        for segment in compiled.segments:
            if segment is None:
                if node.param is None:
                    node.param = _Node(node.depth + 1)
                    nodes.append(node.param)
                node = node.param
            elif isinstance(segment, str):
                child = node.edges.get(segment)
                if child is None:
                    child = node.edges[segment] = _Node(node.depth + 1)
                    nodes.append(child)
                node = child
            else:
                child = shared.get((id(node), segment.pattern))
                if child is None:
                    child = shared[id(node), segment.pattern] = _Node(node.depth + 1)
                    node.regexes.append((segment.fullmatch, child))
                    nodes.append(child)
                node = child
        target = _Target(order, compiled, methods)
        (node.tails if compiled.has_tail else node.ends).append(target)
    deepest = max(node.depth for node in nodes)
    for node in reversed(nodes):  # children come after their parents: bottom up
        node.wide = bool(node.edges) and (node.param is not None or bool(node.regexes))
        node.simple = not (node.wide or node.regexes or node.tails)
        first_at = node.first_at
        for target in node.ends:
            first_at[node.depth] = min(first_at.get(node.depth, math.inf), target.order)
        for target in node.tails:  # a tail takes one segment at least
            for n in range(node.depth + 1, deepest + 1):
                first_at[n] = min(first_at.get(n, math.inf), target.order)
        children = [*node.edges.values(), *(child for _, child in node.regexes)]
        for child in [*children, node.param] if node.param is not None else children:
            for n, first in child.first_at.items():
                first_at[n] = min(first_at.get(n, math.inf), first)
        node.first = min(first_at.values(), default=math.inf)
    return root


_Walked = tuple[Sequence[_Target[R]], Sequence[_Target[R]]]  # (ends, tails to match)


def _walk(node: _Node[R], parts: list[str], start: int = 0) -> _Walked[R]:
    """The patterns whose segments all match ``parts`` (walked from ``node``, which
    ``parts[:start]`` led to), and those whose tail starts at a segment of it: their
    tails are still to match. One node at a time while only one way leads on."""
    tails: list[_Target[R]] = []
    rest = islice(parts, start, None)
    for segment in rest:
        child = node.edges.get(segment)
        if not node.simple:
            tails += node.tails
            if node.regexes or (child is not None and node.wide and segment):
                return _walk_wide(_successors(node, segment), rest, tails)
        if child is None:
            child = node.param
            if child is None or not segment:
                return (), tails
        node = child
    return node.ends, tails


def _successors(node: _Node[R], segment: str) -> list[_Node[R]]:
    out = [child for fullmatch, child in node.regexes if fullmatch(segment) is not None]
    child = node.edges.get(segment)
    if child is not None:
        out.append(child)
    if node.param is not None and segment:
        out.append(node.param)
    return out


def _walk_wide(
    frontier: list[_Node[R]], rest: Iterator[str], tails: list[_Target[R]]
) -> _Walked[R]:
    """:func:`_walk` from several nodes at once (a literal and a param both match...)."""
    for segment in rest:
        if not frontier:
            return (), tails
        for node in frontier:
            tails += node.tails
        frontier = [child for node in frontier for child in _successors(node, segment)]
    return [t for node in frontier for t in node.ends], tails


#: Deeper than this, the compiled walk hands over to :func:`_walk` (Python allows 100
#: levels of indentation).
_MAX_INDENT = 60

#: ``miss(path, method, parts, walked)``: the lookup when the compiled walk found no
#: hit on its way, from what it found (:data:`_Walked`).
_Miss = Callable[[str, str, list[str], "_Walked[R]"], Lookup[R]]


@dataclass(frozen=True)
class _Branch(Generic[R]):
    """Where the compiled walk is: in the literal branch of ``start`` (and maybe of
    nodes below it), whose ``others`` branches (their params) are still to try."""

    start: _Node[R] | None = None  # the outermost such node
    others: tuple[_Node[R], ...] = ()

    def into(self, node: _Node[R]) -> _Branch[R]:
        """The literal branch of ``node`` (a wide node) from here."""
        assert node.param is not None
        return _Branch(self.start or node, (*self.others, node.param))

    def before(self, n: int | None) -> float:
        """The order a route must come before to win here with a path of ``n``
        segments (None: of any length)."""
        if n is None:
            return min((other.first for other in self.others), default=math.inf)
        return min((other.first_at.get(n, math.inf) for other in self.others), default=math.inf)


def _compile_match(
    static_hits: Mapping[str, Mapping[str, Lookup[R]]],
    root: _Node[R] | None,
    miss: _Miss[R],
    plain: bool,
) -> Callable[[str, str], Lookup[R]]:
    """The lookup as one straight-line function, as Falcon compiles its routes: the
    static dict, then per segment an ``if`` (literals found by comparisons, a binary
    search when a node has many), and a hit answered in place, its params a dict
    display. HEAD is served by GET through the method dicts.

    A dead end falls through to what is left to try, so where a literal and a param
    both fit a segment the literal is walked first, then the param. A hit in such a
    literal branch is answered in place only when it was registered before every route
    of the same length the other way; otherwise, and for anything else (a route without
    the method, a regex, a tail), ``miss`` takes over with what :func:`_walk` finds.

    Unless the table is ``plain`` (see :func:`build_matcher`), a raw path without a
    '%' that is not in normal form is looked up again in its normal form.
    """
    names: dict[str, object] = {
        "STATIC": static_hits,
        "walk_from": _walk,
        "miss": miss,
        "MISS": ((), ()),
        "EMPTY": _EMPTY,
        "NEEDS_WORK": NEEDS_WORK.search,
        "normalize_path": normalize_path,
    }
    lines = [
        "def match(path, method):",
        "    hits = STATIC.get(path)",
        "    if hits is not None:",
        "        hit = hits.get(method)",
        "        if hit is not None:",
        "            return hit",
    ]
    if not plain:  # a raw path ' ' or '{' in it may match otherwise in its normal form
        lines.append("    if '%' not in path and NEEDS_WORK(path) is not None:")
        lines.append("        return match(normalize_path(path), method)")
    lines += ["    parts = path.split('/')", "    n = len(parts)"]

    def name(value: object) -> str:
        key = f"C{len(names)}"
        names[key] = value
        return key

    def give_up(pad: str, node: _Node[R] | None, branch: _Branch[R], found: object) -> None:
        """Hand over to ``miss``: with ``found`` on a straight walk, else with what
        :func:`_walk` finds from where the walk last had a choice (or from ``node``)."""
        start = branch.start or node
        walked = name(found) if start is None else f"walk_from({name(start)}, parts, {start.depth})"
        lines.append(f"{pad}return miss(path, method, parts, {walked})")

    def hit_code(target: _Target[R], pad: str, n: int | None, branch: _Branch[R]) -> None:
        rest = n is None
        lines.append(f"{pad}r = {name(_with_head(target.methods))}.get(method)")
        lines.append(f"{pad}if r is not None:")
        if target.order < branch.before(n):
            tail = ", ['/'.join(rest)]" if rest else ""
            lines.append(f"{pad}    if '%' in path:  # params to decode")
            lines.append(f"{pad}        return r, {name(target.params)}(parts{tail}), EMPTY")
            lines.append(f"{pad}    return r, {{{target.items}}}, EMPTY")
        else:  # a route the other way may come first
            give_up(pad + "    ", None, branch, None)

    def node_code(node: _Node[R], indent: int, branch: _Branch[R]) -> None:
        pad, depth = "    " * indent, node.depth
        rest = _rest_of(node)
        if node.regexes or (node.tails and rest is None) or indent > _MAX_INDENT:
            give_up(pad, node, branch, None)
            return
        more = rest is not None or bool(node.edges) or node.param is not None
        if depth and node.ends:  # n >= 1: a split gives one part at least
            lines.append(f"{pad}if n == {depth}:")
            target = node.ends[0]
            if len(node.ends) == 1 and target.items is not None:
                hit_code(target, pad + "    ", depth, branch)
            give_up(pad + "    ", None, branch, (tuple(node.ends), ()))
            if not more:
                return
            lines.append(f"{pad}else:")
        elif depth and more:
            lines.append(f"{pad}if n > {depth}:")
        elif not more:
            return
        pad = "    " * (indent := indent + bool(depth))
        if rest is not None:  # '/:name+': every remaining segment, none of them empty
            lines.append(f"{pad}rest = parts[{depth}:]")
            lines.append(f"{pad}if '' not in rest:")
            hit_code(rest, pad + "    ", None, branch)
            give_up(pad + "    ", None, branch, ((), (rest,)))
            return
        part = f"parts[{depth}]"
        if len(node.edges) + (node.param is not None) > 1:
            lines.append(f"{pad}s{depth} = {part}")
            part = f"s{depth}"
        keys = sorted(node.edges)
        literals(node, keys, part, indent, branch.into(node) if node.wide else branch)
        if node.param is not None:
            lines.append(f"{pad}if {part}:")
            node_code(node.param, indent + 1, branch)

    def literals(
        node: _Node[R], keys: list[str], part: str, indent: int, branch: _Branch[R]
    ) -> None:
        pad = "    " * indent
        if len(keys) <= 4:
            for key in keys:
                lines.append(f"{pad}if {part} == {key!r}:")
                node_code(node.edges[key], indent + 1, branch)
            return
        middle = len(keys) // 2
        lines.append(f"{pad}if {part} < {keys[middle]!r}:")
        literals(node, keys[:middle], part, indent + 1, branch)
        lines.append(f"{pad}else:")
        literals(node, keys[middle:], part, indent + 1, branch)

    if root is not None:
        node_code(root, 1, _Branch())
    lines.append("    return miss(path, method, parts, MISS)")
    exec(compile("\n".join(lines), "<convexhttp route table>", "exec"), names)
    return cast("Callable[[str, str], Lookup[R]]", names["match"])


def _with_head(methods: Mapping[str, R]) -> dict[str, R]:
    """``methods`` with HEAD served by the GET route."""
    out = dict(methods)
    if "GET" in out:
        out["HEAD"] = out["GET"]
    return out


def _rest_of(node: _Node[R]) -> _Target[R] | None:
    """The ``/:name+`` route whose tail is all that follows ``node``, if that is so."""
    if len(node.tails) != 1 or node.edges or node.param or node.regexes:
        return None
    target = node.tails[0]
    return target if target.compiled.rest and target.items is not None else None


def build_matcher(
    static: Mapping[str, Mapping[str, R]],
    patterns: Sequence[tuple[CompiledPath, Mapping[str, R]]],
    prefixes: Mapping[str, Mapping[str, R]],
) -> Callable[[str, str], Lookup[R]]:
    """The lookup for a table: ``match(path, method) -> Lookup``.

    ``static`` maps a normalised path to its routes by method, ``patterns`` are in
    registration order, ``prefixes`` map a normalised prefix (ending in '/') to its
    routes. Lookup order (SPEC 3): static, then the first registered pattern, then
    the longest prefix, each only if it has the method; HEAD is looked up as GET.
    Raises ``ParamDecodeError`` for a bad escape in the chosen route's params and
    ``PatternTimeout`` when its custom pattern runs too long.

    ``path`` is in normal form, or raw (as the request has it) when it is ASCII and
    has no '%': the answer is the normal form's. Such a path differs from its normal
    form only by characters the normal form escapes (' ', '"', '{', ...). In a
    ``plain`` table (no '%' in any literal; every param a whole segment or a
    '/:name+' tail) such a character can neither match a literal in one form and
    not in the other, nor decode to another value, so the raw path is walked as it
    is and the dispatcher skips the normal-form check (a third of a lookup on a
    small table). Any other table reads such a path in its normal form first.
    """
    static_hits = {
        path: {m: (r, _NO_PARAMS, _EMPTY) for m, r in _with_head(methods).items()}
        for path, methods in static.items()
    }
    prefix_hits = {
        prefix: {m: (r, _NO_PARAMS, _EMPTY) for m, r in methods.items()}
        for prefix, methods in sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    }
    longest_prefix = max(map(len, prefixes), default=0)
    static_allowed = {path: frozenset(methods) for path, methods in static.items()}
    not_found: Lookup[R] = (None, _NO_PARAMS, _EMPTY)

    def miss(path: str, method: str, parts: list[str], walked: _Walked[R]) -> Lookup[R]:
        """The rest of the lookup when the compiled walk found no hit on its way."""
        if method == "HEAD":
            method = "GET"
        ends, tails = walked
        if ends or tails:
            lookup = _first(method, path, parts, ends, tails)
            if lookup is not None:
                return lookup
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
        elif not tails and len(ends) <= 1:  # the usual 404 or 405: nothing to union
            here = static_allowed.get(path)
            if not ends:
                return not_found if here is None else (None, _NO_PARAMS, here)
            if here is None:
                return None, _NO_PARAMS, ends[0].allowed
        return None, _NO_PARAMS, allowed(path, parts, ends, tails)

    def allowed(
        path: str, parts: list[str], ends: Sequence[_Target[R]], tails: Sequence[_Target[R]]
    ) -> frozenset[str]:
        """The methods routed for ``path`` (for 405 and OPTIONS), from the same walk."""
        methods: set[str] = set(static.get(path, ()))
        for target in ends:
            methods.update(target.methods)
        for target in tails:
            if methods.issuperset(target.methods):
                continue
            try:
                if target.match_tail(path, parts) is None:
                    continue
            except PatternTimeout:
                continue
            methods.update(target.methods)
        end = path.rfind("/", 0, longest_prefix)
        while end >= 0:
            methods.update(prefixes.get(path[: end + 1], ()))
            end = path.rfind("/", 0, end)
        return frozenset(methods) if methods else _EMPTY

    plain = not any("%" in text for text in (*static, *prefixes)) and all(
        _plain(compiled) for compiled, _ in patterns
    )
    return _compile_match(static_hits, _trie(patterns) if patterns else None, miss, plain)


def _plain(compiled: CompiledPath) -> bool:
    """Whether a raw path without '%' gets this pattern's answer for its normal form:
    literal segments without '%', whole-segment params, no tail but '/:name+'."""
    return all(
        segment is None or (isinstance(segment, str) and "%" not in segment)
        for segment in compiled.segments
    ) and (not compiled.has_tail or compiled.rest)


def _first(
    method: str,
    path: str,
    parts: list[str],
    ends: Sequence[_Target[R]],
    tails: Sequence[_Target[R]],
) -> Lookup[R] | None:
    """The first registered of the candidates that has the method and matches."""
    candidates = [*ends, *tails]
    if len(candidates) > 1:
        candidates.sort(key=_order)
    for target in candidates:
        # A route without the method is never matched here, so its params (or a custom
        # pattern's timeout) cannot fail a request that a later route serves.
        route = target.methods.get(method)
        if route is None:
            continue
        if target.tail_at < 0:
            return route, target.params(parts), _EMPTY
        rest = target.match_tail(path, parts)
        if rest is not None:
            return route, target.params(parts, rest), _EMPTY
    return None


def _order(target: _Target[R]) -> int:
    return target.order
