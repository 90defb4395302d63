"""``Deployment``: one app as a host serves it: router, functions, schema, database.

Every entry point (``WSGIApp``, ``blueprint()``, ``urls()`` / ``view()``,
``convexhttp serve``) takes the same ``Options`` and builds one of these, so the
options live here once::

    WSGIApp(http, database="sqlite:///var/app.sqlite3", functions="convex", debug=False)

Building a deployment imports the functions package, checks the schema and
brings the database's indexes in line with it, so mistakes surface at
start-up, naming the culprit. It then closes its database connections: each
worker process (and thread) opens its own on first use.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Final, TypedDict, TypeVar, Unpack

from . import function_api, storage
from .auth import Authenticator
from .crons import Crons
from .db import Database
from .dispatch import DEFAULT_MAX_BODY_SIZE, SYSTEM_PREFIX, Dispatcher
from .fetch import Request
from .functions import Functions, defining_package
from .paths import normalize_path
from .router import HttpRouter
from .runtime import ActionCtx, Auth, Runtime
from .scheduler import JobRunner, sync_crons
from .schema import Schema
from .store.base import Store
from .store.sqlite import SQLiteStore

logger = logging.getLogger("convexhttp")

__all__ = ["DATABASE_ENV", "DEFAULT_DATABASE", "Deployment", "Options", "open_store"]

DATABASE_ENV: Final = "CONVEXHTTP_DATABASE"
DEFAULT_DATABASE: Final = "convexhttp.sqlite3"
SITE_URL_ENV: Final = "CONVEXHTTP_SITE_URL"
DEFAULT_MAX_UPLOAD_SIZE: Final = 1024**3

# Bumped in every forked child: "has this process forked since?" without a getpid()
# syscall per request (a syscall costs as much as a tenth of a tiny request here).
_forks = [0]
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


class Options(TypedDict, total=False):
    """What every entry point accepts (all optional)."""

    #: Send error messages and tracebacks to the client.
    debug: bool
    #: Bytes a request or response body may hold (default 20 MB, Convex's limit).
    max_request_body: int
    max_response_body: int
    #: The functions package (default: the package of the router's module).
    functions: str | ModuleType | None
    #: A SQLite path or ``sqlite:///path``, or ``postgresql://...`` (default:
    #: $CONVEXHTTP_DATABASE, else ./convexhttp.sqlite3), or a ``Store``.
    database: str | os.PathLike[str] | Store | None
    #: Serve Convex's /api/query, /api/mutation, /api/action, /api/run/ (default True).
    function_api: bool
    #: Run scheduled functions and crons in this app's processes (default True).
    scheduler: bool
    #: The base of file URLs (default: $CONVEXHTTP_SITE_URL, else the scheme, host and
    #: mount of the request being served).
    site_url: str | None
    #: Bytes a file upload may hold (default 1 GiB; streamed to disk).
    max_upload_size: int
    #: Auth providers, as ``providers`` in Convex's ``auth.config.ts`` (default: the
    #: ``providers`` of the functions package's ``auth_config.py``, else none).
    auth: Sequence[Mapping[str, Any]] | None
    #: One line per request on the ``convexhttp.access`` logger (default True).
    access_log: bool


def open_store(database: str | os.PathLike[str] | Store | None = None) -> Store:
    """The store a ``database=`` option names: a path or ``sqlite:///path`` (SQLite), or
    ``postgresql://...``; None reads ``$CONVEXHTTP_DATABASE``, then the default file."""
    if isinstance(database, Store):
        return database
    if database is None or database == "":
        database = os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    text = os.fspath(database)
    if text.startswith(("postgresql://", "postgres://")):
        from .store.postgres import PostgresStore  # psycopg only when it is asked for

        return PostgresStore(text)
    if text.startswith("sqlite:"):
        path = text[len("sqlite:") :]
        if path.startswith("///"):
            path = path[3:]  # as SQLAlchemy: sqlite:///rel/file, sqlite:////abs/file
        elif path.startswith("//"):
            raise ValueError(f"database={text!r}: write sqlite:///path/to/file.sqlite3")
        text = path
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(
            f"database: unknown scheme {scheme!r}; use a file path, sqlite:///path or "
            "postgresql://..."
        )
    if not text:
        raise ValueError("database: empty path")
    return SQLiteStore(Path(text))


def _load_auth(
    functions: Functions, providers: Sequence[Mapping[str, Any]] | None
) -> Authenticator | None:
    if providers is not None:
        return Authenticator(providers)
    module = functions.module("auth_config")
    return None if module is None else Authenticator.from_module(module)


_T = TypeVar("_T")


def _module_object(functions: Functions, path: str, kind: type[_T], hint: str) -> _T | None:
    """``<package>.<path>``'s ``<path>`` (or ``default``) object, when it has the module:
    ``crons`` of crons.py, ``schema`` of schema.py. ``hint``: how to define it."""
    module = functions.module(path)
    if module is None:
        return None
    found = getattr(module, path, None)
    if found is None:
        found = getattr(module, "default", None)
    if not isinstance(found, kind):
        raise ValueError(f"{module.__name__} must define {hint}, found {type(found).__name__}")
    return found


def refuse_overlaps(http: HttpRouter, system: HttpRouter) -> None:
    """A ``ValueError`` naming both routes when one of the app's routes would answer a
    path that the app's own endpoints (the function API, file URLs) serve."""
    for path, _method, _handler in system.routes():
        probe = path[:-1] + "probe/x" if path.endswith("*") else path
        if not probe.startswith(SYSTEM_PREFIX):
            raise AssertionError(f"system route {path} outside {SYSTEM_PREFIX}")
        route, _params, allowed = http.match(normalize_path(probe), "GET")
        if route is None:
            for method in sorted(allowed):
                route = http.match(normalize_path(probe), method)[0]
                if route is not None:
                    break
        if route is not None:
            raise ValueError(
                f"route {route.method} {route.path} overlaps {path}, which convexhttp serves "
                "(Convex's function API and file URLs live below /api/): move the route "
                "(function_api=False frees /api/query, /api/mutation, /api/action, /api/function, "
                "/api/run/)"
            )


_NO_OVERRIDE: Final = object()
_identity_override: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "convexhttp_identity_override", default=_NO_OVERRIDE
)


class _HttpActionCtx(ActionCtx):
    """The ``ctx`` of an HTTP action (built once per request, so kept to the least):
    its ``auth`` is the request's ``Authorization`` header, verified when first asked."""

    def __init__(self, deployment: Deployment, request_id: str, request: Request) -> None:
        if deployment._runner_fork != _forks[0]:
            deployment.start_scheduler()
        self._runtime = deployment.runtime
        self.request_id = request_id
        self._deployment = deployment
        self._request = request
        self._override = _identity_override.get()

    def __getattr__(self, name: str) -> Any:
        if name != "auth":
            raise AttributeError(f"'ActionCtx' object has no attribute {name!r}")
        override = self._override
        if override is _NO_OVERRIDE:  # the header's, verified when first asked
            auth = Auth(
                functools.partial(self._deployment._identity, self._request, self.request_id)
            )
        else:
            auth = Auth(lambda: override)
        self.auth = auth
        return auth


class Deployment:
    """An app ready to serve: its router's dispatcher and its functions' runtime."""

    _all: ClassVar[weakref.WeakSet[Deployment]] = weakref.WeakSet()

    def __init__(self, http: HttpRouter | None = None, **options: Unpack[Options]) -> None:
        unknown = set(options) - set(Options.__annotations__)
        if unknown:
            raise TypeError(
                f"unknown option(s) {', '.join(sorted(unknown))}; the options are "
                f"{', '.join(Options.__annotations__)}"
            )
        opts = options
        package = opts.get("functions")
        if package is None and http is not None:
            package = defining_package(getattr(http, "defined_in", None))
        self.functions = Functions.load(package) if package else Functions()
        if http is None:
            # The package's http.py router, as Convex's convex/http.ts; none: no HTTP actions.
            found = getattr(self.functions.module("http"), "http", None)
            http = found if isinstance(found, HttpRouter) else HttpRouter()
        self.http = http
        self.schema = _module_object(
            self.functions, "schema", Schema, "schema = define_schema({...})"
        )
        self.store = open_store(opts.get("database"))
        self.database = Database(self.store, self.schema)
        self.runtime = Runtime(self.functions, self.database)
        self.files = self.runtime.files
        self.files.site_url = (opts.get("site_url") or os.environ.get(SITE_URL_ENV) or "").rstrip(
            "/"
        ) or None
        self.crons = _module_object(self.functions, "crons", Crons, "crons = cron_jobs()")
        self.authenticator = _load_auth(self.functions, opts.get("auth"))
        # An app with no functions (only HTTP actions) opens its database on first use.
        self.uses_data = bool(len(self.functions) or self.schema or self.crons)
        if self.uses_data:
            try:
                self.database.apply_schema()
                sync_crons(self.runtime, self.crons)
                self.files.collect_partial()
            finally:
                self.store.close()  # no connection crosses into a forked worker
        self.runner = JobRunner(self.runtime, self.crons)
        self.run_scheduler = opts.get("scheduler", True)
        self._runner_fork = -1  # _forks[0] when this process started the runner
        self.runtime.on_scheduled = self._scheduled
        Deployment._all.add(self)
        self.system = HttpRouter()
        storage.register(self.system, self.files)
        if opts.get("function_api", True):
            function_api.register(self.system, self)
        refuse_overlaps(http, self.system)
        self.dispatcher = Dispatcher(
            http,
            debug=opts.get("debug", False),
            max_request_body=opts.get("max_request_body", DEFAULT_MAX_BODY_SIZE),
            max_response_body=opts.get("max_response_body", DEFAULT_MAX_BODY_SIZE),
            ctx_factory=functools.partial(_HttpActionCtx, self),
            system=self.system,
            max_system_body=opts.get("max_upload_size", DEFAULT_MAX_UPLOAD_SIZE),
            upload_paths=(storage.UPLOAD_PATH,),
            access_log=opts.get("access_log", True),
        )

    def _identity(self, request: Request, request_id: str | None) -> Any:
        header = request.headers.get("authorization")
        if header is None:
            return None
        if self.authenticator is None:
            logger.info(
                "[%s] an Authorization header, but the app has no auth providers "
                "(auth_config.py or auth=): no identity",
                request_id or "-",
            )
            return None
        return self.authenticator.identity_for(header, request_id=request_id)

    @contextlib.contextmanager
    def identity_override(self, identity: Any) -> Iterator[None]:
        """Requests served inside the block carry ``identity`` (None: none), whatever
        their headers say: for tests (``convexhttp.testing``)."""
        token = _identity_override.set(identity)
        try:
            yield
        finally:
            _identity_override.reset(token)

    # -- the job runner
    def start_scheduler(self) -> None:
        """Start running scheduled functions and crons in this process (after a fork, in
        the child). Serving a request starts it too; ``scheduler=False`` turns it off."""
        self._runner_fork = _forks[0]
        if self.run_scheduler and self.uses_data:
            self.runner.start()

    @classmethod
    def start_schedulers(cls) -> None:
        """Start the job runner of every app of this process (see ``start_scheduler``)."""
        for deployment in list(cls._all):
            deployment.start_scheduler()

    def _scheduled(self) -> None:
        if self.run_scheduler:
            if not self.runner.started:
                self._runner_fork = _forks[0]
                self.runner.start()
            self.runner.wake()

    @classmethod
    def of(cls, target: HttpRouter | Deployment, options: Options) -> Deployment:
        """``target`` when it is a deployment already (no options allowed), else a new one."""
        if isinstance(target, Deployment):
            if options:
                raise TypeError(
                    f"options ({', '.join(sorted(options))}) belong to the Deployment, "
                    "not to the adapter it is passed to"
                )
            return target
        if not isinstance(target, HttpRouter):
            raise TypeError(f"expected an HttpRouter (from http_router()), got {target!r}")
        return cls(target, **options)

    # -- running functions from outside a request (tests, scripts, the CLI)
    def run_query(self, ref: Any, args: Any = None) -> Any:
        return self.runtime.run_query(ref, args)

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        return self.runtime.run_mutation(ref, args)

    def run_action(self, ref: Any, args: Any = None) -> Any:
        return self.runtime.run_action(ref, args)

    def close(self) -> None:
        """Stop this process's job runner and close its database connections."""
        self.runner.stop()
        self.store.close()
