"""Port of WPT fetch/api/headers/headers-normalize: leading and trailing HTTP whitespace
(tab, CR, LF, space) is stripped before validation; nothing else is."""

from __future__ import annotations

import pytest

from convexhttp.fetch import Headers

EXPECTATIONS = {
    "name1": (" space ", "space"),
    "name2": ("\ttab\t", "tab"),
    "name3": (" spaceAndTab\t", "spaceAndTab"),
    "name4": ("\r\n newLine", "newLine"),
    "name5": ("newLine\r\n ", "newLine"),
    "name6": ("\r\n\tnewLine", "newLine"),
    "name7": ("\t\f\tnewLine\n", "\f\tnewLine"),
    "name8": ("newLine\xa0", "newLine\xa0"),
}


def test_init_normalizes_values() -> None:
    headers = Headers({name: raw for name, (raw, _) in EXPECTATIONS.items()})
    for name, (_, expected) in EXPECTATIONS.items():
        assert headers.get(name) == expected


@pytest.mark.parametrize("method", ["append", "set"])
def test_append_and_set_normalize_values(method: str) -> None:
    headers = Headers()
    for name, (raw, expected) in EXPECTATIONS.items():
        getattr(headers, method)(name, raw)
        assert headers.get(name) == expected


def test_inner_line_break_is_still_refused() -> None:
    with pytest.raises(TypeError):
        Headers({"name": " a\r\n b "})
