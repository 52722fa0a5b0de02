"""Every service refuses every token it must not trust: 401 with WWW-Authenticate.

Expired, tampered (payload changed, signature kept), signed with another key or
algorithm (HS256 keyed with the public key, alg=none), for another audience or from
another issuer, a refresh token, garbage. The same call with a good token succeeds,
so a 401 here is the token's doing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest

from shared.auth import REFRESH, Role, TokenIssuer, generate_keypair
from tests.security.conftest import SERVICES, System

# A call on each service that any valid token of a community admin may make.
PROTECTED = {
    "registry": "/communities",
    "activities": "/communities/c1/activities",
    "evaluation": "/communities/c1/stars",
    "notifications": "/inbox",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(system: System) -> dict[str, object]:
    token = system.token(Role.COMMUNITY_ADMIN, "c1")
    return dict(json.loads(_unb64(token.split(".")[1])))


def _unsigned_with(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def expired(system: System) -> str:
    return system.issuer.issue("acct", Role.COMMUNITY_ADMIN, "c1", ttl=timedelta(seconds=-5))


def tampered(system: System) -> str:
    # A community admin's token made district-wide, its signature kept.
    header, payload, signature = system.token(Role.COMMUNITY_ADMIN, "c1").split(".")
    claims = json.loads(_unb64(payload))
    claims.update(role="district_admin", community=None)
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def hs256_with_public_key(system: System) -> str:
    # The classic confusion: an HMAC signed with the (public) verification key.
    signing_input = _unsigned_with({"alg": "HS256", "typ": "JWT"}, _claims(system))
    mac = hmac.new(system.public_pem.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{_b64(mac.digest())}"


def alg_none(system: System) -> str:
    return _unsigned_with({"alg": "none", "typ": "JWT"}, _claims(system)) + "."


def another_key(system: System) -> str:
    stranger = TokenIssuer(generate_keypair()[0], issuer="linli-registry", audience="linli")
    return stranger.issue_access("acct", Role.DISTRICT_ADMIN, None)


def wrong_audience(system: System) -> str:
    issuer = TokenIssuer(system.private_pem, issuer="linli-registry", audience="elsewhere")
    return issuer.issue_access("acct", Role.COMMUNITY_ADMIN, "c1")


def wrong_issuer(system: System) -> str:
    issuer = TokenIssuer(system.private_pem, issuer="someone-else", audience="linli")
    return issuer.issue_access("acct", Role.COMMUNITY_ADMIN, "c1")


def refresh_token(system: System) -> str:
    return system.issuer.issue("acct", Role.COMMUNITY_ADMIN, "c1", token_type=REFRESH)


def unknown_role(system: System) -> str:
    # Well signed, but a role the platform does not have.
    claims = {**_claims(system), "role": "superuser"}
    return jwt.encode(claims, system.private_pem, algorithm="EdDSA")


def garbage(system: System) -> str:
    return "not-a-token"


def three_garbage_parts(system: System) -> str:
    return "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"


BAD_TOKENS: dict[str, Callable[[System], str]] = {
    "expired": expired,
    "tampered payload": tampered,
    "HS256 keyed with the public key": hs256_with_public_key,
    "alg none": alg_none,
    "signed by another key": another_key,
    "wrong audience": wrong_audience,
    "wrong issuer": wrong_issuer,
    "refresh token": refresh_token,
    "unknown role": unknown_role,
    "garbage": garbage,
    "three garbage parts": three_garbage_parts,
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_bad_token_is_refused_by_every_service(system: System, service: str) -> None:
    client, path = system.clients[service], PROTECTED[service]
    good = client.get(path, headers=system.headers(Role.COMMUNITY_ADMIN, "c1"))
    assert good.status_code == 200, good.text
    problems = []
    for name, make in BAD_TOKENS.items():
        response = client.get(path, headers={"Authorization": f"Bearer {make(system)}"})
        if response.status_code != 401:
            problems.append(f"{name}: {response.status_code} {response.text[:200]}")
        elif not response.headers.get("www-authenticate", "").startswith("Bearer"):
            problems.append(f"{name}: 401 without a Bearer WWW-Authenticate header")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "authorization", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_a_missing_or_malformed_authorization_header_is_refused(
    system: System, service: str, authorization: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = system.clients[service].get(PROTECTED[service], headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
