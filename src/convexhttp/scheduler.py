"""``ctx.scheduler`` and the runner that executes scheduled functions and cron jobs.

Jobs are documents of the system table ``_scheduled_functions`` (Convex's
fields: ``name``, ``args``, ``scheduledTime``, ``completedTime``, ``state``) with
hidden fields the runner indexes: ``_nextTs`` while pending, ``_runner`` and
``_leaseUntil`` while an action runs.

- From a mutation, scheduling is a write of that mutation's transaction: a
  rollback schedules nothing. From an action, each call is its own transaction.
- A scheduled mutation is claimed, run and marked done in one transaction, so it
  runs exactly once (the transaction is retried when it loses a race).
- A scheduled action is claimed (``inProgress``) in one transaction and run
  outside it, so it runs at most once. The runner renews a lease on it while it
  runs; when its process dies, another runner marks it failed: at once when the
  process was on the same machine (its pid is gone), else when the lease expires.

Every serving process runs a ``JobRunner`` thread (started after the fork); it
wakes when a local transaction schedules something, when the database changes
(another process wrote), and at the next due time, and never polls faster than that.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from .crons import Crons, CronSchedule, IntervalSchedule
from .db import Document, Session, scanned_document
from .functions import RegisteredFunction
from .procs import is_dead, process_identity
from .sortkey import key_successor, sort_key
from .store.base import RetryableConflict
from .values import check_value, dumps_stored, loads_stored, type_name

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = [
    "ActionScheduler",
    "JobRunner",
    "MutationScheduler",
    "SchedulingBudget",
]

logger = logging.getLogger("convexhttp.scheduler")

JOBS: Final = "_scheduled_functions"
CRONS: Final = "_cron_jobs"
MAX_SCHEDULED: Final = 1000  # per function run, as Convex's limit per transaction
MAX_SCHEDULED_ARGS_BYTES: Final = 8 * 1024 * 1024
LEASE_MS: Final = 30_000.0
# A shorter lease finds the actions of a dead machine sooner, and renews more often.
LEASE_ENV: Final = "CONVEXHTTP_LEASE_MS"
DEAD_ACTION_ERROR: Final = "Transient error while executing action: the process running it died"


def now_ms() -> float:
    return time.time() * 1000.0


def lease_ms() -> float:
    """How long a running action stays claimed without a renewal: ``$CONVEXHTTP_LEASE_MS``,
    else 30 s. Past it, another machine's runner marks the action failed."""
    text = os.environ.get(LEASE_ENV, "").strip()
    if not text:
        return LEASE_MS
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 100 <= value < float("inf"):
        raise ValueError(f"${LEASE_ENV}={text!r}: give the lease in ms, at least 100")
    return value


# --- scheduling ------------------------------------------------------------------------


class SchedulingBudget:
    """What one function run may schedule: 1000 jobs, 8 MB of arguments (Convex's limits)."""

    __slots__ = ("bytes", "count")

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    def spend(self, args_text: str) -> None:
        if self.count >= MAX_SCHEDULED:
            raise ValueError(
                f"TooManyFunctionsScheduled: a function may schedule at most {MAX_SCHEDULED} "
                "functions"
            )
        size = len(args_text.encode())
        if self.bytes + size > MAX_SCHEDULED_ARGS_BYTES:
            raise ValueError(
                "ScheduledFunctionsArgumentsTooLarge: the arguments of the functions one "
                f"function schedules may total at most {MAX_SCHEDULED_ARGS_BYTES} bytes"
            )
        self.count += 1
        self.bytes += size


def _delay_ms(delay: object) -> float:
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"run_after: `delay_ms` must be a number, got {type_name(delay)}")
    if delay != delay or delay in (float("inf"), float("-inf")):
        raise ValueError("run_after: `delay_ms` must be a finite number")
    if delay < 0:
        raise ValueError("run_after: `delay_ms` must be non-negative")
    return float(delay)


def _timestamp_ms(when: object) -> float:
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise ValueError(
                "run_at: a naive datetime has no time zone; pass an aware one "
                "(datetime.now(timezone.utc)) or ms since the epoch"
            )
        return when.timestamp() * 1000.0
    if isinstance(when, bool) or not isinstance(when, (int, float)):
        raise TypeError(
            f"run_at: the time must be a datetime or ms since the epoch, got {type_name(when)}"
        )
    if when != when or when in (float("inf"), float("-inf")):
        raise ValueError("run_at: the time must be a finite number")
    if when < 0:
        raise ValueError("run_at: the time must not be before 1970")
    return float(when)


class _Scheduler:
    """What ``run_after``, ``run_at`` and ``cancel`` share across mutations and actions."""

    def __init__(self, runtime: Runtime, budget: SchedulingBudget) -> None:
        self._runtime = runtime
        self._budget = budget

    def _job(self, when: float, ref: Any, args: Any) -> tuple[dict[str, Any], float]:
        fn = self._runtime.functions.resolve(ref)
        if fn.kind == "query":
            raise TypeError(f"{fn.name} is a query: only mutations and actions can be scheduled")
        args = {} if args is None else args
        if not isinstance(args, dict):
            raise TypeError(f"scheduler: args must be a dict, got {type_name(args)}")
        try:
            check_value(args)
        except TypeError as exc:
            raise TypeError(f"scheduler: argument {exc}") from None
        self._budget.spend(dumps_stored(args))
        due = max(when, now_ms())
        fields = {
            "name": fn.name,
            "args": [args],
            "scheduledTime": when,
            "state": {"kind": "pending"},
            "_nextTs": due,
        }
        return fields, due

    def _schedule(self, when: float, ref: Any, args: Any) -> str:
        raise NotImplementedError

    def run_after(self, delay_ms: float, ref: Any, args: dict[str, Any] | None = None) -> str:
        """Run ``ref`` with ``args`` ``delay_ms`` from now; returns the job's id."""
        return self._schedule(now_ms() + _delay_ms(delay_ms), ref, args)

    def run_at(
        self, when: float | dt.datetime, ref: Any, args: dict[str, Any] | None = None
    ) -> str:
        """Run ``ref`` at ``when`` (ms since the epoch, or an aware datetime)."""
        return self._schedule(_timestamp_ms(when), ref, args)

    runAfter = run_after
    runAt = run_at


def cancel_job(session: Session, job_id: object) -> None:
    """Cancel a pending or running job; a finished one is left as it is."""
    resolved, _ = session.resolve_id(job_id, "scheduler.cancel", JOBS)
    job = session.get(resolved)
    if job is None or job["state"]["kind"] not in ("pending", "inProgress"):
        return
    _finish(session, job, {"kind": "canceled"})


def _finish(session: Session, job: Document, state: dict[str, Any]) -> None:
    fields = _fields(job)
    for hidden in ("_nextTs", "_leaseUntil", "_runner"):
        fields.pop(hidden, None)
    fields["state"] = state
    fields["completedTime"] = now_ms()
    session.replace(job["_id"], fields)


class MutationScheduler(_Scheduler):
    """``ctx.scheduler`` in a mutation: jobs commit (or vanish) with the mutation."""

    def __init__(self, runtime: Runtime, session: Session) -> None:
        if session.budget is None:  # one budget for the whole transaction
            session.budget = SchedulingBudget()
        super().__init__(runtime, session.budget)
        self._session = session

    def _system(self) -> Session:
        return self._session.derive(system=True)

    def _schedule(self, when: float, ref: Any, args: Any) -> str:
        fields, due = self._job(when, ref, args)
        job_id = self._system().insert(JOBS, fields)
        self._session.scheduled.append(due)
        self._session.txn.notify_jobs()
        return job_id

    def cancel(self, job_id: str) -> None:
        """Cancel a job: it will not run (or, if running, nothing it schedules will run)."""
        cancel_job(self._system(), job_id)


class ActionScheduler(_Scheduler):
    """``ctx.scheduler`` in an action: each call is its own transaction, kept whatever
    the action does next."""

    def __init__(self, runtime: Runtime, parent_job: str | None = None) -> None:
        super().__init__(runtime, SchedulingBudget())
        self._parent_job = parent_job

    def _schedule(self, when: float, ref: Any, args: Any) -> str:
        fields, due = self._job(when, ref, args)

        def write(session: Session) -> str:
            system = session.derive(system=True)
            if self._parent_job is not None:
                parent = system.get(self._parent_job)
                if parent is not None and parent["state"]["kind"] == "canceled":
                    # A canceled action runs on, but what it schedules never runs.
                    fields["state"] = {"kind": "canceled"}
                    fields["completedTime"] = now_ms()
                    del fields["_nextTs"]
            job_id = system.insert(JOBS, fields)
            if "_nextTs" in fields:
                session.scheduled.append(due)
                session.txn.notify_jobs()
            return job_id

        return self._runtime.transact(write, name="scheduler.run_after")  # type: ignore[no-any-return]

    def cancel(self, job_id: str) -> None:
        def write(session: Session) -> None:
            cancel_job(session.derive(system=True), job_id)

        self._runtime.transact(write, name="scheduler.cancel")


class AsyncScheduler:
    """``ctx.scheduler`` of an ``async def`` function: the same, awaitable."""

    __slots__ = ("_scheduler",)

    def __init__(self, scheduler: MutationScheduler | ActionScheduler) -> None:
        self._scheduler = scheduler

    async def run_after(self, delay_ms: float, ref: Any, args: dict[str, Any] | None = None) -> str:
        return self._scheduler.run_after(delay_ms, ref, args)

    async def run_at(
        self, when: float | dt.datetime, ref: Any, args: dict[str, Any] | None = None
    ) -> str:
        return self._scheduler.run_at(when, ref, args)

    async def cancel(self, job_id: str) -> None:
        self._scheduler.cancel(job_id)

    runAfter = run_after
    runAt = run_at


# --- running jobs ----------------------------------------------------------------------

_BATCH: Final = 64
_IDLE_CHECK_S: Final = 5.0
_MAINTENANCE_S: Final = 600.0  # how often a runner offers to collect unreferenced blobs  # the longest sleep: leases and other processes' jobs


def _before(ms: float) -> tuple[bytes, bytes | None]:
    """The index range of float values up to and including ``ms``."""
    return sort_key(float("-inf")), key_successor(sort_key(float(ms)))


def _fields(doc: Document, *dropping: str) -> dict[str, Any]:
    """A document's fields to write back with ``replace``: without its system fields
    and the hidden ones named in ``dropping``."""
    drop = ("_id", "_creationTime", *dropping)
    return {k: v for k, v in doc.items() if k not in drop}


def _call_in_savepoint(
    runtime: Runtime, session: Session, fn: RegisteredFunction, args: Any
) -> Exception | None:
    """Run the mutation ``fn`` in a savepoint of ``session``'s transaction (with a fresh
    scheduling budget): None, or the error it raised, its writes undone. A conflict or
    a transient store error goes up: the whole attempt runs again."""
    session.budget = SchedulingBudget()
    try:
        with session.savepoint():
            runtime.call(fn, runtime.ctx_for(fn, session, _no_auth()), args)
    except Exception as exc:
        if isinstance(exc, RetryableConflict) or runtime.database.store.is_transient(exc):
            raise
        return exc
    return None


class JobRunner:
    """Runs due scheduled functions and cron ticks for one app in this process."""

    def __init__(self, runtime: Runtime, crons: Crons | None = None, *, action_threads: int = 4):
        self.runtime = runtime
        self.crons = crons
        self.identity = process_identity()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = -1
        self._lock = threading.Lock()
        self._running: set[str] = set()  # ids of this process's actions in flight
        self._action_threads = action_threads
        self._pool: ThreadPoolExecutor | None = None
        self.lease_ms = lease_ms()
        self.error_backoff = 0.0
        self._next_maintenance = 0.0  # monotonic time of the next garbage collection

    # -- life cycle
    def start(self) -> None:
        """Start the runner thread in this process (again in a forked child)."""
        with self._lock:
            pid = os.getpid()
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            self._pid = pid
            self.identity = process_identity()
            self._stop.clear()
            self._running = set()
            self._pool = ThreadPoolExecutor(self._action_threads, "convexhttp-action")
            self._thread = threading.Thread(
                target=self._loop, name="convexhttp-scheduler", daemon=True
            )
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)

    def wake(self) -> None:
        """Something was scheduled (or changed): look again now."""
        self._wake.set()

    # -- the loop
    def _loop(self) -> None:
        store = self.runtime.database.store
        while not self._stop.is_set():
            try:
                next_due = self.run_due()
                self.error_backoff = 0.0
            except Exception:
                logger.exception("scheduler: error while running due jobs; trying again")
                self.error_backoff = min(max(self.error_backoff * 2, 0.1), 5.0)
                next_due = now_ms() + self.error_backoff * 1000
            timeout = min(
                max(0.0, (next_due - now_ms()) / 1000),
                _IDLE_CHECK_S,
                self.lease_ms / 3000,  # renew our leases well before they run out
            )
            if self._wake.is_set():
                self._wake.clear()
                continue
            store.wait_for_change(timeout, self._wake)
            self._wake.clear()

    def run_due(self, *, run_actions_inline: bool = False, until: float | None = None) -> float:
        """Run (or start) every job and cron tick due now (or, for tests, every job due
        by ``until``); returns when to look next."""
        now = now_ms()
        limit = now if until is None else until
        self._expire_leases(now)
        due = self._due(JOBS, limit)
        # Runners of other processes see the same batch: in another order, they take
        # different jobs instead of queueing behind each other for the same ones.
        random.shuffle(due)
        for job in due:
            self._run_job(job["_id"], job["name"], run_actions_inline, limit)
        if self.crons is not None and until is None:
            for cron in self._due(CRONS, now):
                self._run_cron(cron["_id"], run_actions_inline)
        self._renew_leases()
        if until is None and time.monotonic() >= self._next_maintenance:
            self._next_maintenance = time.monotonic() + _MAINTENANCE_S
            self.runtime.files.collect_garbage()
        return self._next_due()

    def _due(self, table: str, now: float) -> list[Document]:
        database = self.runtime.database
        with database.store.transaction(write=False) as txn:
            session = Session(database, txn, system=True)
            index = session.indexes(table).get("by_next_ts")
            if index is None:
                return []
            low, high = _before(now)
            return [
                {"_id": row.id, **_light(row.value)}
                for row in txn.scan(index.id, low, high, descending=False, limit=_BATCH)
            ]

    def _next_due(self) -> float:
        database = self.runtime.database
        soonest = now_ms() + _IDLE_CHECK_S * 1000
        with database.store.transaction(write=False) as txn:
            session = Session(database, txn, system=True)
            for table, index_name in (
                (JOBS, "by_next_ts"),
                (CRONS, "by_next_ts"),
                (JOBS, "by_lease"),
            ):
                index = session.indexes(table).get(index_name)
                if index is None:
                    continue
                rows = txn.scan(index.id, sort_key(float("-inf")), None, descending=False, limit=1)
                if rows:
                    field = "_leaseUntil" if index_name == "by_lease" else "_nextTs"
                    value = scanned_document(rows[0]).get(field)
                    if isinstance(value, float):
                        soonest = min(soonest, value)
        return soonest

    # -- scheduled functions
    def _resolve(self, name: str) -> RegisteredFunction | None:
        try:
            return self.runtime.functions.resolve(name)
        except LookupError:
            return None

    def _run_job(self, job_id: str, name: str, run_actions_inline: bool, limit: float) -> None:
        fn = self._resolve(name)
        if fn is not None and fn.kind == "action":
            if self._claim_action(job_id, limit):
                if run_actions_inline or self._pool is None:
                    self._run_action(job_id, fn)
                else:
                    self._pool.submit(self._run_action, job_id, fn)
            return
        self._run_mutation(job_id, fn, limit)

    def _run_mutation(self, job_id: str, fn: RegisteredFunction | None, limit: float) -> None:
        runtime = self.runtime

        def attempt(session: Session) -> None:
            system = session.derive(system=True)
            job = system.get(job_id)
            if job is None or job["state"]["kind"] != "pending" or job.get("_nextTs", 0) > limit:
                return  # another process ran it, or it was canceled
            if fn is None:
                _finish(system, job, {"kind": "failed", "error": _not_found(job["name"])})
                return
            error = _call_in_savepoint(runtime, session, fn, job["args"][0])
            if error is not None:
                logger.error("scheduled mutation %s (%s) failed", fn.name, job_id, exc_info=error)
                state = {"kind": "failed", "error": _error_text(error)}
            else:
                state = {"kind": "success"}
            _finish(system, system.get(job_id) or job, state)

        runtime.transact(attempt, name=f"scheduled {fn.name if fn else job_id}")

    def _claim_action(self, job_id: str, limit: float) -> bool:
        def attempt(session: Session) -> bool:
            system = session.derive(system=True)
            job = system.get(job_id)
            if job is None or job["state"]["kind"] != "pending" or job.get("_nextTs", 0) > limit:
                return False
            fields = _fields(job, "_nextTs")
            fields["state"] = {"kind": "inProgress"}
            fields["_runner"] = self.identity
            fields["_leaseUntil"] = now_ms() + self.lease_ms
            system.replace(job_id, fields)
            return True

        claimed = bool(self.runtime.transact(attempt, name="claim action"))
        if claimed:
            self._running.add(job_id)
        return claimed

    def _run_action(self, job_id: str, fn: RegisteredFunction) -> None:
        runtime = self.runtime
        try:
            with runtime.database.store.transaction(write=False) as txn:
                job = Session(runtime.database, txn, system=True).get(job_id)
            args = job["args"][0] if job is not None else {}
            try:
                ctx = runtime.action_ctx(parent_job=job_id, is_async=fn.is_async)
                runtime.call(fn, ctx, args)
            except Exception as exc:
                logger.exception("scheduled action %s (%s) failed", fn.name, job_id)
                state: dict[str, Any] = {"kind": "failed", "error": _error_text(exc)}
            else:
                state = {"kind": "success"}

            def finish(session: Session) -> None:
                system = session.derive(system=True)
                job = system.get(job_id)
                if (
                    job is not None
                    and job["state"]["kind"] == "inProgress"
                    and job.get("_runner") == self.identity
                ):
                    _finish(system, job, state)

            runtime.transact(finish, name="finish action")
        except Exception:
            logger.exception("scheduler: could not record the end of action job %s", job_id)
        finally:
            self._running.discard(job_id)

    def _renew_leases(self) -> None:
        if not self._running:
            return
        running = list(self._running)

        def renew(session: Session) -> None:
            system = session.derive(system=True)
            for job_id in running:
                job = system.get(job_id)
                if job is not None and job.get("_runner") == self.identity:
                    fields = _fields(job)
                    fields["_leaseUntil"] = now_ms() + self.lease_ms
                    system.replace(job_id, fields)

        self.runtime.transact(renew, name="renew leases")

    def _expire_leases(self, now: float) -> None:
        """Mark failed the actions whose process died (Convex: at most once)."""
        database = self.runtime.database
        with database.store.transaction(write=False) as txn:
            session = Session(database, txn, system=True)
            index = session.indexes(JOBS).get("by_lease")
            if index is None:
                return
            rows = txn.scan(index.id, sort_key(float("-inf")), None, descending=False, limit=_BATCH)
            candidates = [(row.id, _light(row.value)) for row in rows]
        for job_id, job in candidates:
            if job_id in self._running:
                continue
            runner = job.get("_runner", "")
            lease = job.get("_leaseUntil", 0.0)
            if lease < now or (isinstance(runner, str) and is_dead(runner)):
                self._fail_dead(job_id, runner)

    def _fail_dead(self, job_id: str, runner: object) -> None:
        def attempt(session: Session) -> None:
            system = session.derive(system=True)
            job = system.get(job_id)
            if job is None or job["state"]["kind"] != "inProgress" or job.get("_runner") != runner:
                return
            logger.error("scheduled action %s (%s): %s", job["name"], job_id, DEAD_ACTION_ERROR)
            _finish(system, job, {"kind": "failed", "error": DEAD_ACTION_ERROR})

        self.runtime.transact(attempt, name="fail dead action")

    # -- cron jobs
    def _run_cron(self, cron_id: str, run_actions_inline: bool) -> None:

        runtime = self.runtime
        crons = self.crons
        assert crons is not None
        start_action: list[tuple[RegisteredFunction, dict[str, Any], str]] = []

        def attempt(session: Session) -> None:
            start_action.clear()
            system = session.derive(system=True)
            cron = system.get(cron_id)
            now = now_ms()
            if cron is None or cron.get("_nextTs", now + 1) > now:
                return  # another process took this tick
            job = crons.jobs.get(cron["name"])
            fields = _fields(cron)
            schedule: CronSchedule | IntervalSchedule | None = job.schedule if job else None
            fields["_nextTs"] = schedule.next_after(now) if schedule else None
            if fields["_nextTs"] is None:
                del fields["_nextTs"]
            fn = self._resolve(cron["functionName"])
            if job is None or fn is None:
                system.replace(cron_id, fields)
                return
            if fn.kind == "action":
                runner = cron.get("_runner")
                if (
                    isinstance(runner, str)
                    and cron.get("_leaseUntil", 0) > now
                    and not is_dead(runner)
                ):
                    logger.warning(
                        "cron job %r skipped a run: the previous one is still running", cron["name"]
                    )
                else:
                    fields["_runner"] = self.identity
                    fields["_leaseUntil"] = now + self.lease_ms
                    start_action.append((fn, job.args, cron["name"]))
                system.replace(cron_id, fields)
                return
            error = _call_in_savepoint(runtime, session, fn, dict(job.args))
            if error is not None:
                logger.error("cron job %r (%s) failed", cron["name"], fn.name, exc_info=error)
            fields["lastRun"] = now
            system.replace(cron_id, fields)

        runtime.transact(attempt, name="cron tick")
        for fn, args, name in start_action:
            if run_actions_inline or self._pool is None:
                self._run_cron_action(cron_id, fn, args, name)
            else:
                self._pool.submit(self._run_cron_action, cron_id, fn, args, name)

    def _run_cron_action(
        self, cron_id: str, fn: RegisteredFunction, args: dict[str, Any], name: str
    ) -> None:
        runtime = self.runtime
        try:
            runtime.call(fn, runtime.action_ctx(is_async=fn.is_async), dict(args))
        except Exception:
            logger.exception("cron job %r (%s) failed", name, fn.name)

        def finish(session: Session) -> None:
            system = session.derive(system=True)
            cron = system.get(cron_id)
            if cron is not None and cron.get("_runner") == self.identity:
                fields = _fields(cron, "_runner", "_leaseUntil")
                fields["lastRun"] = now_ms()
                system.replace(cron_id, fields)

        try:
            runtime.transact(finish, name="finish cron action")
        except Exception:
            logger.exception("scheduler: could not record the end of cron job %r", name)


def sync_crons(runtime: Runtime, crons: Crons | None) -> None:
    """Bring ``_cron_jobs`` in line with ``crons.py``: add, update, remove (at start-up)."""
    jobs = crons.jobs if crons is not None else {}
    resolved: dict[str, tuple[str, str]] = {}
    for name, job in jobs.items():
        fn = runtime.functions.resolve(job.function)
        if fn.kind == "query":
            raise ValueError(
                f"cron job {name!r}: {fn.name} is a query; crons run mutations and actions"
            )
        assert fn.name is not None
        resolved[name] = (fn.name, job.fingerprint(fn.name))

    def stored(system: Session) -> dict[str, Document]:
        index = system.indexes(CRONS).get("by_name")
        existing: dict[str, Document] = {}
        if index is not None:
            for row in system.scan(index, None, None, False):
                doc = scanned_document(row)
                existing[doc["name"]] = doc
        return existing

    wanted = {name: fingerprint for name, (_, fingerprint) in resolved.items()}
    database = runtime.database
    with database.store.transaction(write=False) as txn:
        current = stored(Session(database, txn, system=True))
    if {name: doc.get("fingerprint") for name, doc in current.items()} == wanted:
        return  # as deployed: no write, so a worker's start never waits on the write lock

    def attempt(session: Session) -> None:
        system = session.derive(system=True)
        existing = stored(system)
        now = now_ms()
        for name, doc in existing.items():
            if name not in jobs:
                system.delete(doc["_id"])
        for name, job in jobs.items():
            function_name, fingerprint = resolved[name]
            found = existing.get(name)
            if found is not None and found.get("fingerprint") == fingerprint:
                continue

            first = (
                now if isinstance(job.schedule, IntervalSchedule) else job.schedule.next_after(now)
            )
            fields = {
                "name": name,
                "functionName": function_name,
                "args": job.args,
                "schedule": job.schedule.describe(),
                "fingerprint": fingerprint,
                "_nextTs": first,
            }
            if found is None:
                system.insert(CRONS, fields)
            else:
                system.replace(found["_id"], fields)

    runtime.transact(attempt, name="sync crons")


def _light(value: str) -> dict[str, Any]:
    loaded: dict[str, Any] = loads_stored(value)
    return loaded


def _not_found(name: str) -> str:
    return f"Could not find function for '{name}'."


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _no_auth() -> Any:
    from .runtime import Auth

    return Auth()
