"""Fixtures for the auth tests: keys generated once per test process, a provider per test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.auth.idp import IdentityProvider, SigningKey, serving


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return SigningKey.generate("RS256", "rsa-1")


@pytest.fixture(scope="session")
def other_rsa_key() -> SigningKey:
    return SigningKey.generate("RS256", "rsa-2")


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return SigningKey.generate("ES256", "ec-1")


@pytest.fixture(scope="session")
def ed_key() -> SigningKey:
    return SigningKey.generate("EdDSA", "ed-1")


@pytest.fixture
def idp(rsa_key: SigningKey) -> Iterator[IdentityProvider]:
    """An OpenID Connect provider on loopback publishing ``rsa_key``."""
    with serving(rsa_key) as provider:
        yield provider


@pytest.fixture
def auth_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="convexhttp.auth")
    return caplog
