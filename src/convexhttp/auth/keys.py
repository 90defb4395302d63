"""Signing keys: reading a JWKS, fetching it over HTTP, and the per-process cache.

A key set is fetched on first use and kept. It is fetched again when a token
names a key id the set lacks (a rotation) or when it is older than its maximum
age (a revocation), but never more often than once per ``refetch_interval``:
a flood of tokens with made-up ``kid`` values costs one fetch, not one each.
A failed fetch keeps the keys we had.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["KeyCache", "KeyLookupError", "KeySet", "http_get_json", "parse_jwks", "read_data_url"]

logger = logging.getLogger("convexhttp.auth")

MAX_DOCUMENT_BYTES = 1 << 20  # a JWKS or discovery document is a few KB

# What each asymmetric algorithm we accept needs of a JWK.
_KTY = {"RS256": ("RSA", None), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}


class KeyLookupError(Exception):
    """A key set could not be had, or holds no key for a token; ``str()`` says why.

    ``fetch_failed`` is set when fetching the keys failed (our problem, or the
    provider's), as opposed to a token naming a key that does not exist.
    """

    def __init__(self, message: str, *, fetch_failed: bool = False) -> None:
        super().__init__(message)
        self.fetch_failed = fetch_failed


@dataclass(frozen=True)
class KeySet:
    """Verification keys by ``kid``, each with the one algorithm it verifies."""

    by_kid: Mapping[str, tuple[str, Any]]
    without_kid: tuple[tuple[str, Any], ...]

    def find(self, kid: str | None, alg: str) -> Any | None:
        """The key for a token's ``kid`` and ``alg``; with no ``kid``, the set's only key for ``alg``."""
        if kid is not None:
            entry = self.by_kid.get(kid)
            return entry[1] if entry is not None and entry[0] == alg else None
        candidates = [k for a, k in (*self.by_kid.values(), *self.without_kid) if a == alg]
        return candidates[0] if len(candidates) == 1 else None

    def describe_miss(self, kid: str | None, alg: str) -> str:
        if kid is None:
            count = sum(1 for a, _ in (*self.by_kid.values(), *self.without_kid) if a == alg)
            return f"the token has no 'kid' and the key set has {count} {alg} keys, not one"
        if kid in self.by_kid:
            return f"key {kid!r} is a {self.by_kid[kid][0]} key, the token says {alg}"
        return f"unknown key id {kid!r} (known: {', '.join(map(repr, self.by_kid)) or 'none'})"


def parse_jwks(document: Any, algorithms: frozenset[str]) -> KeySet:
    """The keys of a JWKS document usable for ``algorithms``; other keys are skipped."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise KeyLookupError('not a JWKS: expected a JSON object {"keys": [...]}')
    by_kid: dict[str, tuple[str, Any]] = {}
    without_kid: list[tuple[str, Any]] = []
    for jwk in document["keys"]:
        usable = _usable(jwk, algorithms)
        if usable is None:
            continue
        kid = jwk.get("kid")
        if isinstance(kid, str):
            by_kid.setdefault(kid, usable)
        elif kid is None:
            without_kid.append(usable)
    if not by_kid and not without_kid:
        raise KeyLookupError(f"the JWKS holds no usable {'/'.join(sorted(algorithms))} signing key")
    return KeySet(by_kid, tuple(without_kid))


def _usable(jwk: Any, algorithms: frozenset[str]) -> tuple[str, Any] | None:
    if not isinstance(jwk, Mapping) or jwk.get("use", "sig") != "sig":
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    for alg in sorted(algorithms):
        kty, crv = _KTY[alg]
        if jwk.get("kty") != kty or jwk.get("alg", alg) != alg or jwk.get("crv", crv) != crv:
            continue
        try:
            key = jwt.PyJWK(dict(jwk), algorithm=alg).key
        except jwt.PyJWTError:
            return None  # malformed parameters: skip it, as a verifier skips keys it cannot use
        if isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey | Ed25519PrivateKey):
            key = key.public_key()  # a private JWK published by mistake still verifies
        return alg, key
    return None


# urllib's default opener also reads file:, ftp: and data: URLs; a key URL
# from a discovery document must not reach those.
_opener = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(),
    urllib.request.UnknownHandler(),
    urllib.request.HTTPHandler(),
    urllib.request.HTTPSHandler(),
    urllib.request.HTTPDefaultErrorHandler(),
    urllib.request.HTTPRedirectHandler(),
    urllib.request.HTTPErrorProcessor(),
):
    _opener.add_handler(_handler)


def http_get_json(url: str, timeout: float) -> Any:
    """GET a JSON document; the whole exchange is bounded by ``timeout`` and 1 MB."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise KeyLookupError(f"{url}: only http and https URLs are fetched")
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "convexhttp"}
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise KeyLookupError(f"{url}: response larger than {MAX_DOCUMENT_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError("timed out")
                chunks.append(chunk)
    except urllib.error.HTTPError as e:
        raise KeyLookupError(f"{url}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise KeyLookupError(f"{url}: {_describe(e.reason)}") from None
    except (OSError, HTTPException, ValueError) as e:
        raise KeyLookupError(f"{url}: {_describe(e)}") from None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise KeyLookupError(f"{url}: the response is not JSON") from None


def _describe(error: object) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def read_data_url(url: str) -> bytes:
    """The bytes of a ``data:`` URL (Convex's way of inlining a JWKS)."""
    header, sep, data = url.partition(",")
    if not sep:
        raise ValueError("a data: URL needs a ','")
    if header.endswith(";base64"):
        return base64.b64decode(data, validate=False)
    return urllib.parse.unquote_to_bytes(data)


class KeyCache:
    """One provider's key set, loaded on first use and kept for the life of the process.

    ``load`` fetches or reads the set (raising ``KeyLookupError``). A cache
    with ``initial`` keys and no ``load`` never changes (a JWKS given inline).
    """

    def __init__(
        self,
        label: str,
        load: Callable[[], KeySet] | None,
        *,
        initial: KeySet | None = None,
        refetch_interval: float,
        max_age: float,
    ) -> None:
        self._label = label
        self._load = load
        self._keys = initial
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._loaded_at = time.monotonic()
        # The first load never counts against the interval: a key rotated in just after
        # start-up is still fetched at once.
        self._next_fetch = -math.inf
        self._last_error = ""
        self._lock = threading.Lock()

    def key_for(self, kid: str | None, alg: str) -> Any:
        """The key that verifies a token with this ``kid`` and ``alg``, or ``KeyLookupError`` why not."""
        keys = self._keys
        if keys is None or (
            self._load is not None and time.monotonic() - self._loaded_at > self._max_age
        ):
            if self._refresh(keys) == "failed" and keys is not None:
                logger.warning(
                    "JWT keys of %s could not be refreshed, the cached ones stay in use: %s",
                    self._label,
                    self._last_error,
                )
            keys = self._keys
            if keys is None:
                raise KeyLookupError(f"no keys: {self._why_not_fetched()}", fetch_failed=True)
        key = keys.find(kid, alg)
        if key is not None:
            return key
        if kid is None or kid in keys.by_kid or self._load is None:
            raise KeyLookupError(keys.describe_miss(kid, alg))
        outcome = self._refresh(keys)  # an unknown kid: the provider may have rotated its keys
        keys = self._keys or keys
        key = keys.find(kid, alg)
        if key is not None:
            return key
        if outcome == "fetched":
            raise KeyLookupError(f"{keys.describe_miss(kid, alg)}, also after refetching the keys")
        raise KeyLookupError(
            f"{keys.describe_miss(kid, alg)}; {self._why_not_fetched()}",
            fetch_failed=bool(self._last_error),
        )

    def _why_not_fetched(self) -> str:
        wait = max(self._next_fetch - time.monotonic(), 0.0)
        why = f"keys fetched at most once per {self._refetch_interval:g}s, next in {wait:.0f}s"
        return f"key fetch failed: {self._last_error} ({why})" if self._last_error else why

    def _refresh(self, seen: KeySet | None) -> Literal["fetched", "failed", "skipped"]:
        """Replace ``seen`` with a fresh set unless one was fetched too recently: "fetched"
        (here, or by another thread since this one looked), "failed" or "skipped"."""
        with self._lock:
            if self._keys is not seen:
                return "fetched"
            now = time.monotonic()
            if now < self._next_fetch or self._load is None:
                return "skipped"
            first_load = self._keys is None
            self._next_fetch = now + self._refetch_interval
            try:
                keys = self._load()
            except KeyLookupError as e:
                self._last_error = str(e)
                return "failed"
            if first_load:
                self._next_fetch = -math.inf
            self._keys, self._loaded_at, self._last_error = keys, now, ""
            return "fetched"
