"""Convex's order of values, written out plainly: the reference the index keys and queries
are checked against.

A Python model of ``Ord for ConvexValue`` in Convex's ``crates/value/src/sorting.rs``:
compare type ranks (missing < null < int64 < float64 < boolean < string < bytes < array <
object), then within the type: floats by ``f64::total_cmp``, strings and bytes by their
bytes, arrays element by element then by length, objects as their ``(field, value)``
pairs in field order.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from typing import Any

from convexhttp.values import UNSET


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


def model_key(values: Sequence[Any]) -> Any:
    """A ``sorted`` key ordering sequences of values as Convex orders index keys."""
    return functools.cmp_to_key(model_cmp)(list(values))
