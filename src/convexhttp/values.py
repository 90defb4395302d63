"""Convex values in Python: what may be stored, and their JSON encodings.

A Convex value is ``None``, ``bool``, ``int`` (int64), ``float`` (float64, NaN and
infinities included), ``str``, ``bytes``, ``list`` of values, or ``dict`` of
string keys to values. Anything else is refused with a ``TypeError`` naming the
path of the bad value, before anything is written.

Three JSON forms:

- the store's own (``dumps_stored`` / ``loads_stored``): Python's JSON keeps
  ``1`` and ``1.0`` apart and reads ``NaN``/``Infinity`` back, so only bytes
  need a wrapper, ``{"$bytes": base64}`` (no user key may start with ``$``), and
  a NaN whose bits are not ``math.nan``'s (``inf - inf`` on x86 has its sign set),
  ``{"$float": base64}`` as in the wire form: ``NaN`` would read back as
  ``math.nan``, and index keys order NaNs by their bits;
- Convex's wire form ``convex_encoded_json`` (``encode_convex_json`` /
  ``decode_convex_json``): int64 as ``{"$integer": base64 of 8 little-endian
  bytes}``, bytes as ``{"$bytes": ...}``, NaN, infinities and -0.0 as
  ``{"$float": ...}``, every plain JSON number a float64;
- Convex's clean export form ``json`` (``to_clean_json``): int64 as a decimal
  string, bytes as base64, special floats as strings.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "UNSET",
    "ConvexError",
    "Value",
    "check_value",
    "decode_convex_json",
    "dumps_stored",
    "encode_convex_json",
    "from_plain_json",
    "loads_stored",
    "path_text",
    "to_clean_json",
    "type_name",
]

Value = Any  # None | bool | int | float | str | bytes | list[Value] | dict[str, Value]

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
MAX_NESTING: Final = 64  # deeper values are refused rather than overflowing the stack


class _Unset:
    """``UNSET``: a field to remove in ``db.patch``, a missing field in filters and
    index ranges (JavaScript's ``undefined``)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class ConvexError(Exception):
    """The error a function raises on purpose: its ``data`` reaches the caller.

    ``raise ConvexError({"code": "NOT_FOUND", "id": some_id})``; the function
    API sends ``data`` as ``errorData``.
    """

    def __init__(self, data: Value = None) -> None:
        self.data = data
        if isinstance(data, str):
            message = data
        else:
            try:
                message = json.dumps(to_clean_json(data))
            except (TypeError, ValueError):
                message = repr(data)
        super().__init__(message)


def type_name(value: object) -> str:
    """How an error names a Python value's type (``a set``, ``an int``)."""
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def path_text(path: tuple[str | int, ...]) -> str:
    """``("where", 0, "value")`` -> ``.where[0].value``; the empty path is ``(root)``."""
    if not path:
        return "(root)"
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts)


def _bad(path: tuple[str | int, ...], why: str) -> TypeError:
    return TypeError(f"value at {path_text(path)} {why}")


def check_value(value: object, path: tuple[str | int, ...] = ()) -> None:
    """Raise ``TypeError`` naming the path when ``value`` is not a Convex value."""
    if not _is_plain(value, 0):
        _check(value, path, 0)  # subclasses of the allowed types, and errors with their path


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_plain(value: Any, depth: int) -> bool:
    """True for a valid value made of the exact built-in types only, checked without
    building a path per item (the common case); False leaves the verdict to ``_check``."""
    kind = type(value)
    if kind is str:
        return value.isascii() or _encodes(value)
    if kind is float or kind is bool or value is None or kind is bytes:
        return True
    if kind is int:
        return INT64_MIN <= value <= INT64_MAX  # type: ignore[no-any-return]
    if depth >= MAX_NESTING:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or key.startswith("$"):
                return False
            if not (key.isascii() or _encodes(key)):
                return False
            item_kind = type(item)
            if item_kind is str:
                if not (item.isascii() or _encodes(item)):
                    return False
            elif (
                item_kind is not float
                and item_kind is not bool
                and item is not None
                and not _is_plain(item, depth + 1)
            ):
                return False
        return True
    if kind is list:
        return all(_is_plain(item, depth + 1) for item in value)
    return False


def _check_unicode(text: str, path: tuple[str | int, ...]) -> None:
    if not _encodes(text):
        raise _bad(path, f"holds a lone surrogate in {text!r}: not valid Unicode")


def _check(value: object, path: tuple[str | int, ...], depth: int) -> None:
    kind = type(value)
    if kind is str:
        if not value.isascii():  # type: ignore[attr-defined]
            _check_unicode(value, path)  # type: ignore[arg-type]
        return
    if kind is float or kind is bool or value is None:
        return
    if kind is int:
        if not INT64_MIN <= value <= INT64_MAX:  # type: ignore[operator]
            raise _bad(path, f"is the int {value}, outside int64 (use a float for larger numbers)")
        return
    if depth >= MAX_NESTING:
        raise _bad(path, f"is nested more than {MAX_NESTING} levels deep")
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise _bad(path, f"has the key {key!r} ({type_name(key)}): keys must be str")
            if key.startswith("$"):
                raise _bad(path, f"has the key {key!r}: keys may not start with '$'")
            if not key.isascii():
                _check_unicode(key, path)
            _check(item, (*path, key), depth + 1)
        return
    if kind is list:
        for i, item in enumerate(value):  # type: ignore[arg-type]
            _check(item, (*path, i), depth + 1)
        return
    if kind is bytes:
        return
    # Subclasses of the allowed types (an IntEnum, numpy.float64) count as their base.
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        _check(int(value), path, depth)
        return
    if isinstance(value, str):
        _check(str(value), path, depth)
        return
    if isinstance(value, (float, bytes)):
        return
    if isinstance(value, (bytearray, memoryview)):
        raise _bad(path, f"is {type_name(value)}: convert it to bytes")
    if value is UNSET:
        raise _bad(path, "is UNSET, which only removes a field in db.patch: leave the field out")
    hint = ""
    if isinstance(value, (tuple, set, frozenset)):
        hint = " (use a list)"
    elif hasattr(value, "isoformat"):
        hint = " (store a timestamp: ms since the epoch as a float, or an ISO string)"
    raise _bad(path, f"is {type_name(value)}, which is not a Convex value{hint}")


# --- the store's JSON --------------------------------------------------------------

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode


_CANONICAL_NAN: Final = struct.pack("<d", math.nan)


def _odd_nan(value: float) -> bool:
    """A NaN that JSON's ``NaN`` would not give back bit for bit."""
    return value != value and struct.pack("<d", value) != _CANONICAL_NAN


def _to_markers(value: Any) -> Any:
    kind = type(value)
    if kind is bytes:
        return {"$bytes": _b64(value)}
    if kind is dict:
        return {k: _to_markers(v) for k, v in value.items()}
    if kind is list:
        return [_to_markers(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": _b64(value)}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and _odd_nan(value):
        return {"$float": _b64(struct.pack("<d", value))}
    return value


def _needs_markers(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        return any(_needs_markers(v) for v in value.values())
    if kind is list:
        return any(_needs_markers(v) for v in value)
    if kind is float:
        return _odd_nan(value)
    # Subclasses are written as their base; bool needs nothing (JSON writes it as it is).
    return isinstance(value, (bytes, int, float)) and kind is not int and kind is not bool


def dumps_stored(value: Value) -> str:
    """The store's JSON text of a checked value (exact for int64, float64 and bytes)."""
    if _needs_markers(value):
        value = _to_markers(value)
    return _dumps(value)


def _marker_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$bytes" in obj:
            return base64.b64decode(obj["$bytes"])
        if "$float" in obj:
            return struct.unpack("<d", base64.b64decode(obj["$float"]))[0]
    return obj


# The decoder's C scanner: decode() without its two whitespace regex steps.
_scan_plain: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads_plain(text: str) -> Value:
    try:
        value, end = _scan_plain(text, 0)
    except StopIteration:
        end = -1
    # The store writes compact JSON; anything else goes through json.loads (and its errors).
    return value if end == len(text) else json.loads(text)


_loads_marked = json.JSONDecoder(object_hook=_marker_hook).decode


def loads_stored(text: str) -> Value:
    """The value ``dumps_stored`` wrote."""
    # "$bytes" and "$float" can only be keys we wrote: user keys never start with '$'.
    marked = '"$bytes"' in text or '"$float"' in text
    return _loads_marked(text) if marked else _loads_plain(text)


# --- Convex's wire form ------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _is_special_float(x: float) -> bool:
    return math.isnan(x) or math.isinf(x) or (x == 0.0 and math.copysign(1.0, x) < 0)


def _as_base(value: object) -> Value:
    """A subclass of an allowed type (an IntEnum, numpy.float64) as its base type; a
    ``TypeError`` for anything else. (``bool`` has no subclasses.)"""
    if isinstance(value, bytes):
        return bytes(value)
    for base in (int, float, str):
        if isinstance(value, base):
            return base(value)
    raise TypeError(f"{type_name(value)} is not a Convex value")


def encode_convex_json(value: Value) -> Any:
    """A checked value as ``convex_encoded_json`` (a JSON-ready structure)."""
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return value
    if kind is int:
        return {"$integer": _b64(struct.pack("<q", value))}
    if kind is float:
        if _is_special_float(value):
            return {"$float": _b64(struct.pack("<d", value))}
        return value
    if kind is dict:
        return {k: encode_convex_json(v) for k, v in value.items()}
    if kind is list:
        return [encode_convex_json(v) for v in value]
    if kind is bytes:
        return {"$bytes": _b64(value)}
    return encode_convex_json(_as_base(value))


def _decode_marker(key: str, payload: object, path: tuple[str | int, ...]) -> Value:
    if not isinstance(payload, str):
        raise ValueError(f"{path_text(path)}: {key} must hold a base64 string")
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError:
        raise ValueError(f"{path_text(path)}: {key} holds invalid base64") from None
    if key == "$bytes":
        return data
    if len(data) != 8:
        raise ValueError(f"{path_text(path)}: {key} must hold 8 bytes, got {len(data)}")
    if key == "$integer":
        return struct.unpack("<q", data)[0]
    return struct.unpack("<d", data)[0]


def decode_convex_json(value: Any, path: tuple[str | int, ...] = ()) -> Value:
    """A ``convex_encoded_json`` structure (as ``json.loads`` gave it) as a Python value.

    Plain JSON numbers are float64, as Convex's JS clients send every number.
    Raises ``ValueError`` naming the path of anything malformed.
    """
    kind = type(value)
    if value is None or kind is str or kind is bool or kind is float:
        return value
    if kind is int:
        try:
            return float(value)
        except OverflowError:  # a literal past float64, as JSON.parse reads it (and 1e400)
            return math.inf if value > 0 else -math.inf
    if kind is list:
        return [decode_convex_json(v, (*path, i)) for i, v in enumerate(value)]
    if kind is dict:
        if len(value) == 1:
            ((key, payload),) = value.items()
            if key in ("$bytes", "$integer", "$float"):
                return _decode_marker(key, payload, path)
        out = {}
        for key, item in value.items():
            if key.startswith("$"):
                raise ValueError(f"{path_text(path)}: unknown or misplaced key {key!r}")
            out[key] = decode_convex_json(item, (*path, key))
        return out
    raise ValueError(f"{path_text(path)}: {type_name(value)} is not JSON")


def _clean_float(x: float) -> Any:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def to_clean_json(value: Value) -> Any:
    """A checked value in Convex's clean export form (``format: "json"``)."""
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return value
    if kind is int:
        return str(value)
    if kind is float:
        return _clean_float(value)
    if kind is dict:
        return {k: to_clean_json(v) for k, v in value.items()}
    if kind is list:
        return [to_clean_json(v) for v in value]
    if kind is bytes:
        return _b64(value)
    return to_clean_json(_as_base(value))


def from_plain_json(value: Any) -> Value:
    """A plain JSON value (``format: "json"`` arguments) as a Convex value: numbers are floats."""
    return decode_convex_json(value)
