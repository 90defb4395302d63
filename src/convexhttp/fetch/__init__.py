"""The Fetch API in Python: Headers, Request, Response, Blob, FormData, URL.

No WSGI here. The dispatcher builds a Request with ``Request._from_server`` and
puts a Response on the wire with ``wire.wire_form``.

Modules, one job each: ``headers``, ``url``, ``blob``, ``form`` (FormData and
form parsing), ``sources`` (where a body's chunks come from), ``body`` (a body's
state), ``stream`` (a body as a file object), ``readers`` (``text()``,
``json()``, ...), ``request``, ``response``, ``wire`` (a Response's wire form),
``errors``.
"""

from .blob import Blob, File
from .body import DEFAULT_MAX_BODY_SIZE
from .errors import BodyTooLarge, FormTooLarge, MalformedBody, UnsupportedContentType
from .form import FormData
from .headers import Headers
from .request import AsyncRequest, Request
from .response import Response
from .stream import BodyStream
from .url import URL, URLSearchParams
from .wire import Reply, StreamAborted, wire_form

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "URL",
    "AsyncRequest",
    "Blob",
    "BodyStream",
    "BodyTooLarge",
    "File",
    "FormData",
    "FormTooLarge",
    "Headers",
    "MalformedBody",
    "Reply",
    "Request",
    "Response",
    "StreamAborted",
    "URLSearchParams",
    "UnsupportedContentType",
    "wire_form",
]
