"""Flask: ``app.register_blueprint(blueprint(http, url_prefix="/hooks"))``.

The blueprint owns every path and method under its prefix and hands each
request to the core dispatch. Handlers run inside Flask's app and request
contexts (``current_app``, ``g``), and the app's hooks apply to them as to any
view; the router still sees the raw path, so ``%2F`` survives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Unpack

from flask import Blueprint, Request, Response, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import Headers
from werkzeug.routing import PathConverter, Rule

try:
    from flask.globals import _cv_request
except ImportError:  # pragma: no cover  # it is in every Flask 3 so far
    _cv_request = None  # type: ignore[assignment]

from convexhttp.deployment import Deployment, Options
from convexhttp.router import HttpRouter

from .wsgi import request_body, request_head

__all__ = ["blueprint"]

_CONVERTER = "convexhttp_below"
# A path werkzeug reads as the router does: no escapes, nothing a rule would parse.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-._~/]*")


class _BelowConverter(PathConverter):
    """Everything below the prefix: empty, ``//`` and newlines included, so the router decides."""

    regex = "(?s:.*)"
    part_isolating = False


class _ReplyResponse(Response):
    # The reply's headers are final: no Content-Type of Flask's own when it has none,
    # and no Content-Length werkzeug works out (a HEAD of a stream would get 0).
    default_mimetype = None
    automatically_set_content_length = False


def _request_and_limit() -> tuple[Request, int | None]:
    """The request being served and its body limit (``request.max_content_length``: a
    limit set on this request, else the app's ``MAX_CONTENT_LENGTH``), read through
    Flask's request context rather than two proxies."""
    if _cv_request is None:  # a Flask without it: the public way
        req = request._get_current_object()
        return req, req.max_content_length
    ctx = _cv_request.get()
    req = ctx.request
    limit = getattr(req, "_max_content_length", None)  # Flask 3.1: set on this request
    if limit is None:
        limit = ctx.app.config["MAX_CONTENT_LENGTH"]
    return req, limit


def blueprint(
    http: HttpRouter | Deployment,
    *,
    url_prefix: str | None = None,
    name: str = "convexhttp",
    **options: Unpack[Options],
) -> Blueprint:
    """A Flask blueprint serving ``http`` under ``url_prefix`` (the app's root when None).

    The router sees paths relative to where the blueprint ends up mounted,
    including a ``url_prefix`` given to ``app.register_blueprint``. ``options``:
    see ``convexhttp.Options`` (functions, database, debug, body limits).
    """
    dispatcher = Deployment.of(http, options).dispatcher

    def view(mount: str | None) -> Callable[..., Response]:
        """The view for the blueprint mounted at ``mount`` (None: work it out per request)."""

        def dispatch(below: str = "", **prefix_args: object) -> Response:
            req, limit = _request_and_limit()
            environ = req.environ
            at = mount
            if at is None:  # a url_prefix with converters: what the rule consumed before below
                at = req.path[: len(req.path) - len(below)].encode().decode("latin-1")
            reply = dispatcher.handle(
                request_head(environ, at),
                request_body(environ),
                host_limit=limit,  # the app's MAX_CONTENT_LENGTH, when stricter
            )
            # The reply's headers were checked when set: werkzeug's Headers gets them as
            # its list, not re-validated one by one (a third of what Flask adds per request).
            headers = Headers()
            headers._list = reply.headers
            response = _ReplyResponse(reply.body, reply.status_line, headers)
            response.direct_passthrough = True
            return response

        return dispatch

    def register(state: BlueprintSetupState) -> None:
        state.app.url_map.converters.setdefault(_CONVERTER, _BelowConverter)
        endpoint = f"{state.name_prefix}.{state.name}.dispatch".lstrip(".")
        prefix = (state.url_prefix or "").rstrip("/")
        # request_head wants the consumed prefix in WSGI (latin-1) form.
        mount = None if "<" in prefix else prefix.encode().decode("latin-1")

        def add_rule(path: str) -> None:
            # Not state.add_url_rule: Flask insists on a method list, and the router
            # answers every method itself (405 with its Allow, OPTIONS, HEAD). No strict
            # slashes: /echo/x/ is the router's to refuse, not werkzeug's to redirect.
            state.app.url_map.add(
                Rule(
                    path,
                    endpoint=endpoint,
                    methods=None,
                    subdomain=state.subdomain,
                    strict_slashes=False,
                    merge_slashes=False,
                )
            )

        add_rule(f"{prefix}/<{_CONVERTER}:below>")
        if mount:
            # Under a prefix, the router's plain static paths also get a rule of their
            # own: werkzeug finds those by a dict lookup, not by trying the catch-all's
            # regex. The view is the same; the router still decides (from the raw path).
            # (At the root they would outrank the app's own dynamic rules.)
            for path in dispatcher.router.static_paths():
                if _PLAIN_PATH.fullmatch(path):
                    add_rule(prefix + path)
        state.app.view_functions[endpoint] = view(mount)

    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    bp.record(register)
    return bp
