"""Index keys: byte strings that sort like the values they encode.

Convex's total order of values is missing field < null < int64 < float64 <
false < true < string < bytes < array < object. Each value becomes a tag byte
and a self-delimiting body (FoundationDB's tuple layer, as Convex's own
``sorting.rs``), so the key of a sequence of values is the concatenation of
theirs and comparing keys as bytes (SQLite's and PostgreSQL's BLOB/bytea order)
compares the sequences value by value:

- int64: a tag that carries the sign and the byte width, then big-endian bytes;
- float64: IEEE-754 total order (``-NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN``);
- strings and bytes: the bytes with ``00`` escaped as ``00 FF``, ended by ``00``;
- arrays: the elements' keys, ended by ``00``; objects: name then value for each
  field in name order, ended by ``00``. The empty field name is ``00 FE`` rather than
  Convex's bare ``00``, which is also the end of an object: ``{}`` followed by more
  must sort below ``{"": x}`` whatever follows, and after a whole value comes a tag
  or an end (below ``FE``), never ``FE`` or the ``FF`` of an escaped NUL.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Final

from .values import UNSET

__all__ = ["after_values", "compare", "key_successor", "sort_key", "values_key"]

UNDEFINED_TAG: Final = b"\x01"
NULL_TAG: Final = b"\x03"
_ZERO_INT_TAG: Final = 0x08
_FLOAT_TAG: Final = b"\x0d"
_FALSE: Final = b"\x0e"
_TRUE: Final = b"\x0f"
_STRING_TAG: Final = b"\x10"
_BYTES_TAG: Final = b"\x11"
_ARRAY_TAG: Final = b"\x12"
_OBJECT_TAG: Final = b"\x15"
_END: Final = b"\x00"
_EMPTY_NAME: Final = b"\x00\xfe"

_pack_u64 = struct.Struct(">Q").pack
_unpack_u64 = struct.Struct(">Q").unpack
_pack_f64 = struct.Struct(">d").pack
_SIGN: Final = 1 << 63
_ALL: Final = (1 << 64) - 1
# small ints are the commonest keys: their encodings once
_SMALL_INTS: Final[dict[int, bytes]] = {}


def _int_key(n: int) -> bytes:
    if n == 0:
        return b"\x08"
    if -128 <= n <= 127:
        width, diff = 1, 1
    elif -32768 <= n <= 32767:
        width, diff = 2, 2
    elif -(2**31) <= n < 2**31:
        width, diff = 4, 3
    else:
        width, diff = 8, 4
    tag = _ZERO_INT_TAG - diff if n < 0 else _ZERO_INT_TAG + diff
    return bytes((tag,)) + n.to_bytes(width, "big", signed=True)


for _n in range(-128, 1024):
    _SMALL_INTS[_n] = _int_key(_n)


def _float_key(x: float) -> bytes:
    bits = _unpack_u64(_pack_f64(x))[0]
    bits = bits ^ _ALL if bits & _SIGN else bits | _SIGN
    return _FLOAT_TAG + _pack_u64(bits)


def _escaped(data: bytes) -> bytes:
    if b"\x00" in data:
        data = data.replace(b"\x00", b"\x00\xff")
    return data + b"\x00"


def _write(value: Any, out: list[bytes]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_STRING_TAG)
        out.append(_escaped(value.encode()))
    elif kind is int:
        small = _SMALL_INTS.get(value)
        out.append(small if small is not None else _int_key(value))
    elif kind is float:
        out.append(_float_key(value))
    elif value is None:
        out.append(NULL_TAG)
    elif kind is bool:
        out.append(_TRUE if value else _FALSE)
    elif kind is list:
        out.append(_ARRAY_TAG)
        for item in value:
            _write(item, out)
        out.append(_END)
    elif kind is dict:
        out.append(_OBJECT_TAG)
        for name in sorted(value):
            out.append(_escaped(name.encode()) if name else _EMPTY_NAME)
            _write(value[name], out)
        out.append(_END)
    elif value is UNSET:
        out.append(UNDEFINED_TAG)
    elif kind is bytes or isinstance(value, bytes):
        out.append(_BYTES_TAG)
        out.append(_escaped(bytes(value)))
    elif isinstance(value, int):  # an int subclass (bool is handled above: it has none)
        out.append(_int_key(int(value)))
    elif isinstance(value, float):
        out.append(_float_key(float(value)))
    elif isinstance(value, str):
        _write(str(value), out)
    else:
        raise TypeError(f"{type(value).__name__} is not a Convex value")


def sort_key(value: Any) -> bytes:
    """The key of one value (``UNSET`` is the missing field, lowest of all)."""
    kind = type(value)
    if kind is str:
        return _STRING_TAG + _escaped(value.encode())
    if kind is int:
        small = _SMALL_INTS.get(value)
        return small if small is not None else _int_key(value)
    out: list[bytes] = []
    _write(value, out)
    return b"".join(out)


def values_key(values: Sequence[Any]) -> bytes:
    """The key of a sequence of values: index fields, then ``_creationTime`` and ``_id``."""
    out: list[bytes] = []
    for value in values:
        _write(value, out)
    return b"".join(out)


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b`` in Convex's order."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int):
        return int(a > b) - int(a < b)
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def key_successor(prefix: bytes) -> bytes | None:
    """The least byte string greater than every string that starts with ``prefix``
    (None when there is none: the prefix is all ``FF``). For the end of the values equal
    to some value, use ``after_values``: ``"a\\x00"`` starts with the key of ``"a"``."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))


def after_values(key: bytes) -> bytes:
    """A key above every index key whose leading values are exactly those ``key`` encodes,
    and below every key whose leading values are greater: the end of an equality range.

    Not the next byte string after the prefix: ``"a"`` is ``10 61 00`` and ``"a\\x00"``
    is ``10 61 00 FF 00``. After a whole value comes a tag (at most ``15``); a longer
    string or bytes goes on with ``FF``, an object with an empty field name with ``FE``.
    """
    return key + b"\xfe"
