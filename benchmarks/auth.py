"""JWT verification cost per request with cached keys (issue #8, item 5).

For each algorithm a provider can name: microseconds per ``Authenticator.verify``
once the keys are cached (every request after a worker's first), per
``identity_for("Bearer ...")`` (what a request pays, header parsing included),
and per ``jwt.decode`` called directly with a pre-parsed key and the same checks:
the floor set by PyJWT and the signature itself. The ratio verify / direct is
our overhead: routing the token to its provider, the key lookup, and building
the ``UserIdentity``.

The keys of the RS256, ES256 and EdDSA providers come from a JWKS served on
127.0.0.1 (EdDSA through OIDC discovery), fetched once before timing.

Run: ``make bench-auth`` (or ``python benchmarks/auth.py [--quick]``).
"""

from __future__ import annotations

import argparse
import math
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt

# The test suite's identity provider serves the keys.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convexhttp.auth import Authenticator
from tests.auth.idp import SigningKey, claims, serving

SECRET = "bench-secret-" * 4
REQUIRED = ["iss", "sub", "exp", "iat"]


def best_us(fns: list[Callable[[], Any]], number: int, rounds: int) -> list[float]:
    """Each function's best time per call in µs, the functions taking turns round after
    round, so that a busy machine slows them alike and the best round of each is clean."""
    best = [math.inf] * len(fns)
    for fn in fns:
        fn()
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    quick = parser.parse_args().quick
    number, rounds = (100, 5) if quick else (500, 30)

    keys = {alg: SigningKey.generate(alg, f"{alg}-key") for alg in ("RS256", "ES256", "EdDSA")}
    with serving(*keys.values()) as idp:
        oidc, es256, hs256 = idp.issuer, "https://es256.example", "https://hs256.example"
        auth = Authenticator(
            [
                {"domain": oidc, "application_id": "app"},  # RS256 and EdDSA, by discovery
                {
                    "type": "customJwt",
                    "issuer": es256,
                    "jwks": idp.jwks_url,
                    "algorithm": "ES256",
                    "application_id": "app",
                },
                {"type": "secret", "issuer": hs256, "secret": SECRET, "application_id": "app"},
            ]
        )
        cases = [
            ("RS256", oidc, keys["RS256"].sign(claims(oidc)), keys["RS256"].private.public_key()),
            ("ES256", es256, keys["ES256"].sign(claims(es256)), keys["ES256"].private.public_key()),
            ("EdDSA", oidc, keys["EdDSA"].sign(claims(oidc)), keys["EdDSA"].private.public_key()),
            ("HS256", hs256, jwt.encode(claims(hs256), SECRET, algorithm="HS256"), SECRET),
        ]
        for _, _, token, _ in cases:  # fetch and cache every key set before timing
            assert auth.verify(token) is not None
        fetches = sum(idp.hits.values())

        print(f"JWT verification per request, keys cached (best of {rounds} rounds of {number})")
        print(
            f"{'alg':<7}{'verify µs':>11}{'identity_for µs':>17}{'PyJWT direct µs':>17}{'ratio':>8}"
        )
        for alg, issuer, token, key in cases:

            def direct(
                token: str = token, key: Any = key, alg: str = alg, issuer: str = issuer
            ) -> None:
                jwt.decode(
                    token,
                    key,
                    algorithms=[alg],
                    audience="app",
                    issuer=issuer,
                    leeway=30,
                    options={"require": REQUIRED},
                )

            header = f"Bearer {token}"
            ours, with_header, floor = best_us(
                [
                    lambda token=token: auth.verify(token),
                    lambda header=header: auth.identity_for(header),
                    direct,
                ],
                number,
                rounds,
            )
            print(f"{alg:<7}{ours:>11.1f}{with_header:>17.1f}{floor:>17.1f}{ours / floor:>7.2f}x")
        assert sum(idp.hits.values()) == fetches, "keys were fetched again while timing"
        print(f"key fetches while timing: 0 (all {fetches} happened on first use)")


if __name__ == "__main__":
    main()
