"""Document ids: opaque, unguessable strings that say which table they belong to.

The layout is Convex's v6 id: ``varint(table number) + 16 random bytes +
2-byte footer`` (a Fletcher-16 checksum of the rest), written in base32 with
the alphabet ``0-9a-z`` minus ``i l o u``. 128 random bits make an id
unguessable; the checksum makes a mistyped id fail to decode instead of
naming another document. Within one table every id has the same length, so
string order is the order of the random bytes.
"""

from __future__ import annotations

import os
from typing import Final, NamedTuple

__all__ = ["DecodedId", "IdError", "decode_id", "new_id", "table_number_of"]

ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_DIGIT: Final = {c: i for i, c in enumerate(ALPHABET)}
_RANDOM_LEN: Final = 16
_MIN_LEN: Final = 31  # base32 length of 1 + 16 + 2 bytes
_MAX_LEN: Final = 37  # ... of 5 + 16 + 2 bytes
MAX_TABLE_NUMBER: Final = 2**32 - 1


class IdError(ValueError):
    """A string that is not a document id."""


class DecodedId(NamedTuple):
    table_number: int
    random: bytes


def _base32(data: bytes) -> str:
    bits = len(data) * 8
    digits = -(-bits // 5)
    n = int.from_bytes(data, "big") << (digits * 5 - bits)
    out = []
    for _ in range(digits):
        out.append(ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def _unbase32(text: str) -> bytes:
    n = 0
    for c in text:
        digit = _DIGIT.get(c)
        if digit is None:
            raise IdError(f"invalid character {c!r}")
        n = (n << 5) | digit
    size = len(text) * 5 // 8
    pad = len(text) * 5 - size * 8
    if n & ((1 << pad) - 1):
        raise IdError("non-canonical encoding")
    return (n >> pad).to_bytes(size, "big")


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _fletcher16(data: bytes) -> int:
    c0 = c1 = 0
    for byte in data:
        c0 = (c0 + byte) & 0xFF
        c1 = (c1 + c0) & 0xFF
    return (c1 << 8) | c0


def new_id(table_number: int) -> str:
    """A fresh id for a document of the table numbered ``table_number``."""
    if not 0 < table_number <= MAX_TABLE_NUMBER:
        raise ValueError(f"table number {table_number} out of range")
    body = _varint(table_number) + os.urandom(_RANDOM_LEN)
    return _base32(body + _fletcher16(body).to_bytes(2, "little"))


def decode_id(text: object) -> DecodedId:
    """The table number and random bytes of an id; ``IdError`` saying why when it is not one."""
    if not isinstance(text, str):
        raise IdError(f"expected an id string, got {type(text).__name__}")
    if not _MIN_LEN <= len(text) <= _MAX_LEN:  # before decoding: cheap on long garbage
        raise IdError(f"invalid id length {len(text)}")
    data = _unbase32(text)
    number = shift = pos = 0
    while True:
        if pos >= 5 or pos >= len(data):
            raise IdError("invalid table number")
        byte = data[pos]
        number |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
        if byte < 0x80:
            break
    if number == 0 or number > MAX_TABLE_NUMBER:
        raise IdError("invalid table number")
    # A character more can decode to the same bytes: one id, one spelling.
    if len(data) != pos + _RANDOM_LEN + 2 or len(text) != -(-len(data) * 8 // 5):
        raise IdError(f"invalid id length {len(text)}")
    body = data[: pos + _RANDOM_LEN]
    if int.from_bytes(data[-2:], "little") != _fletcher16(body):
        raise IdError("checksum mismatch")
    return DecodedId(number, body[pos:])


def table_number_of(text: object) -> int | None:
    """The table number an id encodes, or None when ``text`` is not an id."""
    try:
        return decode_id(text).table_number
    except IdError:
        return None
