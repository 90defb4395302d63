"""What ``get_user_identity()`` gives: Convex's fields, snake_case and camelCase, and custom claims."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from convexhttp.auth import Authenticator, UserIdentity
from tests.auth.idp import IdentityProvider, SigningKey, claims, jwks

STANDARD_CLAIMS = {
    "name": "Ann Lee",
    "given_name": "Ann",
    "family_name": "Lee",
    "nickname": "annie",
    "preferred_username": "ann",
    "profile": "https://ann.example/profile",
    "picture": "https://ann.example/me.png",
    "website": "https://ann.example",
    "email": "ann@example.com",
    "email_verified": True,
    "gender": "female",
    "birthdate": "1990-01-02",
    "zoneinfo": "Europe/Paris",
    "locale": "fr-FR",
    "phone_number": "+33 1 23 45 67 89",
    "phone_number_verified": False,
    "address": {"formatted": "1 rue de la Paix, Paris", "country": "FR"},
    "updated_at": 1700000000,
}


@pytest.fixture
def oidc(idp: IdentityProvider) -> Authenticator:
    return Authenticator([{"domain": idp.issuer, "application_id": "app"}])


def oidc_identity(
    oidc: Authenticator, idp: IdentityProvider, key: SigningKey, **extra: Any
) -> UserIdentity:
    identity = oidc.verify(key.sign(claims(idp.issuer, **extra)))
    assert identity is not None
    return identity


def test_oidc_standard_claims_become_convex_fields(
    oidc: Authenticator, idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    identity = oidc_identity(oidc, idp, rsa_key, **STANDARD_CLAIMS)
    expected = {
        "name": "Ann Lee",
        "given_name": "Ann",
        "family_name": "Lee",
        "nickname": "annie",
        "preferred_username": "ann",
        "profile_url": "https://ann.example/profile",
        "picture_url": "https://ann.example/me.png",
        "website_url": "https://ann.example",
        "email": "ann@example.com",
        "email_verified": True,
        "gender": "female",
        "birthday": "1990-01-02",
        "timezone": "Europe/Paris",
        "language": "fr-FR",
        "phone_number": "+33 1 23 45 67 89",
        "phone_number_verified": False,
        "address": "1 rue de la Paix, Paris",
        "updated_at": "2023-11-14T22:13:20+00:00",
    }
    for attribute, value in expected.items():
        assert getattr(identity, attribute) == value, attribute
        camel = attribute.split("_")[0] + "".join(w.title() for w in attribute.split("_")[1:])
        assert getattr(identity, camel) == value, camel
        assert identity[camel] == value


def test_to_json_is_convex_json_form(
    oidc: Authenticator, idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    identity = oidc_identity(
        oidc,
        idp,
        rsa_key,
        email="ann@example.com",
        given_name="Ann",
        org={"id": 7},
        roles=["admin"],
    )
    assert identity.to_json() == {
        "tokenIdentifier": f"{idp.issuer}|user-1",
        "issuer": idp.issuer,
        "subject": "user-1",
        "givenName": "Ann",
        "email": "ann@example.com",
        "org": {"id": 7},  # an OIDC custom claim keeps its shape
        "roles": ["admin"],
    }
    assert list(identity.to_json())[:3] == ["tokenIdentifier", "issuer", "subject"]


def test_oidc_protocol_claims_are_not_custom_claims(
    oidc: Authenticator, idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    identity = oidc_identity(
        oidc,
        idp,
        rsa_key,
        azp="client",
        nonce="n",
        auth_time=1,
        jti="j",
        nbf=1,
        fva=[1, 2],
        sid="s",
    )
    assert set(identity) == {"tokenIdentifier", "issuer", "subject", "sid"}


def test_unset_standard_fields_are_none(
    oidc: Authenticator, idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    identity = oidc_identity(oidc, idp, rsa_key)
    assert identity.email is None and identity.givenName is None and identity.updated_at is None
    assert "email" not in identity and identity.get("email", "none") == "none"
    with pytest.raises(KeyError):
        identity["email"]


def test_cognito_string_booleans(
    oidc: Authenticator, idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    identity = oidc_identity(
        oidc, idp, rsa_key, email_verified="true", phone_number_verified="false"
    )
    assert identity.email_verified is True and identity.phone_number_verified is False


def test_custom_jwt_claims_are_flattened_as_convex_does(rsa_key: SigningKey) -> None:
    # Convex's custom JWT page: nested fields under dotted names.
    auth = Authenticator(
        [
            {
                "type": "customJwt",
                "issuer": "http://localhost:3000",
                "jwks": jwks(rsa_key),
                "algorithm": "RS256",
            }
        ]
    )
    token_claims = claims(
        "http://localhost:3000",
        sub="user:8fa2be73c2229e85",
        properties={"id": "123", "favoriteColor": "red", "deep": {"x": 1}},
        email="ann@example.com",
        given_name="Ann",
        tags=["a", "b"],
    )
    identity = auth.verify(rsa_key.sign(token_claims))
    assert identity is not None
    assert identity.to_json() == {
        "tokenIdentifier": "http://localhost:3000|user:8fa2be73c2229e85",
        "issuer": "http://localhost:3000",
        "subject": "user:8fa2be73c2229e85",
        "email": "ann@example.com",
        "given_name": "Ann",
        "properties.deep.x": 1,
        "properties.favoriteColor": "red",
        "properties.id": "123",
        "tags": ["a", "b"],
    }
    assert identity["properties.id"] == "123"
    assert identity.email == "ann@example.com"  # as identity.email reads it in Convex's JS
    assert identity.given_name is None  # Convex's JS sees identity.givenName undefined too


def test_a_claim_cannot_pose_as_the_token_identifier(rsa_key: SigningKey) -> None:
    auth = Authenticator(
        [
            {
                "type": "customJwt",
                "issuer": "https://a.example",
                "jwks": jwks(rsa_key),
                "algorithm": "RS256",
            }
        ]
    )
    spoof = claims("https://a.example", tokenIdentifier="https://a.example|admin", subject="admin")
    identity = auth.verify(rsa_key.sign(spoof))
    assert identity is not None
    assert identity.token_identifier == "https://a.example|user-1"
    assert identity["subject"] == identity.subject == "user-1"


def test_an_ill_typed_standard_claim_reads_as_none(rsa_key: SigningKey) -> None:
    auth = Authenticator(
        [
            {
                "type": "customJwt",
                "issuer": "https://a.example",
                "jwks": jwks(rsa_key),
                "algorithm": "RS256",
            }
        ]
    )
    identity = auth.verify(rsa_key.sign(claims("https://a.example", email=42)))
    assert identity is not None
    assert identity.email is None and identity["email"] == 42


def test_identity_is_immutable() -> None:
    identity = UserIdentity({"subject": "u", "issuer": "https://i", "roles": ["a"]})
    with pytest.raises(AttributeError):
        identity.email = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        identity.subject = "admin"  # type: ignore[misc]
    identity["roles"].append("admin")
    identity.to_json()["roles"].append("admin")
    assert identity["roles"] == ["a"]


def test_identity_from_json_form() -> None:
    identity = UserIdentity({"issuer": "https://i", "subject": "u", "email": "e@x"})
    assert identity.token_identifier == "https://i|u" and identity.email == "e@x"
    assert dict(identity) == identity.to_json() and len(identity) == 4
    assert identity == UserIdentity(identity.to_json())
    assert hash(identity) == hash(UserIdentity(identity.to_json()))
    assert pickle.loads(pickle.dumps(identity)) == identity
    with pytest.raises(TypeError):
        UserIdentity({"issuer": "https://i"})


def test_repr_names_the_user_not_the_profile() -> None:
    identity = UserIdentity({"issuer": "https://i", "subject": "u", "email": "e@x"})
    assert repr(identity) == "UserIdentity(token_identifier='https://i|u')"
