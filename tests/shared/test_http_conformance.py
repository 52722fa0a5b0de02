"""The shared layer keeps the answers to what the OpenAPI document says."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from shared.errors import install_error_handlers
from shared.http import (
    TEXT_WITHOUT_NUL,
    AllowHeaderMiddleware,
    TextWithoutNulMiddleware,
    document_text_without_nul,
)
from shared.messages import UNREADABLE_BODY, Language
from shared.types import Day, Input, Integer, Timestamp


class Note(Input):
    text: str
    kind: str = "plain"
    count: Integer = 1
    day: Day | None = None


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(TextWithoutNulMiddleware)
    app.add_middleware(AllowHeaderMiddleware)

    @app.post("/notes", status_code=201)
    async def post_note(note: Note) -> Note:
        return note

    @app.get("/notes")
    async def get_notes(q: str = "") -> list[str]:
        return [q]

    @app.delete("/notes/{note_id}", status_code=204)
    async def delete_note(note_id: str) -> None:
        return None

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app())


def test_a_405_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.put("/notes")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert client.patch("/notes/1").headers["allow"] == "DELETE"


def test_a_body_that_is_not_utf8_is_invalid_input_not_an_undocumented_400(
    client: TestClient,
) -> None:
    response = client.post(
        "/notes", content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": UNREADABLE_BODY.code,
        "detail": UNREADABLE_BODY.render(Language.ZH),
    }


def test_input_refuses_fields_it_does_not_declare_and_numbers_in_disguise(
    client: TestClient,
) -> None:
    assert client.post("/notes", json={"text": "hi", "count": 2}).status_code == 201
    # JSON Schema counts 2.0 an integer, so the document allows it.
    assert client.post("/notes", json={"text": "hi", "count": 2.0}).json()["count"] == 2
    for body in (
        {"text": "hi", "colour": "red"},
        {"text": "hi", "count": False},
        {"text": "hi", "count": "2"},
    ):
        response = client.post("/notes", json=body)
        assert response.status_code == 422, body
    with pytest.raises(ValidationError):
        Note.model_validate({"text": "x", "count": True})


def test_the_document_says_text_holds_no_nul_where_the_middleware_refuses_it(
    client: TestClient,
) -> None:
    document = document_text_without_nul(_app().openapi())
    note = document["components"]["schemas"]["Note"]
    assert note["additionalProperties"] is False
    assert note["properties"]["text"]["pattern"] == TEXT_WITHOUT_NUL
    assert note["properties"]["kind"]["pattern"] == TEXT_WITHOUT_NUL
    # A date has its format: it cannot hold a NUL, and keeps no pattern.
    day = note["properties"]["day"]["anyOf"][0]
    assert day["format"] == "date"
    assert "pattern" not in day
    [query] = document["paths"]["/notes"]["get"]["parameters"]
    assert query["schema"]["pattern"] == TEXT_WITHOUT_NUL
    pattern = re.compile(TEXT_WITHOUT_NUL)
    assert pattern.match("兴华社区")
    assert not pattern.match("a\x00b")
    assert client.post("/notes", json={"text": "a\u0000b"}).status_code == 422
    assert client.get("/notes", params={"q": "a\x00"}).status_code == 422


def test_a_time_with_no_utc_form_is_read_as_the_nearest_one_not_a_server_error() -> None:
    at = TypeAdapter(Timestamp)
    assert at.validate_python("0001-01-01T00:00:00-01:00").year == 1
    assert at.validate_python("0001-01-01T00:00:00+03:04") == datetime.min.replace(tzinfo=UTC)
    assert at.validate_python("9999-12-31T23:00:00-05:00") == datetime.max.replace(tzinfo=UTC)
