"""Answers in the caller's language, with a code a program can rely on."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.auth import (
    CurrentPrincipal,
    Role,
    TokenIssuer,
    TokenVerifier,
    generate_keypair,
    install_auth,
)
from shared.errors import Conflict, install_error_handlers
from shared.messages import Language, Message, negotiate

FULL = Message("test_activity_full", "「{title}」名额已满", "{title} is full")


@pytest.mark.parametrize(
    ("header", "preferred", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", None, Language.ZH),
        ("en-GB,en;q=0.9", "zh", Language.EN),  # the header (the app's own choice) wins
        ("fr-FR, en;q=0.5, zh;q=0.4", None, Language.EN),  # by q-value, among ours
        ("fr-FR", "en", Language.EN),  # none of ours: the account's preference
        ("fr-FR", None, Language.ZH),  # nothing: Chinese
        (None, None, Language.ZH),
        ("", "xx", Language.ZH),
    ],
)
def test_the_language_is_negotiated(
    header: str | None, preferred: str | None, expected: Language
) -> None:
    assert negotiate(header, preferred) is expected


def test_a_code_names_one_message() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        Message("test_activity_full", "别的", "something else")


class Body(BaseModel):
    name: str = Field(min_length=2)
    count: int = Field(ge=1)


@pytest.fixture
def issuer_and_verifier() -> tuple[TokenIssuer, TokenVerifier]:
    private, public = generate_keypair()
    return (
        TokenIssuer(private, issuer="linli", audience="linli-api"),
        TokenVerifier(public, issuer="linli", audience="linli-api"),
    )


@pytest.fixture
def client(issuer_and_verifier: tuple[TokenIssuer, TokenVerifier]) -> TestClient:
    app = FastAPI()
    install_auth(app, issuer_and_verifier[1])
    install_error_handlers(app)

    @app.post("/things")
    def make(body: Body, size: Annotated[int, Query(le=10)] = 1) -> None:
        raise Conflict(FULL, title="敬老院探访")

    @app.get("/mine")
    def mine(principal: CurrentPrincipal) -> None:
        raise Conflict(FULL, title=principal.subject)

    return TestClient(app)


def test_a_refusal_says_its_code_and_its_text_in_chinese_by_default(client: TestClient) -> None:
    response = client.post("/things", json={"name": "ab", "count": 1})
    assert response.status_code == 409
    assert response.json() == {"code": "test_activity_full", "detail": "「敬老院探访」名额已满"}
    assert response.headers["content-language"] == "zh"
    assert response.headers["vary"] == "Accept-Language"


def test_a_refusal_is_in_english_when_asked(client: TestClient) -> None:
    response = client.post(
        "/things", json={"name": "ab", "count": 1}, headers={"Accept-Language": "en-US,en"}
    )
    assert response.json() == {"code": "test_activity_full", "detail": "敬老院探访 is full"}
    assert response.headers["content-language"] == "en"


def test_invalid_fields_are_told_in_the_callers_language(client: TestClient) -> None:
    bad = {"name": "a", "count": 0}
    chinese = client.post("/things?size=11", json=bad).json()
    assert chinese["code"] == "invalid_input"
    assert {(tuple(e["loc"]), e["type"], e["msg"]) for e in chinese["detail"]} == {
        (("query", "size"), "less_than_equal", "应不大于 10"),
        (("body", "name"), "string_too_short", "至少 2 个字"),
        (("body", "count"), "greater_than_equal", "应不小于 1"),
    }
    english = client.post("/things", json={"count": 1}, headers={"Accept-Language": "en"}).json()
    assert english["detail"] == [
        {"loc": ["body", "name"], "msg": "Field required", "type": "missing"}
    ]


def test_the_accounts_language_answers_when_the_request_names_none(
    client: TestClient, issuer_and_verifier: tuple[TokenIssuer, TokenVerifier]
) -> None:
    issuer = issuer_and_verifier[0]
    token = issuer.issue_access("Wang", Role.VOLUNTEER, "c1", language="en")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/mine", headers=auth).json()["detail"] == "Wang is full"
    asked = client.get("/mine", headers={**auth, "Accept-Language": "zh-CN"})
    assert asked.json()["detail"] == "「Wang」名额已满"


def test_framework_refusals_have_codes_too(client: TestClient) -> None:
    assert client.get("/nowhere").json()["code"] == "route_not_found"
    assert client.delete("/things").json()["code"] == "method_not_allowed"
    assert client.get("/mine").json() == {
        "code": "token_missing",
        "detail": "请先登录（缺少访问令牌）",
    }
