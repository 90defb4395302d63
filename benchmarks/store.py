"""Document store costs that issue #7 asks for, each against a peer timed in the same run.

1. One-insert transactions per second: ``runtime.run_mutation`` of a mutation
   that inserts one 10-field chat message (arguments and document validated,
   three indexes kept: by_id, by_creation_time, by_channel) vs the same
   transaction in raw ``sqlite3`` (``BEGIN IMMEDIATE``, one ``INSERT``,
   ``COMMIT`` into a plain table with an index on ``channel``) and vs Django's
   ORM ``create()`` (autocommit; a model with the same fields, ``channel``
   indexed, its table made by the schema editor). Each peer has its own file,
   all WAL with ``synchronous=FULL`` (a commit is on disk when it returns: the
   store's setting); then all with ``synchronous=NORMAL``, for context: without
   the fsync, the Python cost shows.
2. Index range read: a query returning one channel's 100 messages through
   ``with_index("by_channel", eq)``, from a table of 1k and of 100k messages, vs
   ``SELECT ... WHERE channel = ?`` on an indexed column of a plain table holding
   the same messages, inserted in the same order (channels take turns, so a
   channel's messages are spread over the table). Both must return the same 100
   messages in the same order.
3. Memory: peak RSS growth and tracemalloc peak while a query iterates over every
   document of the 100k table vs while it collects them, in a fresh process each.

Peers run interleaved in rounds (each round rotates their order); a ratio is the
median of the per-round ratios, shown with the middle half of the rounds. The
fsync-bound FULL inserts are timed by the wall clock; the CPU-bound sections
(NORMAL inserts, reads) by this process's CPU time, because the machine is
shared and wall time there would mostly measure the neighbours. Files live in a
temporary directory. Run: ``make bench-store`` (or ``python
benchmarks/store.py [--quick]``).
"""

from __future__ import annotations

import argparse
import json
import operator
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from convexhttp import http_router  # noqa: E402
from convexhttp.deployment import Deployment  # noqa: E402
from convexhttp.store.sqlite import SQLiteStore  # noqa: E402

FUNCTIONS = "benchmarks.apps.storebench"
FIELDS = (
    "channel",
    "author",
    "body",
    "format",
    "client_id",
    "sent_at",
    "edited",
    "pinned",
    "reply_count",
    "score",
)
RAW_TABLE = (
    "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, "
    "author TEXT NOT NULL, body TEXT NOT NULL, format TEXT NOT NULL, client_id TEXT NOT NULL, "
    "sent_at REAL NOT NULL, edited INTEGER NOT NULL, pinned INTEGER NOT NULL, "
    "reply_count INTEGER NOT NULL, score REAL NOT NULL)"
)
RAW_INDEX = "CREATE INDEX IF NOT EXISTS messages_channel ON messages (channel)"
RAW_INSERT = f"INSERT INTO messages ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"
RAW_RANGE = f"SELECT {', '.join(FIELDS)} FROM messages WHERE channel = ? ORDER BY id"
PER_CHANNEL = 100
BODY = (
    "Shipping the new onboarding flow today; please review the checklist in the doc and "
    "flag anything that blocks the release."
)
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
OURS, RAW, DJANGO = "convexhttp mutation", "raw sqlite3", "Django create()"

Message = dict[str, Any]
T = TypeVar("T")


def message(i: int, channels: int) -> Message:
    """The ``i``-th chat message: ten fields, the channels taking turns."""
    return {
        "channel": f"channel-{i % channels:04d}",
        "author": f"user-{i * 7919 % 1000:03d}",
        "body": f"#{i} {BODY}",
        "format": "markdown",
        "client_id": f"{i * 2654435761 % 2**64:016x}-{i:08x}",
        "sent_at": 1_700_000_000_000.0 + i * 1000.0,
        "edited": i % 11 == 0,
        "pinned": i % 97 == 0,
        "reply_count": i % 5,
        "score": (i % 1000) / 8,
    }


def messages(start: int, stop: int, channels: int) -> list[Message]:
    return [message(i, channels) for i in range(start, stop)]


# --- the peers -----------------------------------------------------------------------------


class _NormalSyncStore(SQLiteStore):
    """The store with ``synchronous=NORMAL``: context only (the store always runs FULL)."""

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn


def deployment(path: Path | str, synchronous: str = "FULL") -> Deployment:
    store = SQLiteStore(path) if synchronous == "FULL" else _NormalSyncStore(path)
    return Deployment(http_router(), functions=FUNCTIONS, database=store)


def raw_connection(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(RAW_TABLE)
    conn.execute(RAW_INDEX)
    return conn


def pragmas(conn: sqlite3.Connection) -> str:
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    level = conn.execute("PRAGMA synchronous").fetchone()[0]
    return f"{mode}/{SYNCHRONOUS[level]}"


def ours_pragmas(dep: Deployment) -> str:
    assert isinstance(dep.store, SQLiteStore)
    return pragmas(dep.store._connection())  # this thread's connection: the one that writes


Insert = Callable[[Message], object]


def ours_insert(dep: Deployment) -> Insert:
    run = dep.runtime.run_mutation
    return lambda m: run("messages:send", m)


def raw_insert(conn: sqlite3.Connection) -> Insert:
    execute = conn.execute
    row = operator.itemgetter(*FIELDS)

    def insert(m: Message) -> None:
        execute("BEGIN IMMEDIATE")
        execute(RAW_INSERT, row(m))
        execute("COMMIT")

    return insert


def django_managers(tmp: Path) -> dict[str, Any]:
    """Django set up in-process with one SQLite file per ``synchronous`` setting; the
    Message model's manager on each, its table made by the schema editor (no migrations)."""
    import django
    from django.conf import settings

    def database(synchronous: str) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp / f"django-{synchronous}.sqlite3"),
            "OPTIONS": {
                "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}"
            },
        }

    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=[],
        USE_TZ=True,
        DATABASES={"default": database("FULL"), "NORMAL": database("NORMAL")},
    )
    django.setup()
    from django.db import connections, models

    class ChatMessage(models.Model):
        channel = models.CharField(max_length=64, db_index=True)
        author = models.CharField(max_length=64)
        body = models.TextField()
        format = models.CharField(max_length=16)
        client_id = models.CharField(max_length=64)
        sent_at = models.FloatField()
        edited = models.BooleanField()
        pinned = models.BooleanField()
        reply_count = models.BigIntegerField()
        score = models.FloatField()

        class Meta:
            app_label = "store_bench"

    for alias in ("default", "NORMAL"):
        with connections[alias].schema_editor() as editor:
            editor.create_model(ChatMessage)
    return {
        "FULL": ChatMessage.objects.using("default"),
        "NORMAL": ChatMessage.objects.using("NORMAL"),
    }


def django_pragmas(manager: Any) -> str:
    from django.db import connections

    connection = connections[manager.db]
    connection.ensure_connection()
    return pragmas(connection.connection)


def django_insert(manager: Any) -> Insert:
    create = manager.create
    return lambda m: create(**m)


def ours_range(dep: Deployment) -> Callable[[str], Any]:
    run = dep.runtime.run_query
    return lambda channel: run("messages:in_channel", {"channel": channel})


def raw_range(conn: sqlite3.Connection) -> Callable[[str], Any]:
    execute = conn.execute
    return lambda channel: execute(RAW_RANGE, (channel,)).fetchall()


# --- timing ------------------------------------------------------------------------------


def rounds_of(action: Callable[[T], object], work: list[list[T]]) -> Callable[[int], None]:
    """A peer for ``interleaved``: round ``r`` applies ``action`` to each item of ``work[r]``."""

    def one_round(r: int) -> None:
        for item in work[r]:
            action(item)

    return one_round


def interleaved(
    peers: dict[str, Callable[[int], object]], rounds: int, clock: Callable[[], float]
) -> dict[str, list[float]]:
    """Seconds (by ``clock``) each peer took in each round; each round rotates the order."""
    names = list(peers)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            peers[name](r)
            seconds[name].append(clock() - start)
    return seconds


def ratios(ours: list[float], peer: list[float]) -> list[float]:
    """Per round: the peer's time over ours (above 1: we are faster)."""
    return [p / o for o, p in zip(ours, peer, strict=True)]


def spread(values: list[float]) -> str:
    """The median, and the middle half of the rounds."""
    q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{statistics.median(values):.2f}x (middle half {q1:.2f}-{q3:.2f}x)"


def verdict(value: float, target: float, *, at_most: bool = False) -> str:
    if at_most:
        return "ok" if value <= target else "ABOVE TARGET"
    return "ok" if value >= target else "BELOW TARGET"


# --- 1. inserts ----------------------------------------------------------------------------


def bench_inserts(tmp: Path, plans: dict[str, tuple[int, int]]) -> None:
    """``plans``: synchronous setting -> (rounds, inserts per peer per round)."""
    managers = django_managers(tmp)
    print("1. One-insert transactions per second: a 10-field chat message, peers interleaved")
    for synchronous, (rounds, size) in plans.items():
        dep = deployment(tmp / f"inserts-{synchronous}.sqlite3", synchronous)
        raw = raw_connection(tmp / f"raw-{synchronous}.sqlite3", synchronous)
        manager = managers[synchronous]
        inserts = {OURS: ours_insert(dep), RAW: raw_insert(raw), DJANGO: django_insert(manager)}
        checks = [ours_pragmas(dep), pragmas(raw), django_pragmas(manager)]
        assert checks == [f"wal/{synchronous}"] * 3, checks
        # Warm-up: imports, caches, and every WAL file grown to its steady size (past its
        # first checkpoint), so that no round pays for growing a file.
        warm = messages(0, 600, 10)
        for insert in inserts.values():
            for m in warm:
                insert(m)
        data = [messages(10_000 * (r + 1), 10_000 * (r + 1) + size, 10) for r in range(rounds)]
        fsync = synchronous == "FULL"
        seconds = interleaved(
            {name: rounds_of(insert, data) for name, insert in inserts.items()},
            rounds,
            time.perf_counter if fsync else time.process_time,
        )
        counts = [
            dep.run_query("messages:count_collecting"),
            raw.execute("SELECT count(*) FROM messages").fetchone()[0],
            manager.count(),
        ]
        assert counts == [len(warm) + rounds * size] * 3, counts
        dep.close()
        raw.close()

        what = "the store's setting; wall time" if fsync else "context only; CPU time"
        print(f"\n  synchronous={synchronous} ({what}): {rounds} rounds of {size} inserts per peer")
        print(f"  {'peer':<22}{'median /s':>11}{'min':>9}{'max':>9}")
        for name, values in seconds.items():
            rates = [size / s for s in values]
            print(
                f"  {name:<22}{statistics.median(rates):>11,.0f}{min(rates):>9,.0f}"
                f"{max(rates):>9,.0f}"
            )
        vs_raw = ratios(seconds[OURS], seconds[RAW])
        vs_django = ratios(seconds[OURS], seconds[DJANGO])
        raw_target = django_target = ""
        if fsync:
            raw_target = f"  target >= 0.5x {verdict(statistics.median(vs_raw), 0.5)}"
            django_target = f"  target > 1x {verdict(statistics.median(vs_django), 1.0)}"
        print(f"  convexhttp / raw sqlite3   {spread(vs_raw)}{raw_target}")
        print(f"  convexhttp / Django        {spread(vs_django)}{django_target}")


# --- 2. index range reads ----------------------------------------------------------------


def build(tmp: Path, size: int, chunk: int) -> tuple[Deployment, sqlite3.Connection, float]:
    """The same ``size`` messages in the store (mutations of ``chunk`` inserts each) and in
    a plain table (executemany, one transaction); the seconds the store took."""
    channels = size // PER_CHANNEL
    dep = deployment(tmp / f"read-{size}.sqlite3")
    start = time.perf_counter()
    for first in range(0, size, chunk):
        batch = messages(first, min(first + chunk, size), channels)
        dep.run_mutation("messages:send_many", {"messages": batch})
    took = time.perf_counter() - start
    raw = raw_connection(tmp / f"raw-read-{size}.sqlite3")
    row = operator.itemgetter(*FIELDS)
    raw.execute("BEGIN IMMEDIATE")
    for first in range(0, size, chunk):
        raw.executemany(RAW_INSERT, map(row, messages(first, min(first + chunk, size), channels)))
    raw.execute("COMMIT")
    return dep, raw, took


def same_messages(docs: list[Message], rows: list[tuple[Any, ...]]) -> bool:
    """The documents hold exactly the rows' fields, in the same order (SQLite has no bool)."""
    row = operator.itemgetter(*FIELDS)
    as_rows = [tuple(int(x) if type(x) is bool else x for x in row(d)) for d in docs]
    return len(docs) == PER_CHANNEL and as_rows == rows


def bench_reads(tmp: Path, sizes: list[int], rounds: int, queries: int) -> Path:
    print(
        f"\n2. Index range read: one channel's {PER_CHANNEL} messages, oldest first; "
        f"{rounds} rounds of {queries} queries, peers interleaved; CPU time"
    )
    peers: dict[str, Callable[[int], object]] = {}
    checked = 0
    chunk = 5_000
    for size in sizes:
        dep, raw, took = build(tmp, size, chunk)
        mutations = -(-size // chunk)
        print(f"  built {size:,} messages through {mutations} mutation(s) in {took:.1f}s")
        rng = random.Random(size)
        asked = [
            [f"channel-{rng.randrange(size // PER_CHANNEL):04d}" for _ in range(queries)]
            for _ in range(rounds)
        ]
        ours, theirs = ours_range(dep), raw_range(raw)
        for channel in sorted({c for names in asked for c in names}):
            assert same_messages(ours(channel), theirs(channel)), f"{size}: {channel} differs"
            checked += 1
        peers[f"ours {size}"] = rounds_of(ours, asked)
        peers[f"raw {size}"] = rounds_of(theirs, asked)
    seconds = interleaved(peers, rounds, time.process_time)

    def per_query(name: str) -> float:
        return statistics.median(seconds[name]) / queries * 1e6

    print(f"  {'table':>9}{'convexhttp us':>15}{'raw SQL us':>12}   convexhttp / raw SQL")
    for size in sizes:
        print(
            f"  {size:>9,}{per_query(f'ours {size}'):>15,.0f}{per_query(f'raw {size}'):>12,.0f}"
            f"   {spread(ratios(seconds[f'ours {size}'], seconds[f'raw {size}']))}"
        )
    small, big = sizes[0], sizes[-1]
    growth = ratios(seconds[f"ours {small}"], seconds[f"ours {big}"])
    raw_growth = ratios(seconds[f"raw {small}"], seconds[f"raw {big}"])
    print(
        f"  time per query, {big:,} / {small:,} documents: convexhttp {spread(growth)}  "
        f"target <= 1.5x {verdict(statistics.median(growth), 1.5, at_most=True)}"
    )
    print(f"  {'':<40}raw SQL {spread(raw_growth)}")
    print(f"  cross-check: the same {PER_CHANNEL} messages in the same order, {checked} channels")
    return tmp / f"read-{big}.sqlite3"


# --- 3. memory -----------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process, in KiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> None:
    """Start ``VmHWM`` again from the current RSS, so that it measures only what follows."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _memory_child(database: str, mode: str) -> None:
    """Runs in a fresh process: one query over every document; prints its figures."""
    import gc
    import tracemalloc

    dep = deployment(database)
    dep.run_query("messages:in_channel", {"channel": "channel-0000"})  # connection, caches
    gc.collect()
    _reset_peak_rss()
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    count = dep.run_query(f"messages:count_{mode}")
    took = time.perf_counter() - start
    after = _status_kib("VmHWM")
    tracemalloc.start()
    again = dep.run_query(f"messages:count_{mode}")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == again
    print(json.dumps({"count": count, "grown_kib": after - before, "peak": peak, "s": took}))


def bench_memory(database: Path) -> None:
    print("\n3. Memory while one query reads every document (a fresh process each)")
    print(
        f"  {'query':<32}{'documents':>10}{'peak RSS growth':>17}{'traced peak':>13}{'docs/s':>10}"
    )
    for mode, what in (("iterating", "for doc in ctx.db.query(...)"), ("collecting", "collect()")):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", mode, "--database", str(database)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out)
        print(
            f"  {what:<32}{figures['count']:>10,}{figures['grown_kib'] / 1024:>14.1f} MB"
            f"{figures['peak'] / 2**20:>10.1f} MB{figures['count'] / figures['s']:>10,.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a few short rounds, a 10k table")
    parser.add_argument(
        "--memory-child", choices=("iterating", "collecting"), help=argparse.SUPPRESS
    )
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        _memory_child(args.database, args.memory_child)
        return 0
    quick = args.quick
    import django

    print(
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"Django {django.get_version()}; files in a temporary directory\n"
    )
    with tempfile.TemporaryDirectory(prefix="convexhttp-bench-store-") as name:
        tmp = Path(name)
        plans = (
            {"FULL": (4, 10), "NORMAL": (4, 50)}
            if quick
            else {"FULL": (40, 25), "NORMAL": (20, 200)}
        )
        bench_inserts(tmp, plans)
        big = bench_reads(tmp, [1_000, 10_000 if quick else 100_000], 4 if quick else 20, 20)
        bench_memory(big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
