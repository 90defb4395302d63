"""The body readers of Request and Response: ``text()``, ``json()``, ``array_buffer()``,
``blob()``, ``form_data()``, sync for ``def`` handlers and awaitable for ``async def``."""

from __future__ import annotations

import builtins
import json
from typing import Any

from .blob import Blob, decode_text
from .body import Body
from .errors import MalformedBody
from .form import FormData, form_type, parse_form
from .headers import Headers
from .stream import BodyStream

__all__ = ["AsyncBodyReaders", "BodyReaders", "SyncBodyReaders"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)  # built once, not per call


class BodyReaders:
    """What a Request, AsyncRequest and Response share: ``body``, ``body_used`` and
    the reading done by their (sync or async) readers."""

    _body: Body
    headers: Headers

    @property
    def body(self) -> BodyStream | None:
        """The body as a binary stream (None for no body); reading it uses the body."""
        return self._body.stream()

    @property
    def body_used(self) -> bool:
        return self._body.used

    bodyUsed = body_used

    def _read_bytes(self) -> builtins.bytes:
        return self._body.read_all()

    def _read_text(self) -> str:
        return decode_text(self._body.read_all())

    def _read_json(self) -> Any:
        # Decoded first, as fetch does, so the raw buffer is freed before parsing.
        text = decode_text(self._body.read_all())
        try:
            return _JSON.decode(text)
        except (ValueError, RecursionError) as exc:
            raise MalformedBody(
                f"body is not valid JSON: {exc}", public="the body is not valid JSON"
            ) from exc

    def _read_blob(self) -> Blob:
        return Blob([self._body.read_all()], type=self.headers.get("content-type") or "")

    def _read_form_data(self) -> FormData:
        # A wrong Content-Type is refused before the body is touched.
        mimetype, options = form_type(self.headers.get("content-type"))
        return parse_form(self._body.reader(), mimetype, options, max_memory=self._body.max_size)


class SyncBodyReaders(BodyReaders):
    def text(self) -> str:
        return self._read_text()

    def array_buffer(self) -> builtins.bytes:
        return self._read_bytes()

    def blob(self) -> Blob:
        return self._read_blob()

    def form_data(self) -> FormData:
        return self._read_form_data()

    def bytes(self) -> builtins.bytes:
        return self._read_bytes()

    arrayBuffer = array_buffer
    formData = form_data


class AsyncBodyReaders(BodyReaders):
    async def text(self) -> str:
        return self._read_text()

    async def array_buffer(self) -> builtins.bytes:
        return self._read_bytes()

    async def blob(self) -> Blob:
        return self._read_blob()

    async def form_data(self) -> FormData:
        return self._read_form_data()

    async def json(self) -> Any:
        return self._read_json()

    async def bytes(self) -> builtins.bytes:
        return self._read_bytes()

    arrayBuffer = array_buffer
    formData = form_data
