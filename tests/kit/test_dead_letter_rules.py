"""Dead letters field by field, in this process, on the real Redis: what an operator reads
(list, show) and what a replay puts back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from shared.events.deadletters import (
    dead_letter_fields,
    dead_letter_stream,
    get_dead_letter,
    list_dead_letters,
    replay_dead_letter,
)

ORIGINAL = {b"id": b"evt-1", b"type": b"org.linli.registry.community_created.v1", b"data": b"{}"}


def fields(n: int = 1, **overrides: object) -> dict[bytes, bytes]:
    options: dict[str, object] = {
        "stream": "registry.events",
        "entry_id": f"1700000000000-{n}",
        "group": "activities",
        "reason": f"ValueError: bad event {n}",
        "deliveries": 5,
    } | overrides
    return dead_letter_fields(
        {**ORIGINAL, b"id": f"evt-{n}".encode()},
        stream=str(options["stream"]),
        entry_id=str(options["entry_id"]),
        group=str(options["group"]),
        reason=str(options["reason"]),
        deliveries=int(str(options["deliveries"])),
    )


def test_the_dead_letter_stream_of_a_service() -> None:
    assert dead_letter_stream("activities") == "activities.dead-letters"


def test_a_dead_letter_keeps_the_original_fields_and_says_why_it_failed() -> None:
    before = datetime.now(UTC)
    letter = dead_letter_fields(
        {**ORIGINAL, b"deadletter.reason": b"an earlier failure", b"deadletter.note": b"x"},
        stream="registry.events",
        entry_id="1700000000000-0",
        group="activities",
        reason="ValueError: bad",
        deliveries=5,
    )
    when = letter.pop(b"deadletter.time").decode()
    assert letter == {
        **ORIGINAL,
        b"deadletter.stream": b"registry.events",
        b"deadletter.entry_id": b"1700000000000-0",
        b"deadletter.group": b"activities",
        b"deadletter.reason": b"ValueError: bad",  # an earlier dead-lettering's is replaced
        b"deadletter.deliveries": b"5",
    }
    assert when.endswith("Z")
    assert before <= datetime.fromisoformat(when) <= datetime.now(UTC) + timedelta(seconds=1)


async def test_dead_letters_are_listed_oldest_first_decoded_for_people(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "activities.dead-letters"
    ids = [(await redis.xadd(key, fields(n))).decode() for n in (1, 2, 3)]  # type: ignore[arg-type]
    letters = await list_dead_letters(redis, key)
    assert [letter.id for letter in letters] == ids
    first = letters[0]
    assert (first.stream, first.entry_id, first.group, first.reason, first.deliveries) == (
        "registry.events",
        "1700000000000-1",
        "activities",
        "ValueError: bad event 1",
        5,
    )
    assert first.time.endswith("Z")
    assert first.original == {
        "id": "evt-1",
        "type": "org.linli.registry.community_created.v1",
        "data": "{}",
    }
    assert [letter.id for letter in await list_dead_letters(redis, key, count=2)] == ids[:2]
    assert len(await list_dead_letters(redis, key)) == 3  # listing removes nothing
    assert await get_dead_letter(redis, key, ids[1]) == letters[1]
    assert await get_dead_letter(redis, key, "1-1") is None


async def test_an_entry_without_dead_letter_fields_is_shown_with_empty_ones(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "activities.dead-letters"
    await redis.xadd(key, {b"id": b"evt-9", b"deadletter.deliveries": b""})  # type: ignore[arg-type]
    await redis.xadd(key, {b"id": b"evt-\xff"})  # type: ignore[arg-type]
    [letter, bare] = await list_dead_letters(redis, key)
    assert bare.deliveries == 0
    assert bare.original == {"id": "evt-\ufffd"}  # bytes that are not UTF-8, replaced
    assert (letter.stream, letter.entry_id, letter.group, letter.reason, letter.time) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert letter.deliveries == 0
    assert letter.original == {"id": "evt-9"}


async def test_a_replay_puts_the_original_back_on_its_stream_and_removes_the_letter(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "activities.dead-letters"
    kept = (await redis.xadd(key, fields(1))).decode()  # type: ignore[arg-type]
    replayed = (await redis.xadd(key, fields(2))).decode()  # type: ignore[arg-type]
    new_id = await replay_dead_letter(redis, key, replayed, namespace=namespace)
    assert new_id is not None
    [(entry_id, back)] = await redis.xrange(namespace + "registry.events")
    assert entry_id.decode() == new_id
    assert back == {**ORIGINAL, b"id": b"evt-2"}  # the same event id: others drop it
    assert [letter.id for letter in await list_dead_letters(redis, key)] == [kept]
    assert await replay_dead_letter(redis, key, replayed, namespace=namespace) is None
    # An id that names no letter replays nothing, not the next letter after it.
    assert await replay_dead_letter(redis, key, "1-1", namespace=namespace) is None
    assert [letter.id for letter in await list_dead_letters(redis, key)] == [kept]
    assert await redis.xlen(namespace + "registry.events") == 1


async def test_a_listing_shows_the_oldest_hundred_unless_told_otherwise(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "activities.dead-letters"
    for n in range(101):
        await redis.xadd(key, fields(n))  # type: ignore[arg-type]
    assert len(await list_dead_letters(redis, key)) == 100
    assert len(await list_dead_letters(redis, key, count=101)) == 101
