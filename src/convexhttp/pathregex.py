"""Compile parsed route tokens into one anchored regex per route, in linear time.

:func:`compile_path` is the reference matcher of one route (:meth:`CompiledPath.match`);
the router's table matcher must agree with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import regex

from .pathlinear import check_repeats, default_element
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


@dataclass(slots=True)
class _Piece:
    """One piece of a route's regex, with what the table matcher needs to know of it."""

    parts: list[str | int]  # regex source; an int opens the group of param i
    text: str | None = None  # literal text (the only kind that may hold a '/')
    plain: bool = False  # a whole one-segment value: '[^/]+', no text around it
    spans: bool = False  # may match a '/' (or the number of '/'s varies): a tail regex
    rest: bool = False  # a required '[^/]+' repeat across '/': one value per segment


def _source(pieces: Sequence[_Piece], groups: Sequence[str] | None) -> str:
    """The regex of ``pieces``; groups named after ``groups`` when given."""
    return "".join(
        p if isinstance(p, str) else ("(" if groups is None else f"(?P<{groups[p]}>")
        for piece in pieces
        for p in piece.parts
    )


@dataclass(slots=True)
class _Regex:
    pieces: list[_Piece] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    separators: list[str | None] = field(default_factory=list)  # None: not repeated
    optional: bool = False  # some param may be absent
    guarded: bool = False  # has a custom pattern: match with a timeout

    def text(self, text: str) -> None:
        if text:
            self.pieces.append(_Piece([re.escape(text)], text=text))

    def source(self, groups: Sequence[str] | None) -> str:
        return _source(self.pieces, groups)


def _build(path: str, tokens: Sequence[Token]) -> _Regex:
    check_repeats(path, tokens)
    out = _Regex()
    for index, tok in enumerate(tokens):
        if isinstance(tok, str):
            out.text(tok)
            continue
        prefix, suffix = re.escape(tok.prefix), re.escape(tok.suffix)
        slash = "/" in tok.prefix + tok.suffix
        if tok.name is None:
            out.pieces.append(_Piece([f"(?:{prefix}{suffix}){tok.modifier}"], spans=slash))
            continue
        if tok.pattern is None:
            element = default_element(path, tokens, index, tok)
        else:
            element = f"(?:{tok.pattern})"
            out.guarded = True
        rest = tok.repeated and element == "[^/]+" and tok.separator == "/"
        if tok.repeated:
            element = f"{element}(?:{re.escape(tok.separator)}{element})*"
        value: list[str | int] = [len(out.names), element, ")"]
        # A custom pattern may match a '/', and so may a repeat across '/'.
        spans = tok.pattern is not None or (tok.repeated and "/" in tok.separator)
        if tok.optional:
            # Present or not, with its text: the number of '/'s varies if its text has one.
            parts = ["(?:", prefix, *value, suffix, ")?"] if prefix or suffix else [*value, "?"]
            out.pieces.append(_Piece(parts, spans=spans or slash))
        else:
            out.text(tok.prefix)  # always there: its '/'s are the path's
            plain = element == "[^/]+"
            out.pieces.append(_Piece(value, plain=plain, spans=spans, rest=rest))
            out.text(tok.suffix)
        out.names.append(tok.name)
        out.separators.append(tok.separator if tok.repeated else None)
        out.optional = out.optional or tok.optional
    return out


#: A leading segment of a route, as the table matcher walks ``path.split("/")``: its
#: literal text (a dict edge), None for a plain one-segment param (no regex), or a
#: regex the whole segment must match.
Segment = str | re.Pattern[str] | None


def _plan(pieces: Sequence[_Piece]) -> tuple[tuple[Segment, ...], str | None, bool]:
    """Cut a route's regex at the '/'s that every path it matches has in those places.

    Returns the leading segments (segment ``i`` matches ``path.split("/")[i]``; the
    first is the empty text before the leading '/'), the regex source of the rest,
    matched from the start of the next segment (None when the segments are all), and
    whether that rest is a ``/:name+`` taking every remaining segment, one value each.
    """
    segments: list[list[_Piece]] = [[]]
    for piece in pieces:
        if piece.text is None:
            segments[-1].append(piece)
            continue
        first, *rest = (
            [_Piece([re.escape(text)], text=text)] if text else [] for text in piece.text.split("/")
        )
        segments[-1] += first
        segments += rest
    out: list[Segment] = []
    for i, segment in enumerate(segments):
        if any(piece.spans for piece in segment):
            tail = segments[i:]
            every = len(tail) == 1 and len(segment) == 1 and segment[0].rest
            return tuple(out), "/".join(_source(s, None) for s in tail), every
        if all(piece.text is not None for piece in segment):
            out.append("".join(piece.text or "" for piece in segment))
        elif len(segment) == 1 and segment[0].plain:
            out.append(None)
        else:
            out.append(re.compile(_source(segment, None)))
    return tuple(out), None, False


# -- the compiled form -------------------------------------------------------------


class _Guarded:
    """A ``regex`` pattern (a route with a custom pattern) run with a timeout."""

    __slots__ = ("_pattern", "_route")

    def __init__(self, route: str, tokens: Sequence[Token], source: str) -> None:
        self._route = route
        try:
            self._pattern = regex.compile(source)
        except (regex.error, ValueError, OverflowError, RecursionError) as exc:
            pos = next((t.pos for t in tokens if isinstance(t, Key) and t.pattern), 0)
            raise PathSyntaxError(route, pos, f"invalid parameter pattern ({exc})") from None

    def fullmatch(self, path: str, pos: int = 0) -> regex.Match[str] | None:
        try:
            return self._pattern.fullmatch(path, pos, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            raise PatternTimeout(
                f"route {self._route!r} took over {MATCH_TIMEOUT}s to match "
                f"a {len(path)}-character path; simplify the route's pattern"
            ) from None


@dataclass(frozen=True, slots=True, eq=False)
class CompiledPath:
    """A route path compiled once: :meth:`match` is the reference matcher of one route.

    ``segments`` and :meth:`match_tail` are the same regex cut at its fixed '/'s, for
    a table matcher that walks a request's segments: the values it collects, in
    order, give :meth:`bind` what ``match`` would return.
    """

    source: str  # the path as the user wrote it
    static: str | None  # the normalised path when the pattern matches exactly one path
    key: str  # equal for patterns that match the same paths the same way
    segments: tuple[Segment, ...]  # see Segment: the walked part of the route
    names: tuple[str, ...]  # param names, in the order of their values
    simple: bool  # every param always has one value: bind is dict(zip(names, values))
    has_tail: bool  # match_tail must match what follows the segments
    # The tail is one '/:name+' value: every remaining segment, when none is empty.
    rest: bool
    # The whole route: stdlib re when linear by construction, else regex with a timeout.
    _regex: re.Pattern[str] | _Guarded = field(repr=False)
    _tail: re.Pattern[str] | _Guarded | None = field(repr=False)  # what follows the segments
    _params: tuple[tuple[str, str | None], ...] = field(repr=False)  # per group: name, separator

    def match(self, path: str) -> Params | None:
        """The params if the normalised ``path`` matches, else None.

        Raises ``ParamDecodeError`` for a param that is not percent-encoded UTF-8
        and ``PatternTimeout`` when a custom pattern runs past :data:`MATCH_TIMEOUT`.
        """
        m = self._regex.fullmatch(path)
        if m is None:
            return None
        if self.simple and "%" not in path:
            return m.groupdict()
        return self.bind(m.groups())

    def match_tail(self, path: str, pos: int) -> Sequence[str | None] | None:
        """The values of what follows the segments, matched from ``pos``, or None.

        ``pos`` is where segment ``len(segments)`` starts in the normalised ``path``.
        Raises ``PatternTimeout`` as :meth:`match` does.
        """
        assert self._tail is not None
        m = self._tail.fullmatch(path, pos)
        return None if m is None else m.groups()

    def bind(self, values: Sequence[str | None]) -> Params:
        """The params from the values of the route's groups, percent-decoded.

        Raises ``ParamDecodeError`` for a value that is not percent-encoded UTF-8.
        """
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
    segments, tail, rest = _plan(built.pieces)

    def compile_(source: str) -> re.Pattern[str] | _Guarded:
        return _Guarded(path, tokens, source) if built.guarded else re.compile(source)

    return CompiledPath(
        source=path,
        static=static,
        key=key,
        segments=segments,
        names=tuple(built.names),
        simple=identifiers and not built.optional and not any(built.separators),
        has_tail=tail is not None,
        rest=rest,
        _regex=compile_(source),
        _tail=None if tail is None else compile_(tail),
        _params=tuple(zip(built.names, built.separators, strict=True)),
    )


def compile_prefix(prefix: str) -> str:
    """Validate a ``path_prefix`` and return its normalised form."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"route path_prefix {prefix!r} must start and end with '/'")
    return normalize_text(prefix)
