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

import atexit
import collections
import logging
import os
import sys
import threading
import time

__all__ = [
    "FORMAT",
    "AccessSink",
    "access_logger",
    "access_sink",
    "log_to_stderr",
    "logger",
    "show_by_default",
]

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
    at ``level``, whatever the root logger has; the access line through ``AccessSink``."""
    global access_sink
    access_sink = AccessSink(sys.stderr.fileno())
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


class AccessSink:
    """The access line of ``convexhttp serve``, written without the logging machinery.

    A record, a formatter and a write() per request cost several times a tiny
    request's own work (a system call is dear on a sandboxed machine). Here the
    line is formatted in one step (the timestamp's seconds are reused while they
    last, its milliseconds come from a table) and lines are written in batches:
    when 256 lines (about 32 kB) are waiting, and by a flusher thread every 0.1 s,
    so a line reaches the log within 0.1 s of its request. The format is
    ``FORMAT``'s, as the logging path writes it.
    """

    INTERVAL = 0.1
    BATCH_LINES = 256  # about 32 kB

    def __init__(self, fd: int) -> None:
        self._fd = fd
        # deque.append and popleft are atomic: request threads append without a lock.
        self._lines: collections.deque[str] = collections.deque()
        self._flush_lock = threading.Lock()  # one flush at a time keeps lines in order
        self._second = -1
        self._stamp = ""
        self._flusher_fork = -1  # _forks[0] where the flusher thread runs
        atexit.register(self.flush)

    def access(self, rid: str, method: str, path: str, routed: str, status: int, ms: float) -> None:
        """The access line of one request, as ``Dispatcher.handle`` logs it."""
        now = _time()
        second = int(now)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            self._second = second
        lines = self._lines
        lines.append(
            f"{self._stamp},{_MILLIS[int((now - second) * 1000)]} {_PREFIX}"
            f"[{rid}] {method} {path} {routed} {status} {ms:.2f}ms\n"
        )
        if len(lines) >= self.BATCH_LINES:
            self.flush()
        elif self._flusher_fork != _forks[0]:
            self._start_flusher()

    def flush(self) -> None:
        with self._flush_lock:
            lines = self._lines
            taken = [lines.popleft() for _ in range(len(lines))]
            if taken:
                data = "".join(taken).encode("utf-8", "replace")
                try:
                    while data:
                        data = data[os.write(self._fd, data) :]
                except OSError:
                    pass  # stderr gone: nothing to tell it

    def _start_flusher(self) -> None:
        self._flusher_fork = _forks[0]
        threading.Thread(target=self._run, name="convexhttp-access-log", daemon=True).start()

    def _run(self) -> None:
        mine = _forks[0]
        while _forks[0] == mine:  # a forked child starts its own
            time.sleep(self.INTERVAL)
            self.flush()


_time = time.time
_MILLIS = [f"{ms:03d}" for ms in range(1000)]  # (now - second) * 1000 < 1000: exact
# FORMAT's "%(levelname)s %(name)s " for an access line
_PREFIX = f"{logging.getLevelName(logging.INFO)} {access_logger.name} "


#: Set by ``log_to_stderr`` (``convexhttp serve``): the dispatcher writes its access
#: line here instead of through ``access_logger``'s handlers.
access_sink: AccessSink | None = None

# Bumped in every forked child: threads do not survive a fork.
_forks = [0]
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))
