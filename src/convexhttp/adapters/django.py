"""Django: ``path("hooks/", include(urls(http)))`` in a ``urls.py``.

``urls(http)`` is one catch-all pattern, so everything below the include
reaches the router (and ``APPEND_SLASH`` never redirects it: the path always
resolves). ``view(http)`` is the same view for wiring by hand. The view is
CSRF-exempt (webhooks carry no token) and reads the body from the WSGI input
stream, so ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not cap the router's own limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Unpack
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.cookie import SimpleCookie
from django.http.response import ResponseHeaders
from django.urls import URLPattern, re_path
from django.utils.encoding import repercent_broken_unicode
from django.views.decorators.csrf import csrf_exempt

from convexhttp.deployment import Deployment, Options
from convexhttp.fetch.wire import Reply
from convexhttp.router import HttpRouter

from .wsgi import request_body, request_head

__all__ = ["urls", "view"]

View = Callable[..., HttpResponseBase]


def _wsgi_str(text: str) -> str:
    # Django replaced PATH_INFO and SCRIPT_NAME with decoded text; request_head wants WSGI's form.
    return text.encode().decode("latin-1")


def _server_path_info(raw_uri: str, request: HttpRequest) -> str | None:
    """The WSGI PATH_INFO the server had, before Django decoded it in place (called
    only when the raw URI has a ``%``: else nothing was decoded).

    Django re-escapes bytes that are not UTF-8 (``%FF`` stays ``%FF``), which
    would make the raw URI look rewritten; undo that only when Django's own
    decoding of the raw URI gives the path Django has.
    """
    if not raw_uri.startswith("/"):
        return None
    raw = unquote_to_bytes(raw_uri.split("?", 1)[0].split("#", 1)[0])
    if repercent_broken_unicode(raw).decode() != request.path:
        return None
    script_name = request.META.get("SCRIPT_NAME", "").encode()
    return raw[len(script_name) :].decode("latin-1")


class _Reply(HttpResponse):  # type: ignore[misc]  # Django ships no type hints
    """A reply in memory (see :func:`_in_memory`)."""


class _SetCookies:
    """Emits each Set-Cookie line of the reply as is (Django's header dict keeps one per name)."""

    set_cookies: Sequence[str] = ()

    def items(self) -> Iterable[tuple[str, str]]:
        items: Iterable[tuple[str, str]] = super().items()  # type: ignore[misc]
        if self.set_cookies:
            return [*items, *(("Set-Cookie", value) for value in self.set_cookies)]
        return items


class _CookieReply(_SetCookies, HttpResponse):  # type: ignore[misc]
    pass


class _StreamingReply(_SetCookies, StreamingHttpResponse):  # type: ignore[misc]
    pass


_new = object.__new__


def _built_as_django_builds() -> bool:
    """Whether :func:`_in_memory` gives what Django's own constructor would: the same
    fields, of the same types, with the same values but for the headers (checked once,
    at import; Django 5.2 passes)."""
    theirs = vars(HttpResponse(b"x", "text/plain", status=201, reason="Made"))  # no settings
    ours = vars(_in_memory(b"x", 201, "Made", {}))
    return theirs.keys() == ours.keys() and all(
        type(ours[name]) is type(value) and (name == "headers" or ours[name] == value)
        for name, value in theirs.items()
    )


def _in_memory(body: bytes, status: int, reason: str, store: dict[str, tuple[str, str]]) -> Any:
    """``HttpResponse(body, status=status, reason=reason)`` with ``store`` as its headers,
    built without Django's constructor: that would set (and check) a Content-Type we
    throw away, read a setting, convert the status and copy the body. Used only when
    :func:`_built_as_django_builds` holds."""
    headers = _new(ResponseHeaders)
    headers._store = store
    response = _new(_Reply)
    response.__dict__ = {
        "headers": headers,
        "_charset": None,
        "_resource_closers": [],
        "_handler_class": None,
        "cookies": SimpleCookie(),
        "closed": False,
        "status_code": status,
        "_reason_phrase": reason,
        "_container": [body],
    }
    return response


_FAST = _built_as_django_builds()


def _response(reply: Reply) -> HttpResponseBase:
    # Django's header store is {lower-case name: (name, value)}; the core's names are
    # lower-case, and its values were checked when set (no CR, LF, NUL or characters
    # above U+00FF, as Django would check them again): they go in as they are.
    store: dict[str, tuple[str, str]] = {}  # unique names but for Set-Cookie
    set_cookies: list[str] = []
    for name, value in reply.headers:
        if name == "set-cookie":
            set_cookies.append(value)
        else:
            store[name] = (name, value)
    body = reply.body
    if type(body) is list and "content-length" in store:
        # A body in memory: a plain HttpResponse, as Django's middleware expects.
        # (Without a length, e.g. a HEAD of a stream, Django would claim 0.)
        content = body[0] if len(body) == 1 else b"".join(body)
        if _FAST and not set_cookies:
            return _in_memory(content, reply.status, reply.reason, store)
        response = (_CookieReply if set_cookies else _Reply)(
            content, status=reply.status, reason=reply.reason
        )
    else:
        response = _StreamingReply(body, status=reply.status, reason=reply.reason)
    response.headers._store = store  # no text/html of Django's: the reply's headers only
    if set_cookies:
        response.set_cookies = set_cookies
    return response


_PROXY_SETTINGS = ("USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT", "SECURE_PROXY_SSL_HEADER")
# (Django was told of a proxy in front, the body limit taken from Django's settings):
# read once per process, again when a setting changes (override_settings() in tests).
_CONFIG: list[tuple[bool, int | None]] = []


def _config() -> tuple[bool, int | None]:
    if not _CONFIG:
        behind_proxy = any(getattr(settings, name, None) for name in _PROXY_SETTINGS)
        # Opt-in: Django's DATA_UPLOAD_MAX_MEMORY_SIZE caps form fields Django parses,
        # not bodies in general, so it applies to the router only when the project says so.
        limit = (
            getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None)
            if getattr(settings, "CONVEXHTTP_USE_DATA_UPLOAD_LIMIT", False)
            else None
        )
        _CONFIG.append((behind_proxy, limit))
    return _CONFIG[0]


def _forget_settings(**kwargs: Any) -> None:
    _CONFIG.clear()


setting_changed.connect(_forget_settings)


def view(http: HttpRouter | Deployment, **options: Unpack[Options]) -> View:
    """A Django view serving ``http``.

    The router sees the ``path`` the URL pattern captured (as ``/<path>``), or
    the whole path when the pattern captures none: ``re_path(r"^hooks/(?P<path>.*)$",
    view(http))`` mounts it at ``/hooks``, ``path("stripe", view(http))`` serves
    the router's ``/stripe`` route.
    """
    dispatcher = Deployment.of(http, options).dispatcher

    def convexhttp_view(
        request: HttpRequest, path: str | None = None, **other_captures: Any
    ) -> HttpResponseBase:
        meta = request.META
        path_info: str = request.path_info
        mount = path_info[: len(path_info) - len(path)] if path is not None else ""
        behind_proxy, host_limit = _CONFIG[0] if _CONFIG else _config()
        # Django's scheme and host when it was told about a proxy in front, else the
        # environ's (as Django would say without one).
        scheme, host = (request.scheme, request.get_host()) if behind_proxy else (None, None)
        script_name: str = meta.get("SCRIPT_NAME", "")
        raw_uri: str | None = meta.get("RAW_URI") or meta.get("REQUEST_URI")
        server_path_info = (
            _server_path_info(raw_uri, request) if raw_uri and "%" in raw_uri else None
        )
        head = request_head(
            meta,
            mount if mount.isascii() else _wsgi_str(mount),
            path_info=server_path_info
            or (path_info if path_info.isascii() else _wsgi_str(path_info)),
            script_name=script_name if script_name.isascii() else _wsgi_str(script_name),
            scheme=scheme,
            host=host,
        )
        reply = dispatcher.handle(head, request_body(meta), host_limit=host_limit)
        return _response(reply)

    exempt: View = csrf_exempt(convexhttp_view)  # webhooks carry no CSRF token
    return exempt


def urls(http: HttpRouter | Deployment, **options: Unpack[Options]) -> list[URLPattern]:
    """URL patterns for ``include()``: every path below the include, every method.
    ``options``: see ``convexhttp.Options``."""
    serve = view(http, **options)
    return [re_path(r"^(?P<path>(?s:.*))$", serve, name="convexhttp")]  # (?s): %0A is ours too
