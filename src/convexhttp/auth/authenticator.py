"""``Authenticator``: an ``Authorization`` header or a JWT in, a ``UserIdentity`` or ``None`` out.

A token is routed to the first provider whose issuer (and application id, when
it has one) match its unverified ``iss`` and ``aud``, as Convex routes it; that
provider's key then verifies the signature, and PyJWT checks ``exp``, ``nbf``
and ``iat`` with a small leeway for clock skew. Every rejection is ``None``
and one log line on ``convexhttp.auth`` saying why, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib
import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

import jwt

from .identity import UserIdentity
from .keys import KeyLookupError
from .providers import AuthConfigError, KeyOptions, Provider, normalize_issuer, parse_provider

if TYPE_CHECKING:
    from jwt.types import Options

__all__ = [
    "DEFAULT_FETCH_TIMEOUT",
    "DEFAULT_KEY_MAX_AGE",
    "DEFAULT_LEEWAY",
    "DEFAULT_REFETCH_INTERVAL",
    "Authenticator",
    "AuthorizationHeaderError",
    "bearer_token",
]

logger = logging.getLogger("convexhttp.auth")

DEFAULT_LEEWAY = 30.0  # seconds of clock skew tolerated on exp, nbf and iat
DEFAULT_FETCH_TIMEOUT = 5.0  # seconds for one key or discovery fetch, all of it
DEFAULT_REFETCH_INTERVAL = 30.0  # seconds between two fetches of one provider's keys, at least
DEFAULT_KEY_MAX_AGE = 3600.0  # seconds before cached keys are fetched again (revocations)


class AuthorizationHeaderError(ValueError):
    """An ``Authorization`` header that is not ``Bearer <token>``."""


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; ``None`` when there is no header.

    The scheme is case-insensitive, as Convex's. Any other shape (another
    scheme, an empty token) raises ``AuthorizationHeaderError``, which the
    function API answers with a 4xx as Convex does.
    """
    if authorization is None:
        return None
    if len(authorization) <= 7 or authorization[:7].lower() != "bearer ":
        raise AuthorizationHeaderError("the Authorization header must be 'Bearer <token>'")
    token = authorization[7:].strip()
    if not token:
        raise AuthorizationHeaderError("the Authorization header has no token after 'Bearer'")
    return token


class _Rejected(Exception):
    def __init__(self, reason: str, level: int = logging.INFO) -> None:
        super().__init__(reason)
        self.reason = reason
        self.level = level


class Authenticator:
    """Verifies JWTs against the providers of ``convex/auth_config.py``.

    ``providers`` are Convex's provider objects as dicts (see ``docs/auth.md``);
    they are validated here, and a mistake raises ``AuthConfigError`` naming the
    provider and the field. Keys are fetched on first use and cached for the
    life of the process; one ``Authenticator`` serves every thread of a worker.

    ``leeway``: seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``.
    ``fetch_timeout``: seconds one discovery or JWKS fetch may take in all.
    ``refetch_interval``: least seconds between two fetches of one provider's
    keys (a token naming an unknown ``kid`` triggers at most one per interval).
    ``key_max_age``: seconds after which cached keys are fetched again, so that
    a key the provider withdrew stops verifying.
    """

    def __init__(
        self,
        providers: Sequence[Mapping[str, Any]],
        *,
        leeway: float = DEFAULT_LEEWAY,
        fetch_timeout: float = DEFAULT_FETCH_TIMEOUT,
        refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
        key_max_age: float = DEFAULT_KEY_MAX_AGE,
    ) -> None:
        for name, value in (
            ("leeway", leeway),
            ("fetch_timeout", fetch_timeout),
            ("refetch_interval", refetch_interval),
            ("key_max_age", key_max_age),
        ):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value!r}")
        if isinstance(providers, str | bytes | Mapping) or not isinstance(providers, Sequence):
            raise AuthConfigError(
                f"auth providers must be a list of provider dicts, not {type(providers).__name__}"
            )
        options = KeyOptions(float(fetch_timeout), float(refetch_interval), float(key_max_age))
        self._providers = tuple(parse_provider(i, p, options) for i, p in enumerate(providers))
        self._leeway = float(leeway)
        # iss and aud were matched when the provider was chosen.
        self._decode_options: dict[Provider, Options] = {
            p: {"require": list(p.required_claims), "verify_aud": False, "verify_iss": False}
            for p in self._providers
        }
        for provider in self._providers:
            if provider.application_id is None:
                logger.warning(
                    "auth: %s has no application_id: its tokens are accepted whatever their "
                    "audience ('aud'); set it unless the issuer is yours alone",
                    provider.label,
                )

    @classmethod
    def from_module(cls, module: ModuleType | str, **options: float) -> Authenticator:
        """The authenticator of an ``auth_config`` module (its ``providers`` list).

        ``module`` is a module or its dotted name; ``options`` are the
        constructor's keyword arguments.
        """
        if isinstance(module, str):
            module = importlib.import_module(module)
        providers = getattr(module, "providers", None)
        if providers is None:
            raise AuthConfigError(
                f"{module.__name__} has no 'providers': define providers = [...] in it"
            )
        return cls(providers, **options)

    @property
    def providers(self) -> tuple[str, ...]:
        """One line per provider, in order: its kind and issuer."""
        return tuple(p.label for p in self._providers)

    def identity_for(
        self, authorization: str | None, *, request_id: str | None = None
    ) -> UserIdentity | None:
        """The identity an ``Authorization`` header proves: ``None`` without the header (no
        log), and ``None`` with a log line for a malformed header or a rejected token."""
        try:
            token = bearer_token(authorization)
        except AuthorizationHeaderError as e:
            _log(logging.INFO, request_id, str(e))
            return None
        return None if token is None else self.verify(token, request_id=request_id)

    def verify(self, token: str, *, request_id: str | None = None) -> UserIdentity | None:
        """The identity a JWT proves, or ``None`` and a log line saying why it was refused."""
        try:
            return self._verify(token)
        except _Rejected as r:
            _log(r.level, request_id, r.reason)
        except Exception:
            prefix = f"[{request_id}] " if request_id else ""
            logger.exception("%sauth: token rejected: unexpected error while verifying", prefix)
        return None

    def _verify(self, token: str) -> UserIdentity:
        header, claims = _peek(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            raise _Rejected("malformed token: no 'alg' in its header")
        if alg.lower() == "none":
            raise _Rejected("unsigned token (alg 'none') refused")
        issuer = claims.get("iss")
        if not isinstance(issuer, str):
            raise _Rejected("malformed token: no 'iss' claim (a string)")
        provider = self._provider_for(issuer, _audiences(claims.get("aud")))
        if alg not in provider.algorithms:
            allowed = ", ".join(sorted(provider.algorithms))
            raise _Rejected(f"algorithm {alg!r} is not one {provider.label} accepts ({allowed})")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _Rejected("malformed token: its 'kid' is not a string")
        try:
            key = provider.keys.key_for(kid, alg)
        except KeyLookupError as e:
            level = logging.WARNING if e.fetch_failed else logging.INFO
            raise _Rejected(f"{e} ({provider.label})", level) from None
        try:
            verified = jwt.decode(
                token,
                key,
                algorithms=[alg],
                leeway=self._leeway,
                options=self._decode_options[provider],
            )
        except jwt.ExpiredSignatureError:
            raise _Rejected(f"expired at {_when(claims.get('exp'))}{self._skew_note()}") from None
        except jwt.ImmatureSignatureError as e:
            claim = "nbf" if "nbf" in str(e) else "iat"
            raise _Rejected(
                f"not yet valid: {claim} {_when(claims.get(claim))} is in the future"
                f"{self._skew_note()}"
            ) from None
        except jwt.InvalidSignatureError:
            raise _Rejected(f"bad signature (key {kid!r} of {provider.label})") from None
        except jwt.MissingRequiredClaimError as e:
            raise _Rejected(f"malformed token: no {e.claim!r} claim") from None
        except jwt.PyJWTError as e:
            raise _Rejected(f"malformed token: {e}") from None
        if not verified["sub"]:
            raise _Rejected("malformed token: empty 'sub' claim")
        return provider.to_identity(verified)

    def _provider_for(self, issuer: str, audiences: list[str]) -> Provider:
        """The first provider for this issuer whose application id is among the audiences."""
        normalized = normalize_issuer(issuer)
        same_issuer = [p for p in self._providers if p.issuer == normalized]
        for provider in same_issuer:
            if provider.accepts_audience(audiences):
                return provider
        if same_issuer:
            wanted = " or ".join(repr(p.application_id) for p in same_issuer)
            raise _Rejected(f"wrong audience: 'aud' is {audiences or 'missing'}, not {wanted}")
        if not self._providers:
            raise _Rejected("no auth providers are configured")
        known = ", ".join(repr(p.issuer) for p in self._providers)
        raise _Rejected(f"wrong issuer: {issuer!r} is none of the providers' ({known})")

    def _skew_note(self) -> str:
        now = datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds")
        return f" (now {now}, {self._leeway:g}s leeway)"

    def __repr__(self) -> str:
        return f"Authenticator({list(self.providers)!r})"


def _log(level: int, request_id: str | None, reason: str) -> None:
    if request_id:
        logger.log(level, "[%s] auth: token rejected: %s", request_id, reason)
    else:
        logger.log(level, "auth: token rejected: %s", reason)


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A token's header and claims, unverified: enough to pick its provider and key."""
    if not isinstance(token, str):
        raise _Rejected(f"malformed token: a {type(token).__name__}, not a str")
    parts = token.split(".")
    if len(parts) == 5:
        raise _Rejected("malformed token: encrypted tokens (JWE) are not supported")
    if len(parts) != 3:
        raise _Rejected(f"malformed token: {len(parts)} dot-separated parts, a JWT has 3")
    return _header(parts[0]), _segment(parts[1], "payload")


@functools.lru_cache(maxsize=64)
def _header(text: str) -> dict[str, Any]:
    # Every token one key signs has the same header: parse each once. (Never mutated.)
    return _segment(text, "header")


def _segment(text: str, name: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw.decode())
    except (ValueError, binascii.Error):
        raise _Rejected(f"malformed token: its {name} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise _Rejected(f"malformed token: its {name} is not a JSON object")
    return value


def _audiences(aud: Any) -> list[str]:
    if aud is None:
        return []
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return aud
    raise _Rejected("malformed token: 'aud' is neither a string nor a list of strings")


def _when(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(float(timestamp), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return repr(timestamp)
