"""A real identity provider for the auth tests: signing keys and an HTTP server on 127.0.0.1.

The server serves an OpenID Connect discovery document and a JWKS, counts every
request, and can be told to fail, stall or publish other keys.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ALGORITHMS = ("RS256", "ES256", "EdDSA")


@dataclass
class SigningKey:
    """A private key, the algorithm it signs with and its ``kid``."""

    private: Any
    alg: str
    kid: str | None

    @classmethod
    def generate(cls, alg: str, kid: str | None) -> SigningKey:
        if alg == "RS256":
            private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            private = ed25519.Ed25519PrivateKey.generate()
        return cls(private, alg, kid)

    def with_kid(self, kid: str | None) -> SigningKey:
        return SigningKey(self.private, self.alg, kid)

    @property
    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        if self.kid is not None:
            jwk["kid"] = self.kid
        jwk["use"] = "sig"
        return jwk

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        headers = {"kid": self.kid, **header} if self.kid is not None else header
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in keys]}


def claims(issuer: str, *, aud: Any = "app", **extra: Any) -> dict[str, Any]:
    """A valid token's claims for ``issuer``: issued now, valid for ten minutes."""
    now = int(time.time())
    base: dict[str, Any] = {"iss": issuer, "sub": "user-1", "iat": now, "exp": now + 600}
    if aud is not None:
        base["aud"] = aud
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    """A token built by hand: any header, any payload, any signature."""
    parts = (json.dumps(header).encode(), json.dumps(payload).encode())
    return f"{b64(parts[0])}.{b64(parts[1])}.{signature}"


@dataclass
class IdentityProvider:
    """An OIDC provider on a free loopback port: ``/.well-known/openid-configuration``, ``/jwks``."""

    keys: list[SigningKey] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    status: int = 200  # what /jwks and discovery answer
    body: bytes | None = None  # a body to send instead of the document
    stall: bool = False  # hold every request until the provider stops
    discovery_issuer: str | None = None  # the issuer the discovery document names
    _release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def document(self, path: str) -> Any:
        if path == "/.well-known/openid-configuration":
            issuer = self.discovery_issuer or self.issuer
            return {
                "issuer": issuer,
                "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        if path == "/jwks":
            return jwks(*self.keys)
        return None


def _handler_for(idp: IdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            idp.hits[self.path] += 1
            if idp.stall:
                idp._release.wait(timeout=30)
                return
            document = idp.document(self.path)
            if document is None:
                self.send_error(404)
                return
            body = idp.body if idp.body is not None else json.dumps(document).encode()
            self.send_response(idp.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(*keys: SigningKey) -> Iterator[IdentityProvider]:
    idp = IdentityProvider(keys=list(keys))
    idp.start()
    try:
        yield idp
    finally:
        idp.stop()
