"""gunicorn: serve a router on real gunicorn through its ``BaseApplication`` API."""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from convexhttp.dispatch import DEFAULT_MAX_BODY_SIZE
from convexhttp.router import HttpRouter

from .wsgi import WSGIApp

__all__ = ["GunicornApp", "load_router", "serve"]


def load_router(spec: str) -> HttpRouter:
    """Import ``module:attr`` (attr defaults to ``http``) and return the router it names."""
    import importlib

    module_name, _, attr = spec.partition(":")
    attr = attr or "http"
    if not module_name:
        raise ValueError(f"{spec!r}: expected module:attr, e.g. myapp.http:http")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # as gunicorn and flask do: the working directory is importable
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(
                f"{spec!r}: module {module_name!r} has no attribute {attr!r}"
            ) from None
    if not isinstance(obj, HttpRouter):
        raise ValueError(
            f"{spec!r} is a {type(obj).__name__}, not an HttpRouter: point at the object "
            "returned by http_router()"
        )
    return obj


def _configure_logging() -> None:
    log = logging.getLogger("convexhttp")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)


class GunicornApp(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn running ``WSGIApp`` for the router named by ``spec`` (loaded in each worker)."""

    def __init__(
        self,
        spec: str,
        options: dict[str, Any] | None = None,
        *,
        debug: bool = False,
        max_request_body: int = DEFAULT_MAX_BODY_SIZE,
        max_response_body: int = DEFAULT_MAX_BODY_SIZE,
    ):
        self.spec = spec
        self.options = options or {}
        self.debug = debug
        self.max_request_body = max_request_body
        self.max_response_body = max_response_body
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        _configure_logging()
        return WSGIApp(
            load_router(self.spec),
            debug=self.debug,
            max_request_body=self.max_request_body,
            max_response_body=self.max_response_body,
        )


def serve(
    spec: str,
    *,
    bind: str = "127.0.0.1:8000",
    workers: int = 1,
    threads: int = 1,
    reload: bool = False,
    debug: bool = False,
    max_request_body: int = DEFAULT_MAX_BODY_SIZE,
    max_response_body: int = DEFAULT_MAX_BODY_SIZE,
    **options: Any,
) -> None:
    """Run gunicorn in this process until it is stopped."""
    GunicornApp(
        spec,
        {"bind": bind, "workers": workers, "threads": threads, "reload": reload, **options},
        debug=debug,
        max_request_body=max_request_body,
        max_response_body=max_response_body,
    ).run()
