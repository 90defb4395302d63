"""Blob and File."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Blob, File


def test_parts_and_readers() -> None:
    blob = Blob(["ab", b"cd", bytearray(b"e"), memoryview(b"f"), Blob(["g"])], type="Text/Plain")
    assert blob.size == 7
    assert blob.type == "text/plain"
    assert blob.bytes() == blob.array_buffer() == b"abcdefg"
    assert blob.text() == "abcdefg"
    assert blob.stream().read() == b"abcdefg"
    assert blob.name is None
    assert Blob.arrayBuffer is Blob.array_buffer


def test_empty() -> None:
    assert (Blob().size, Blob().type, Blob().text()) == (0, "", "")


def test_non_ascii_type_is_dropped() -> None:
    assert Blob([], type="text/pl\xe9in").type == ""


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, None, b"0123456789"), (2, 5, b"234"), (-3, None, b"789"), (5, 2, b""), (-100, 2, b"01")],
)
def test_slice(start: int, end: int | None, expected: bytes) -> None:
    piece = Blob(["0123456789"]).slice(start, end, "a/b")
    assert piece.bytes() == expected
    assert piece.type == "a/b"


def test_bad_parts() -> None:
    with pytest.raises(TypeError):
        Blob("not a list")
    with pytest.raises(TypeError):
        Blob([1])  # type: ignore[list-item]


def test_file() -> None:
    file = File(["x"], "a.txt", type="text/plain", last_modified=5)
    assert (file.name, file.type, file.size, file.lastModified) == ("a.txt", "text/plain", 1, 5)
    assert isinstance(file, Blob)
    assert File([], "b").last_modified > 0
