"""URL and URLSearchParams: enough of WHATWG's for code ported from Convex.

Parsing is the stdlib's ``urllib.parse`` with WHATWG's serialisation on top
(lowercase scheme and host, default port dropped, "/" for an empty special
path, percent-encoding of what must be encoded). Unlike WHATWG, dot segments
in an absolute URL are kept as given.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias
from urllib.parse import parse_qsl, quote, quote_plus, urljoin, urlsplit

from .pairs import PairList

__all__ = ["URL", "URLSearchParams", "is_absolute"]

SearchParamsInit: TypeAlias = (
    "str | URLSearchParams | Mapping[str, str] | Iterable[tuple[str, str]]"
)

_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
_SPECIAL_SCHEMES = {*_DEFAULT_PORTS, "file"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def _safe_except(excluded: str) -> str:
    # quote() encodes every non-ASCII character; these are the ASCII ones left alone.
    return "".join(c for c in string.printable if c not in excluded and c not in "\t\n\r\x0b\x0c ")


# WHATWG percent-encode sets (C0 controls, space and non-ASCII are always encoded).
_QUERY_SAFE = _safe_except('"#<>')
_SPECIAL_QUERY_SAFE = _safe_except("\"#<>'")
_PATH_SAFE = _safe_except('"#<>?`{}')
_FRAGMENT_SAFE = _safe_except('"<>`')
_USERINFO_SAFE = _safe_except('"#<>?`{}/:;=@[\\]^|')


class URL:
    """An absolute URL, parsed: ``URL("/p?q=1", base="https://example.com")``.

    Invalid input is a ``TypeError``, as in fetch.
    """

    def __init__(self, url: str | URL, base: str | URL | None = None) -> None:
        text = _TAB_OR_NEWLINE.sub("", str(url).strip(_C0_OR_SPACE))
        if not is_absolute(text):
            if base is None:
                raise TypeError(f"invalid URL {str(url)!r}: relative, and no base given")
            text = urljoin(URL(base).href, text)
        self._parse(text, str(url))
        self._search_params: URLSearchParams | None = None

    def _parse(self, text: str, original: str) -> None:
        try:
            parts = urlsplit(text)
        except ValueError as exc:
            raise TypeError(f"invalid URL {original!r}: {exc}") from None
        self._scheme = parts.scheme.lower()
        special = self._scheme in _SPECIAL_SCHEMES
        self._hostname: str | None = None
        self._port = ""
        self._username = quote(parts.username or "", safe=_USERINFO_SAFE)
        self._password = quote(parts.password or "", safe=_USERINFO_SAFE)
        if parts.netloc or special:
            self._hostname = _parse_host(parts.hostname or "", special, original)
            try:
                port = parts.port
            except ValueError:
                raise TypeError(f"invalid URL {original!r}: bad port") from None
            if port is not None and str(port) != _DEFAULT_PORTS.get(self._scheme):
                self._port = str(port)
        path = quote(parts.path, safe=_PATH_SAFE)
        self._path = "/" if special and not path else path
        has_query = "?" in text.split("#", 1)[0]
        query_safe = _SPECIAL_QUERY_SAFE if special else _QUERY_SAFE
        self._query = quote(parts.query, safe=query_safe) if has_query else None
        self._fragment = quote(parts.fragment, safe=_FRAGMENT_SAFE) if "#" in text else None

    @staticmethod
    def can_parse(url: str, base: str | None = None) -> bool:
        try:
            URL(url, base)
        except TypeError:
            return False
        return True

    @property
    def href(self) -> str:
        out = self._scheme + ":"
        if self._hostname is not None:
            out += "//"
            if self._username or self._password:
                out += self._username + (":" + self._password if self._password else "") + "@"
            out += self.host
        out += self._path + self.search
        if self._fragment is not None:
            out += "#" + self._fragment
        return out

    @property
    def protocol(self) -> str:
        return self._scheme + ":"

    @property
    def username(self) -> str:
        return self._username

    @property
    def password(self) -> str:
        return self._password

    @property
    def host(self) -> str:
        host = self.hostname
        return f"{host}:{self._port}" if self._port else host

    @property
    def hostname(self) -> str:
        return self._hostname or ""

    @property
    def port(self) -> str:
        return self._port

    @property
    def origin(self) -> str:
        if self._scheme in _DEFAULT_PORTS:
            return f"{self._scheme}://{self.host}"
        return "null"

    @property
    def pathname(self) -> str:
        return self._path

    @pathname.setter
    def pathname(self, value: str) -> None:
        path = quote(value, safe=_PATH_SAFE)
        if self._hostname is not None and not path.startswith("/"):
            path = "/" + path
        self._path = path

    @property
    def search(self) -> str:
        return f"?{self._query}" if self._query else ""

    @search.setter
    def search(self, value: str) -> None:
        value = value.removeprefix("?")
        safe = _SPECIAL_QUERY_SAFE if self._scheme in _SPECIAL_SCHEMES else _QUERY_SAFE
        self._query = quote(value, safe=safe) if value else None
        if self._search_params is not None:
            self._search_params._pairs = _parse_query(self._query or "")

    @property
    def hash(self) -> str:
        return f"#{self._fragment}" if self._fragment else ""

    @hash.setter
    def hash(self, value: str) -> None:
        value = value.removeprefix("#")
        self._fragment = quote(value, safe=_FRAGMENT_SAFE) if value else None

    @property
    def search_params(self) -> URLSearchParams:
        """A live view of the query: changing it changes ``search`` and ``href``."""
        if self._search_params is None:
            params = URLSearchParams(self._query or "")
            params._on_change = self._query_changed
            self._search_params = params
        return self._search_params

    def _query_changed(self, params: URLSearchParams) -> None:
        self._query = params.to_string() or None

    def to_json(self) -> str:
        return self.href

    def __str__(self) -> str:
        return self.href

    def __repr__(self) -> str:
        return f"URL({self.href!r})"

    searchParams = search_params
    canParse = can_parse
    toJSON = to_json


def is_absolute(url: str) -> bool:
    """Whether ``url`` starts with a scheme (else it needs a base to be parsed)."""
    scheme, sep, _ = url.strip(_C0_OR_SPACE).partition(":")
    return bool(sep) and _SCHEME.fullmatch(scheme) is not None


def _parse_host(host: str, special: bool, original: str) -> str:
    if special and not host:
        raise TypeError(f"invalid URL {original!r}: no host")
    if host.startswith("[") or ":" in host:  # IPv6, already unbracketed by urlsplit
        return f"[{host.strip('[]')}]"
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TypeError(f"invalid URL {original!r}: bad host") from None
    if _FORBIDDEN_HOST.search(host):
        raise TypeError(f"invalid URL {original!r}: bad host {host!r}")
    return host.lower()


def _parse_query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")


def _encode_form_component(text: str) -> str:
    # application/x-www-form-urlencoded leaves only alphanumerics and *-._ unescaped.
    return quote_plus(text, safe="*").replace("~", "%7E")


def _check_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"URLSearchParams {what} must be a str, not {type(value).__name__}")
    return value


class URLSearchParams(PairList[str]):
    """An ordered list of query (name, value) pairs, as WHATWG's ``URLSearchParams``.

    Iterating yields names (with repeats), like ``keys()``; ``items()`` yields pairs.
    """

    def __init__(self, init: SearchParamsInit | None = None) -> None:
        self._on_change: Callable[[URLSearchParams], None] | None = None
        self._pairs: list[tuple[str, str]] = []
        if init is None:
            return
        if isinstance(init, str):
            self._pairs = _parse_query(init.removeprefix("?"))
        elif isinstance(init, URLSearchParams):
            self._pairs = list(init._pairs)
        elif isinstance(init, Mapping):
            self._pairs = [(_check_str(k, "name"), _check_str(v, "value")) for k, v in init.items()]
        elif isinstance(init, Iterable) and not isinstance(init, bytes):
            for pair in init:
                items = tuple(pair)
                if len(items) != 2:
                    raise TypeError(f"URLSearchParams pair must have 2 items, not {pair!r}")
                self._pairs.append((_check_str(items[0], "name"), _check_str(items[1], "value")))
        else:
            raise TypeError(f"cannot build URLSearchParams from {type(init).__name__}")

    @property
    def size(self) -> int:
        return len(self._pairs)

    def append(self, name: str, value: str) -> None:
        self._pairs.append((_check_str(name, "name"), _check_str(value, "value")))
        self._changed()

    def delete(self, name: str, value: str | None = None) -> None:
        self._pairs = [
            (n, v) for n, v in self._pairs if n != name or (value is not None and v != value)
        ]
        self._changed()

    def get(self, name: str) -> str | None:
        return next((v for n, v in self._pairs if n == name), None)

    def get_all(self, name: str) -> list[str]:
        return [v for n, v in self._pairs if n == name]

    def has(self, name: str, value: str | None = None) -> bool:
        return any(n == name and (value is None or v == value) for n, v in self._pairs)

    def set(self, name: str, value: str) -> None:
        pair = (_check_str(name, "name"), _check_str(value, "value"))
        index = next((i for i, (n, _) in enumerate(self._pairs) if n == name), None)
        if index is None:
            self._pairs.append(pair)
        else:
            self._pairs[index] = pair
            self._pairs[index + 1 :] = [p for p in self._pairs[index + 1 :] if p[0] != name]
        self._changed()

    def sort(self) -> None:
        # Stable, by UTF-16 code units as WHATWG says.
        self._pairs.sort(key=lambda pair: pair[0].encode("utf-16-be", "surrogatepass"))
        self._changed()

    def to_string(self) -> str:
        return "&".join(
            f"{_encode_form_component(n)}={_encode_form_component(v)}" for n, v in self._pairs
        )

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"URLSearchParams({self._pairs!r})"

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self)

    getAll = get_all
    toString = to_string
