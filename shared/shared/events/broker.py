"""FastStream wiring: one batch subscriber per consumed stream, reading plain entries.

FastStream reads new entries with XREADGROUP and hands each batch to the stream's
`BatchPipeline`, whose task applies it through the kit's `EventConsumer` while the next
batch is read. The consumer acknowledges explicitly after commit (FastStream's own ack
and nack do not fit: it would acknowledge a whole batch, and its nack sends nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.message import RedisBatchStreamMessage
from faststream.redis.subscriber.usecases.stream_subscriber import StreamBatchSubscriber

from shared.events.consumer import EventConsumer, StreamEntry
from shared.events.pipeline import BatchPipeline


async def _plain_entries(raw: Any, _default_parser: Callable[..., Awaitable[Any]]) -> Any:
    # Entries are plain field maps (see shared.events.envelope), not FastStream's binary
    # `__data__` format, so FastStream's own parser cannot read them. The kit works on
    # the raw entries; the body is left empty.
    return RedisBatchStreamMessage(
        raw_message=raw,
        body=b"",
        headers={},
        batch_headers=[],
        path={},
        content_type=None,
        message_id=raw["message_ids"][0].decode() if raw["message_ids"] else "",
        correlation_id="",
        # Acknowledgement is the kit's (AckPolicy.MANUAL): the message needs no client.
        consumer=None,  # type: ignore[arg-type]
        group=None,
    )


async def _raw_reply(
    message: RedisBatchStreamMessage, _default_decoder: Callable[..., Awaitable[Any]]
) -> Any:
    # What the handler is called with: the XREADGROUP reply's ids and field maps.
    return message.raw_message


def subscribe_consumer(
    broker: RedisBroker,
    consumer: EventConsumer,
    *,
    batch_size: int,
    block_ms: int,
) -> tuple[list[StreamBatchSubscriber], list[BatchPipeline]]:
    """Register a batch subscriber of the consumer's group on each stream it reads; its
    batches go to the stream's pipeline (see `shared.events.pipeline`)."""
    subscribers = []
    pipelines = []
    for key in consumer.stream_keys:
        pipeline = BatchPipeline(consumer)
        subscriber = broker.subscriber(
            stream=StreamSub(
                key,
                group=consumer.group,
                consumer=consumer.consumer_name,
                batch=True,
                max_records=batch_size,
                polling_interval=block_ms,
            ),
            parser=_plain_entries,
            decoder=_raw_reply,
            ack_policy=AckPolicy.MANUAL,
            title=f"{key}:{consumer.group}",
            description=(
                f"The {consumer.group} service's consumer group; handles "
                + ", ".join(_types_on(consumer, key))
            ),
        )
        subscriber(_batch_handler(pipeline, key))
        subscribers.append(subscriber)
        pipelines.append(pipeline)
    return subscribers, pipelines


def _types_on(consumer: EventConsumer, key: str) -> list[str]:
    producer = key.removeprefix(consumer.namespace).removesuffix(".events")
    return [t for t in consumer.handlers.event_types if t.startswith(f"org.linli.{producer}.")]


def _batch_handler(pipeline: BatchPipeline, key: str) -> Callable[[Any], Awaitable[None]]:
    # Called with the decoded body alone: the broker does not inject arguments (see
    # shared.runtime), so the handler takes no `Context`.
    async def handle(raw: Any) -> None:
        await pipeline.submit(
            [
                StreamEntry(key, entry_id.decode(), fields, 1)
                for entry_id, fields in zip(raw["message_ids"], raw["data"], strict=True)
            ]
        )

    return handle
