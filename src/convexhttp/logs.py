"""convexhttp's loggers, and output that shows up under any host.

``convexhttp`` carries errors and warnings; ``convexhttp.access`` the one line
per request (SPEC 7), so an app can silence it alone::

    logging.getLogger("convexhttp.access").setLevel(logging.WARNING)

(or ``access_log=False`` on any entry point, ``--no-access-log`` on the CLI).

Flask and Django leave the root logger bare under a stock gunicorn, so the
lines would be dropped (INFO) or leave through ``logging.lastResort`` without
time or level. ``show_by_default()`` gives ``convexhttp`` a handler of its own
that writes to stderr only while the root logger has no handler: as soon as the
app configures logging, records reach the app's handlers instead, never both.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["FORMAT", "access_logger", "log_to_stderr", "logger", "show_by_default"]

logger = logging.getLogger("convexhttp")
access_logger = logging.getLogger("convexhttp.access")

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _UntilConfigured(logging.Handler):
    """Writes to the current ``sys.stderr`` while the app has no logging of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    def handle(self, record: logging.LogRecord) -> bool:
        if logging.root.handlers:  # the app configured logging: propagation serves it
            return False
        return bool(super().handle(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def show_by_default() -> None:
    """Make convexhttp's lines visible when nothing else decided about them: a level
    and a handler are added only where the app set none."""
    if not any(isinstance(h, _UntilConfigured) for h in logger.handlers) and not (
        logger.handlers or logging.root.handlers
    ):
        logger.addHandler(_UntilConfigured())
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


def log_to_stderr(level: str | int) -> None:
    """What ``convexhttp serve`` does: convexhttp's lines to stderr (beside gunicorn's),
    at ``level``, whatever the root logger has."""
    for handler in list(logger.handlers):
        if isinstance(handler, _UntilConfigured | _Serve):
            logger.removeHandler(handler)
    logger.addHandler(_Serve())
    logger.propagate = False  # this handler is the output: never twice through the root
    logger.setLevel(level.upper() if isinstance(level, str) else level)


class _Serve(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter(FORMAT))
