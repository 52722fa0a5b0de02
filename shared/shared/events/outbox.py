"""The transactional outbox: events are rows committed with the state change."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import clock, context
from shared.audit.recording import note_staged_event
from shared.contracts.base import EventPayload
from shared.events.envelope import Envelope
from shared.events.tables import OutboxMessage

_WAKEUP_KEY = "linli_outbox_added"
_relay_wakeups: set[asyncio.Event] = set()


def stream_of(service: str) -> str:
    """The logical name of the stream a service publishes to."""
    return f"{service}.events"


def add_event(
    session: AsyncSession,
    payload: EventPayload,
    *,
    subject: str | None,
    community: str | None,
) -> Envelope:
    """Stage an event in the session's transaction; it is published after commit.

    The correlation id and the causation id come from the work being done (the HTTP
    request or the event being handled), so a chain of events can be followed.
    """
    envelope = Envelope.wrap(
        payload,
        subject=subject,
        community=community,
        correlation_id=context.correlation_id.get(),
        causation_id=context.causation_id.get(),
    )
    session.add(
        OutboxMessage(
            event_id=envelope.id,
            event_type=envelope.type,
            stream=stream_of(payload.producer()),
            fields=orjson.dumps(envelope.to_fields()).decode(),
            created_at=clock.now(),
        )
    )
    session.sync_session.info[_WAKEUP_KEY] = True
    note_staged_event(session.sync_session, envelope.type, subject, community)
    return envelope


def register_relay_wakeup(wakeup: asyncio.Event) -> None:
    """Have `wakeup` set whenever a session that staged events commits."""
    _relay_wakeups.add(wakeup)


def unregister_relay_wakeup(wakeup: asyncio.Event) -> None:
    """Stop waking a relay that has stopped."""
    _relay_wakeups.discard(wakeup)


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session, *_args: Any) -> None:
    # Publishing right after commit keeps end-to-end latency low; the relay also polls,
    # so a lost wake-up only delays an event, never loses it.
    if session.info.pop(_WAKEUP_KEY, False):
        for wakeup in _relay_wakeups:
            wakeup.set()


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session, *_args: Any) -> None:
    session.info.pop(_WAKEUP_KEY, None)
