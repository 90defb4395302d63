"""One-insert mutations per second on PostgreSQL with 1, 2 and 4 server processes,
against the same transaction written with raw psycopg and against SQLite; and a
contended counter (every request increments one document) with 4 processes.

Every server is gunicorn with N sync workers on a loopback port; wrk (``-t1 -c8``)
POSTs to it. The servers:

- **convexhttp pg**: ``convexhttp serve`` on a PostgreSQL database, an HTTP action
  running ``ctx.run_mutation(api.items.insert_one)`` (one document, its two index
  entries, a serializable transaction);
- **raw psycopg**: a bare WSGI app, one ``psycopg_pool`` per worker, writing the same
  rows (a document and two index entries, into the same tables) in a ``SERIALIZABLE``
  transaction, as one would by hand;
- **convexhttp sqlite**: the same app on a SQLite file.

PostgreSQL is a server this script starts (initdb + pg_ctl, as ``make test`` does),
durable by default (fsync on, as SQLite's ``synchronous=FULL``); ``--no-fsync`` turns
its flushes off to show the CPU cost alone. Runs alternate the servers; each figure
is the median of the rounds (with min and max); ratios are taken within a round.
Retries per success: the counter's mutation counts its runs (a lost race runs it
again), minus the requests that succeeded, over them. A last table runs the insert
in this process without HTTP, convexhttp against raw psycopg, with the CPU time
each spends per mutation (steady whatever else the machine does).
Run: ``make bench-postgres`` (or ``python benchmarks/postgres.py [--quick]``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP = "benchmarks.apps.pgbench.http:http"
PROCESSES = (1, 2, 4)
CONNECTIONS = 8

# --- the raw psycopg server (built in each gunicorn worker) ------------------------------

_pool: Any = None
_pool_pid = -1
_lock = threading.Lock()


def _raw_pool(url: str) -> Any:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            import psycopg
            import psycopg_pool

            def configure(conn: psycopg.Connection[Any]) -> None:
                conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE

            _pool = psycopg_pool.ConnectionPool(url, min_size=1, max_size=2, configure=configure)
            _pool_pid = os.getpid()
        return _pool


def make_raw_app(url: str, by_id: int, by_creation_time: int) -> Callable[..., Iterable[bytes]]:
    """A WSGI app writing what ``insert_one`` writes (document + 2 index entries)."""
    from convexhttp.ids import new_id
    from convexhttp.sortkey import sort_key, values_key

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        import psycopg

        doc_id = new_id(10001)
        created = time.time() * 1000
        entries = [
            (by_id, sort_key(doc_id), doc_id),
            (by_creation_time, values_key((created, doc_id)), doc_id),
        ]
        for _ in range(20):
            try:
                with _raw_pool(url).connection() as conn:  # BEGIN ... COMMIT
                    conn.execute(
                        "INSERT INTO convex_documents (id, table_number, creation_time, value) "
                        "VALUES (%s, %s, %s, %s)",
                        (doc_id, 10001, created, json.dumps({"n": 1})),
                    )
                    with conn.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO convex_index_entries (index_id, key, doc_id) "
                            "VALUES (%s, %s, %s)",
                            entries,
                        )
                break
            except psycopg.errors.SerializationFailure:
                continue
        body = json.dumps(doc_id).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return app


# --- in one process, no HTTP: the store's own cost ------------------------------------


def in_process(pg: Any, rounds: int, count: int = 1000) -> dict[str, list[tuple[float, float]]]:
    """(mutations/s, CPU µs per mutation in this process) for convexhttp's
    ``run_mutation`` and the raw psycopg transaction, alternating, on one connection
    each: the CPU figure barely moves with what else the machine is doing."""
    import psycopg

    from benchmarks.apps.pgbench.http import http
    from convexhttp import Deployment, api
    from convexhttp.ids import new_id
    from convexhttp.sortkey import sort_key, values_key
    from convexhttp.store.postgres import PostgresStore

    deployment = Deployment(http, database=pg.create_database(), scheduler=False)
    raw_url = pg.create_database()
    store = PostgresStore(raw_url)
    with store.transaction(write=True) as txn:
        number = txn.create_table("items")
        by_id = txn.create_index(number, "by_id", ())
        by_time = txn.create_index(number, "by_creation_time", ())
    store.close()
    conn = psycopg.connect(raw_url)
    conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE

    def raw() -> None:
        doc_id, created = new_id(number), time.time() * 1000
        with conn.transaction():
            conn.execute(
                "INSERT INTO convex_documents (id, table_number, creation_time, value) "
                "VALUES (%s, %s, %s, %s)",
                (doc_id, number, created, json.dumps({"n": 1})),
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO convex_index_entries (index_id, key, doc_id) VALUES (%s, %s, %s)",
                    [
                        (by_id, sort_key(doc_id), doc_id),
                        (by_time, values_key((created, doc_id)), doc_id),
                    ],
                )

    def ours() -> None:
        deployment.run_mutation(api.items.insert_one, {"n": 1})

    results: dict[str, list[tuple[float, float]]] = {"convexhttp pg": [], "raw psycopg": []}
    try:
        for round_ in range(rounds):
            pairs = [("convexhttp pg", ours), ("raw psycopg", raw)]
            for name, step in pairs if round_ % 2 == 0 else reversed(pairs):
                for _ in range(count // 10):
                    step()  # warm: prepared statements, caches
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(count):
                    step()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                results[name].append((count / wall, cpu / count * 1e6))
    finally:
        conn.close()
        deployment.close()
    return results


# --- the driver --------------------------------------------------------------------------


def wrk(url: str, seconds: float, script: Path) -> tuple[float, int, str]:
    """Requests/sec, requests completed, and any error lines wrk printed."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    if not rate or not done:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = [line.strip() for line in out.splitlines() if "errors" in line or "Non-2xx" in line]
    return float(rate.group(1)), int(done.group(1)), "; ".join(errors)


def post(url: str) -> Any:
    request = urllib.request.Request(url, b"", method="POST")
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one round of 2-second runs")
    parser.add_argument("--duration", type=float, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median counts")
    parser.add_argument("--no-fsync", action="store_true", help="PostgreSQL without flushes")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 2, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (make bench-postgres installs it)")

    from convexhttp.store.postgres import PostgresStore
    from tests import support
    from tests.pgserver import PostgresServer

    pg = PostgresServer(durable=not args.no_fsync)
    tmp = Path(tempfile.mkdtemp(prefix="convexhttp-bench-pg-"))
    script = tmp / "post.lua"
    script.write_text('wrk.method = "POST"\nwrk.body = ""\n')
    servers: dict[str, support.Server] = {}
    paths: dict[str, str] = {}
    attempts: dict[str, Path] = {}

    def start(name: str, server: support.Server, path: str) -> None:
        servers[name], paths[name] = server, path
        post(server.url + path)  # it answers before we time it (and seeds the counter)

    try:
        for n in PROCESSES:
            workers = ("--workers", str(n))
            start(
                f"convexhttp pg x{n}",
                support.convexhttp_serve(
                    APP, tmp / f"pg{n}.log", *workers, "--database", pg.create_database()
                ),
                "/insert",
            )
            raw_url = pg.create_database()
            store = PostgresStore(raw_url)
            with store.transaction(write=True) as txn:  # the same tables, ids and indexes
                number = txn.create_table("items")
                by_id = txn.create_index(number, "by_id", ())
                by_time = txn.create_index(number, "by_creation_time", ())
            store.close()
            start(
                f"raw psycopg x{n}",
                support.gunicorn(
                    f"benchmarks.postgres:make_raw_app({raw_url!r}, {by_id}, {by_time})",
                    tmp / f"raw{n}.log",
                    *workers,
                ),
                "/",
            )
            start(
                f"convexhttp sqlite x{n}",
                support.convexhttp_serve(
                    APP, tmp / f"sqlite{n}.log", *workers, "--database", str(tmp / f"{n}.sqlite3")
                ),
                "/insert",
            )
        for backend, database in (("pg", pg.create_database()), ("sqlite", str(tmp / "c.db"))):
            name = f"counter {backend} x4"
            attempts[name] = tmp / f"attempts-{uuid.uuid4().hex}"
            server = support.convexhttp_serve(
                APP,
                tmp / f"counter-{backend}.log",
                "--workers",
                "4",
                "--database",
                database,
                env={"BENCH_ATTEMPTS_FILE": str(attempts[name])},
            )
            start(name, server, "/increment")
        inproc = in_process(pg, args.rounds)
        for name, server in servers.items():
            wrk(server.url + paths[name], 1, script)  # warm-up

        rates: dict[str, list[float]] = {name: [] for name in servers}
        retries: dict[str, list[float]] = {name: [] for name in attempts}
        for round_ in range(args.rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in order:
                if name in attempts:
                    attempts[name].write_bytes(b"")
                rate, done, errors = wrk(servers[name].url + paths[name], args.duration, script)
                rates[name].append(rate)
                if name in attempts:
                    time.sleep(0.2)  # requests wrk gave up on may still finish
                    runs = attempts[name].stat().st_size
                    retries[name].append(max(0, runs - done) / max(done, 1))
                if errors:
                    print(f"  {name}: {errors}", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    durability = "fsync off" if args.no_fsync else "fsync on (durable commits)"
    print(
        f"PostgreSQL {durability}; gunicorn sync workers; wrk -t1 -c{CONNECTIONS} "
        f"-d{args.duration:g}s; {args.rounds} round(s) alternating the servers; "
        f"{os.cpu_count()} cores shared by everything"
    )
    print(f"{'one-insert mutations':<24}{'median/s':>10}{'min':>8}{'max':>8}")
    for name, values in rates.items():
        if name in attempts:
            continue
        median = statistics.median(values)
        print(f"{name:<24}{median:>10,.0f}{min(values):>8,.0f}{max(values):>8,.0f}")
    print()
    print(f"{'ratio (median of rounds)':<34}" + "".join(f"{'x' + str(n):>8}" for n in PROCESSES))
    for what, num, den in (
        ("convexhttp pg / raw psycopg", "convexhttp pg", "raw psycopg"),
        ("convexhttp pg / convexhttp sqlite", "convexhttp pg", "convexhttp sqlite"),
    ):
        cells = []
        for n in PROCESSES:
            pairs = zip(rates[f"{num} x{n}"], rates[f"{den} x{n}"], strict=True)
            cells.append(statistics.median(a / b for a, b in pairs))
        print(f"{what:<34}" + "".join(f"{c:>7.2f}x" for c in cells))
    print("(target: convexhttp pg / raw psycopg >= 0.5x)")
    print()
    print(f"{'in one process, no HTTP':<24}{'median/s':>10}{'min':>8}{'max':>8}{'CPU us/op':>12}")
    for name, values in inproc.items():
        per_s = [rate for rate, _ in values]
        cpu = statistics.median(us for _, us in values)
        print(
            f"{name:<24}{statistics.median(per_s):>10,.0f}{min(per_s):>8,.0f}"
            f"{max(per_s):>8,.0f}{cpu:>12,.0f}"
        )
    print()
    print(f"{'contended counter':<24}{'median/s':>10}{'min':>8}{'max':>8}{'retries/success':>18}")
    for name in attempts:
        values = rates[name]
        print(
            f"{name:<24}{statistics.median(values):>10,.0f}{min(values):>8,.0f}"
            f"{max(values):>8,.0f}{statistics.median(retries[name]):>18.2f}"
        )


if __name__ == "__main__":
    main()
