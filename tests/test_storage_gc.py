"""Blobs that no file document names are collected, at most once an hour per database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from convexhttp.testing import TestClient
from tests.databases import blob_names


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(functions="tests.apps.files", database=database_url) as test_client:
        yield test_client


def test_an_unreferenced_blob_is_collected_and_a_referenced_one_kept(
    client: TestClient, database_url: str
) -> None:
    files = client.deployment.files
    upload = client.mutation("files:upload_url")
    kept = client.fetch(upload.replace("http://testserver", ""), method="POST", body=b"kept")
    assert kept.status == 200
    orphan = files.blobs.put(iter([b"a crash left me without a document"]))
    assert orphan.name in blob_names(database_url)

    assert files.collect_garbage(older_than_s=3600.0) == 0  # too young to be judged
    assert files.collect_garbage(older_than_s=0.0) == 1
    assert orphan.name not in blob_names(database_url)
    url = client.query("files:describe", {"id": kept.json()["storageId"]})["url"]
    assert client.fetch(url.replace("http://testserver", "")).text() == "kept"


def test_collection_runs_at_most_once_an_hour_across_processes(client: TestClient) -> None:
    files = client.deployment.files
    files.collect_garbage(older_than_s=0.0)  # the first pass: its time is recorded
    orphan = files.blobs.put(iter([b"orphan"]))
    assert files.collect_garbage() == 0  # within the hour: another pass is not due
    assert files.blobs.open(orphan.name) is not None
