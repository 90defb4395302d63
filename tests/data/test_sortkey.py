"""Index keys (SPEC 5.4): bytes that sort like Convex's total order of values,
missing < null < int64 < float64 < false < true < string < bytes < array < object.

The reference is a plain Python model of ``Ord for ConvexValue`` in Convex's
``crates/value/src/sorting.rs``: compare type ranks, then within the type (floats by
``f64::total_cmp``, strings and bytes by their bytes, arrays and objects lexicographically;
an object is its ``(field, value)`` pairs in field order).
"""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexhttp.sortkey import compare, key_successor, sort_key, values_key
from convexhttp.values import INT64_MAX, INT64_MIN, UNSET


def _rank(value: Any) -> int:
    if value is UNSET:
        return 0
    if value is None:
        return 1
    if type(value) is bool:
        return 4
    return {int: 2, float: 3, str: 5, bytes: 6, list: 7, dict: 8}[type(value)]


def _total_order_bits(x: float) -> int:
    """``f64::total_cmp``: the bits as a signed int, negatives' magnitude bits flipped."""
    n: int = struct.unpack(">q", struct.pack(">d", x))[0]
    return n ^ 0x7FFF_FFFF_FFFF_FFFF if n < 0 else n


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


def model_cmp(a: Any, b: Any) -> int:
    """Convex's ``Ord``, written out without any index-key encoding."""
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return _sign(ra - rb)
    if a is UNSET or a is None:
        return 0
    if type(a) is float:
        return _sign(_total_order_bits(a) - _total_order_bits(b))
    if type(a) is str:
        a, b = a.encode(), b.encode()  # Rust compares a String's UTF-8 bytes
    if type(a) is list:
        for x, y in zip(a, b, strict=False):
            if c := model_cmp(x, y):
                return c
        return _sign(len(a) - len(b))
    if type(a) is dict:
        return model_cmp(
            [[k.encode(), a[k]] for k in sorted(a, key=str.encode)],
            [[k.encode(), b[k]] for k in sorted(b, key=str.encode)],
        )
    return (a > b) - (a < b)


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


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [(b"\x10a", b"\x10b"), (b"a\xff", b"b"), (b"a\xff\xff", b"b"), (b"\x00", b"\x01")],
)
def test_key_successor_is_the_least_key_above_the_prefix_range(
    prefix: bytes, successor: bytes
) -> None:
    assert key_successor(prefix) == successor
    assert prefix + b"\xff" * 8 < successor


def test_an_all_ff_prefix_has_no_successor() -> None:
    assert key_successor(b"\xff\xff") is None
