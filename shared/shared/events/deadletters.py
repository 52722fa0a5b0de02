"""Dead letters: entries a service gave up on, kept with why, to inspect and replay.

A dead-letter entry keeps every field of the original entry and adds:
`deadletter.stream` (logical stream it came from), `deadletter.entry_id`,
`deadletter.group` (the service that failed it), `deadletter.reason`,
`deadletter.deliveries` and `deadletter.time`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from shared import clock

Entry = tuple[bytes, dict[bytes, bytes]]

PREFIX = "deadletter."


def dead_letter_stream(group: str) -> str:
    """The logical dead-letter stream of a consuming service, e.g. `activities.dead-letters`."""
    return f"{group}.dead-letters"


def dead_letter_fields(
    original: Mapping[bytes, bytes],
    *,
    stream: str,
    entry_id: str,
    group: str,
    reason: str,
    deliveries: int,
) -> dict[bytes, bytes]:
    """The fields of a dead-letter entry: the original fields plus why it failed."""
    fields = {key: value for key, value in original.items() if not key.startswith(b"deadletter.")}
    extra = {
        "stream": stream,
        "entry_id": entry_id,
        "group": group,
        "reason": reason,
        "deliveries": str(deliveries),
        "time": clock.now().isoformat().replace("+00:00", "Z"),
    }
    fields.update({(PREFIX + key).encode(): value.encode() for key, value in extra.items()})
    return fields


@dataclass(frozen=True)
class DeadLetter:
    """One dead-letter entry, decoded for people."""

    id: str
    stream: str
    entry_id: str
    group: str
    reason: str
    deliveries: int
    time: str
    original: dict[str, str]


def _decode(entry_id: bytes, fields: Mapping[bytes, bytes]) -> DeadLetter:
    text = {
        key.decode(errors="replace"): value.decode(errors="replace")
        for key, value in fields.items()
    }
    return DeadLetter(
        id=entry_id.decode(),
        stream=text.get(PREFIX + "stream", ""),
        entry_id=text.get(PREFIX + "entry_id", ""),
        group=text.get(PREFIX + "group", ""),
        reason=text.get(PREFIX + "reason", ""),
        deliveries=int(text.get(PREFIX + "deliveries", "0") or 0),
        time=text.get(PREFIX + "time", ""),
        original={k: v for k, v in text.items() if not k.startswith(PREFIX)},
    )


async def list_dead_letters(redis: Redis, key: str, *, count: int = 100) -> list[DeadLetter]:
    """The oldest `count` dead letters in the stream at `key`."""
    entries = cast("list[Entry]", await redis.xrange(key, count=count))
    return [_decode(entry_id, fields) for entry_id, fields in entries]


async def get_dead_letter(redis: Redis, key: str, dead_letter_id: str) -> DeadLetter | None:
    """One dead letter by its id in the dead-letter stream, or None."""
    entries = cast("list[Entry]", await redis.xrange(key, min=dead_letter_id, max=dead_letter_id))
    return _decode(*entries[0]) if entries else None


async def replay_dead_letter(
    redis: Redis, key: str, dead_letter_id: str, *, namespace: str = ""
) -> str | None:
    """Put a dead letter back on its original stream and remove it; returns the new id.

    The replayed entry keeps its event id, so services that had handled it already
    drop it as a duplicate; only the service that failed it does the work again.
    """
    entries = cast(
        "list[Entry]", await redis.xrange(key, min=dead_letter_id, max=dead_letter_id, count=1)
    )
    if not entries:
        return None
    _, fields = entries[0]
    original = {k: v for k, v in fields.items() if not k.startswith(PREFIX.encode())}
    stream = namespace + fields[(PREFIX + "stream").encode()].decode()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(stream, original)  # type: ignore[arg-type]
        pipe.xdel(key, dead_letter_id)
        new_id, _ = await pipe.execute()
    return str(new_id.decode() if isinstance(new_id, bytes) else new_id)
