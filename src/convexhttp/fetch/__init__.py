"""The Fetch API in Python: Headers, Request, Response, Blob, FormData, URL.

No WSGI here: adapters build a Request with ``Request._from_server`` and send
a Response with ``Response._body_length`` / ``Response._body_chunks``.
"""

from .blob import Blob, File
from .body import DEFAULT_MAX_BODY_SIZE, BodyStream
from .errors import BodyTooLarge, FormTooLarge, MalformedBody
from .form import FormData
from .headers import Headers
from .request import AsyncRequest, Request
from .response import Response
from .url import URL, URLSearchParams

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
    "Request",
    "Response",
    "URLSearchParams",
]
