"""Property tests for convexhttp.paths: round trips, robustness, idempotence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from convexhttp import http_router
from convexhttp.paths import (
    ParamDecodeError,
    Params,
    PathSyntaxError,
    PatternTimeout,
    compile_path,
    normalize_path,
)

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé~", min_size=1, max_size=6)
# Safe characters plus ones that must travel percent-encoded ('/', '%', '?', non-ASCII...).
VALUE_CHARS = "aZ09-._~!$&'()*+,;=:@/ %?#\"<>\\^`{|}é€😀\u2603"
VALUES = st.text(alphabet=VALUE_CHARS, min_size=1, max_size=8)
SUB_DELIMS = "!$&'()*+,;=:@"


@st.composite
def encoded(draw: st.DrawFn, value: str) -> str:
    """``value`` percent-encoded the way some client might: any sub-delims raw, any hex case."""
    safe = "".join(c for c in SUB_DELIMS if draw(st.booleans()))
    out = quote(value, safe=safe)
    if draw(st.booleans()):
        out = re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), out)
    return out


def handler(ctx: Any, request: Any) -> None: ...


def routed(pattern: str, path: str) -> Params | None:
    """What a router holding only ``pattern`` (for GET) answers for a normalised ``path``."""
    http = http_router()
    http.route(path=pattern, handler=handler)
    route, params, _ = http.match(path, "GET")
    return None if route is None else params


@dataclass
class Case:
    pattern: str
    path: str
    params: dict[str, Any]
    words: set[str]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A pattern of literal words and default params, a path it should match, and its params.

    A literal word sits between any two dynamic segments and no value equals a word,
    so exactly one way of matching exists and the params are known.
    """
    pattern, path = "", ""
    params: dict[str, Any] = {}
    words: set[str] = set()
    repeated = False  # at most one repeat: two are refused (not linear)
    for i in range(draw(st.integers(1, 4))):
        word = draw(WORDS)
        words.add(word)
        pattern += "/" + word
        path += "/" + word
        kind = draw(st.sampled_from(["param", "pair", "none"]))
        if kind == "pair":
            a = draw(VALUES)
            b = draw(VALUES.filter(lambda v: "-" not in v))
            pattern += f"/:a{i}-:b{i}"
            path += f"/{draw(encoded(a))}-{draw(encoded(b))}"
            params[f"a{i}"], params[f"b{i}"] = a, b
        elif kind == "param":
            modifier = draw(st.sampled_from(["", "?"] if repeated else ["", "?", "+", "*"]))
            repeated = repeated or modifier in ("+", "*")
            low = 0 if modifier in ("?", "*") else 1
            high = 3 if modifier in ("+", "*") else 1
            values = draw(st.lists(VALUES, min_size=low, max_size=high))
            pattern += f"/:p{i}{modifier}"
            path += "".join(f"/{draw(encoded(v))}" for v in values)
            if values:
                params[f"p{i}"] = values if modifier in ("+", "*") else values[0]
    return Case(pattern, path, params, words)


@settings(max_examples=300)
@given(cases())
def test_a_built_path_matches_and_gives_back_its_params(case: Case) -> None:
    for value in case.params.values():
        for v in value if isinstance(value, list) else [value]:
            assume(normalize_path(quote(v, safe="")) not in case.words)
    compiled = compile_path(case.pattern)
    path = normalize_path(case.path)
    assert compiled.match(path) == case.params
    assert routed(case.pattern, path) == case.params  # the table matcher agrees
    renamed = re.sub(r":([ab]?)(p?)(\d)", r":\1\2x\3", case.pattern)
    assert compile_path(renamed).key == compiled.key


GRAMMAR = "/:(){}?*+\\ab.-_[]^$|0é%"


@settings(max_examples=400, deadline=1000)
@given(
    st.text(alphabet=GRAMMAR, max_size=16),
    st.lists(st.text(alphabet=GRAMMAR, max_size=12), max_size=3),
)
def test_any_pattern_compiles_or_raises_path_syntax_error(pattern: str, paths: list[str]) -> None:
    try:
        compiled = compile_path(pattern)
    except PathSyntaxError as exc:
        assert f"at position {exc.position}" in str(exc)
        assert 0 <= exc.position <= len(pattern)
        return
    for raw in [pattern, *paths]:
        try:
            path = normalize_path(raw)
        except ParamDecodeError:
            continue  # a lone '%': the dispatcher answers 400 before matching
        try:
            params = compiled.match(path)
        except (ParamDecodeError, PatternTimeout) as exc:
            if isinstance(exc, ParamDecodeError):  # the table matcher refuses it alike
                with pytest.raises(ParamDecodeError):
                    routed(pattern, path)
            continue
        assert routed(pattern, path) == params
        if params is not None:
            assert all(isinstance(v, str | list) for v in params.values())


@st.composite
def candidate_paths(draw: st.DrawFn, pattern: str) -> str:
    """A path near ``pattern``: its literal prefix, cut anywhere, plus some trailing parts."""
    literal = re.split(r"[:(){}?*+\\]", pattern, maxsplit=1)[0]
    cut = literal[: draw(st.integers(0, len(literal)))]
    if draw(st.booleans()):
        cut = cut.rstrip("/")
    tail = draw(st.text(alphabet="/ab.-_0é", max_size=8))
    path = draw(st.sampled_from([literal, cut, literal + tail, cut + tail, pattern]))
    return path if path.startswith("/") else "/" + path  # as every request path


# Pieces of likely-valid patterns; ':p' is numbered so that names do not repeat.
PIECES = ["/", "/", "a", "b", "-", ".", "%", ":p", "?", "*", "+", "{/:p}", "{-:p}", "{/b}"]
PIECES += [r"(\d+)", r"\:", "{", "}", "/-/?", "s?"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """A route pattern: grammar soup, or pieces that usually compile."""
    if draw(st.booleans()):
        return "/" + draw(st.text(alphabet=GRAMMAR, max_size=16))
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=8))
    out = "/"
    for i, piece in enumerate(pieces):
        out += piece.replace(":p", f":p{i}")
    return out


@settings(max_examples=1000, deadline=1000)
@given(patterns(), st.data())
def test_the_table_matcher_agrees_with_the_pattern_near_it(
    pattern: str, data: st.DataObject
) -> None:
    # Paths that share the pattern's literal text, cut anywhere: where a segment
    # walk and a regex are most likely to part ways.
    try:
        compile_path(pattern)
    except PathSyntaxError:
        return
    for _ in range(4):
        raw = data.draw(candidate_paths(pattern))
        path = _normalized_or_none(raw)
        if path is not None:
            _agree(pattern, path)


def _agree(pattern: str, path: str) -> None:
    try:
        expected = compile_path(pattern).match(path)
    except (ParamDecodeError, PatternTimeout) as exc:
        with pytest.raises(type(exc)):
            routed(pattern, path)
        return
    assert routed(pattern, path) == expected, (pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/a/:b?", "/a"),
        ("/x/y/:z*", "/x/y"),
        ("/files{/:rest}*", "/files"),
        ("/-/?", "/-"),
        ("/-/?", "/-/"),
        ("/:a?", ""),
        ("/:a?", "/x"),
        ("/a/:b", "/a/"),
        ("/a//:c", "/a//x"),
        ("/file/:p+", "/file/a/b%2F"),
        ("/x/:a(.*)", "/x/a/b"),
        (r"/x/:a((?<=/x/)\w+)", "/x/ab"),  # a lookbehind sees the path before the tail
        (r"/x/:a(^\w+)", "/x/ab"),  # '^' is the path's start, not the tail's
    ],
)
def test_table_matcher_regressions(pattern: str, path: str) -> None:
    _agree(pattern, path)


def _normalized_or_none(raw: str) -> str | None:
    """``normalize_path(raw)``, or None when it refuses a lone '%' (naming the path)."""
    try:
        return normalize_path(raw)
    except ParamDecodeError as exc:
        assert repr(raw) in str(exc)
        assert re.search("%(?![0-9A-Fa-f]{2})", raw)
        return None


@given(st.text(alphabet=st.characters(codec=None), max_size=30))
def test_normalize_path_is_idempotent(raw: str) -> None:
    once = _normalized_or_none(raw)
    if once is None:
        return
    assert normalize_path(once) == once
    assert once.isascii()


@given(st.text(alphabet="%0123456789abcdefABCDEF/~-xé ", max_size=30))
def test_normalize_path_is_idempotent_around_escapes(raw: str) -> None:
    once = _normalized_or_none(raw)
    if once is None:
        return
    assert normalize_path(once) == once


# Escape-heavy raw paths: lone '%'s next to escapes of hex digits, and of '%' itself.
ESCAPY = st.lists(
    st.sampled_from(["%", "%25", "%32", "%33", "%34", "%36", "%31", "%4", "%6", "1", "a", "F"])
    | st.sampled_from(["/", "é", " ", "?", "%2F", "%7e"]),
    max_size=12,
).map("".join)


@settings(max_examples=500)
@example("/%%36%31dmin")
@given(ESCAPY | st.text(alphabet="%0123456789abcdefABCDEF/~-xé ?", max_size=30))
def test_normalize_path_never_decodes_twice(raw: str) -> None:
    # Normalising keeps the bytes a single unquote of the raw path gives: no escape
    # is built from a decoded character, so '/%%36%31dmin' can never become '/admin'.
    once = _normalized_or_none(raw)
    if once is None:
        return
    assert unquote_to_bytes(once) == unquote_to_bytes(raw)


@pytest.mark.parametrize("raw", ["/%%36%31dmin", "/%%%33%36%33dmin", "/%%2541dmin"])
def test_double_decoding_regressions_are_refused(raw: str) -> None:
    with pytest.raises(ParamDecodeError, match=re.escape(repr(raw))):
        normalize_path(raw)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20))
def test_escaped_literal_text_compiles_to_its_normal_form(text: str) -> None:
    pattern = "/" + re.sub(r"([:(){}?*+\\])", r"\\\1", text)
    compiled = compile_path(pattern)
    # A lone '%' in a route's text is a literal '%', so a request spells it '%25'.
    request = "/" + re.sub("%(?![0-9A-Fa-f]{2})", "%25", text)
    assert compiled.static == normalize_path(request)
    assert compiled.match(normalize_path(request)) == {}


@settings(max_examples=300)
@given(
    st.sampled_from(["", "/api", "/café", "/a/b"]),
    st.sampled_from(["/:id", "/{:id}", "/:id.:ext", "/v:id", "/:id+"]),
    st.text(alphabet="ab/%2Fé€-.", max_size=10),
)
def test_literal_head_then_a_param_agrees_with_the_regex(head: str, tail: str, rest: str) -> None:
    path = _normalized_or_none(head + "/" + rest)
    assume(path is not None)
    assert path is not None
    _agree(head + tail, path)
