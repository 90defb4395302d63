"""Errors raised while reading a body; the dispatcher maps each to a status code."""

from __future__ import annotations


class BodyTooLarge(Exception):
    """The request body is larger than the configured cap (the dispatcher answers 413).

    Not a ValueError on purpose: a handler catching ValueError around ``json()``
    must not turn an oversized body into a 400.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"request body is larger than {limit} bytes; raise max_body_size to accept it"
        )
        self.limit = limit


class MalformedBody(ValueError):
    """The body is not valid JSON or form data (uncaught, the dispatcher answers 400)."""
