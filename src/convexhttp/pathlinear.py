"""What a default param's value may hold, so that every route matches in linear time.

path-to-regexp's ReDoS advisory (GHSA-9wv6-86v2-598j), fixed as v6.3.0 fixed it: a
default param right after literal text without a '/' holds no copy of that text, and
one right after another param or group with no text between them is refused. Two
additions where v6.3.0 is quadratic or refuses: a repeat without a prefix holds no
first character of its separator, and a param that a repeat follows in its segment
holds no first character of the text between them. Repeats that no regex matches
in linear time are refused.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from .pathsyntax import Key, PathSyntaxError, Token

__all__ = ["check_repeats", "default_element"]


def _first_unit(text: str) -> str:
    """The first character of normalised text, or its first '%XX' escape."""
    if (
        text[0] == "%"
        and len(text) >= 3
        and text[1] in string.hexdigits
        and text[2] in string.hexdigits
    ):
        return text[:3]
    return text[0]


@dataclass(slots=True)
class _Follow:
    """What can come right after a param's value in its segment."""

    units: set[str] = field(default_factory=set)  # first characters (or escapes) of that text
    repeat: bool = False  # a repeat within the segment ('.:ext+') can follow later in it


def _follow(lead: str, rest: Sequence[Token]) -> _Follow:
    """Walk ``lead`` then ``rest`` to the end of the segment; over-approximates, never under."""
    found = _Follow()

    def text(t: str, at_start: bool) -> bool:
        """Note ``t``'s first unit if it can come first; are we still at the start after it?"""
        if t and at_start:
            found.units.add(_first_unit(t))
        return at_start and not t

    at_start = text(lead, True)
    if "/" in lead:
        return found
    for tok in rest:
        if isinstance(tok, str):
            at_start = text(tok, at_start)
            if "/" in tok:
                break
            continue
        inside = text(tok.prefix, at_start)
        ended = "/" in tok.prefix
        if not ended and tok.name is not None:
            found.repeat = found.repeat or (tok.repeated and "/" not in tok.separator)
            inside = False
        if not ended:
            inside = text(tok.suffix, inside)
            ended = "/" in tok.suffix
        if tok.optional:
            continue  # the key may be absent, so what follows it can come first too
        at_start = inside
        if ended:
            break
    return found


def _prev_text(path: str, tokens: Sequence[Token], index: int, key: Key) -> str:
    """The literal text right before a default param's value (v6.3.0's ``prevText``)."""
    if key.prefix:
        return key.prefix
    prev = tokens[index - 1] if index else ""
    if isinstance(prev, str):
        return prev
    raise PathSyntaxError(
        path,
        key.pos,
        f"parameter {key.name!r} follows a parameter or group with no text between them",
        "matching them would backtrack catastrophically (ReDoS); put literal text "
        "between them (e.g. '/:a-:b') or give the second a custom pattern",
    )


def default_element(path: str, tokens: Sequence[Token], index: int, key: Key) -> str:
    """The regex for one value of a default param, as path-to-regexp v6.3.0 builds it.

    A value holds no '/' and, when the literal text right before it has no '/', does
    not contain that text (``/:name.:ext``: ``ext`` holds no '.'), which keeps two
    params in one segment linear. Two additions keep our own shapes linear: a repeat
    without a prefix holds no first character of its separator, and a param that an
    in-segment repeat follows holds no first character of the text between them.
    """
    prev = _prev_text(path, tokens, index, key)
    excluded: set[str] = set()  # text a value cannot contain
    if prev and "/" not in prev:
        excluded.add(prev)
    if key.repeated and not key.prefix and "/" not in key.separator:
        excluded.add(_first_unit(key.separator))
    found = _follow(key.suffix, tokens[index + 1 :])
    if found.repeat:
        excluded |= found.units - {"/"}
    chars = "".join(re.escape(u) for u in sorted(excluded) if len(u) == 1)
    element = f"[^/{chars}]"
    texts = sorted(u for u in excluded if len(u) > 1)
    if texts:
        element = f"(?:(?!{'|'.join(map(re.escape, texts))}){element})"
    # v6 takes the shortest value; the longest is the same value when a '/' or the end
    # must come right after it, and faster to find.
    forced = not key.suffix and _slash_or_end(tokens[index + 1 :])
    if key.repeated and not key.separator.startswith("/"):
        forced = False
    return element + ("+" if forced else "+?")


def _slash_or_end(tokens: Sequence[Token]) -> bool:
    """Whether whatever ``tokens`` match starts with '/' or is empty."""
    for tok in tokens:
        if isinstance(tok, str):
            if tok:
                return tok.startswith("/")
            continue
        first = tok.prefix if tok.name is not None else tok.prefix + tok.suffix
        if not first.startswith("/"):
            return False  # its value or its text can come first
        if not tok.optional:
            return True
    return True


def check_repeats(path: str, tokens: Sequence[Token]) -> None:
    """Refuse the repeats no regex matches in linear time, naming their position."""
    first: Key | None = None
    for tok in tokens:
        if isinstance(tok, str) or not tok.repeated:
            continue
        if first is not None:
            # Two repeats can trade values back and forth: quadratic on a miss.
            raise PathSyntaxError(
                path,
                tok.pos,
                f"a second repeated parameter or group (the first is at position {first.pos})",
                "two repeated params in one path cannot be matched in linear time; "
                "use a path_prefix route or one repeated param",
            )
        if tok.name is None:
            raise PathSyntaxError(
                path,
                tok.pos,
                f"a '{tok.modifier}' on a group without a parameter",
                "a repeated literal group cannot be matched in linear time; write its "
                "text out, make it optional with '?', or use a path_prefix route",
            )
        first = tok
