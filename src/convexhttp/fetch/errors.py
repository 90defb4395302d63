"""Errors a body or its reading raises; the dispatcher maps each to a status code."""

from __future__ import annotations

__all__ = ["BodyTooLarge", "FormTooLarge", "MalformedBody", "UnsupportedContentType"]


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


class FormTooLarge(BodyTooLarge):
    """A form with more parts than ``convexhttp.fetch.form.MAX_FORM_PARTS``, or with a
    field held in memory larger than the body cap (413, as werkzeug answers).

    ``limit`` is the part limit; ``max_memory`` the byte limit (None: none).
    """

    def __init__(self, max_parts: int, max_memory: int | None) -> None:
        memory = "" if max_memory is None else f" or a field larger than {max_memory} bytes"
        Exception.__init__(
            self,
            f"form data has more than {max_parts} parts{memory}; "
            "raise convexhttp.fetch.form.MAX_FORM_PARTS to accept more parts",
        )
        self.limit = max_parts
        self.max_memory = max_memory


class MalformedBody(ValueError):
    """The body is not valid JSON or form data, or could not be read whole (uncaught,
    the dispatcher answers 400).

    ``str(error)`` is the detail for the log (a parser's own words); ``public`` says
    what was wrong in a client's terms, and is all a 400 body shows.
    """

    def __init__(self, message: str, public: str = "the request body is malformed") -> None:
        super().__init__(message)
        self.public = public


class UnsupportedContentType(TypeError):
    """``form_data()`` on a body whose Content-Type is not a form type (fetch's
    TypeError; uncaught, the dispatcher answers 415)."""
