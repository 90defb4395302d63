"""Response: the Fetch API response a handler returns."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, Self, overload

from .blob import LONE_SURROGATE, encode_text
from .body import TEXT_TYPE, Body, BodyInit, extract_body
from .headers import Headers, HeadersInit
from .readers import SyncBodyReaders
from .url import URL, is_absolute

__all__ = ["Response"]

_NULL_BODY_STATUSES = {101, 103, 204, 205, 304}
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_REASON_PHRASE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_INIT_KEYS = {"status", "statusText", "status_text", "headers"}
_new_headers = Headers.__new__
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class _JsonFactory(Protocol):
    def __call__(
        self,
        data: Any,
        init: Mapping[str, Any] | None = None,
        *,
        status: int | None = None,
        status_text: str | None = None,
        headers: HeadersInit | None = None,
    ) -> Response: ...


class _JsonMethod:
    """``Response.json(data)`` builds a response; ``response.json()`` reads one (as in JS)."""

    @overload
    def __get__(self, instance: None, owner: type[Response]) -> _JsonFactory: ...

    @overload
    def __get__(self, instance: Response, owner: type[Response]) -> Callable[[], Any]: ...

    def __get__(
        self, instance: Response | None, owner: type[Response]
    ) -> _JsonFactory | Callable[[], Any]:
        if instance is None:
            return owner._from_json
        return instance._read_json


def _json_bytes(data: Any) -> bytes:
    try:
        text = _JSON.encode(data)
    except ValueError as exc:  # circular, NaN or infinity: JSON.stringify's TypeError
        raise TypeError(f"cannot serialise to JSON: {exc}") from exc
    try:
        return text.encode()
    except UnicodeEncodeError:
        # Lone surrogates, escaped as well-formed JSON.stringify does.
        return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode()


class Response(SyncBodyReaders):
    """A Fetch API response: ``Response("hi", {"status": 201, "headers": {...}})``.

    ``status`` defaults to 200 and ``status_text`` to ""; keyword arguments win
    over the same keys in ``init``.
    """

    _type: Literal["default", "error"] = "default"  # Response.error() sets "error"

    def __init__(
        self,
        body: BodyInit | None = None,
        init: Mapping[str, Any] | None = None,
        *,
        status: int | None = None,
        status_text: str | None = None,
        headers: HeadersInit | None = None,
    ) -> None:
        if (
            type(body) is str
            and init is None
            and status is None
            and status_text is None
            and headers is None
        ):
            # Response("text"), the most common of all, in one go: as below.
            self._status = 200
            self._status_text = ""
            self.headers = plain = _new_headers(Headers)  # Headers() with one header:
            plain._entries = {"content-type": [TEXT_TYPE]}
            try:
                data = body.encode()
            except UnicodeEncodeError:
                data = encode_text(body)
            self._body = Body(data)
            return
        if init:
            if unknown := init.keys() - _INIT_KEYS:
                raise TypeError(f"unsupported Response init keys {sorted(unknown)}")
            if status is None:
                status = init.get("status", 200)
                if status is None:
                    raise TypeError("status must be an int, not NoneType")
            if status_text is None:
                status_text = init.get("status_text", init.get("statusText", ""))
            if headers is None:
                headers = init.get("headers")
        if status is None:
            status = 200
        elif type(status) is not int and (not isinstance(status, int) or isinstance(status, bool)):
            raise TypeError(f"status must be an int, not {type(status).__name__}")
        elif not 200 <= status <= 599:
            raise ValueError(f"status {status} is outside 200-599")
        if status_text is None:
            status_text = ""
        if status_text and (
            not isinstance(status_text, str) or not _REASON_PHRASE.fullmatch(status_text)
        ):
            raise TypeError(f"invalid status_text {status_text!r}")
        self._status = status
        self._status_text = status_text
        self.headers = Headers(headers)
        self._body, content_type = extract_body(body)
        if status in _NULL_BODY_STATUSES and body is not None:
            raise TypeError(f"a {status} response cannot have a body")
        if content_type is not None and "content-type" not in self.headers._entries:
            self.headers._entries["content-type"] = [content_type]  # a valid constant
            self.headers._sorted = None

    @classmethod
    def _from_json(
        cls,
        data: Any,
        init: Mapping[str, Any] | None = None,
        *,
        status: int | None = None,
        status_text: str | None = None,
        headers: HeadersInit | None = None,
    ) -> Response:
        response = cls(
            _json_bytes(data), init, status=status, status_text=status_text, headers=headers
        )
        if "content-type" not in response.headers._entries:
            response.headers._entries["content-type"] = ["application/json"]
            response.headers._sorted = None
        return response

    json = _JsonMethod()

    @classmethod
    def redirect(cls, url: str | URL, status: int = 302) -> Response:
        """A redirect to ``url`` (an absolute URL is normalised; a relative one kept)."""
        if status not in _REDIRECT_STATUSES:
            raise ValueError(f"redirect status must be one of {sorted(_REDIRECT_STATUSES)}")
        location = str(url)
        if is_absolute(location):
            location = URL(location).href
        return cls(None, status=status, headers={"location": location})

    @classmethod
    def error(cls) -> Response:
        """A network error: status 0, type "error", immutable empty headers (a 502)."""
        response = cls()
        response._status = 0
        response._type = "error"
        response.headers._immutable = True
        return response

    @property
    def status(self) -> int:
        return self._status

    @property
    def status_text(self) -> str:
        return self._status_text

    @property
    def ok(self) -> bool:
        return 200 <= self._status <= 299

    @property
    def type(self) -> Literal["default", "error"]:
        return self._type

    @property
    def url(self) -> str:
        return ""

    @property
    def redirected(self) -> bool:
        return False

    def clone(self) -> Self:
        body = self._body.tee()
        twin = copy.copy(self)
        twin.headers = Headers(self.headers)
        twin.headers._immutable = self.headers._immutable
        twin._body = body
        return twin

    def __repr__(self) -> str:
        return f"<Response [{self._status}]>"

    statusText = status_text
