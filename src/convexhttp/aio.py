"""Running ``async def`` code from synchronous workers.

Each worker thread keeps one event loop and reuses it (no ``asyncio.run`` per
request). When a coroutine must finish while a loop already runs on this
thread (a sync function called from an async one that calls an async one),
it runs to completion on a loop of its own in a helper thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["run_sync", "thread_loop"]

T = TypeVar("T")


class _ThreadLoop(threading.local):
    """One event loop per worker thread, reused for every coroutine it runs."""

    loop: asyncio.AbstractEventLoop | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.loop
        if loop is None or loop.is_closed():
            loop = self.loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(coro)
        finally:
            # As asyncio.run: what the coroutine left running must not run on into
            # (or pile up across) later requests on this thread.
            pending = asyncio.all_tasks(loop)
            if pending:
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


thread_loop = _ThreadLoop()
_helpers = ThreadPoolExecutor(thread_name_prefix="convexhttp-aio")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code and return its result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return thread_loop.run(coro)
    return _helpers.submit(asyncio.run, coro).result()
