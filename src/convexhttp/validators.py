"""``v``: Convex's validators, for function arguments, return values and schemas.

``v.number()`` / ``v.float64()`` accept an ``int`` and give a ``float`` (Convex's
JS clients send every number as a float64); ``v.int64()`` / ``v.bigint()``
accept only an ``int``. A validator's ``validate(value)`` returns the value as
the function will see it, or raises a ``ValidationError`` naming the path of
the offending value and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from .ids import decode_id
from .values import INT64_MAX, INT64_MIN, check_value, path_text, type_name

__all__ = [
    "ArgumentValidationError",
    "ReturnsValidationError",
    "SchemaValidationError",
    "ValidationError",
    "Validator",
    "as_args_validator",
    "v",
]

Path = tuple[str | int, ...]
IdTables = Callable[[str], "str | None"]  # an id -> the name of its table, or None


class ValidationError(ValueError):
    """A value that does not match its validator."""

    kind = "Value"

    def __init__(self, reason: str, path: Path, value: Any, validator: Validator | None) -> None:
        self.reason = reason
        self.path = path
        self.value = value
        self.validator = validator
        lines = [f"{reason}", f"Path: {path_text(path)}", f"Value: {_show(value)}"]
        if validator is not None:
            lines.append(f"Validator: {validator!r}")
        super().__init__("\n".join(lines))

    @property
    def where(self) -> str:
        """The path as text: ``.where[0].value``."""
        return path_text(self.path)


class ArgumentValidationError(ValidationError):
    """A function's arguments did not match its ``args`` (raised before it runs)."""


class ReturnsValidationError(ValidationError):
    """A function's return value did not match its ``returns``."""


class SchemaValidationError(ValidationError):
    """A write did not match its table's schema (raised before anything is written)."""


class _Mismatch(Exception):
    def __init__(self, reason: str, path: Path, value: Any, validator: Validator | None) -> None:
        self.reason = reason
        self.path = path
        self.value = value
        self.validator = validator

    def as_error(self, cls: type[ValidationError], prefix: str = "") -> ValidationError:
        return cls(prefix + self.reason, self.path, self.value, self.validator)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


class Validator:
    """A Convex validator. ``is_optional`` is set by ``v.optional(...)``."""

    __slots__ = ("is_optional",)
    kind: str = "any"

    def __init__(self) -> None:
        self.is_optional = False

    def validate(self, value: Any, *, ids: IdTables | None = None) -> Any:
        """``value`` as the function sees it; ``ValidationError`` when it does not match."""
        try:
            return self.check(value, (), ids)
        except _Mismatch as exc:
            raise exc.as_error(ValidationError) from None

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        raise NotImplementedError

    def _fail(self, value: Any, path: Path, reason: str = "Value does not match validator.") -> Any:
        raise _Mismatch(reason, path, value, self)

    def to_json(self) -> dict[str, Any]:
        """Convex's JSON description of the validator (as its function metadata shows it)."""
        return {"type": self.kind}

    def copies(self) -> bool:
        """True when ``check`` returns new containers all the way down (so what it
        returns shares nothing mutable with its input)."""
        return self.kind != "any"

    def __repr__(self) -> str:
        return f"v.{self.kind}()"


class _Any(Validator):
    __slots__ = ()
    kind = "any"

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        try:
            check_value(value, path)
        except TypeError as exc:
            self._fail(value, path, str(exc))
        return value


class _Null(Validator):
    __slots__ = ()
    kind = "null"

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        return None if value is None else self._fail(value, path)


class _Float64(Validator):
    __slots__ = ("_name",)
    kind = "number"

    def __init__(self, name: str = "float64") -> None:
        super().__init__()
        self._name = name

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if type(value) is float:
            return value
        if isinstance(value, bool):
            return self._fail(value, path)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
            return float(value)
        return self._fail(value, path)

    def __repr__(self) -> str:
        return f"v.{self._name}()"


class _Int64(Validator):
    __slots__ = ("_name",)
    kind = "bigint"

    def __init__(self, name: str = "int64") -> None:
        super().__init__()
        self._name = name

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if not INT64_MIN <= value <= INT64_MAX:
                return self._fail(value, path, "Value is outside the int64 range.")
            return int(value)
        return self._fail(value, path)

    def __repr__(self) -> str:
        return f"v.{self._name}()"


class _Boolean(Validator):
    __slots__ = ()
    kind = "boolean"

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        return bool(value) if isinstance(value, bool) else self._fail(value, path)


class _String(Validator):
    __slots__ = ()
    kind = "string"

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if type(value) is str and value.isascii():
            return value  # the common case: nothing more to check
        if isinstance(value, str):
            try:
                check_value(value, path)
            except TypeError as exc:
                self._fail(value, path, str(exc))
            return value
        return self._fail(value, path)


class _Bytes(Validator):
    __slots__ = ()
    kind = "bytes"

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        return bytes(value) if isinstance(value, bytes) else self._fail(value, path)


class _Id(Validator):
    __slots__ = ("table",)
    kind = "id"

    def __init__(self, table: str) -> None:
        super().__init__()
        if not isinstance(table, str) or not table:
            raise TypeError(f"v.id() takes a table name, got {table!r}")
        self.table = table

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if not isinstance(value, str):
            return self._fail(value, path)
        try:
            decode_id(value)
        except ValueError as exc:
            return self._fail(value, path, f"Value is not a valid id: {exc}.")
        if ids is not None:
            table = ids(value)
            if table != self.table:
                where = f"table {table!r}" if table else "no table of this app"
                return self._fail(
                    value, path, f"Value is an id of {where}, not of table {self.table!r}."
                )
        return value

    def to_json(self) -> dict[str, Any]:
        return {"type": "id", "tableName": self.table}

    def __repr__(self) -> str:
        return f"v.id({self.table!r})"


class _Literal(Validator):
    __slots__ = ("literal",)
    kind = "literal"

    def __init__(self, literal: Any) -> None:
        super().__init__()
        if isinstance(literal, float) and math.isnan(literal):
            raise TypeError("v.literal() cannot take NaN")
        if not isinstance(literal, (str, int, float, bool)):
            raise TypeError(
                f"v.literal() takes a str, int, float or bool, got {type_name(literal)}"
            )
        try:
            check_value(literal)  # an int outside int64, a lone surrogate
        except TypeError as exc:
            raise TypeError(f"v.literal(): {exc}") from None
        self.literal = literal

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        lit = self.literal
        if isinstance(lit, bool) or isinstance(value, bool):
            ok = isinstance(value, bool) and isinstance(lit, bool) and value is lit
        elif isinstance(lit, str):
            ok = isinstance(value, str) and value == lit
        else:  # a number literal matches a number of equal value, and gives the literal
            ok = isinstance(value, (int, float)) and value == lit
        return lit if ok else self._fail(value, path)

    def to_json(self) -> dict[str, Any]:
        return {"type": "literal", "value": self.literal}

    def __repr__(self) -> str:
        return f"v.literal({self.literal!r})"


class _Array(Validator):
    __slots__ = ("element",)
    kind = "array"

    def __init__(self, element: Validator) -> None:
        super().__init__()
        self.element = _validator(element, "v.array()")

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if not isinstance(value, list):
            return self._fail(value, path)
        check = self.element.check
        return [check(item, (*path, i), ids) for i, item in enumerate(value)]

    def to_json(self) -> dict[str, Any]:
        return {"type": "array", "value": self.element.to_json()}

    def copies(self) -> bool:
        return self.element.copies()

    def __repr__(self) -> str:
        return f"v.array({self.element!r})"


class ObjectValidator(Validator):
    """``v.object({...})``: the exact set of fields, some of them ``v.optional``."""

    __slots__ = ("_required", "fields")
    kind = "object"

    def __init__(self, fields: Mapping[str, Validator]) -> None:
        super().__init__()
        if not isinstance(fields, Mapping):
            raise TypeError(f"v.object() takes a dict of validators, got {type_name(fields)}")
        checked: dict[str, Validator] = {}
        for name, validator in fields.items():
            if not isinstance(name, str) or name.startswith("$"):
                raise TypeError(f"v.object(): invalid field name {name!r}")
            checked[name] = _validator(validator, f"v.object() field {name!r}")
        self.fields = checked
        self._required = frozenset(n for n, f in checked.items() if not f.is_optional)

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if not isinstance(value, dict):
            return self._fail(value, path)
        fields = self.fields
        out = {}
        for name, item in value.items():
            validator = fields.get(name)
            if validator is None:
                return self._fail(
                    value,
                    path,
                    f"Object contains extra field `{name}` that is not in the validator.",
                )
            out[name] = validator.check(item, (*path, name), ids)
        if len(out) < len(self._required) or not self._required.issubset(out):
            missing = sorted(self._required.difference(out))[0]
            return self._fail(
                value,
                path,
                f"Object is missing the required field `{missing}`. Consider wrapping the "
                "field validator in `v.optional(...)` if this is expected.",
            )
        return out

    def copies(self) -> bool:
        return all(f.copies() for f in self.fields.values())

    def extend(self, fields: Mapping[str, Validator]) -> ObjectValidator:
        """A new object validator with more fields (Convex's ``.extend``)."""
        return ObjectValidator({**self.fields, **fields})

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "object",
            "value": {
                name: {"fieldType": f.to_json(), "optional": f.is_optional}
                for name, f in self.fields.items()
            },
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{name!r}: {f!r}" for name, f in self.fields.items())
        return f"v.object({{{inner}}})"


class _Record(Validator):
    __slots__ = ("keys", "values")
    kind = "record"

    def __init__(self, keys: Validator, values: Validator) -> None:
        super().__init__()
        self.keys = _validator(keys, "v.record() keys")
        self.values = _validator(values, "v.record() values")
        if not _string_like(self.keys):
            raise TypeError(
                f"v.record() keys must be v.string(), v.id() or string literals, got {keys!r}"
            )

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        if not isinstance(value, dict):
            return self._fail(value, path)
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith("$") or key.startswith("_"):
                return self._fail(value, path, f"Record key {key!r} is not allowed.")
            out[self.keys.check(key, (*path, key), ids)] = self.values.check(
                item, (*path, key), ids
            )
        return out

    def copies(self) -> bool:
        return self.values.copies()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "record",
            "keys": self.keys.to_json(),
            "values": {"fieldType": self.values.to_json(), "optional": False},
        }

    def __repr__(self) -> str:
        return f"v.record({self.keys!r}, {self.values!r})"


def _string_like(validator: Validator) -> bool:
    if isinstance(validator, (_String, _Id)):
        return True
    if isinstance(validator, _Literal):
        return isinstance(validator.literal, str)
    if isinstance(validator, _Union):
        return all(_string_like(m) for m in validator.members)
    return False


class _Union(Validator):
    __slots__ = ("members",)
    kind = "union"

    def __init__(self, members: Iterable[Validator]) -> None:
        super().__init__()
        self.members = tuple(_validator(m, "v.union()") for m in members)

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        for member in self.members:
            try:
                return member.check(value, path, ids)
            except _Mismatch:
                continue
        return self._fail(value, path)

    def to_json(self) -> dict[str, Any]:
        return {"type": "union", "value": [m.to_json() for m in self.members]}

    def copies(self) -> bool:
        return all(m.copies() for m in self.members)

    def __repr__(self) -> str:
        return f"v.union({', '.join(repr(m) for m in self.members)})"


class _Optional(Validator):
    """``v.optional(x)``: ``x``, or the field may be absent (only in objects and args)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Validator) -> None:
        super().__init__()
        self.inner = _validator(inner, "v.optional()")
        self.is_optional = True

    def check(self, value: Any, path: Path, ids: IdTables | None) -> Any:
        return self.inner.check(value, path, ids)

    def to_json(self) -> dict[str, Any]:
        return self.inner.to_json()

    def copies(self) -> bool:
        return self.inner.copies()

    def __repr__(self) -> str:
        return f"v.optional({self.inner!r})"


def _validator(obj: Any, where: str) -> Validator:
    if isinstance(obj, Validator):
        return obj
    if isinstance(obj, Mapping):  # a plain dict of validators reads as v.object(...)
        return ObjectValidator(obj)
    raise TypeError(f"{where}: expected a validator such as v.string(), got {obj!r}")


def as_args_validator(args: Any, where: str) -> ObjectValidator:
    """``args=`` as given to a function (a dict of validators or ``v.object``)."""
    if isinstance(args, ObjectValidator):
        return args
    if isinstance(args, Mapping):
        return ObjectValidator(args)
    raise TypeError(f"{where}: args= must be a dict of validators or v.object(...), got {args!r}")


class _V:
    """The validator builder, ``from convexhttp import v``."""

    def id(self, table: str) -> Validator:
        return _Id(table)

    def null(self) -> Validator:
        return _Null()

    def number(self) -> Validator:
        return _Float64("number")

    def float64(self) -> Validator:
        return _Float64("float64")

    def int64(self) -> Validator:
        return _Int64("int64")

    def bigint(self) -> Validator:
        return _Int64("bigint")

    def boolean(self) -> Validator:
        return _Boolean()

    def string(self) -> Validator:
        return _String()

    def bytes(self) -> Validator:
        return _Bytes()

    def literal(self, value: str | int | float | bool) -> Validator:
        return _Literal(value)

    def array(self, element: Validator) -> Validator:
        return _Array(element)

    def object(self, fields: Mapping[str, Validator]) -> ObjectValidator:
        return ObjectValidator(fields)

    def record(self, keys: Validator, values: Validator) -> Validator:
        return _Record(keys, values)

    def union(self, *members: Validator) -> Validator:
        if not members:
            raise TypeError("v.union() needs at least one member")
        return _Union(members)

    def optional(self, inner: Validator) -> Validator:
        return _Optional(inner)

    def nullable(self, inner: Validator) -> Validator:
        return _Union((_validator(inner, "v.nullable()"), _Null()))

    def any(self) -> Validator:
        return _Any()


v: Final = _V()
