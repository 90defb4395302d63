"""Request: the Fetch API request a handler receives, and its async view."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, Self

from .body import NULL_BODY, BodyInit, extract_body, server_body
from .headers import Headers, HeadersInit, _WireHeaders, is_token
from .readers import AsyncBodyReaders, BodyReaders, SyncBodyReaders
from .sources import SupportsRead
from .url import URL

__all__ = ["AsyncRequest", "PathParams", "Request", "RequestBase", "normalize_method"]

PathParams = dict[str, str | list[str]]

_NORMALIZED_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}
_FORBIDDEN_METHODS = {"CONNECT", "TRACE", "TRACK"}
_INIT_KEYS = {"method", "headers", "body"}


def normalize_method(method: object) -> str:
    """Fetch's method check: a token, not CONNECT/TRACE/TRACK, standard names upper-cased."""
    if not isinstance(method, str) or not is_token(method):
        raise TypeError(f"invalid method {method!r}: it must be an HTTP token")
    upper = method.upper()
    if upper in _FORBIDDEN_METHODS:
        raise TypeError(f"method {method!r} is forbidden")
    return upper if upper in _NORMALIZED_METHODS else method


_new_wire_headers = _WireHeaders.__new__


class _HasUrl(Protocol):
    @property
    def url(self) -> str: ...


class RequestBase(BodyReaders):
    """What ``Request`` and ``AsyncRequest`` share: everything but the readers.

    ``path_params`` (alias ``params``) and ``route`` are filled in by the router.
    """

    method: str
    headers: Headers
    path_params: PathParams
    route: str | None
    # A server's request builds its URL when first asked (most handlers never do):
    # ``_url_of.url`` is it.
    _url: str | None = None
    _url_of: _HasUrl | None = None

    @property
    def url(self) -> str:
        url = self._url
        if url is None:
            url = self._url = self._url_of.url  # type: ignore[union-attr]
        return url

    @url.setter
    def url(self, value: str) -> None:
        self._url = value

    def __init__(
        self,
        input: str | URL | RequestBase,
        init: Mapping[str, Any] | RequestBase | None = None,
        *,
        method: str | None = None,
        headers: HeadersInit | None = None,
        body: BodyInit | None = None,
    ) -> None:
        """``input`` is a URL or a Request to copy; ``init`` is fetch's RequestInit as a
        dict (``method``, ``headers``, ``body``) or a Request to copy under a new URL.
        Keyword arguments win over the same keys in ``init``."""
        source = input if isinstance(input, RequestBase) else None
        if isinstance(init, RequestBase):
            source, init = init, None
        options = dict(init or {})
        if unknown := options.keys() - _INIT_KEYS:
            raise TypeError(f"unsupported Request init keys {sorted(unknown)}; use {_INIT_KEYS}")
        for key, value in (("method", method), ("headers", headers), ("body", body)):
            if value is not None:
                options[key] = value
        self.url = input.url if isinstance(input, RequestBase) else URL(input).href
        if options.get("method") is not None:
            self.method = normalize_method(options["method"])
        else:
            self.method = source.method if source is not None else "GET"
        if options.get("headers") is not None:
            self.headers = Headers(options["headers"])
        else:
            self.headers = Headers(source.headers if source is not None else None)

        init_body = options.get("body")
        input_body = source._body if source is not None and not source._body.is_null else None
        if init_body is None and input_body is not None and input_body.used:
            raise TypeError("cannot build a Request from one whose body is already used")
        if (init_body is not None or input_body is not None) and self.method in ("GET", "HEAD"):
            raise TypeError(f"a {self.method} request cannot have a body")
        self._body, content_type = extract_body(init_body)
        if content_type is not None and not self.headers.has("content-type"):
            self.headers.set("content-type", content_type)
        if input_body is not None and not input_body.used:
            # Last, so a failed construction leaves the input's body unused. As in
            # fetch, the input is used up even when its body is replaced.
            taken = input_body.transfer()
            if init_body is None:
                self._body = taken
        self.path_params = dict(source.path_params) if source is not None else {}
        self.route = source.route if source is not None else None

    @classmethod
    def _from_server(
        cls,
        url: str | _HasUrl,
        method: str,
        headers: Headers | Iterable[tuple[str, str]],
        body: SupportsRead | None,
        *,
        max_body_size: int,
        content_length: int | str | None = None,
        path_params: PathParams | None = None,
        route: str | None = None,
    ) -> Self:
        """What adapters build: no fetch-side checks (the server accepted the request);
        ``body`` is read lazily, and past ``max_body_size`` bytes raises BodyTooLarge.
        ``content_length``: the declared length when the caller has it at hand, parsed
        or as the header's text (None: read from ``headers``); ``url``: the URL, or what has it as ``.url`` (read when
        the handler asks for it); ``method``: upper case already; ``headers``: Headers,
        or a server's ``(name, value)`` pairs, read when first used (``_from_wire``)."""
        request = cls.__new__(cls)
        if type(url) is str:
            request._url = url
        else:
            request._url_of = url  # type: ignore[assignment]
        request.method = method
        # A server's (name, value) pairs: as Headers._from_wire(headers), without the call.
        if not isinstance(headers, Headers):
            wire = _new_wire_headers(_WireHeaders)
            wire._pairs = headers
            headers = wire
        request.headers = headers
        if body is None:
            request._body = NULL_BODY
        else:
            if content_length is None:
                content_length = headers.get("content-length")
            request._body = server_body(body, content_length, max_body_size)
        request.path_params = {} if path_params is None else path_params
        request.route = route
        return request

    @property
    def params(self) -> PathParams:
        return self.path_params

    @params.setter
    def params(self, value: PathParams) -> None:
        self.path_params = value

    def clone(self) -> Self:
        body = self._body.tee()
        twin = copy.copy(self)
        twin.headers = self.headers._copy()  # a clone keeps the headers as they came
        twin.path_params = dict(self.path_params)
        twin._body = body
        return twin

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.method} {self.url}>"


class Request(RequestBase, SyncBodyReaders):
    """A Fetch API request; its readers return values (for ``def`` handlers)."""

    def json(self) -> Any:
        return self._read_json()

    def _as_async(self) -> AsyncRequest:
        """The same request for an ``async def`` handler: every attribute and the body
        state are shared (one ``__dict__``), the readers are awaitable."""
        view = AsyncRequest.__new__(AsyncRequest)
        view.__dict__ = self.__dict__
        return view


class AsyncRequest(RequestBase, AsyncBodyReaders):
    """A Fetch API request whose readers are awaitable (``await request.json()``)."""
