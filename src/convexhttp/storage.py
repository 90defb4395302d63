"""``ctx.storage`` and the file URLs the app serves below ``/api/storage/``.

Files are documents of the system table ``_storage`` (Convex's fields ``sha256``,
``size``, ``contentType``; hidden: ``_urlKey``, the unguessable part of the file's
URL, and ``_blob``, where its bytes are). The bytes live in the backend's blob
store, written in full, checked and fsynced before the document (and so the
id) exists.

- ``GET /api/storage/<key>``: the bytes, their type, ``Content-Length``,
  ``Digest: sha-256=...``, an ``ETag``, and single byte ranges (206/416) as
  werkzeug serves them; streamed from disk, never read whole.
- ``POST /api/storage/upload?token=...``: what ``generate_upload_url()`` hands
  out: a signed token valid for an hour (as Convex's); the body becomes a file,
  the answer is ``{"storageId": ...}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, Final
from urllib.parse import quote

from werkzeug.datastructures import Range
from werkzeug.http import http_date, parse_range_header, unquote_etag

from .db import Session, scanned_document
from .fetch import URL, Blob, Request, Response
from .router import HttpRouter
from .sortkey import key_successor, sort_key
from .store.base import StoredBlob
from .values import loads_stored, type_name

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["STORAGE_PREFIX", "ActionStorage", "MutationStorage", "QueryStorage", "register"]

logger = logging.getLogger("convexhttp.storage")

STORAGE: Final = "_storage"
STORAGE_PREFIX: Final = "/api/storage/"
UPLOAD_PATH: Final = "/api/storage/upload"
UPLOAD_TTL_MS: Final = 3_600_000  # an hour, as Convex's upload URLs
_CHUNK: Final = 256 * 1024
_SECRET_KEY: Final = "storage_secret"
_GC_KEY: Final = "storage_gc_at"
GC_AGE_S: Final = 3600.0  # how old an unreferenced blob must be to go (and how often)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Files:
    """An app's file storage: blobs, ``_storage`` documents, URLs and upload tokens."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.site_url: str | None = None  # the deployment's site_url option, when set
        self._secret: bytes | None = None

    @property
    def blobs(self) -> Any:
        return self.runtime.database.store.blobs

    # -- the signing secret: one per database, so every process and machine agrees
    def secret(self, session: Session | None = None) -> bytes:
        """The key upload tokens are signed with: read (or made, once) in the database,
        in ``session``'s transaction when there is one."""
        if self._secret is None:

            def load(session: Session) -> bytes:
                value = session.txn.get_meta(_SECRET_KEY)
                if value is None:
                    if not session.txn.write:
                        raise RuntimeError("upload URLs are made in mutations and actions")
                    value = secrets.token_hex(32)
                    session.txn.set_meta(_SECRET_KEY, value)
                return bytes.fromhex(value)

            if session is not None:
                self._secret = load(session)
            else:
                self._secret = self.runtime.transact(load, name="storage secret")
        return self._secret

    def sign_upload(self, session: Session | None = None) -> str:
        payload = json.dumps({"exp": time.time() * 1000 + UPLOAD_TTL_MS, "n": secrets.token_hex(8)})
        body = _b64url(payload.encode())
        signature = hmac.new(self.secret(session), body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64url(signature)}"

    def check_upload(self, token: str | None) -> str | None:
        """Why ``token`` is refused, or None when it is good."""
        if not token or token.count(".") != 1:
            return "missing or malformed upload token"
        body, _, signature = token.partition(".")
        expected = hmac.new(self.secret(), body.encode(), hashlib.sha256).digest()
        try:
            given = _unb64url(signature)
            payload = json.loads(_unb64url(body))
        except (ValueError, TypeError):
            return "malformed upload token"
        if not hmac.compare_digest(given, expected):
            return "upload token signature does not match"
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), (int, float)):
            return "malformed upload token"
        if payload["exp"] < time.time() * 1000:
            return "upload token expired"
        return None

    # -- URLs
    def base(self) -> str:
        from .dispatch import current_site

        return self.site_url or current_site() or ""

    def url_for(self, key: str) -> str:
        return f"{self.base()}{STORAGE_PREFIX}{key}"

    def upload_url(self, session: Session | None = None) -> str:
        """A signed URL to POST a file to (``session``: the transaction's, for the key)."""
        return f"{self.base()}{UPLOAD_PATH}?token={quote(self.sign_upload(session))}"

    # -- documents
    def record(self, session: Session, blob: StoredBlob, content_type: str | None) -> str:
        system = _system(session)
        fields: dict[str, Any] = {
            "sha256": base64.b64encode(blob.sha256).decode("ascii"),
            "size": blob.size,
            "_urlKey": secrets.token_hex(16),
            "_blob": blob.name,
        }
        if content_type:
            fields["contentType"] = content_type
        return system.insert(STORAGE, fields)

    def store_chunks(self, chunks: Iterator[bytes], content_type: str | None) -> str:
        """Write a file and commit its document; returns its storage id."""
        blob = self.blobs.put(chunks)
        try:
            return str(
                self.runtime.transact(
                    lambda session: self.record(session, blob, content_type), name="storage.store"
                )
            )
        except BaseException:
            self.blobs.delete(blob.name)
            raise

    def collect_partial(self, older_than_s: float = GC_AGE_S) -> int:
        """Remove half-written blobs of writers that died (cheap: no document is read)."""
        removed: int = self.blobs.collect(lambda name: True, older_than_s)
        return removed

    def collect_garbage(self, older_than_s: float = GC_AGE_S) -> int:
        """Remove blobs no ``_storage`` document names (a crash between writing a blob and
        committing its document leaves one) and half-written ones: at most once an hour
        across every process of the database (the job runners call it)."""
        now = time.time()

        def claim(session: Session) -> bool:
            last = session.txn.get_meta(_GC_KEY)
            if last is not None and now - float(last) < older_than_s:
                return False
            session.txn.set_meta(_GC_KEY, repr(now))
            return True

        database = self.runtime.database
        with database.store.transaction(write=False) as txn:
            last = txn.get_meta(_GC_KEY)
        if last is not None and now - float(last) < older_than_s:
            return 0
        if not self.runtime.transact(claim, name="storage garbage collection"):
            return 0
        with database.store.transaction(write=False) as txn:
            session = Session(database, txn, system=True)
            index = session.indexes(STORAGE).get("by_id")
            names = set()
            if index is not None:
                for row in session.scan(index, None, None, False):
                    names.add(loads_stored(row.value).get("_blob"))
        removed: int = self.blobs.collect(lambda name: name in names, older_than_s)
        if removed:
            logger.info("storage: removed %d unreferenced or partial blob(s)", removed)
        return removed


def _system(session: Session) -> Session:
    return session.derive(system=True)


def _metadata(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "storageId": doc["_id"],
        "sha256": doc["sha256"],
        "size": doc["size"],
        "contentType": doc.get("contentType"),
    }


def _storage_doc(session: Session, storage_id: object, what: str) -> dict[str, Any] | None:
    """The file's document; None once it is deleted; ``ValueError`` for what is no
    storage id at all."""
    if not isinstance(storage_id, str):
        raise TypeError(f"{what}: a storage id is a str, got {type_name(storage_id)}")
    resolved, _ = _system(session).resolve_id(storage_id, what, STORAGE)
    return session.get(resolved)


# --- ctx.storage ---------------------------------------------------------------------


class QueryStorage:
    """``ctx.storage`` in a query: ``get_url``, ``get_metadata``."""

    def __init__(self, files: Files, session: Session) -> None:
        self._files = files
        self._session = session

    def get_url(self, storage_id: str) -> str | None:
        """The URL this app serves the file at, or None when there is no such file."""
        doc = _storage_doc(self._session, storage_id, "storage.get_url")
        return None if doc is None else self._files.url_for(doc["_urlKey"])

    def get_metadata(self, storage_id: str) -> dict[str, Any] | None:
        """``{"storageId", "sha256", "size", "contentType"}``, or None."""
        doc = _storage_doc(self._session, storage_id, "storage.get_metadata")
        return None if doc is None else _metadata(doc)

    getUrl = get_url
    getMetadata = get_metadata


class MutationStorage(QueryStorage):
    """``ctx.storage`` in a mutation: also ``generate_upload_url`` and ``delete``."""

    def generate_upload_url(self) -> str:
        """A URL a client POSTs a file to (valid for an hour); it answers ``{"storageId"}``."""
        return self._files.upload_url(self._session)

    def delete(self, storage_id: str) -> None:
        """Delete the file: its URLs answer 404 once this transaction commits."""
        doc = _storage_doc(self._session, storage_id, "storage.delete")
        if doc is None:
            raise ValueError(f"storage.delete: no file has the id {storage_id!r}")
        _system(self._session).delete(doc["_id"])
        blob = doc["_blob"]
        self._session.after_commit.append(lambda: self._files.blobs.delete(blob))

    generateUploadUrl = generate_upload_url


class ActionStorage:
    """``ctx.storage`` in an action: a mutation's, plus ``store`` and ``get``; each call
    its own transaction."""

    def __init__(self, files: Files) -> None:
        self._files = files

    def _read(self, body: Callable[[QueryStorage], Any]) -> Any:
        database = self._files.runtime.database
        with database.store.transaction(write=False) as txn:
            return body(QueryStorage(self._files, Session(database, txn)))

    def get_url(self, storage_id: str) -> str | None:
        return self._read(lambda s: s.get_url(storage_id))  # type: ignore[no-any-return]

    def get_metadata(self, storage_id: str) -> dict[str, Any] | None:
        return self._read(lambda s: s.get_metadata(storage_id))  # type: ignore[no-any-return]

    def generate_upload_url(self) -> str:
        return self._files.upload_url()

    def delete(self, storage_id: str) -> None:
        runtime = self._files.runtime
        runtime.transact(
            lambda s: MutationStorage(self._files, s).delete(storage_id), name="storage.delete"
        )

    def store(self, blob: Blob | bytes, content_type: str | None = None) -> str:
        """Store ``blob`` (a ``Blob``, or bytes); returns its storage id."""
        if isinstance(blob, Blob):
            data, content_type = blob.bytes(), content_type or blob.type or None
        elif isinstance(blob, (bytes, bytearray, memoryview)):
            data = bytes(blob)
        else:
            raise TypeError(f"storage.store takes a Blob or bytes, got {type_name(blob)}")
        view = memoryview(data)
        chunks = (bytes(view[i : i + _CHUNK]) for i in range(0, len(view), _CHUNK))
        return self._files.store_chunks(chunks, content_type)

    def get(self, storage_id: str) -> Blob | None:
        """The file's bytes as a ``Blob`` (with its content type), or None."""
        database = self._files.runtime.database
        with database.store.transaction(write=False) as txn:
            doc = _storage_doc(Session(database, txn), storage_id, "storage.get")
        if doc is None:
            return None
        f = self._files.blobs.open(doc["_blob"])
        if f is None:
            return None
        with f:
            return Blob([f.read()], type=doc.get("contentType") or "")

    getUrl = get_url
    getMetadata = get_metadata
    generateUploadUrl = generate_upload_url


class AsyncStorage:
    """``ctx.storage`` of an ``async def`` function: the same methods, awaitable."""

    __slots__ = ("_storage",)

    def __init__(self, storage: QueryStorage | ActionStorage) -> None:
        self._storage = storage

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._storage, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call


# --- the endpoints -----------------------------------------------------------------------


def _cors(response: Response) -> Response:
    # The upload token and the file key are the credentials: any page may use them.
    response.headers.set("Access-Control-Allow-Origin", "*")
    return response


def _file_slice(f: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with f:
        f.seek(start)
        left = length
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _serve_file(files: Files, request: Request) -> Response:
    key = request.path_params.get("key")
    database = files.runtime.database
    doc = None
    if isinstance(key, str) and len(key) == 32:
        with database.store.transaction(write=False) as txn:
            session = Session(database, txn, system=True)
            index = session.indexes(STORAGE).get("by_url_key")
            if index is not None:
                prefix = sort_key(key)
                rows = txn.scan(index.id, prefix, key_successor(prefix), descending=False, limit=1)
                if rows:
                    doc = scanned_document(rows[0])
    f = None if doc is None else files.blobs.open(doc["_blob"])
    if doc is None or f is None:
        return _cors(Response("File not found", status=404))
    size = int(doc["size"])
    digest = base64.b64decode(doc["sha256"])
    etag = f'"{digest.hex()}"'
    headers = {
        "Content-Type": doc.get("contentType") or "application/octet-stream",
        "Digest": f"sha-256={doc['sha256']}",
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Last-Modified": http_date(doc["_creationTime"] / 1000),
        "Cache-Control": "private, max-age=2592000, immutable",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and (
        if_none_match.strip() == "*"
        or any(unquote_etag(t.strip())[0] == digest.hex() for t in if_none_match.split(","))
    ):
        f.close()
        return _cors(Response(None, status=304, headers={"ETag": etag}))
    byte_range = _requested_range(request, etag, size)
    if byte_range is None:
        headers["Content-Length"] = str(size)
        return _cors(Response(_file_slice(f, 0, size), headers=headers))
    if isinstance(byte_range, str):  # unsatisfiable
        f.close()
        return _cors(
            Response(
                "Requested Range Not Satisfiable",
                status=416,
                headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
            )
        )
    start, stop = byte_range
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(stop - start)
    return _cors(Response(_file_slice(f, start, stop - start), status=206, headers=headers))


def _requested_range(request: Request, etag: str, size: int) -> tuple[int, int] | str | None:
    """``(start, stop)`` for a satisfiable single range, "unsatisfiable", or None (the
    whole file), as werkzeug's ``send_file`` decides."""
    header = request.headers.get("range")
    if header is None:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        return None  # the client's copy is stale (or dated): send it all
    parsed: Range | None = parse_range_header(header)
    if parsed is None:
        return None  # a malformed Range is ignored
    bounds = parsed.range_for_length(size)
    if bounds is None:
        return "unsatisfiable"
    return bounds


def _upload(files: Files, request: Request) -> Response:
    token = URL(request.url).search_params.get("token")
    why = files.check_upload(token)
    if why is not None:
        logger.warning("storage upload refused: %s", why)
        return _cors(Response.json({"code": "InvalidUploadToken", "message": why}, status=403))
    body = request.body
    chunks: Iterator[bytes] = iter(()) if body is None else iter(lambda: body.read(_CHUNK), b"")
    storage_id = files.store_chunks(chunks, request.headers.get("content-type"))
    return _cors(Response.json({"storageId": storage_id}))


def _preflight(files: Files, request: Request) -> Response:
    response = Response(None, status=204)
    response.headers.set("Access-Control-Allow-Methods", "POST, OPTIONS")
    response.headers.set(
        "Access-Control-Allow-Headers", request.headers.get("access-control-request-headers") or "*"
    )
    response.headers.set("Access-Control-Max-Age", "86400")
    return _cors(response)


def register(system: HttpRouter, files: Files) -> None:
    """Add the file endpoints to ``system`` (the app's own routes below /api/)."""
    system.route(path=UPLOAD_PATH, method="POST", handler=lambda ctx, r: _upload(files, r))
    system.route(path=UPLOAD_PATH, method="OPTIONS", handler=lambda ctx, r: _preflight(files, r))
    system.route(
        path=STORAGE_PREFIX + ":key", method="GET", handler=lambda ctx, r: _serve_file(files, r)
    )
