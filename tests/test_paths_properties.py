"""Property tests for convexhttp.paths: round trips, robustness, idempotence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convexhttp.paths import (
    ParamDecodeError,
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
    for i in range(draw(st.integers(1, 4))):
        word = draw(WORDS)
        words.add(word)
        pattern += "/" + word
        path += "/" + word
        kind = draw(st.sampled_from(["param", "pair", "none"]))
        if kind == "pair":
            a = draw(VALUES.filter(lambda v: "-" not in v))
            b = draw(VALUES)
            pattern += f"/:a{i}-:b{i}"
            path += f"/{draw(encoded(a))}-{draw(encoded(b))}"
            params[f"a{i}"], params[f"b{i}"] = a, b
        elif kind == "param":
            modifier = draw(st.sampled_from(["", "?", "+", "*"]))
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
    assert compiled.matcher()(path) == case.params  # the router's specialised matcher agrees
    n = len(compiled.literal_segments)
    assert tuple(path.split("/")[1 : n + 1]) == compiled.literal_segments
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
    matcher = compiled.matcher()
    for path in [pattern, *paths]:
        try:
            params = compiled.match(normalize_path(path))
        except (ParamDecodeError, PatternTimeout) as exc:
            if isinstance(exc, ParamDecodeError):  # the router's matcher refuses it alike
                with pytest.raises(ParamDecodeError):
                    matcher(normalize_path(path))
            continue
        assert matcher(normalize_path(path)) == params
        if params is not None:
            assert all(isinstance(v, str | list) for v in params.values())
            n = len(compiled.literal_segments)
            assert tuple(normalize_path(path).split("/")[1 : n + 1]) == compiled.literal_segments


@given(st.text(alphabet=st.characters(codec=None), max_size=30))
def test_normalize_path_is_idempotent(raw: str) -> None:
    once = normalize_path(raw)
    assert normalize_path(once) == once
    assert once.isascii()


@given(st.text(alphabet="%0123456789abcdefABCDEF/~-xé ", max_size=30))
def test_normalize_path_is_idempotent_around_escapes(raw: str) -> None:
    once = normalize_path(raw)
    assert normalize_path(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20))
def test_escaped_literal_text_compiles_to_its_normal_form(text: str) -> None:
    pattern = "/" + re.sub(r"([:(){}?*+\\])", r"\\\1", text)
    compiled = compile_path(pattern)
    assert compiled.static == normalize_path("/" + text)
    assert compiled.match(normalize_path("/" + text)) == {}


@settings(max_examples=300)
@given(
    st.sampled_from(["", "/api", "/café", "/a/b"]),
    st.sampled_from(["/:id", "/{:id}"]),
    st.text(alphabet="ab/%2Fé€-", max_size=10),
)
def test_tail_param_matcher_agrees_with_the_regex(head: str, tail: str, rest: str) -> None:
    compiled = compile_path(head + tail)
    path = normalize_path(head + "/" + rest)
    try:
        expected = compiled.match(path)
    except ParamDecodeError:
        with pytest.raises(ParamDecodeError):
            compiled.matcher()(path)
        return
    assert compiled.matcher()(path) == expected
