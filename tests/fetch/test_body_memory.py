"""Large bodies in memory once: array_buffer() of 20 MB, and form files left on disk."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
from typing import Any

from convexhttp import File, FormData, Headers, Request

MB = 1024 * 1024

CHILD = """
import io, json, resource, sys
from convexhttp import Headers, Request

class Zeros(io.RawIOBase):  # 20 MB that are nowhere in memory until read
    left = 20 * 1024 * 1024
    def readable(self): return True
    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = b"a" * n
        self.left -= n
        return n

size = 20 * 1024 * 1024
headers = Headers({"content-length": str(size)} if sys.argv[1] == "length" else {})
request = Request._from_server("http://t/", "POST", headers, Zeros(), max_body_size=size)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = request.array_buffer()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert len(data) == size and data[:1] == b"a" and type(data) is bytes
print(json.dumps({"growth": (after - before) * 1024, "size": size}))
"""


def _growth(mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True
    ).stdout
    figures = json.loads(out)
    return float(figures["growth"]) / figures["size"]


def test_array_buffer_of_20_mb_grows_the_process_by_at_most_1_2x_the_body() -> None:
    assert _growth("length") <= 1.2  # Content-Length known: one buffer of that size
    assert _growth("chunked") <= 1.2  # unknown length: a growing buffer handed over whole


def _multipart(size: int) -> tuple[bytes, str]:
    form = FormData()
    form.append("note", "hi")
    form.append("upload", File([b"x" * size], "big.bin", type="application/octet-stream"))
    body, content_type = form._encode()
    return body, content_type


def _request(body: bytes, content_type: str) -> Request:
    headers = Headers({"content-type": content_type, "content-length": str(len(body))})
    stream: Any = io.BytesIO(body)
    return Request._from_server("http://t/", "POST", headers, stream, max_body_size=64 * MB)


def test_a_large_file_part_stays_in_its_spooled_file() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    form = _request(*_multipart(8 * MB)).form_data()
    upload = form.get("upload")
    assert isinstance(upload, File)
    assert upload._file is not None and upload._data == b""  # on disk, not in memory
    assert (upload.name, upload.type, upload.size) == (
        "big.bin",
        "application/octet-stream",
        8 * MB,
    )
    assert upload.slice(-3).bytes() == b"xxx"
    with upload.stream() as stream:
        assert stream.read(4) == b"xxxx"
    assert upload.bytes() == b"x" * (8 * MB)  # read when asked for
    assert form.get("note") == "hi"
    del before


def test_a_small_file_part_is_plain_bytes() -> None:
    upload = _request(*_multipart(10)).form_data().get("upload")
    assert isinstance(upload, File) and upload._file is None and upload.bytes() == b"x" * 10
