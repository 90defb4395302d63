"""What only the PostgreSQL store has to prove: index ranges are range scans of a real
index, keys compare as bytes, migrations run once under a race, a pool survives a
fork, NOTIFY wakes another process's runner, blobs stream in chunks, and lost races
become ``RetryableConflict``."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from convexhttp import Deployment, api
from convexhttp.sortkey import sort_key
from convexhttp.store import postgres
from convexhttp.store.base import RetryableConflict, StoreError
from convexhttp.store.postgres import PostgresStore
from tests.apps.behaviour.http import http
from tests.databases import Databases


@pytest.fixture
def url(databases: Databases) -> str:
    return databases.new("postgres")


@pytest.fixture
def deployment(url: str) -> Iterator[Deployment]:
    deployment = Deployment(http, database=url, scheduler=False)
    try:
        yield deployment
    finally:
        deployment.close()


def plan(url: str, sql: str, params: list[Any]) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a live database
        row = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).fetchone()
    assert row is not None
    found: dict[str, Any] = row[0][0]["Plan"]
    return found


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def test_a_with_index_range_is_a_range_scan_of_the_primary_key(
    deployment: Deployment, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 documents in range among 2100 (and among the other indexes' entries).
    for batch, count in (("before", 1000), ("wanted", 100), ("after", 1000)):
        deployment.run_mutation(
            api.counter.slow_batch, {"batch": batch, "count": count, "pause": 0.0}
        )
    scans: list[tuple[str, list[Any]]] = []
    real_scan = postgres._PgTransaction.scan

    def recording_scan(self: Any, index_id: int, low: Any, high: Any, **kw: Any) -> Any:
        key = (low is not None, high is not None, kw["descending"])
        params = [index_id, *(x for x in (low, high) if x is not None), kw["limit"]]
        scans.append((postgres._SCANS[key], params))
        return real_scan(self, index_id, low, high, **kw)

    monkeypatch.setattr(postgres._PgTransaction, "scan", recording_scan)
    assert deployment.run_query(api.counter.batch_size, {"batch": "wanted"}) == 100
    sql, params = scans[-1]  # the last batch of the scan: the range's tail
    root = plan(url, sql, params)
    described = json.dumps(root, indent=1)
    assert not [n for n in nodes(root) if n["Node Type"] == "Seq Scan"], described
    [scan] = [n for n in nodes(root) if n.get("Index Name") == "convex_index_entries_pkey"]
    # An index-only scan once vacuumed; a bitmap index scan may stand in before that.
    assert scan["Node Type"] in ("Index Only Scan", "Index Scan", "Bitmap Index Scan")
    assert "key >=" in scan["Index Cond"] and "key <" in scan["Index Cond"], described
    assert scan["Actual Rows"] <= 100 and "Rows Removed by Filter" not in scan
    # Each document is fetched by its id, never by reading the table.
    documents = [n for n in nodes(root) if n.get("Relation Name") == "convex_documents"]
    assert [(n["Node Type"], n["Index Name"]) for n in documents] == [
        ("Index Scan", "convex_documents_pkey")
    ], described


def test_descending_and_unbounded_scans_use_the_index_too(deployment: Deployment, url: str) -> None:
    deployment.run_mutation(api.counter.slow_batch, {"batch": "x", "count": 500, "pause": 0.0})
    with psycopg.connect(url) as conn:
        [(index_id,)] = conn.execute(
            "SELECT i.id FROM convex_indexes i JOIN convex_tables t ON t.number = "
            "i.table_number WHERE t.name = 'batches' AND i.name = 'by_creation_time'"
        ).fetchall()
    for descending in (False, True):
        sql = postgres._SCANS[(False, False, descending)]
        root = plan(url, sql, [index_id, 10])
        scan = next(n for n in nodes(root) if n.get("Relation Name") == "convex_index_entries")
        expected = "Backward" if descending else "Forward"
        assert scan["Node Type"] in ("Index Only Scan", "Index Scan")
        assert scan["Scan Direction"] == expected
        assert scan["Actual Rows"] == 10  # LIMIT stops the scan


def test_keys_are_bytea_without_collation_and_sort_as_bytes(url: str) -> None:
    store = PostgresStore(url)
    try:
        with store.connection() as conn:
            row = conn.execute(
                "SELECT atttypid::regtype::text, attcollation FROM pg_attribute "
                "WHERE attrelid = 'convex_index_entries'::regclass AND attname = 'key'"
            ).fetchone()
            assert row == ("bytea", 0)  # no collation applies to bytea
            rng = random.Random(7)
            values: list[Any] = [None, False, True, b"", b"\x00", b"\xff\x00", "", "a", "B"]
            values += ["é", "e\u0301", "ß", "ss", "\u0000x", "Z", "z", "10", "9", "ä", "😀"]
            values += [0, -1, 2**62, -(2**63), 0.5, -0.0, float("inf"), float("-inf")]
            values += [rng.random() * 1e6 - 5e5 for _ in range(30)]
            values += ["".join(rng.choice("aAzZ09é\u00ff ") for _ in range(4)) for _ in range(30)]
            keys = [sort_key(v) for v in values]
            conn.execute("CREATE TEMP TABLE k (key bytea)")
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO k VALUES (%s)", [(k,) for k in keys])
            ordered = [bytes(r[0]) for r in conn.execute("SELECT key FROM k ORDER BY key")]
    finally:
        store.close()
    assert ordered == sorted(keys)


def test_migrations_run_once_when_servers_start_together(url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_one() -> None:
        store = PostgresStore(url)
        try:
            start.wait()
            with store.transaction(write=False) as txn:
                txn.catalog_version()
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM convex_migrations").fetchall()
    assert rows == [(v,) for v in range(1, len(postgres.MIGRATIONS) + 1)]


def test_two_apps_applying_one_schema_at_once_both_start(url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def build() -> None:
        try:
            start.wait()
            Deployment(http, database=url, scheduler=False).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM convex_tables ORDER BY name")]
    assert names == sorted(set(names)) and "messages" in names


def test_a_database_of_a_newer_version_is_refused(url: str) -> None:
    store = PostgresStore(url)
    with store.transaction(write=False) as txn:
        txn.catalog_version()  # migrated
    store.close()
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO convex_migrations (version) VALUES (99)")
    with (
        pytest.raises(StoreError, match="newer convexhttp"),
        PostgresStore(url).transaction(write=False),
    ):
        pass


def test_an_unreachable_server_is_a_clear_error() -> None:
    from tests.support import free_port

    with pytest.raises(StoreError, match="cannot open the PostgreSQL database"):
        Deployment(http, database=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/none")


def test_the_password_never_shows(url: str) -> None:
    store = PostgresStore(url.replace("postgres@", "postgres:hunter2@"))
    assert "hunter2" not in store.describe() and "***" in store.describe()


def test_a_forked_child_opens_its_own_pool_and_leaves_the_parents_alone(
    deployment: Deployment,
) -> None:
    deployment.run_mutation(api.counter.increment, {"name": "fork"})  # the parent's pool
    pid = os.fork()
    if pid == 0:  # the child: its own connections, then exit without closing anything
        try:
            deployment.run_mutation(api.counter.increment, {"name": "fork"})
            code = 0
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's pooled connections still work: the child never touched them.
    for _ in range(5):
        deployment.run_mutation(api.counter.increment, {"name": "fork"})
    assert deployment.run_query(api.counter.get, {"name": "fork"}) == 7


def test_a_conflict_is_retryable_even_when_the_app_swallowed_it(url: str) -> None:
    store = PostgresStore(url)
    try:
        with store.transaction(write=True) as txn:
            txn.set_meta("n", "0")
        first = store.transaction(write=True)
        txn1 = first.__enter__()
        assert txn1.get_meta("n") == "0"
        txn1.set_meta("n", "1")
        done, snapshot = threading.Event(), threading.Event()
        outcome: list[BaseException | None] = []

        def second() -> None:
            try:
                with store.transaction(write=True) as txn2:
                    txn2.get_meta("n")  # its snapshot: before txn1 commits
                    snapshot.set()
                    try:
                        with txn2.savepoint():
                            txn2.set_meta("n", "2")  # waits for txn1, then loses
                    except RetryableConflict:
                        pass  # an app catching it cannot commit anyway
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)
            done.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert snapshot.wait(10)
        time.sleep(0.2)  # most likely waiting on txn1's row lock by now (either way it loses)
        first.__exit__(None, None, None)
        assert done.wait(10)
        thread.join()
        assert isinstance(outcome[0], RetryableConflict)
        with store.transaction(write=False) as txn:
            assert txn.get_meta("n") == "1"
    finally:
        store.close()


def test_a_scheduled_job_wakes_a_runner_waiting_in_another_process(url: str) -> None:
    waiter, writer = PostgresStore(url), PostgresStore(url)
    try:
        wake = threading.Event()
        waiter.wait_for_change(0.0, wake)  # starts listening
        woke: list[float] = []

        def wait() -> None:
            waiter.wait_for_change(10.0, wake)
            woke.append(time.monotonic())

        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.3)
        with writer.transaction(write=True) as txn:
            txn.notify_jobs()
        committed = time.monotonic()
        thread.join(5)
        assert woke and woke[0] - committed < 2.0  # not the 10 s timeout
        # And the wake event ends a wait at once too.
        wake.set()
        start = time.monotonic()
        waiter.wait_for_change(10.0, wake)
        assert time.monotonic() - start < 0.5
    finally:
        waiter.close()
        writer.close()


def test_a_rolled_back_transaction_notifies_nobody(url: str) -> None:
    waiter, writer = PostgresStore(url), PostgresStore(url)
    try:
        wake = threading.Event()
        waiter.wait_for_change(0.0, wake)
        with pytest.raises(ZeroDivisionError), writer.transaction(write=True) as txn:
            txn.notify_jobs()
            raise ZeroDivisionError
        start = time.monotonic()
        waiter.wait_for_change(0.5, wake)
        assert time.monotonic() - start >= 0.45
    finally:
        waiter.close()
        writer.close()


class CountingStore(PostgresStore):
    """Counts the chunk reads, to show a range read fetches only what it needs."""

    chunk_reads = 0

    def connection(self) -> Any:
        CountingStore.chunk_reads += 1
        return super().connection()


def test_blobs_are_chunked_committed_and_read_a_chunk_at_a_time(url: str) -> None:
    store = CountingStore(url)
    try:
        store.blobs.chunk_size = 1000  # type: ignore[attr-defined]
        data = os.urandom(10_500)
        stored = store.blobs.put(iter([data[:1], data[1:4000], data[4000:]]))
        assert stored.size == len(data)
        with store.connection() as conn:
            rows = conn.execute(
                "SELECT seq, length(data) FROM convex_blob_chunks WHERE name = %s ORDER BY seq",
                (stored.name,),
            ).fetchall()
        assert rows == [(i, 1000) for i in range(10)] + [(10, 500)]
        f = store.blobs.open(stored.name)
        assert f is not None
        with f:
            CountingStore.chunk_reads = 0
            f.seek(4_990)
            assert f.read(20) == data[4_990:5_010]  # across a chunk boundary
            assert CountingStore.chunk_reads == 2
            f.seek(-3, os.SEEK_END)
            assert f.read() == data[-3:]
            f.seek(0)
            assert f.read() == data
        assert store.blobs.open("nope") is None
        store.blobs.delete(stored.name)
        assert store.blobs.open(stored.name) is None
    finally:
        store.close()


def test_a_blob_whose_writer_fails_midway_leaves_nothing(url: str) -> None:
    store = PostgresStore(url)
    try:

        def failing() -> Iterator[bytes]:
            yield os.urandom(300_000)
            raise ConnectionResetError("the client went away")

        with pytest.raises(ConnectionResetError):
            store.blobs.put(failing())
        with store.connection() as conn:
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM convex_blobs), (SELECT count(*) FROM "
                "convex_blob_chunks)"
            ).fetchone()
        assert counts == (0, 0)
        kept = store.blobs.put([b"kept"])
        assert store.blobs.collect(lambda name: False, older_than_s=3600) == 0  # too young
        assert store.blobs.collect(lambda name: name == kept.name, older_than_s=0) == 0
        assert store.blobs.collect(lambda name: False, older_than_s=0) == 1
    finally:
        store.close()
