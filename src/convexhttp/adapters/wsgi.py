"""WSGI: ``WSGIApp(http)`` is a WSGI callable serving a router (PEP 3333)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Unpack
from urllib.parse import quote, unquote_to_bytes

from werkzeug.wsgi import get_input_stream

from convexhttp.deployment import Deployment, Options
from convexhttp.head import RequestHead
from convexhttp.router import HttpRouter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["WSGIApp", "request_body", "request_head"]

# host[:port]: a name, an IPv4 address or a bracketed IPv6 address, and a port.
_VALID_HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _valid_host(host: str | None) -> bool:
    if not host or _VALID_HOST.fullmatch(host) is None:
        return False
    port = host.rpartition(":")[2] if not host.endswith("]") else ""
    return not port.isdigit() or int(port) <= 65535


# Characters a path may hold unescaped (RFC 3986 pchar plus '/').
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _split_target(raw: str) -> tuple[str | None, str]:
    """``(authority, path)`` of a raw request target: the authority of an absolute-form
    target (``http://host/p``), else None; the path without query or fragment."""
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    authority = None
    if not raw.startswith("/"):  # absolute-form request target: drop scheme and authority
        scheme_end = raw.find("://")
        if scheme_end < 0:
            return None, raw
        slash = raw.find("/", scheme_end + 3)
        authority = raw[scheme_end + 3 : slash if slash >= 0 else len(raw)]
        raw = raw[slash:] if slash >= 0 else "/"
    if not raw.isascii():  # raw UTF-8 bytes sent unescaped arrive as latin-1 code points
        raw = quote(raw.encode("latin-1", "replace"), safe=_PATH_SAFE + "%")
    return authority, raw


def _quoted(decoded: str) -> str:
    # WSGI strings carry the request bytes as latin-1 code points.
    return quote(decoded.encode("latin-1", "replace"), safe=_PATH_SAFE)


def _routed_path(raw: str | None, script_name: str, path_info: str, mount: str) -> tuple[str, str]:
    """``(full_raw_path, path)``: the raw request path, and the part below the mount.

    The mount is SCRIPT_NAME plus ``mount`` (a decoded prefix a host framework
    consumed, such as a Flask blueprint's url_prefix). The raw form keeps
    ``%2F`` intact; when a middleware rewrote PATH_INFO so that the raw URI no
    longer agrees with it, PATH_INFO (re-encoded) wins.
    """
    below = path_info[len(mount) :] if mount else path_info
    if raw is not None:
        prefix = script_name + mount
        if raw.startswith(prefix) and raw[len(prefix) :] == below:
            return raw, below  # nothing escaped in the mount, nothing rewritten
        skip = (script_name + mount).count("/")
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


# The last Host header seen and whether it was valid: every request of a server repeats it.
_host_seen: list[tuple[str | None, bool]] = [(None, False)]


def _server_host(environ: WSGIEnvironment, scheme: str) -> str:
    host: str = environ.get("SERVER_NAME", "localhost")
    port = environ.get("SERVER_PORT", "")
    if port and port != ("443" if scheme == "https" else "80"):
        host = f"{host}:{port}"
    return host


def request_head(
    environ: WSGIEnvironment,
    mount: str = "",
    *,
    path_info: str | None = None,
    script_name: str | None = None,
    scheme: str | None = None,
    host: str | None = None,
) -> RequestHead:
    """The ``RequestHead`` of a WSGI request, the router mounted below ``mount``.

    ``mount`` is a prefix of PATH_INFO a host framework consumed (a Flask
    blueprint's url_prefix), in WSGI's latin-1 form. A framework that changed
    the environ in place (Django decodes PATH_INFO) passes the server's
    ``path_info`` and ``script_name``; one that knows better where the request
    was addressed (Django behind a proxy it was told about) passes ``scheme``
    and ``host``.
    """
    get = environ.get
    if scheme is None:
        scheme = get("wsgi.url_scheme", "http")
    if path_info is None:
        path_info = get("PATH_INFO", "")
    if script_name is None:
        script_name = get("SCRIPT_NAME", "")
    raw_uri: str | None = get("RAW_URI") or get("REQUEST_URI")
    authority = None
    raw: str | None
    if raw_uri is not None and raw_uri.startswith("/"):
        target = raw_uri.partition("?")[0]
        if not target.isascii() or "#" in target:
            authority, target = _split_target(raw_uri)
        if target == path_info and not script_name and not mount:
            full_path = path = target  # the common case: at the root, nothing rewritten
        else:
            full_path, path = _routed_path(target, script_name, path_info, mount.rstrip("/"))
    elif raw_uri == "*":  # OPTIONS *: about the server, no path
        full_path = path = "*"
    else:
        authority, raw = _split_target(raw_uri) if raw_uri else (None, None)
        full_path, path = _routed_path(raw, script_name, path_info, mount.rstrip("/"))
    if host is None:
        # RFC 9112 3.2.2: an absolute-form target's authority wins over Host.
        host = authority if authority is not None else get("HTTP_HOST")
        seen_host, seen_valid = _host_seen[0]
        if host != seen_host:
            seen_host, seen_valid = host, _valid_host(host)
            _host_seen[0] = (seen_host, seen_valid)
        if not seen_valid:  # absent, or garbage a URL parser would refuse
            host = _server_host(environ, scheme)
    method: str = get("REQUEST_METHOD", "GET")
    headers = _new_environ_headers(_EnvironHeaders)  # _EnvironHeaders(environ), without
    headers.environ = environ  # the call of its __init__
    return _new_head(  # RequestHead(...) without the call of its Python __new__
        RequestHead,
        (
            method if method.isupper() else method.upper(),
            scheme,
            host,
            full_path,
            path,
            get("QUERY_STRING", ""),
            headers,
            get("CONTENT_LENGTH") or None,
        ),
    )


_new_head = tuple.__new__


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


_new_environ_headers = _EnvironHeaders.__new__


def request_body(environ: WSGIEnvironment) -> Any:
    """``wsgi.input``, bounded by Content-Length, when the request has a body, else None."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        if length == "0":
            return None
        # The body reader never asks for more than Content-Length (wsgiref would block),
        # and a non-numeric one is a 400 before anything is read.
        return environ["wsgi.input"]
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return get_input_stream(environ, safe_fallback=False)
    return None


class WSGIApp:
    """A WSGI application serving ``http`` (a router or a ``Deployment``); mount it
    anywhere (SCRIPT_NAME is respected). ``options``: see ``convexhttp.Options``."""

    def __init__(self, http: HttpRouter | Deployment, **options: Unpack[Options]) -> None:
        self.deployment = Deployment.of(http, options)
        self.http = self.deployment.http
        self.dispatcher = self.deployment.dispatcher

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = (
            request_body(environ)
            if "CONTENT_LENGTH" in environ or "HTTP_TRANSFER_ENCODING" in environ
            else None  # as request_body() finds, without its call
        )
        reply = self.dispatcher.handle(request_head(environ), body)
        start_response(reply.status_line, reply.headers)
        return reply.body
