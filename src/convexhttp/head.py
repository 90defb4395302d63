"""RequestHead: what a server knows of a request before its body, in one frozen value.

Every adapter builds one (``convexhttp.adapters.wsgi.request_head`` from a WSGI
environ, which the Flask and Django adapters use too) and hands it, with the
body stream, to ``Dispatcher.handle``. No WSGI here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["RequestHead"]


class RequestHead(NamedTuple):
    """The request line and headers as the server parsed them (a tuple: frozen, and
    built in a fraction of a frozen dataclass's time, once per request).

    ``path`` is the raw, percent-encoded path below the mount (what the router
    matches); ``full_path`` the raw path with the mount prefix (what the 404 text
    and the log line show: a Host header cannot disguise it). ``headers`` are
    ``(lowercase name, value)`` pairs, read only when the handler uses them.
    ``host`` is a valid ``host[:port]``: the Host header, else the server's name.
    """

    method: str
    scheme: str
    host: str
    full_path: str
    path: str
    query: str = ""
    headers: Iterable[tuple[str, str]] = ()
    content_length: str | None = None

    @property
    def url(self) -> str:
        """The absolute URL the handler sees (``request.url``)."""
        if self.query:
            return f"{self.scheme}://{self.host}{self.full_path}?{self.query}"
        return f"{self.scheme}://{self.host}{self.full_path}"

    @property
    def mount(self) -> str:
        """The raw path the router is mounted at ("" at the root)."""
        full, path = self.full_path, self.path
        return full[: len(full) - len(path)] if path and full.endswith(path) else ""

    @classmethod
    def from_url(
        cls,
        url: str,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] = (),
        *,
        mount: str = "",
    ) -> RequestHead:
        """A head for an absolute URL (tests, scripts): ``mount`` is the leading part
        of its path the router is mounted below."""
        scheme, _, rest = url.partition("://")
        slash = rest.find("/")
        host, target = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
        full_path, _, query = target.partition("?")
        pairs = list(headers)
        length = next((v for n, v in pairs if n.lower() == "content-length"), None)
        return cls(
            method=method.upper(),
            scheme=scheme,
            host=host,
            full_path=full_path,
            path=full_path[len(mount) :] or "/",
            query=query,
            headers=pairs,
            content_length=length,
        )
