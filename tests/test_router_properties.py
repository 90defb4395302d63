"""The router's table matcher against the plainest reading of SPEC 3, on random tables.

The oracle tries every route in the order SPEC 3 gives (static paths, then patterns
in registration order through their own compiled regex, then prefixes longest
first), each only for a method it has; on a miss, ``Allow`` is every method of every
route that matches the path. The router must give the same route, the same params,
the same ``Allow`` and the same errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexhttp import http_router
from convexhttp.paths import (
    ParamDecodeError,
    PatternTimeout,
    compile_path,
    compile_prefix,
    normalize_path,
)

ROUTE_METHODS = ["GET", "POST", "PUT"]
REQUEST_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]

# Segments of route patterns, chosen so that routes overlap: the same literal heads,
# literals where other routes have params, params of every kind, tails.
WORDS = ["a", "b", "users", "v1"]
ROUTE_SEGMENTS = [
    *WORDS,
    ":p",
    ":p",
    ":p.:p",
    "v:p",
    ":p-:p",
    r":p(\d+)",
    ":p?",
    ":p+",
    ":p*",
    "{:p}*",
    "users?",
    ":p{-:p}?",
    "",
    "a.:p+",
    "(.*)",
]
PATH_SEGMENTS = [*WORDS, "1", "12", "x.y", "a.b.c", "va", "v1", "1-2-3", "", "%41", "x%2Fy"]
PATH_SEGMENTS += ["%FF", "user", "é", "a.:p"]


# Raw paths as a server may pass them (ASCII, no '%'), with characters their normal
# form escapes; and route literals holding those characters, written either way.
RAW_PATH_SEGMENTS = [*WORDS, "1", "x.y", "va", "", "a b", "x|y", "q^", '"', "<a>", "`", "#f"]
RAW_ROUTE_SEGMENTS = [*ROUTE_SEGMENTS, "a b", "a%20b", "x|y", "q^", "q%5E", "#f"]


@st.composite
def route_paths(draw: st.DrawFn, pieces: list[str] = ROUTE_SEGMENTS) -> tuple[str, str]:
    """``("path" | "prefix", text)``: a pattern of 1 to 4 segments, or a prefix."""
    segments = draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=4))
    if draw(st.integers(0, 9)) == 0:
        literal = [s for s in segments if s in WORDS]
        return "prefix", "/" + "".join(f"{s}/" for s in literal)
    counter = iter(range(100))
    text = "/" + "/".join(segments)
    while ":p" in text:
        text = text.replace(":p", f":x{next(counter)}", 1)
    return "path", text


@st.composite
def request_paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(st.sampled_from(PATH_SEGMENTS), min_size=0, max_size=5))
    return "/" + "/".join(segments)


@dataclass
class Table:
    """The routes the router accepted, in registration order, with the oracle's view."""

    static: dict[str, set[str]] = field(default_factory=dict)
    patterns: list[tuple[str, Callable[[str], Any], set[str]]] = field(default_factory=list)
    prefixes: dict[str, tuple[str, set[str]]] = field(default_factory=dict)


def build(routes: list[tuple[tuple[str, str], list[str]]]) -> tuple[Any, Table]:
    http = http_router()
    table = Table()
    for (kind, text), methods in routes:
        try:
            if kind == "path":
                http.route(path=text, method=methods, handler=handler)
            else:
                http.route(path_prefix=text, method=methods, handler=handler)
        except ValueError:
            continue  # a bad or conflicting route registers nothing
        if kind == "prefix":
            table.prefixes.setdefault(compile_prefix(text), (text + "*", set()))[1].update(methods)
            continue
        compiled = compile_path(text)
        if compiled.static is not None:
            table.static.setdefault(compiled.static, set()).update(methods)
            continue
        for shown, _, own in table.patterns:
            if compile_path(shown).key == compiled.key:
                own.update(methods)  # more methods on an equivalent pattern
                break
        else:
            table.patterns.append((text, compiled.match, set(methods)))
    return http, table


def handler(ctx: Any, request: Any) -> None: ...


def oracle(table: Table, path: str, method: str) -> tuple[str | None, Any, frozenset[str]]:
    """``(routed pattern, params, allowed)`` read straight from SPEC 3."""
    method = "GET" if method == "HEAD" else method
    for static, methods in table.static.items():
        if static == path and method in methods:
            return static, {}, frozenset()
    for shown, match, methods in table.patterns:
        if method in methods:
            params = match(path)  # raises ParamDecodeError / PatternTimeout as the router must
            if params is not None:
                return shown, params, frozenset()
    for prefix in sorted(table.prefixes, key=len, reverse=True):
        shown, methods = table.prefixes[prefix]
        if path.startswith(prefix) and method in methods:
            return shown, {}, frozenset()
    allowed: set[str] = set(table.static.get(path, ()))
    for _, match, methods in table.patterns:
        try:
            if match(path) is None:
                continue
        except ParamDecodeError:
            pass  # the pattern matched; only its params are bad
        except PatternTimeout:
            continue
        allowed |= methods
    for prefix, (_, methods) in table.prefixes.items():
        if path.startswith(prefix):
            allowed |= methods
    return None, {}, frozenset(allowed)


def assert_agrees(http: Any, table: Table, raw: str, method: str) -> None:
    try:
        path = normalize_path(raw)
    except ParamDecodeError:
        return  # a lone '%': a 400 before any lookup
    try:
        expected = oracle(table, path, method)
    except (ParamDecodeError, PatternTimeout) as exc:
        with pytest.raises(type(exc)):
            http.match(path, method)
        return
    route, params, allowed = http.match(path, method)
    got = (None if route is None else route.path, params, allowed)
    # A static route shows its pattern as written; the oracle knows its normal form.
    if route is not None and expected[0] in table.static:
        got = (normalize_path(route.path), params, allowed)
    assert got == expected, (raw, method)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(route_paths(), st.lists(st.sampled_from(ROUTE_METHODS), min_size=1, max_size=3)),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.tuples(request_paths(), st.sampled_from(REQUEST_METHODS)), max_size=12),
    st.data(),
)
def test_router_agrees_with_trying_every_route_in_order(
    routes: list[tuple[tuple[str, str], list[str]]],
    requests: list[tuple[str, str]],
    data: st.DataObject,
) -> None:
    http, table = build(routes)
    # Paths built from the routes themselves hit them; the random ones mostly miss.
    for (kind, text), _ in routes:
        if kind == "path":
            concrete = text.replace("?", "").replace("*", "").replace("+", "")
            requests.append(
                (concrete.replace("(.*)", "z/z"), data.draw(st.sampled_from(REQUEST_METHODS)))
            )
    for raw, method in requests:
        assert_agrees(http, table, raw, method)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            route_paths(RAW_ROUTE_SEGMENTS),
            st.lists(st.sampled_from(ROUTE_METHODS), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=10,
    ),
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(RAW_PATH_SEGMENTS), max_size=5).map(
                lambda s: "/" + "/".join(s)
            ),
            st.sampled_from(REQUEST_METHODS),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_a_raw_path_without_escapes_gets_its_normal_forms_answer(
    routes: list[tuple[tuple[str, str], list[str]]], requests: list[tuple[str, str]]
) -> None:
    # The dispatcher hands the matcher such a path as it is (matcher.build_matcher).
    http, _ = build(routes)
    for (kind, text), _ in routes:  # the routes' own literals, as a client sends them raw
        if kind == "path" and "%" not in text and ":" not in text and "(" not in text:
            requests.append((text.replace("?", "").replace("*", "").replace("+", ""), "GET"))
    for raw, method in requests:
        assert raw.isascii() and "%" not in raw
        try:
            expected = http.match(normalize_path(raw), method)
        except (ParamDecodeError, PatternTimeout) as exc:
            with pytest.raises(type(exc)):
                http.match(raw, method)
            continue
        assert http.match(raw, method) == expected, (raw, method)


def test_raw_characters_route_as_their_escapes() -> None:
    plain = http_router()  # the raw path is walked as it is
    plain.route(path="/users/:id", method="GET", handler=handler)
    plain.route(path="/files/:path+", method="GET", handler=handler)
    assert plain.match("/users/a b", "GET")[1] == {"id": "a b"}
    assert plain.match("/users/a%20b", "GET")[1] == {"id": "a b"}
    assert plain.match("/files/x{/y}", "GET")[1] == {"path": ["x{", "y}"]}
    escaped = http_router()  # a literal with an escape: the raw path is read normalised
    escaped.route(path="/a b/:x", method="GET", handler=handler)
    escaped.route(path="/:any/:x", method="POST", handler=handler)
    route, params, _ = escaped.match("/a b/1", "GET")
    assert route is not None and route.path == "/a b/:x" and params == {"x": "1"}
    assert escaped.match("/a b/1", "DELETE")[2] == {"GET", "POST"}
    guarded = http_router()  # a custom pattern may tell ' ' from '%20'
    guarded.route(path="/:x([a-z%0-9]+)", method="GET", handler=handler)
    assert guarded.match("/a b", "GET")[1] == {"x": "a b"}
    assert guarded.match("/a|b", "GET")[0] is None


def test_registration_order_decides_across_branches() -> None:
    # '/users/me' as a literal and as a param: whichever came first wins.
    http, table = build(
        [
            (("path", "/users/:id/posts"), ["GET"]),
            (("path", "/users/me/:tab"), ["GET", "POST"]),
            (("path", "/:any/me/posts"), ["PUT"]),
        ]
    )
    for method in REQUEST_METHODS:
        for raw in ["/users/me/posts", "/users/me/x", "/x/me/posts", "/users/1/posts"]:
            assert_agrees(http, table, raw, method)
    route, params, _ = http.match("/users/me/posts", "GET")
    assert route is not None and route.path == "/users/:id/posts" and params == {"id": "me"}
    assert http.match("/users/me/posts", "POST")[0].path == "/users/me/:tab"
    assert http.match("/users/me/posts", "DELETE")[2] == {"GET", "POST", "PUT"}
