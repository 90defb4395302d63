"""Route path syntax: parse a path-to-regexp (v6) pattern, compile it once, match paths.

Grammar (path-to-regexp v6): ``:name``, ``:name(regex)``, unnamed ``(regex)``,
``{prefix:name suffix}`` groups, the modifiers ``?`` ``*`` ``+`` on a param or a group,
and ``\\`` to make the next character literal. Deviations, all on purpose:

- Matching is anchored, case-sensitive and strict: ``/a`` does not match ``/a/``.
- ``s?`` after a plain character makes that one character optional (Express 4).
- A repeated param or group with no prefix and no suffix repeats across ``/``,
  so ``{:path}*`` spans segments like ``/:path*`` does.
- Linear-time matching (path-to-regexp's ReDoS advisory, GHSA-9wv6-86v2-598j): a
  default param followed, in its segment, by text and then another param cannot
  contain that text's first character (``/:a-:b``: ``a`` holds no ``-``); two
  default params with no text between them (``/:a:b``) are refused.
- Shapes that no regex matches in linear time are refused at compile time, with a
  :class:`PathSyntaxError` naming the position: two repeated params or groups in one
  path (``/w/:a+/:b+``), a repeated group without a param (``/a{/b}*``), and a
  repeat inside a segment followed there by text starting like its separator and
  another param (``/{-:a}+-:b``). A timeout any client can trigger would be a 500
  and an error log line per request.
- Custom patterns are Python ``regex`` syntax and match the normalised
  (percent-encoded) path. Only they run with a timeout: :data:`MATCH_TIMEOUT`, then
  :class:`PatternTimeout`.

Percent signs:

- A request path with a ``%`` not followed by two hex digits is invalid (RFC 3986):
  :func:`normalize_path` raises :class:`ParamDecodeError` (a 400). Otherwise it
  normalises in one pass, so an escape is never built out of decoded characters
  (``/%%36%31dmin`` is refused, not read as ``/admin``).
- In a route's literal text (and a ``path_prefix``) a valid escape stands for its
  character (``/caf%C3%A9`` is ``/café``), a lone ``%`` is a literal ``%``
  (``/100%`` matches a request for ``/100%25``), and ``\\%`` is always a literal
  ``%`` (``/\\%41`` matches ``/%2541``, not ``/A``).
- ``literal_segments`` are the leading segments ``s`` such that every path the
  pattern matches starts with ``"/" + "".join(s + "/" for s in segments)`` (the
  router's index); ``/a/:b?`` matches ``/a``, so it has none.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote_to_bytes

import regex

__all__ = [
    "MATCH_TIMEOUT",
    "CompiledPath",
    "ParamDecodeError",
    "Params",
    "PathSyntaxError",
    "PatternTimeout",
    "compile_path",
    "compile_prefix",
    "normalize_path",
]

Params = dict[str, str | list[str]]

#: Seconds a guarded route (one with a custom pattern, say) may spend matching one path.
MATCH_TIMEOUT: Final = 0.05


class PathSyntaxError(ValueError):
    """A route path that does not compile; the message names the path and the position."""

    def __init__(self, path: str, position: int, reason: str, hint: str = "") -> None:
        message = f"invalid route path {path!r}: {reason} at position {position}"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.path = path
        self.position = position


class ParamDecodeError(ValueError):
    """A matched param is not valid percent-encoded UTF-8 (the request is a 400)."""


class PatternTimeout(TimeoutError):
    """A guarded route took longer than :data:`MATCH_TIMEOUT` to match (the request is a 500)."""


# -- normalisation (RFC 3986 section 6.2.2) ------------------------------------

_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_PCHAR: Final = r"A-Za-z0-9\-._~!$&'()*+,;=:@/"  # pchar and '/', without '%'
_NEEDS_WORK: Final = re.compile(f"[^{_PCHAR}]")
_FIXABLE: Final = re.compile(f"%([0-9A-Fa-f]{{2}})|[^{_PCHAR}%]")
_LONE_PERCENT: Final = re.compile("%(?![0-9A-Fa-f]{2})")


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
    if _NEEDS_WORK.search(raw) is None:
        return raw
    lone = _LONE_PERCENT.search(raw)
    if lone is not None:
        raise ParamDecodeError(
            f"request path {raw!r} has a '%' not followed by two hex digits at "
            f"position {lone.start()}; write a literal '%' as '%25'"
        )
    return _FIXABLE.sub(_fix, raw)


def _normalize_text(text: str) -> str:
    """Normal form of a route's literal text: a lone ``%`` there means ``%25``."""
    return normalize_path(_LONE_PERCENT.sub("%25", text))


def _decode(name: str, value: str) -> str:
    if "%" not in value:
        return value
    if _LONE_PERCENT.search(value) is None:
        try:
            return unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            pass
    raise ParamDecodeError(f"path parameter {name!r} is not valid percent-encoded UTF-8")


# -- lexer ---------------------------------------------------------------------

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
class _Key:
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


_Token = str | _Key  # str: normalised literal text


def _parse(path: str) -> list[_Token]:
    lex = _lex(path)
    out: list[_Token] = []
    text: list[str] = []  # raw literal characters not yet flushed into ``out``
    seen: set[str] = set()
    unnamed = 0
    i = 0

    def flush() -> None:
        if text:
            out.append(_normalize_text("".join(text)))
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
            out.append(_Key(name, pattern, prefix, "", modifier, pos))
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
                out.append(_Key(None, None, _normalize_text(_raw_text(tok)), "", "?", tok.pos))
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
            norm_prefix, norm_suffix = _normalize_text(prefix), _normalize_text(suffix)
            key_pos = tok.pos if name is None else pos
            out.append(_Key(name, pattern, norm_prefix, norm_suffix, modifier, key_pos))
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


# -- regex construction ----------------------------------------------------------


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
    capture: bool = False  # another param can follow later in the segment
    adjacent: _Key | None = None  # a default-pattern param that can follow with no text between
    adjacent_custom: bool = False  # a custom-pattern param that can follow with no text between


def _follow(lead: str, rest: Sequence[_Token]) -> _Follow:
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
            found.capture = True
            if inside and tok.pattern is None:
                found.adjacent = found.adjacent or tok
            elif inside:
                found.adjacent_custom = True
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


def _default_element(
    path: str, tokens: Sequence[_Token], index: int, key: _Key
) -> tuple[str, bool]:
    """The regex for one value of a default param, and whether matching it may be superlinear."""
    found = _follow(key.suffix, tokens[index + 1 :])
    # A repeat inside a segment ('{-:a}+') followed there by another param whose text
    # starts like the separator can end after any value: quadratic on a miss.
    ambiguous = False
    if key.repeated:
        sep = key.separator
        ambiguous = "/" not in sep and found.capture and _first_unit(sep) in found.units
        found.units.add(_first_unit(sep))
        found.capture = found.capture or "/" not in sep
    if found.adjacent is not None:
        raise PathSyntaxError(
            path,
            found.adjacent.pos,
            "two parameters with no text between them",
            "matching them would backtrack catastrophically (ReDoS); put literal text "
            "between them (e.g. '/:a-:b') or give one a custom pattern",
        )
    excluded = sorted(found.units - {"/"}) if found.capture else []
    chars = "".join(re.escape(u) for u in excluded if len(u) == 1)
    element = f"[^/{chars}]"
    escapes = [u for u in excluded if len(u) == 3]
    if escapes:
        element = f"(?:(?!{'|'.join(escapes)}){element})"
    # Greedy when the value's end is forced (the usual case); lazy as in v6 otherwise.
    lazy = found.adjacent_custom or (not found.capture and not found.units <= {"/"})
    return element + ("+?" if lazy else "+"), ambiguous


def _build(path: str, tokens: Sequence[_Token]) -> _Regex:
    out = _Regex()
    first_repeat: _Key | None = None
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
            element, ambiguous = _default_element(path, tokens, index, tok)
            if ambiguous:
                raise _superlinear(
                    path,
                    tok,
                    f"repeated parameter {tok.name!r} (separated by {tok.separator!r}) is "
                    "followed in its segment by text starting like its separator and "
                    "another parameter",
                    "this cannot be matched in linear time; start the text after it "
                    "with another character, put a '/' between them, or use one "
                    "repeated param at the end of the segment",
                )
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


def _superlinear(path: str, key: _Key, reason: str, hint: str) -> PathSyntaxError:
    """The error for a default-only shape that no regex matches in linear time."""
    return PathSyntaxError(path, key.pos, reason, hint)


def _literal_segments(tokens: Sequence[_Token]) -> tuple[str, ...]:
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


def _always_starts_with_slash(tokens: Sequence[_Token]) -> bool:
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
                params[name] = _decode(name, value) if "%" in value else value
            elif "%" in value:
                params[name] = [_decode(name, v) for v in value.split(separator)]
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
        return {name: _decode(name, value) if "%" in value else value}

    return match


def _tail_of(tokens: Sequence[_Token]) -> tuple[str, str] | None:
    """``(head, name)`` when ``tokens`` are literal text then one plain one-segment param."""
    if not tokens or len(tokens) > 2:
        return None
    last = tokens[-1]
    if not isinstance(last, _Key) or last.name is None or last.pattern is not None:
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
    tokens = _parse(path)
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


def _compile_guarded(path: str, source: str, tokens: Sequence[_Token]) -> regex.Pattern[str]:
    try:
        return regex.compile(source)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        pos = next((t.pos for t in tokens if isinstance(t, _Key) and t.pattern is not None), 0)
        raise PathSyntaxError(path, pos, f"invalid parameter pattern ({exc})") from None


def compile_prefix(prefix: str) -> str:
    """Validate a ``path_prefix`` and return its normalised form."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"route path_prefix {prefix!r} must start and end with '/'")
    return _normalize_text(prefix)
