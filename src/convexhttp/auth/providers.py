"""Auth providers, as in Convex's ``auth.config.ts``: validated at start-up, matched per token.

Three kinds: an OpenID Connect provider (``domain`` + ``application_id``, keys
by discovery), a ``customJwt`` provider (``issuer``, ``jwks``, ``algorithm``)
and, beyond Convex, a ``secret`` provider (HS256 with a shared secret).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .identity import UserIdentity, identity_from_jwt_claims, identity_from_oidc_claims
from .keys import KeyCache, KeyLookupError, KeySet, http_get_json, parse_jwks, read_data_url

__all__ = ["AuthConfigError", "KeyOptions", "Provider", "normalize_issuer", "parse_provider"]

OIDC_ALGORITHMS = frozenset({"RS256", "EdDSA"})  # what Convex's OIDC verifier allows
CUSTOM_JWT_ALGORITHMS = ("RS256", "ES256")  # what Convex's customJwt accepts
# RFC 7518 3.2: an HMAC key at least as long as the hash output.
SECRET_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}

_FIELDS = {
    "oidc": {"domain", "application_id"},
    "customJwt": {"type", "issuer", "jwks", "algorithm", "application_id"},
    "secret": {"type", "issuer", "secret", "algorithm", "application_id"},
}
_REQUIRED_CLAIMS = {
    # openidconnect's ID token needs iat; Convex's custom JWTs need sub, iss, exp.
    "oidc": ("iss", "sub", "aud", "exp", "iat"),
    "customJwt": ("iss", "sub", "exp"),
    "secret": ("iss", "sub", "exp"),
}
_SCHEME = re.compile(r"^\w+://")


class AuthConfigError(ValueError):
    """An auth provider's configuration is wrong; the message names the provider and field."""


@dataclass(frozen=True)
class KeyOptions:
    """How keys are fetched and kept (see ``Authenticator``)."""

    fetch_timeout: float
    refetch_interval: float
    max_age: float


class Keys(Protocol):
    def key_for(self, kid: str | None, alg: str) -> Any: ...


class _SharedSecret:
    """A ``secret`` provider's one key, whatever ``kid`` a token names."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def key_for(self, kid: str | None, alg: str) -> Any:
        return self._secret


@dataclass(frozen=True, eq=False)
class Provider:
    """One validated provider: which tokens it takes and how it checks them."""

    label: str  # names it in log lines and errors: providers[0] (customJwt https://...)
    kind: str
    issuer: str  # normalised: with a scheme, without a trailing slash
    application_id: str | None
    algorithms: frozenset[str]
    required_claims: tuple[str, ...]
    keys: Keys
    to_identity: Callable[[Mapping[str, Any]], UserIdentity]

    def accepts_audience(self, audiences: list[str]) -> bool:
        return self.application_id is None or self.application_id in audiences


def normalize_issuer(issuer: str) -> str:
    """An ``iss`` as Convex compares it: ``https://`` added when it has no scheme, no
    trailing slash. A configured issuer is read by the same rule (``_issuer``)."""
    if not _SCHEME.match(issuer):
        issuer = f"https://{issuer}"
    return issuer.rstrip("/")


def parse_provider(index: int, config: Any, options: KeyOptions) -> Provider:
    """Validate one entry of ``providers``; ``AuthConfigError`` names what is wrong."""
    where = f"auth provider providers[{index}]"
    if not isinstance(config, Mapping):
        raise AuthConfigError(f"{where}: expected a dict, got {type(config).__name__}")
    config = _canonical_names(where, config)
    kind = config.get("type", "oidc")
    if "type" in config and kind not in ("customJwt", "secret"):
        raise AuthConfigError(
            f"{where}: field 'type': {kind!r} is not a provider type; use 'customJwt', "
            "'secret', or no type and a 'domain' for an OpenID Connect provider"
        )
    _check_fields(where, kind, config)
    issuer = _issuer(where, "domain" if kind == "oidc" else "issuer", config)
    where = f"{where} ({kind} {issuer})"
    application_id = _application_id(where, config, required=kind == "oidc")
    label = f"providers[{index}] ({kind} {issuer})"

    keys: Keys
    if kind == "oidc":
        algorithms = OIDC_ALGORITHMS
        discovery = _Discovery(issuer, algorithms, options.fetch_timeout)
        keys = KeyCache(
            label, discovery, refetch_interval=options.refetch_interval, max_age=options.max_age
        )
        to_identity = identity_from_oidc_claims
    else:
        algorithm = _algorithm(where, kind, config)
        algorithms = frozenset({algorithm})
        if kind == "customJwt":
            keys = _jwks_keys(where, label, config.get("jwks"), algorithms, options)
        else:
            keys = _SharedSecret(_secret(where, config, algorithm))
        to_identity = identity_from_jwt_claims
    return Provider(
        label=label,
        kind=kind,
        issuer=issuer,
        application_id=application_id,
        algorithms=algorithms,
        required_claims=_REQUIRED_CLAIMS[kind],
        keys=keys,
        to_identity=to_identity,
    )


def _canonical_names(where: str, config: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(config)
    if "applicationID" in out:  # Convex's spelling
        if "application_id" in out:
            raise AuthConfigError(f"{where}: give 'application_id' or 'applicationID', not both")
        out["application_id"] = out.pop("applicationID")
    return out


def _check_fields(where: str, kind: str, config: Mapping[str, Any]) -> None:
    allowed = _FIELDS[kind]
    for name in config:
        if name not in allowed:
            # A misspelt applicationID would silently turn the audience check off.
            spellings = [*allowed, *(["applicationID"] if "application_id" in allowed else [])]
            close = difflib.get_close_matches(str(name), spellings, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AuthConfigError(
                f"{where}: unknown field {name!r}; {kind} providers take "
                f"{', '.join(sorted(allowed))}{hint}"
            )


def _issuer(where: str, field: str, config: Mapping[str, Any]) -> str:
    value = config.get(field)
    if not isinstance(value, str) or not value.strip():
        raise AuthConfigError(f"{where}: field {field!r} is required: the issuer URL of its tokens")
    url = normalize_issuer(value.strip())
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthConfigError(
            f"{where}: field {field!r}: {value!r} is not an http(s) URL such as "
            "'https://auth.example.com'"
        )
    return url


def _application_id(where: str, config: Mapping[str, Any], *, required: bool) -> str | None:
    value = config.get("application_id")
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        need = "is required" if required else "must be a non-empty string"
        raise AuthConfigError(
            f"{where}: field 'application_id' (or 'applicationID') {need}: "
            "the 'aud' its tokens carry"
        )
    return value


def _algorithm(where: str, kind: str, config: Mapping[str, Any]) -> str:
    allowed = CUSTOM_JWT_ALGORITHMS if kind == "customJwt" else tuple(SECRET_ALGORITHMS)
    value = config.get("algorithm", None if kind == "customJwt" else "HS256")
    if value not in allowed:
        got = "is required" if value is None else f"{value!r} is not supported"
        raise AuthConfigError(
            f"{where}: field 'algorithm' {got}; {kind} providers take "
            f"{' or '.join(map(repr, allowed))}"
        )
    return str(value)


def _secret(where: str, config: Mapping[str, Any], algorithm: str) -> bytes:
    value = config.get("secret")
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes) or not value:
        raise AuthConfigError(f"{where}: field 'secret' is required (str or bytes)")
    need = SECRET_ALGORITHMS[algorithm]
    if len(value) < need:
        raise AuthConfigError(
            f"{where}: field 'secret' is {len(value)} bytes, too short for {algorithm} "
            f"(at least {need}, RFC 7518 3.2); make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return value


def _jwks_keys(
    where: str, label: str, jwks: Any, algorithms: frozenset[str], options: KeyOptions
) -> KeyCache:
    """A customJwt provider's keys: a URL (fetched on first use), or a dict, ``data:`` URL or
    file read now, so that a bad key set stops the app at start-up."""

    def cache(load: Callable[[], KeySet] | None, initial: KeySet | None = None) -> KeyCache:
        return KeyCache(
            label,
            load,
            initial=initial,
            refetch_interval=options.refetch_interval,
            max_age=options.max_age,
        )

    try:
        if isinstance(jwks, Mapping):
            return cache(None, parse_jwks(jwks, algorithms))
        if isinstance(jwks, str) and jwks.startswith(("http://", "https://")):
            url = jwks
            return cache(lambda: parse_jwks(http_get_json(url, options.fetch_timeout), algorithms))
        if isinstance(jwks, str) and jwks.startswith("data:"):
            return cache(None, parse_jwks(_json(read_data_url(jwks)), algorithms))
        if isinstance(jwks, str | os.PathLike):
            text = os.fspath(jwks)
            path = Path(urllib.parse.urlsplit(text).path if text.startswith("file:") else text)
            return cache(
                lambda: _read_jwks_file(path, algorithms), _read_jwks_file(path, algorithms)
            )
    except (KeyLookupError, ValueError) as e:
        raise AuthConfigError(f"{where}: field 'jwks': {e}") from None
    raise AuthConfigError(
        f"{where}: field 'jwks' is required: a URL, a data: URL, a file path or a dict "
        '{"keys": [...]}'
    )


def _read_jwks_file(path: Path, algorithms: frozenset[str]) -> KeySet:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise KeyLookupError(f"cannot read {path}: {e.strerror or e}") from None
    return parse_jwks(_json(data, str(path)), algorithms)


def _json(data: bytes, source: str = "the data: URL") -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise KeyLookupError(f"{source} is not JSON") from None


class _Discovery:
    """OpenID Connect discovery: ``<issuer>/.well-known/openid-configuration`` names the
    ``jwks_uri``; it is looked up again only when the JWKS itself cannot be fetched."""

    def __init__(self, issuer: str, algorithms: frozenset[str], timeout: float) -> None:
        self._issuer = issuer
        self._algorithms = algorithms
        self._timeout = timeout
        self._jwks_uri: str | None = None

    def __call__(self) -> KeySet:
        if self._jwks_uri is None:
            self._jwks_uri = self._discover()
        try:
            return parse_jwks(http_get_json(self._jwks_uri, self._timeout), self._algorithms)
        except KeyLookupError:
            self._jwks_uri = None
            raise

    def _discover(self) -> str:
        url = f"{self._issuer}/.well-known/openid-configuration"
        document = http_get_json(url, self._timeout)
        if not isinstance(document, Mapping):
            raise KeyLookupError(f"{url}: not an OpenID configuration (a JSON object)")
        issuer = document.get("issuer")
        # OpenID Connect Discovery 4.3: the document must name the issuer it was asked for.
        if not isinstance(issuer, str) or normalize_issuer(issuer) != self._issuer:
            raise KeyLookupError(f"{url}: names issuer {issuer!r}, not {self._issuer!r}")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise KeyLookupError(f"{url}: no http(s) 'jwks_uri'")
        return jwks_uri
