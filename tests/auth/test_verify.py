"""Which tokens give an identity, and why each other token gives None and a log line (SPEC 5.7)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from convexhttp.auth import Authenticator
from tests.auth.idp import IdentityProvider, SigningKey, claims, jwks, unsigned

SECRET = "s3cret-" * 8  # 56 bytes


def custom_jwt(issuer: str, keys: Any, algorithm: str = "RS256", **extra: Any) -> dict[str, Any]:
    return {"type": "customJwt", "issuer": issuer, "jwks": keys, "algorithm": algorithm, **extra}


def rejection(log: pytest.LogCaptureFixture) -> str:
    """The one line the last rejection logged."""
    lines = [r.getMessage() for r in log.records if r.name == "convexhttp.auth"]
    assert lines, "a rejection must log why"
    return lines[-1]


# -- accepted ---------------------------------------------------------------------------------


def test_oidc_provider_finds_its_keys_by_discovery(
    idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}])
    identity = auth.verify(rsa_key.sign(claims(idp.issuer, email="ann@example.com")))
    assert identity is not None
    assert identity.token_identifier == f"{idp.issuer}|user-1"
    assert (identity.subject, identity.issuer, identity.email) == (
        "user-1",
        idp.issuer,
        "ann@example.com",
    )
    assert idp.hits == {"/.well-known/openid-configuration": 1, "/jwks": 1}


def test_oidc_provider_accepts_eddsa(idp: IdentityProvider, ed_key: SigningKey) -> None:
    idp.keys.append(ed_key)
    auth = Authenticator([{"domain": idp.issuer, "applicationID": "app"}])
    assert auth.verify(ed_key.sign(claims(idp.issuer))) is not None


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_custom_jwt_provider_with_a_jwks_url(
    idp: IdentityProvider, alg: str, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    key = rsa_key if alg == "RS256" else ec_key
    idp.keys[:] = [key]
    auth = Authenticator([custom_jwt(idp.issuer, idp.jwks_url, alg, application_id="app")])
    identity = auth.verify(key.sign(claims(idp.issuer)))
    assert identity is not None and identity.subject == "user-1"
    assert idp.hits == {"/jwks": 1}  # no discovery for a custom JWT


def test_custom_jwt_without_application_id_takes_any_audience(rsa_key: SigningKey) -> None:
    auth = Authenticator([custom_jwt("https://auth.example.com", jwks(rsa_key))])
    assert auth.verify(rsa_key.sign(claims("https://auth.example.com", aud=None))) is not None
    assert auth.verify(rsa_key.sign(claims("https://auth.example.com", aud="other"))) is not None


def test_secret_provider_verifies_hs256() -> None:
    issuer = "https://api.example.com"
    auth = Authenticator(
        [{"type": "secret", "issuer": issuer, "secret": SECRET, "application_id": "app"}]
    )
    token = jwt.encode(claims(issuer), SECRET, algorithm="HS256")
    identity = auth.verify(token)
    assert identity is not None and identity.token_identifier == f"{issuer}|user-1"
    assert auth.verify(jwt.encode(claims(issuer), "another" + SECRET, algorithm="HS256")) is None


def test_issuer_matches_as_convex_matches_it(rsa_key: SigningKey) -> None:
    # Trailing slashes never matter, and a scheme-less issuer means https (Auth0, dynamic.xyz).
    auth = Authenticator([custom_jwt("auth.example.com", jwks(rsa_key))])
    for iss in ("https://auth.example.com/", "auth.example.com", "https://auth.example.com"):
        identity = auth.verify(rsa_key.sign(claims(iss)))
        assert identity is not None and identity.issuer == iss  # the token's own spelling


def test_a_configured_issuer_and_a_tokens_are_read_by_one_rule(rsa_key: SigningKey) -> None:
    # "HTTPS://..." has a scheme in the config and in a token alike (once, the token's
    # got a second "https://" in front, and this provider matched no token at all).
    auth = Authenticator([custom_jwt("HTTPS://auth.example.com/", jwks(rsa_key))])
    for iss in ("HTTPS://auth.example.com", "HTTPS://auth.example.com/"):
        assert auth.verify(rsa_key.sign(claims(iss))) is not None, iss


def test_audience_may_be_a_list(rsa_key: SigningKey) -> None:
    auth = Authenticator([custom_jwt("https://a.example", jwks(rsa_key), application_id="app")])
    assert auth.verify(rsa_key.sign(claims("https://a.example", aud=["other", "app"]))) is not None


def test_first_provider_matching_issuer_and_audience_wins(
    rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    auth = Authenticator(
        [
            custom_jwt("https://a.example", jwks(rsa_key), application_id="web"),
            custom_jwt("https://a.example", jwks(ec_key), "ES256", application_id="mobile"),
        ]
    )
    assert auth.verify(ec_key.sign(claims("https://a.example", aud="mobile"))) is not None
    assert auth.verify(rsa_key.sign(claims("https://a.example", aud="web"))) is not None
    assert auth.verify(rsa_key.sign(claims("https://a.example", aud="mobile"))) is None


def test_small_clock_skew_is_tolerated(
    rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = Authenticator([custom_jwt("https://a.example", jwks(rsa_key))], leeway=30)
    now = int(time.time())
    just_expired = claims("https://a.example", exp=now - 10)
    almost_valid = claims("https://a.example", nbf=now + 10, iat=now + 10)
    assert auth.verify(rsa_key.sign(just_expired)) is not None
    assert auth.verify(rsa_key.sign(almost_valid)) is not None
    assert auth.verify(rsa_key.sign(claims("https://a.example", exp=now - 60))) is None
    assert "30s leeway" in rejection(auth_log)


def test_token_without_kid_uses_the_only_key(rsa_key: SigningKey) -> None:
    auth = Authenticator([custom_jwt("https://a.example", jwks(rsa_key))])
    assert auth.verify(rsa_key.with_kid(None).sign(claims("https://a.example"))) is not None


# -- rejected: each returns None and logs why --------------------------------------------------


@pytest.fixture
def auth(rsa_key: SigningKey) -> Authenticator:
    return Authenticator([custom_jwt("https://a.example", jwks(rsa_key), application_id="app")])


def token(key: SigningKey, **overrides: Any) -> str:
    return key.sign(claims("https://a.example", **overrides))


def test_expired(
    auth: Authenticator, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(token(rsa_key, exp=int(time.time()) - 3600), request_id="req-1") is None
    assert rejection(auth_log).startswith("[req-1] auth: token rejected: expired at ")


def test_not_yet_valid(
    auth: Authenticator, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    later = int(time.time()) + 3600
    assert auth.verify(token(rsa_key, nbf=later)) is None
    assert "not yet valid: nbf" in rejection(auth_log)
    assert auth.verify(token(rsa_key, iat=later)) is None
    assert "not yet valid: iat" in rejection(auth_log)


def test_wrong_issuer(
    auth: Authenticator, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(rsa_key.sign(claims("https://evil.example"))) is None
    assert "wrong issuer: 'https://evil.example'" in rejection(auth_log)


@pytest.mark.parametrize("aud", ["other", ["other", "more"], None])
def test_wrong_audience(
    auth: Authenticator, rsa_key: SigningKey, aud: Any, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(token(rsa_key, aud=aud)) is None
    assert "wrong audience" in rejection(auth_log) and "'app'" in rejection(auth_log)


def test_bad_signature(
    auth: Authenticator,
    rsa_key: SigningKey,
    other_rsa_key: SigningKey,
    auth_log: pytest.LogCaptureFixture,
) -> None:
    forged = other_rsa_key.with_kid(rsa_key.kid)  # the right kid, the wrong key
    assert auth.verify(token(forged)) is None
    assert "bad signature" in rejection(auth_log)


def test_tampered_claims(
    auth: Authenticator, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    header, payload, signature = token(rsa_key).split(".")
    claims_ = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims_["sub"] = "admin"
    tampered = unsigned(json.loads(base64.urlsafe_b64decode(header + "==")), claims_, signature)
    assert auth.verify(tampered) is None
    assert "bad signature" in rejection(auth_log)


def test_unknown_key(
    auth: Authenticator, other_rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(token(other_rsa_key)) is None
    assert "unknown key id 'rsa-2'" in rejection(auth_log)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none(auth: Authenticator, alg: str, auth_log: pytest.LogCaptureFixture) -> None:
    assert auth.verify(unsigned({"alg": alg, "kid": "rsa-1"}, claims("https://a.example"))) is None
    assert "alg 'none'" in rejection(auth_log)


def test_hs256_signed_with_the_public_key_is_refused(
    auth: Authenticator, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    # The classic algorithm confusion: HMAC keyed with the provider's public key.
    pem = rsa_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "rsa-1"}
    body = claims("https://a.example")
    signing_input = unsigned(header, body)[:-1].encode()
    signature = jwt.get_algorithm_by_name("HS256").sign(signing_input, pem)
    forged = unsigned(header, body, base64.urlsafe_b64encode(signature).rstrip(b"=").decode())
    assert auth.verify(forged) is None
    assert (
        "algorithm 'HS256' is not one providers[0] (customJwt https://a.example) accepts (RS256)"
        in rejection(auth_log)
    )


def test_an_algorithm_the_provider_did_not_name(
    idp: IdentityProvider,
    ec_key: SigningKey,
    rsa_key: SigningKey,
    auth_log: pytest.LogCaptureFixture,
) -> None:
    es_only = Authenticator([custom_jwt("https://a.example", jwks(ec_key), "ES256")])
    assert es_only.verify(token(rsa_key)) is None
    assert "algorithm 'RS256' is not one" in rejection(auth_log)
    idp.keys.append(ec_key)
    oidc = Authenticator([{"domain": idp.issuer, "application_id": "app"}])
    assert oidc.verify(ec_key.sign(claims(idp.issuer))) is None  # OIDC takes RS256 and EdDSA
    assert "algorithm 'ES256' is not one" in rejection(auth_log)


def test_a_key_of_another_kind_under_the_named_kid(
    idp: IdentityProvider, ed_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}])  # RS256 or EdDSA
    assert auth.verify(ed_key.with_kid("rsa-1").sign(claims(idp.issuer))) is None
    assert "key 'rsa-1' is a RS256 key, the token says EdDSA" in rejection(auth_log)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("", "1 dot-separated parts"),
        ("abc", "1 dot-separated parts"),
        ("a.b", "2 dot-separated parts"),
        ("a.b.c.d.e", "encrypted tokens (JWE)"),
        ("!!!.???.sig", "header is not base64url JSON"),
        ("W10.e30.sig", "header is not a JSON object"),  # [].{}
        (unsigned({"kid": "rsa-1"}, claims("https://a.example")), "no 'alg'"),
        (unsigned({"alg": "RS256"}, {"sub": "x"}), "no 'iss' claim"),
        (unsigned({"alg": "RS256"}, claims("https://a.example", aud=5)), "'aud' is neither"),
        (
            unsigned({"alg": "RS256", "kid": 7}, claims("https://a.example")),
            "'kid' is not a string",
        ),
    ],
)
def test_malformed_tokens(
    auth: Authenticator, bad: str, why: str, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(bad) is None
    assert "malformed token: " in rejection(auth_log) and why in rejection(auth_log)


@pytest.mark.parametrize("missing", ["sub", "exp"])
def test_required_claims(
    auth: Authenticator, rsa_key: SigningKey, missing: str, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.verify(token(rsa_key, **{missing: None})) is None
    assert f"no '{missing}' claim" in rejection(auth_log)


def test_oidc_tokens_need_iat(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}])
    assert auth.verify(rsa_key.sign(claims(idp.issuer, iat=None))) is None
    assert "no 'iat' claim" in rejection(auth_log)


def test_no_providers(rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture) -> None:
    assert Authenticator([]).verify(token(rsa_key)) is None
    assert "no auth providers are configured" in rejection(auth_log)


def test_the_log_never_holds_the_token(
    auth: Authenticator, other_rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    bad = token(other_rsa_key)
    auth.verify(bad)
    assert all(part not in auth_log.text for part in bad.split("."))


# -- the Authorization header -------------------------------------------------------------------


def test_identity_for_a_bearer_header(auth: Authenticator, rsa_key: SigningKey) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        identity = auth.identity_for(f"{scheme} {token(rsa_key)}")
        assert identity is not None and identity.subject == "user-1"


def test_no_header_is_no_identity_and_no_log(
    auth: Authenticator, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.identity_for(None, request_id="r") is None
    assert auth_log.records == []


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_malformed_header(
    auth: Authenticator, header: str, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.identity_for(header, request_id="r-9") is None
    assert rejection(auth_log).startswith("[r-9] auth: token rejected: the Authorization header")


def test_rejected_token_in_a_header(
    auth: Authenticator, other_rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    assert auth.identity_for(f"Bearer {token(other_rsa_key)}", request_id="r-2") is None
    assert rejection(auth_log).startswith("[r-2] auth: token rejected: unknown key id")
