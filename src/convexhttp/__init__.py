"""convexhttp: Convex's HTTP actions for WSGI, gunicorn, Flask and Django."""

from .action import http_action
from .context import ActionCtx
from .cors import cors_router, corsRouter
from .dispatch import DEFAULT_MAX_BODY_SIZE, Dispatcher
from .fetch import (
    URL,
    AsyncRequest,
    Blob,
    FormData,
    Headers,
    Request,
    Response,
    URLSearchParams,
)
from .paths import PathSyntaxError
from .router import HttpRouter, http_router

httpRouter = http_router
httpAction = http_action

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "URL",
    "ActionCtx",
    "AsyncRequest",
    "Blob",
    "Dispatcher",
    "FormData",
    "Headers",
    "HttpRouter",
    "PathSyntaxError",
    "Request",
    "Response",
    "URLSearchParams",
    "corsRouter",
    "cors_router",
    "httpAction",
    "httpRouter",
    "http_action",
    "http_router",
]
