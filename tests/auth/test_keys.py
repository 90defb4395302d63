"""Where keys come from and how often they are fetched: once, again on a rotation, never in a flood."""

from __future__ import annotations

import base64
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from convexhttp.auth import Authenticator
from tests.auth.idp import IdentityProvider, SigningKey, claims, jwks, serving


def custom_jwt(idp: IdentityProvider, **options: float) -> Authenticator:
    provider = {
        "type": "customJwt",
        "issuer": idp.issuer,
        "jwks": idp.jwks_url,
        "algorithm": "RS256",
    }
    return Authenticator([provider], **options)


def last_line(log: pytest.LogCaptureFixture) -> logging.LogRecord:
    return [r for r in log.records if r.name == "convexhttp.auth"][-1]


# -- caching and refetching -------------------------------------------------------------------


def test_keys_are_fetched_once(idp: IdentityProvider, rsa_key: SigningKey) -> None:
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}])
    for _ in range(20):
        assert auth.verify(rsa_key.sign(claims(idp.issuer))) is not None
    assert idp.hits == {"/.well-known/openid-configuration": 1, "/jwks": 1}


def test_a_rotated_key_is_fetched_when_a_token_names_it(
    idp: IdentityProvider, rsa_key: SigningKey, other_rsa_key: SigningKey
) -> None:
    auth = custom_jwt(idp)
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is not None
    idp.keys.append(other_rsa_key)  # the provider rotates in a new key
    assert auth.verify(other_rsa_key.sign(claims(idp.issuer))) is not None
    assert idp.hits["/jwks"] == 2
    assert auth.verify(other_rsa_key.sign(claims(idp.issuer))) is not None
    assert idp.hits["/jwks"] == 2


def test_made_up_kids_cost_one_fetch_per_interval(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = custom_jwt(idp)  # refetch_interval defaults to 30 s
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is not None
    for i in range(50):
        assert auth.verify(rsa_key.with_kid(f"made-up-{i}").sign(claims(idp.issuer))) is None
    assert idp.hits["/jwks"] == 2  # the first load, then one refetch for made-up-0
    assert "unknown key id 'made-up-49'" in last_line(auth_log).getMessage()
    assert "keys fetched at most once per 30s" in last_line(auth_log).getMessage()
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is not None  # real tokens still pass


def test_refetch_interval_zero_refetches_on_every_unknown_kid(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = custom_jwt(idp, refetch_interval=0)
    for i in range(3):
        assert auth.verify(rsa_key.with_kid(f"made-up-{i}").sign(claims(idp.issuer))) is None
    assert idp.hits["/jwks"] == 4  # the first load, then one refetch per unknown kid
    assert "also after refetching the keys" in last_line(auth_log).getMessage()


def test_only_one_thread_fetches_while_others_wait(
    idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    auth = custom_jwt(idp, refetch_interval=0)
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def verify() -> None:
        barrier.wait()
        results.append(auth.verify(rsa_key.sign(claims(idp.issuer))))

    threads = [threading.Thread(target=verify) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is not None for r in results)
    assert idp.hits["/jwks"] == 1


def test_withdrawn_keys_stop_verifying_after_the_max_age(
    idp: IdentityProvider, rsa_key: SigningKey, other_rsa_key: SigningKey
) -> None:
    kept = custom_jwt(idp)
    aging = custom_jwt(idp, key_max_age=0, refetch_interval=0)
    token = rsa_key.sign(claims(idp.issuer))
    assert kept.verify(token) is not None and aging.verify(token) is not None
    idp.keys[:] = [other_rsa_key]  # the provider withdraws rsa-1
    assert kept.verify(token) is not None  # cached for key_max_age (an hour by default)
    assert aging.verify(token) is None


# -- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [
        (500, None, "HTTP 500"),
        (200, b"<html>oops</html>", "the response is not JSON"),
        (200, b'{"no": "keys"}', "not a JWKS"),
        (200, b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "no usable RS256 signing key"),
    ],
)
def test_a_failed_fetch_rejects_and_says_why(
    idp: IdentityProvider,
    rsa_key: SigningKey,
    auth_log: pytest.LogCaptureFixture,
    status: int,
    body: bytes | None,
    why: str,
) -> None:
    idp.status, idp.body = status, body
    auth = custom_jwt(idp)
    assert auth.verify(rsa_key.sign(claims(idp.issuer)), request_id="r-5") is None
    record = last_line(auth_log)
    assert record.levelno == logging.WARNING  # our problem (or the provider's), not the client's
    assert record.getMessage().startswith("[r-5] auth: token rejected: no keys: key fetch failed: ")
    assert why in record.getMessage()


def test_an_unreachable_provider(rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture) -> None:
    with serving(rsa_key) as idp:
        auth = custom_jwt(idp)
        issuer = idp.issuer
    assert auth.verify(rsa_key.sign(claims(issuer))) is None  # nothing listens there now
    assert "key fetch failed" in last_line(auth_log).getMessage()


def test_a_stalled_fetch_times_out(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    idp.stall = True
    auth = custom_jwt(idp, fetch_timeout=0.2)
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is None
    assert "timed out" in last_line(auth_log).getMessage()


def test_after_a_failure_the_next_fetch_waits_for_the_interval(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    idp.status = 503
    auth = custom_jwt(idp)
    token = rsa_key.sign(claims(idp.issuer))
    assert auth.verify(token) is None
    idp.status = 200
    assert auth.verify(token) is None  # no second fetch within the interval: a dead
    assert idp.hits["/jwks"] == 1  # provider is not hit by every request
    assert "HTTP 503" in last_line(auth_log).getMessage()
    assert "next in" in last_line(auth_log).getMessage()


def test_a_provider_back_up_is_used_at_the_next_allowed_fetch(
    idp: IdentityProvider, rsa_key: SigningKey
) -> None:
    idp.status = 503
    auth = custom_jwt(idp, refetch_interval=0)
    token = rsa_key.sign(claims(idp.issuer))
    assert auth.verify(token) is None
    idp.status = 200
    assert auth.verify(token) is not None


def test_a_failed_refresh_keeps_the_cached_keys(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = custom_jwt(idp, key_max_age=0, refetch_interval=0)
    token = rsa_key.sign(claims(idp.issuer))
    assert auth.verify(token) is not None
    idp.status = 500
    assert auth.verify(token) is not None
    record = last_line(auth_log)
    assert record.levelno == logging.WARNING
    assert "could not be refreshed, the cached ones stay in use: " in record.getMessage()


# -- OpenID Connect discovery ------------------------------------------------------------------


def test_discovery_must_name_the_issuer(
    idp: IdentityProvider, rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    idp.discovery_issuer = "https://someone-else.example"
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}])
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is None
    assert "names issuer 'https://someone-else.example'" in last_line(auth_log).getMessage()


def test_discovery_is_repeated_only_when_the_jwks_fails(
    idp: IdentityProvider, rsa_key: SigningKey, other_rsa_key: SigningKey
) -> None:
    auth = Authenticator([{"domain": idp.issuer, "application_id": "app"}], refetch_interval=0)
    assert auth.verify(rsa_key.sign(claims(idp.issuer))) is not None
    idp.keys.append(other_rsa_key)
    assert auth.verify(other_rsa_key.sign(claims(idp.issuer))) is not None
    assert idp.hits == {"/.well-known/openid-configuration": 1, "/jwks": 2}


# -- key sets that are not URLs -----------------------------------------------------------------


def provider(keys: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "customJwt",
        "issuer": "https://a.example",
        "jwks": keys,
        "algorithm": "RS256",
        **extra,
    }


def test_jwks_as_a_dict(rsa_key: SigningKey) -> None:
    auth = Authenticator([provider(jwks(rsa_key))])
    assert auth.verify(rsa_key.sign(claims("https://a.example"))) is not None


def test_jwks_as_a_data_url(rsa_key: SigningKey) -> None:
    # Convex's docs inline a JWKS this way to avoid a fetch.
    encoded = base64.b64encode(json.dumps(jwks(rsa_key)).encode()).decode()
    auth = Authenticator([provider(f"data:text/plain;charset=utf-8;base64,{encoded}")])
    assert auth.verify(rsa_key.sign(claims("https://a.example"))) is not None


@pytest.mark.parametrize("form", ["str", "path", "file-url"])
def test_jwks_from_a_file(tmp_path: Path, rsa_key: SigningKey, form: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(rsa_key)))
    keys: Any = {"str": str(path), "path": path, "file-url": path.as_uri()}[form]
    auth = Authenticator([provider(keys)])
    assert auth.verify(rsa_key.sign(claims("https://a.example"))) is not None


def test_a_jwks_file_is_read_again_for_an_unknown_kid(
    tmp_path: Path, rsa_key: SigningKey, other_rsa_key: SigningKey
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(rsa_key)))
    auth = Authenticator([provider(str(path))], refetch_interval=0)
    path.write_text(json.dumps(jwks(rsa_key, other_rsa_key)))
    assert auth.verify(other_rsa_key.sign(claims("https://a.example"))) is not None


def test_keys_the_provider_cannot_use_are_skipped(
    rsa_key: SigningKey, ec_key: SigningKey, other_rsa_key: SigningKey
) -> None:
    encryption_key = {**other_rsa_key.public_jwk, "use": "enc"}
    keys = {
        "keys": [
            ec_key.public_jwk,
            encryption_key,
            {"kty": "RSA", "kid": "broken"},
            rsa_key.public_jwk,
        ]
    }
    auth = Authenticator([provider(keys)])
    assert auth.verify(rsa_key.sign(claims("https://a.example"))) is not None
    assert auth.verify(other_rsa_key.sign(claims("https://a.example"))) is None  # use: enc


def test_without_kid_a_set_of_several_keys_is_ambiguous(
    rsa_key: SigningKey, other_rsa_key: SigningKey, auth_log: pytest.LogCaptureFixture
) -> None:
    auth = Authenticator([provider(jwks(rsa_key, other_rsa_key))])
    assert auth.verify(rsa_key.with_kid(None).sign(claims("https://a.example"))) is None
    assert (
        "the token has no 'kid' and the key set has 2 RS256 keys, not one"
        in last_line(auth_log).getMessage()
    )
