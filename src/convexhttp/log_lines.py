"""What a function printed or logged while it ran: Convex's ``logLines``.

Inside ``with capture() as lines:``, each ``print()`` to stdout or stderr and each
log record made *by this thread* (this context) is added to ``lines`` as Convex
formats console output: ``[LOG] text`` for ``print()``, ``[ERROR] text`` for
``print(file=sys.stderr)``, and ``[DEBUG]``, ``[INFO]``, ``[WARN]`` or ``[ERROR]``
for a log record (the record's message, as its logger's level let it through).
Nothing is diverted: printed text still reaches its stream and records their
handlers, so the server log keeps every line.

gthread workers serve several requests at once, so the collector lives in a
``ContextVar``: a call sees its own lines, never another thread's. convexhttp's
own records (the ``convexhttp`` loggers) are not the function's and are left out.
As Convex's, a call keeps at most 256 lines and a million characters.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import logging
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Final

__all__ = ["MAX_LINES", "capture"]

MAX_LINES: Final = 256
MAX_CHARS: Final = 1_000_000

_LEVELS: Final = ((logging.ERROR, "ERROR"), (logging.WARNING, "WARN"), (logging.INFO, "INFO"))


class _Lines:
    __slots__ = ("chars", "full", "lines")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.chars = 0
        self.full = False

    def add(self, level: str, text: str) -> None:
        if self.full:
            return
        line = f"[{level}] {text}"
        if len(self.lines) == MAX_LINES - 1:
            self._overflow(f"maximum {MAX_LINES}")
        elif self.chars + len(line) > MAX_CHARS:
            self._overflow("maximum 1M characters")
        else:
            self.lines.append(line)
            self.chars += len(line)

    def _overflow(self, what: str) -> None:
        self.lines.append(f"[ERROR] Log overflow ({what}). Remaining log lines omitted.")
        self.full = True


_current: ContextVar[_Lines | None] = ContextVar("convexhttp_log_lines", default=None)
_install_lock = threading.Lock()
_installed = False


@contextlib.contextmanager
def capture() -> Iterator[list[str]]:
    """Collect this context's printed and logged lines while the block runs."""
    if not _installed:
        _install()
    collected = _Lines()
    token = _current.set(collected)
    try:
        yield collected.lines
    finally:
        _current.reset(token)


def _level_name(levelno: int) -> str:
    for threshold, name in _LEVELS:
        if levelno >= threshold:
            return name
    return "DEBUG"


def _install() -> None:
    """Wrap ``print`` and the log record factory, once per process; both pass through
    untouched when no capture is active."""
    global _installed
    with _install_lock:
        if _installed:
            return
        original_print = builtins.print
        original_factory = logging.getLogRecordFactory()

        @functools.wraps(original_print)
        def print(*args: Any, **kwargs: Any) -> None:
            original_print(*args, **kwargs)
            lines = _current.get()
            if lines is not None:
                stream = kwargs.get("file")
                if stream is None or stream is sys.stdout:
                    level = "LOG"
                elif stream is sys.stderr:
                    level = "ERROR"
                else:
                    return  # written to a file of the function's own, not printed
                sep = kwargs.get("sep")
                lines.add(level, (" " if sep is None else sep).join(map(str, args)))

        def record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = original_factory(*args, **kwargs)
            lines = _current.get()
            if lines is not None and not (
                record.name == "convexhttp" or record.name.startswith("convexhttp.")
            ):
                try:
                    message = record.getMessage()
                except Exception:  # a bad format: the handler will report it, show the raw msg
                    message = str(record.msg)
                lines.add(_level_name(record.levelno), message)
            return record

        # print is looked up in builtins at each call: wrapping it there reaches every module.
        builtins.print = print
        logging.setLogRecordFactory(record_factory)
        _installed = True
