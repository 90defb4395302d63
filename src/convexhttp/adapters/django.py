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


def _server_path_info(raw_uri: str | None, request: HttpRequest) -> str | None:
    """The WSGI PATH_INFO the server had, before Django decoded it in place.

    Django re-escapes bytes that are not UTF-8 (``%FF`` stays ``%FF``), which
    would make the raw URI look rewritten; undo that only when Django's own
    decoding of the raw URI gives the path Django has.
    """
    if not raw_uri or "%" not in raw_uri or not raw_uri.startswith("/"):
        return None  # nothing was decoded: Django's path_info is the server's
    raw = unquote_to_bytes(raw_uri.split("?", 1)[0].split("#", 1)[0])
    if repercent_broken_unicode(raw).decode() != request.path:
        return None
    script_name = request.META.get("SCRIPT_NAME", "").encode()
    return raw[len(script_name) :].decode("latin-1")


class _SetCookies:
    """Emits each Set-Cookie line of the reply as is (Django's header dict keeps one per name)."""

    set_cookies: Sequence[str] = ()

    def items(self) -> Iterable[tuple[str, str]]:
        items: Iterable[tuple[str, str]] = super().items()  # type: ignore[misc]
        if self.set_cookies:
            return [*items, *(("Set-Cookie", value) for value in self.set_cookies)]
        return items


class _Reply(_SetCookies, HttpResponse):  # type: ignore[misc]  # Django ships no type hints
    pass


class _StreamingReply(_SetCookies, StreamingHttpResponse):  # type: ignore[misc]
    pass


def _response(reply: Reply) -> HttpResponseBase:
    headers: dict[str, str] = {}  # names are unique here but for Set-Cookie
    set_cookies: list[str] = []
    for name, value in reply.headers:  # the core's names are lower-case already
        if name == "set-cookie":
            set_cookies.append(value)
        else:
            headers[name] = value
    # Given as content_type, Django's text/html default is never set (and removed).
    content_type = headers.pop("content-type", None)
    response: _Reply | _StreamingReply
    if type(reply.body) is list and "content-length" in headers:
        # A body in memory: a plain HttpResponse, as Django's middleware expects.
        # (Without a length, e.g. a HEAD of a stream, Django would claim 0.)
        body = reply.body
        response = _Reply(
            body[0] if len(body) == 1 else b"".join(body),
            content_type=content_type,
            status=reply.status,
            reason=reply.reason,
            headers=headers,
        )
    else:
        response = _StreamingReply(
            reply.body,
            content_type=content_type,
            status=reply.status,
            reason=reply.reason,
            headers=headers,
        )
    if content_type is None:
        del response.headers["Content-Type"]  # Django's text/html default is not ours to add
    if set_cookies:
        response.set_cookies = set_cookies
    return response


def _proxy_host(request: HttpRequest) -> tuple[str | None, str | None]:
    """Django's scheme and host when it was told about a proxy in front, else (None, None)
    (the environ's, as Django would say without one)."""
    if (
        settings.USE_X_FORWARDED_HOST
        or settings.USE_X_FORWARDED_PORT
        or settings.SECURE_PROXY_SSL_HEADER
    ):
        return request.scheme, request.get_host()
    return None, None


_UPLOAD_LIMIT: list[tuple[int | None]] = []  # read once, again when a setting changes


def _host_limit() -> int | None:
    # Opt-in: Django's DATA_UPLOAD_MAX_MEMORY_SIZE caps form fields Django parses, not
    # bodies in general, so it applies to the router only when the project says so.
    if not _UPLOAD_LIMIT:
        opted_in = getattr(settings, "CONVEXHTTP_USE_DATA_UPLOAD_LIMIT", False)
        _UPLOAD_LIMIT.append((settings.DATA_UPLOAD_MAX_MEMORY_SIZE if opted_in else None,))
    return _UPLOAD_LIMIT[0][0]


def _forget_upload_limit(**kwargs: Any) -> None:  # override_settings() in tests
    _UPLOAD_LIMIT.clear()


setting_changed.connect(_forget_upload_limit)


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
        scheme, host = _proxy_host(request)
        head = request_head(
            meta,
            _wsgi_str(mount),
            path_info=_server_path_info(meta.get("RAW_URI") or meta.get("REQUEST_URI"), request)
            or _wsgi_str(path_info),
            script_name=_wsgi_str(meta.get("SCRIPT_NAME", "")),
            scheme=scheme,
            host=host,
        )
        reply = dispatcher.handle(head, request_body(meta), host_limit=_host_limit())
        return _response(reply)

    exempt: View = csrf_exempt(convexhttp_view)  # webhooks carry no CSRF token
    return exempt


def urls(http: HttpRouter | Deployment, **options: Unpack[Options]) -> list[URLPattern]:
    """URL patterns for ``include()``: every path below the include, every method.
    ``options``: see ``convexhttp.Options``."""
    serve = view(http, **options)
    return [re_path(r"^(?P<path>(?s:.*))$", serve, name="convexhttp")]  # (?s): %0A is ours too
