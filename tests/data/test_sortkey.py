"""Index keys (SPEC 5.4): bytes that sort like Convex's total order of values,
missing < null < int64 < float64 < false < true < string < bytes < array < object,
checked against a plain model of Convex's ``Ord`` (``tests/data/model.py``)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexhttp.sortkey import after_values, compare, key_successor, sort_key, values_key
from convexhttp.values import INT64_MAX, INT64_MIN, UNSET
from tests.data.model import model_cmp


def key_cmp(a: Any, b: Any) -> int:
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


field_names = st.text(alphabet="\x00\x01ab\u00e9\U0001f600", max_size=3)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.sampled_from([0, -1, 127, 128, -128, -129, 32767, 32768, 2**31, -(2**31) - 1])
    | st.floats()
    | st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, -math.nan, 5e-324])
    | st.text(alphabet="\x00\x01\xffab\u00e9\U0001f600", max_size=4)
    | st.binary(max_size=4)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(field_names, inner, max_size=3),
    max_leaves=8,
)
values_or_missing = values | st.just(UNSET)


def _near(draw: st.DrawFn, value: Any) -> Any:
    """``value`` changed in one place, deep inside or at the end: independent draws almost
    never share the long prefixes where an encoding goes wrong."""
    choice = draw(st.integers(0, 3))
    if type(value) is list and value and choice < 3:
        i = draw(st.integers(0, len(value) - 1))
        if choice == 0:
            return [*value[:i], _near(draw, value[i]), *value[i + 1 :]]
        return value[:i] if choice == 1 else [*value, draw(values)]
    if type(value) is dict and choice < 3:
        if value and choice == 0:
            key = draw(st.sampled_from(sorted(value)))
            return {**value, key: _near(draw, value[key])}
        if value and choice == 1:
            key = draw(st.sampled_from(sorted(value)))
            return {k: v for k, v in value.items() if k != key}
        return {**value, draw(field_names): draw(values)}
    return draw(values_or_missing)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    """Two values, often alike."""
    a = draw(values_or_missing)
    return a, (_near(draw, a) if draw(st.booleans()) else draw(values_or_missing))


# --- the order between types -----------------------------------------------------------

ONE_OF_EACH_TYPE_IN_ORDER = [
    UNSET,
    None,
    INT64_MAX,
    -math.inf,
    False,
    True,
    "",
    b"",
    [],
    {},
]


def test_types_sort_missing_null_int_float_false_true_string_bytes_array_object() -> None:
    keys = [sort_key(v) for v in ONE_OF_EACH_TYPE_IN_ORDER]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_every_int64_sorts_below_every_float64() -> None:
    assert sort_key(INT64_MAX) < sort_key(-math.nan) < sort_key(-math.inf)
    assert sort_key(10**18) < sort_key(-1e300)


# --- the order within a type ------------------------------------------------------------

INTS = sorted(
    {INT64_MIN, INT64_MAX, 0, 1, -1}
    | {
        s * n + d
        for n in (127, 128, 32767, 32768, 2**31 - 1, 2**31)
        for s in (1, -1)
        for d in (-1, 0, 1)
    }
)


def test_int64_sort_numerically_across_every_encoded_width() -> None:
    keys = [sort_key(n) for n in INTS]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_float64_sort_in_ieee_total_order() -> None:
    in_order = [-math.nan, -math.inf, -1e300, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, math.inf]
    in_order.append(math.nan)
    keys = [sort_key(x) for x in in_order]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)  # -0.0 and 0.0 are two values


def test_strings_sort_by_code_point_and_a_prefix_comes_first() -> None:
    in_order = ["", "\x00", "\x00\x00", "\x01", "A", "a", "a\x00", "a\x00b", "a\x01", "ab", "b"]
    in_order += ["\u00e9", "\uffff", "\U0001f600"]
    keys = [sort_key(s) for s in in_order]
    assert keys == sorted(keys)


def test_bytes_sort_bytewise() -> None:
    in_order = [b"", b"\x00", b"\x00\x00", b"\x00\xff", b"\x01", b"a", b"a\x00", b"b", b"\xff"]
    keys = [sort_key(b) for b in in_order]
    assert keys == sorted(keys)


def test_arrays_sort_element_by_element_then_shorter_first() -> None:
    in_order: list[Any] = [[], [None], [None, None], [1], [1, "a"], [1.0], ["a"], [[]], [{}]]
    keys = [sort_key(a) for a in in_order]
    assert keys == sorted(keys)


def test_objects_sort_by_field_names_in_order_then_values() -> None:
    in_order: list[Any] = [
        {},
        {"": None},
        {"": 1},
        {"": 1, "a": 1},
        {"\x00": None},
        {"a": None},
        {"a": 1},
        {"a": 1, "b": 1},
        {"a": 2},
        {"b": None},
        {"é": None},
    ]
    keys = [sort_key(o) for o in in_order]
    assert keys == sorted(keys)
    assert sort_key({"b": 1, "a": 2}) == sort_key({"a": 2, "b": 1})  # insertion order is no part


# --- the model ----------------------------------------------------------------------------


@settings(max_examples=600, deadline=None)
@given(pairs())
def test_key_order_is_convex_order(pair: tuple[Any, Any]) -> None:
    a, b = pair
    assert key_cmp(a, b) == model_cmp(a, b)
    assert compare(a, b) == model_cmp(a, b)


@settings(max_examples=400, deadline=None)
@given(st.lists(values_or_missing, min_size=1, max_size=3), st.data())
def test_concatenated_keys_sort_as_tuples(first: list[Any], data: st.DataObject) -> None:
    """An index key is its fields' keys end to end; it must sort as the tuple of values."""
    i = data.draw(st.integers(0, len(first) - 1))
    rest = [data.draw(values_or_missing) for _ in first[i + 1 :]]
    second = [*first[:i], _near(data.draw, first[i]), *rest]
    ka, kb = values_key(first), values_key(second)
    assert (ka > kb) - (ka < kb) == model_cmp(first, second)


def test_a_shorter_value_sorts_first_whatever_follows_it_in_the_key() -> None:
    """``{}`` and ``{"": x}``, ``"a"`` and ``"a\\x00"``: the longer starts like the shorter."""
    assert values_key([{}, 5]) < values_key([{"": None}, 1])
    assert values_key(["a", 5]) < values_key(["a\x00", 1])
    assert sort_key([{}, 5]) < sort_key([{"": None}])


def test_values_of_equal_keys_are_the_same_value() -> None:
    assert sort_key(1) != sort_key(1.0)
    assert sort_key(0) != sort_key(False)
    assert sort_key("a") != sort_key(b"a")
    assert sort_key(math.nan) == sort_key(float("nan"))


def test_non_values_have_no_key() -> None:
    with pytest.raises(TypeError, match="set is not a Convex value"):
        sort_key({1})


# --- key ranges --------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(pairs(), values_or_missing)
def test_an_equality_range_holds_exactly_the_equal_values(pair: tuple[Any, Any], then: Any) -> None:
    """``[sort_key(v), after_values(sort_key(v)))`` holds the index keys that start with
    ``v`` itself, whatever follows, and no key of another value."""
    v, w = pair
    low = sort_key(v)
    high = after_values(low)
    key = values_key([w, then])
    assert (low <= key < high) == (model_cmp(v, w) == 0)
    assert (key < low) == (model_cmp(w, v) < 0)


def test_equality_ranges_leave_out_longer_strings_bytes_and_objects() -> None:
    for shorter, longer in [("a", "a\x00"), (b"", b"\x00"), ({}, {"": None})]:
        assert values_key([shorter, 1.0]) < after_values(sort_key(shorter))
        assert after_values(sort_key(shorter)) < values_key([longer, 1.0])


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [(b"\x10a", b"\x10b"), (b"a\xff", b"b"), (b"a\xff\xff", b"b"), (b"\x00", b"\x01")],
)
def test_key_successor_is_the_least_key_above_every_key_with_the_prefix(
    prefix: bytes, successor: bytes
) -> None:
    assert key_successor(prefix) == successor
    assert prefix + b"\xff" * 8 < successor


def test_an_all_ff_prefix_has_no_successor() -> None:
    assert key_successor(b"\xff\xff") is None
