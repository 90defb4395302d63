"""The one core entry every adapter calls: a request's parts in, a ``Reply`` out.

Routing, 404/405/OPTIONS, HEAD, body limits, handler errors, the request id and
the log line all live here, so every host (WSGI, Flask, Django) behaves the same.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, BinaryIO

from .aio import thread_loop
from .fetch import DEFAULT_MAX_BODY_SIZE, BodyTooLarge, Headers, MalformedBody, Request, Response
from .fetch.body import parse_content_length
from .paths import ParamDecodeError, PatternTimeout, normalize_path
from .router import HttpRouter, Route
from .runtime import ActionCtx, AsyncActionCtx

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "SYSTEM_PREFIX",
    "Dispatcher",
    "Reply",
    "StreamAborted",
    "logger",
]

logger = logging.getLogger("convexhttp")


_NULL_BODY_STATUSES = frozenset({204, 205, 304})  # Response refuses statuses below 200
# Response headers the transport owns: never passed on as the handler set them.
_FRAMING_NAMES = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)
# What HTTP/1.1 servers refuse in a field value (fetch itself allows these).
_BAD_WIRE_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
SYSTEM_PREFIX = "/api/"
_ALLOW_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


_random_bits = random.getrandbits  # the module instance is reseeded in forked workers
_REASONS = {s.value: s.phrase for s in HTTPStatus}


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def _pathname(url: str) -> str:
    """The raw path of an absolute URL (what JS's ``new URL(url).pathname`` gives)."""
    start = url.find("/", url.find("://") + 3)
    if start < 0:
        return "/"
    end = len(url)
    for sep in "?#":
        i = url.find(sep, start)
        if 0 <= i < end:
            end = i
    return url[start:end]


def _new_request_id() -> str:
    # An id to find a request in the logs, not a secret: the fast PRNG will do.
    return f"{_random_bits(64):016x}"


class _Current(threading.local):
    request: tuple[str, str, str] | None = None  # (url, full raw path, path below the mount)


_current = _Current()
_last: list[tuple[str, str, str]] = []  # the latest request of this process, any thread


def current_site() -> str | None:
    """``scheme://host/mount`` of the request this thread is serving, else of the latest
    one this process served (None before any): the base of the file URLs the app hands out."""
    current = _current.request or (_last[0] if _last else None)
    if current is None:
        return None
    url, shown, path = current
    origin_end = url.find("/", url.find("://") + 3)
    origin = url if origin_end < 0 else url[:origin_end]
    mount = shown[: len(shown) - len(path)] if path and shown.endswith(path) else ""
    return origin + mount.rstrip("/")


#: ``(request id, request, handler is async) -> ctx``: what a handler gets as ``ctx``.
CtxFactory = Callable[[str, Request, bool], Any]


def _bare_ctx(rid: str, request: Request, is_async: bool) -> Any:
    """The ctx of a router served without functions: ``run_*`` say how to get them."""
    ctx = ActionCtx(None, request_id=rid)
    return AsyncActionCtx(ctx) if is_async else ctx


@dataclass(slots=True)
class Reply:
    """What an adapter sends: status line parts, wire headers and the body chunks."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: Iterable[bytes]  # a list when the body is in memory, else a generator with close()

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def _text_reply(status: int, text: str, extra: Iterable[tuple[str, str]] = ()) -> Reply:
    data = text.encode()
    headers = [
        ("content-type", "text/plain;charset=UTF-8"),
        ("content-length", str(len(data))),
        *extra,
    ]
    return Reply(status, _reason(status), headers, [data])


def _json_reply(status: int, payload: dict[str, str]) -> Reply:
    data = json.dumps(payload).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
    return Reply(status, _reason(status), headers, [data])


def _allow_header(methods: frozenset[str]) -> str:
    allowed = set(methods) | {"OPTIONS"}
    if "GET" in allowed:
        allowed.add("HEAD")
    return ", ".join(m for m in _ALLOW_ORDER if m in allowed)


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
        # Their request bodies may reach max_system_body (uploads); their responses
        # (stored files) are not capped.
        self.system = system
        self.max_system_body = max_system_body or max_request_body

    def handle(
        self,
        url: str,
        method: str,
        headers: Iterable[tuple[str, str]],
        body: BinaryIO | None,
        path: str,
        full_path: str | None = None,
    ) -> Reply:
        """Serve one request.

        ``url`` is the absolute URL the handler sees; ``path`` the raw,
        percent-encoded path relative to where the router is mounted (no query);
        ``body`` the request body stream, or None when the request has none.
        ``full_path`` is the raw path with the mount prefix, for the log line and
        the 404 text: adapters pass it so that a Host header cannot disguise it
        (without it, it is read from ``url``).
        """
        start = time.perf_counter()
        rid = _new_request_id()
        routed = "-"
        shown = full_path if full_path is not None else _pathname(url)
        _current.request = request_parts = (url, shown, path)
        if not _last:
            _last.append(request_parts)
        else:
            _last[0] = request_parts
        try:
            reply, routed = self._serve(rid, url, method, headers, body, path, shown)
        except Exception:  # a bug of ours must still answer, never kill the worker
            logger.exception("[%s] internal error while dispatching %s %s", rid, method, shown)
            reply = _json_reply(500, {"code": f"[Request ID: {rid}] Server Error"})
        if method == "HEAD":  # every answer to HEAD, ours included, keeps its headers only
            reply.close()
            reply.body = []
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "[%s] %s %s %s %d %.2fms",
                rid,
                method,
                shown,
                routed,
                reply.status,
                (time.perf_counter() - start) * 1000,
            )
        return reply

    def _serve(
        self,
        rid: str,
        url: str,
        method: str,
        headers: Iterable[tuple[str, str]],
        body: BinaryIO | None,
        path: str,
        shown: str,
    ) -> tuple[Reply, str]:
        is_system = False
        try:
            normalized = normalize_path(path)
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
            return _text_reply(400, f"Bad Request: {exc}"), "-"
        except PatternTimeout as exc:
            logger.error("[%s] 500: %s", rid, exc)
            return _json_reply(500, {"code": f"[Request ID: {rid}] Server Error"}), "-"

        if route is None:
            if not allowed:
                return _text_reply(404, f"No HttpAction routed for {shown}"), "-"
            allow = ("allow", _allow_header(allowed))
            if method == "OPTIONS":
                return Reply(204, _reason(204), [allow], []), "-"
            return _text_reply(405, "Method Not Allowed", (allow,)), "-"

        limit = self.max_system_body if is_system else self.max_request_body
        request_headers = Headers._from_wire(headers)
        request = Request._from_server(url, method, request_headers, body, max_body_size=limit)

        # Without a body there is nothing to cap (and the headers stay unparsed).
        declared = None if body is None else request_headers.get("content-length")
        if declared is not None:
            length = parse_content_length(declared)
            if length is None:
                return _text_reply(400, "Bad Request: invalid Content-Length"), route.path
            if length > limit:
                logger.warning(
                    "[%s] 413: Content-Length %d exceeds the %d-byte limit", rid, length, limit
                )
                return _text_reply(413, "Payload Too Large"), route.path

        request.path_params = params or {}  # a fresh dict: the empty one is shared
        request.route = route.path
        return self._run(rid, route, request, None if is_system else self.max_response_body), (
            route.path
        )

    def _run(self, rid: str, route: Route, request: Request, cap: int | None) -> Reply:
        ctx = self._ctx_factory(rid, request, route.is_async)
        handler = route.handler
        try:
            if route.is_async:
                result = thread_loop.run(handler(ctx, request._as_async()))
            else:
                result = handler(ctx, request)
                if type(result) is not Response and inspect.isawaitable(result):
                    result = thread_loop.run(_await(result))
        except BodyTooLarge as exc:
            logger.warning("[%s] 413: %s", rid, exc)
            return _text_reply(413, "Payload Too Large")
        except MalformedBody as exc:
            logger.warning("[%s] 400: %s", rid, exc)
            return _text_reply(400, f"Bad Request: {exc}")
        except (Exception, asyncio.CancelledError) as exc:  # CancelledError: a BaseException
            logger.exception("[%s] uncaught error in handler for %s", rid, route.path)
            return self._server_error(rid, exc)

        if not isinstance(result, Response):
            logger.error(
                "[%s] handler for %s returned %s, not a Response",
                rid,
                route.path,
                type(result).__name__,
            )
            return self._server_error(rid, None)
        if result.type == "error":
            return _text_reply(502, "Bad Gateway")
        if result.body_used:
            logger.error(
                "[%s] handler for %s returned a Response whose body it had already read",
                rid,
                route.path,
            )
            return self._server_error(rid, None)
        return self._reply(rid, result, cap)

    def _server_error(self, rid: str, exc: BaseException | None) -> Reply:
        payload = {"code": f"[Request ID: {rid}] Server Error"}
        if self.debug and exc is not None:
            payload["message"] = f"{type(exc).__name__}: {exc}"
            payload["trace"] = "".join(traceback.format_exception(exc))
        return _json_reply(500, payload)

    def _reply(self, rid: str, response: Response, cap: int | None) -> Reply:
        status = response.status
        pairs = response.headers._sorted_pairs()
        length = response._body_length()
        if length is not None and cap is not None and length > cap:
            logger.error(
                "[%s] 500: response body of %d bytes exceeds the %d-byte limit", rid, length, cap
            )
            response._body_chunks().close()
            return self._server_error(rid, None)

        # Framing is ours: the handler's Content-Length and hop-by-hop headers
        # never reach the wire as given (a wrong length truncates or hangs).
        declared: str | None = None
        if _FRAMING_NAMES.isdisjoint(response.headers._entries):
            headers = list(pairs)
        else:
            headers = []
            for name, value in pairs:
                if name == "content-length":
                    declared = value
                elif name not in _FRAMING_NAMES:
                    headers.append((name, value))
        bad = _BAD_WIRE_VALUE.search("\t".join([v for _, v in headers]))
        if bad is not None:
            # Fetch allows these characters in a value; HTTP/1.1 servers refuse them.
            name = next(n for n, v in headers if _BAD_WIRE_VALUE.search(v))
            logger.error(
                "[%s] 500: response header %r holds a control character (%r)",
                rid,
                name,
                bad.group(),
            )
            response._body_chunks().close()
            return self._server_error(rid, None)

        reason = response.status_text or _reason(status)
        if status in _NULL_BODY_STATUSES:
            if status == 304 and declared is not None:  # the resource's length, no body
                headers.append(("content-length", declared))
            response._body_chunks().close()
            return Reply(status, reason, headers, [])
        if length is not None:  # in memory already (no copy), checked against the limit above
            headers.append(("content-length", str(length)))
            return Reply(status, reason, headers, list(response._body_chunks()))
        expected = parse_content_length(declared)
        if expected is not None:
            headers.append(("content-length", str(expected)))
        return Reply(
            status,
            reason,
            headers,
            _CappedBody(rid, response._body_chunks(), cap, expected),
        )


class StreamAborted(Exception):
    """A streamed response body failed, or broke its limit or its Content-Length,
    after the headers were sent."""


class _CappedBody:
    """A streamed body held to the response limit and to its declared length.

    Headers are on the wire already, so a failure can only abort the
    connection: raising makes the server drop it without a final chunk, and
    the client sees a truncated body rather than a short one that looks whole.
    """

    __slots__ = ("_chunks", "_left", "_rid", "_sent", "cap", "expected")

    def __init__(
        self, rid: str, chunks: Iterator[bytes], cap: int | None, expected: int | None
    ) -> None:
        self._rid = rid
        self._chunks = chunks
        self.cap = cap
        self.expected = expected
        self._sent = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._chunks)
        except StopIteration:
            if self.expected is not None and self._sent < self.expected:
                self._abort(
                    f"streamed response ended after {self._sent} of its declared "
                    f"{self.expected} bytes"
                )
            raise
        except Exception as exc:
            logger.exception("[%s] error while streaming the response body", self._rid)
            self.close()
            raise StreamAborted(f"[{self._rid}] response body stream failed") from exc
        sent = self._sent = self._sent + len(chunk)
        if self.cap is not None and sent > self.cap:
            self._abort(f"streamed response cut off: it crossed the {self.cap}-byte limit")
        if self.expected is not None and sent > self.expected:
            logger.warning(
                "[%s] streamed response longer than its declared %d bytes: cut there",
                self._rid,
                self.expected,
            )
            overflow = sent - self.expected
            self.close()
            self.expected = None  # the client has what was declared: stop cleanly
            self._chunks = iter(())
            return chunk[: len(chunk) - overflow]
        return chunk

    def _abort(self, why: str) -> None:
        logger.error("[%s] %s", self._rid, why)
        self.close()
        raise StreamAborted(f"[{self._rid}] {why}")

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


async def _await(awaitable: Any) -> Any:
    return await awaitable
