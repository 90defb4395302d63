"""``ctx.auth``'s verifying half: JWTs from Convex-style providers to a ``UserIdentity``.

``Authenticator(providers)`` validates the providers of ``convex/auth_config.py``
at start-up; ``identity_for(authorization_header)`` and ``verify(token)`` return
the caller's ``UserIdentity`` or ``None`` (and log why on ``convexhttp.auth``).
See ``docs/auth.md``.
"""

from .authenticator import (
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_KEY_MAX_AGE,
    DEFAULT_LEEWAY,
    DEFAULT_REFETCH_INTERVAL,
    Authenticator,
    AuthorizationHeaderError,
    bearer_token,
)
from .identity import UserIdentity
from .providers import AuthConfigError

__all__ = [
    "DEFAULT_FETCH_TIMEOUT",
    "DEFAULT_KEY_MAX_AGE",
    "DEFAULT_LEEWAY",
    "DEFAULT_REFETCH_INTERVAL",
    "AuthConfigError",
    "Authenticator",
    "AuthorizationHeaderError",
    "UserIdentity",
    "bearer_token",
]
