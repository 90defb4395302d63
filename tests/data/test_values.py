"""Convex values (SPEC 5.2): what may be stored, what is refused and where, and the three
JSON forms (the store's, Convex's wire form, the clean export form)."""

from __future__ import annotations

import datetime
import enum
import json
import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexhttp.values import (
    INT64_MAX,
    INT64_MIN,
    MAX_NESTING,
    UNSET,
    check_value,
    decode_convex_json,
    dumps_stored,
    encode_convex_json,
    from_plain_json,
    loads_stored,
    to_clean_json,
)


def bits(x: float) -> bytes:
    return struct.pack(">d", x)


def same(a: Any, b: Any) -> bool:
    """Equal as Convex values: 1 is not 1.0, -0.0 is not 0.0, NaN is itself (bit for bit)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return bits(a) == bits(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


NEGATIVE_NAN = -math.nan
EVERY_KIND: dict[str, Any] = {
    "null": None,
    "true": True,
    "false": False,
    "int": 1,
    "float": 1.0,
    "int64_min": INT64_MIN,
    "int64_max": INT64_MAX,
    "big_float": 2.0**70,
    "nan": math.nan,
    "negative_nan": NEGATIVE_NAN,
    "inf": math.inf,
    "-inf": -math.inf,
    "-0.0": -0.0,
    "0.0": 0.0,
    "text": "héllo \u2603 😀 \x00 end",
    "empty": "",
    "bytes": b"\x00\xff binary",
    "no_bytes": b"",
    "list": [1, 1.0, "1", [None], {}],
    "object": {"nested": {"deeper": [b"x", -0.0]}, "": "empty key", "sp ace": 1},
}

convex_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats()
    | st.text()
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=4).filter(lambda k: not k.startswith("$")), inner, max_size=4
        )
    ),
    max_leaves=12,
)


# --- what is a value --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EVERY_KIND))
def test_every_allowed_kind_is_a_value(name: str) -> None:
    check_value(EVERY_KIND[name])
    check_value({"wrapped": [EVERY_KIND[name]]})


def test_ints_outside_int64_are_refused_naming_the_path() -> None:
    check_value([INT64_MIN, INT64_MAX])
    for n in (INT64_MAX + 1, INT64_MIN - 1, 10**30):
        with pytest.raises(TypeError, match=r"value at \.n\[1\] is the int .*outside int64"):
            check_value({"n": [0, n]})


@pytest.mark.parametrize(
    ("bad", "path", "why"),
    [
        ({"tags": {"a", "b"}}, r"\.tags", r"is a set, .*use a list"),
        ({"at": [datetime.datetime(2024, 1, 1)]}, r"\.at\[0\]", r"is a datetime, .*timestamp"),
        ({"day": datetime.date(2024, 1, 1)}, r"\.day", r"is a date, .*timestamp"),
        ({"pair": (1, 2)}, r"\.pair", r"is a tuple, .*use a list"),
        ({"frozen": frozenset()}, r"\.frozen", r"is a frozenset"),
        ({"buf": bytearray(b"x")}, r"\.buf", r"is a bytearray: convert it to bytes"),
        ({"obj": object()}, r"\.obj", r"is an object, which is not a Convex value"),
        ({"gone": [UNSET]}, r"\.gone\[0\]", r"is UNSET, which only removes a field in db\.patch"),
        ({"a": {1: "x"}}, r"\.a", r"has the key 1 \(an int\): keys must be str"),
        ({"a": {"$ref": 1}}, r"\.a", r"has the key '\$ref': keys may not start with '\$'"),
        ({"text": ["ok", "bad \ud800"]}, r"\.text\[1\]", r"holds a lone surrogate"),
        ({"a": {"bad \udfff": 1}}, r"\.a", r"holds a lone surrogate"),
    ],
)
def test_non_values_are_a_type_error_naming_the_path(bad: Any, path: str, why: str) -> None:
    with pytest.raises(TypeError, match=rf"^value at {path} {why}"):
        check_value(bad)


def test_the_root_is_named_when_the_value_itself_is_bad() -> None:
    with pytest.raises(TypeError, match=r"^value at \(root\) is a set"):
        check_value({1})


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    def nested(depth: int) -> Any:
        value: Any = "leaf"
        for _ in range(depth):
            value = [value]
        return value

    check_value(nested(MAX_NESTING))
    with pytest.raises(TypeError, match=f"nested more than {MAX_NESTING} levels deep"):
        check_value(nested(MAX_NESTING + 1))
    with pytest.raises(TypeError, match="nested more than"):
        check_value(nested(10_000))  # no RecursionError


def test_subclasses_of_allowed_types_count_as_their_base() -> None:
    class Color(enum.IntEnum):
        RED = 1

    class Name(str):
        pass

    check_value({"color": Color.RED, "name": Name("ann")})
    assert loads_stored(dumps_stored({"color": Color.RED})) == {"color": 1}
    assert encode_convex_json(Color.RED) == encode_convex_json(1)


# --- the store's JSON --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EVERY_KIND))
def test_the_store_keeps_every_value_exactly(name: str) -> None:
    value = {"v": EVERY_KIND[name]}
    assert same(loads_stored(dumps_stored(value)), value)


def test_the_store_keeps_int_and_float_apart() -> None:
    stored = loads_stored(dumps_stored({"i": 1, "f": 1.0, "big": 2**62, "bigf": 2.0**62}))
    assert [type(stored[k]) for k in ("i", "f", "big", "bigf")] == [int, float, int, float]
    assert stored["big"] == 2**62


def test_a_string_that_looks_like_the_bytes_marker_stays_a_string() -> None:
    value = {"a": "$bytes", "b": ["$bytes", {"k": '{"$bytes": "AA=="}'}]}
    assert loads_stored(dumps_stored(value)) == value


@settings(max_examples=150, deadline=None)
@given(convex_values)
def test_the_store_round_trips_any_value(value: Any) -> None:
    assert same(loads_stored(dumps_stored(value)), value)


# --- Convex's wire form (convex_encoded_json) ---------------------------------------------


def test_wire_form_of_each_kind() -> None:
    assert encode_convex_json(1) == {"$integer": "AQAAAAAAAAA="}  # 8 bytes, little-endian
    assert encode_convex_json(-1) == {"$integer": "//////////8="}
    assert encode_convex_json(1.5) == 1.5
    assert encode_convex_json(-0.0) == {"$float": "AAAAAAAAAIA="}
    assert encode_convex_json(math.inf) == {"$float": "AAAAAAAA8H8="}
    assert encode_convex_json(math.nan) == {"$float": "AAAAAAAA+H8="}
    assert encode_convex_json(b"hi") == {"$bytes": "aGk="}
    assert encode_convex_json(True) is True
    assert encode_convex_json({"a": [None, "s"]}) == {"a": [None, "s"]}


@pytest.mark.parametrize("name", sorted(EVERY_KIND))
def test_wire_form_round_trips_through_json_text(name: str) -> None:
    value = {"v": EVERY_KIND[name]}
    text = json.dumps(encode_convex_json(value), allow_nan=False)  # plain JSON, no NaN tokens
    assert same(decode_convex_json(json.loads(text)), value)


@settings(max_examples=150, deadline=None)
@given(convex_values)
def test_wire_form_round_trips_any_value(value: Any) -> None:
    text = json.dumps(encode_convex_json(value), allow_nan=False)
    assert same(decode_convex_json(json.loads(text)), value)


def test_plain_json_numbers_are_floats_as_convex_clients_send_them() -> None:
    assert same(decode_convex_json({"n": 3, "m": [1, 2.5]}), {"n": 3.0, "m": [1.0, 2.5]})
    assert same(from_plain_json(7), 7.0)


def test_json_numbers_past_float64_are_infinite_as_in_javascript() -> None:
    huge = "1" + "0" * 400
    decoded = decode_convex_json(json.loads(f'{{"a": {huge}, "b": -{huge}, "c": 1e400}}'))
    assert decoded == {"a": math.inf, "b": -math.inf, "c": math.inf}


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"a": {"$integer": 5}}, r"\.a: \$integer must hold a base64 string"),
        ({"a": [{"$integer": "AQ=="}]}, r"\.a\[0\]: \$integer must hold 8 bytes, got 1"),
        ({"$float": "not base64!"}, r"\(root\): \$float holds invalid base64"),
        ({"a": {"$other": 1}}, r"\.a: unknown or misplaced key '\$other'"),
        ({"$bytes": "AA==", "b": 1}, r"unknown or misplaced key '\$bytes'"),
    ],
)
def test_malformed_wire_form_is_a_value_error_naming_the_path(wire: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_convex_json(wire)


# --- the clean export form ----------------------------------------------------------------


def test_clean_json_form() -> None:
    value = {
        "i": 12,
        "f": 1.5,
        "nan": math.nan,
        "inf": math.inf,
        "-inf": -math.inf,
        "-0": -0.0,
        "b": b"hi",
        "l": [INT64_MIN],
    }
    assert to_clean_json(value) == {
        "i": "12",
        "f": 1.5,
        "nan": "NaN",
        "inf": "Infinity",
        "-inf": "-Infinity",
        "-0": -0.0,
        "b": "aGk=",
        "l": [str(INT64_MIN)],
    }
    json.dumps(to_clean_json(value), allow_nan=False)  # always plain JSON


def test_non_values_are_refused_by_the_encoders() -> None:
    for encode in (encode_convex_json, to_clean_json):
        with pytest.raises(TypeError, match="a set is not a Convex value"):
            encode({"a": {1}})
