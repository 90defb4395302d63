"""``v`` (SPEC 5.2): what each validator accepts, what it gives the function, and errors
that name the path of the offending value and what was expected."""

from __future__ import annotations

import math
from typing import Any

import pytest

from convexhttp import v
from convexhttp.ids import new_id
from convexhttp.validators import ValidationError, Validator
from convexhttp.values import INT64_MAX, INT64_MIN

AN_ID = "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"  # Convex's stability vector: table 1017


def fails(validator: Validator, value: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator.validate(value)
    return caught.value


# --- each validator: accepted, refused ---------------------------------------------------

ACCEPTED: list[tuple[Validator, Any]] = [
    (v.null(), None),
    (v.boolean(), True),
    (v.boolean(), False),
    (v.string(), ""),
    (v.string(), "héllo \x00"),
    (v.bytes(), b"\x00\xff"),
    (v.int64(), 0),
    (v.int64(), INT64_MIN),
    (v.bigint(), INT64_MAX),
    (v.number(), 1.5),
    (v.number(), math.nan),
    (v.float64(), -math.inf),
    (v.float64(), -0.0),
    (v.id("users"), AN_ID),
    (v.literal("a"), "a"),
    (v.literal(True), True),
    (v.array(v.string()), []),
    (v.array(v.string()), ["a", "b"]),
    (v.object({}), {}),
    (v.record(v.string(), v.boolean()), {}),
    (v.record(v.string(), v.boolean()), {"a": True, "b c": False}),
    (v.union(v.string(), v.null()), None),
    (v.nullable(v.string()), "x"),
    (v.nullable(v.string()), None),
    (v.any(), {"deep": [b"x", None, 1, 1.0]}),
]

REFUSED: list[tuple[Validator, Any]] = [
    (v.null(), False),
    (v.null(), 0),
    (v.boolean(), 1),
    (v.boolean(), None),
    (v.string(), b"bytes"),
    (v.string(), 1),
    (v.bytes(), "text"),
    (v.bytes(), bytearray(b"x")),
    (v.int64(), 1.0),
    (v.int64(), True),
    (v.int64(), "1"),
    (v.number(), True),
    (v.number(), "1.5"),
    (v.number(), None),
    (v.id("users"), "not an id"),
    (v.id("users"), 17),
    (v.literal("a"), "b"),
    (v.literal(True), 1),
    (v.literal(1), True),
    (v.array(v.string()), "abc"),
    (v.array(v.string()), ("a",)),
    (v.array(v.string()), [1]),
    (v.object({}), []),
    (v.object({"a": v.string()}), {"a": 1}),
    (v.record(v.string(), v.boolean()), {"a": 1}),
    (v.record(v.string(), v.boolean()), ["a"]),
    (v.union(v.string(), v.null()), 1),
    (v.nullable(v.string()), 1),
    (v.any(), {"a": {1, 2}}),
]


@pytest.mark.parametrize(("validator", "value"), ACCEPTED, ids=repr)
def test_accepted_values_come_back_unchanged(validator: Validator, value: Any) -> None:
    result = validator.validate(value)
    assert type(result) is type(value)
    assert result == value or (result != result and value != value)


@pytest.mark.parametrize(("validator", "value"), REFUSED, ids=repr)
def test_refused_values_raise_validation_error(validator: Validator, value: Any) -> None:
    error = fails(validator, value)
    assert isinstance(error, ValueError)
    assert str(error).startswith(error.reason)


# --- numbers: Python's two kinds, Convex's rules -----------------------------------------


@pytest.mark.parametrize("validator", [v.number(), v.float64()], ids=repr)
def test_number_turns_an_int_into_a_float(validator: Validator) -> None:
    result = validator.validate(3)
    assert type(result) is float and result == 3.0
    assert validator.validate(INT64_MAX) == float(INT64_MAX)
    assert v.array(validator).validate([1, 2.5]) == [1.0, 2.5]
    assert type(v.object({"n": validator}).validate({"n": 1})["n"]) is float


def test_number_refuses_ints_outside_int64_and_bools() -> None:
    assert "does not match" in str(fails(v.number(), 2**64))
    fails(v.number(), False)


@pytest.mark.parametrize("validator", [v.int64(), v.bigint()], ids=repr)
def test_int64_accepts_only_ints_in_range(validator: Validator) -> None:
    assert validator.validate(-5) == -5
    for refused in (True, 5.0, math.nan):
        fails(validator, refused)
    assert "outside the int64 range" in str(fails(validator, INT64_MAX + 1))
    assert "outside the int64 range" in str(fails(validator, INT64_MIN - 1))


def test_a_number_literal_matches_an_equal_number_and_gives_the_literal() -> None:
    assert type(v.literal(1).validate(1.0)) is int
    assert type(v.literal(2.5).validate(2.5)) is float
    fails(v.literal(1), 2)
    fails(v.literal(0), False)


# --- objects: required, optional, extra ----------------------------------------------------

USER = v.object({"name": v.string(), "age": v.optional(v.number())})


def test_optional_fields_may_be_absent_but_not_null() -> None:
    assert USER.validate({"name": "ann"}) == {"name": "ann"}
    assert USER.validate({"name": "ann", "age": 3}) == {"name": "ann", "age": 3.0}
    error = fails(USER, {"name": "ann", "age": None})
    assert error.path == ("age",)


def test_a_missing_required_field_is_named() -> None:
    error = fails(USER, {"age": 3})
    assert error.path == ()
    assert "missing the required field `name`" in error.reason
    assert "v.optional" in error.reason


def test_an_extra_field_is_named() -> None:
    error = fails(USER, {"name": "ann", "admin": True})
    assert "extra field `admin`" in error.reason


def test_a_plain_dict_of_validators_reads_as_an_object() -> None:
    assert v.array({"a": v.string()}).validate([{"a": "x"}]) == [{"a": "x"}]  # type: ignore[arg-type]
    fails(v.array({"a": v.string()}), [{"a": 1}])  # type: ignore[arg-type]


def test_extend_adds_fields() -> None:
    extended = USER.extend({"email": v.string()})
    assert extended.validate({"name": "a", "email": "e"}) == {"name": "a", "email": "e"}
    fails(USER, {"name": "a", "email": "e"})


# --- records, unions, nesting ---------------------------------------------------------------


def test_record_checks_each_key_and_value() -> None:
    scores = v.record(v.string(), v.number())
    assert scores.validate({"a": 1}) == {"a": 1.0}
    assert fails(scores, {"a": 1.0, "b": "x"}).path == ("b",)
    assert "Record key '$a'" in str(fails(scores, {"$a": 1}))
    assert "Record key '_a'" in str(fails(scores, {"_a": 1}))


def test_record_keys_may_be_ids_or_string_literals() -> None:
    by_user = v.record(v.id("users"), v.boolean())
    assert by_user.validate({AN_ID: True}) == {AN_ID: True}
    assert fails(by_user, {"nobody": True}).path == ("nobody",)
    colors = v.record(v.union(v.literal("red"), v.literal("blue")), v.int64())
    assert colors.validate({"red": 1}) == {"red": 1}
    fails(colors, {"green": 1})
    with pytest.raises(TypeError, match=r"v.record\(\) keys must be"):
        v.record(v.number(), v.string())


def test_union_gives_the_first_member_that_matches() -> None:
    either = v.union(v.int64(), v.number())
    assert type(either.validate(1)) is int
    assert type(v.union(v.number(), v.int64()).validate(1)) is float
    tagged = v.union(
        v.object({"kind": v.literal("a"), "n": v.number()}),
        v.object({"kind": v.literal("b"), "s": v.string()}),
    )
    assert tagged.validate({"kind": "b", "s": "x"}) == {"kind": "b", "s": "x"}
    fails(tagged, {"kind": "b", "n": 1})


def test_the_path_of_a_nested_bad_value_reads_like_the_access() -> None:
    args = v.object({"where": v.array(v.object({"field": v.string(), "value": v.number()}))})
    error = fails(args, {"where": [{"field": "a", "value": 1}, {"field": "b", "value": "x"}]})
    assert error.where == ".where[1].value"
    assert error.path == ("where", 1, "value")
    assert str(error).splitlines() == [
        "Value does not match validator.",
        "Path: .where[1].value",
        "Value: 'x'",
        "Validator: v.number()",
    ]


def test_id_checks_the_table_when_it_can_look_ids_up() -> None:
    users_id = v.id("users")
    tables = {AN_ID: "users"}
    assert users_id.validate(AN_ID, ids=tables.get) == AN_ID
    other = new_id(10002)
    error = fails_with_ids(users_id, other, {other: "posts"})
    assert "an id of table 'posts', not of table 'users'" in error.reason
    error = fails_with_ids(users_id, other, {})
    assert "an id of no table of this app" in error.reason
    assert "not a valid id" in fails(users_id, AN_ID[:-1] + "0").reason


def fails_with_ids(validator: Validator, value: Any, tables: dict[str, str]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator.validate(value, ids=tables.get)
    return caught.value


# --- definitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: v.literal(math.nan), "cannot take NaN"),
        (lambda: v.literal(None), "takes a str, int, float or bool"),
        (lambda: v.literal([1]), "takes a str, int, float or bool"),
        (lambda: v.literal(2**64), "outside int64"),
        (lambda: v.union(), "at least one member"),
        (lambda: v.array("string"), "expected a validator"),
        (lambda: v.object({"$a": v.string()}), "invalid field name"),
        (lambda: v.object([v.string()]), "takes a dict of validators"),
        (lambda: v.id(""), "takes a table name"),
        (lambda: v.optional(str), "expected a validator"),
    ],
)
def test_mistakes_in_a_validator_are_type_errors_when_it_is_built(make: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()


def test_validators_describe_themselves_as_convex_does() -> None:
    assert USER.to_json() == {
        "type": "object",
        "value": {
            "name": {"fieldType": {"type": "string"}, "optional": False},
            "age": {"fieldType": {"type": "number"}, "optional": True},
        },
    }
    assert v.id("users").to_json() == {"type": "id", "tableName": "users"}
    assert v.int64().to_json() == {"type": "bigint"}
    assert repr(v.nullable(v.array(v.bytes()))) == "v.union(v.array(v.bytes()), v.null())"
