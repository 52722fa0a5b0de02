"""Recording the audit trail: one entry per committing transaction of a write request.

The entry is added to the transaction that makes the change, just before it commits, so
the database holds both or neither: a change that committed has its entry, and an entry
names a change that happened. `AuditMiddleware` marks the requests that may change
state (POST, PUT, PATCH, DELETE) by putting their ASGI scope in a context variable; the
session listeners below look at that variable when a transaction commits. Whatever runs
outside such a request (event handlers, the relay, periodic tasks, commands) sees no
scope and records nothing.

What an entry holds comes from the request and from the transaction itself: the caller
(the principal `get_principal` keeps in the scope's state), the route's template, its
path parameters, and the type, subject and community of the events the transaction
staged (`note_staged_event`). Never a request body or a query string: those carry names,
phone numbers and national ID numbers, which must not leave the registry's own columns.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import clock, context
from shared.audit.tables import AuditEntry
from shared.db import KitModel
from shared.ids import new_id

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The ASGI scope of the write request being handled, if any.
_write_request: ContextVar[Scope | None] = ContextVar("audit_write_request", default=None)

# Keys of `Session.info`, kept for one transaction.
_CHANGED = "linli_audit_changed"  # a statement or a flush of this transaction wrote rows
_EVENTS = "linli_audit_events"  # the events staged in this transaction
_SKIP = "linli_audit_skip"  # the transaction is not the request's operation
_FIRST_NEW = "linli_audit_first_new"  # the id of the first row of the service's own added

_PLACEHOLDER = re.compile(r"{(\w+)(?::\w+)?}")


class AuditMiddleware:
    """Make the scope of a write request visible to the session listeners.

    A pure ASGI middleware: the scope is the one the router fills in (`route`,
    `path_params`) and `get_principal` writes to (`state`), so by the time the route
    commits, the listeners find everything in it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        token = _write_request.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _write_request.reset(token)


@dataclass(frozen=True)
class StagedEvent:
    """What the trail keeps of an event a transaction staged: never its payload."""

    type: str
    subject: str | None
    community: str | None


def note_staged_event(
    session: Session, event_type: str, subject: str | None, community: str | None
) -> None:
    """Remember an event staged in `session`'s transaction, for its audit entry."""
    session.info.setdefault(_EVENTS, []).append(StagedEvent(event_type, subject, community))


def leave_out_of_trail(session: Session) -> None:
    """Record no entry for the transaction under way in `session`.

    For a commit that is not the operation the caller asked for but a side effect of
    refusing it (a failed login's counter, committed before the 401): a refused request
    writes nothing to the trail.
    """
    session.info[_SKIP] = True


def _has_pending_changes(session: Session) -> bool:
    return bool(session.new or session.deleted) or any(
        session.is_modified(instance) for instance in session.dirty
    )


def _note_first_new(session: Session) -> None:
    # What a create made, when it published no event to say so: the first row of the
    # service's own tables (not the outbox, not the trail) it added.
    if _FIRST_NEW in session.info:
        return
    for instance in session.new:
        key = getattr(instance, "id", None)
        if not isinstance(instance, KitModel) and isinstance(key, str | int):
            session.info[_FIRST_NEW] = str(key)
            return


@event.listens_for(Session, "before_flush")
def _note_flush_to_come(session: Session, _flush_context: Any, _instances: Any) -> None:
    if _write_request.get() is not None:
        _note_first_new(session)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context: Any) -> None:
    # Objects already flushed are no longer pending at commit: remember that they were.
    if _write_request.get() is not None and _has_pending_changes(session):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    # An INSERT, UPDATE or DELETE statement (an upsert, a bulk update) changes rows
    # without any object becoming pending.
    if _write_request.get() is not None and (state.is_insert or state.is_update or state.is_delete):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _record(session: Session) -> None:
    scope = _write_request.get()
    if scope is None or session.info.get(_SKIP):
        return
    if not (session.info.get(_CHANGED) or _has_pending_changes(session)):
        return
    _note_first_new(session)
    # Flushed with the rest of the transaction by the commit itself: no extra round trip.
    session.add(entry_for(scope, session.info.get(_EVENTS, []), session.info.get(_FIRST_NEW)))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction, committed or rolled back
        for key in (_CHANGED, _EVENTS, _SKIP, _FIRST_NEW):
            session.info.pop(key, None)


def entry_for(scope: Scope, events: list[StagedEvent], first_new: str | None = None) -> AuditEntry:
    """The audit entry of a transaction of the request of `scope` that staged `events`
    and added, first, the row whose id is `first_new`."""
    route = scope.get("route")
    template: str = getattr(route, "path", None) or scope["path"]
    status_code: int = getattr(route, "status_code", None) or 200
    path_params = {name: str(value) for name, value in scope.get("path_params", {}).items()}
    principal = scope.get("state", {}).get("principal")
    community = next((e.community for e in events if e.community is not None), None)
    if community is None and principal is not None:
        community = principal.community
    object_type, object_id = acted_on(
        scope["method"], template, status_code, path_params, events, first_new
    )
    client = scope.get("client")
    details = {
        "path": path_params,
        "events": [{"type": e.type, "subject": e.subject} for e in events],
    }
    # Cut to the columns' lengths: a caller's overlong value (an id in a path, a test
    # token's subject) must never make the change itself fail on PostgreSQL.
    return AuditEntry(
        id=new_id(),
        at=clock.now(),
        actor_id=_fit(principal.subject if principal is not None else None, 26),
        actor_role=_fit(str(principal.role) if principal is not None else None, 32),
        community_id=_fit(community, 26),
        action=f"{scope['method']} {template}"[:200],
        object_type=_fit(object_type, 64),
        object_id=_fit(object_id, 64),
        details=orjson.dumps(details).decode(),
        status_code=status_code,
        address=_fit(str(client[0]) if client else None, 64),
        correlation_id=_fit(context.correlation_id.get(), 128),
    )


def _fit(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def acted_on(
    method: str,
    template: str,
    status_code: int,
    path_params: dict[str, str],
    events: list[StagedEvent],
    first_new: str | None = None,
) -> tuple[str | None, str | None]:
    """The type and id of the object an operation acted on.

    A create (a POST answering 201) acted on what it created: the subject of the first
    event it staged (or, staging none, the first row it added), of the kind its path's
    last word names (`POST /communities/{community_id}/teams` makes a team). Anything
    else acted on what its path names last (`activity_id` in
    `/activities/{activity_id}/publish`), or, with no id in the path, on the subject of
    its first event.
    """
    subject = next((e.subject for e in events if e.subject is not None), None)
    names = [name for name in _PLACEHOLDER.findall(template) if name in path_params]
    if method == "POST" and status_code == 201:
        subject = subject or first_new
        if subject is not None:
            return _kind_named_by(template), subject
    if names:
        last = names[-1]
        return last.removesuffix("_id"), path_params[last]
    if subject is None:
        return None, None
    return _kind_named_by(template), subject


def _kind_named_by(template: str) -> str | None:
    """The kind of thing a path's last word names, in the singular: `sign-ups` is a
    `sign_up`, `activities` an `activity`."""
    words = [w for w in template.split("/") if w and not _PLACEHOLDER.search(w)]
    if not words:
        return None
    word = words[-1].replace("-", "_")
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "series")):
        return word[:-1]
    return word
