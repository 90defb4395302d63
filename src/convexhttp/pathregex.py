"""Compile parsed route tokens into one anchored regex per route, in linear time.

:func:`compile_path` is the reference matcher of one route (:meth:`CompiledPath.match`);
the router's table matcher must agree with it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import regex

from .pathnorm import decode_param, normalize_text
from .pathsyntax import Key, PathSyntaxError, Token, parse_path

__all__ = [
    "MATCH_TIMEOUT",
    "CompiledPath",
    "Params",
    "PatternTimeout",
    "compile_path",
    "compile_prefix",
]

Params = dict[str, str | list[str]]

#: Seconds a guarded route (one with a custom pattern, say) may spend matching one path.
MATCH_TIMEOUT: Final = 0.05


class PatternTimeout(TimeoutError):
    """A guarded route took longer than :data:`MATCH_TIMEOUT` to match (the request is a 500)."""


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


@dataclass(slots=True)
class _Regex:
    parts: list[str | int] = field(default_factory=list)  # int: open the group of param i
    names: list[str] = field(default_factory=list)
    separators: list[str | None] = field(default_factory=list)  # None: not repeated
    optional: bool = False  # some param may be absent
    guarded: bool = False  # has a custom pattern: match with a timeout

    def source(self, groups: Sequence[str] | None) -> str:
        return "".join(
            p if isinstance(p, str) else ("(" if groups is None else f"(?P<{groups[p]}>")
            for p in self.parts
        )


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


def _default_element(path: str, tokens: Sequence[Token], index: int, key: Key) -> str:
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
    rest = tokens[index + 1] if index + 1 < len(tokens) else "/"
    forced = (
        not key.suffix
        and isinstance(rest, str)
        and rest.startswith("/")
        and (not key.repeated or key.separator.startswith("/"))
    )
    return element + ("+" if forced else "+?")


def _build(path: str, tokens: Sequence[Token]) -> _Regex:
    out = _Regex()
    first_repeat: Key | None = None
    for index, tok in enumerate(tokens):
        if isinstance(tok, str):
            out.parts.append(re.escape(tok))
            continue
        if tok.repeated:
            if first_repeat is not None:
                # Two repeats can trade values back and forth: quadratic on a miss.
                raise _superlinear(
                    path,
                    tok,
                    "a second repeated parameter or group (the first is at position "
                    f"{first_repeat.pos})",
                    "two repeated params in one path cannot be matched in linear time; "
                    "use a path_prefix route or one repeated param",
                )
            first_repeat = tok
        prefix, suffix = re.escape(tok.prefix), re.escape(tok.suffix)
        optional = "?" if tok.optional else ""
        if tok.name is None:
            if tok.repeated:
                raise _superlinear(
                    path,
                    tok,
                    f"a '{tok.modifier}' on a group without a parameter",
                    "a repeated literal group cannot be matched in linear time; "
                    "write its text out, make it optional with '?', or use a "
                    "path_prefix route",
                )
            out.parts.append(f"(?:{prefix}{suffix}){tok.modifier}")
            continue
        if tok.pattern is None:
            element = _default_element(path, tokens, index, tok)
        else:
            element = f"(?:{tok.pattern})"
            out.guarded = True
        if tok.repeated:
            element = f"{element}(?:{re.escape(tok.separator)}{element})*"
        wrap = bool(optional and (prefix or suffix))
        out.parts += ["(?:" if wrap else "", prefix, len(out.names), element, ")", suffix]
        out.parts.append(")" + optional if wrap else optional)
        out.names.append(tok.name)
        out.separators.append(tok.separator if tok.repeated else None)
        out.optional = out.optional or tok.optional
    return out


def _superlinear(path: str, key: Key, reason: str, hint: str) -> PathSyntaxError:
    """The error for a default-only shape that no regex matches in linear time."""
    return PathSyntaxError(path, key.pos, reason, hint)


def _literal_segments(tokens: Sequence[Token]) -> tuple[str, ...]:
    """Leading segments ``s`` such that every matching path starts with ``/s1/s2/.../``.

    The leading text counts up to its last ``/``; its final piece counts too only when
    what follows it always starts with ``/`` (not when it is optional: ``/a/:b?``
    matches ``/a``, so its segments are ``()``).
    """
    if not tokens or not isinstance(tokens[0], str):
        return ()
    parts = tokens[0].split("/")[1:]
    if not _always_starts_with_slash(tokens[1:]):
        parts.pop()  # the last piece may end the path or run on into something dynamic
    return tuple(parts)


def _always_starts_with_slash(tokens: Sequence[Token]) -> bool:
    """Whether every text ``tokens`` can match is non-empty and starts with ``/``."""
    for tok in tokens:
        if isinstance(tok, str):
            if tok:
                return tok[0] == "/"
            continue
        first = tok.prefix or (tok.suffix if tok.name is None else "")
        if not first.startswith("/"):
            return False  # a value or other text can come first
        if not tok.optional:
            return True
        # present, it starts with '/'; absent, what follows it comes first
    return False  # the rest can be empty


# -- the compiled form -------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CompiledPath:
    """A route path compiled once; :meth:`match` runs per request."""

    source: str  # the path as the user wrote it
    static: str | None  # the normalised path when the pattern matches exactly one path
    literal_segments: tuple[str, ...]  # leading whole segments of literal text
    key: str  # equal for patterns that match the same paths the same way
    _plain: re.Pattern[str] | None = field(repr=False)  # stdlib regex, when linear by construction
    _guarded: regex.Pattern[str] | None = field(repr=False)  # else: run with a timeout
    _fast: bool = field(repr=False)  # every group always matches, is not repeated, is its name
    _params: tuple[tuple[str, str | None], ...] = field(repr=False)  # per group: name, separator
    # "<literal>/:name" patterns: (the literal text up to and with the last "/", the name)
    _tail: tuple[str, str] | None = field(default=None, repr=False)

    def match(self, path: str) -> Params | None:
        """The params if the normalised ``path`` matches, else None.

        Raises ``ParamDecodeError`` for a param that is not percent-encoded UTF-8
        and ``PatternTimeout`` when a custom pattern runs past :data:`MATCH_TIMEOUT`.
        """
        plain = self._plain
        m = plain.fullmatch(path) if plain is not None else self._match_guarded(path)
        if m is None:
            return None
        if self._fast and "%" not in path:
            return m.groupdict()
        return self._decoded(m.groups())

    def matcher(self) -> Callable[[str], Params | None]:
        """:meth:`match` as a closure specialised for this pattern (the router's hot path)."""
        plain = self._plain
        if self._tail is not None:
            return _tail_matcher(*self._tail)
        if plain is None or not self._fast:
            return self.match
        fullmatch = plain.fullmatch
        decoded = self._decoded

        def match(path: str) -> Params | None:
            m = fullmatch(path)
            if m is None:
                return None
            if "%" not in path:
                return m.groupdict()
            return decoded(m.groups())

        return match

    def _match_guarded(self, path: str) -> regex.Match[str] | None:
        assert self._guarded is not None
        try:
            return self._guarded.fullmatch(path, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            raise PatternTimeout(
                f"route {self.source!r} took over {MATCH_TIMEOUT}s to match "
                f"a {len(path)}-character path; simplify the route's pattern"
            ) from None

    def _decoded(self, values: tuple[Any, ...]) -> Params:
        params: Params = {}
        for (name, separator), value in zip(self._params, values, strict=True):
            if value is None:
                continue
            if separator is None:
                params[name] = decode_param(name, value) if "%" in value else value
            elif "%" in value:
                params[name] = [decode_param(name, v) for v in value.split(separator)]
            else:
                params[name] = value.split(separator)
        return params


def _tail_matcher(head: str, name: str) -> Callable[[str], Params | None]:
    """The matcher of ``<head>:name``, ``head`` ending in "/": no regex needed."""
    start = len(head)

    def match(path: str) -> Params | None:
        if not path.startswith(head):
            return None
        value = path[start:]
        if not value or "/" in value:
            return None
        return {name: decode_param(name, value) if "%" in value else value}

    return match


def _tail_of(tokens: Sequence[Token]) -> tuple[str, str] | None:
    """``(head, name)`` when ``tokens`` are literal text then one plain one-segment param."""
    if not tokens or len(tokens) > 2:
        return None
    last = tokens[-1]
    if not isinstance(last, Key) or last.name is None or last.pattern is not None:
        return None
    if last.modifier or last.suffix:
        return None
    text = tokens[0] if len(tokens) == 2 else ""
    if not isinstance(text, str):
        return None
    head = text + last.prefix
    return (head, last.name) if head.endswith("/") else None


def compile_path(path: str) -> CompiledPath:
    """Compile a route path; raises ``PathSyntaxError`` naming the position of a fault."""
    if not path.startswith("/"):
        raise PathSyntaxError(path, 0, "a route path must start with '/'")
    tokens = parse_path(path)
    static = tokens[0] if len(tokens) == 1 and isinstance(tokens[0], str) else None
    built = _build(path, tokens)
    # Named groups let match() return m.groupdict(); names like "0" cannot be group names.
    identifiers = all(n.isidentifier() for n in built.names)
    source = built.source(built.names if identifiers else None)
    key = built.source(None) + "".join(f"\0{s}" for s in built.separators if s is not None)
    return CompiledPath(
        source=path,
        static=static,
        literal_segments=_literal_segments(tokens),
        key=key,
        _plain=None if built.guarded else re.compile(source),
        _guarded=_compile_guarded(path, source, tokens) if built.guarded else None,
        _fast=identifiers and not built.optional and not any(built.separators),
        _params=tuple(zip(built.names, built.separators, strict=True)),
        _tail=None if built.guarded else _tail_of(tokens),
    )


def _compile_guarded(path: str, source: str, tokens: Sequence[Token]) -> regex.Pattern[str]:
    try:
        return regex.compile(source)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        pos = next((t.pos for t in tokens if isinstance(t, Key) and t.pattern is not None), 0)
        raise PathSyntaxError(path, pos, f"invalid parameter pattern ({exc})") from None


def compile_prefix(prefix: str) -> str:
    """Validate a ``path_prefix`` and return its normalised form."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"route path_prefix {prefix!r} must start and end with '/'")
    return normalize_text(prefix)
