"""FormData: form fields and files; multipart encoding, and parsing through werkzeug.

``MAX_FORM_PARTS`` caps how many fields and files a parsed form may have (1000,
werkzeug's default); a form with more is ``FormTooLarge`` (a ``BodyTooLarge``:
413). It is read on every parse, so an application that needs larger forms can
raise it: ``convexhttp.fetch.form.MAX_FORM_PARTS = 10_000``.
"""

from __future__ import annotations

import io
import re
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from typing import IO, Any, TypeAlias, cast

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from .blob import Blob, File
from .errors import FormTooLarge, MalformedBody, UnsupportedContentType
from .pairs import PairList

__all__ = ["FORM_TYPES", "MAX_FORM_PARTS", "SPOOL_SIZE", "FormData", "form_type", "parse_form"]

FormDataEntryValue: TypeAlias = "str | File"
FormDataInit: TypeAlias = "Mapping[str, str | Blob] | Iterable[tuple[str, str | Blob]]"

MAX_FORM_PARTS = 1000
"""The most fields and files a parsed form may have (urlencoded or multipart)."""

SPOOL_SIZE = 512 * 1024
"""A file part larger than this is kept in a temporary file on disk, not in memory."""

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_LONE_NEWLINE = re.compile(r"\r(?!\n)|(?<!\r)\n")
_DISPOSITION_ESCAPES = str.maketrans({'"': "%22", "\r": "%0D", "\n": "%0A"})


def _entry_value(value: str | Blob, filename: str | None) -> FormDataEntryValue:
    if isinstance(value, str):
        if filename is not None:
            raise TypeError("a filename is only allowed for a Blob value")
        return value
    if not isinstance(value, Blob):
        raise TypeError(f"form value must be a str or Blob, not {type(value).__name__}")
    if isinstance(value, File) and filename is None:
        return value
    name = filename if filename is not None else value.name or "blob"
    return File([value], name, type=value.type)


class FormData(PairList[FormDataEntryValue]):
    """Ordered (name, value) entries of a form; a value is a ``str`` or a ``File``.

    Iterating yields names (with repeats), like ``keys()``; ``items()`` yields pairs.
    """

    def __init__(self, init: FormDataInit | None = None) -> None:
        self._pairs: list[tuple[str, FormDataEntryValue]] = []
        if init is None:
            return
        pairs = init.items() if isinstance(init, Mapping) else init
        for name, value in pairs:
            self.append(name, value)

    def append(self, name: str, value: str | Blob, filename: str | None = None) -> None:
        self._pairs.append((self._check_name(name), _entry_value(value, filename)))

    def set(self, name: str, value: str | Blob, filename: str | None = None) -> None:
        entry = (self._check_name(name), _entry_value(value, filename))
        index = next((i for i, (n, _) in enumerate(self._pairs) if n == name), None)
        if index is None:
            self._pairs.append(entry)
        else:
            self._pairs[index] = entry
            self._pairs[index + 1 :] = [e for e in self._pairs[index + 1 :] if e[0] != name]

    def get(self, name: str) -> FormDataEntryValue | None:
        return next((v for n, v in self._pairs if n == name), None)

    def get_all(self, name: str) -> list[FormDataEntryValue]:
        return [v for n, v in self._pairs if n == name]

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self._pairs)

    def delete(self, name: str) -> None:
        self._pairs = [(n, v) for n, v in self._pairs if n != name]

    def __repr__(self) -> str:
        return f"FormData({self._pairs!r})"

    @staticmethod
    def _check_name(name: object) -> str:
        if not isinstance(name, str):
            raise TypeError(f"form field name must be a str, not {type(name).__name__}")
        return name

    def _encode(self) -> tuple[bytes, str]:
        """The multipart/form-data body (HTML's encoding) and its Content-Type."""
        boundary = f"----convexhttpFormBoundary{secrets.token_hex(16)}".encode()
        out = bytearray()
        for name, value in self._pairs:
            name = _LONE_NEWLINE.sub("\r\n", name).translate(_DISPOSITION_ESCAPES)
            out += b'--%s\r\nContent-Disposition: form-data; name="%s"' % (
                boundary,
                name.encode(),
            )
            if isinstance(value, File):
                filename = value.name.translate(_DISPOSITION_ESCAPES).encode()
                content_type = (value.type or "application/octet-stream").encode()
                out += b'; filename="%s"\r\nContent-Type: %s\r\n\r\n' % (filename, content_type)
                out += value.bytes()
            else:
                out += b"\r\n\r\n" + _LONE_NEWLINE.sub("\r\n", value).encode()
            out += b"\r\n"
        out += b"--%s--\r\n" % boundary
        return bytes(out), f"multipart/form-data; boundary={boundary.decode()}"

    getAll = get_all


class _PairList(MultiDict[str, Any]):
    """A MultiDict that also keeps its pairs in order (a MultiDict groups them by name)."""

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()) -> None:
        self.pairs = list(pairs)
        super().__init__(self.pairs)


def form_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The form MIME type and its parameters; ``UnsupportedContentType`` (a TypeError, as
    fetch throws) if it is not a form type."""
    mimetype, options = parse_options_header(content_type or "")
    mimetype = mimetype.lower()
    if mimetype not in FORM_TYPES:
        raise UnsupportedContentType(
            f"form_data() needs a Content-Type of {' or '.join(FORM_TYPES)}, not {content_type!r}"
        )
    return mimetype, options


def parse_form(
    stream: IO[bytes], mimetype: str, options: dict[str, str], *, max_memory: int | None = None
) -> FormData:
    """Parse a urlencoded or multipart body with werkzeug's form parser.

    A body that does not parse is ``MalformedBody``; one with more than
    ``MAX_FORM_PARTS`` parts, or (with ``max_memory``) a field held in memory
    larger than ``max_memory`` bytes, is ``FormTooLarge``. werkzeug hands back
    fields and files apart, so fields come first, then files, each in body order.
    """
    max_parts = MAX_FORM_PARTS
    if mimetype == "application/x-www-form-urlencoded":
        # werkzeug applies neither limit to a urlencoded body: check it here, before
        # parse_qsl builds millions of pairs. Fields are at most one more than the
        # "&"s (the bound urllib's own max_num_fields uses).
        data = stream.read()
        if data.count(b"&") >= max_parts or (max_memory is not None and len(data) > max_memory):
            raise FormTooLarge(max_parts, max_memory)
        stream = io.BytesIO(data)  # shares the buffer, no copy
    parser = FormDataParser(
        stream_factory=_spool,
        cls=_PairList,
        silent=False,
        max_form_memory_size=max_memory,
        max_form_parts=max_parts,
    )
    try:
        _, fields, files = parser.parse(stream, mimetype, None, options)
    except RequestEntityTooLarge as exc:
        raise FormTooLarge(max_parts, max_memory) from exc
    except ValueError as exc:
        raise MalformedBody(
            f"malformed {mimetype} body: {exc}", public=f"the {mimetype} body is malformed"
        ) from exc
    form = FormData()
    for name, text in cast(_PairList, fields).pairs:
        form.append(name, text)
    for name, upload in cast(_PairList, files).pairs:
        # Fetch's multipart parser types a part without Content-Type as text/plain.
        content_type = upload.content_type or "text/plain"
        stream = upload.stream
        size = stream.seek(0, io.SEEK_END)
        if size > SPOOL_SIZE:  # on disk already: the File reads it from there
            file = File._spooled_file(stream, size, upload.filename or "", content_type)
        else:
            with stream:
                stream.seek(0)
                file = File([stream.read()], upload.filename or "", type=content_type)
        form._pairs.append((name, file))
    return form


def _spool(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    # In memory up to SPOOL_SIZE, then a temporary file (deleted when closed or collected).
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE, mode="rb+")
