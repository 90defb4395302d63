"""Dispatch costs that issue #3 asks for, measured against a peer in the same run.

1. Per-request cost of an ``async def`` handler vs a ``def`` handler through the
   core dispatch (one reused event loop per thread), and what ``asyncio.run``
   per request would cost instead.
2. Peak RSS while a handler reads a 20 MB request body (``array_buffer()``,
   ``text()``, ``json()``), each in a fresh process, against the body size.

Run: ``make bench`` (or ``python benchmarks/fetch.py [--quick]``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import subprocess
import sys
import timeit
from typing import Any

from convexhttp import AsyncRequest, Dispatcher, Request, Response, http_router
from convexhttp.head import RequestHead

MB = 1024 * 1024


def sync_handler(ctx: Any, request: Request) -> Response:
    return Response("ok")


async def async_handler(ctx: Any, request: AsyncRequest) -> Response:
    return Response("ok")


def per_request_us(dispatcher: Dispatcher, path: str, number: int) -> float:
    def one() -> None:
        reply = dispatcher.handle(RequestHead.from_url(f"http://bench{path}"))
        b"".join(reply.body)

    one()
    return min(timeit.repeat(one, number=number, repeat=5)) / number * 1e6


def asyncio_run_us(number: int) -> float:
    async def noop() -> None:
        return None

    def one() -> None:
        asyncio.run(noop())

    return min(timeit.repeat(one, number=number, repeat=3)) / number * 1e6


class _Zeros(io.RawIOBase):
    """A request body stream of ``size`` bytes that holds none of them in memory."""

    def __init__(self, size: int, fill: bytes) -> None:
        self.left = size
        self.fill = fill

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = self.fill * (n // len(self.fill)) + self.fill[: n % len(self.fill)]
        self.left -= n
        return n


def _peak_child(reader: str) -> None:
    """Runs in a fresh process: read a 20 MB body with ``reader``; print RSS figures (KiB)."""
    from convexhttp import Headers

    size = 20 * MB
    fill = b"a" if reader != "json" else b" "
    stream: Any = _Zeros(size - 2, fill) if reader == "json" else _Zeros(size, fill)
    if reader == "json":
        stream = io.BufferedReader(_Prefixed(b'"', stream, b'"'), 64 * 1024)
    headers = Headers({"content-length": str(size)})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    request = Request._from_server(
        "http://bench/upload", "POST", headers, stream, max_body_size=size
    )
    value = getattr(request, reader)()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert len(value) >= size - 2
    print(json.dumps({"before": before, "after": after}))


class _Prefixed(io.RawIOBase):
    def __init__(self, head: bytes, body: io.RawIOBase, tail: bytes) -> None:
        self.parts: list[Any] = [io.BytesIO(head), body, io.BytesIO(tail)]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.parts:
            n = self.parts[0].readinto(buffer)
            if n:
                return int(n)
            self.parts.pop(0)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peak-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak_child:
        _peak_child(args.peak_child)
        return 0

    number = 2000 if args.quick else 20000
    http = http_router()
    http.route(path="/sync", handler=sync_handler)
    http.route(path="/async", handler=async_handler)
    dispatcher = Dispatcher(http)
    sync_us = per_request_us(dispatcher, "/sync", number)
    async_us = per_request_us(dispatcher, "/async", number)
    run_us = asyncio_run_us(max(200, number // 20))
    print("Per-request dispatch cost (Dispatcher.handle, tiny handler, logging at WARNING)")
    print(f"  def handler        {sync_us:8.1f} us")
    print(
        f"  async def handler  {async_us:8.1f} us   (+{async_us - sync_us:.1f} us on a reused loop)"
    )
    print(f"  asyncio.run()      {run_us:8.1f} us   per call: what a loop per request would add")
    print()
    print("Peak RSS while reading a 20 MB request body (fresh process each)")
    for reader in ("array_buffer", "text", "json"):
        out = subprocess.run(
            [sys.executable, __file__, "--peak-child", reader],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out)
        grown = (figures["after"] - figures["before"]) / 1024
        print(f"  {reader + '()':<16} peak RSS grew {grown:6.1f} MB = {grown / 20:.2f}x the body")
    return 0


if __name__ == "__main__":
    sys.exit(main())
