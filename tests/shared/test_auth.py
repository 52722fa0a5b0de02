"""Token verification: what is accepted, what is refused, and the HTTP answers."""

from __future__ import annotations

import base64
import json
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shared.auth import (
    REFRESH,
    CurrentPrincipal,
    InvalidToken,
    Principal,
    Role,
    TokenIssuer,
    TokenVerifier,
    ensure_community_access,
    generate_keypair,
    install_auth,
    keys_cli,
    require_roles,
)
from shared.errors import install_error_handlers

ISSUER, AUDIENCE = "linli-registry", "linli"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def issuer(keys: tuple[str, str]) -> TokenIssuer:
    return TokenIssuer(keys[0], issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def verifier(keys: tuple[str, str]) -> TokenVerifier:
    return TokenVerifier(keys[1], issuer=ISSUER, audience=AUDIENCE)


def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_a_token_round_trips_to_its_principal(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    principal = verifier.verify(issuer.issue_access("acc-1", Role.COMMUNITY_ADMIN, "c1"))
    assert principal.subject == "acc-1"
    assert principal.role is Role.COMMUNITY_ADMIN
    assert principal.community == "c1"
    assert principal.can_access_community("c1")
    assert not principal.can_access_community("c2")


def test_an_expired_token_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue("a", Role.VOLUNTEER, "c1", ttl=timedelta(seconds=-1))
    assert _refused(verifier, token) == "expired"


def test_a_token_verified_before_is_refused_once_it_expires(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    # Verified tokens are remembered; their expiry must still be judged at every use.
    token = issuer.issue("a", Role.VOLUNTEER, "c1", ttl=timedelta(seconds=2))
    assert verifier.verify(token).subject == "a"
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires_at - time.time()) + 0.05)
    assert _refused(verifier, token) == "expired"


def test_a_remembered_token_is_still_checked_for_its_type(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    refresh = issuer.issue("a", Role.VOLUNTEER, "c1", token_type=REFRESH)
    assert verifier.verify(refresh, token_type=REFRESH).subject == "a"
    assert _refused(verifier, refresh) == "type"


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_payload_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, payload, signature = _segments(issuer.issue_access("a", Role.VOLUNTEER, "c1"))
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "district_admin"
    assert _refused(verifier, f"{header}.{_b64(claims)}.{signature}") == "signature"


def test_a_tampered_signature_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, payload, signature = _segments(issuer.issue_access("a", Role.VOLUNTEER, "c1"))
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert _refused(verifier, f"{header}.{payload}.{forged}") == "signature"


def _claims() -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "sub": "a",
        "role": "district_admin",
        "community": None,
        "typ": "access",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x",
    }


def test_an_unsigned_token_is_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(_claims(), None, algorithm="none")  # type: ignore[arg-type]
    assert _refused(verifier, token) == "signature"


def test_hmac_signed_with_the_public_key_is_refused(
    keys: tuple[str, str], verifier: TokenVerifier
) -> None:
    header = _b64({"alg": "HS256", "typ": "JWT"})
    claims = {
        k: (int(v.timestamp()) if isinstance(v, datetime) else v) for k, v in _claims().items()
    }
    import hashlib
    import hmac

    body = f"{header}.{_b64(claims)}"
    mac = hmac.new(keys[1].encode(), body.encode(), hashlib.sha256).digest()
    token = f"{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert _refused(verifier, token) == "signature"


def test_a_token_for_another_audience_or_issuer_is_refused(keys: tuple[str, str]) -> None:
    verifier = TokenVerifier(keys[1], issuer=ISSUER, audience=AUDIENCE)
    other_audience = TokenIssuer(keys[0], issuer=ISSUER, audience="elsewhere")
    other_issuer = TokenIssuer(keys[0], issuer="someone", audience=AUDIENCE)
    token = other_audience.issue_access("a", Role.DISTRICT_ADMIN, None)
    assert _refused(verifier, token) == "audience"
    token = other_issuer.issue_access("a", Role.DISTRICT_ADMIN, None)
    assert _refused(verifier, token) == "issuer"


def test_a_token_signed_by_another_key_is_refused(verifier: TokenVerifier) -> None:
    stranger = TokenIssuer(generate_keypair()[0], issuer=ISSUER, audience=AUDIENCE)
    token = stranger.issue_access("a", Role.DISTRICT_ADMIN, None)
    assert _refused(verifier, token) == "signature"


def test_a_refresh_token_does_not_open_the_api(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue("a", Role.VOLUNTEER, "c1", token_type=REFRESH, ttl=timedelta(days=7))
    assert _refused(verifier, token) == "type"
    assert verifier.verify(token, token_type=REFRESH).subject == "a"


def test_a_community_role_without_a_community_is_refused(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue_access("a", Role.VOLUNTEER, None)
    assert _refused(verifier, token) == "community"


def test_an_unknown_role_is_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = jwt.encode({**_claims(), "role": "emperor"}, keys[0], algorithm="EdDSA")
    assert _refused(verifier, token) == "role"


def test_a_token_missing_a_claim_is_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    claims = _claims()
    del claims["jti"]
    token = jwt.encode(claims, keys[0], algorithm="EdDSA")
    assert _refused(verifier, token) == "claims"


# -- HTTP ---------------------------------------------------------------------------


@pytest.fixture
def client(verifier: TokenVerifier) -> TestClient:
    app = FastAPI()
    install_auth(app, verifier)
    install_error_handlers(app)

    @app.get(
        "/communities/{community_id}",
        dependencies=[Depends(require_roles(Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN))],
    )
    def read(community_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        ensure_community_access(principal, community_id)
        return {"community": community_id, "by": principal.subject}

    return TestClient(app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_http_without_a_token_answers_401_with_a_challenge(client: TestClient) -> None:
    response = client.get("/communities/c1")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"code": "token_missing", "detail": "请先登录（缺少访问令牌）"}


def test_http_with_a_bad_token_answers_401(client: TestClient) -> None:
    response = client.get("/communities/c1", headers=_bearer("not.a.token"))
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_http_with_a_role_not_allowed_answers_403(client: TestClient, issuer: TokenIssuer) -> None:
    token = issuer.issue_access("v", Role.VOLUNTEER, "c1")
    response = client.get("/communities/c1", headers=_bearer(token))
    assert response.status_code == 403
    assert response.json()["code"] == "role_forbidden"
    assert response.json()["detail"] == "志愿者无权进行此操作"


def test_http_scopes_community_roles_and_hides_other_communities(
    client: TestClient, issuer: TokenIssuer
) -> None:
    own = _bearer(issuer.issue_access("adm", Role.COMMUNITY_ADMIN, "c1"))
    assert client.get("/communities/c1", headers=own).json() == {"community": "c1", "by": "adm"}
    other = client.get("/communities/c2", headers=own)
    assert other.status_code == 404
    assert other.json()["code"] == "community_not_found"
    district = _bearer(issuer.issue_access("d", Role.DISTRICT_ADMIN, None))
    assert client.get("/communities/c2", headers=district).status_code == 200


def test_http_without_a_configured_key_answers_503() -> None:
    app = FastAPI()
    install_auth(app, None)
    install_error_handlers(app)

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> Principal:
        return principal

    response = TestClient(app).get("/me", headers=_bearer("x"))
    assert response.status_code == 503
    assert response.json()["code"] == "token_key_missing"
    assert "JWT_PUBLIC_KEY_FILE" in response.json()["detail"]


# -- keys command ---------------------------------------------------------------------


def test_the_keys_command_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    result = CliRunner().invoke(keys_cli, ["generate", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    private = tmp_path / "jwt-private.pem"
    public = tmp_path / "jwt-public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    issuer = TokenIssuer(private.read_text(), issuer=ISSUER, audience=AUDIENCE)
    verifier = TokenVerifier(public.read_text(), issuer=ISSUER, audience=AUDIENCE)
    assert verifier.verify(issuer.issue_access("a", Role.DISTRICT_ADMIN, None)).subject == "a"

    before = private.read_text()
    CliRunner().invoke(keys_cli, ["generate", "--dir", str(tmp_path), "--if-missing"])
    assert private.read_text() == before
    CliRunner().invoke(keys_cli, ["generate", "--dir", str(tmp_path)])
    assert private.read_text() != before
