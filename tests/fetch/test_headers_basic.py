"""Port of WPT fetch/api/headers/headers-basic: construction, methods, sorted iteration."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Headers

HEADER_DICT = {
    "name1": "value1",
    "name2": "value2",
    "name3": "value3",
    "Content-Type": "value4",
}

ENTRIES_DICT = {
    "name1": "value1",
    "Name2": "value2",
    "name": "value3",
    "content-Type": "value4",
    "Content-Typ": "value5",
    "Content-Types": "value6",
}
SORTED = sorted((name.lower(), value) for name, value in ENTRIES_DICT.items())


@pytest.mark.parametrize("init", [None, {}, [], ()])
def test_empty_inits(init: object) -> None:
    assert list(Headers(init).items()) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("init", [1, "name: value", b"x", 1.5])
def test_init_that_is_not_a_record_or_sequence_is_a_type_error(init: object) -> None:
    with pytest.raises(TypeError):
        Headers(init)  # type: ignore[arg-type]


def test_init_from_pairs_is_a_sequence_not_a_record() -> None:
    headers = Headers(list(HEADER_DICT.items()))
    for name, value in HEADER_DICT.items():
        assert headers.get(name) == value
    assert headers.get("length") is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: Headers(HEADER_DICT),
        lambda: Headers(Headers(HEADER_DICT)),
        lambda: Headers(iter(HEADER_DICT.items())),
    ],
    ids=["record", "headers", "iterator"],
)
def test_init_from_record_headers_or_iterator(make: object) -> None:
    headers = make()  # type: ignore[operator]
    for name, value in HEADER_DICT.items():
        assert headers.get(name) == value


def test_copy_is_independent() -> None:
    original = Headers(HEADER_DICT)
    copy = Headers(original)
    copy.append("name1", "more")
    assert original.get("name1") == "value1"


@pytest.mark.parametrize("method", ["append", "set"])
def test_append_and_set_then_get(method: str) -> None:
    headers = Headers()
    for name, value in HEADER_DICT.items():
        getattr(headers, method)(name, value)
        assert headers.get(name) == value


def test_has_and_delete() -> None:
    headers = Headers(HEADER_DICT)
    assert not headers.has("nameNotInHeaders")
    for name in HEADER_DICT:
        assert headers.has(name)
        assert headers.has(name.upper())
        headers.delete(name)
        assert not headers.has(name)


def test_get_of_missing_name_is_none() -> None:
    assert Headers(HEADER_DICT).get("nameNotInHeaders") is None


def test_get_joins_repeated_values() -> None:
    headers = Headers([("Accept", "a"), ("accept", "b")])
    assert headers.get("ACCEPT") == "a, b"
    headers.set("accept", "c")
    assert headers.get("accept") == "c"


def test_keys_values_items_and_iteration_are_sorted_lowercase() -> None:
    headers = Headers(ENTRIES_DICT)
    assert list(headers.keys()) == [name for name, _ in SORTED]
    assert list(headers) == [name for name, _ in SORTED]
    assert list(headers.values()) == [value for _, value in SORTED]
    assert list(headers.items()) == SORTED
    assert list(headers.entries()) == SORTED


def test_for_each_visits_in_order_with_the_container() -> None:
    headers = Headers(ENTRIES_DICT)
    seen: list[tuple[str, str]] = []

    def visit(value: str, name: str, container: Headers) -> None:
        assert container is headers
        seen.append((name, value))

    headers.for_each(visit)
    assert seen == SORTED
    assert Headers.forEach is Headers.for_each


def test_contains() -> None:
    headers = Headers({"X-Thing": "1"})
    assert "x-thing" in headers
    assert "X-THING" in headers
    assert "other" not in headers
    assert 1 not in headers


# Fetch's iterators index a list recomputed after each change.
def test_iteration_skips_elements_removed_while_iterating() -> None:
    headers = Headers({"foo": "2", "baz": "1", "BAR": "0"})
    seen = []
    for name, value in headers.items():
        seen.append((name, value))
        headers.delete("foo")
    assert seen == [("bar", "0"), ("baz", "1")]


def test_removing_an_element_already_visited_skips_the_next() -> None:
    headers = Headers({"foo": "2", "baz": "1", "BAR": "0", "quux": "3"})
    seen = []
    for name, value in headers.items():
        seen.append((name, value))
        if name == "baz":
            headers.delete("bar")
    assert seen == [("bar", "0"), ("baz", "1"), ("quux", "3")]


def test_appending_during_iteration_is_reached() -> None:
    headers = Headers({"foo": "2", "baz": "1", "BAR": "0", "quux": "3"})
    seen = []
    for name, value in headers.items():
        seen.append((name, value))
        if name == "baz":
            headers.append("X-yZ", "4")
    assert seen == [("bar", "0"), ("baz", "1"), ("foo", "2"), ("quux", "3"), ("x-yz", "4")]


def test_prepending_during_iteration_repeats_the_current_element() -> None:
    headers = Headers({"foo": "2", "baz": "1", "BAR": "0", "quux": "3"})
    seen = []
    for name, value in headers.items():
        seen.append((name, value))
        if name == "baz":
            headers.append("abc", "-1")
    assert [name for name, _ in seen] == ["bar", "baz", "baz", "foo", "quux"]
