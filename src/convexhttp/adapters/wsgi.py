"""WSGI: ``WSGIApp(http)`` is a WSGI callable serving a router (PEP 3333)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Unpack
from urllib.parse import quote, unquote_to_bytes

from werkzeug.wsgi import get_input_stream

from convexhttp.deployment import Deployment, Options
from convexhttp.dispatch import Reply
from convexhttp.router import HttpRouter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["WSGIApp", "environ_headers", "environ_url", "request_body", "routed_path"]

# host[:port]: a name, an IPv4 address or a bracketed IPv6 address, and a port.
_VALID_HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _valid_host(host: str | None) -> bool:
    if not host or _VALID_HOST.fullmatch(host) is None:
        return False
    port = host.rpartition(":")[2] if not host.endswith("]") else ""
    return not port.isdigit() or int(port) <= 65535


# Characters a path may hold unescaped (RFC 3986 pchar plus '/').
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _raw_request_path(environ: WSGIEnvironment) -> str | None:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return None
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    if not raw.startswith("/"):  # absolute-form request target: drop scheme and authority
        scheme_end = raw.find("://")
        if scheme_end < 0:
            return None
        slash = raw.find("/", scheme_end + 3)
        raw = raw[slash:] if slash >= 0 else "/"
    if not raw.isascii():  # raw UTF-8 bytes sent unescaped arrive as latin-1 code points
        raw = quote(raw.encode("latin-1", "replace"), safe=_PATH_SAFE + "%")
    return str(raw)


def _quoted(decoded: str) -> str:
    # WSGI strings carry the request bytes as latin-1 code points.
    return quote(decoded.encode("latin-1", "replace"), safe=_PATH_SAFE)


def routed_path(environ: WSGIEnvironment, mount: str = "") -> tuple[str, str]:
    """``(full_raw_path, path)``: the raw request path, and the part below the mount.

    The mount is SCRIPT_NAME plus ``mount`` (a decoded prefix a host framework
    consumed, such as a Flask blueprint's url_prefix). The raw form keeps
    ``%2F`` intact; when a middleware rewrote PATH_INFO so that the raw URI no
    longer agrees with it, PATH_INFO (re-encoded) wins.
    """
    script_name: str = environ.get("SCRIPT_NAME", "")
    path_info: str = environ.get("PATH_INFO", "")
    mounted = script_name + mount.rstrip("/")
    below = path_info[len(mount.rstrip("/")) :] if mount else path_info
    raw = _raw_request_path(environ)
    if raw is not None:
        skip = mounted.count("/")
        cut = 0
        for _ in range(skip):
            cut = raw.find("/", cut + 1)
            if cut < 0:
                break
        if cut >= 0:
            rest = raw[cut:]
            if rest == below or (
                "%" in rest and unquote_to_bytes(rest) == below.encode("latin-1", "replace")
            ):
                return raw, rest
    return _quoted(script_name + path_info), _quoted(below) or "/"


def environ_url(environ: WSGIEnvironment, full_path: str) -> str:
    """The absolute URL of the request, as ``Request.url`` shows it."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not _valid_host(host):  # absent, or garbage a URL parser would refuse
        host = environ.get("SERVER_NAME", "localhost")
        port = environ.get("SERVER_PORT", "")
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    query = environ.get("QUERY_STRING")
    return f"{scheme}://{host}{full_path}?{query}" if query else f"{scheme}://{host}{full_path}"


# environ key -> header name ("" for keys that are not headers): the same few every request.
_HEADER_NAMES: dict[str, str] = {"HTTP_CONTENT_TYPE": "", "HTTP_CONTENT_LENGTH": ""}


def _header_name(key: str) -> str:
    if key.startswith("HTTP_"):
        name = key[5:].replace("_", "-").lower()
    elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        name = key.replace("_", "-").lower()
    else:
        name = ""
    if len(_HEADER_NAMES) < 1024:
        _HEADER_NAMES[key] = name
    return name


class _EnvironHeaders(Iterable[tuple[str, str]]):
    """The request headers of ``environ`` as ``(name, value)`` pairs, read when iterated."""

    __slots__ = ("environ",)

    def __init__(self, environ: WSGIEnvironment) -> None:
        self.environ = environ

    def __iter__(self) -> Iterator[tuple[str, str]]:
        names = _HEADER_NAMES
        for key, value in self.environ.items():
            name = names.get(key)
            if name is None:
                name = _header_name(key)
            # an empty HTTP_* header is a header; an empty CONTENT_TYPE/LENGTH is an absent one
            if name and (value or key[0] == "H"):
                yield name, value


def environ_headers(environ: WSGIEnvironment) -> Iterable[tuple[str, str]]:
    """The request headers as ``(name, value)`` pairs, read only if the request's
    headers are used."""
    return _EnvironHeaders(environ)


def request_body(environ: WSGIEnvironment) -> Any:
    """``wsgi.input``, bounded by Content-Length, when the request has a body, else None."""
    length = environ.get("CONTENT_LENGTH")
    if (length and length != "0") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return get_input_stream(environ, safe_fallback=False)  # never read past Content-Length
    return None


def send_reply(reply: Reply, start_response: StartResponse) -> Iterable[bytes]:
    """Hand a dispatcher ``Reply`` to a WSGI server."""
    start_response(f"{reply.status} {reply.reason}", reply.headers)
    return reply.body


class WSGIApp:
    """A WSGI application serving ``http`` (a router or a ``Deployment``); mount it
    anywhere (SCRIPT_NAME is respected). ``options``: see ``convexhttp.Options``."""

    def __init__(self, http: HttpRouter | Deployment, **options: Unpack[Options]) -> None:
        self.deployment = Deployment.of(http, options)
        self.http = self.deployment.http
        self.dispatcher = self.deployment.dispatcher

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        full_path, path = routed_path(environ)
        reply = self.dispatcher.handle(
            environ_url(environ, full_path),
            environ.get("REQUEST_METHOD", "GET"),
            environ_headers(environ),
            request_body(environ),
            path,
            full_path,
        )
        return send_reply(reply, start_response)
