"""Flask: ``app.register_blueprint(blueprint(http, url_prefix="/hooks"))``.

The blueprint owns every path and method under its prefix and hands each
request to the core dispatch. Handlers run inside Flask's app and request
contexts (``current_app``, ``g``), and the app's hooks apply to them as to any
view; the router still sees the raw path, so ``%2F`` survives.
"""

from __future__ import annotations

from functools import partial
from typing import Unpack

from flask import Blueprint, Response, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter, Rule

from convexhttp.deployment import Deployment, Options
from convexhttp.router import HttpRouter

from .wsgi import request_body, request_head

__all__ = ["blueprint"]

_CONVERTER = "convexhttp_below"


class _BelowConverter(PathConverter):
    """Everything below the prefix: empty, ``//`` and newlines included, so the router decides."""

    regex = "(?s:.*)"
    part_isolating = False


class _ReplyResponse(Response):
    # The reply's headers are final: no Content-Type of Flask's own when it has none,
    # and no Content-Length werkzeug works out (a HEAD of a stream would get 0).
    default_mimetype = None
    automatically_set_content_length = False


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

    def dispatch(mount: str | None, below: str, **prefix_args: object) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
        environ = req.environ
        if mount is None:  # a url_prefix with converters: what the rule consumed before ``below``
            mount = req.path[: len(req.path) - len(below)].encode().decode("latin-1")
        reply = dispatcher.handle(
            request_head(environ, mount),
            request_body(environ),
            host_limit=req.max_content_length,  # the app's MAX_CONTENT_LENGTH, when stricter
        )
        response = _ReplyResponse(reply.body, reply.status_line, reply.headers)
        response.direct_passthrough = True
        return response

    def register(state: BlueprintSetupState) -> None:
        state.app.url_map.converters.setdefault(_CONVERTER, _BelowConverter)
        endpoint = f"{state.name_prefix}.{state.name}.dispatch".lstrip(".")
        prefix = (state.url_prefix or "").rstrip("/")
        # request_head wants the consumed prefix in WSGI (latin-1) form.
        mount = None if "<" in prefix else prefix.encode().decode("latin-1")
        # Not state.add_url_rule: Flask insists on a method list, and the router
        # answers every method itself (405 with its Allow, OPTIONS, HEAD).
        state.app.url_map.add(
            Rule(
                f"{prefix}/<{_CONVERTER}:below>",
                endpoint=endpoint,
                methods=None,
                subdomain=state.subdomain,
                strict_slashes=False,  # /echo/x/ is the router's to refuse, not werkzeug's to redirect
                merge_slashes=False,
            )
        )
        state.app.view_functions[endpoint] = partial(dispatch, mount)

    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    bp.record(register)
    return bp
