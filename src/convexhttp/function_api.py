"""Convex's HTTP API for functions (SPEC 8), so that existing Convex clients work.

::

    POST /api/query | /api/mutation | /api/action   {"path": "messages:list", "args": {...}, "format": "json"}
    POST /api/function                               the same, for a function of any kind
    POST /api/run/<module path>/<name>               {"args": {...}, "format": "json"}

``args`` is an object, or a one-element array holding it (what the npm client
sends). ``format`` names the encoding of the answer's values:
``convex_encoded_json`` (exact: int64, bytes and special floats tagged) or
``json`` (Convex's clean export form, the default). Arguments are always read
as ``convex_encoded_json``, where a plain JSON number is a float64.

Answers, as Convex's backend gives them:

- ``200 {"status": "success", "value": ..., "logLines": [...]}``;
- ``200 {"status": "error", "errorMessage": ..., "errorData": ..., "logLines": [...]}``
  when the function failed (``errorData`` only for a ``ConvexError``). The
  message starts ``[Request ID: <id>] Server Error``; what follows is shown only
  for errors meant for the caller (an unknown or internal function, invalid
  arguments, a ``ConvexError``). Any other exception stays in the server log,
  under the request id, unless the app runs with ``debug=True``;
- ``4xx {"code": ..., "message": ...}`` for a request that never reached a
  function: a bad body, an unknown format, a malformed ``Authorization``.

Only public functions are served. ``Authorization: Bearer <JWT>`` becomes the
function's ``ctx.auth``, verified by the deployment as for HTTP actions. Any web
page may call (CORS as Convex's: the origin mirrored, preflights answered).
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from . import log_lines
from .fetch import Request, Response
from .functions import FunctionNotFound, Kind, RegisteredFunction
from .router import HttpRouter
from .runtime import ActionCtx
from .validators import ArgumentValidationError
from .values import (
    ConvexError,
    Value,
    check_value,
    decode_convex_json,
    encode_convex_json,
    to_clean_json,
)

if TYPE_CHECKING:
    from .deployment import Deployment

__all__ = ["FORMATS", "register"]

logger = logging.getLogger("convexhttp")

#: ``format`` -> how a value is written in the answer (Convex's legacy aliases included).
FORMATS: Final[dict[str, Callable[[Value], Any]]] = {
    "json": to_clean_json,
    "convex_clean_json": to_clean_json,
    "convex_encoded_json": encode_convex_json,
    "convex_json": encode_convex_json,
}
DEFAULT_FORMAT: Final = "json"  # Convex's default for current and unknown clients
_KIND_TITLES: Final = {"query": "Query", "mutation": "Mutation", "action": "Action"}
_CORS_METHODS: Final = "GET,POST,OPTIONS,PATCH,DELETE,PUT"  # Convex's list for /api/
_CORS_VARY: Final = "origin, access-control-request-method, access-control-request-headers"


class BadRequest(Exception):
    """A request that never reaches a function: ``status {"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class _ShownError(Exception):
    """A function's error whose message the caller may read (Convex shows these too)."""


def register(system: HttpRouter, deployment: Deployment) -> None:
    """Add the function API's routes to ``system`` (the app's own routes below /api/)."""
    api = FunctionApi(deployment)
    for kind in ("query", "mutation", "action"):
        system.route(path=f"/api/{kind}", method="POST", handler=api.handler(kind))
    system.route(path="/api/function", method="POST", handler=api.handler(None))
    system.route(path="/api/run/:path+", method="POST", handler=api.run_by_url)
    for path in ("/api/query", "/api/mutation", "/api/action", "/api/function", "/api/run/:path+"):
        system.route(path=path, method="OPTIONS", handler=preflight)


class FunctionApi:
    """The function API of one deployment."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def handler(self, kind: Kind | None) -> Callable[[ActionCtx, Request], Response]:
        """The handler of ``/api/<kind>`` (``/api/function`` when ``kind`` is None)."""

        def serve(ctx: ActionCtx, request: Request) -> Response:
            return self.serve(ctx, request, kind, None)

        return serve

    def run_by_url(self, ctx: ActionCtx, request: Request) -> Response:
        """``/api/run/messages/list``: the function named by the URL, of any kind."""
        parts = request.path_params["path"]
        assert isinstance(parts, list)
        name = "/".join(parts[:-1]) + ":" + parts[-1] if len(parts) > 1 else ""
        return self.serve(ctx, request, None, name)

    def serve(
        self, ctx: ActionCtx, request: Request, kind: Kind | None, name: str | None
    ) -> Response:
        rid = ctx.request_id or "-"
        try:
            check_authorization(request.headers.get("authorization"))
            body = self._read_body(request)
            if name is None:
                name = _field(body, "path", str)
            elif not name:
                raise BadRequest(
                    400,
                    "MissingIdentifier",
                    "Path or function name not provided in path, e.g. /api/run/messages/list",
                )
            args = _read_args(body)
            encode = _read_format(body)
        except BadRequest as exc:
            logger.warning("[%s] %d %s: %s", rid, exc.status, exc.code, exc.message)
            answer = Response.json({"code": exc.code, "message": exc.message}, status=exc.status)
            return with_cors(request, answer)

        payload: dict[str, Any]
        failure: BaseException | None = None
        with log_lines.capture() as lines:
            try:
                value = encode(self._call(ctx, name, kind, args))
                payload = {"status": "success", "value": value}
            except (Exception, asyncio.CancelledError) as exc:  # CancelledError: a BaseException
                failure = exc
        if failure is not None:
            payload = self._error(rid, name, failure, encode)
        payload["logLines"] = lines
        return with_cors(request, Response.json(payload))

    # -- running the function
    def _call(self, ctx: ActionCtx, name: str, kind: Kind | None, args: dict[str, Value]) -> Value:
        try:
            fn = self.deployment.functions.resolve(name, public_only=True)
        except FunctionNotFound as exc:
            raise _ShownError(str(exc)) from None
        if kind is not None and fn.kind != kind:
            raise _ShownError(
                f"Trying to execute {fn.name} as {_KIND_TITLES[kind]}, but it is defined as "
                f"{_KIND_TITLES[fn.kind]}."
            )
        runtime = self.deployment.runtime
        run = {
            "query": runtime.run_query,
            "mutation": runtime.run_mutation,
            "action": runtime.run_action,
        }[fn.kind]
        try:
            return run(fn, args, auth=ctx.auth, public_only=True)
        except ArgumentValidationError as exc:
            if _raised_by(exc, fn):
                raise  # a call the function made itself went wrong: the server's error
            raise _ShownError(str(exc)) from None

    def _error(
        self, rid: str, name: str, exc: BaseException, encode: Callable[[Value], Any]
    ) -> dict[str, Any]:
        header = f"[Request ID: {rid}] Server Error"
        if isinstance(exc, _ShownError):
            logger.info("[%s] %s: %s", rid, name, exc)
            return {"status": "error", "errorMessage": f"{header}\n{exc}"}
        if isinstance(exc, ConvexError):
            try:
                check_value(exc.data)
            except TypeError as bad:
                logger.error(
                    "[%s] %s raised a ConvexError with invalid data: %s",
                    rid,
                    name,
                    bad,
                    exc_info=exc,
                )
            else:
                logger.info("[%s] %s raised ConvexError: %s", rid, name, exc)
                return {
                    "status": "error",
                    "errorMessage": f"{header}\nUncaught ConvexError: {exc}",
                    "errorData": encode(exc.data),
                }
        else:
            logger.error("[%s] %s failed", rid, name, exc_info=exc)
        message = header
        if self.deployment.dispatcher.debug:
            message += f"\nUncaught {type(exc).__name__}: {exc}\n" + "".join(
                traceback.format_exception(exc)
            )
        return {"status": "error", "errorMessage": message}

    # -- reading the request
    def _read_body(self, request: Request) -> dict[str, Any]:
        if not _is_json(request.headers.get("content-type")):
            raise BadRequest(
                400, "BadJsonBody", "Expected request with `Content-Type: application/json`"
            )
        data = request.array_buffer()  # held to the app's body limit by the dispatcher
        try:
            body = json.loads(data, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise BadRequest(
                400, "BadJsonBody", f"Failed to parse the request body as JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise _shape_error(f"expected an object, found {_json_type(body)}")
        return body


def with_cors(request: Request, response: Response) -> Response:
    """CORS as Convex's backend answers on /api/: the caller's origin mirrored, with
    credentials. Safe here: a caller is known by its Authorization header, never by
    cookies, and public functions are anyone's to call."""
    origin = request.headers.get("origin")
    if origin is not None:
        response.headers.set("Access-Control-Allow-Origin", origin)
        response.headers.set("Access-Control-Allow-Credentials", "true")
    response.headers.set("Vary", _CORS_VARY)
    return response


def preflight(ctx: ActionCtx, request: Request) -> Response:
    """A CORS preflight (``OPTIONS``) for a function API path: 200, as Convex's."""
    response = Response(None, status=200)
    response.headers.set("Access-Control-Allow-Methods", _CORS_METHODS)
    requested = request.headers.get("access-control-request-headers")
    if requested:
        response.headers.set("Access-Control-Allow-Headers", requested)
    response.headers.set("Access-Control-Max-Age", "86400")
    return with_cors(request, response)


def check_authorization(header: str | None) -> None:
    """Refuse an ``Authorization`` header that is not ``Bearer <token>``, as Convex does
    (before the body is read). Whether the token proves an identity is the deployment's
    business: an invalid one gives no identity, not an error."""
    if header is None:
        return
    if any(not (" " <= c <= "~" or c == "\t") for c in header):
        raise BadRequest(400, "HeaderParseFailure", "Failed to parse the Authorization header")
    if len(header) < 7:
        raise BadRequest(400, "InvalidHeaderFailure", "Invalid authentication header")
    scheme = header[:7].lower()
    if scheme == "convex ":  # a deploy (admin) key: this server has none to match
        raise BadRequest(401, "BadAdminKey", "The provided admin key was invalid for this instance")
    if scheme != "bearer " or not header[7:].strip():
        raise BadRequest(
            400, "InvalidAdminKey", "Invalid admin key: the header must be `Bearer <token>`"
        )


def _read_args(body: dict[str, Any]) -> dict[str, Value]:
    if "args" not in body:
        raise _shape_error("missing field `args`")
    raw = body["args"]
    if isinstance(raw, list):
        if len(raw) != 1:
            raise _shape_error(
                f"`args` must be an object or an array of one object, found {len(raw)} items"
            )
        raw = raw[0]
    if not isinstance(raw, dict):
        raise _shape_error(f"`args` must be an object, found {_json_type(raw)}")
    try:
        args = decode_convex_json(raw)
        check_value(args)
    except (ValueError, TypeError, RecursionError) as exc:
        raise BadRequest(400, "BadConvexValue", f"Invalid argument: {exc}") from None
    assert isinstance(args, dict)
    return args


def _read_format(body: dict[str, Any]) -> Callable[[Value], Any]:
    name = body.get("format")
    if name is None:
        return FORMATS[DEFAULT_FORMAT]
    if not isinstance(name, str) or name not in FORMATS:
        raise BadRequest(400, "BadFormat", f"format param must be one of [`json`]. Got {name}")
    return FORMATS[name]


def _field(body: dict[str, Any], key: str, kind: type) -> Any:
    if key not in body:
        raise _shape_error(f"missing field `{key}`")
    if not isinstance(body[key], kind):
        raise _shape_error(f"`{key}` must be a {kind.__name__}, found {_json_type(body[key])}")
    return body[key]


def _shape_error(why: str) -> BadRequest:
    return BadRequest(
        400, "BadJsonBody", f"Failed to deserialize the JSON body into the target type: {why}"
    )


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    kind, _, sub = mime.partition("/")
    return kind == "application" and (sub == "json" or sub.endswith("+json"))


def _raised_by(exc: BaseException, fn: RegisteredFunction) -> bool:
    """Whether ``exc`` passed through ``fn``'s own code (a call it made), rather than
    coming from checking the arguments it was called with."""
    handler = fn.handler
    codes = {
        getattr(handler, "__code__", None),
        getattr(type(handler).__call__, "__code__", None),  # an object with __call__
    } - {None}
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in codes:
            return True
        tb = tb.tb_next
    return False
