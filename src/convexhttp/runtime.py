"""Running functions: the ctx each kind gets, and the transaction each call runs in.

- a query reads one snapshot (a read transaction) and cannot write;
- a mutation is one serializable write transaction, run again from the start
  when it loses a race (``RetryableConflict``), so every update lands exactly once;
  the mutations it runs are savepoints inside it, the queries it runs see its writes;
- an action is not a transaction: each ``run_query`` / ``run_mutation`` it makes
  is its own.

``def`` functions get ``QueryCtx`` / ``MutationCtx`` / ``ActionCtx``, whose methods
return values; ``async def`` functions get the ``Async*`` flavours, whose
methods are awaitable.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, NoReturn

from .aio import run_sync
from .db import Database, DatabaseReader, DatabaseWriter, Document, Query, Session
from .functions import Functions, Kind, RegisteredFunction
from .scheduler import ActionScheduler, AsyncScheduler, MutationScheduler
from .storage import ActionStorage, AsyncStorage, Files, MutationStorage, QueryStorage
from .store.base import RetryableConflict
from .validators import ArgumentValidationError, ReturnsValidationError, _Mismatch
from .values import Value, check_value, type_name

__all__ = [
    "ActionCtx",
    "AsyncActionCtx",
    "AsyncMutationCtx",
    "AsyncQueryCtx",
    "Auth",
    "MutationCtx",
    "QueryCtx",
    "Runtime",
]

logger = logging.getLogger("convexhttp")

MAX_ATTEMPTS: Final = 20

IdentityGetter = Callable[[], Any]


def _no_identity() -> None:
    return None


class Auth:
    """``ctx.auth``: the verified identity of whoever called, or None."""

    __slots__ = ("_cached", "_done", "_get")

    def __init__(self, get: IdentityGetter = _no_identity) -> None:
        self._get = get
        self._cached: Any = None
        self._done = False

    def get_user_identity(self) -> Any:
        """The caller's ``UserIdentity`` (verified once, then remembered), or None."""
        if not self._done:
            self._cached = self._get()
            self._done = True
        return self._cached

    getUserIdentity = get_user_identity


class _AsyncAuth:
    __slots__ = ("_auth",)

    def __init__(self, auth: Auth) -> None:
        self._auth = auth

    async def get_user_identity(self) -> Any:
        return self._auth.get_user_identity()

    getUserIdentity = get_user_identity


def _absent(kind: str, member: str, instead: str) -> AttributeError:
    return AttributeError(f"ctx.{member} is not available in {kind}: {instead}")


# --- the contexts ----------------------------------------------------------------------


class QueryCtx:
    """What a ``def`` query gets: ``db`` (read-only), ``auth``, ``storage``, ``run_query``."""

    kind: Kind = "query"

    def __init__(self, runtime: Runtime, session: Session, auth: Auth) -> None:
        self._runtime = runtime
        self._session = session
        self.auth = auth
        self.db: DatabaseReader = DatabaseReader(session)
        self.storage = QueryStorage(runtime.files, session)

    def _query(self, ref: Any) -> tuple[RegisteredFunction, AnyCtx]:
        fn = self._runtime.resolve(ref, "query")
        return fn, self._runtime.ctx_for(fn, self._session, self.auth)

    def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run a query in this query's snapshot."""
        fn, ctx = self._query(ref)
        return self._runtime.call(fn, ctx, args)

    runQuery = run_query

    def __getattr__(self, name: str) -> Any:
        if name in ("scheduler", "run_mutation", "runMutation", "run_action", "runAction"):
            raise _absent("a query", name, "queries only read; use a mutation or an action")
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class MutationCtx:
    """What a ``def`` mutation gets: ``db`` (read and write), ``auth``, ``storage``,
    ``scheduler``, ``run_query``, ``run_mutation`` (all in this one transaction)."""

    kind: Kind = "mutation"

    def __init__(self, runtime: Runtime, session: Session, auth: Auth) -> None:
        self._runtime = runtime
        self._session = session
        self.auth = auth
        self.db: DatabaseWriter = DatabaseWriter(session)
        self.storage = MutationStorage(runtime.files, session)
        self.scheduler = MutationScheduler(runtime, session)

    def _query(self, ref: Any) -> tuple[RegisteredFunction, AnyCtx]:
        """A query and its ctx inside this transaction (it sees this mutation's writes)."""
        runtime = self._runtime
        fn = runtime.resolve(ref, "query")
        reader = self._session.derive()
        return fn, runtime.ctx_for(fn, reader, self.auth, read_only=True)

    def _mutation(self, ref: Any) -> tuple[RegisteredFunction, AnyCtx]:
        runtime = self._runtime
        fn = runtime.resolve(ref, "mutation")
        return fn, runtime.ctx_for(fn, self._session, self.auth)

    def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run a query inside this transaction (it sees this mutation's writes)."""
        fn, ctx = self._query(ref)
        return self._runtime.call(fn, ctx, args)

    def run_mutation(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run a mutation as part of this transaction: if it raises, only its own writes
        are rolled back, and the error reaches the caller."""
        fn, ctx = self._mutation(ref)
        with self._session.savepoint():
            return self._runtime.call(fn, ctx, args)

    runQuery = run_query
    runMutation = run_mutation

    def __getattr__(self, name: str) -> Any:
        if name in ("run_action", "runAction"):
            raise _absent(
                "a mutation",
                name,
                "a mutation is one transaction and cannot run an action; schedule it with "
                "ctx.scheduler.run_after(0, ...)",
            )
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class ActionCtx:
    """What a ``def`` action or HTTP action gets: ``auth``, ``storage``, ``scheduler``,
    ``run_query``, ``run_mutation``, ``run_action`` (each call its own transaction)."""

    kind: Kind = "action"
    # Class defaults, for the HTTP action's ctx (which sets neither): the scheduled job
    # running this action (None: none), and its scheduler once asked for.
    _parent_job: str | None = None
    _scheduler: ActionScheduler | None = None

    def __init__(
        self,
        runtime: Runtime | None,
        auth: Auth | None = None,
        request_id: str | None = None,
        *,
        parent_job: str | None = None,
    ) -> None:
        self._runtime = runtime
        self.auth = auth or Auth()
        self.request_id = request_id
        self._parent_job = parent_job

    @property
    def storage(self) -> ActionStorage:
        """Files: each call its own transaction."""
        return ActionStorage(self._rt().files)

    @property
    def scheduler(self) -> ActionScheduler:
        """Schedule functions: each call commits at once, whatever this action does next."""
        if self._scheduler is None:
            self._scheduler = ActionScheduler(self._rt(), self._parent_job)
        return self._scheduler

    def _rt(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError(
                "this router is served without functions or a database: serve it through "
                "convexhttp serve, WSGIApp, blueprint() or urls(), which set them up"
            )
        return self._runtime

    def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run a query in a snapshot of its own."""
        return self._rt().run_query(ref, args, auth=self.auth)

    def run_mutation(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run a mutation in a transaction of its own (committed when this returns)."""
        return self._rt().run_mutation(ref, args, auth=self.auth)

    def run_action(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        """Run an action."""
        return self._rt().run_action(ref, args, auth=self.auth)

    runQuery = run_query
    runMutation = run_mutation
    runAction = run_action

    @property
    def db(self) -> NoReturn:
        raise _absent(
            "an action",
            "db",
            "actions are not transactions; read with ctx.run_query and write with ctx.run_mutation",
        )

    def __repr__(self) -> str:
        return f"ActionCtx(request_id={self.request_id!r})"


# --- async flavours --------------------------------------------------------------------


class AsyncQuery:
    """``await ctx.db.query(t).collect()``: the builder of ``Query`` with awaitable reads."""

    __slots__ = ("_query",)

    def __init__(self, query: Query) -> None:
        self._query = query

    def with_index(self, name: str, range: Any = None) -> AsyncQuery:
        self._query.with_index(name, range)
        return self

    def full_table_scan(self) -> AsyncQuery:
        self._query.full_table_scan()
        return self

    def order(self, order: Any) -> AsyncQuery:
        self._query.order(order)
        return self

    def filter(self, predicate: Any) -> AsyncQuery:
        self._query.filter(predicate)
        return self

    async def collect(self) -> list[Document]:
        return self._query.collect()

    async def take(self, n: int) -> list[Document]:
        return self._query.take(n)

    async def first(self) -> Document | None:
        return self._query.first()

    async def unique(self) -> Document | None:
        return self._query.unique()

    async def paginate(self, options: Any) -> dict[str, Any]:
        return self._query.paginate(options)

    async def __aiter__(self) -> Any:
        for doc in self._query:
            yield doc

    withIndex = with_index
    fullTableScan = full_table_scan


class _AsyncReads:
    """Awaitable reads over a ``DatabaseReader`` (or its ``system``): ``get``, ``query``,
    ``normalize_id``."""

    __slots__ = ("_db",)

    def __init__(self, db: Any) -> None:
        self._db = db

    async def get(self, *args: Any) -> Document | None:
        return self._db.get(*args)  # type: ignore[no-any-return]

    def query(self, table: str) -> AsyncQuery:
        return AsyncQuery(self._db.query(table))

    def normalize_id(self, table: str, doc_id: Any) -> str | None:
        return self._db.normalize_id(table, doc_id)  # type: ignore[no-any-return]

    normalizeId = normalize_id


class AsyncDatabaseReader(_AsyncReads):
    """``ctx.db`` of an ``async def`` query: awaitable ``get`` and query reads."""

    __slots__ = ()
    _db: DatabaseReader

    def __init__(self, db: DatabaseReader) -> None:
        self._db = db

    @property
    def system(self) -> _AsyncReads:
        return _AsyncReads(self._db.system)

    async def insert(self, table: str, document: Any) -> str:
        return self._db.insert(table, document)

    async def patch(self, *args: Any) -> None:
        self._db.patch(*args)

    async def replace(self, *args: Any) -> None:
        self._db.replace(*args)

    async def delete(self, *args: Any) -> None:
        self._db.delete(*args)


class AsyncQueryCtx:
    """What an ``async def`` query gets: as ``QueryCtx``, with awaitable methods."""

    kind: Kind = "query"

    def __init__(self, sync: QueryCtx) -> None:
        self._sync = sync
        self.db = AsyncDatabaseReader(sync.db)
        self.auth = _AsyncAuth(sync.auth)
        self.storage = AsyncStorage(sync.storage)

    async def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        fn, ctx = self._sync._query(ref)
        return await self._sync._runtime.call_async(fn, ctx, args)

    runQuery = run_query

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sync, name)


class AsyncMutationCtx:
    """What an ``async def`` mutation gets: as ``MutationCtx``, with awaitable methods."""

    kind: Kind = "mutation"

    def __init__(self, sync: MutationCtx) -> None:
        self._sync = sync
        self.db = AsyncDatabaseReader(sync.db)
        self.auth = _AsyncAuth(sync.auth)
        self.storage = AsyncStorage(sync.storage)
        self.scheduler = AsyncScheduler(sync.scheduler)

    async def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        fn, ctx = self._sync._query(ref)
        return await self._sync._runtime.call_async(fn, ctx, args)

    async def run_mutation(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        fn, ctx = self._sync._mutation(ref)
        with self._sync._session.savepoint():
            return await self._sync._runtime.call_async(fn, ctx, args)

    runQuery = run_query
    runMutation = run_mutation

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sync, name)


class AsyncActionCtx:
    """What an ``async def`` action or HTTP action gets: as ``ActionCtx``, awaitable."""

    kind: Kind = "action"

    def __init__(self, sync: ActionCtx) -> None:
        self._sync = sync
        self.auth = _AsyncAuth(sync.auth)
        self.request_id = sync.request_id

    @property
    def storage(self) -> AsyncStorage:
        return AsyncStorage(self._sync.storage)

    @property
    def scheduler(self) -> AsyncScheduler:
        return AsyncScheduler(self._sync.scheduler)

    async def run_query(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        return await self._sync._rt().run_query_async(ref, args, auth=self._sync.auth)

    async def run_mutation(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        return await self._sync._rt().run_mutation_async(ref, args, auth=self._sync.auth)

    async def run_action(self, ref: Any, args: dict[str, Value] | None = None) -> Value:
        return await self._sync._rt().run_action_async(ref, args, auth=self._sync.auth)

    runQuery = run_query
    runMutation = run_mutation
    runAction = run_action

    @property
    def db(self) -> NoReturn:
        self._sync.db  # raises, naming run_query and run_mutation  # noqa: B018
        raise AssertionError("unreachable")

    def __repr__(self) -> str:
        return f"AsyncActionCtx(request_id={self.request_id!r})"


AnyCtx = QueryCtx | MutationCtx | ActionCtx | AsyncQueryCtx | AsyncMutationCtx | AsyncActionCtx


# --- the runtime -----------------------------------------------------------------------


def _fresh_args(fn: RegisteredFunction, args: Any) -> Any:
    """``args`` for one attempt of a mutation that may run again: a copy unless its
    validator already returns fresh containers."""
    return copy.deepcopy(args) if fn.args_need_copy else args


class Runtime:
    """Runs an app's functions against its database."""

    def __init__(self, functions: Functions, database: Database) -> None:
        self.functions = functions
        self.database = database
        # Called after a transaction that scheduled jobs commits (wakes the job runner).
        self.on_scheduled: Callable[[], None] | None = None
        self.files = Files(self)

    # -- finding functions
    def resolve(self, ref: Any, kind: Kind, *, public_only: bool = False) -> RegisteredFunction:
        fn = self.functions.resolve(ref, public_only=public_only)
        if fn.kind != kind:
            raise TypeError(
                f"{fn.name} is a {fn.kind}, not a {kind}: run it with ctx.run_{fn.kind}(...)"
            )
        return fn

    def ctx_for(
        self, fn: RegisteredFunction, session: Session, auth: Auth, *, read_only: bool = False
    ) -> AnyCtx:
        """The ctx ``fn`` gets inside ``session``'s transaction."""
        if fn.kind == "query" or read_only:
            qctx = QueryCtx(self, session, auth)
            return AsyncQueryCtx(qctx) if fn.is_async else qctx
        mctx = MutationCtx(self, session, auth)
        return AsyncMutationCtx(mctx) if fn.is_async else mctx

    def action_ctx(
        self, auth: Auth | None = None, *, is_async: bool = False, parent_job: str | None = None
    ) -> ActionCtx | AsyncActionCtx:
        ctx = ActionCtx(self, auth, parent_job=parent_job)
        return AsyncActionCtx(ctx) if is_async else ctx

    # -- one call: validation around the handler
    def _args(self, fn: RegisteredFunction, args: Any, ids: Callable[[str], str | None]) -> Any:
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise TypeError(f"{fn.name}: args must be a dict, got {type_name(args)}")
        if fn.args is None:
            try:
                check_value(args)
            except TypeError as exc:
                raise TypeError(f"{fn.name}: argument {exc}") from None
        else:  # the validator checks every value it accepts (v.any() with check_value)
            try:
                args = fn.args.check(args, (), ids)
            except _Mismatch as exc:
                raise exc.as_error(
                    ArgumentValidationError, f"ArgumentValidationError for {fn.name}: "
                ) from None
        return args

    def _result(
        self, fn: RegisteredFunction, result: Any, ids: Callable[[str], str | None]
    ) -> Value:
        try:
            check_value(result)
        except TypeError as exc:
            raise TypeError(
                f"{fn.name} returned a value that is not a Convex value: {exc}"
            ) from None
        if fn.returns is not None:
            try:
                result = fn.returns.check(result, (), ids)
            except _Mismatch as exc:
                raise exc.as_error(
                    ReturnsValidationError, f"ReturnsValidationError for {fn.name}: "
                ) from None
        return result

    def _ids(self, ctx: Any) -> Callable[[str], str | None]:
        session = getattr(getattr(ctx, "_sync", ctx), "_session", None)
        return session.table_of_id if session is not None else self.database.table_of_id

    def call(self, fn: RegisteredFunction, ctx: Any, args: Any) -> Value:
        """Run ``fn`` with ``ctx`` from synchronous code."""
        ids = self._ids(ctx)
        args = self._args(fn, args, ids)
        start = time.perf_counter()
        result = run_sync(fn.handler(ctx, args)) if fn.is_async else fn.handler(ctx, args)
        self._log(fn, start)
        return self._result(fn, result, ids)

    async def call_async(self, fn: RegisteredFunction, ctx: Any, args: Any) -> Value:
        """Run ``fn`` with ``ctx`` from ``async def`` code."""
        ids = self._ids(ctx)
        args = self._args(fn, args, ids)
        start = time.perf_counter()
        result = await fn.handler(ctx, args) if fn.is_async else fn.handler(ctx, args)
        self._log(fn, start)
        return self._result(fn, result, ids)

    @staticmethod
    def _log(fn: RegisteredFunction, start: float) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s %.2fms", fn.kind, fn.name, (time.perf_counter() - start) * 1000)

    # -- entry points: each call its own transaction
    def run_query(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None, public_only: bool = False
    ) -> Value:
        fn = self.resolve(ref, "query", public_only=public_only)
        with self.database.store.transaction(write=False) as txn:
            ctx = self.ctx_for(fn, Session(self.database, txn), auth or Auth())
            return self.call(fn, ctx, args)

    def run_mutation(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None, public_only: bool = False
    ) -> Value:
        fn = self.resolve(ref, "mutation", public_only=public_only)
        auth = auth or Auth()

        def attempt(session: Session) -> Value:
            # A fresh copy each attempt: a run that lost a race may have changed its args.
            given = _fresh_args(fn, args)
            return self.call(fn, self.ctx_for(fn, session, auth), given)

        return self.transact(attempt, name=fn.name)

    def transact(self, body: Callable[[Session], Any], *, name: str | None = None) -> Any:
        """Run ``body`` in a write transaction, again from the start while it loses races."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.database.store.transaction(write=True) as txn:
                    session = Session(self.database, txn)
                    result = body(session)
            except RetryableConflict as exc:
                self._backoff(attempt, name, exc)
            else:
                self._committed(session)
                return result
        raise AssertionError("unreachable")

    def _committed(self, session: Session) -> None:
        if session.scheduled and self.on_scheduled is not None:
            self.on_scheduled()
        for step in session.after_commit:
            try:
                step()
            except Exception:
                logger.exception("after a commit: %r failed", step)

    async def transact_async(
        self, body: Callable[[Session], Awaitable[Any]], *, name: str | None = None
    ) -> Any:
        """``transact`` for ``async def`` bodies."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.database.store.transaction(write=True) as txn:
                    session = Session(self.database, txn)
                    result = await body(session)
            except RetryableConflict as exc:
                self._backoff(attempt, name, exc)
            else:
                self._committed(session)
                return result
        raise AssertionError("unreachable")

    @staticmethod
    def _backoff(attempt: int, name: str | None, exc: RetryableConflict) -> None:
        if attempt >= MAX_ATTEMPTS:
            raise RetryableConflict(
                f"{name or 'transaction'} could not commit after {attempt} attempts: {exc}"
            ) from exc
        logger.debug("%s lost a race (attempt %d): %s", name, attempt, exc)
        time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))

    def run_action(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None, public_only: bool = False
    ) -> Value:
        fn = self.resolve(ref, "action", public_only=public_only)
        ctx = self.action_ctx(auth, is_async=fn.is_async)
        return self.call(fn, ctx, args)

    async def run_query_async(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None
    ) -> Value:
        fn = self.resolve(ref, "query")
        with self.database.store.transaction(write=False) as txn:
            ctx = self.ctx_for(fn, Session(self.database, txn), auth or Auth())
            return await self.call_async(fn, ctx, args)

    async def run_mutation_async(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None
    ) -> Value:
        fn = self.resolve(ref, "mutation")
        if not fn.is_async:
            return self.run_mutation(fn, args, auth=auth)
        auth = auth or Auth()

        async def attempt(session: Session) -> Value:
            given = _fresh_args(fn, args)
            return await self.call_async(fn, self.ctx_for(fn, session, auth), given)

        return await self.transact_async(attempt, name=fn.name)

    async def run_action_async(
        self, ref: Any, args: Any = None, *, auth: Auth | None = None
    ) -> Value:
        fn = self.resolve(ref, "action")
        ctx = self.action_ctx(auth, is_async=fn.is_async)
        return await self.call_async(fn, ctx, args)
