"""Reading an envelope back from a stream entry's fields."""

from __future__ import annotations

import pytest

from shared.events.envelope import Envelope, MalformedEvent
from tests.kit.support import community_event


def as_redis_gives(fields: dict[str, str]) -> dict[bytes, bytes]:
    return {key.encode(): value.encode() for key, value in fields.items()}


def test_an_entry_read_from_redis_gives_back_the_envelope_written() -> None:
    envelope = community_event("东湖").model_copy(update={"causationid": "01CAUSE"})

    assert Envelope.from_fields(as_redis_gives(envelope.to_fields())) == envelope
    assert Envelope.from_fields(envelope.to_fields()) == envelope


def test_fields_outside_the_envelope_are_ignored() -> None:
    # A dead letter carries the original fields and its own beside them.
    envelope = community_event("西湖")
    fields = {**envelope.to_fields(), "deadletter.reason": "handler failed"}

    assert Envelope.from_fields(as_redis_gives(fields)) == envelope


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data": b"\xff\xfe"}, "not a CloudEvents envelope: 'utf-8' codec"),
        ({"time": b"yesterday"}, "time: Input should be a valid datetime"),
        ({"specversion": b"0.3"}, "specversion: Input should be '1.0'"),
    ],
)
def test_an_entry_that_is_not_an_envelope_says_why(change: dict[str, bytes], reason: str) -> None:
    fields = as_redis_gives(community_event("南湖").to_fields())
    fields.update({key.encode(): value for key, value in change.items()})

    with pytest.raises(MalformedEvent, match=reason):
        Envelope.from_fields(fields)
