"""Who may call: SPEC 5.7's shared-secret provider, so tests can mint their own tokens."""

ISSUER = "https://issuer.clients.test"
AUDIENCE = "clients-app"
SECRET = "tests-only shared secret, not secret"

providers = [
    {
        "type": "secret",
        "issuer": ISSUER,
        "secret": SECRET,
        "algorithm": "HS256",
        "application_id": AUDIENCE,
    }
]
