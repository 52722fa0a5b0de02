"""Event contracts: committed JSON Schemas, and no breaking change without a new version."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from shared.contracts import EVENT_TYPES
from shared.contracts.base import TYPE_PATTERN
from shared.contracts.compat import breaking_changes
from shared.contracts.schemas import SCHEMA_DIR, render, schema_of, schema_path

COMMITTED = sorted(SCHEMA_DIR.glob("*.json"))


def _committed(path: Any) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_no_committed_event_type_disappears(path: Any) -> None:
    assert path.stem in EVENT_TYPES, (
        f"{path.stem} has a committed contract but no payload class: consumers may still "
        "read it; keep the old version's class beside the new one"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_no_breaking_change_without_a_version_bump(path: Any) -> None:
    event_type = path.stem
    if event_type not in EVENT_TYPES:
        pytest.skip("reported by test_no_committed_event_type_disappears")
    problems = breaking_changes(_committed(path), schema_of(event_type))
    match = TYPE_PATTERN.match(event_type)
    assert match is not None
    bumped = f"{match['fact']}.v{int(match['version']) + 1}"
    assert not problems, (
        f"{event_type} changed in a way that breaks consumers: {'; '.join(problems)}. "
        f"Bump the version: add {bumped} and keep this one."
    )


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_has_its_schema_committed_and_current(event_type: str) -> None:
    path = schema_path(event_type)
    assert path.exists(), f"no committed schema for {event_type}: run `make contracts`"
    assert path.read_text() == render(schema_of(event_type)), (
        f"the committed schema of {event_type} is stale: run `make contracts` and commit"
    )


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_event_types_are_named_and_placed_by_their_producer(event_type: str) -> None:
    match = TYPE_PATTERN.match(event_type)
    assert match is not None
    payload = EVENT_TYPES[event_type]
    assert payload.__module__ == f"shared.contracts.{match['service']}"


# -- the compatibility rule itself ---------------------------------------------------


class Address(BaseModel):
    street: str
    building: int


class Old(BaseModel):
    id: str
    hours: float
    note: str | None = None
    address: Address
    tags: list[str]
    kind: Literal["a", "b"]


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def test_an_unchanged_schema_is_compatible() -> None:
    assert breaking_changes(_schema(Old), _schema(Old)) == []


def test_a_new_optional_field_is_compatible() -> None:
    class New(Old):
        comment: str | None = None

    assert breaking_changes(_schema(Old), _schema(New)) == []


def test_a_removed_field_breaks() -> None:
    class New(BaseModel):
        id: str
        note: str | None = None
        address: Address
        tags: list[str]
        kind: Literal["a", "b"]

    assert breaking_changes(_schema(Old), _schema(New)) == ["hours: removed"]


def test_a_retyped_field_breaks() -> None:
    class New(Old):
        id: int  # type: ignore[assignment]

    [problem] = breaking_changes(_schema(Old), _schema(New))
    assert problem.startswith("id: type changed")


def test_an_optional_field_made_required_breaks() -> None:
    class New(Old):
        note: str  # type: ignore[assignment]

    assert "note: became required" in breaking_changes(_schema(Old), _schema(New))


def test_a_new_required_field_breaks() -> None:
    class New(Old):
        community: str

    assert breaking_changes(_schema(Old), _schema(New)) == ["community: added as required"]


def test_a_nested_field_removed_breaks_with_its_path() -> None:
    class NewAddress(BaseModel):
        street: str

    class New(Old):
        address: NewAddress  # type: ignore[assignment]

    assert breaking_changes(_schema(Old), _schema(New)) == ["address.building: removed"]


def test_a_list_item_type_change_breaks() -> None:
    class New(Old):
        tags: list[int]  # type: ignore[assignment]

    [problem] = breaking_changes(_schema(Old), _schema(New))
    assert problem.startswith("tags[]: type changed")


def test_a_field_becoming_nullable_breaks_but_losing_null_does_not() -> None:
    class Nullable(Old):
        hours: float | None  # type: ignore[assignment]

    assert breaking_changes(_schema(Old), _schema(Nullable)) != []
    assert breaking_changes(_schema(Nullable), _schema(Old)) == []


def test_new_enum_values_break() -> None:
    class New(Old):
        kind: Literal["a", "b", "c"]  # type: ignore[assignment]

    [problem] = breaking_changes(_schema(Old), _schema(New))
    assert "'c'" in problem
