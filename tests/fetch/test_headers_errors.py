"""Port of WPT fetch/api/headers/headers-errors: bad names and values are TypeErrors,
so CR, LF and NUL can never reach the wire."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from convexhttp.fetch import Headers

BAD_NAMES: list[object] = ["invalidĀ", {}, "", "with space", "colon:", "new\nline", None, 1]
BAD_VALUES: list[object] = [
    "invalidĀ",
    "a\r\nX-Injected: 1",
    "a\nb",
    "a\rb",
    "a\x00b",
    None,
    1,
    b"bytes",
]


@pytest.mark.parametrize(
    "init",
    [[["name"]], [["invalid", "invalidValue1", "invalidValue2"]], [["invalidĀ", "Value1"]]],
)
def test_bad_init_pairs(init: object) -> None:
    with pytest.raises(TypeError):
        Headers(init)  # type: ignore[arg-type]


def test_bad_value_in_init() -> None:
    with pytest.raises(TypeError):
        Headers([("name", "invalidValueĀ")])
    with pytest.raises(TypeError):
        Headers({"name": "a\r\nb"})


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize(
    "call",
    [
        lambda h, n: h.get(n),
        lambda h, n: h.delete(n),
        lambda h, n: h.has(n),
        lambda h, n: h.set(n, "Value1"),
        lambda h, n: h.append(n, "Value1"),
    ],
    ids=["get", "delete", "has", "set", "append"],
)
def test_bad_names(call: Callable[[Headers, object], object], name: object) -> None:
    with pytest.raises(TypeError):
        call(Headers(), name)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("method", ["set", "append"])
def test_bad_values(method: str, value: object) -> None:
    headers = Headers()
    with pytest.raises(TypeError):
        getattr(headers, method)("name", value)
    assert not headers.has("name")


def test_latin1_values_are_allowed() -> None:
    headers = Headers({"x-latin": "caf\xe9 \x80\xff"})
    assert headers.get("x-latin") == "caf\xe9 \x80\xff"


def test_for_each_stops_when_the_callback_raises() -> None:
    headers = Headers([("name1", "value1"), ("name2", "value2"), ("name3", "value3")])
    calls = []

    def visit(value: str, name: str, container: Headers) -> None:
        calls.append(name)
        if name == "name2":
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        headers.for_each(visit)
    assert calls == ["name1", "name2"]
