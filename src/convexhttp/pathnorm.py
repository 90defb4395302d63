"""Normal form of request paths and route text (RFC 3986 section 6.2.2), and param decoding.

- A request path with a ``%`` not followed by two hex digits is invalid (RFC 3986):
  :func:`normalize_path` raises :class:`ParamDecodeError` (a 400). Otherwise it
  normalises in one pass, so an escape is never built out of decoded characters
  (``/%%36%31dmin`` is refused, not read as ``/admin``).
- In a route's literal text (and a ``path_prefix``) a valid escape stands for its
  character (``/caf%C3%A9`` is ``/café``) and a lone ``%`` is a literal ``%``
  (``/100%`` matches a request for ``/100%25``): :func:`normalize_text`.
"""

from __future__ import annotations

import re
import string
from typing import Final
from urllib.parse import unquote_to_bytes

__all__ = ["LONE_PERCENT", "ParamDecodeError", "decode_param", "normalize_path", "normalize_text"]


class ParamDecodeError(ValueError):
    """A matched param is not valid percent-encoded UTF-8 (the request is a 400)."""


_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_PCHAR: Final = r"A-Za-z0-9\-._~!$&'()*+,;=:@/"  # pchar and '/', without '%'
#: Finds what normalize_path() would change: None means the path is in normal form.
NEEDS_WORK: Final = re.compile(f"[^{_PCHAR}]")
_FIXABLE: Final = re.compile(f"%([0-9A-Fa-f]{{2}})|[^{_PCHAR}%]")
LONE_PERCENT: Final = re.compile("%(?![0-9A-Fa-f]{2})")


def _fix(m: re.Match[str]) -> str:
    pair = m[1]
    if pair is not None:
        char = chr(int(pair, 16))
        return char if char in _UNRESERVED else "%" + pair.upper()
    char = m[0]
    if "\udc80" <= char <= "\udcff":  # a raw byte smuggled in by surrogateescape
        data = bytes([ord(char) - 0xDC00])
    else:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{b:02X}" for b in data)


def normalize_path(raw: str) -> str:
    """RFC 3986 normal form of a raw, percent-encoded path (no query string).

    Escapes of unreserved characters are decoded, other escapes get upper-case hex,
    and non-ASCII or disallowed characters are UTF-8 percent-encoded. ``%2F`` stays
    encoded. One pass: a decoded character is never read again as part of an escape.

    Raises ``ParamDecodeError`` (a 400) for a ``%`` not followed by two hex digits,
    which RFC 3986 does not allow; decoding around one could build a new escape
    (``/%%36%31dmin``) and smuggle a path past a proxy.
    """
    if NEEDS_WORK.search(raw) is None:
        return raw
    lone = LONE_PERCENT.search(raw)
    if lone is not None:
        raise ParamDecodeError(
            f"request path {raw!r} has a '%' not followed by two hex digits at "
            f"position {lone.start()}; write a literal '%' as '%25'"
        )
    return _FIXABLE.sub(_fix, raw)


def normalize_text(text: str) -> str:
    """Normal form of a route's literal text: a lone ``%`` there means ``%25``."""
    return normalize_path(LONE_PERCENT.sub("%25", text))


def decode_param(name: str, value: str) -> str:
    """A matched param, percent-decoded as UTF-8; ``ParamDecodeError`` names it if it is not."""
    if "%" not in value:
        return value
    if LONE_PERCENT.search(value) is None:
        try:
            return unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            pass
    raise ParamDecodeError(f"path parameter {name!r} is not valid percent-encoded UTF-8")
