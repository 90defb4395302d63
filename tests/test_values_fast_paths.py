"""The fast paths of values.py agree with the slow ones: check_value's walk of plain values
(no path built per item) with the full walk, loads_stored's scanner with json.loads."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexhttp.values import (
    INT64_MAX,
    INT64_MIN,
    MAX_NESTING,
    _check,
    check_value,
    dumps_stored,
    loads_stored,
)


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


TRICKY_TEXT = ["", "a", "$a", "é", "\ud800", "a\x00b", "😀", "_id"]
TEXT = st.text(st.characters(exclude_categories=()), max_size=4) | st.sampled_from(TRICKY_TEXT)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=INT64_MIN - 2, max_value=INT64_MAX + 2),
    st.sampled_from([INT64_MIN, INT64_MAX, INT64_MIN - 1, INT64_MAX + 1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.binary(max_size=4),
)
# Not plain: subclasses of allowed types (valid), and types that are refused.
ODD = st.sampled_from([Colour.RED, Name("x"), bytearray(b"x"), (1, 2), {1}, object()])
KEYS = TEXT | st.sampled_from([Name("k"), 1, None])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
ODD_VALUES = st.recursive(
    SCALARS | ODD,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
ONE_BAD_THING = [
    "\ud800",
    {"\ud800": 1},
    {"a": "\ud800"},
    ["\ud800"],
    {"$a": 1},
    INT64_MAX + 1,
    {"a": INT64_MIN - 1},
    [[INT64_MAX + 1]],
    {1: 1},
    {Name("k"): 1},
    {"a": (1,)},
    [bytearray(b"x")],
]


def verdict(check: Any, value: object) -> str | None:
    try:
        check(value)
    except TypeError as exc:
        return str(exc)
    return None


def agree(value: object) -> None:
    assert verdict(check_value, value) == verdict(lambda v: _check(v, (), 0), value)


@settings(max_examples=300)
@given(VALUES)
def test_the_fast_path_agrees_with_the_full_walk(value: object) -> None:
    agree(value)


@given(ODD_VALUES)
def test_values_with_other_types_get_the_full_walk(value: object) -> None:
    agree(value)


@pytest.mark.parametrize("value", ONE_BAD_THING, ids=repr)
def test_one_bad_thing_is_found(value: object) -> None:
    assert verdict(check_value, value) is not None
    agree(value)


@pytest.mark.parametrize("depth", [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1])
@pytest.mark.parametrize("container", ["list", "dict"])
def test_nesting_limit_is_the_same(depth: int, container: str) -> None:
    value: Any = 1
    for _ in range(depth):
        value = [value] if container == "list" else {"a": value}
    agree(value)


def test_errors_still_name_the_path() -> None:
    with pytest.raises(TypeError, match=r"value at \.where\[0\]\.value is a set"):
        check_value({"where": [{"value": {1}}]})


@pytest.mark.parametrize(
    "text",
    ['{"a":1}', ' {"a":1}\n', '{"a":NaN,"b":-Infinity}', "[]", "1", '"x"', '{"é":"\\u00e9"}'],
)
def test_loads_stored_reads_what_json_reads(text: str) -> None:
    assert repr(loads_stored(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["", "{", '{"a":1}x', "[1,]"])
def test_loads_stored_raises_what_json_raises(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as ours:
        loads_stored(text)
    assert str(ours.value) == str(theirs.value)


@given(VALUES)
def test_stored_json_round_trips(value: object) -> None:
    try:
        check_value(value)
    except TypeError:
        return
    assert repr(loads_stored(dumps_stored(value))) == repr(value)
