"""gunicorn: serve a router on real gunicorn through its ``BaseApplication`` API."""

from __future__ import annotations

import logging
import sys
from typing import Any, Unpack

from gunicorn.app.base import BaseApplication

from convexhttp.deployment import Deployment, Options
from convexhttp.router import HttpRouter

from .wsgi import WSGIApp

__all__ = ["GunicornApp", "load_router", "serve", "start_schedulers"]


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
    """gunicorn running ``WSGIApp`` for the router named by ``spec``, built in each worker
    after the fork (so every worker opens its own database connections)."""

    def __init__(
        self,
        spec: str,
        settings: dict[str, Any] | None = None,
        **options: Unpack[Options],
    ):
        self.spec = spec
        self.settings = settings or {}
        self.app_options = options
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("post_worker_init", _start_app_scheduler)
        for key, value in self.settings.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        _configure_logging()
        return WSGIApp(load_router(self.spec), **self.app_options)


def _start_app_scheduler(worker: Any) -> None:
    # gunicorn calls this in each worker after it loaded the app: jobs run from boot.
    worker.wsgi.deployment.start_scheduler()


def start_schedulers(worker: Any = None) -> None:
    """Start the job runner of every convexhttp app in this worker process.

    For a Flask or Django app on gunicorn, in ``gunicorn.conf.py``::

        from convexhttp.adapters.gunicorn import start_schedulers as post_worker_init

    (Without it, a worker starts its runner on the first request it serves.)
    """
    Deployment.start_schedulers()


def serve(
    spec: str,
    *,
    bind: str = "127.0.0.1:8000",
    workers: int = 1,
    threads: int = 1,
    reload: bool = False,
    settings: dict[str, Any] | None = None,
    **options: Unpack[Options],
) -> None:
    """Run gunicorn in this process until it is stopped. ``settings``: more of gunicorn's
    own settings; ``options``: the app's (``convexhttp.Options``)."""
    gunicorn_settings = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "reload": reload,
        **(settings or {}),
    }
    GunicornApp(spec, gunicorn_settings, **options).run()
