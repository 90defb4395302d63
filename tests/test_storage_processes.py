"""File storage through ``convexhttp serve`` with 2 workers: store, serve, upload, delete,
restart, and a crash in the middle of writing a file, on both backends (blobs in a
directory next to the SQLite file, or in PostgreSQL)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import support
from tests.databases import blob_names, writing_blob
from tests.test_data_processes import sigkill
from tests.test_scheduler_processes import eventually

APP = "tests.apps.files.http:http"
MB = 1024 * 1024


def serve(tmp_path: Path, database: str, name: str) -> support.Server:
    return support.convexhttp_serve(
        APP, tmp_path / f"{name}.log", "--workers", "2", "--database", database
    )


@pytest.fixture(scope="module")
def database(module_database_url: str) -> str:
    return module_database_url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[support.Server]:
    server = serve(tmp_path_factory.mktemp("files"), database, "files")
    try:
        yield server
    finally:
        server.stop()


def store(server: support.Server, data: bytes, content_type: str) -> tuple[str, str]:
    r = requests.post(f"{server.url}/store", data=data, headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    return r.json()["storageId"], r.json()["url"]


def worker_peaks(server: support.Server) -> dict[int, int]:
    """Peak resident memory (kB) of each worker process."""
    peaks = {}
    for child in (
        Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    ):
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(child)] = int(line.split()[1])
    return peaks


def test_a_stored_file_is_served_with_type_length_and_digest(server: support.Server) -> None:
    data = os.urandom(300_000)
    storage_id, url = store(server, data, "image/png")
    assert url.startswith(f"{server.url}/api/storage/") and storage_id not in url
    r = requests.get(url)
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["Content-Length"] == str(len(data))
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert r.headers["Digest"] == f"sha-256={digest}"
    described = requests.get(f"{server.url}/describe/{storage_id}").json()
    assert described["metadata"] == {
        "storageId": storage_id,
        "sha256": digest,
        "size": len(data),
        "contentType": "image/png",
    }
    assert described["url"] == url
    hidden = [k for k in described["document"] if k.startswith("_")]
    assert sorted(hidden) == ["_creationTime", "_id"]
    head = requests.head(url)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data))
    assert head.content == b""
    assert requests.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_ranges_as_werkzeug_serves_them(server: support.Server) -> None:
    data = bytes(range(256)) * 40
    _, url = store(server, data, "application/octet-stream")
    r = requests.get(url, headers={"Range": "bytes=100-199"})
    assert (r.status_code, r.content) == (206, data[100:200])
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    r = requests.get(url, headers={"Range": "bytes=-10"})
    assert (r.status_code, r.content) == (206, data[-10:])
    r = requests.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(data)}"
    assert requests.get(url, headers={"Range": "bytes=0-1,5-6"}).status_code == 416
    r = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert (r.status_code, r.content) == (200, data)
    assert requests.get(url, headers={"Range": "pages=1"}).content == data  # ignored


def test_upload_url_takes_a_file_and_a_forged_token_is_refused(server: support.Server) -> None:
    upload_url = requests.post(f"{server.url}/upload-url").text
    assert upload_url.startswith(f"{server.url}/api/storage/upload?token=")
    data = os.urandom(2 * MB)
    r = requests.post(upload_url, data=data, headers={"Content-Type": "video/mp4"})
    assert r.status_code == 200, r.text
    storage_id = r.json()["storageId"]
    described = requests.get(f"{server.url}/describe/{storage_id}").json()
    assert described["metadata"]["contentType"] == "video/mp4"
    assert requests.get(described["url"]).content == data
    assert requests.get(f"{server.url}/download/{storage_id}").content == data

    base, _, token = upload_url.partition("token=")
    body, _, signature = token.partition(".")
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    for forged in (f"{body}.{forged_signature}", f"{body[:-2]}xx.{signature}", "", "nope"):
        r = requests.post(f"{base}token={forged}", data=b"evil")
        assert r.status_code == 403, forged
        assert r.json()["code"] == "InvalidUploadToken"
    assert requests.post(base.rstrip("?"), data=b"evil").status_code == 403


def test_a_deleted_file_answers_404_and_its_bytes_are_gone(
    server: support.Server, database: str
) -> None:
    storage_id, url = store(server, b"short-lived", "text/plain")
    blobs = set(blob_names(database))
    assert requests.delete(f"{server.url}/file/{storage_id}").status_code == 204
    assert requests.get(url).status_code == 404
    assert requests.get(f"{server.url}/download/{storage_id}").status_code == 404
    described = requests.get(f"{server.url}/describe/{storage_id}").json()
    assert described == {"url": None, "metadata": None, "document": None}
    left = set(blob_names(database))
    assert len(blobs - left) == 1  # exactly its blob went


def test_large_files_stream_through_without_being_held_in_memory(server: support.Server) -> None:
    size = 96 * MB
    upload_url = requests.post(f"{server.url}/upload-url").text
    before = worker_peaks(server)

    def chunks() -> Iterator[bytes]:
        block = os.urandom(MB)
        for _ in range(size // MB):
            yield block

    r = requests.post(upload_url, data=chunks())  # chunked upload
    assert r.status_code == 200, r.text
    url = requests.get(f"{server.url}/describe/{r.json()['storageId']}").json()["url"]
    with requests.get(url, stream=True) as download:
        assert download.headers["Content-Length"] == str(size)
        assert sum(len(c) for c in download.iter_content(MB)) == size
    after = worker_peaks(server)
    growth = max(after[pid] - before.get(pid, after[pid]) for pid in after)
    assert growth < 32 * 1024, f"a worker's peak memory grew {growth} kB"


def test_files_survive_a_restart(tmp_path: Path, database_url: str) -> None:
    database = database_url
    first = serve(tmp_path, database, "first")
    try:
        _, url = store(first, b"kept across restarts", "text/plain")
    finally:
        sigkill(first)
    second = serve(tmp_path, database, "second")
    try:
        r = requests.get(url.replace(first.url, second.url))
        assert (r.status_code, r.content) == (200, b"kept across restarts")
    finally:
        second.stop()


def test_a_crash_while_a_file_is_written_leaves_no_id_and_no_file(
    tmp_path: Path, database_url: str
) -> None:
    database = database_url
    first = serve(tmp_path, database, "first")
    try:
        store(first, b"before the crash", "text/plain")
        upload_url = requests.post(f"{first.url}/upload-url").text
        sending = threading.Event()

        def slow_chunks() -> Iterator[bytes]:
            for _ in range(400):
                sending.set()
                yield os.urandom(256 * 1024)
                time.sleep(0.01)

        def upload() -> None:
            with contextlib.suppress(requests.RequestException):  # we kill the server under it
                requests.post(upload_url, data=slow_chunks(), timeout=30)

        threading.Thread(target=upload, daemon=True).start()
        assert sending.wait(5)
        assert eventually(lambda: writing_blob(database), 5)
        time.sleep(0.3)
    finally:
        sigkill(first)
    # SQLite: the half-written file is still there; PostgreSQL: its transaction is gone.
    assert writing_blob(database) == database.startswith("sqlite:")
    second = serve(tmp_path, database, "second")
    try:
        files = requests.get(f"{second.url}/files").json()
        assert [f["size"] for f in files] == [len(b"before the crash")]
        # The committed file's blob is all there is: the half-written one is gone.
        names = blob_names(database)
        assert len(names) == 1 and not names[0].startswith(".tmp-")
    finally:
        second.stop()
