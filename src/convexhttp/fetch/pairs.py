"""What fetch's pair iterables (Headers, FormData, URLSearchParams) derive from ``items()``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Self, TypeVar

__all__ = ["PairIterable", "PairList"]

V = TypeVar("V")


class PairIterable(Generic[V]):
    """``keys()``, ``values()``, ``for_each()`` and iteration over names, from ``items()``."""

    def items(self) -> Iterator[tuple[str, V]]:
        raise NotImplementedError

    def keys(self) -> Iterator[str]:
        return (name for name, _ in self.items())

    def values(self) -> Iterator[V]:
        return (value for _, value in self.items())

    def for_each(self, callback: Callable[[V, str, Self], object]) -> None:
        for name, value in self.items():
            callback(value, name, self)

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    forEach = for_each


class PairList(PairIterable[V]):
    """A pair iterable kept as an ordered list of ``(name, value)`` pairs in ``_pairs``."""

    _pairs: list[tuple[str, V]]

    def items(self) -> Iterator[tuple[str, V]]:
        return iter(list(self._pairs))  # a snapshot: changes while iterating are safe

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, name: object) -> bool:
        return any(n == name for n, _ in self._pairs)

    entries = items  # fetch's spelling
