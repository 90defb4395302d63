"""A wrong provider stops the app at start-up with an error naming the provider and the field."""

from __future__ import annotations

import base64
import logging
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from convexhttp.auth import AuthConfigError, Authenticator
from tests.auth.idp import SigningKey, claims, jwks

RSA_JWKS: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _keys(rsa_key: SigningKey) -> None:
    RSA_JWKS.update(jwks(rsa_key))


def custom(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "customJwt",
        "issuer": "https://a.example",
        "jwks": RSA_JWKS,
        "algorithm": "RS256",
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not None}


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ({"domain": "https://a.example"}, "must be a list of provider dicts, not dict"),
        ("https://a.example", "must be a list of provider dicts, not str"),
        (["https://a.example"], "providers[0]: expected a dict, got str"),
        ([{"type": "oauth", "issuer": "x"}], "field 'type': 'oauth' is not a provider type"),
        ([{"application_id": "app"}], "providers[0]: field 'domain' is required"),
        (
            [{"domain": "https://a.example"}],
            "field 'application_id' (or 'applicationID') is required",
        ),
        (
            [{"domain": "ftp://a.example", "application_id": "x"}],
            "field 'domain': 'ftp://a.example' is not an http(s) URL",
        ),
        ([{"domain": "https://", "application_id": "x"}], "is not an http(s) URL"),
        (
            [{"domain": "https://a.example", "applicationId": "app"}],
            "unknown field 'applicationId'; oidc providers take application_id, domain; "
            "did you mean 'applicationID'?",
        ),
        (
            [{"domain": "https://a.example", "applicationID": "a", "application_id": "a"}],
            "give 'application_id' or 'applicationID', not both",
        ),
        ([custom(issuer=None)], "providers[0]: field 'issuer' is required"),
        (
            [custom(jwks=None)],
            "providers[0] (customJwt https://a.example): field 'jwks' is required",
        ),
        (
            [custom(algorithm=None)],
            "field 'algorithm' is required; customJwt providers take 'RS256' or 'ES256'",
        ),
        ([custom(algorithm="HS256")], "field 'algorithm' 'HS256' is not supported"),
        ([custom(algorithm="RS512")], "field 'algorithm' 'RS512' is not supported"),
        (
            [custom(application_id="")],
            "field 'application_id' (or 'applicationID') must be a non-empty string",
        ),
        ([custom(jwks={"keys": []})], "field 'jwks': the JWKS holds no usable RS256 signing key"),
        ([custom(jwks={"nokeys": 1})], "field 'jwks': not a JWKS"),
        ([custom(jwks="/no/such/jwks.json")], "field 'jwks': cannot read /no/such/jwks.json"),
        (
            [custom(jwks="data:application/json;base64,bm90IGpzb24=")],
            "field 'jwks': the data: URL is not JSON",
        ),
        ([custom(jwks=42)], "field 'jwks' is required: a URL, a data: URL, a file path or a dict"),
        ([{"type": "secret", "issuer": "https://a.example"}], "field 'secret' is required"),
        (
            [{"type": "secret", "issuer": "https://a.example", "secret": "short"}],
            "field 'secret' is 5 bytes, too short for HS256 (at least 32, RFC 7518 3.2)",
        ),
        (
            [
                {
                    "type": "secret",
                    "issuer": "https://a.example",
                    "secret": "x" * 40,
                    "algorithm": "HS512",
                }
            ],
            "too short for HS512 (at least 64",
        ),
        (
            [
                {
                    "type": "secret",
                    "issuer": "https://a.example",
                    "secret": "x" * 40,
                    "algorithm": "RS256",
                }
            ],
            "'RS256' is not supported; secret providers take 'HS256' or 'HS384' or 'HS512'",
        ),
        (
            [
                custom(),
                {"type": "secret", "issuer": "https://b.example", "secret": "x" * 40, "jwks": "u"},
            ],
            "auth provider providers[1]: unknown field 'jwks'; secret providers take",
        ),
    ],
)
def test_config_errors(providers: Any, message: str) -> None:
    with pytest.raises(AuthConfigError) as error:
        Authenticator(providers)
    assert message in str(error.value)


def test_a_jwks_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text("not json")
    with pytest.raises(AuthConfigError, match=r"field 'jwks': .*jwks.json is not JSON"):
        Authenticator([custom(jwks=str(path))])


@pytest.mark.parametrize("option", ["leeway", "fetch_timeout", "refetch_interval", "key_max_age"])
@pytest.mark.parametrize("value", [-1, float("inf"), float("nan")])
def test_options_are_seconds(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        Authenticator([], **{option: value})


def test_config_error_is_a_value_error() -> None:
    assert issubclass(AuthConfigError, ValueError)


def test_scheme_less_domain_means_https() -> None:
    auth = Authenticator([{"domain": "auth.example.com/", "applicationID": "app"}])
    assert auth.providers == ("providers[0] (oidc https://auth.example.com)",)


def test_missing_application_id_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="convexhttp.auth")
    Authenticator([custom()])
    assert "providers[0] (customJwt https://a.example) has no application_id" in caplog.text
    caplog.clear()
    Authenticator([custom(application_id="app")])
    assert caplog.text == ""


def test_from_module(rsa_key: SigningKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("auth_config")
    module.providers = [custom(applicationID="app")]  # type: ignore[attr-defined]
    auth = Authenticator.from_module(module)
    assert auth.verify(rsa_key.sign(claims("https://a.example"))) is not None

    encoded = base64.b64encode(str(jwks(rsa_key)).replace("'", '"').encode()).decode()
    (tmp_path / "myauth_config.py").write_text(
        "providers = [{'type': 'customJwt', 'issuer': 'https://b.example', 'applicationID': 'app',\n"
        f"              'jwks': 'data:;base64,{encoded}', 'algorithm': 'RS256'}}]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    auth = Authenticator.from_module("myauth_config", leeway=0)
    assert auth.verify(rsa_key.sign(claims("https://b.example"))) is not None
    sys.modules.pop("myauth_config", None)


def test_from_module_without_providers() -> None:
    with pytest.raises(AuthConfigError, match="auth_config has no 'providers'"):
        Authenticator.from_module(types.ModuleType("auth_config"))
