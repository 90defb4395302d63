"""The one core entry every adapter calls: a ``RequestHead`` and a body in, a ``Reply`` out.

Routing, 404/405/OPTIONS, HEAD, body limits, handler errors, the request id and
the access line all live here, so every host (WSGI, Flask, Django) behaves the
same. The Response's wire form is ``fetch.wire``'s.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, BinaryIO

from . import logs
from .aio import thread_loop
from .fetch import DEFAULT_MAX_BODY_SIZE, BodyTooLarge, MalformedBody, Request, Response
from .fetch.errors import UnsupportedContentType
from .fetch.headers import parse_content_length
from .fetch.wire import (
    Reply,
    ResponseRefused,
    StreamAborted,
    reason_phrase,
    server_error,
    text_reply,
    wire_form,
)
from .head import RequestHead
from .logs import access_logger, logger, show_by_default
from .paths import ParamDecodeError, PatternTimeout, normalize_path
from .router import HttpRouter, Route
from .runtime import ActionCtx, AsyncActionCtx

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "SYSTEM_PREFIX",
    "CtxFactory",
    "Dispatcher",
    "Reply",
    "RequestHead",
    "StreamAborted",
    "current_site",
    "logger",
]

SYSTEM_PREFIX = "/api/"
_ALLOW_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_random_bits = random.getrandbits  # the module instance is reseeded in forked workers
_perf_counter = time.perf_counter


class _Current(threading.local):
    head: RequestHead | None = None


_current = _Current()
_last: RequestHead | None = None  # the latest request of this process, any thread


def current_site() -> str | None:
    """``scheme://host/mount`` of the request this thread is serving, else of the latest
    one this process served (None before any): the base of the file URLs the app hands out."""
    head = _current.head or _last
    if head is None:
        return None
    return f"{head.scheme}://{head.host}{head.mount.rstrip('/')}"


#: ``(request id, request) -> ctx``: what a ``def`` handler gets as ``ctx`` (an
#: ``async def`` one gets its ``AsyncActionCtx``).
CtxFactory = Callable[[str, Request], ActionCtx]


def _bare_ctx(rid: str, request: Request) -> ActionCtx:
    """The ctx of a router served without functions: ``run_*`` say how to get them."""
    return ActionCtx(None, request_id=rid)


def _allow_header(methods: Iterable[str]) -> str:
    allowed = set(methods) | {"OPTIONS"}
    if "GET" in allowed:
        allowed.add("HEAD")
    return ", ".join(m for m in _ALLOW_ORDER if m in allowed)


def _has_dot_segment(path: str) -> bool:
    # After normalisation %2e is '.', so "/%2E%2e/" is caught here too.
    return any(segment in (".", "..") for segment in path.split("/"))


class _ThenRaise:
    """A reply body that, once sent and closed, re-raises what must stop the worker
    (SystemExit, KeyboardInterrupt): the client gets its 500 first."""

    __slots__ = ("_chunks", "_error")

    def __init__(self, chunks: list[bytes], error: BaseException) -> None:
        self._chunks = iter(chunks)
        self._error: BaseException | None = error

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error


class Dispatcher:
    """Serves one router: ``handle()`` is called once per request by an adapter."""

    def __init__(
        self,
        router: HttpRouter,
        *,
        debug: bool = False,
        max_request_body: int = DEFAULT_MAX_BODY_SIZE,
        max_response_body: int = DEFAULT_MAX_BODY_SIZE,
        ctx_factory: CtxFactory | None = None,
        system: HttpRouter | None = None,
        max_system_body: int | None = None,
        upload_paths: Collection[str] = (),
        access_log: bool = True,
    ) -> None:
        if not isinstance(router, HttpRouter):
            raise TypeError(f"expected an HttpRouter (from http_router()), got {router!r}")
        self.router = router
        self.debug = debug
        self.max_request_body = max_request_body
        self.max_response_body = max_response_body
        self._ctx_factory = ctx_factory or _bare_ctx
        # The app's own endpoints (Convex's function API, file URLs), all below /api/:
        # looked up before the router, which may not overlap them (checked at start-up).
        # Their responses (stored files) are not capped; the bodies of those routed at
        # upload_paths may reach max_system_body, the others' are held to the app's limit.
        self.system = system
        self.max_system_body = max_system_body or max_request_body
        self.upload_paths = frozenset(upload_paths)
        #: False: no access line at all (errors are still logged).
        self.access_log = access_log
        show_by_default()

    def handle(
        self, head: RequestHead, body: BinaryIO | None = None, *, host_limit: int | None = None
    ) -> Reply:
        """Serve one request: ``body`` is its body stream, or None when it has none.

        ``host_limit``: the host framework's own request body limit (Flask's
        ``MAX_CONTENT_LENGTH``), applied when it is stricter than ours.
        """
        log = self.access_log and access_logger.isEnabledFor(logging.INFO)
        start = _perf_counter() if log else 0.0
        # An id to find the request in the logs, not a secret: the fast PRNG will do.
        rid = f"{_random_bits(64):016x}"
        global _last
        _current.head = _last = head
        method = head.method
        try:
            reply, routed = self._serve(rid, head, body, host_limit)
        except Exception:  # a bug of ours must still answer, never kill the worker
            logger.exception(
                "[%s] internal error while dispatching %s %s", rid, method, head.full_path
            )
            reply, routed = server_error(rid), "-"
        if method == "HEAD":  # every answer to HEAD, ours included, keeps its headers only
            reply.drop_body()
        if log:
            ms = (_perf_counter() - start) * 1000
            sink = logs.access_sink
            if sink is not None:  # convexhttp serve: formatted and written in batches
                sink.access(rid, method, head.full_path, routed, reply.status, ms)
            else:
                access_logger.info(
                    "[%s] %s %s %s %d %.2fms", rid, method, head.full_path, routed, reply.status, ms
                )
        return reply

    def _serve(
        self, rid: str, head: RequestHead, body: BinaryIO | None, host_limit: int | None
    ) -> tuple[Reply, str]:
        method = head.method
        path = head.path
        is_system = False
        try:
            # A raw path that is ASCII and has no '%' is matched as it is: the matcher
            # gives its normal form's answer (matcher.build_matcher), and its dot
            # segments and its /api/ prefix are its normal form's.
            normalized = normalize_path(path) if "%" in path or not path.isascii() else path
            if "/." in normalized and _has_dot_segment(normalized):
                logger.warning("[%s] 400: dot segment in the path %r", rid, head.full_path)
                return text_reply(400, "Bad Request: '.' and '..' segments are not allowed"), "-"
            system = self.system
            if system is not None and normalized.startswith(SYSTEM_PREFIX):
                route, params, allowed = system.match(normalized, method)
                is_system = route is not None
                if route is None and not allowed:
                    route, params, allowed = self.router.match(normalized, method)
            else:
                route, params, allowed = self.router.match(normalized, method)
        except ParamDecodeError as exc:
            logger.warning("[%s] 400: %s", rid, exc)
            return text_reply(400, "Bad Request: invalid percent-encoding in the path"), "-"
        except PatternTimeout as exc:
            logger.error("[%s] 500: %s", rid, exc)
            return server_error(rid), "-"

        if route is None:
            if path == "*" and method == "OPTIONS":  # asks about the server, no resource
                allowed = frozenset(m for _path, m, _handler in self.router.routes())
            if not allowed:
                return text_reply(404, f"No HttpAction routed for {head.full_path}"), "-"
            allow = ("allow", _allow_header(allowed))
            if method == "OPTIONS":
                return Reply(204, reason_phrase(204), [allow], []), "-"
            return text_reply(405, "Method Not Allowed", (allow,)), "-"

        if is_system and route.path in self.upload_paths:
            limit = self.max_system_body
        else:
            limit = self.max_request_body
        if host_limit is not None and host_limit < limit:
            limit = host_limit
        length: int | None = None
        if body is not None:
            declared = head.content_length
            if declared is not None:
                length = parse_content_length(declared)
                if length is None:
                    logger.warning("[%s] 400: Content-Length %r", rid, declared)
                    return text_reply(400, "Bad Request: invalid Content-Length"), route.path
                if length > limit:
                    logger.warning(
                        "[%s] 413: Content-Length %d exceeds the %d-byte limit", rid, length, limit
                    )
                    return text_reply(413, "Payload Too Large"), route.path
        request = Request._from_server(
            head,
            method,
            head.headers,
            body,
            max_body_size=limit,
            content_length=length,  # parsed above (None: none declared)
            path_params=params or {},  # a fresh dict: the empty one is shared
            route=route.path,
        )
        return self._run(rid, route, request, is_system), route.path

    def _run(self, rid: str, route: Route, request: Request, is_system: bool) -> Reply:
        ctx = self._ctx_factory(rid, request)
        handler = route.handler
        try:
            if route.is_async:
                result = thread_loop.run(handler(AsyncActionCtx(ctx), request._as_async()))
            else:
                result = handler(ctx, request)
                if type(result) is not Response and inspect.isawaitable(result):
                    result = thread_loop.run(_await(result))
        except BodyTooLarge as exc:
            logger.warning("[%s] 413: %s", rid, exc)
            return text_reply(413, "Payload Too Large")
        except MalformedBody as exc:
            logger.warning("[%s] 400: %s", rid, exc)
            return text_reply(400, f"Bad Request: {exc.public}")
        except UnsupportedContentType as exc:
            logger.warning("[%s] 415: %s", rid, exc)
            return text_reply(415, "Unsupported Media Type: form_data() needs a form body")
        except (Exception, asyncio.CancelledError) as exc:  # CancelledError: a BaseException
            logger.exception("[%s] uncaught error in handler for %s", rid, route.path)
            return server_error(rid, exc, debug=self.debug)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the worker must stop
            logger.error(
                "[%s] %s in handler for %s: answering 500, then the worker stops",
                rid,
                type(exc).__name__,
                route.path,
            )
            reply = server_error(rid)
            reply.body = _ThenRaise(list(reply.body), exc)
            return reply

        if type(result) is Response and result._type == "default" and not result._body.used:
            pass  # the common case, checked in one go
        elif not isinstance(result, Response):
            logger.error(
                "[%s] handler for %s returned %s, not a Response",
                rid,
                route.path,
                type(result).__name__,
            )
            return server_error(rid)
        elif result.type == "error":
            return text_reply(502, "Bad Gateway")
        elif result.body_used:
            logger.error(
                "[%s] handler for %s returned a Response whose body it had already read",
                rid,
                route.path,
            )
            return server_error(rid)
        try:
            cap = None if is_system else self.max_response_body
            return wire_form(result, cap=cap, report=_report_stream, label=rid)
        except ResponseRefused as exc:
            logger.error("[%s] 500: %s", rid, exc)
            return server_error(rid)


def _report_stream(rid: str, level: int, why: str, error: BaseException | None) -> None:
    """Logs what went wrong with a streamed body, under the request's id."""
    logger.log(level, "[%s] %s", rid, why, exc_info=error)


async def _await(awaitable: Any) -> Any:
    return await awaitable
