"""Event contracts: committed JSON Schemas, and no breaking change without a new version."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, create_model

from shared.contracts import EVENT_TYPES
from shared.contracts.base import TYPE_PATTERN
from shared.contracts.compat import breaking_changes
from shared.contracts.schemas import SCHEMA_DIR, render, schema_of, schema_path

COMMITTED = sorted(SCHEMA_DIR.glob("*.json"))


def _committed(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_no_committed_event_type_disappears(path: Path) -> None:
    assert path.stem in EVENT_TYPES, (
        f"{path.stem} has a committed contract but no payload class: consumers may still "
        "read it; keep the old version's class beside the new one"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_no_breaking_change_without_a_version_bump(path: Path) -> None:
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
    assert path.read_text(encoding="utf-8") == render(schema_of(event_type)), (
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
        note: str

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


def test_an_enum_losing_values_or_a_field_losing_null_is_compatible() -> None:
    class New(Old):
        note: str = ""
        kind: Literal["a"]

    assert breaking_changes(_schema(Old), _schema(New)) == []


def test_an_enum_widened_to_any_string_breaks() -> None:
    class New(Old):
        kind: str  # type: ignore[assignment]

    assert breaking_changes(_schema(Old), _schema(New)) == ["kind: no longer limited to 'a', 'b'"]


def test_a_float_narrowed_to_int_is_compatible_but_not_the_reverse() -> None:
    class New(Old):
        hours: int

    assert breaking_changes(_schema(Old), _schema(New)) == []
    [problem] = breaking_changes(_schema(New), _schema(Old))
    assert problem.startswith("hours: type changed")


def test_a_format_dropped_breaks_but_one_added_does_not() -> None:
    class Plain(BaseModel):
        at: str

    class Dated(BaseModel):
        at: datetime

    assert breaking_changes(_schema(Plain), _schema(Dated)) == []
    assert breaking_changes(_schema(Dated), _schema(Plain)) == [
        "at: type changed from string:date-time to string"
    ]


def test_a_map_value_type_change_breaks() -> None:
    class Before(BaseModel):
        scores: dict[str, int]

    class After(BaseModel):
        scores: dict[str, str]

    [problem] = breaking_changes(_schema(Before), _schema(After))
    assert problem.startswith("scores.*: type changed")


def test_a_relaxed_bound_breaks_but_a_tightened_one_does_not() -> None:
    class Loose(BaseModel):
        capacity: int = Field(ge=0)

    class Tight(BaseModel):
        capacity: int = Field(ge=1)

    assert breaking_changes(_schema(Loose), _schema(Tight)) == []
    assert breaking_changes(_schema(Tight), _schema(Loose)) == [
        "capacity: minimum relaxed from 1 to 0"
    ]


def _contact_schema(*phone_fields: str) -> dict[str, Any]:
    """A payload whose field is a union of two models, `Phone` having the given fields."""
    phone = create_model("Phone", **{name: (str, ...) for name in phone_fields})  # type: ignore[call-overload]

    class Contact(BaseModel):
        contact: Address | phone

    return _schema(Contact)


def test_a_changed_model_in_a_union_is_reported_against_its_counterpart() -> None:
    before = _contact_schema("number")
    after = _contact_schema("number", "area")

    assert breaking_changes(before, after) == ["contact.area: added as required"]


def test_an_untyped_field_accepts_anything_but_may_not_become_untyped() -> None:
    class Loose(BaseModel):
        extra: Any

    class Typed(BaseModel):
        extra: str

    assert breaking_changes(_schema(Loose), _schema(Typed)) == []
    assert breaking_changes(_schema(Typed), _schema(Loose)) == [
        "extra: type changed from string to any"
    ]
