"""Route paths: the public names of path syntax, normalisation and matching (SPEC 3, 3.1).

The work is split by job: :mod:`.pathnorm` (normal form of request paths and route
text, param decoding), :mod:`.pathsyntax` (lexer and parser), :mod:`.pathlinear` (what
a param may hold so that matching stays linear), :mod:`.pathregex` (one regex per
route: the reference matcher, cut at its fixed '/'s for the router's
:mod:`.matcher`). Deviations from path-to-regexp v6.3.0, all on purpose:

- Matching is anchored, case-sensitive and strict: ``/a`` does not match ``/a/``.
- ``s?`` after a plain character makes that one character optional (Express 4).
- A repeated param or group with no prefix and no suffix repeats across ``/``,
  so ``{:path}*`` spans segments like ``/:path*`` does.
- Linear-time matching (path-to-regexp's ReDoS advisory, GHSA-9wv6-86v2-598j), as
  v6.3.0 does it: a default param right after literal text without a ``/`` holds no
  copy of that text (``/:name.:ext``: ``ext`` holds no ``.``, so ``archive.tar.gz``
  gives ``archive.tar`` and ``gz``), and a default param right after another param or
  group with no text between them (``/:a:b``) is refused. Two additions for shapes
  v6.3.0 refuses or matches in quadratic time: a repeat without a prefix holds no
  first character of its separator (``{:a-}+``), and a param that a repeat follows
  in its segment holds no first character of the text between them (``/:a.:e+``).
- Shapes that no regex matches in linear time are refused at compile time, with a
  :class:`PathSyntaxError` naming the position: two repeated params or groups in one
  path (``/w/:a+/:b+``) and a repeated group without a param (``/a{/b}*``). A timeout
  any client can trigger would be a 500 and an error log line per request.
- Custom patterns are Python ``regex`` syntax and match the normalised
  (percent-encoded) path. Only they run with a timeout: :data:`MATCH_TIMEOUT`, then
  :class:`PatternTimeout`.

Percent signs: a request path with a lone ``%`` is a 400 (:func:`normalize_path`);
in a route's literal text a lone ``%`` is a literal ``%`` and ``\\%`` is always one
(``/\\%41`` matches ``/%2541``, not ``/A``).
"""

from __future__ import annotations

from .pathnorm import ParamDecodeError, normalize_path
from .pathregex import (
    MATCH_TIMEOUT,
    CompiledPath,
    Params,
    PatternTimeout,
    compile_path,
    compile_prefix,
)
from .pathsyntax import PathSyntaxError

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
