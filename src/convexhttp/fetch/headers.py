"""Headers: the Fetch API's case-insensitive header multimap."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeAlias

from .pairs import PairIterable

__all__ = ["Headers", "HeadersInit", "is_token", "parse_content_length"]

HeadersInit: TypeAlias = "Headers | Mapping[str, str] | Iterable[tuple[str, str]]"

# RFC 9110 token: header names, methods.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What can never reach the wire: CR/LF/NUL (header injection) and non-Latin-1.
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00\r\n]|[^\x00-\xff]")
# The forbidden ones and the control characters fetch allows but HTTP/1.1 servers refuse.
_WIRE_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
_HTTP_WHITESPACE = "\t\n\r "


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


# Names already validated, to their lowercase form: every request repeats the same few.
_VALID_NAMES: dict[str, str] = {}
_VALID_NAMES_MAX = 1024


def _normalize_name(name: object) -> str:
    if type(name) is str:
        known = _VALID_NAMES.get(name)
        if known is not None:
            return known
    if not isinstance(name, str) or not is_token(name):
        raise TypeError(f"invalid header name {name!r}: it must be an HTTP token")
    lowered = name.lower()
    if len(_VALID_NAMES) < _VALID_NAMES_MAX:
        _VALID_NAMES[name] = lowered
    return lowered


def _normalize_value(value: object) -> tuple[str, bool]:
    """The stripped value, and whether it holds a control character that fetch allows
    but no HTTP/1.1 server sends (the wire refuses those; see ``wire_unsafe``)."""
    if type(value) is not str:
        if not isinstance(value, str):
            raise TypeError(f"header value must be a str, not {type(value).__name__}")
        value = str(value)
    value = value.strip(_HTTP_WHITESPACE)
    if _WIRE_UNSAFE.search(value) is None:
        return value, False
    if _FORBIDDEN_IN_VALUE.search(value):
        raise TypeError(
            f"invalid header value {value!r}: CR, LF, NUL and characters above U+00FF "
            "are not allowed"
        )
    return value, True


def wire_unsafe(value: str) -> str | None:
    """The first character of ``value`` an HTTP/1.1 server would refuse, else None."""
    found = _WIRE_UNSAFE.search(value)
    return None if found is None else found.group()


def parse_content_length(value: str | None) -> int | None:
    """A Content-Length value as a number; None when absent or not plain ASCII digits
    (``"²".isdigit()`` is true, but it is no length)."""
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


class Headers(PairIterable[str]):
    """Case-insensitive multimap of HTTP headers, as the Fetch API's ``Headers``.

    Iteration, ``keys()``, ``values()`` and ``items()`` follow fetch's "sort and
    combine": lowercase names in sorted order, repeated values joined with ", ",
    except Set-Cookie, whose values stay apart (one pair each). Iterators see
    changes made while iterating, as fetch's do.
    """

    # Set when a value with a control character was stored (it may since be gone):
    # the wire then looks at every value; otherwise it trusts them as validated.
    _maybe_wire_unsafe = False
    # The sorted pairs, until a change (None: to compute); and Response.error()'s lock.
    _sorted: list[tuple[str, str]] | None = None
    _immutable = False

    def __init__(self, init: HeadersInit | None = None) -> None:
        self._entries: dict[str, list[str]] = {}
        if init is None:
            return
        if isinstance(init, _WireHeaders):
            # A server's headers were never validated: each pair is checked on the way in.
            for name, values in init._entries.items():
                for value in values:
                    self.append(name, value)
        elif isinstance(init, Headers):
            self._entries = {name: list(values) for name, values in init._entries.items()}
            self._maybe_wire_unsafe = init._maybe_wire_unsafe
        elif isinstance(init, Mapping):
            for name, value in init.items():
                self.append(name, value)
        elif isinstance(init, str | bytes) or not isinstance(init, Iterable):
            raise TypeError(
                "Headers() takes a mapping, an iterable of (name, value) pairs or Headers, "
                f"not {type(init).__name__}"
            )
        else:
            for pair in init:
                if isinstance(pair, str | bytes) or not isinstance(pair, Iterable):
                    raise TypeError(f"header pair must be (name, value), not {pair!r}")
                items = tuple(pair)
                if len(items) != 2:
                    raise TypeError(f"header pair must have 2 items, not {len(items)}")
                self.append(items[0], items[1])

    @classmethod
    def _from_wire(cls, pairs: Iterable[tuple[str, str]]) -> Headers:
        """Request headers a server already parsed and checked, read from ``pairs``
        only when first used, lowercased, not re-validated.

        Nothing here reaches the wire unchecked: ``Headers(these)`` (as a Response
        or Request built from them does) copies them through ``append``, which
        validates each pair; ``_copy()`` keeps them as they are (clone).
        """
        headers = _WireHeaders.__new__(_WireHeaders)
        headers._pairs = pairs  # _sorted and _immutable: the class defaults below
        return headers

    def _copy(self) -> Headers:
        """A mutable copy of the same kind, not re-validated (for clone())."""
        twin = type(self).__new__(type(self))
        twin._entries = {name: list(values) for name, values in self._entries.items()}
        twin._sorted = None
        twin._immutable = False
        twin._maybe_wire_unsafe = self._maybe_wire_unsafe
        return twin

    def append(self, name: str, value: str) -> None:
        key = _normalize_name(name)
        value, unsafe = _normalize_value(value)
        self._check_mutable()
        self._entries.setdefault(key, []).append(value)
        self._sorted = None
        if unsafe:
            self._maybe_wire_unsafe = True

    def set(self, name: str, value: str) -> None:
        key = _normalize_name(name)
        value, unsafe = _normalize_value(value)
        self._check_mutable()
        self._entries[key] = [value]
        self._sorted = None
        if unsafe:
            self._maybe_wire_unsafe = True

    def delete(self, name: str) -> None:
        key = _normalize_name(name)
        self._check_mutable()
        if self._entries.pop(key, None) is not None:
            self._sorted = None

    def get(self, name: str) -> str | None:
        values = self._entries.get(_normalize_name(name))
        return None if values is None else ", ".join(values)

    def get_set_cookie(self) -> list[str]:
        return list(self._entries.get("set-cookie", ()))

    def has(self, name: str) -> bool:
        return _normalize_name(name) in self._entries

    def items(self) -> Iterator[tuple[str, str]]:
        index = 0
        while index < len(pairs := self._sorted_pairs()):
            yield pairs[index]
            index += 1

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._entries

    def __repr__(self) -> str:
        return f"Headers({list(self.items())!r})"

    def _sorted_pairs(self) -> list[tuple[str, str]]:
        if self._sorted is None:
            entries = self._entries
            if len(entries) == 1:  # a Response("text") has one header: nothing to sort
                ((name, values),) = entries.items()
                if len(values) == 1:
                    self._sorted = [(name, values[0])]
                    return self._sorted
            pairs: list[tuple[str, str]] = []
            for name in sorted(self._entries):
                values = self._entries[name]
                if name == "set-cookie":
                    pairs.extend((name, value) for value in values)
                else:
                    pairs.append((name, ", ".join(values)))
            self._sorted = pairs
        return self._sorted

    def _check_mutable(self) -> None:
        if self._immutable:
            raise TypeError("these headers are immutable (Response.error())")

    getSetCookie = get_set_cookie
    entries = items


class _WireHeaders(Headers):
    """A server's request headers: the multimap is built on first use (most handlers
    of a GET never look at them)."""

    _pairs: Iterable[tuple[str, str]]
    _sorted = None
    _immutable = False

    def __getattr__(self, name: str) -> Any:
        if name != "_entries":
            raise AttributeError(name)
        entries: dict[str, list[str]] = {}
        for key, value in self.__dict__.pop("_pairs", ()):
            key = key.lower()
            values = entries.get(key)
            if values is None:
                entries[key] = [value.strip(_HTTP_WHITESPACE)]
            else:
                values.append(value.strip(_HTTP_WHITESPACE))
        self._entries = entries
        return entries
