"""Serving a stored file: ``/api/storage/<key>`` against werkzeug's ``send_file``.

One 10 MB file, stored through ``ctx.storage.store`` on ``convexhttp serve``; the
peer is a plain WSGI app returning werkzeug's ``send_file`` of the very file the
blob store wrote. Both run on gunicorn with one sync worker, access logs off;
wrk (``-t1 -c4``) downloads the file over and over, the servers alternating in
rounds; both answers are checked byte for byte first. Target: >= 0.8x.
Run: ``make bench-storage`` (or ``python benchmarks/storage.py [--quick]``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.e2e import wrk  # noqa: E402

SIZE = 10 * 1024 * 1024
TARGET = 0.8


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as reply:
        data: bytes = reply.read()
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one round of 2-second runs")
    args = parser.parse_args()
    duration, rounds = (2, 1) if args.quick else (3, 5)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (make bench-e2e installs it)")

    from tests import support

    data = os.urandom(SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "files.sqlite3"
        ours = support.convexhttp_serve(
            "benchmarks.apps.filesbench.http:http",
            Path(tmp) / "ours.log",
            "--database",
            str(database),
        )
        peer = None
        try:
            request = urllib.request.Request(
                f"{ours.url}/store", data, {"Content-Type": "video/mp4"}
            )
            with urllib.request.urlopen(request) as reply:
                file_url = json.loads(reply.read())["url"]
            [blob] = [p for p in database.with_name(database.name + ".blobs").iterdir()]
            peer = support.gunicorn(
                "benchmarks.apps.filesbench.http:send_file_app()",
                Path(tmp) / "peer.log",
                env={"BENCH_FILE": str(blob)},
            )
            urls = {"convexhttp /api/storage": file_url, "werkzeug send_file": peer.url + "/"}
            digest = hashlib.sha256(data).digest()
            for name, url in urls.items():
                assert hashlib.sha256(fetch(url)).digest() == digest, name
                wrk(url, 1)
            results: dict[str, list[float]] = {name: [] for name in urls}
            for round_ in range(rounds):
                order = list(urls) if round_ % 2 == 0 else list(reversed(urls))
                for name in order:
                    results[name].append(wrk(urls[name], duration)[0])
        finally:
            ours.stop()
            if peer is not None:
                peer.stop()
    print(f"a 10 MB file, gunicorn 1 sync worker, wrk -t1 -c4 -d{duration}s, {rounds} round(s)")
    print(f"{'server':<26}{'median MB/s':>12}{'min':>8}{'max':>8}")
    for name, values in results.items():
        mbs = [v * SIZE / 1e6 for v in values]
        print(f"{name:<26}{statistics.median(mbs):>12,.0f}{min(mbs):>8,.0f}{max(mbs):>8,.0f}")
    a, b = results.values()
    ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
    verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
    print(f"\nconvexhttp / werkzeug send_file  {ratio:.2f}x  (target >= {TARGET}x) {verdict}")


if __name__ == "__main__":
    main()
