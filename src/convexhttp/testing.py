"""Test an app without a server, as Convex's ``convex-test`` and Flask's ``test_client()``.

::

    from convexhttp.testing import TestClient

    def test_post_message():
        with TestClient(functions="convex") as client:   # a temporary database
            r = client.fetch("/postMessage", method="POST", json={"author": "ada", "body": "hi"})
            assert r.status == 200
            assert client.query(api.messages.list)[0]["author"] == "ada"

``fetch`` goes through the app's real dispatch (routing, limits, errors, the
function API and file URLs below ``/api/``); ``query``, ``mutation`` and
``action`` run any function (internal ones too) in its own transaction;
``run(fn)`` runs ``fn(ctx)`` with a mutation's ctx; ``with_identity({...})``
gives a client whose calls carry that identity; scheduled functions run only
when ``finish_scheduled_functions()`` says so (no background runner).

For pytest, ``client = convexhttp.testing.fixture(functions="convex")`` in a
``conftest.py`` gives every test a fresh client named ``client``.
"""

from __future__ import annotations

import contextlib
import io
import json as jsonlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar, Unpack
from urllib.parse import urlencode, urlsplit

from .auth import UserIdentity
from .db import Session, scanned_document
from .deployment import Deployment, Options
from .fetch import Headers, Response
from .head import RequestHead
from .router import HttpRouter
from .runtime import Auth, MutationCtx
from .scheduler import JOBS

__all__ = ["TestClient", "fixture"]

T = TypeVar("T")
_FOREVER = float("inf")


class TestClient:
    """An app and a database of its own, driven in-process."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        http: HttpRouter | Deployment | None = None,
        *,
        base_url: str = "http://testserver",
        identity: Any = None,
        **options: Unpack[Options],
    ) -> None:
        self._tmp: str | None = None
        if isinstance(http, Deployment):
            if options:
                raise TypeError("options belong to the Deployment when you pass one")
            self.deployment = http
        else:
            if options.get("database") is None:
                self._tmp = tempfile.mkdtemp(prefix="convexhttp-test-")
                options["database"] = Path(self._tmp) / "test.sqlite3"
            options.setdefault("scheduler", False)  # jobs run when the test says so
            self.deployment = Deployment(http, **options)
        self.base_url = base_url.rstrip("/")
        self.identity = identity
        self._owner = True

    # -- life cycle
    def close(self) -> None:
        if self._owner:
            self.deployment.close()
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> TestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_identity(self, claims: Mapping[str, Any] | UserIdentity) -> TestClient:
        """A client over the same app and database whose calls carry this identity (a
        ``UserIdentity``, or its fields in Convex's JSON form: ``{"subject": ...,
        "issuer": ..., "name": ...}``; ``tokenIdentifier`` defaults to ``issuer|subject``)."""
        other = object.__new__(TestClient)
        other.__dict__.update(self.__dict__)
        other.identity = _identity(claims)
        other._owner = False
        return other

    def _auth(self) -> Auth:
        identity = self.identity
        return Auth(lambda: identity)

    # -- functions
    def query(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        return self.deployment.runtime.run_query(ref, args, auth=self._auth())

    def mutation(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        return self.deployment.runtime.run_mutation(ref, args, auth=self._auth())

    def action(self, ref: Any, args: dict[str, Any] | None = None) -> Any:
        return self.deployment.runtime.run_action(ref, args, auth=self._auth())

    def run(self, fn: Callable[[MutationCtx], T]) -> T:
        """``fn(ctx)`` in one transaction, with a mutation's ctx (read and write anything,
        ``ctx.db.system`` included): to set up or inspect data."""
        runtime = self.deployment.runtime
        auth = self._auth()
        result: T = runtime.transact(lambda session: fn(MutationCtx(runtime, session, auth)))
        return result

    # -- scheduled functions
    def pending_scheduled_functions(self) -> list[dict[str, Any]]:
        """The jobs that have not run yet (pending, or actions in progress)."""

        database = self.deployment.runtime.database
        with database.store.transaction(write=False) as txn:  # a snapshot: no write lock
            system = Session(database, txn, system=True)
            rows = system.scan(system.indexes(JOBS)["by_creation_time"], None, None, False)
            docs = [scanned_document(row) for row in rows]
        return [d for d in docs if d["state"]["kind"] in ("pending", "inProgress")]

    def finish_scheduled_functions(
        self, *, advance_time: bool = True, max_rounds: int = 100
    ) -> int:
        """Run scheduled functions until none is left, those they schedule included;
        returns how many ran. With ``advance_time`` (the default), jobs scheduled for
        later run now too, as convex-test's fake timers do; without it, only jobs
        already due."""
        runner = self.deployment.runner
        ran = 0
        for _ in range(max_rounds):
            before = len(self.pending_scheduled_functions())
            if before == 0:
                return ran
            runner.run_due(run_actions_inline=True, until=_FOREVER if advance_time else None)
            after = len(self.pending_scheduled_functions())
            if after >= before and not advance_time:
                return ran
            ran += max(0, before - after)
        raise RuntimeError(
            f"scheduled functions still pending after {max_rounds} rounds: do they schedule "
            "themselves forever?"
        )

    finishScheduledFunctions = finish_scheduled_functions
    finishAllScheduledFunctions = finish_scheduled_functions
    withIdentity = with_identity

    # -- HTTP
    def fetch(
        self,
        path: str,
        method: str = "GET",
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a request through the app's dispatch; the answer is a Fetch ``Response``."""
        request_headers = Headers(headers or {})
        if json is not None:
            if body is not None:
                raise TypeError("pass body= or json=, not both")
            body = jsonlib.dumps(json)
            if not request_headers.has("content-type"):
                request_headers.set("content-type", "application/json")
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            request_headers.set("content-length", str(len(data)))
        split = urlsplit(path)
        raw_path = split.path or "/"
        query = split.query
        if params:
            query = "&".join(q for q in (query, urlencode(params)) if q)
        url = f"{self.base_url}{raw_path}" + (f"?{query}" if query else "")
        override = (
            contextlib.nullcontext()
            if self.identity is None  # then the request's Authorization header decides
            else self.deployment.identity_override(self.identity)
        )
        head = RequestHead.from_url(url, method, list(request_headers.items()))
        with override:
            reply = self.deployment.dispatcher.handle(
                head, None if data is None else io.BytesIO(data)
            )
        try:
            content = b"".join(reply.body)
        finally:
            reply.close()
        return Response(
            content if content and reply.status not in (204, 205, 304) else None,
            status=reply.status,
            status_text=reply.reason,
            headers=reply.headers,
        )


def _identity(claims: Mapping[str, Any] | UserIdentity) -> UserIdentity:
    return claims if isinstance(claims, UserIdentity) else UserIdentity(claims)


def fixture(http: HttpRouter | None = None, **options: Unpack[Options]) -> Any:
    """A pytest fixture giving each test a fresh ``TestClient``::

    # conftest.py
    from convexhttp.testing import fixture
    client = fixture(functions="convex")
    """
    import pytest

    @pytest.fixture
    def client() -> Iterator[TestClient]:
        with TestClient(http, **options) as test_client:
            yield test_client

    return client
