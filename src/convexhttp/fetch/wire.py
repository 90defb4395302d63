"""A Response's wire form: status line, headers a server may send, and the body as
chunks of known or unknown length (as Werkzeug's ``get_wsgi_headers`` and
``get_app_iter``). Also the replies the core writes itself: text, JSON and
Convex's 500 body.

Framing is the wire's: a handler's Content-Length and hop-by-hop headers never
reach a server as given; a body of known length gets its true length, a
streamed one keeps a declared length (cut there if longer, aborted if shorter).
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus

from .headers import parse_content_length, wire_unsafe
from .response import Response
from .sources import ChunkSource

__all__ = [
    "Reply",
    "ResponseRefused",
    "StreamAborted",
    "json_reply",
    "reason_phrase",
    "server_error",
    "text_reply",
    "wire_form",
]

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
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_STATUS_LINES = {status: f"{status} {reason}" for status, reason in _REASONS.items()}


def reason_phrase(status: int) -> str:
    return _REASONS.get(status, "Unknown")


class Reply:
    """What a server sends: the status line's parts, the headers and the body.

    A body of known length is a list, its length in ``headers`` as Content-Length;
    a streamed one is an iterable. ``status_line`` is ``"200 OK"``, as WSGI's
    ``start_response`` takes it.
    """

    __slots__ = ("body", "headers", "reason", "status", "status_line")

    def __init__(
        self, status: int, reason: str, headers: list[tuple[str, str]], body: Iterable[bytes]
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        line = _STATUS_LINES.get(status)
        if line is None or reason != _REASONS.get(status):
            line = f"{status} {reason}"
        self.status_line = line

    def __repr__(self) -> str:
        return f"<Reply {self.status_line} {self.headers!r}>"

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()

    def drop_body(self) -> None:
        """Keep the headers, send no body (HEAD)."""
        self.close()
        self.body = []


_new_reply = Reply.__new__


def text_reply(status: int, text: str, extra: Iterable[tuple[str, str]] = ()) -> Reply:
    data = text.encode()
    headers = [
        ("content-type", "text/plain;charset=UTF-8"),
        ("content-length", str(len(data))),
        *extra,
    ]
    return Reply(status, reason_phrase(status), headers, [data])


def json_reply(status: int, payload: object) -> Reply:
    data = json.dumps(payload).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
    return Reply(status, reason_phrase(status), headers, [data])


def server_error(rid: str, exc: BaseException | None = None, *, debug: bool = False) -> Reply:
    """Convex's 500: ``{"code": "[Request ID: <id>] Server Error"}``, with the message
    and the trace only when ``debug`` is on (they may hold secrets)."""
    payload = {"code": f"[Request ID: {rid}] Server Error"}
    if debug and exc is not None:
        payload["message"] = f"{type(exc).__name__}: {exc}"
        payload["trace"] = "".join(traceback.format_exception(exc))
    return json_reply(500, payload)


class ResponseRefused(Exception):
    """A Response that cannot go on the wire (too large, a header a server would
    refuse); the message says why, for the log. Its body is closed already."""


class StreamAborted(Exception):
    """A streamed response body failed, or broke its limit or its Content-Length,
    after the headers were sent."""


#: ``report(label, level, why, error)``: told when a streamed body goes wrong after its
#: headers were sent (``label``: whose body, e.g. a request id; ``error``: what the body
#: raised, if it did).
StreamReport = Callable[[str, int, str, BaseException | None], None]


def wire_form(
    response: Response, *, cap: int | None = None, report: StreamReport, label: str = ""
) -> Reply:
    """``response`` as a server sends it; uses its body up.

    ``cap`` bounds the body (None: no bound): a known length over it is
    ``ResponseRefused``; a stream crossing it is cut off (``report`` is told, and
    the iteration raises ``StreamAborted``).
    """
    headers_in = response.headers
    body = response._body
    data = body._data
    status = response._status
    if (
        data is not None  # in memory: the common case, in one pass
        and not body.used
        and (cap is None or len(data) <= cap)
        and not headers_in._maybe_wire_unsafe
        and status not in _NULL_BODY_STATUSES
        and _FRAMING_NAMES.isdisjoint(headers_in._entries)
    ):
        body.used = True
        size = len(data)
        entries = headers_in._entries
        pairs = None
        if len(entries) == 1:  # a Response("text"): its Content-Type, nothing to sort
            ((name, values),) = entries.items()
            if len(values) == 1:
                pairs = [(name, values[0])]
        headers = [*(pairs or headers_in._sorted_pairs()), ("content-length", str(size))]
        reason = response._status_text
        if reason or status not in _STATUS_LINES:
            return Reply(status, reason or "Unknown", headers, [data] if size else [])
        # Reply(status, <its standard reason>, ...), without the call
        reply = _new_reply(Reply)
        reply.status = status
        reply.reason = _REASONS[status]
        reply.status_line = _STATUS_LINES[status]
        reply.headers = headers
        reply.body = [data] if size else []
        return reply

    length = body.length()
    if length is not None and cap is not None and length > cap:
        body.take().close()
        raise ResponseRefused(f"response body of {length} bytes exceeds the {cap}-byte limit")
    pairs = headers_in._sorted_pairs()
    if headers_in._maybe_wire_unsafe:
        for name, value in pairs:
            bad = wire_unsafe(value)
            if bad is not None:
                # Fetch allows these characters in a value; HTTP/1.1 servers refuse them.
                body.take().close()
                raise ResponseRefused(
                    f"response header {name!r} holds a control character ({bad!r})"
                )

    declared: str | None = None
    if _FRAMING_NAMES.isdisjoint(headers_in._entries):
        headers = pairs.copy()
    else:
        headers = []
        for name, value in pairs:
            if name == "content-length":
                declared = value
            elif name not in _FRAMING_NAMES:
                headers.append((name, value))

    reason = response._status_text or _REASONS.get(status, "Unknown")
    if status in _NULL_BODY_STATUSES:
        if status == 304 and declared is not None:  # the resource's length, no body
            headers.append(("content-length", declared))
        body.take().close()
        return Reply(status, reason, headers, [])
    if length is not None:  # in memory already (no copy)
        headers.append(("content-length", str(length)))
        data = body.read_all()
        return Reply(status, reason, headers, [data] if data else [])
    expected = parse_content_length(declared)
    if expected is not None:
        headers.append(("content-length", str(expected)))
    return Reply(status, reason, headers, CappedBody(body.take(), cap, expected, report, label))


class CappedBody:
    """A streamed body held to the response limit and to its declared length.

    Headers are on the wire already, so a failure can only abort the
    connection: raising makes the server drop it without a final chunk, and
    the client sees a truncated body rather than a short one that looks whole.
    """

    __slots__ = ("_chunks", "_label", "_report", "_sent", "cap", "expected")

    def __init__(
        self,
        chunks: ChunkSource,
        cap: int | None,
        expected: int | None,
        report: StreamReport,
        label: str,
    ) -> None:
        self._chunks: Iterator[bytes] = chunks
        self.cap = cap
        self.expected = expected
        self._report = report
        self._label = label
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
            self._report(self._label, logging.ERROR, "error while streaming the response body", exc)
            self.close()
            raise StreamAborted("response body stream failed") from exc
        sent = self._sent = self._sent + len(chunk)
        if self.cap is not None and sent > self.cap:
            self._abort(f"streamed response cut off: it crossed the {self.cap}-byte limit")
        if self.expected is not None and sent > self.expected:
            self._report(
                self._label,
                logging.WARNING,
                f"streamed response longer than its declared {self.expected} bytes: cut there",
                None,
            )
            overflow = sent - self.expected
            self.close()
            self.expected = None  # the client has what was declared: stop cleanly
            self._chunks = iter(())
            return chunk[: len(chunk) - overflow]
        return chunk

    def _abort(self, why: str) -> None:
        self._report(self._label, logging.ERROR, why, None)
        self.close()
        raise StreamAborted(why)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
