"""Route path syntax: lex and parse a path-to-regexp (v6) pattern into tokens.

Grammar (path-to-regexp v6): ``:name``, ``:name(regex)``, unnamed ``(regex)``,
``{prefix:name suffix}`` groups, the modifiers ``?`` ``*`` ``+`` on a param or a group,
and ``\\`` to make the next character literal. ``s?`` after a plain character makes
that one character optional (Express 4). The result is a list of :data:`Token`: literal
text (normalised) and :class:`Key` (a param, or a group without one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import regex

from .pathnorm import normalize_text

__all__ = ["Key", "PathSyntaxError", "Token", "parse_path"]


class PathSyntaxError(ValueError):
    """A route path that does not compile; the message names the path and the position."""

    def __init__(self, path: str, position: int, reason: str, hint: str = "") -> None:
        message = f"invalid route path {path!r}: {reason} at position {position}"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.path = path
        self.position = position


_NAME: Final = re.compile(r"[A-Za-z0-9_]+")
_GLOBAL_FLAGS: Final = regex.compile("").flags


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # char, escaped, name, pattern, open, close, modifier, end
    value: str
    pos: int


def _lex(path: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c in "?*+":
            out.append(_Lexeme("modifier", c, i))
        elif c == "\\":
            if i + 1 == n:
                raise PathSyntaxError(path, i, "a trailing '\\' escapes nothing")
            out.append(_Lexeme("escaped", path[i + 1], i))
            i += 1
        elif c == "{":
            out.append(_Lexeme("open", c, i))
        elif c == "}":
            out.append(_Lexeme("close", c, i))
        elif c == ":":
            m = _NAME.match(path, i + 1)
            if m is None:
                raise PathSyntaxError(
                    path,
                    i + 1,
                    "expected a parameter name",
                    "names are letters, digits and '_'; write '\\:' for a literal ':'",
                )
            out.append(_Lexeme("name", m[0], i))
            i = m.end() - 1
        elif c == "(":
            end = _pattern_end(path, i)
            out.append(_Lexeme("pattern", path[i + 1 : end], i))
            i = end
        elif c == ")":
            raise PathSyntaxError(path, i, "')' closes no '('", "write '\\)' for a literal ')'")
        else:
            out.append(_Lexeme("char", c, i))
        i += 1
    out.append(_Lexeme("end", "", n))
    return out


def _pattern_end(path: str, start: int) -> int:
    """Index of the ')' that closes the custom pattern opened at ``start``."""
    i, n = start + 1, len(path)
    if i < n and path[i] == "?":
        raise PathSyntaxError(
            path,
            i,
            "a parameter pattern cannot start with '?'",
            "the pattern is already a group: write (\\d+), not (?:\\d+)",
        )
    depth = 1
    while i < n:
        c = path[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a ')' or '(' inside a character class is not a group
            i += 1
            if path.startswith("^", i):
                i += 1
            if path.startswith("]", i):
                i += 1
            while i < n and path[i] != "]":
                i += 2 if path[i] == "\\" else 1
        elif c == "(":
            if not path.startswith("?", i + 1):
                raise PathSyntaxError(
                    path,
                    i,
                    "capturing groups are not allowed in a parameter pattern",
                    "use a non-capturing group (?:...)",
                )
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                if i == start + 1:
                    raise PathSyntaxError(path, start, "empty parameter pattern '()'")
                return i
        i += 1
    raise PathSyntaxError(path, start, "'(' is never closed")


# -- parser --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """A param (``name`` set) or a literal-only ``{}`` group (``name`` None), with modifier."""

    name: str | None
    pattern: str | None  # a custom regex; None for the default one-segment pattern
    prefix: str  # normalised literal text
    suffix: str
    modifier: str  # "", "?", "*" or "+"
    pos: int

    @property
    def optional(self) -> bool:
        return self.modifier in ("?", "*")

    @property
    def repeated(self) -> bool:
        return self.modifier in ("*", "+")

    @property
    def separator(self) -> str:
        """The text between two repeated values (path-to-regexp splits on it)."""
        return self.suffix + self.prefix or "/"


Token = str | Key  # str: normalised literal text


def parse_path(path: str) -> list[Token]:
    lex = _lex(path)
    out: list[Token] = []
    text: list[str] = []  # raw literal characters not yet flushed into ``out``
    seen: set[str] = set()
    unnamed = 0
    i = 0

    def flush() -> None:
        if text:
            out.append(normalize_text("".join(text)))
            text.clear()

    def take_text() -> str:
        nonlocal i
        start = i
        while lex[i].kind in ("char", "escaped"):
            i += 1
        return "".join(_raw_text(t) for t in lex[start:i])

    def take_param() -> tuple[str | None, str | None]:
        nonlocal i, unnamed
        name = pattern = None
        pos = lex[i].pos
        if lex[i].kind == "name":
            name = lex[i].value
            i += 1
        if lex[i].kind == "pattern":
            pattern = lex[i].value
            _check_pattern(path, pattern, lex[i].pos)
            i += 1
        if name is None and pattern is not None:
            name = str(unnamed)
            unnamed += 1
        if name is not None:
            if name in seen:
                raise PathSyntaxError(path, pos, f"parameter {name!r} appears twice")
            seen.add(name)
        return name, pattern

    def take_modifier() -> str:
        nonlocal i
        if lex[i].kind != "modifier":
            return ""
        i += 1
        return lex[i - 1].value

    while lex[i].kind != "end":
        tok, nxt = lex[i], lex[i + 1]
        if tok.kind in ("name", "pattern") or (
            tok.kind == "char" and tok.value in "./" and nxt.kind in ("name", "pattern")
        ):
            prefix = ""
            if tok.kind == "char":  # v6: a '/' or '.' right before a param is its prefix
                prefix = tok.value
                i += 1
            pos = lex[i].pos
            name, pattern = take_param()
            modifier = take_modifier()
            flush()
            out.append(Key(name, pattern, prefix, "", modifier, pos))
        elif tok.kind in ("char", "escaped"):
            if nxt.kind == "modifier":
                if nxt.value != "?":
                    raise PathSyntaxError(
                        path,
                        nxt.pos,
                        f"{nxt.value!r} must follow a parameter or a {{}} group",
                        f"write '\\{nxt.value}' for a literal {nxt.value!r}",
                    )
                # Express 4: 's?' makes the one character before it optional.
                flush()
                out.append(Key(None, None, normalize_text(_raw_text(tok)), "", "?", tok.pos))
                i += 2
            else:
                text.append(_raw_text(tok))
                i += 1
        elif tok.kind == "open":
            i += 1
            prefix = take_text()
            pos = lex[i].pos
            name, pattern = take_param()
            suffix = take_text()
            close = lex[i]
            if close.kind != "close":
                raise _group_error(path, tok.pos, close)
            i += 1
            modifier = take_modifier()
            if name is None and not modifier:  # a plain group is just its text
                text.append(prefix + suffix)
                continue
            flush()
            norm_prefix, norm_suffix = normalize_text(prefix), normalize_text(suffix)
            key_pos = tok.pos if name is None else pos
            out.append(Key(name, pattern, norm_prefix, norm_suffix, modifier, key_pos))
        elif tok.kind == "close":
            raise PathSyntaxError(
                path, tok.pos, "'}' closes no '{'", "write '\\}' for a literal '}'"
            )
        else:
            raise PathSyntaxError(
                path,
                tok.pos,
                f"{tok.value!r} has nothing to modify",
                f"write '\\{tok.value}' for a literal {tok.value!r}",
            )
    flush()
    return out


def _raw_text(tok: _Lexeme) -> str:
    """A text lexeme as raw path text: ``\\%`` is always a literal ``%`` (``%25``)."""
    return "%25" if tok.kind == "escaped" and tok.value == "%" else tok.value


def _group_error(path: str, open_pos: int, found: _Lexeme) -> PathSyntaxError:
    if found.kind == "end":
        return PathSyntaxError(path, open_pos, "'{' is never closed")
    if found.kind == "open":
        return PathSyntaxError(path, found.pos, "'{' groups cannot be nested")
    if found.kind == "modifier":
        return PathSyntaxError(
            path, found.pos, f"{found.value!r} inside a group", "put the modifier after the '}'"
        )
    return PathSyntaxError(path, found.pos, "a '{}' group holds at most one parameter")


def _check_pattern(path: str, pattern: str, pos: int) -> None:
    try:
        compiled = regex.compile(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise PathSyntaxError(path, pos, f"invalid parameter pattern ({exc})") from None
    if compiled.groups:
        raise PathSyntaxError(
            path,
            pos,
            "capturing groups are not allowed in a parameter pattern",
            "use a non-capturing group (?:...)",
        )
    if compiled.flags != _GLOBAL_FLAGS:  # '(?i)' would leak into the whole route
        raise PathSyntaxError(
            path, pos, "global inline flags in a parameter pattern", "scope them: (?i:...)"
        )
