"""``UserIdentity``: what ``ctx.auth.get_user_identity()`` returns, and how claims become one.

The identity is Convex's: an immutable mapping in Convex's JSON form (camelCase
standard fields, then custom claims), with the standard fields also readable as
snake_case attributes and their camelCase aliases.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, NoReturn, TypeVar, overload

__all__ = ["UserIdentity"]

T = TypeVar("T", str, bool)


class _Claim(Generic[T]):
    """A standard field read from the identity's JSON form; ``None`` when absent or ill-typed."""

    __slots__ = ("key", "kind")
    key: str
    kind: type[T]

    def __init__(self, key: str, kind: type[T]) -> None:
        self.key = key
        self.kind = kind

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _Claim[T]: ...
    @overload
    def __get__(self, obj: UserIdentity, owner: type[Any]) -> T | None: ...
    def __get__(self, obj: UserIdentity | None, owner: type[Any]) -> _Claim[T] | T | None:
        if obj is None:
            return self
        value = obj._fields.get(self.key)
        return value if isinstance(value, self.kind) else None


class _Required:
    """``tokenIdentifier``, ``subject`` and ``issuer``: always present, always ``str``."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _Required: ...
    @overload
    def __get__(self, obj: UserIdentity, owner: type[Any]) -> str: ...
    def __get__(self, obj: UserIdentity | None, owner: type[Any]) -> _Required | str:
        if obj is None:
            return self
        value: str = obj._fields[self.key]
        return value


class UserIdentity(Mapping[str, Any]):
    """An authenticated user, from a verified JWT (Convex's ``UserIdentity``).

    ``token_identifier`` (``"<issuer>|<subject>"``), ``subject`` and ``issuer`` are
    always there. The OpenID Connect standard fields are ``None`` when the token
    did not carry them: ``name``, ``given_name``, ``family_name``, ``nickname``,
    ``preferred_username``, ``profile_url``, ``picture_url``, ``website_url``,
    ``email``, ``email_verified``, ``gender``, ``birthday``, ``timezone``,
    ``language``, ``phone_number``, ``phone_number_verified``, ``address``,
    ``updated_at`` (each also under its Convex name: ``givenName``,
    ``pictureUrl``, ...).

    The identity is also a read-only mapping in Convex's JSON form, the object
    JavaScript code gets: ``identity["email"]``, ``identity["properties.id"]``
    for a custom claim, ``identity.get("role", "user")``, ``"org" in identity``.
    ``to_json()`` returns that form as a new ``dict``.
    """

    __slots__ = ("_fields",)
    _fields: dict[str, Any]

    def __init__(self, fields: Mapping[str, Any]) -> None:
        """Build an identity from Convex's JSON form.

        ``subject`` and ``issuer`` are required; ``tokenIdentifier`` defaults to
        ``"<issuer>|<subject>"``, as in Convex.
        """
        subject, issuer = fields.get("subject"), fields.get("issuer")
        if not isinstance(subject, str) or not isinstance(issuer, str):
            raise TypeError("a UserIdentity needs 'subject' and 'issuer' strings")
        token_identifier = fields.get("tokenIdentifier", f"{issuer}|{subject}")
        if not isinstance(token_identifier, str):
            raise TypeError("'tokenIdentifier' must be a string")
        json = {"tokenIdentifier": token_identifier, "issuer": issuer, "subject": subject}
        json.update((k, copy.deepcopy(v)) for k, v in fields.items() if k not in json)
        object.__setattr__(self, "_fields", json)

    token_identifier = tokenIdentifier = _Required("tokenIdentifier")
    subject = _Required("subject")
    issuer = _Required("issuer")
    name = _Claim("name", str)
    given_name = givenName = _Claim("givenName", str)
    family_name = familyName = _Claim("familyName", str)
    nickname = _Claim("nickname", str)
    preferred_username = preferredUsername = _Claim("preferredUsername", str)
    profile_url = profileUrl = _Claim("profileUrl", str)
    picture_url = pictureUrl = _Claim("pictureUrl", str)
    website_url = websiteUrl = _Claim("websiteUrl", str)
    email = _Claim("email", str)
    email_verified = emailVerified = _Claim("emailVerified", bool)
    gender = _Claim("gender", str)
    birthday = _Claim("birthday", str)
    timezone = _Claim("timezone", str)
    language = _Claim("language", str)
    phone_number = phoneNumber = _Claim("phoneNumber", str)
    phone_number_verified = phoneNumberVerified = _Claim("phoneNumberVerified", bool)
    address = _Claim("address", str)
    updated_at = updatedAt = _Claim("updatedAt", str)

    def to_json(self) -> dict[str, Any]:
        """Convex's JSON form: camelCase standard fields, then custom claims (a new dict)."""
        return copy.deepcopy(self._fields)

    toJSON = to_json

    def __getitem__(self, key: str) -> Any:
        value = self._fields[key]
        # Claims may hold lists or objects: hand out copies so the identity stays immutable.
        return copy.deepcopy(value) if isinstance(value, list | dict) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __hash__(self) -> int:
        return hash(self._fields["tokenIdentifier"])

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("UserIdentity is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("UserIdentity is immutable")

    def __reduce__(self) -> tuple[type[UserIdentity], tuple[dict[str, Any]]]:
        return (UserIdentity, (self._fields,))

    def __repr__(self) -> str:
        # Claims are personal data: the repr names the user, not their profile.
        return f"UserIdentity(token_identifier={self.token_identifier!r})"


# OIDC standard claims Convex maps to its fields: claim -> field.
_OIDC_STRINGS = {
    "name": "name",
    "given_name": "givenName",
    "family_name": "familyName",
    "nickname": "nickname",
    "preferred_username": "preferredUsername",
    "profile": "profileUrl",
    "picture": "pictureUrl",
    "website": "websiteUrl",
    "email": "email",
    "gender": "gender",
    "birthdate": "birthday",
    "zoneinfo": "timezone",
    "locale": "language",
    "phone_number": "phoneNumber",
}
_OIDC_BOOLEANS = {"email_verified": "emailVerified", "phone_number_verified": "phoneNumberVerified"}
_OIDC_MAPPED = {*_OIDC_STRINGS, *_OIDC_BOOLEANS, "address", "updated_at"}
# Claims of an ID token that are the protocol's, not the user's.
_OIDC_PROTOCOL = {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp"}
_OIDC_PROTOCOL |= {"at_hash", "c_hash"}
# JWT registered claims (biscuit's), never custom claims of a custom JWT.
_JWT_REGISTERED = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}
# Dropped as Convex drops them: they change on every refresh (fva: Clerk's factor age).
_VOLATILE = {"jti", "nbf", "fva"}


def identity_from_oidc_claims(claims: Mapping[str, Any]) -> UserIdentity:
    """An OIDC ID token's claims as Convex maps them: standard claims to fields, the rest custom."""
    fields = _required_fields(claims)
    for claim, field in _OIDC_STRINGS.items():
        if isinstance(value := claims.get(claim), str):
            fields[field] = value
    for claim, field in _OIDC_BOOLEANS.items():
        value = claims.get(claim)
        if isinstance(value, str) and value in ("true", "false"):
            value = value == "true"  # Cognito sends these as strings
        if isinstance(value, bool):
            fields[field] = value
    address = claims.get("address")
    if isinstance(address, Mapping):
        address = address.get("formatted")
    if isinstance(address, str):
        fields["address"] = address
    if (updated_at := _rfc3339(claims.get("updated_at"))) is not None:
        fields["updatedAt"] = updated_at
    for claim in sorted(claims.keys() - _OIDC_MAPPED - _OIDC_PROTOCOL - _VOLATILE):
        fields.setdefault(claim, claims[claim])
    return UserIdentity(fields)


def identity_from_jwt_claims(claims: Mapping[str, Any]) -> UserIdentity:
    """A custom JWT's claims as Convex maps them: every non-registered claim, nested
    objects flattened to dotted names (``{"properties": {"id": 1}}`` -> ``"properties.id"``)."""
    fields = _required_fields(claims)
    custom: dict[str, Any] = {}
    _flatten(custom, "", {k: v for k, v in claims.items() if k not in _JWT_REGISTERED})
    custom.pop("fva", None)
    for claim in sorted(custom):
        fields.setdefault(claim, custom[claim])
    return UserIdentity(fields)


def _required_fields(claims: Mapping[str, Any]) -> dict[str, Any]:
    # Set first, so that no custom claim can take these names.
    issuer, subject = claims["iss"], claims["sub"]
    return {"tokenIdentifier": f"{issuer}|{subject}", "issuer": issuer, "subject": subject}


def _flatten(into: dict[str, Any], prefix: str, obj: Mapping[str, Any]) -> None:
    for key, value in obj.items():
        if isinstance(value, Mapping):
            _flatten(into, f"{prefix}{key}.", value)
        else:
            into[f"{prefix}{key}"] = value


def _rfc3339(value: Any) -> str | None:
    """OIDC's ``updated_at`` (seconds since the epoch) as Convex shows it: an RFC 3339 string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    timespec = "seconds" if not moment.microsecond else "auto"
    if moment.microsecond and moment.microsecond % 1000 == 0:
        timespec = "milliseconds"
    return moment.isoformat(timespec=timespec)
