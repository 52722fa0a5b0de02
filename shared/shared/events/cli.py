"""`linli-events`: what an operator needs of the streams: status and dead letters."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from shared import loop
from shared.events.deadletters import (
    dead_letter_stream,
    get_dead_letter,
    list_dead_letters,
    replay_dead_letter,
)

T = TypeVar("T")

SERVICES = ("registry", "activities", "evaluation", "notifications")

app = typer.Typer(
    help="Inspect Linli's event streams and handle dead letters.", no_args_is_help=True
)
dead_letters = typer.Typer(help="List, inspect and replay dead letters.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")
console = Console()

RedisUrl = Annotated[
    str, typer.Option("--redis-url", envvar="REDIS_URL", help="the Redis the services use")
]
Namespace = Annotated[
    str, typer.Option("--namespace", envvar="STREAM_NAMESPACE", help="key prefix, if any")
]
Service = Annotated[str, typer.Argument(help="the consuming service, e.g. activities")]


def _run(redis_url: str, work: Callable[[Redis], Awaitable[T]]) -> T:
    async def main() -> T:
        client = Redis.from_url(redis_url)
        try:
            return await work(client)
        finally:
            await client.aclose()

    return loop.run(main())


@app.command()
def status(redis_url: RedisUrl = "redis://127.0.0.1:6379/0", namespace: Namespace = "") -> None:
    """Each stream's length and, per consumer group, its lag, pending and dead letters."""

    async def work(redis: Redis) -> list[list[str]]:
        rows = []
        for service in SERVICES:
            key = f"{namespace}{service}.events"
            if not await redis.exists(key):
                continue
            length = await redis.xlen(key)
            for group in await redis.xinfo_groups(key):
                name = _text(group["name"])
                dead = await redis.xlen(namespace + dead_letter_stream(name))
                rows.append(
                    [
                        key,
                        str(length),
                        name,
                        str(group.get("lag")),
                        str(group["pending"]),
                        str(dead),
                    ]
                )
            if not rows or rows[-1][0] != key:
                rows.append([key, str(length), "-", "-", "-", "-"])
        return rows

    table = Table("stream", "length", "group", "lag", "pending", "dead letters")
    for row in _run(redis_url, work):
        table.add_row(*row)
    console.print(table)


@dead_letters.command("list")
def list_command(
    service: Service,
    count: Annotated[int, typer.Option(help="how many, oldest first")] = 50,
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0",
    namespace: Namespace = "",
) -> None:
    """The oldest dead letters of a service, one line each."""
    key = namespace + dead_letter_stream(service)
    letters = _run(redis_url, lambda redis: list_dead_letters(redis, key, count=count))
    table = Table("id", "type", "event id", "from", "deliveries", "reason")
    for letter in letters:
        table.add_row(
            letter.id,
            letter.original.get("type", "?"),
            letter.original.get("id", "?"),
            letter.stream,
            str(letter.deliveries),
            letter.reason[:80],
        )
    console.print(table)
    console.print(f"{len(letters)} dead letter(s) shown from {key}")


@dead_letters.command("show")
def show_command(
    service: Service,
    dead_letter_id: Annotated[str, typer.Argument(help="the id shown by `list`")],
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0",
    namespace: Namespace = "",
) -> None:
    """One dead letter in full, as JSON."""
    key = namespace + dead_letter_stream(service)
    letter = _run(redis_url, lambda redis: get_dead_letter(redis, key, dead_letter_id))
    if letter is None:
        console.print(f"no dead letter {dead_letter_id} in {key}")
        raise typer.Exit(1)
    document: dict[str, Any] = dict(letter.__dict__)
    console.print_json(json.dumps(document, ensure_ascii=False))


@dead_letters.command("replay")
def replay_command(
    service: Service,
    dead_letter_ids: Annotated[
        list[str] | None, typer.Argument(help="ids shown by `list`; none with --all")
    ] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="replay every dead letter")] = False,
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0",
    namespace: Namespace = "",
) -> None:
    """Put dead letters back on their stream; services that handled them ignore the copy."""
    key = namespace + dead_letter_stream(service)
    if not dead_letter_ids and not all_letters:
        console.print("name dead-letter ids, or pass --all")
        raise typer.Exit(2)

    async def work(redis: Redis) -> list[tuple[str, str | None]]:
        ids = dead_letter_ids or [
            letter.id for letter in await list_dead_letters(redis, key, count=100_000)
        ]
        return [
            (letter_id, await replay_dead_letter(redis, key, letter_id, namespace=namespace))
            for letter_id in ids
        ]

    failed = 0
    for letter_id, new_id in _run(redis_url, work):
        if new_id is None:
            failed += 1
            console.print(f"{letter_id}: not found")
        else:
            console.print(f"{letter_id}: replayed as {new_id}")
    if failed:
        raise typer.Exit(1)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
